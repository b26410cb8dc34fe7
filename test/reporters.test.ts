import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTERS, type FormatName } from '../src/reporters/index.js';
import { escapeData, escapeProperty } from '../src/reporters/github.js';
import { fingerprint, pathToUri, pascalCase } from '../src/reporters/sarif.js';
import { RULE_DOCS_BASE, type ReportInput } from '../src/reporters/types.js';
import type { Finding, Location, RuleMeta } from '../src/types.js';

const ANSI = /\x1b\[/;
const CYCLE_FILE = 'units/my dir/a,b.service'; // a space and a comma
const DOCS = (id: string) => `${RULE_DOCS_BASE}${id}.md`;

function loc(file: string, line: number, column: number, endLine: number, endColumn: number): Location {
  return { file, line, column, endLine, endColumn };
}

const CYCLE: Finding = {
  ruleId: 'ordering-cycle',
  severity: 'error',
  message: [
    'ordering cycle: a,b.service → b.service → c.service → a,b.service',
    'a,b.service After=b.service (units/my dir/a,b.service:3)',
    'b.service After=c.service (units/b.service:2)',
    'c.service After=a,b.service (units/c.service:2)',
  ].join('\n'),
  unit: 'a,b.service',
  location: loc(CYCLE_FILE, 3, 7, 3, 16),
  related: [
    { message: 'a,b.service is ordered after b.service here', location: loc(CYCLE_FILE, 3, 1, 3, 16) },
    { message: 'b.service is ordered after c.service here', location: loc('units/b.service', 2, 7, 2, 16) },
    // c.service is not on disk: the note is printed without a frame.
    { message: 'c.service is ordered after a,b.service here', location: loc('units/c.service', 2, 1, 2, 18) },
  ],
  fix: { description: 'Drop one of the After= edges.' },
};

const QUOTA: Finding = {
  ruleId: 'cpu-quota',
  severity: 'warning',
  message: 'CPUQuota=150% exceeds: 1 CPU, 2 cores\nsecond line, with: 50%\r\nthird',
  unit: 'web.service',
  location: loc('units/web.service', 5, 2, 5, 15), // the source line starts with a tab
  related: [],
  fix: { description: 'Use 100%, or fewer.' },
};

const RESTART: Finding = {
  ruleId: 'restart-always',
  severity: 'info',
  message: 'Restart=always with a multi-line ExecStart',
  unit: null,
  location: loc('units/web.service', 7, 11, 8, 9), // spans two lines
  related: [],
  fix: { description: 'Consider Restart=on-failure.' },
};

const FINDINGS = [CYCLE, QUOTA, RESTART];

const RULES: RuleMeta[] = [
  { id: 'restart-always', severity: 'info', category: 'restart', summary: 'Restart=always restarts forever', docs: '# restart-always\n\nDocs.' },
  { id: 'ordering-cycle', severity: 'error', category: 'ordering', summary: 'Units ordered in a cycle', docs: '# ordering-cycle\n\nWhy it bites.' },
  { id: 'cpu-quota', severity: 'warning', category: 'resources', summary: 'CPUQuota above the machine', docs: '# cpu-quota' },
  { id: 'unused-rule', severity: 'warning', category: 'meta', summary: 'Never fires here', docs: '# unused-rule' },
];

let cwd: string;

beforeAll(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-reporters-'));
  fs.mkdirSync(path.join(cwd, 'units/my dir'), { recursive: true });
  fs.writeFileSync(path.join(cwd, CYCLE_FILE), '[Unit]\nDescription=A\nAfter=b.service\n');
  fs.writeFileSync(path.join(cwd, 'units/b.service'), '[Unit]\r\nAfter=c.service\r\n');
  fs.writeFileSync(
    path.join(cwd, 'units/web.service'),
    '[Unit]\nDescription=web\n\n[Service]\n\tCPUQuota=150%\nRestart=always\nExecStart=/bin/web \\\n  --flag\n',
  );
});

afterAll(() => {
  fs.rmSync(cwd, { recursive: true, force: true });
});

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    findings: FINDINGS,
    rules: RULES,
    toolVersion: '0.1.0',
    stats: { files: 3, units: 3, durationMs: 12.4 },
    cwd,
    color: false,
    readSource: (file) => {
      try {
        return fs.readFileSync(path.join(cwd, file), 'utf8');
      } catch {
        return undefined;
      }
    },
    ...over,
  };
}

