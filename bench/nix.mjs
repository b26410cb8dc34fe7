#!/usr/bin/env node
// Benchmark: unitlint on synthetic NixOS fleets (bench/gen-nix.mjs) of 300, 1,500 and 3,000 modules.
//
// Usage: node bench/nix.mjs [--sizes 300,1500,3000] [--runs 5] [--quick] [--regen] [--json FILE]
//                           [--phases] [--profile SIZE] [--top N]
//   --sizes LIST    module counts (default 300,1500,3000; the target is judged at 1,500)
//   --runs N        timed runs of each kind (default 5); --quick = 1 run, no warm-ups
//   --regen         regenerate the trees even when present
//   --json FILE     also write every sample to FILE
//   --phases        one more CLI run per size with UNITLINT_TIMINGS=1: the per-phase / per-rule times
//   --profile SIZE  after the timings, a CPU profile (inspector, 100 µs sampling) of one in-process lint()
//                   of that size after a warm-up: self time per function and per source file
//   --top N         rows of the profile tables (default 25)
//
// Inputs: os.tmpdir()/unitlint-bench/nix-N, written by `node bench/gen-nix.mjs N DIR` and reused while
// the generator is unchanged (its hash is kept in DIR/.done).
// CLI: `bin/unitlint check DIR --format json` run from os.tmpdir() (no config file), 1 untimed warm-up
// then N runs, each under `/usr/bin/time -v` when available (peak RSS = "Maximum resident set size");
// wall clock of the whole process; min and median reported, plus the median stats.durationMs (lint()).
// In-process: a child `node bench/nix.mjs --worker DIR N` imports dist/src/engine/lint.js, runs lint()
// once (warm-up) and then N times; it reports min/median, hosts, units, findings, and its own peak RSS
// (process.resourceUsage().maxRSS over the warm-up and every run; the child runs with --expose-gc and
// collects, untimed, before each run, so the peak is about one run's, not a pile-up of earlier results).
// Exit status: 0 unless something failed (the generator, a crash, bad JSON); never for "slow".

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { aggregateProfile, distHash, profileSamples, shortUrl as shortUrlOf } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'unitlint');
const GEN = path.join(ROOT, 'bench', 'gen-nix.mjs');
const SELF = fileURLToPath(import.meta.url);
const WORK = path.join(os.tmpdir(), 'unitlint-bench');
const TARGET = { modules: 1500, ms: 2000 };

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const min = (xs) => (xs.length ? Math.min(...xs) : null);

// =====================================================================================
// Worker: in-process lint() (spawned by the driver, one process per size)
// =====================================================================================
if (process.argv[2] === '--worker') {
  const [dir, runsArg, profileFlag] = process.argv.slice(3);
  const runs = Number(runsArg);
  const { lint } = await import(pathToFileURL(path.join(ROOT, 'dist', 'src', 'engine', 'lint.js')).href);
  const opts = { paths: [dir], cwd: os.tmpdir() };
  const once = async () => {
    const t0 = performance.now();
    const r = await lint(opts);
    return { ms: performance.now() - t0, r };
  };
  const warm = await once();
  const describe = (r) => {
    const systemHosts = new Set();
    let userProjects = 0;
    for (const { project } of r.projects) {
      if (project.host === undefined) continue;
      if (project.scope === 'user') userProjects++;
      else systemHosts.add(project.host);
    }
    const byRule = {};
    for (const f of r.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
    return {
      hosts: [...systemHosts].filter((h) => h !== '').length,
      anonymousHost: systemHosts.has(''),
      userProjects,
      units: r.stats.units,
      files: r.stats.files,
      findings: r.findings.length,
      byRule,
      failures: r.failures.map((f) => `${f.ruleId}: ${f.error?.message}`),
    };
  };
  const info = describe(warm.r);
  warm.r = null; // drop the warm-up's result before the timed runs (it holds every host's model)
  const gc = globalThis.gc ?? (() => {});
  let ms = [];
  let rssAfter = [];
  if (profileFlag) {
    // One run after the warm-up, profiled through the inspector (100 µs sampling): imports and the
    // warm-up stay out of the profile.
    const { Session } = await import('node:inspector/promises');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    gc();
    await session.post('Profiler.start');
    const x = await once();
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    fs.writeFileSync(path.join(profileFlag, 'lint.cpuprofile'), JSON.stringify(profile));
    ms.push(x.ms);
  } else {
    for (let i = 0; i < runs; i++) {
      gc(); // start every run from a collected heap (not timed): maxRSS then reflects one run, not a pile-up
      const x = await once();
      ms.push(x.ms);
      rssAfter.push(process.memoryUsage().rss);
    }
  }
  const out = { warmupMs: warm.ms, ms, rssAfterKB: rssAfter.map((b) => Math.round(b / 1024)), maxRssKB: process.resourceUsage().maxRSS, ...info };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

// =====================================================================================
// Driver
// =====================================================================================
const argv = process.argv.slice(2);
const opt = { sizes: [300, 1500, 3000], runs: 5, quick: false, regen: false, json: null, phases: false, profile: null, top: 25 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--sizes') opt.sizes = argv[++i].split(',').map(Number);
  else if (a === '--runs') opt.runs = Number(argv[++i]);
  else if (a === '--quick') opt.quick = true;
  else if (a === '--regen') opt.regen = true;
  else if (a === '--json') opt.json = path.resolve(argv[++i]);
  else if (a === '--phases') opt.phases = true;
  else if (a === '--profile') opt.profile = Number(argv[++i]);
  else if (a === '--top') opt.top = Number(argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log('usage: node bench/nix.mjs [--sizes 300,1500,3000] [--runs 5] [--quick] [--regen] [--json FILE] [--phases] [--profile SIZE] [--top N]');
    process.exit(0);
  } else fail(`unknown argument: ${a}`);
}
if (opt.quick) opt.runs = 1;
if (!opt.sizes.every((n) => Number.isInteger(n) && n >= 20)) fail('--sizes: integers ≥ 20');
if (opt.profile != null && !opt.sizes.includes(opt.profile)) opt.sizes.push(opt.profile);
const WARMUP = opt.quick ? 0 : 1;

function fail(msg) {
  process.stderr.write(`bench/nix: ${msg}\n`);
  process.exit(2);
}
const note = (msg) => process.stderr.write(`bench/nix: ${msg}\n`);

if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'engine', 'lint.js'))) fail('dist/ is missing: run `npm run build` first');

