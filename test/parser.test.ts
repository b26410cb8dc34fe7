import { describe, expect, it } from 'vitest';
import { parseUnitText } from '../src/sources/unitfile/parser.js';
import { splitUnitList, splitWords } from '../src/sources/unitfile/words.js';
import { expandSpecifiers, escapePath, parseUnitName, templateOf } from '../src/model/names.js';
import { parseTimespan } from '../src/model/time.js';

const kv = (text: string) =>
  parseUnitText('/x.service', text).sections.flatMap((s) => s.assignments.map((a) => [s.name, a.key, a.value, a.line]));

describe('unit-file parser (systemd.syntax(7), conf-parser.c)', () => {
  it('reads sections and assignments with positions, stripping white space around key and value', () => {
    const p = parseUnitText('/x.service', '[Unit]\n  Description =  hello world  \n\n[Service]\nExecStart=/bin/true\n');
    expect(p.diagnostics).toEqual([]);
    expect(p.sections.map((s) => [s.name, s.line])).toEqual([['Unit', 1], ['Service', 4]]);
    const d = p.sections[0].assignments[0];
    expect([d.key, d.value, d.line, d.column, d.valueColumn, d.keyEndColumn]).toEqual(['Description', 'hello world', 2, 3, 18, 14]);
  });

  it('skips # and ; comments and keeps them for suppressions', () => {
    const p = parseUnitText('/x', '# top\n[Unit]\n; semi\n  # indented\nAfter=a.service\n');
    expect(p.comments.map((c) => [c.text, c.line])).toEqual([['# top', 1], ['; semi', 3], ['# indented', 4]]);
    expect(kv('[Unit]\n; x\nAfter=a.service\n')).toEqual([['Unit', 'After', 'a.service', 3]]);
  });

  it('keeps repeated keys in order (accumulation is decided per directive)', () => {
    expect(kv('[Unit]\nAfter=a.service\nAfter=b.service\nAfter=\n')).toEqual([
      ['Unit', 'After', 'a.service', 2], ['Unit', 'After', 'b.service', 3], ['Unit', 'After', '', 4],
    ]);
  });

  it('joins backslash continuations with a space, spanning lines', () => {
    const p = parseUnitText('/x', '[Service]\nExecStart=/bin/echo a \\\n  b \\\n  c\nUser=x\n');
    const a = p.sections[0].assignments[0];
    expect(a.value).toBe('/bin/echo a    b    c');
    expect([a.line, a.endLine]).toEqual([2, 4]);
    expect(p.sections[0].assignments[1].line).toBe(5);
  });

  it('skips comment lines inside a continuation; a blank line ends it (as systemd 252 does)', () => {
    expect(kv('[Service]\nExecStart=/bin/echo a \\\n# comment\n  b\n')).toEqual([['Service', 'ExecStart', '/bin/echo a    b', 2]]);
    expect(kv('[Service]\nExecStart=/bin/echo a \\\n\nUser=u\n')).toEqual([['Service', 'ExecStart', '/bin/echo a', 2], ['Service', 'User', 'u', 4]]);
  });

  it('does not treat an escaped backslash as a continuation', () => {
    expect(kv('[Service]\nEnvironment=A=x\\\\\nUser=u\n')).toEqual([['Service', 'Environment', 'A=x\\\\', 2], ['Service', 'User', 'u', 3]]);
  });

  it('never continues a comment line, even one ending in a backslash', () => {
    const p = parseUnitText('/x', '[Service]\n# note \\\nRestartSec=5\n');
    expect(p.sections[0].assignments.map((a) => [a.key, a.line])).toEqual([['RestartSec', 3]]);
    expect(p.diagnostics).toEqual([]);
  });

  it('reports an invalid section header as fatal, with its position', () => {
    const p = parseUnitText('/x', '[Unit\nAfter=a.service\n');
    expect(p.diagnostics).toEqual([expect.objectContaining({ line: 1, column: 1, fatal: true })]);
    expect(p.diagnostics[0].message).toMatch(/refuses to load/);
    expect(p.sections).toEqual([]);
  });

  it('reports a line without "=" and an empty key, and goes on', () => {
    const p = parseUnitText('/x', '[Unit]\nAfter a.service\n=x\nBefore=b.service\n');
    expect(p.diagnostics.map((d) => [d.line, d.fatal])).toEqual([[2, false], [3, false]]);
    expect(p.diagnostics[0].message).toMatch(/Missing '='/);
    expect(p.sections[0].assignments.map((a) => a.key)).toEqual(['Before']);
  });

  it('reports assignments before any section once', () => {
    const p = parseUnitText('/x', 'A=1\nB=2\n[Unit]\n');
    expect(p.diagnostics.map((d) => d.line)).toEqual([1]);
  });

  it('drops a UTF-8 byte order mark and accepts CRLF line ends', () => {
    expect(kv('\uFEFF[Unit]\r\nAfter=a.service\r\n')).toEqual([['Unit', 'After', 'a.service', 2]]);
  });

  it('reports invalid UTF-8 lines, which systemd skips', () => {
    const text = Buffer.from([...Buffer.from('[Unit]\nDescription=caf'), 0xe9, 0x0a]).toString('utf8');
    const p = parseUnitText('/x', text);
    expect(p.diagnostics.map((d) => [d.line, d.message.includes('UTF-8')])).toEqual([[2, true]]);
    expect(p.sections[0].assignments).toEqual([]);
  });

  it('accepts an empty value', () => {
    expect(kv('[Service]\nExecStart=\n')).toEqual([['Service', 'ExecStart', '', 2]]);
  });

  it('never throws on arbitrary input', () => {
    for (const t of ['', '\n\n', '[', ']', '[]', '=\\', '\\', '[A]\n\\\n\\\n', '\u0000\u0001', 'x'.repeat(10000)]) {
      expect(() => parseUnitText('/x', t)).not.toThrow();
    }
  });
});