const SUMMARY = 'Found 3 problems (1 error, 1 warning, 1 info) in 3 files, 3 units (12 ms).';

describe('REPORTERS', () => {
  it('registers exactly the seven formats', () => {
    expect(Object.keys(REPORTERS).sort()).toEqual(['checkstyle', 'concise', 'full', 'github', 'json', 'junit', 'sarif']);
    const name: FormatName = 'full';
    expect(typeof REPORTERS[name]).toBe('function');
  });
});

describe('full reporter', () => {
  it('renders headers, frames with carets, explanations, notes, help and docs', () => {
    const out = REPORTERS.full(input());
    expect(out).toBe(
      [
        'error[ordering-cycle]: ordering cycle: a,b.service → b.service → c.service → a,b.service',
        ' --> units/my dir/a,b.service:3:7',
        '  |',
        '3 | After=b.service',
        '  |       ^^^^^^^^^',
        '  |',
        '  = a,b.service After=b.service (units/my dir/a,b.service:3)',
        '  = b.service After=c.service (units/b.service:2)',
        '  = c.service After=a,b.service (units/c.service:2)',
        '  = note: a,b.service is ordered after b.service here',
        ' --> units/my dir/a,b.service:3:1',
        '3 | After=b.service',
        '  = note: b.service is ordered after c.service here',
        ' --> units/b.service:2:7',
        '2 | After=c.service',
        '  = note: c.service is ordered after a,b.service here',
        ' --> units/c.service:2:1',
        '  = help: Drop one of the After= edges.',
        `  = docs: unitlint explain ordering-cycle  (${DOCS('ordering-cycle')})`,
        '',
        'warning[cpu-quota]: CPUQuota=150% exceeds: 1 CPU, 2 cores',
        ' --> units/web.service:5:2',
        '  |',
        '5 |     CPUQuota=150%',
        '  |     ^^^^^^^^^^^^^',
        '  |',
        '  = second line, with: 50%',
        '  = third',
        '  = help: Use 100%, or fewer.',
        `  = docs: unitlint explain cpu-quota  (${DOCS('cpu-quota')})`,
        '',
        'info[restart-always]: Restart=always with a multi-line ExecStart',
        ' --> units/web.service:7:11',
        '  |',
        '7 | ExecStart=/bin/web \\',
        '  |           ^^^^^^^^^^',
        '  |',
        '  = help: Consider Restart=on-failure.',
        `  = docs: unitlint explain restart-always  (${DOCS('restart-always')})`,
        '',
        SUMMARY,
        '',
      ].join('\n'),
    );
    expect(out).not.toMatch(ANSI);
  });

  it('puts the caret under column..endColumn, expanding tabs consistently', () => {
    const lines = REPORTERS.full(input({ findings: [QUOTA] })).split('\n');
    const code = lines.findIndex((l) => l.startsWith('5 | '));
    const src = lines[code].slice('5 | '.length);
    const caret = lines[code + 1].slice('  | '.length);
    expect(src).toBe('    CPUQuota=150%');
    expect(caret.indexOf('^')).toBe(src.indexOf('C'));
    expect(caret.trim().length).toBe('CPUQuota=150%'.length);
  });

  it('clamps ranges past the end of the line and underlines at least one character', () => {
    const f: Finding = { ...QUOTA, message: 'x', location: loc('units/web.service', 6, 9, 6, 99) };
    const g: Finding = { ...QUOTA, message: 'y', location: loc('units/web.service', 6, 40, 6, 40) };
    const out = REPORTERS.full(input({ findings: [f, g] }));
    expect(out).toContain('6 | Restart=always\n  |         ^^^^^^\n');
    expect(out).toContain('6 | Restart=always\n  |               ^\n');
  });

  it('colours when asked, with no escapes otherwise', () => {
    const colored = REPORTERS.full(input({ color: true }));
    expect(colored).toMatch(ANSI);
    expect(colored).toContain('\x1b[31m'); // error red
    expect(colored).toContain('\x1b[33m'); // warning yellow
    expect(colored).toContain('\x1b[34m'); // info blue
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(REPORTERS.full(input()));
  });

  it('omits frames it cannot render and never crashes', () => {
    const unreadable = REPORTERS.full(input({ readSource: () => undefined }));
    expect(unreadable).not.toContain(' | ');
    expect(unreadable).toContain(' --> units/my dir/a,b.service:3:7\n  = a,b.service After=b.service');
    const throwing = REPORTERS.full(
      input({
        readSource: () => {
          throw new Error('EACCES');
        },
      }),
    );
    expect(throwing).toBe(unreadable);
    const outOfRange: Finding = { ...QUOTA, location: loc('units/web.service', 99, 1, 99, 2) };
    const zero: Finding = { ...QUOTA, location: loc('units/web.service', 0, 0, 0, 0) };
    const out = REPORTERS.full(input({ findings: [outOfRange, zero] }));
    expect(out).toContain(' --> units/web.service:99:1\n  = second line');
    expect(out).toContain(' --> units/web.service:0:0\n  = second line');
  });

  it('prints the no-problems summary', () => {
    expect(REPORTERS.full(input({ findings: [] }))).toBe('No problems found in 3 files, 3 units (12 ms).\n');
    const one = REPORTERS.full(input({ findings: [RESTART], stats: { files: 1, units: 1, durationMs: 0.4 } }));
    expect(one.endsWith('\nFound 1 problem (0 errors, 0 warnings, 1 info) in 1 file, 1 unit (0 ms).\n')).toBe(true);
  });
});