const TIME_BIN = (() => {
  try {
    fs.accessSync('/usr/bin/time', fs.constants.X_OK);
    return spawnSync('/usr/bin/time', ['-v', 'true'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : null;
  } catch {
    return null;
  }
})();
const TIME_OUT = path.join(WORK, `.nix-time-${process.pid}`);


// ---------- inputs ----------
const genHash = crypto.createHash('sha256').update(fs.readFileSync(GEN)).digest('hex').slice(0, 12);
function prepare(n) {
  fs.mkdirSync(WORK, { recursive: true });
  const dir = path.join(WORK, `nix-${n}`);
  const done = path.join(dir, '.done');
  if (!opt.regen && fs.existsSync(done) && fs.readFileSync(done, 'utf8').trim() === genHash) return dir;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [GEN, String(n), dir], { encoding: 'utf8' });
  if (r.status !== 0) fail(`gen-nix.mjs ${n} failed: ${r.error ?? r.stderr}`);
  fs.writeFileSync(done, `${genHash}\n`);
  note(`generated ${n} modules in ${(performance.now() - t0).toFixed(0)} ms → ${dir}`);
  return dir;
}
const countNix = (dir) => {
  let n = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.nix')) n++;
    }
  };
  walk(dir);
  return n;
};

// ---------- CLI runs ----------
function cliOnce(dir, env = process.env) {
  const args = [BIN, 'check', dir, '--format', 'json'];
  const [cmd, a] = TIME_BIN ? [TIME_BIN, ['-v', '-o', TIME_OUT, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  const r = spawnSync(cmd, a, { cwd: os.tmpdir(), env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.error || r.signal || (r.status !== 0 && r.status !== 1)) {
    fail(`unitlint failed on ${dir} (status ${r.status}, signal ${r.signal}): ${r.error ?? r.stderr.slice(0, 3000)}`);
  }
  let j;
  try {
    j = JSON.parse(r.stdout);
  } catch (e) {
    fail(`unitlint printed no valid JSON on ${dir}: ${e.message}`);
  }
  let rssKB = null;
  let cpuMs = null;
  if (TIME_BIN) {
    const t = fs.readFileSync(TIME_OUT, 'utf8');
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(t);
    rssKB = m ? Number(m[1]) : null;
    const u = /User time \(seconds\): ([\d.]+)/.exec(t);
    const s = /System time \(seconds\): ([\d.]+)/.exec(t);
    if (u && s) cpuMs = (Number(u[1]) + Number(s[1])) * 1000;
  }
  return { ms, cpuMs, rssKB, inProcMs: j.stats.durationMs, units: j.stats.units, files: j.stats.files, findings: j.findings, stderr: r.stderr };
}

function runCli(dir) {
  for (let i = 0; i < WARMUP; i++) cliOnce(dir);
  const runs = [];
  for (let i = 0; i < opt.runs; i++) runs.push(cliOnce(dir));
  const last = runs[runs.length - 1];
  return {
    minMs: min(runs.map((r) => r.ms)),
    medianMs: median(runs.map((r) => r.ms)),
    medianInProcMs: median(runs.map((r) => r.inProcMs)),
    medianCpuMs: median(runs.map((r) => r.cpuMs ?? NaN).filter(Number.isFinite)),
    peakRssKB: Math.max(...runs.map((r) => r.rssKB ?? 0)) || null,
    units: last.units,
    files: last.files,
    findings: last.findings.length,
    findingList: last.findings,
    samples: { wallMs: runs.map((r) => r.ms), inProcMs: runs.map((r) => r.inProcMs), cpuMs: runs.map((r) => r.cpuMs), rssKB: runs.map((r) => r.rssKB) },
  };
}

function runPhases(dir) {
  const r = cliOnce(dir, { ...process.env, UNITLINT_TIMINGS: '1' });
  const rows = [];
  for (const line of r.stderr.split('\n')) {
    const m = /^unitlint timing: (.+?)\s+([\d.]+) ms$/.exec(line);
    if (m) rows.push([m[1], Number(m[2])]);
  }
  return rows;
}

// ---------- in-process runs ----------
function runInProcess(dir, { profileDir } = {}) {
  const r = spawnSync(process.execPath, ['--expose-gc', SELF, '--worker', dir, String(opt.runs), profileDir ?? ''], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) fail(`in-process worker failed on ${dir} (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(0, 3000)}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ...j, minMs: min(j.ms), medianMs: median(j.ms) };
}

// ---------- profile summary ----------
function summarizeProfile(profileDir, top) {
  const file = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(profileDir, f))[0];
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const { parent, dt } = profileSamples(prof);
  const shortUrl = (u) => shortUrlOf(ROOT, u);
  const fnKey = (n) => {
    const cf = n.callFrame;
    return `${shortUrl(cf.url) || '(native)'}${cf.url ? `:${cf.lineNumber + 1}` : ''} ${cf.functionName || '(anonymous)'}`;
  };
  const fileKey = (n) => shortUrl(n.callFrame.url) || n.callFrame.functionName || '(native)';
  const { self, incl, groups: files, total } = aggregateProfile(dt, byId, parent, fnKey, fileKey, (n) => ['(idle)', '(program)'].includes(n.callFrame.functionName));
  const show = (title, m, n) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
  };
  console.log(`\nCPU profile (${file}): ${total.toFixed(0)} ms sampled in one lint() run after a warm-up (idle excluded; GC shows as "(garbage collector)")`);
  show('self time by source file', files, Math.min(top, 20));
  show('self time by function', self, top);
  show('inclusive time by function', new Map([...incl].filter(([k]) => !k.endsWith('(root)'))), top);
  return file;
}

// ---------- main ----------
const gitHead = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null;
const distBefore = distHash(ROOT);
const loadBefore = os.loadavg();
note(`CLI: ${WARMUP} warm-up + ${opt.runs} runs; in-process: 1 warm-up + ${opt.runs} runs; dist ${distBefore}, HEAD ${gitHead}; inputs in ${WORK}`);
if (!TIME_BIN) note('/usr/bin/time not available: CLI peak RSS not measured (in-process maxRSS still is)');

const results = [];
for (const n of [...opt.sizes].sort((a, b) => a - b)) {
  const dir = prepare(n);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'gen-nix.json'), 'utf8'));
  note(`${n} modules: CLI…`);
  const cli = runCli(dir);
  note(`${n} modules: in-process…`);
  const inproc = runInProcess(dir);
  const phases = opt.phases ? runPhases(dir) : null;
  results.push({ modules: n, nixFiles: countNix(dir), dir, manifest, cli, inproc, phases });
}
const distAfter = distHash(ROOT);
const loadAfter = os.loadavg();

// ---------- report ----------
const f0 = (x) => (x == null ? '—' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x == null ? '—' : x.toFixed(1));
const mb = (kb) => (kb == null ? '—' : (kb / 1024).toFixed(1));
const pad = (s, w, left = false) => (left ? String(s).padEnd(w) : String(s).padStart(w));
console.log(`\nunitlint on synthetic NixOS fleets (bench/gen-nix.mjs), node ${process.version}, ${os.cpus().length} CPUs, dist ${distBefore}${distAfter !== distBefore ? ` → ${distAfter} (REBUILT DURING THE RUN: numbers mix builds)` : ''}, HEAD ${gitHead}`);
console.log(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}\n`);
const head = ['modules', '.nix', 'hosts', 'units', 'findings', 'CLI min ms', 'CLI med ms', 'lint() in CLI ms', 'CLI CPU ms', 'CLI RSS MB', 'in-proc min ms', 'in-proc med ms', 'in-proc warm-up ms', 'in-proc maxRSS MB'];
const rows = results.map((r) => [
  f0(r.modules), f0(r.nixFiles), r.inproc.hosts + (r.inproc.anonymousHost ? '+anon' : ''), f0(r.cli.units), f0(r.cli.findings),
  f0(r.cli.minMs), f0(r.cli.medianMs), f0(r.cli.medianInProcMs), f0(r.cli.medianCpuMs), mb(r.cli.peakRssKB),
  f0(r.inproc.minMs), f0(r.inproc.medianMs), f0(r.inproc.warmupMs), mb(r.inproc.maxRssKB),
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
console.log(head.map((h, i) => pad(h, widths[i])).join('  '));
for (const r of rows) console.log(r.map((c, i) => pad(c, widths[i])).join('  '));

console.log('\nscaling (relative to the smallest size):');
const base = results[0];
for (const r of results) {
  console.log(
    `  ${pad(f0(r.modules), 6)} modules: ${f1(r.modules / base.modules)}× modules, ${f1(r.cli.units / base.cli.units)}× units → CLI ${f1(r.cli.medianMs / base.cli.medianMs)}×, ` +
      `in-process ${f1(r.inproc.medianMs / base.inproc.medianMs)}× (${f1((1000 * r.inproc.medianMs) / r.cli.units)} µs/unit), RSS ${f1(r.cli.peakRssKB / base.cli.peakRssKB)}×`,
  );
}

console.log('\nfindings by rule (CLI, last run):');
for (const r of results) {
  const by = {};
  for (const f of r.cli.findingList) by[`${f.ruleId}/${f.severity}`] = (by[`${f.ruleId}/${f.severity}`] ?? 0) + 1;
  const d = r.manifest.deliberate;
  console.log(`  ${pad(f0(r.modules), 6)}: ${Object.entries(by).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  console.log(
    `          planted: networking.target ${d.networkingTarget}, restart loops ${d.restartLoop}, unbounded oneshot waits ${d.oneshotUnboundedWait}, ` +
      `unordered gates ${d.unorderedGate}, containers with default RestartSec ${d.containerDefaultRestart} ` +
      `(counted per module; a module shared by several hosts is reported once)`,
  );
  if (r.inproc.failures.length) console.log(`          RULE FAILURES: ${r.inproc.failures.join('; ')}`);
}

const t = results.find((r) => r.modules === TARGET.modules);
if (t) {
  const ok = t.cli.medianMs <= TARGET.ms;
  console.log(
    `\ntarget: ${f0(TARGET.modules)} modules in ≤ ${TARGET.ms / 1000} s: ${ok ? 'MET' : 'MISSED'} — CLI median ${f0(t.cli.medianMs)} ms (min ${f0(t.cli.minMs)})` +
      `${ok ? '' : ` = ${f1(t.cli.medianMs / TARGET.ms)}× the budget`}; lint() in-process median ${f0(t.inproc.medianMs)} ms (warm JIT), ${f0(t.cli.medianInProcMs)} ms inside the CLI (cold)`,
  );
}

if (opt.phases) {
  console.log('\nphases (one CLI run with UNITLINT_TIMINGS=1, ms):');
  const names = [...new Set(results.flatMap((r) => r.phases.map(([k]) => k)))];
  console.log(`  ${pad('phase', 36, true)}${results.map((r) => pad(f0(r.modules), 9)).join('')}`);
  for (const k of names) {
    console.log(`  ${pad(k, 36, true)}${results.map((r) => pad(f1(r.phases.find(([x]) => x === k)?.[1]), 9)).join('')}`);
  }
}

if (opt.profile != null) {
  const r = results.find((x) => x.modules === opt.profile);
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixprof-'));
  const p = runInProcess(r.dir, { profileDir: profDir });
  console.log(`\nprofiled in-process run on ${f0(opt.profile)} modules: warm-up ${f0(p.warmupMs)} ms, profiled run ${f0(p.ms[0])} ms (profiler overhead included)`);
  summarizeProfile(profDir, opt.top);
}

if (opt.json) {
  const raw = {
    date: new Date().toISOString(),
    build: { gitHead, distBefore, distAfter },
    load: { before: loadBefore, after: loadAfter },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memMB: Math.round(os.totalmem() / 2 ** 20), node: process.version },
    method: { cliWarmup: WARMUP, runs: opt.runs, generatorHash: genHash },
    results: results.map((r) => ({ ...r, cli: { ...r.cli, findingList: undefined } })),
  };
  fs.mkdirSync(path.dirname(opt.json), { recursive: true });
  fs.writeFileSync(opt.json, JSON.stringify(raw, null, 2) + '\n');
  note(`raw numbers written to ${opt.json}`);
}
try {
  fs.rmSync(TIME_OUT, { force: true });
} catch {}
