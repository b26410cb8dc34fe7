/**
 * `--nix-eval FLAKEREF#HOST`: the nix runner (against a real, self-contained flake shaped like a
 * NixOS configuration — no inputs, no nixpkgs), the conversion to VirtualUnits, mapToStatic, and the
 * error paths. The tests that run Nix are skipped when `nix` is not on PATH, or when no Nix store is
 * usable (neither the default one nor a local store under the temp folder).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Location } from '../src/types.js';
import type { Assignment, ParsedUnitFile } from '../src/sources/unitfile/parser.js';
import type { VirtualUnit } from '../src/nix/systemd.js';
import { convertEvalJson, evalNixHost, mapToStatic, nixEvalArgs, parseNixRef } from '../src/nix/nixeval.js';

const hasNix = spawnSync('nix', ['--version'], { encoding: 'utf8' }).status === 0;
const hasGit = spawnSync('git', ['--version'], { encoding: 'utf8' }).status === 0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixeval-'));
afterAll(() => {
  // A local store (--store DIR) holds read-only folders; make them writable before removing.
  spawnSync('chmod', ['-R', 'u+w', tmp]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const FLAKE = `{ outputs = { self }: {
  nixosConfigurations.web1.config.systemd = {
    units."a.service" = { text = "[Unit]\\nAfter=b.service\\n[Service]\\nExecStart=/bin/true\\n"; enable = true; wantedBy = [ "multi-user.target" ]; };
    units."b.service" = { text = "[Unit]\\nAfter=a.service\\n[Service]\\nExecStart=/bin/true\\n"; enable = true; wantedBy = []; };
    user.units = {};
  };
  nixosConfigurations.web2.config.systemd = {
    units."off.service" = { text = "[Service]\\nExecStart=/bin/true\\n"; enable = false; };
    units."pkg.service" = { text = null; wantedBy = [ "multi-user.target" ]; requiredBy = [ "x.target" ]; upheldBy = [ "y.target" ]; };
    units."drop.service" = { text = "[Service]\\nTimeoutSec=5\\n"; overrideStrategy = "asDropin"; };
    units."al.service" = { text = "[Service]\\nExecStart=/bin/true\\n"; aliases = [ "other.service" ]; };
    units."bad.service" = { text = throw "boom"; };
  };
  nixosConfigurations.web3.config.systemd = {
    units."s.service" = { text = "[Service]\\nExecStart=/bin/true\\n"; };
    user.units."u.service" = { text = "[Service]\\nExecStart=/bin/u\\n"; wantedBy = [ "default.target" ]; };
  };
}; }
`;

const flakeDir = path.join(tmp, 'flake');
fs.mkdirSync(flakeDir);
fs.writeFileSync(path.join(flakeDir, 'flake.nix'), FLAKE);

/**
 * Which store options make Nix usable here: none (root, or a reachable daemon), else a local store
 * under the temp folder (`--store DIR`, a chroot store that needs no daemon and no root).
 */
async function probeStore(): Promise<{ extraArgs: string[]; skip: string | null }> {
  if (!hasNix) return { extraArgs: [], skip: 'nix is not on PATH' };
  const first = await evalNixHost(`path:${flakeDir}#web1`, { cwd: tmp, timeoutMs: 120_000 });
  if (!first.problems.length) return { extraArgs: [], skip: null };
  const extraArgs = ['--store', path.join(tmp, 'store')];
  const second = await evalNixHost(`path:${flakeDir}#web1`, { cwd: tmp, timeoutMs: 120_000, extraArgs });
  if (!second.problems.length) return { extraArgs, skip: null };
  return { extraArgs: [], skip: `no usable Nix store: ${first.problems[0].message.split('\n').slice(-2).join(' ')} / with --store: ${second.problems[0].message.split('\n').slice(-2).join(' ')}` };
}

const store = await probeStore();
const nixIt = it.skipIf(store.skip !== null);
const skipNote = store.skip ? ` (skipped: ${store.skip})` : '';

function assignments(u: VirtualUnit, section: string, key: string): Assignment[] {
  return u.parsed.sections.filter((s) => s.name === section).flatMap((s) => s.assignments.filter((a) => a.key === key));
}