describe('concise reporter', () => {
  it('prints one line per finding and the summary', () => {
    expect(REPORTERS.concise(input())).toBe(
      [
        'units/my dir/a,b.service:3:7: error [ordering-cycle] ordering cycle: a,b.service → b.service → c.service → a,b.service',
        'units/web.service:5:2: warning [cpu-quota] CPUQuota=150% exceeds: 1 CPU, 2 cores',
        'units/web.service:7:11: info [restart-always] Restart=always with a multi-line ExecStart',
        `[cpu-quota] ${DOCS('cpu-quota')}`,
        `[ordering-cycle] ${DOCS('ordering-cycle')}`,
        `[restart-always] ${DOCS('restart-always')}`,
        SUMMARY,
        '',
      ].join('\n'),
    );
  });

  it('colours only when asked', () => {
    expect(REPORTERS.concise(input({ color: true }))).toMatch(ANSI);
    expect(REPORTERS.concise(input({ findings: [] }))).toBe('No problems found in 3 files, 3 units (12 ms).\n');
  });
});

describe('json reporter', () => {
  const jsonLoc = (l: Location) => ({ file: l.file, line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn });

  it('matches the contract exactly', () => {
    const out = REPORTERS.json(input());
    const parsed = JSON.parse(out);
    expect(out).toBe(JSON.stringify(parsed, null, 2) + '\n');
    expect(parsed).toStrictEqual({
      version: 1,
      tool: { name: 'unitlint', version: '0.1.0' },
      findings: FINDINGS.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        message: f.message,
        unit: f.unit,
        location: jsonLoc(f.location),
        related: f.related.map((r) => ({ message: r.message, location: jsonLoc(r.location) })),
        fix: { description: f.fix.description },
        docs: DOCS(f.ruleId),
      })),
      stats: { files: 3, units: 3, durationMs: 12 },
    });
    expect(parsed.findings[2].unit).toBeNull();
  });

  it('keeps the key order and adds keys only at the end (docs)', () => {
    const p = JSON.parse(REPORTERS.json(input()));
    const keys = (o: object) => JSON.stringify(Object.keys(o));
    const locKeys = '["file","line","column","endLine","endColumn"]';
    expect(keys(p)).toBe('["version","tool","findings","stats"]');
    expect(keys(p.tool)).toBe('["name","version"]');
    expect(keys(p.stats)).toBe('["files","units","durationMs"]');
    for (const f of p.findings) {
      expect(keys(f)).toBe('["ruleId","severity","message","unit","location","related","fix","docs"]');
      expect(keys(f.location)).toBe(locKeys);
      expect(keys(f.fix)).toBe('["description"]');
      for (const r of f.related) {
        expect(keys(r)).toBe('["message","location"]');
        expect(keys(r.location)).toBe(locKeys);
      }
    }
  });

  it('drops extra properties a finding may carry', () => {
    const extra = { ...RESTART, internal: 1, location: { ...RESTART.location, offset: 3 } } as Finding;
    const p = JSON.parse(REPORTERS.json(input({ findings: [extra] })));
    expect(p.findings[0]).not.toHaveProperty('internal');
    expect(p.findings[0].location).not.toHaveProperty('offset');
  });
});

