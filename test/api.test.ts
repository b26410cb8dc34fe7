/**
 * The programmatic API and the npm package: `import { lint } from 'unitlint'` gives the CLI's findings,
 * and `npm pack` + installing the tarball in an empty folder gives a working `unitlint` and API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { formatResult, lint, loadRules, version, type Finding } from '../src/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FLEET = path.join(ROOT, 'examples/fleet');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-api-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const key = (f: Pick<Finding, 'ruleId' | 'severity' | 'location'>) => `${f.ruleId} ${f.severity} ${f.location.file}:${f.location.line}:${f.location.column}`;

describe('the programmatic API', () => {
  it('returns the findings the CLI prints, typed', async () => {
    const res = await lint({ paths: ['.'], cwd: FLEET });
    const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin/unitlint'), 'check', '.', '--format', 'json'], { cwd: FLEET, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    const printed = JSON.parse(cli.stdout) as { findings: Finding[] };
    expect(res.findings.map(key)).toEqual(printed.findings.map(key));
    expect(res.findings.map((f) => f.message)).toEqual(printed.findings.map((f) => f.message));
    expect(formatResult(res, 'concise', { cwd: FLEET }).split('\n').slice(0, -2)).toEqual(
      spawnSync(process.execPath, [path.join(ROOT, 'bin/unitlint'), 'check', '.', '--format', 'concise', '--no-color'], { cwd: FLEET, encoding: 'utf8' }).stdout.split('\n').slice(0, -2),
    );
    expect((await loadRules()).length).toBeGreaterThan(15);
    expect(version()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});

// `npm test` builds dist/ first; packing with --ignore-scripts takes that build as it is (running
// `prepare` here would rebuild dist/ under the feet of the tests running in parallel). Installing
// resolves the dependencies from the npm cache: about 10 s.
describe('npm pack', () => {
  it('installs from the tarball into an empty folder and works as a command and as a library', () => {
    const pack = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { filename: string; files: { path: string }[] }[];
    const files = pack[0].files.map((f) => f.path);
    expect(files).toContain('bin/unitlint');
    expect(files).toContain('dist/unitlint.mjs');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('docs/rules/ordering-cycle.md');
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('fixtures/') || f.startsWith('src/'))).toBe(false);
    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(tmp, pack[0].filename)], { cwd: app, stdio: 'ignore' });
    const bin = path.join(app, 'node_modules/.bin/unitlint');
    const run = spawnSync(bin, ['check', FLEET, '--format', 'concise'], { cwd: app, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('[health-gate-cycle]');
    expect(run.stdout).toContain('[postinst-start-before-certs]');
    fs.writeFileSync(path.join(app, 'use.mjs'), `import { lint } from 'unitlint';\nconst r = await lint({ paths: [${JSON.stringify(FLEET)}] });\nconsole.log(r.findings.length);\n`);
    const lib = spawnSync(process.execPath, ['use.mjs'], { cwd: app, encoding: 'utf8' });
    expect(lib.status, lib.stderr).toBe(0);
    expect(Number(lib.stdout.trim())).toBeGreaterThan(5);
  }, 180_000);
});