function byName(units: VirtualUnit[], name: string, scope: 'system' | 'user' = 'system'): VirtualUnit {
  const u = units.find((x) => x.name === name && x.scope === scope);
  if (!u) throw new Error(`no ${scope} unit ${name} among ${units.map((x) => x.name).join(', ')}`);
  return u;
}

describe('parseNixRef / nixEvalArgs', () => {
  it('splits FLAKEREF#HOST', () => {
    expect(parseNixRef('.#web1')).toEqual({ flake: '.', host: 'web1' });
    expect(parseNixRef('/abs/path#web1')).toEqual({ flake: '/abs/path', host: 'web1' });
    expect(parseNixRef('path:./x#web1')).toEqual({ flake: 'path:./x', host: 'web1' });
    expect(parseNixRef('github:o/r?dir=d#web1')).toEqual({ flake: 'github:o/r?dir=d', host: 'web1' });
    expect(parseNixRef('#web1')).toEqual({ flake: '.', host: 'web1' });
    expect(parseNixRef('.#nixosConfigurations.web1')).toEqual({ flake: '.', host: 'web1' });
    expect(parseNixRef('.')).toHaveProperty('error');
    expect(parseNixRef('.#')).toHaveProperty('error');
  });

  it('builds the nix command line (host names that are not identifiers are quoted)', () => {
    const args = nixEvalArgs({ flake: '.', host: 'web1' });
    expect(args.slice(0, 2)).toEqual(['--extra-experimental-features', 'nix-command flakes']);
    expect(args).toContain('.#nixosConfigurations.web1.config.systemd');
    expect(args[args.length - 2]).toBe('--apply');
    expect(nixEvalArgs({ flake: '.', host: 'web.1' })).toContain('.#nixosConfigurations."web.1".config.systemd');
    expect(nixEvalArgs({ flake: '.', host: 'h' }, ['--store', '/s']).slice(2, 5)).toEqual(['--store', '/s', 'eval']);
  });
});