describe('github reporter', () => {
  it('escapes data and property values exactly like @actions/core', () => {
    expect(escapeData('100% a:b,c\r\nd')).toBe('100%25 a:b,c%0D%0Ad');
    expect(escapeProperty('100% a:b,c\r\nd')).toBe('100%25 a%3Ab%2Cc%0D%0Ad');
    expect(escapeData('%25')).toBe('%2525');
  });

  it('prints one command per finding and the plain summary', () => {
    expect(REPORTERS.github(input())).toBe(
      [
        '::error file=units/my dir/a%2Cb.service,line=3,col=7,endLine=3,endColumn=16,title=unitlint (ordering-cycle)::' +
          'ordering cycle: a,b.service → b.service → c.service → a,b.service%0A' +
          'a,b.service After=b.service (units/my dir/a,b.service:3)%0A' +
          'b.service After=c.service (units/b.service:2)%0A' +
          `c.service After=a,b.service (units/c.service:2)%0A%0AFix: Drop one of the After= edges.%0A%0ADocs: ${DOCS('ordering-cycle')}`,
        '::warning file=units/web.service,line=5,col=2,endLine=5,endColumn=15,title=unitlint (cpu-quota)::' +
          `CPUQuota=150%25 exceeds: 1 CPU, 2 cores%0Asecond line, with: 50%25%0D%0Athird%0A%0AFix: Use 100%25, or fewer.%0A%0ADocs: ${DOCS('cpu-quota')}`,
        // Multi-line range: GitHub accepts columns only when line === endLine.
        '::notice file=units/web.service,line=7,endLine=8,title=unitlint (restart-always)::' +
          `Restart=always with a multi-line ExecStart%0A%0AFix: Consider Restart=on-failure.%0A%0ADocs: ${DOCS('restart-always')}`,
        SUMMARY,
        '',
      ].join('\n'),
    );
  });

  it('escapes colons and commas in the file and title properties', () => {
    const f: Finding = { ...RESTART, ruleId: 'x:y,z', location: loc('a:b,c%.service', 1, 1, 1, 2) };
    const line = REPORTERS.github(input({ findings: [f] })).split('\n')[0];
    expect(line).toBe(
      '::notice file=a%3Ab%2Cc%25.service,line=1,col=1,endLine=1,endColumn=2,title=unitlint (x%3Ay%2Cz)::' +
        `Restart=always with a multi-line ExecStart%0A%0AFix: Consider Restart=on-failure.%0A%0ADocs: ${DOCS('x:y,z')}`,
    );
  });

  it('orders errors, then warnings, then notices, stable within a severity', () => {
    const w1: Finding = { ...QUOTA, message: 'w1' };
    const w2: Finding = { ...QUOTA, message: 'w2' };
    const i1: Finding = { ...RESTART, message: 'i1' };
    const e1: Finding = { ...CYCLE, message: 'e1', related: [] };
    const out = REPORTERS.github(input({ findings: [i1, w1, e1, w2] }));
    const order = out
      .split('\n')
      .filter((l) => l.startsWith('::'))
      .map((l) => l.slice(l.lastIndexOf('::') + 2).split('%0A')[0]);
    expect(order).toEqual(['e1', 'w1', 'w2', 'i1']);
    expect(out).not.toMatch(ANSI);
  });
});

