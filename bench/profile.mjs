#!/usr/bin/env node
// CPU profile of one real CLI run: `node --cpu-prof bin/unitlint check DIR --format json`, then a
// summary of the .cpuprofile: self time per function, inclusive time per function, self time per
// source (our dist/ files, each dependency, node internals, GC).
// Usage: node bench/profile.mjs DIR [--top N] [--keep DIR]   (interval 100 µs)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregateProfile, profileSamples, shortUrl as shortUrlOf } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dir = args.find((a, i) => !a.startsWith('--') && !['--top', '--keep'].includes(args[i - 1]));
const top = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 20;
const keep = args.includes('--keep') ? path.resolve(args[args.indexOf('--keep') + 1]) : null;
if (!dir) {
  console.error('usage: node bench/profile.mjs DIR [--top N] [--keep DIR]');
  process.exit(2);
}
const out = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-prof-'));
fs.mkdirSync(out, { recursive: true });
const t0 = performance.now();
const r = spawnSync(
  process.execPath,
  ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', out, path.join(ROOT, 'bin', 'unitlint'), 'check', path.resolve(dir), '--format', 'json'],
  { cwd: os.tmpdir(), encoding: 'utf8', maxBuffer: 1 << 30 },
);
const wall = performance.now() - t0;
if (r.status !== 0 && r.status !== 1) {
  console.error(`unitlint failed (${r.status}): ${r.stderr}`);
  process.exit(2);
}
const file = fs.readdirSync(out).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(out, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));

const { byId, parent, dt } = profileSamples(prof);
const totalMs = [...dt.values()].reduce((a, b) => a + b, 0);
const shortUrl = (u) => shortUrlOf(ROOT, u);
const fnKey = (n) => {
  const cf = n.callFrame;
  return `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
};
const bucket = (n) => {
  const u = n.callFrame.url;
  const name = n.callFrame.functionName;
  if (!u) return name === '(garbage collector)' ? 'GC' : name === '(program)' || name === '(idle)' ? `${name}` : 'native/builtin';
  if (u.startsWith('node:')) return 'node internals (module loading, fs…)';
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 13).split('/');
    return `dep ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return shortUrl(u);
};

const { self, incl, groups: buckets } = aggregateProfile(dt, byId, parent, fnKey, bucket);
const show = (title, m, n) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${(100 * v / totalMs).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`profile of unitlint check ${dir}: wall ${wall.toFixed(0)} ms (with profiler), sampled ${totalMs.toFixed(0)} ms; ${file}`);
show('self time by source', buckets, top);
show('self time by function', self, top);
show('inclusive time by function', new Map([...incl].filter(([k]) => !k.startsWith('(root)'))), top * 2);
if (!keep) fs.rmSync(out, { recursive: true, force: true });