describe('evalNixHost with Nix', () => {
  nixIt(`evaluates a flake host and converts its units${skipNote}`, async () => {
    const t0 = performance.now();
    const r = await evalNixHost(`path:${flakeDir}#web1`, { cwd: tmp, extraArgs: store.extraArgs });
    const ms = performance.now() - t0;
    console.log(`nix eval of a 2-unit flake host took ${ms.toFixed(0)} ms${store.extraArgs.length ? ' (local store)' : ''}`);
    expect(r.problems).toEqual([]);
    expect(r.units.map((u) => `${u.scope}:${u.name}`)).toEqual(['system:a.service', 'system:b.service']);
    const a = byName(r.units, 'a.service');
    const after = assignments(a, 'Unit', 'After');
    expect(after.map((x) => [x.value, x.file, x.line, x.column])).toEqual([['b.service', 'nix-eval:web1/a.service', 2, 1]]);
    expect(assignments(a, 'Service', 'ExecStart')[0]).toMatchObject({ value: '/bin/true', file: 'nix-eval:web1/a.service', line: 4 });
    expect(a.parsed.file).toBe('nix-eval:web1/a.service');
    expect(a.links).toEqual([{ owner: 'multi-user.target', kind: 'wants', target: 'a.service', location: expect.objectContaining({ file: 'nix-eval:web1/a.service', line: 1 }) }]);
    expect(a.masked).toBeUndefined();
    expect(a.asDropin).toBe(false);
    expect(a.unknowns.size).toBe(0);
    expect(a.at).toMatchObject({ file: 'nix-eval:web1/a.service', line: 1, column: 1 });
    const b = byName(r.units, 'b.service');
    expect(assignments(b, 'Unit', 'After').map((x) => `${x.value}@${x.file}:${x.line}`)).toEqual(['a.service@nix-eval:web1/b.service:2']);
    expect(b.links).toEqual([]);
  });

  nixIt(`accepts a relative reference resolved from cwd (no git repository needed)${skipNote}`, async () => {
    const r = await evalNixHost('.#web1', { cwd: flakeDir, extraArgs: store.extraArgs });
    expect(r.problems).toEqual([]);
    expect(r.units.map((u) => u.name)).toEqual(['a.service', 'b.service']);
    expect(fs.existsSync(path.join(flakeDir, 'flake.lock'))).toBe(false);
  });

  nixIt(`masks disabled units; packaged units (text null) only link; asDropin; aliases; failing texts${skipNote}`, async () => {
    const r = await evalNixHost(`path:${flakeDir}#web2`, { cwd: tmp, extraArgs: store.extraArgs });
    expect(r.units.map((u) => u.name)).toEqual(['al.service', 'bad.service', 'drop.service', 'off.service', 'pkg.service']);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].message).toMatch(/bad\.service.*failed/);

    const off = byName(r.units, 'off.service');
    expect(off.masked).toMatchObject({ file: 'nix-eval:web2/off.service', line: 1 });
    expect(off.asDropin).toBe(false);

    const pkg = byName(r.units, 'pkg.service');
    expect(pkg.asDropin).toBe(true);
    expect(pkg.parsed.sections).toEqual([]);
    expect(pkg.masked).toBeUndefined();
    expect(pkg.links.map((l) => `${l.owner} ${l.kind} ${l.target}`)).toEqual(['multi-user.target wants pkg.service', 'x.target requires pkg.service', 'y.target upholds pkg.service']);

    expect(byName(r.units, 'drop.service').asDropin).toBe(true);
    expect(assignments(byName(r.units, 'drop.service'), 'Service', 'TimeoutSec')[0].value).toBe('5');
    expect(assignments(byName(r.units, 'al.service'), 'Install', 'Alias').map((a) => a.value)).toEqual(['other.service']);
    expect(byName(r.units, 'bad.service')).toMatchObject({ asDropin: true, parsed: expect.objectContaining({ sections: [] }) });
  });

  nixIt(`reads user units as scope user with their own virtual files${skipNote}`, async () => {
    const r = await evalNixHost(`path:${flakeDir}#web3`, { cwd: tmp, extraArgs: store.extraArgs });
    expect(r.problems).toEqual([]);
    expect(r.units.map((u) => `${u.scope}:${u.name}`)).toEqual(['system:s.service', 'user:u.service']);
    const u = byName(r.units, 'u.service', 'user');
    expect(assignments(u, 'Service', 'ExecStart')[0]).toMatchObject({ value: '/bin/u', file: 'nix-eval:web3/user/u.service', line: 2 });
    expect(u.links).toEqual([expect.objectContaining({ owner: 'default.target', kind: 'wants', target: 'u.service' })]);
  });

  nixIt(`reports a nonexistent flake, a missing host and an untracked flake.nix as problems${skipNote}`, async () => {
    const missing = await evalNixHost(`path:${path.join(tmp, 'nope')}#web1`, { cwd: tmp, extraArgs: store.extraArgs });
    expect(missing.units).toEqual([]);
    expect(missing.problems).toHaveLength(1);
    expect(missing.problems[0].message).toMatch(/nix eval of .* failed \(exit status 1\):\n.*nope/s);

    const noHost = await evalNixHost(`path:${flakeDir}#db9`, { cwd: tmp, extraArgs: store.extraArgs });
    expect(noHost.units).toEqual([]);
    expect(noHost.problems[0].message).toMatch(/does not provide attribute/);

    if (!hasGit) return;
    const gitDir = path.join(tmp, 'gitflake');
    fs.mkdirSync(gitDir);
    fs.writeFileSync(path.join(gitDir, 'flake.nix'), FLAKE);
    expect(spawnSync('git', ['init', '-q', '.'], { cwd: gitDir }).status).toBe(0);
    const untracked = await evalNixHost('.#web1', { cwd: gitDir, extraArgs: store.extraArgs });
    expect(untracked.units).toEqual([]);
    expect(untracked.problems[0].message).toMatch(/git add/);
    // path: references copy the folder as it is, git or not.
    const asPath = await evalNixHost('path:.#web1', { cwd: gitDir, extraArgs: store.extraArgs });
    expect(asPath.problems).toEqual([]);
    expect(asPath.units).toHaveLength(2);
  });
});

