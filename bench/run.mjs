#!/usr/bin/env node
// Benchmark: unitlint vs `systemd-analyze verify --man=no` on the same unit files.
//
// Usage: node bench/run.mjs [--quick] [--json FILE] [--corpus DIR] [--no-verify] [--verify-arg ARG]...
//   --quick       1 run of each tool per input (smoke test) instead of 1 warm-up + 5 (unitlint) / 3 (verify)
//   --json FILE   also write the raw numbers (every sample) to FILE
//   --corpus DIR  the Debian corpus (default /tmp/corpus/units; build it with
//                 /work/shared/corpus/make-debian-corpus.sh /tmp/corpus); skipped with a note when absent
//   --no-verify   time unitlint only
//   --verify-arg ARG  extra argument for systemd-analyze verify (repeatable), e.g. --verify-arg --recursive-errors=no
//
// Inputs live in os.tmpdir()/unitlint-bench and are reused: an empty folder (start-up baseline), and
// synthetic trees of 300 and 3000 services written by ../shared/bench/gen-units.py.
// unitlint: `bin/unitlint check DIR --format json`, wall time of the whole process, median of 5 runs
// after 1 warm-up; every run is under `/usr/bin/time -f '%U %S %M'` (~0.5 ms) for CPU time and peak RSS
// (median reported); the JSON gives stats.durationMs (in-process time of lint()).
// verify: `systemd-analyze verify --man=no FILE...` with every unit file of the tree (not drop-ins, which
// verify finds itself: it adds the folder of each argument to the unit search path). Argument lists
// longer than ARG_CHUNK bytes are split; each chunk then gets every folder through SYSTEMD_UNIT_PATH
// and the times are summed. Median of 3 runs, each under /usr/bin/time for the peak RSS.
// The run also records the build (git HEAD, a hash of dist/) and how much CPU other work took meanwhile.
// UNITLINT_BENCH_ARG_CHUNK=BYTES forces smaller verify chunks (to test chunking).
// Exit status: 0 unless something really failed (a tool crashed, bad JSON, generator error); never for "slow".

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distHash } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'unitlint');
const GEN = path.resolve(ROOT, '..', 'shared', 'bench', 'gen-units.py');
const WORK = path.join(os.tmpdir(), 'unitlint-bench');
const SIZES = [300, 3000];
const UNIT_SUFFIXES = ['.service', '.socket', '.target', '.timer', '.path', '.mount', '.automount', '.swap', '.slice', '.scope', '.device'];
// bytes of file-name arguments per verify invocation (ARG_MAX is usually 2 MiB incl. env); overridable to test chunking
const ARG_CHUNK = Number(process.env.UNITLINT_BENCH_ARG_CHUNK) || 512 * 1024;
const VERIFY_TIMEOUT_MS = 10 * 60 * 1000;
const TARGET_MS = 300;

// ---------- arguments ----------
const argv = process.argv.slice(2);
const opt = { quick: false, json: null, corpus: '/tmp/corpus/units', verify: true, verifyArgs: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--quick') opt.quick = true;
  else if (a === '--no-verify') opt.verify = false;
  else if (a === '--json' && argv[i + 1]) opt.json = path.resolve(argv[++i]);
  else if (a === '--corpus' && argv[i + 1]) opt.corpus = path.resolve(argv[++i]);
  else if (a === '--verify-arg' && argv[i + 1]) opt.verifyArgs.push(argv[++i]);
  else if (a === '--help' || a === '-h') {
    console.log('usage: node bench/run.mjs [--quick] [--json FILE] [--corpus DIR] [--no-verify] [--verify-arg ARG]...');
    process.exit(0);
  } else fail(`unknown argument: ${a}`);
}
const UL_RUNS = opt.quick ? 1 : 5;
const UL_WARMUP = opt.quick ? 0 : 1;
const VERIFY_RUNS = opt.quick ? 1 : 3;

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}
const note = (msg) => process.stderr.write(`bench: ${msg}\n`);

// ---------- helpers ----------
const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const TIME_BIN = (() => {
  try {
    fs.accessSync('/usr/bin/time', fs.constants.X_OK);
    return spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0 ? '/usr/bin/time' : null;
  } catch {
    return null;
  }
})();
const RSS_FILE = path.join(WORK, `.rss-${process.pid}`);