describe('sarif reporter', () => {
  const schema = JSON.parse(
    fs.readFileSync(path.resolve(import.meta.dirname, 'schemas/sarif-schema-2.1.0.json'), 'utf8'),
  ) as object;
  // ajv and ajv-formats are CommonJS; under NodeNext their default export is the module object.
  const AjvCtor = ((Ajv as unknown as { default?: typeof Ajv }).default ?? Ajv) as unknown as typeof Ajv.default;
  const addFormatsFn = ((addFormats as unknown as { default?: typeof addFormats }).default ??
    addFormats) as unknown as typeof addFormats.default;
  const ajv = new AjvCtor({ strict: false, allErrors: true });
  addFormatsFn(ajv);
  const validate = ajv.compile(schema);

  const sarif = () => JSON.parse(REPORTERS.sarif(input()));

  it('validates against the SARIF 2.1.0 schema', () => {
    const log = sarif();
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(validate(JSON.parse(REPORTERS.sarif(input({ findings: [] }))))).toBe(true);
    // The schema really checks: a bad level and an unencoded space are rejected.
    const bad = sarif();
    bad.runs[0].results[0].level = 'fatal';
    expect(validate(bad)).toBe(false);
    const badUri = sarif();
    badUri.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'units/my dir/x';
    expect(validate(badUri)).toBe(false);
  });

  it('describes the tool and every registered rule, sorted by id', () => {
    const log = sarif();
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('unitlint');
    expect(run.tool.driver.version).toBe('0.1.0');
    expect(run.tool.driver.informationUri).toMatch(/^https:\/\//);
    const rules = run.tool.driver.rules;
    expect(rules.map((r: { id: string }) => r.id)).toEqual(['cpu-quota', 'ordering-cycle', 'restart-always', 'unused-rule']);
    expect(rules[1]).toMatchObject({
      id: 'ordering-cycle',
      name: 'OrderingCycle',
      shortDescription: { text: 'Units ordered in a cycle' },
      fullDescription: { text: 'Units ordered in a cycle' },
      help: { text: '# ordering-cycle\n\nWhy it bites.', markdown: '# ordering-cycle\n\nWhy it bites.' },
      helpUri: DOCS('ordering-cycle'),
      defaultConfiguration: { level: 'error' },
    });
    expect(rules.map((r: { defaultConfiguration: { level: string } }) => r.defaultConfiguration.level)).toEqual([
      'warning',
      'error',
      'note',
      'warning',
    ]);
    expect(run.invocations).toEqual([{ executionSuccessful: true }]);
    const root = run.originalUriBaseIds['%SRCROOT%'].uri as string;
    expect(root).toBe(pathToFileURL(cwd).href + '/');
    expect(pascalCase('ordering-cycle')).toBe('OrderingCycle');
    expect(pascalCase('x')).toBe('X');
  });

  it('maps results: ruleIndex, level, message, locations, related ids, fix hint', () => {
    const run = sarif().runs[0];
    const rules = run.tool.driver.rules;
    expect(run.results).toHaveLength(3);
    run.results.forEach((r: { ruleId: string; ruleIndex: number }, i: number) => {
      expect(r.ruleId).toBe(FINDINGS[i].ruleId);
      expect(rules[r.ruleIndex].id).toBe(r.ruleId);
    });
    expect(run.results.map((r: { level: string }) => r.level)).toEqual(['error', 'warning', 'note']);
    const cycle = run.results[0];
    expect(cycle.message.text).toBe(CYCLE.message);
    expect(cycle.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'units/my%20dir/a,b.service', uriBaseId: '%SRCROOT%' },
      region: { startLine: 3, startColumn: 7, endLine: 3, endColumn: 16 },
    });
    expect(cycle.relatedLocations.map((l: { id: number }) => l.id)).toEqual([0, 1, 2]);
    expect(cycle.relatedLocations[1]).toEqual({
      id: 1,
      physicalLocation: {
        artifactLocation: { uri: 'units/b.service', uriBaseId: '%SRCROOT%' },
        region: { startLine: 2, startColumn: 7, endLine: 2, endColumn: 16 },
      },
      message: { text: 'b.service is ordered after c.service here' },
    });
    expect(cycle.properties.fix).toBe('Drop one of the After= edges.');
    for (const r of run.results) expect(r).not.toHaveProperty('fixes');
    expect(run.results[1]).not.toHaveProperty('relatedLocations');
    expect(run.results[2].locations[0].physicalLocation.region).toEqual({
      startLine: 7,
      startColumn: 11,
      endLine: 8,
      endColumn: 9,
    });
  });

  it('percent-encodes paths into relative URIs', () => {
    expect(pathToUri('units/my dir/a,b.service')).toEqual({ uri: 'units/my%20dir/a,b.service', uriBaseId: '%SRCROOT%' });
    expect(pathToUri('a:b/c#d?e%f.service').uri).toBe('a%3Ab/c%23d%3Fe%25f.service');
    expect(pathToUri('systemd:/lib/systemd/system/sysinit.target')).toEqual({ uri: 'file:///lib/systemd/system/sysinit.target' });
    expect(pathToUri('dev-disk-by\\x2duuid.device').uri).toBe('dev-disk-by%5Cx2duuid.device');
    expect(pathToUri('getty@tty1.service').uri).toBe('getty@tty1.service');
    expect(pathToUri('ünit.service').uri).toBe('%C3%BCnit.service');
    expect(pathToUri('../etc/x.service').uri).toBe('../etc/x.service');
    const abs = pathToUri(path.join(cwd, 'x y.service'));
    expect(abs.uri).toBe(pathToFileURL(path.join(cwd, 'x y.service')).href);
    expect(abs.uriBaseId).toBeUndefined();
  });

  it('fingerprints ignore line numbers but not rule, unit, file or headline', () => {
    const fp = (f: Finding) => fingerprint(f);
    const moved: Finding = { ...CYCLE, location: loc(CYCLE_FILE, 30, 1, 30, 2), message: CYCLE.message + '\nmore' };
    expect(fp(moved)).toBe(fp(CYCLE));
    expect(fp(CYCLE)).toMatch(/^[0-9a-f]{64}$/);
    expect(fp({ ...CYCLE, unit: 'other.service' })).not.toBe(fp(CYCLE));
    expect(fp({ ...CYCLE, ruleId: 'other' })).not.toBe(fp(CYCLE));
    expect(fp({ ...CYCLE, location: loc('units/other.service', 3, 7, 3, 16) })).not.toBe(fp(CYCLE));
    expect(fp({ ...CYCLE, message: 'different headline' })).not.toBe(fp(CYCLE));
    const result = sarif().runs[0].results[0];
    expect(Object.values(result.partialFingerprints)).toEqual([fp(CYCLE)]);
  });

  it('lists every rule even when nothing fired, and tolerates unregistered rule ids', () => {
    const empty = JSON.parse(REPORTERS.sarif(input({ findings: [] })));
    expect(empty.runs[0].results).toEqual([]);
    expect(empty.runs[0].tool.driver.rules).toHaveLength(RULES.length);
    const stray: Finding = { ...RESTART, ruleId: 'not-registered' };
    const log = JSON.parse(REPORTERS.sarif(input({ findings: [stray] })));
    expect(log.runs[0].results[0]).not.toHaveProperty('ruleIndex');
    expect(validate(log)).toBe(true);
  });

  it('pretty-prints with two spaces', () => {
    const out = REPORTERS.sarif(input());
    expect(out).toBe(JSON.stringify(JSON.parse(out), null, 2) + '\n');
  });
});