describe('evalNixHost error paths (no Nix needed)', () => {
  it('a reference without #HOST is a problem, not a throw', async () => {
    const r = await evalNixHost('.', { cwd: tmp });
    expect(r.units).toEqual([]);
    expect(r.problems[0].message).toMatch(/FLAKEREF#HOST/);
  });

  it('a missing nix binary is a problem', async () => {
    const r = await evalNixHost('.#web1', { cwd: tmp, nixBin: path.join(tmp, 'no-such-nix') });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].message).toMatch(/^nix is not installed; --nix-eval needs it/);
  });

  const fake = (name: string, body: string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  };

  it('a timeout is a problem', async () => {
    const r = await evalNixHost('.#web1', { cwd: tmp, nixBin: fake('slow-nix', `exec '${process.execPath}' -e 'setTimeout(() => {}, 10000)'`), timeoutMs: 300 });
    expect(r.units).toEqual([]);
    expect(r.problems[0].message).toMatch(/did not finish within/);
  });

  it('invalid JSON is a problem', async () => {
    const r = await evalNixHost('.#web1', { cwd: tmp, nixBin: fake('junk-nix', 'echo "not json"') });
    expect(r.problems[0].message).toMatch(/invalid JSON/);
  });

  it('a non-zero exit gives the last lines of stderr', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\\n');
    const r = await evalNixHost('.#web1', { cwd: tmp, nixBin: fake('fail-nix', `printf '${lines}\\n' >&2; exit 3`) });
    expect(r.problems[0].message).toMatch(/failed \(exit status 3\)/);
    expect(r.problems[0].message).toMatch(/line 29$/);
    expect(r.problems[0].message).not.toMatch(/line 5\n/);
  });

  it('malformed records become problems', () => {
    const r = convertEvalJson('h', { system: { 'ok.service': { text: '[Unit]\n', textFailed: false, enable: true, wantedBy: [], requiredBy: [], upheldBy: [], aliases: [], overrideStrategy: 'asDropinIfExists' }, 'bad.service': { text: 3 } } });
    expect(r.units.map((u) => u.name)).toEqual(['ok.service']);
    expect(r.problems[0].message).toMatch(/bad\.service/);
    expect(convertEvalJson('h', []).problems).toHaveLength(1);
  });
});