/** Every child's user+sys CPU time, to tell our load from other work on the machine. */
let childCpuMs = 0;

/**
 * Runs cmd under /usr/bin/time (when present: its overhead is ~0.5 ms) and returns
 * { ms, cpuMs, rssKB, status, signal, stdout, stderr }: wall time, user+sys CPU time, peak RSS.
 */
function timed(cmd, args, { cwd = WORK, env = process.env, timeout } = {}) {
  const [c, a] = TIME_BIN ? [TIME_BIN, ['-f', '%U %S %M', '-o', RSS_FILE, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(c, a, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30, timeout });
  const ms = performance.now() - t0;
  if (r.error) return { ms, error: r.error, status: null, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  let rssKB = null;
  let cpuMs = null;
  if (TIME_BIN) {
    // /usr/bin/time -o writes "Command exited with non-zero status N" before the numbers when N != 0.
    const lines = fs.readFileSync(RSS_FILE, 'utf8').trim().split('\n');
    const [u, sy, m] = lines[lines.length - 1].split(' ').map(Number);
    rssKB = m || null;
    cpuMs = Number.isFinite(u + sy) ? (u + sy) * 1000 : null;
    if (cpuMs != null) childCpuMs += cpuMs;
  }
  return { ms, cpuMs, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, rssKB };
}

/** Unit files of a tree: regular files with a unit suffix, outside drop-in / .wants folders. */
function unitFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (!/\.(d|wants|requires|upholds)$/.test(e.name)) walk(p);
      } else if (e.isFile() && UNIT_SUFFIXES.some((s) => e.name.endsWith(s))) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

// ---------- inputs ----------
function prepareInputs() {
  fs.mkdirSync(WORK, { recursive: true });
  const inputs = [];
  const empty = path.join(WORK, 'empty');
  fs.mkdirSync(empty, { recursive: true });
  inputs.push({ name: 'empty (start-up)', dir: empty, baseline: true });
  for (const n of SIZES) {
    const dir = path.join(WORK, `synth-${n}`);
    const done = path.join(WORK, `.synth-${n}.done`);
    if (!fs.existsSync(done)) {
      fs.rmSync(dir, { recursive: true, force: true });
      if (!fs.existsSync(GEN)) fail(`generator not found: ${GEN}`);
      const r = spawnSync('python3', [GEN, String(n), dir], { encoding: 'utf8' });
      if (r.status !== 0) fail(`gen-units.py ${n} failed: ${r.error ?? r.stderr}`);
      fs.writeFileSync(done, `${new Date().toISOString()}\n`);
    }
    inputs.push({ name: `synthetic ${n}`, dir, size: n });
  }
  if (fs.existsSync(opt.corpus) && fs.statSync(opt.corpus).isDirectory()) {
    inputs.push({ name: 'Debian corpus', dir: opt.corpus, corpus: true });
  } else {
    note(`corpus ${opt.corpus} not found: skipped (build it with /work/shared/corpus/make-debian-corpus.sh /tmp/corpus)`);
  }
  return inputs;
}

// ---------- unitlint ----------
function runUnitlint(input) {
  const args = ['check', input.dir, '--format', 'json'];
  const once = () => {
    const r = timed(BIN, args);
    if (r.error || r.signal || (r.status !== 0 && r.status !== 1)) {
      fail(`unitlint failed on ${input.name} (status ${r.status}, signal ${r.signal}): ${r.error ?? r.stderr.slice(0, 2000)}`);
    }
    let j;
    try {
      j = JSON.parse(r.stdout);
    } catch (e) {
      fail(`unitlint printed no valid JSON on ${input.name}: ${e.message}`);
    }
    return { ms: r.ms, cpuMs: r.cpuMs, rssKB: r.rssKB, inProcMs: j.stats.durationMs, files: j.stats.files, units: j.stats.units, findings: j.findings.length, status: r.status };
  };
  const warm = [];
  for (let i = 0; i < UL_WARMUP; i++) warm.push(once());
  const runs = [];
  for (let i = 0; i < UL_RUNS; i++) runs.push(once());
  const last = runs[runs.length - 1];
  return {
    wallMs: median(runs.map((r) => r.ms)),
    inProcMs: median(runs.map((r) => r.inProcMs)),
    cpuMs: median(runs.map((r) => r.cpuMs ?? NaN).filter(Number.isFinite)),
    rssKB: median(runs.map((r) => r.rssKB ?? NaN).filter(Number.isFinite)),
    units: last.units,
    files: last.files,
    findings: last.findings,
    exitStatus: last.status,
    samples: { wallMs: runs.map((r) => r.ms), inProcMs: runs.map((r) => r.inProcMs), cpuMs: runs.map((r) => r.cpuMs), rssKB: runs.map((r) => r.rssKB), warmupWallMs: warm.map((r) => r.ms) },
  };
}

// ---------- systemd-analyze verify ----------
const VERIFY_VERSION = (() => {
  const r = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
})();

function chunk(files) {
  const chunks = [];
  let cur = [];
  let bytes = 0;
  for (const f of files) {
    const b = Buffer.byteLength(f) + 1 + 8; // string + NUL + argv pointer
    if (cur.length && bytes + b > ARG_CHUNK) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += b;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

function runVerify(input) {
  const files = unitFiles(input.dir);
  if (!files.length) return { skipped: 'no unit files' };
  const chunks = chunk(files);
  // One invocation: verify puts the folder of each argument in front of the unit search path itself.
  // Several: give every chunk all folders, so references across chunks still resolve.
  const env = { ...process.env };
  if (chunks.length > 1) env.SYSTEMD_UNIT_PATH = [...new Set(files.map((f) => path.dirname(f)))].join(':') + ':';
  const runs = [];
  for (let i = 0; i < VERIFY_RUNS; i++) {
    let ms = 0;
    let cpuMs = 0;
    let rssKB = null;
    let messages = 0;
    let loadErrors = [];
    let status = 0;
    for (const c of chunks) {
      const r = timed('systemd-analyze', ['verify', '--man=no', ...opt.verifyArgs, ...c], { env, timeout: VERIFY_TIMEOUT_MS });
      if (r.error?.code === 'ENOENT') return { skipped: 'systemd-analyze not installed' };
      if (r.error || r.signal) {
        return { failed: `systemd-analyze ${r.signal ? `killed by ${r.signal}` : r.error.message}${r.error?.code === 'ETIMEDOUT' ? ` (timeout ${VERIFY_TIMEOUT_MS / 1000} s)` : ''}` };
      }
      ms += r.ms;
      cpuMs += r.cpuMs ?? 0;
      rssKB = Math.max(rssKB ?? 0, r.rssKB ?? 0) || null;
      status = Math.max(status, r.status);
      const lines = (r.stdout + r.stderr).split('\n').filter(Boolean);
      messages += lines.length;
      loadErrors = loadErrors.concat(lines.filter((l) => /Failed to (prepare filename|load|create manager|initialize manager|start)/i.test(l)));
    }
    runs.push({ ms, cpuMs, rssKB, messages, loadErrors, status });
  }
  const last = runs[runs.length - 1];
  return {
    wallMs: median(runs.map((r) => r.ms)),
    cpuMs: median(runs.map((r) => r.cpuMs)),
    rssKB: Math.max(...runs.map((r) => r.rssKB ?? 0)) || null,
    unitFiles: files.length,
    invocations: chunks.length,
    messages: last.messages,
    exitStatus: last.status,
    loadErrors: last.loadErrors.slice(0, 20),
    samples: { wallMs: runs.map((r) => r.ms), cpuMs: runs.map((r) => r.cpuMs) },
  };
}

// ---------- main ----------
if (!fs.existsSync(path.join(ROOT, 'dist', 'src', 'cli.js'))) fail('dist/src/cli.js is missing: run `npm run build` first');
const inputs = prepareInputs();
note(`${opt.quick ? 'quick: 1 run each' : `unitlint: 1 warm-up + ${UL_RUNS} runs; verify: ${VERIFY_RUNS} runs`}; inputs in ${WORK}`);
if (!TIME_BIN) note('/usr/bin/time not available: no peak RSS');
if (opt.verify && !VERIFY_VERSION) note('systemd-analyze not available: verify skipped');

// What exactly was measured: the compiled code (others may rebuild dist/ meanwhile) and the load.
const gitHead = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || null;
const distBefore = distHash(ROOT);
const loadBefore = os.loadavg();
/** Jiffies of all CPUs from /proc/stat: [busy, total] (null off Linux). */
function cpuJiffies() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return [total - idle, total];
  } catch {
    return null;
  }
}
const cpuBefore = cpuJiffies();
const T_START = performance.now();

const results = [];
for (const input of inputs) {
  note(`unitlint on ${input.name} …`);
  const ul = runUnitlint(input);
  let v = null;
  if (!input.baseline && opt.verify && VERIFY_VERSION) {
    note(`systemd-analyze verify on ${input.name} …`);
    v = runVerify(input);
  }
  results.push({ input: input.name, dir: input.dir, size: input.size ?? null, baseline: !!input.baseline, corpus: !!input.corpus, unitlint: ul, verify: v });
}
try {
  fs.rmSync(RSS_FILE, { force: true });
} catch {}

const loadAfter = os.loadavg();
const cpuAfter = cpuJiffies();
// CPU time the machine spent on work that was not ours (jiffies are 10 ms; our children's time is from
// /usr/bin/time; this process itself mostly waits): a share of the elapsed time, per CPU.
const HZ = 100;
const elapsedMs = performance.now() - T_START;
const busyPct = cpuBefore && cpuAfter ? (100 * (cpuAfter[0] - cpuBefore[0])) / (cpuAfter[1] - cpuBefore[1]) : null;
const otherCpuMs = cpuBefore && cpuAfter && TIME_BIN ? Math.max(0, ((cpuAfter[0] - cpuBefore[0]) * 1000) / HZ - childCpuMs - process.cpuUsage().user / 1000 - process.cpuUsage().system / 1000) : null;
const otherPct = otherCpuMs == null ? null : (100 * otherCpuMs) / (elapsedMs * os.cpus().length);
if (otherPct != null && otherPct > 10) note(`other work used ${otherPct.toFixed(0)} % of the machine's CPU during the run: numbers are inflated; rerun when the machine is idle`);
const distAfter = distHash(ROOT);
if (distAfter !== distBefore) note(`dist/ changed during the run (${distBefore} → ${distAfter}): someone rebuilt; numbers mix two builds`);

// memory above the empty run, per unit
const base = results.find((r) => r.baseline);
for (const r of results) {
  r.unitlint.rssAboveBaselineKBPerUnit =
    !r.baseline && r.unitlint.rssKB && base?.unitlint.rssKB && r.unitlint.units ? (r.unitlint.rssKB - base.unitlint.rssKB) / r.unitlint.units : null;
  r.ratio = r.verify?.wallMs ? r.verify.wallMs / r.unitlint.wallMs : null;
}

// ---------- table ----------
const f0 = (x) => (x == null ? '—' : Math.round(x).toString());
const f1 = (x) => (x == null ? '—' : x.toFixed(1));
const f2 = (x) => (x == null ? '—' : x.toFixed(2));
const rows = results.map((r) => [
  r.input,
  String(r.unitlint.units),
  f0(r.unitlint.wallMs),
  f0(r.unitlint.inProcMs),
  f1(r.unitlint.rssKB && r.unitlint.rssKB / 1024),
  f1(r.unitlint.rssAboveBaselineKBPerUnit),
  r.verify?.wallMs != null ? f0(r.verify.wallMs) : r.verify?.failed ? 'failed' : r.verify?.skipped ? 'skipped' : '—',
  f1(r.verify?.rssKB && r.verify.rssKB / 1024),
  r.ratio == null ? '—' : `${f2(r.ratio)}×`,
]);
const head = ['input', 'units', 'unitlint wall ms', 'in-process ms', 'peak RSS MB', 'KB/unit over empty', 'verify ms', 'verify RSS MB', 'verify / unitlint'];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
console.log(`\ndist ${distBefore}${distAfter !== distBefore ? ` → ${distAfter} (REBUILT DURING RUN)` : ''}, git ${gitHead}${gitHead && spawnSync('git', ['status', '--porcelain', '--', 'src', 'rules'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' + uncommitted changes' : ''}; load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after; CPUs ${busyPct == null ? '?' : busyPct.toFixed(0)} % busy during the run, ${otherPct == null ? '?' : otherPct.toFixed(0)} % by other work`);
console.log(`unitlint vs ${VERIFY_VERSION ?? 'systemd-analyze (absent)'}${opt.verifyArgs.length ? ` (verify ${opt.verifyArgs.join(' ')})` : ''} — ${os.cpus().length} CPUs, node ${process.version}${opt.quick ? ' — QUICK (1 run each)' : ''}\n`);
console.log(line(head));
console.log('|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|');
for (const r of rows) console.log(line(r));
for (const r of results) {
  if (r.verify?.failed) console.log(`note: verify could not handle ${r.input}: ${r.verify.failed}`);
  if (r.verify?.skipped) console.log(`note: verify skipped on ${r.input}: ${r.verify.skipped}`);
  if (r.verify?.invocations > 1) console.log(`note: verify on ${r.input} ran as ${r.verify.invocations} invocations (argument list chunked), times summed`);
  if (r.verify?.loadErrors?.length) console.log(`note: verify load errors on ${r.input}: ${r.verify.loadErrors.length} (e.g. ${r.verify.loadErrors[0]})`);
}

// ---------- targets ----------
console.log('\ntargets:');
const s3000 = results.find((r) => r.size === 3000);
if (s3000) {
  const ok = s3000.unitlint.wallMs <= TARGET_MS;
  console.log(
    `  3,000 units in ≤ ${TARGET_MS} ms: ${ok ? 'MET' : 'MISSED'} — wall ${f0(s3000.unitlint.wallMs)} ms` +
      `${ok ? '' : ` (${f2(s3000.unitlint.wallMs / TARGET_MS)}× the budget, +${f0(s3000.unitlint.wallMs - TARGET_MS)} ms)`}; in-process ${f0(s3000.unitlint.inProcMs)} ms` +
      `${base ? `; empty-tree start-up ${f0(base.unitlint.wallMs)} ms` : ''}`,
  );
}
const corpus = results.find((r) => r.corpus);
if (corpus && corpus.ratio != null) {
  console.log(
    `  Debian corpus no slower than verify: ${corpus.ratio >= 1 ? 'MET' : 'MISSED'} — unitlint ${f0(corpus.unitlint.wallMs)} ms vs verify ${f0(corpus.verify.wallMs)} ms` +
      `${corpus.ratio >= 1 ? '' : ` (unitlint ${f2(1 / corpus.ratio)}× slower, +${f0(corpus.unitlint.wallMs - corpus.verify.wallMs)} ms)`}`,
  );
} else console.log('  Debian corpus no slower than verify: not measured');
const s300 = results.find((r) => r.size === 300);
if (s300?.unitlint.rssAboveBaselineKBPerUnit != null && s3000?.unitlint.rssAboveBaselineKBPerUnit != null) {
  const a = s300.unitlint.rssAboveBaselineKBPerUnit;
  const b = s3000.unitlint.rssAboveBaselineKBPerUnit;
  const slope = (s3000.unitlint.rssKB - s300.unitlint.rssKB) / (s3000.unitlint.units - s300.unitlint.units);
  const linear = b <= Math.max(a, 1) * 1.5;
  console.log(
    `  memory linear: ${linear ? 'MET' : 'MISSED'} — ${f1(a)} KB/unit over the empty run at ${s300.unitlint.units} units, ${f1(b)} KB/unit at ${s3000.unitlint.units}; marginal ${f1(slope)} KB/unit`,
  );
} else console.log('  memory linear: not measured (no /usr/bin/time)');

if (opt.json) {
  const raw = {
    date: new Date().toISOString(),
    build: { gitHead, distBefore, distAfter }, load: { before: loadBefore, after: loadAfter, cpuBusyPct: busyPct, otherWorkCpuPct: otherPct },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memMB: Math.round(os.totalmem() / 2 ** 20), node: process.version, systemd: VERIFY_VERSION, platform: `${os.type()} ${os.release()}` },
    method: { verifyArgs: ['--man=no', ...opt.verifyArgs], unitlintRuns: UL_RUNS, unitlintWarmup: UL_WARMUP, verifyRuns: VERIFY_RUNS, quick: opt.quick, argChunkBytes: ARG_CHUNK },
    results,
  };
  fs.mkdirSync(path.dirname(opt.json), { recursive: true });
  fs.writeFileSync(opt.json, JSON.stringify(raw, null, 2) + '\n');
  note(`raw numbers written to ${opt.json}`);
}
