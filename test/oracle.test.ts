/**
 * Oracle: systemd itself. Where `systemd-analyze` is installed (systemd 252 on the project's machines),
 * every snippet below is verified by systemd and by our parser, and the warnings must agree: the lines
 * systemd calls "Missing '='", and the keys it calls unknown (with their line and section).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnitText } from '../src/sources/unitfile/parser.js';
import { directiveInfo } from '../src/catalog/index.js';

const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

const SNIPPETS: Record<string, string> = {
  'comment-in-continuation': '[Service]\nExecStart=/bin/true \\\n# comment\nBadKeyA\nExecStart=/bin/true \\\n  ; indented\nBadKeyB\nFooX=1\n',
  'blank-ends-continuation': '[Service]\nExecStart=/bin/true \\\n\nBadKeyC\nFooBar=1\n',
  'comment-backslash-does-not-continue': '[Service]\n# c1 \\\nBadKeyD\n# c2 \\\nFooBaz=2\nExecStart=/bin/true\n',
  'escaped-backslash': '[Service]\nExecStart=/bin/echo a\\\\\nBadKeyE\n',
  'unknown-keys-and-sections': '[Unit]\nAfter=a.service\nRestartSec=5\n[Service]\nExecStart=/bin/true\nRestartSecs=5\nrestart=always\nAfter=b.service\nStartLimitIntervalSec=5\nStartLimitInterval=5\nX-Mine=1\n[X-Ext]\nAnything=1\n',
  'whitespace-and-crlf': '[Service]\r\n  ExecStart =  /bin/true  \r\nNoSuchKey = 1\r\n  BadKeyF  \r\n',
  'missing-key': '[Service]\nExecStart=/bin/true\n=value\n',
  'long-continuation': '[Service]\nExecStart=/bin/echo \\\n  a \\\n  b \\\n  c\nBadKeyG\nAlsoUnknown=1\n',
};

interface Warn {
  line: number;
  what: string;
}

function systemdWarnings(file: string): Warn[] {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
  const out: Warn[] = [];
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const line of (r.stderr + r.stdout).split('\n')) {
    const m = new RegExp(`${base}:(\\d+): (.*)$`).exec(line);
    if (!m) continue;
    const msg = m[2];
    if (msg.startsWith("Missing '='")) out.push({ line: Number(m[1]), what: "missing '='" });
    if (msg.startsWith('Missing key name')) out.push({ line: Number(m[1]), what: 'missing key' });
    const k = /^Unknown key '([^']+)' in section \[([^\]]+)\]/.exec(msg) ?? /^Unknown key name '([^']+)' in section '([^']+)'/.exec(msg);
    if (k) out.push({ line: Number(m[1]), what: `unknown ${k[2]}.${k[1]}` });
  }
  return out.sort((a, b) => a.line - b.line || (a.what < b.what ? -1 : 1));
}

function ourWarnings(file: string, text: string): Warn[] {
  const p = parseUnitText(file, text);
  const out: Warn[] = [];
  for (const d of p.diagnostics) {
    if (d.message.startsWith("Missing '='")) out.push({ line: d.line, what: "missing '='" });
    if (d.message.startsWith('Missing key name')) out.push({ line: d.line, what: 'missing key' });
  }
  for (const s of p.sections) {
    if (s.name.startsWith('X-')) continue;
    for (const a of s.assignments) {
      if (!a.key.startsWith('X-') && !directiveInfo(s.name, a.key)) out.push({ line: a.line, what: `unknown ${s.name}.${a.key}` });
    }
  }
  return out.sort((a, b) => a.line - b.line || (a.what < b.what ? -1 : 1));
}

describe.skipIf(!hasSystemd)('parser agrees with systemd-analyze verify', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-oracle-'));
  for (const [name, text] of Object.entries(SNIPPETS)) {
    it(name, () => {
      const file = path.join(dir, `${name}.service`);
      fs.writeFileSync(file, text);
      const theirs = systemdWarnings(file);
      expect(theirs.length, 'every snippet has a line systemd warns about').toBeGreaterThan(0);
      expect(ourWarnings(file, text)).toEqual(theirs);
    });
  }
  it('invalid-value reports exactly the lines systemd fails to parse', async () => {
    const { lint } = await import('../src/engine/lint.js');
    const { defaultConfig } = await import('../src/config.js');
    const fixture = path.resolve(import.meta.dirname, '../fixtures/invalid-value/app.service');
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', fixture], { encoding: 'utf8' });
    const theirs = [...(r.stderr + r.stdout).matchAll(/app\.service:(\d+): Failed to parse/g)].map((m) => Number(m[1]));
    const res = await lint({ paths: [fixture], cwd: path.dirname(fixture), config: defaultConfig() });
    const ours = res.findings.filter((f) => f.ruleId === 'invalid-value').map((f) => f.location.line);
    expect(theirs.length).toBeGreaterThan(5);
    expect(ours).toEqual(theirs);
  });

  it('runs systemd 252 or later', () => {
    const v = execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    expect(Number(/systemd (\d+)/.exec(v)?.[1])).toBeGreaterThanOrEqual(252);
  });
});