describe('mapToStatic', () => {
  const loc = (file: string, line: number, column = 5, endColumn = 20): Location => ({ file, line, column, endLine: line, endColumn });
  const asg = (section: string, key: string, value: string, l: Location): Assignment => ({
    key, value, section, file: l.file, line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn, valueColumn: l.column + 3, keyEndColumn: l.column + 2,
  });
  const parsedOf = (file: string, as: Assignment[]): ParsedUnitFile => {
    const names = [...new Set(as.map((a) => a.section))];
    return { file, sections: names.map((n) => ({ name: n, file, line: 0, column: 0, endColumn: 0, assignments: as.filter((a) => a.section === n) })), comments: [], diagnostics: [], lineCount: 0 };
  };
  const NIX = '/repo/hosts/web1.nix';
  const staticUnit = (name: string, as: Assignment[], extra: Partial<VirtualUnit> = {}): VirtualUnit => ({
    name, scope: 'system', parsed: parsedOf(NIX, as), asDropin: false, links: [], unknowns: new Map(), at: loc(NIX, 10, 3, 12), ...extra,
  });

  const evalText = [
    '[Unit]',
    'After=network.target',
    'After=b.service',
    'After=from-nixpkgs.service',
    '[Service]',
    'ExecStart=/nix/store/abc-unit-script-a-start/bin/a-start',
    'Environment="PATH=/nix/store/x/bin"',
    'Environment="A=1"',
  ].join('\n');
  const evalUnits = convertEvalJson('web1', {
    system: {
      'a.service': { text: evalText, textFailed: false, enable: false, wantedBy: ['multi-user.target'], requiredBy: [], upheldBy: [], aliases: [], overrideStrategy: 'asDropinIfExists' },
      'other.service': { text: '[Unit]\nAfter=a.service\n', textFailed: false, enable: true, wantedBy: [], requiredBy: [], upheldBy: [], aliases: [], overrideStrategy: 'asDropinIfExists' },
    },
    user: {
      'a.service': { text: '[Unit]\nAfter=b.service\n', textFailed: false, enable: true, wantedBy: [], requiredBy: [], upheldBy: [], aliases: [], overrideStrategy: 'asDropinIfExists' },
    },
  }).units;

  const staticA = staticUnit('a.service', [
    // listed in another order than the evaluated text: values decide first
    asg('Unit', 'After', 'b.service', loc(NIX, 12)),
    asg('Unit', 'After', 'network.target', loc(NIX, 11)),
    asg('Service', 'ExecStart', '/nix/store/00000000000000000000000000000000-unit-script-a-start/bin/a-start', loc(NIX, 14)),
    asg('Service', 'Environment', '"A=1"', loc(NIX, 13)),
  ], {
    masked: loc(NIX, 15),
    links: [{ owner: 'multi-user.target', kind: 'wants', target: 'a.service', location: loc(NIX, 16) }],
  });
  const staticSnapshot = JSON.stringify(staticA, (_k, v) => (v instanceof Map ? [...v] : v));
  const evalSnapshot = JSON.stringify(evalUnits, (_k, v) => (v instanceof Map ? [...v] : v));
  const mapped = mapToStatic(evalUnits, [staticA]);

  it('points matching assignments at the .nix lines: same value first, else the k-th remaining occurrence', () => {
    const a = byName(mapped, 'a.service');
    const at = (x: Assignment) => `${x.value} ${x.file}:${x.line}:${x.column}-${x.endLine}:${x.endColumn} v${x.valueColumn} k${x.keyEndColumn}`;
    expect(assignments(a, 'Unit', 'After').map(at)).toEqual([
      `network.target ${NIX}:11:5-11:20 v8 k7`,
      `b.service ${NIX}:12:5-12:20 v8 k7`,
      'from-nixpkgs.service nix-eval:web1/a.service:4:1-4:27 v7 k6', // unmatched: stays virtual
    ]);
    expect(assignments(a, 'Service', 'ExecStart').map((x) => `${x.file}:${x.line}`)).toEqual([`${NIX}:14`]); // by key
    expect(assignments(a, 'Service', 'Environment').map((x) => `${x.value}@${x.file}:${x.line}`)).toEqual([
      '"PATH=/nix/store/x/bin"@nix-eval:web1/a.service:7', // the only static Environment matched "A=1" by value
      `"A=1"@${NIX}:13`,
    ]);
    expect(a.at).toEqual(staticA.at);
    expect(a.masked).toEqual(loc(NIX, 15));
    expect(a.links.map((l) => `${l.owner}@${l.location.file}:${l.location.line}`)).toEqual([`multi-user.target@${NIX}:16`]);
    expect(a.parsed.file).toBe('nix-eval:web1/a.service');
  });

  it('leaves units without a static twin (other name or scope) on their virtual locations', () => {
    const other = byName(mapped, 'other.service');
    expect(other.at.file).toBe('nix-eval:web1/other.service');
    expect(assignments(other, 'Unit', 'After')[0].file).toBe('nix-eval:web1/other.service');
    const user = byName(mapped, 'a.service', 'user');
    expect(assignments(user, 'Unit', 'After')[0].file).toBe('nix-eval:web1/user/a.service');
    expect(user.at.file).toBe('nix-eval:web1/user/a.service');
  });

  it('returns new objects and modifies neither input', () => {
    expect(JSON.stringify(staticA, (_k, v) => (v instanceof Map ? [...v] : v))).toBe(staticSnapshot);
    expect(JSON.stringify(evalUnits, (_k, v) => (v instanceof Map ? [...v] : v))).toBe(evalSnapshot);
    expect(mapped[0]).not.toBe(evalUnits[0]);
    expect(mapped[0].parsed.sections[0].assignments[0]).not.toBe(evalUnits[0].parsed.sections[0].assignments[0]);
  });
});