describe('word splitting (extract_first_word)', () => {
  it('splits unit lists on white space without unquoting, with offsets', () => {
    expect(splitUnitList('a.service  b.target')).toEqual([
      { text: 'a.service', start: 0, end: 9 },
      { text: 'b.target', start: 11, end: 19 },
    ]);
    expect(splitUnitList('"a b.service"').map((w) => w.text)).toEqual(['"a', 'b.service"']);
  });
  it('unquotes and unescapes command lines', () => {
    expect(splitWords(`/bin/sh -c "echo 'hi there'" x\\ y`).map((w) => w.text)).toEqual(['/bin/sh', '-c', "echo 'hi there'", 'x y']);
    expect(splitWords('a\\x41\\tb', { cunescape: true }).map((w) => w.text)).toEqual(['aA\tb']);
  });
});

describe('unit names and specifiers', () => {
  it('parses names, templates and instances', () => {
    expect(parseUnitName('getty@tty1.service')).toEqual({ name: 'getty@tty1.service', type: 'service', prefix: 'getty', instance: 'tty1' });
    expect(parseUnitName('getty@.service')?.instance).toBe('');
    expect(parseUnitName('network')).toBeUndefined();
    expect(parseUnitName('a b.service')).toBeUndefined();
    expect(parseUnitName('@x.service')).toBeUndefined();
    expect(templateOf('getty@tty1.service')).toBe('getty@.service');
    expect(templateOf('getty.service')).toBeUndefined();
  });
  it('expands %n %N %p %P %i %I %j %J %f and system paths', () => {
    const n = 'systemd-fsck@dev-disk-by\\x2duuid-1234.service';
    expect(expandSpecifiers('%n|%N|%p|%i', n)).toBe(`${n}|systemd-fsck@dev-disk-by\\x2duuid-1234|systemd-fsck|dev-disk-by\\x2duuid-1234`);
    expect(expandSpecifiers('%I', n)).toBe('dev/disk/by-uuid/1234');
    expect(expandSpecifiers('%f', n)).toBe('/dev/disk/by-uuid/1234');
    expect(expandSpecifiers('%j|%J', 'foo-bar-baz.service')).toBe('baz|baz');
    expect(expandSpecifiers('%t/app.sock %S %C %L %% %H', 'a.service')).toBe('/run/app.sock /var/lib /var/cache /var/log % %H');
  });
  it('escapes paths to mount unit names', () => {
    expect(escapePath('/')).toBe('-');
    expect(escapePath('/var/lib/my-app')).toBe('var-lib-my\\x2dapp');
  });
});

describe('time spans (systemd.time(7))', () => {
  it('parses seconds by default and every unit', () => {
    expect(parseTimespan('5')).toBe(5000);
    expect(parseTimespan('100ms')).toBe(100);
    expect(parseTimespan('1min 30s')).toBe(90_000);
    expect(parseTimespan('2h')).toBe(7_200_000);
    expect(parseTimespan('1.5s')).toBe(1500);
    expect(parseTimespan('5 min')).toBe(300_000);
    expect(parseTimespan('infinity')).toBe(Infinity);
    expect(parseTimespan('0')).toBe(0);
    expect(parseTimespan('abc')).toBeUndefined();
    expect(parseTimespan('5 parsecs')).toBeUndefined();
  });
});
