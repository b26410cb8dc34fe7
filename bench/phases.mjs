#!/usr/bin/env node
// Where does a `unitlint check DIR --format json` run spend its time? Re-enacts lint() phase by phase
// on the compiled dist/ modules, in one process, with a timer around each step:
//   imports (cli deps, engine, rules), discovery (fast-glob), load+parse (buildProject), graph, each
//   rule, suppressions, the JSON reporter.
// Usage: node bench/phases.mjs DIR [--repeat N]   (N > 1 also shows warm, JIT-compiled numbers)
// Not a replacement for bench/run.mjs: this one is for attribution, the other for the headline numbers.

import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const t00 = performance.now();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;
const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 1;
if (!dir) {
  console.error('usage: node bench/phases.mjs DIR [--repeat N]');
  process.exit(2);
}

const rows = [];
const time = async (label, fn) => {
  const t = performance.now();
  const r = await fn();
  rows.push([label, performance.now() - t]);
  return r;
};

// --- imports, in the order the CLI pulls them in ---
await time('import yargs (+helpers)', () => Promise.all([import('yargs'), import('yargs/helpers')]));
await time('import dist/src/cli.js', () => import(dist('src/cli.js')));
await time('import engine/lint.js (+graphlib, fast-glob, parser, catalog)', () => import(dist('src/engine/lint.js')));
const { loadRules } = await import(dist('src/engine/registry.js'));
const rules = await time('loadRules (import rules/*.js)', () => loadRules());
const { defaultConfig } = await import(dist('src/config.js'));
await time('import reporters/index.js', () => import(dist('src/reporters/index.js')));

const { discover } = await import(dist('src/sources/discover.js'));
const load = await import(dist('src/model/load.js'));
const { buildGraph } = await import(dist('src/graph/build.js'));
const { applySuppressions, collectSuppressions } = await import(dist('src/engine/suppress.js'));
const { REPORTERS } = await import(dist('src/reporters/index.js'));
const { toolVersion } = await import(dist('src/cli.js'));
const tImports = performance.now();

for (let it = 0; it < repeat; it++) {
  const tag = repeat > 1 ? ` [#${it + 1}]` : '';
  const config = defaultConfig();
  const roots = [path.resolve(dir)];
  const { entries } = await time(`discover (fast-glob)${tag}`, () => discover(roots, load.UNIT_GLOBS, { ignore: config.ignore }));
  // loadProjects = discover + buildProject per scope; time the whole thing minus discovery.
  const tLoad = performance.now();
  const projects = load.loadProjects(roots, { cwd: process.cwd(), ignore: config.ignore });
  const loadMs = performance.now() - tLoad;
  const lastDiscover = rows[rows.length - 1][1];
  rows.push([`read + parse + model (loadProjects − discover)${tag}`, loadMs - lastDiscover]);
  const graphs = [];
  for (const project of projects) graphs.push(await time(`buildGraph (${project.units.size} units)${tag}`, () => buildGraph(project)));
  const raw = [];
  for (const rule of rules) {
    let n = 0;
    const t = performance.now();
    projects.forEach((project, i) => {
      rule.check({
        project,
        graph: graphs[i],
        config,
        where: (l) => (l ? `${l.file}:${l.line}` : '?'),
        relPath: (f) => path.relative(process.cwd(), f),
        report(spec) {
          n++;
          raw.push({ ruleId: rule.meta.id, severity: spec.severity ?? rule.meta.severity, message: spec.message, unit: spec.unit, location: spec.location, related: spec.related ?? [], fix: { description: spec.fix } });
        },
      });
    });
    rows.push([`rule ${rule.meta.id} (${n} findings)${tag}`, performance.now() - t]);
  }
  const findings = await time(`suppressions${tag}`, () => applySuppressions(raw, projects.flatMap((p) => collectSuppressions(p))));
  await time(`JSON reporter${tag}`, () =>
    REPORTERS.json({ findings, rules: rules.map((r) => r.meta), toolVersion: toolVersion(), stats: { files: 0, units: 0, durationMs: 0 }, cwd: process.cwd(), color: false, readSource: () => undefined }),
  );
  rows.push([`files: ${entries.length}`, NaN]);
}

const total = performance.now() - t00;
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`phases of unitlint on ${dir} (node ${process.version}; process start-up before this script is not included — see \`node -e 0\`)`);
for (const [l, ms] of rows) console.log(`  ${l.padEnd(w)}  ${Number.isNaN(ms) ? '' : `${ms.toFixed(1).padStart(8)} ms`}`);
console.log(`  ${'imports total'.padEnd(w)}  ${(tImports - t00).toFixed(1).padStart(8)} ms`);
console.log(`  ${'script total'.padEnd(w)}  ${total.toFixed(1).padStart(8)} ms`);
