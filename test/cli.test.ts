/** The CLI, run in-process: formats, exit codes, colour, configuration, --only, rules/explain. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideColor, defaultFormat, runCli, type CliIO } from '../src/cli.js';

const FIX = path.resolve(import.meta.dirname, '../fixtures');

async function run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: opts.env ?? {},
    isTTY: opts.tty ?? false,
    cwd: opts.cwd ?? FIX,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

function tmpTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-cli-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

describe('unitlint check', () => {
  it('prints the JSON contract with paths relative to the working directory, from any folder', async () => {
    const r = await run(['check', '--format', 'json', 'ordering-cycle-explicit'], { cwd: FIX });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['version', 'tool', 'findings', 'stats']);
    expect(j.version).toBe(1);
    expect(j.tool.name).toBe('unitlint');
    expect(j.findings).toHaveLength(1);
    const f = j.findings[0];
    expect(Object.keys(f)).toEqual(['ruleId', 'severity', 'message', 'unit', 'location', 'related', 'fix', 'docs']);
    expect(f.location).toEqual({ file: 'ordering-cycle-explicit/web.service', line: 3, column: 7, endLine: 3, endColumn: 18 });
    expect(f.related[0].location.file).toBe('ordering-cycle-explicit/api.service');
    expect(Object.keys(j.stats)).toEqual(['files', 'units', 'durationMs']);
    expect(j.stats.units).toBe(3);

    const r2 = await run(['check', '--format', 'json', path.join(FIX, 'ordering-cycle-explicit')], { cwd: path.join(FIX, 'ordering-cycle-explicit', '..', '..') });
    expect(JSON.parse(r2.stdout).findings[0].location.file).toBe('fixtures/ordering-cycle-explicit/web.service');
  });

  it('exits 0 when nothing reaches --fail-level, 1 when something does', async () => {
    expect((await run(['check', 'ordering-cycle-masked'])).code).toBe(0);
    expect((await run(['check', 'requires-without-after'])).code).toBe(0); // warnings only
    expect((await run(['check', 'requires-without-after', '--fail-level', 'warning'])).code).toBe(1);
    expect((await run(['check', 'ordering-cycle-explicit', '--fail-level', 'none'])).code).toBe(0);
  });

  it('exits 1 when warnings exceed --max-warnings', async () => {
    expect((await run(['check', 'requires-without-after', '--max-warnings', '2'])).code).toBe(0);
    const r = await run(['check', 'requires-without-after', '--max-warnings', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('2 warnings exceed --max-warnings 1');
  });

  it('exits 2 on usage errors: unknown option, bad format, missing path, bad config', async () => {
    expect((await run(['check', '--no-such-flag', '.'])).code).toBe(2);
    expect((await run(['check', '--format', 'xml', '.'])).code).toBe(2);
    const missing = await run(['check', 'does-not-exist']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or folder: does-not-exist');
    const dir = tmpTree({ 'unitlint.config.json': '{"rules": {"no-such-rule": "off"}}', 'a.service': '[Service]\nExecStart=/bin/true\n' });
    const bad = await run(['check', '.'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown rule "no-such-rule"');
    const dir2 = tmpTree({ '.unitlintrc.json': '{ not json', 'a.service': '' });
    expect((await run(['check', '.'], { cwd: dir2 })).code).toBe(2);
  });

  it('reads YAML and package.json configuration, and applies rule severities', async () => {
    const dir = tmpTree({
      '.unitlintrc.yaml': 'rules:\n  requires-without-after: error\n',
      'a.service': '[Unit]\nRequires=b.service\n[Service]\nExecStart=/bin/a\n',
      'b.service': '[Service]\nExecStart=/bin/b\n',
    });
    const r = await run(['check', '--format', 'json', '.'], { cwd: dir });
    expect(JSON.parse(r.stdout).findings.map((f: { ruleId: string; severity: string }) => `${f.ruleId}:${f.severity}`)).toEqual(['requires-without-after:error']);
    expect(r.code).toBe(1);
    const dir2 = tmpTree({
      'package.json': JSON.stringify({ name: 'x', unitlint: { rules: { 'requires-without-after': 'off' } } }),
      'a.service': '[Unit]\nRequires=b.service\n[Service]\nExecStart=/bin/a\n',
    });
    expect(JSON.parse((await run(['check', '--format', 'json', '.'], { cwd: dir2 })).stdout).findings).toEqual([]);
  });

  it('reports only findings in --only files but loads the whole tree', async () => {
    const r = await run(['check', '--format', 'json', 'ordering-cycle-explicit', '--only', 'ordering-cycle-explicit/api.service']);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    const r2 = await run(['check', '--format', 'json', 'ordering-cycle-explicit', '--only', 'ordering-cycle-explicit/web.service']);
    expect(JSON.parse(r2.stdout).findings).toHaveLength(1);
  });

  it('prints concise lines and a summary', async () => {
    const r = await run(['check', '--format', 'concise', 'restart-sec-tight']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^restart-sec-tight\/fast\.service:6:1: warning \[restart-sec-tight\] fast\.service has Restart=on-failure/);
    expect(lines.at(-1)).toMatch(/^Found 3 problems \(0 errors, 2 warnings, 1 info\) in 4 files, 4 units/);
  });

  it('chooses the github format inside GitHub Actions but not on Forgejo', async () => {
    expect(defaultFormat({ GITHUB_ACTIONS: 'true' })).toBe('github');
    expect(defaultFormat({ GITHUB_ACTIONS: 'true', FORGEJO_ACTIONS: 'true' })).toBe('full');
    expect(defaultFormat({})).toBe('full');
    const r = await run(['check', 'ordering-cycle-explicit'], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.stdout).toMatch(/^::error file=ordering-cycle-explicit\/web\.service,line=3,/);
  });

  it('decides colour: flag, then NO_COLOR, then FORCE_COLOR, then TTY', async () => {
    expect(decideColor(true, { NO_COLOR: '1' }, false)).toBe(true);
    expect(decideColor(false, { FORCE_COLOR: '1' }, true)).toBe(false);
    expect(decideColor(undefined, { NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(decideColor(undefined, { FORCE_COLOR: '1' }, false)).toBe(true);
    expect(decideColor(undefined, { FORCE_COLOR: '0' }, true)).toBe(false);
    expect(decideColor(undefined, {}, true)).toBe(true);
    expect(decideColor(undefined, {}, false)).toBe(false);
    const plain = await run(['check', 'ordering-cycle-explicit'], { tty: false });
    expect(plain.stdout).not.toMatch(/\x1b\[/);
    const coloured = await run(['check', 'ordering-cycle-explicit', '--color']);
    expect(coloured.stdout).toMatch(/\x1b\[/);
  });

  it('never crashes on hostile input: binary, unreadable names, link loops', async () => {
    const dir = tmpTree({ 'bin.service': '\u0000\u0001', 'ok.service': '[Service]\nExecStart=/bin/true\n' });
    fs.symlinkSync('loop2.service', path.join(dir, 'loop1.service'));
    fs.symlinkSync('loop1.service', path.join(dir, 'loop2.service'));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.symlinkSync('..', path.join(dir, 'sub', 'up'));
    const r = await run(['check', '--format', 'json', '.'], { cwd: dir });
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    expect(j.findings.map((f: { ruleId: string; location: { file: string } }) => `${f.ruleId} ${f.location.file}`)).toEqual([
      'syntax-error bin.service', 'syntax-error loop1.service', 'syntax-error loop2.service',
    ]);
    expect(j.findings[1].message).toContain('symbolic link loop');
  });

  it('is deterministic', async () => {
    const a = await run(['check', '--format', 'json', '.']);
    const b = await run(['check', '--format', 'json', '.']);
    const strip = (s: string) => s.replace(/"durationMs": \d+/, '');
    expect(strip(a.stdout)).toBe(strip(b.stdout));
  });
});

describe('unitlint rules / explain', () => {
  it('lists every rule', async () => {
    const r = await run(['rules']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ordering-cycle\s+error\s+ordering\s+/m);
    expect(r.stdout).toMatch(/^restart-loop-unbounded\s+warning\s+restart\s+/m);
  });
  it('explains a rule, and exits 2 for an unknown one', async () => {
    const r = await run(['explain', 'ordering-cycle']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# ordering-cycle');
    expect(r.stdout).toContain('## How to fix');
    const u = await run(['explain', 'nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('no rule "nope"');
  });
});

describe('fast command-line path', () => {
  it('parses the common check command lines like yargs would', async () => {
    const { fastParseCheck } = await import('../src/cli.js');
    expect(fastParseCheck(['check', '-f', 'json', '--no-color', 'a', 'b', '--only', 'x', '--only', 'y', '--max-warnings', '3', '--fail-level', 'warning'])).toEqual({
      paths: ['a', 'b'], format: 'json', color: false, only: ['x', 'y'], maxWarnings: 3, failLevel: 'warning',
    });
    expect(fastParseCheck(['.', '--strict', '--systemd-version', '252'])).toEqual({ paths: ['.'], failLevel: 'error', strict: true, systemdVersion: 252 });
    // Everything else goes to yargs, which prints help or the error message.
    for (const argv of [['--help'], ['rules'], ['explain', 'x'], ['check', '--format', 'xml'], ['check', '--bogus'], ['check', '--max-warnings', 'x'], ['--version']]) {
      expect(fastParseCheck(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

describe('bin/unitlint (the bundled build)', () => {
  it('prints the same findings as the in-process CLI', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = path.resolve(import.meta.dirname, '../bin/unitlint');
    const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '.'], { cwd: FIX, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    const inProcess = await run(['check', '--format', 'json', '.']);
    const strip = (s: string) => JSON.parse(s.replace(/"durationMs": \d+/, '"durationMs": 0'));
    expect(strip(r.stdout)).toEqual(strip(inProcess.stdout));
    const v = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(v.stdout.trim()).not.toBe('0.0.0');
  });
});