describe('checkstyle and junit reporters', () => {
  it('checkstyle: one <file> per file, escaped, with the rule page', () => {
    expect(REPORTERS.checkstyle(input())).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<checkstyle version="4.3">',
        '  <file name="units/my dir/a,b.service">',
        `    <error line="3" column="7" severity="error" message="ordering cycle: a,b.service → b.service → c.service → a,b.service Fix: Drop one of the After= edges. (${DOCS('ordering-cycle')})" source="unitlint.ordering-cycle"/>`,
        '  </file>',
        '  <file name="units/web.service">',
        `    <error line="5" column="2" severity="warning" message="CPUQuota=150% exceeds: 1 CPU, 2 cores Fix: Use 100%, or fewer. (${DOCS('cpu-quota')})" source="unitlint.cpu-quota"/>`,
        `    <error line="7" column="11" severity="info" message="Restart=always with a multi-line ExecStart Fix: Consider Restart=on-failure. (${DOCS('restart-always')})" source="unitlint.restart-always"/>`,
        '  </file>',
        '</checkstyle>',
        '',
      ].join('\n'),
    );
    expect(REPORTERS.checkstyle(input({ findings: [{ ...RESTART, message: 'a <b> & "c"\u0001' }] }))).toContain('message="a &lt;b&gt; &amp; &quot;c&quot;\uFFFD Fix:');
  });

  it('junit: a suite per rule, a failed case per finding, a passing case for a quiet rule', () => {
    const out = REPORTERS.junit(input());
    expect(out.split('\n').slice(0, 2)).toEqual(['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="unitlint" tests="4" failures="3" errors="0" time="0.012">']);
    expect(out).toContain('<testsuite name="unitlint.unused-rule" tests="1" failures="0" errors="0" skipped="0">\n    <testcase classname="unitlint.unused-rule" name="no findings"/>');
    expect(out).toContain('<testcase classname="unitlint.cpu-quota" name="units/web.service:5:2" file="units/web.service" line="5">');
    expect(out).toContain(`Docs: ${DOCS('cpu-quota')}</failure>`);
    expect(out.match(/<failure /g)?.length).toBe(3);
  });
});
