/**
 * The programmatic entry point: load → graph → rules → suppressions → sorted, relative findings.
 * The CLI is a thin shell over `lint()`.
 */
import path from 'node:path';
import type { Finding, Location, RuleMeta } from '../types.js';
import { buildProject, discoverInput, loadProjects, type Project } from '../model/load.js';
import { buildGraph, type BootGraph } from '../graph/build.js';
import { loadRules } from './registry.js';
import type { ReportSpec, RuleContext } from './rule.js';
import { ConfigError, defaultConfig, findConfigFile, loadConfigFile, type Config } from '../config.js';
import { applySuppressions, collectNixSuppressions, collectSuppressions } from './suppress.js';
import { nixFixHint } from '../nix/hints.js';
import { lap, reportTimings, resetTimings } from '../util/timing.js';
import { prepareGates, setConfiguredServes } from '../analysis/gates.js';
import type { RunStats } from '../reporters/types.js';
import { readArchives } from '../sources/packaging/index.js';
import { initShell } from '../analysis/shell.js';
import { unitsAtRisk } from '../analysis/startneeds.js';

export interface LintOptions {
  /** Files or folders to lint (default: the working directory). */
  paths?: string[];
  cwd?: string;
  /** A ready configuration; when absent it is looked up (or read from configFile). */
  config?: Config;
  configFile?: string;
  /** Report only findings located in these files (the whole tree is still loaded: cycles cross files). */
  only?: string[];
  /**
   * FLAKE#HOST: evaluate that NixOS host with Nix and lint the units it really builds instead of the
   * statically derived ones (locations mapped back to .nix lines where the static front end has them).
   * The only path on which unitlint runs anything of the user's; never taken unless asked.
   */
  nixEval?: string;
}

export interface RuleFailure {
  ruleId: string;
  error: Error;
}

export interface LintResult {
  findings: Finding[];
  stats: RunStats;
  rules: RuleMeta[];
  config: Config;
  /** Rules that threw (an internal error: the CLI exits 3). */
  failures: RuleFailure[];
  /** The system manager's project and graph. */
  project: Project;
  graph: BootGraph;
  /** Every service manager's project (system first, then user units if any) with its graph. */
  projects: { project: Project; graph: BootGraph }[];
}

export const UNUSED_SUPPRESSION = 'unused-suppression';

export async function lint(opts: LintOptions = {}): Promise<LintResult> {
  const t0 = performance.now();
  resetTimings();
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const rules = await loadRules();
  const ids = new Set(rules.map((r) => r.meta.id));
  let config = opts.config;
  if (!config) {
    const file = opts.configFile ? path.resolve(cwd, opts.configFile) : findConfigFile(cwd);
    config = file ? await loadConfigFile(file, ids) : defaultConfig();
  }
  const roots = (opts.paths?.length ? opts.paths : ['.']).map((p) => path.resolve(cwd, p));
  lap('rules+config');
  const discovered = discoverInput(roots, config.ignore);
  const archives = await readArchives(discovered.entries.filter((e) => e.path.endsWith('.deb')).map((e) => e.path));
  let loaded = loadProjects(roots, { cwd, ignore: config.ignore, archives, discovered });
  if (opts.nixEval) loaded = await withNixEval(loaded, opts.nixEval, roots, cwd, config.ignore);
  lap('load: rest');
  const projects = loaded.map((project) => ({ project, graph: buildGraph(project) }));
  lap('graph');
  await prepareGates(loaded);
  if (loaded.some((p) => unitsAtRisk(p).size)) await initShell();
  for (const p of loaded) setConfiguredServes(p, config.serves, config.source);
  lap('shell parser');

  const raw: Finding[] = [];
  const failures: RuleFailure[] = [];
  const where = (loc: Location | undefined) => (loc ? `${displayPath(loc.file, cwd)}:${loc.line}` : '?');
  for (const { project, graph } of projects) for (const rule of rules) {
    const setting = config.rules[rule.meta.id];
    if (setting === 'off' || rule.meta.id === UNUSED_SUPPRESSION) continue;
    const ctx: RuleContext = {
      project,
      graph,
      config,
      where,
      relPath: (f: string) => displayPath(f, cwd),
      report(spec: ReportSpec) {
        raw.push({
          ruleId: rule.meta.id,
          severity: setting ?? spec.severity ?? rule.meta.severity,
          message: spec.message,
          unit: spec.unit,
          location: spec.location,
          related: spec.related ?? [],
          fix: { description: spec.fix },
        });
      },
    };
    try {
      rule.check(ctx);
    } catch (e) {
      failures.push({ ruleId: rule.meta.id, error: e instanceof Error ? e : new Error(String(e)) });
    }
    lap(`rule ${rule.meta.id}`);
  }

  // A finding must point at something the user can edit: when a rule located it in one of systemd's
  // own units (a drop-in of the input changed that unit), the first input location takes its place.
  for (const f of raw) {
    if (!f.location.file.startsWith('systemd:')) continue;
    const i = f.related.findIndex((r) => !r.location.file.startsWith('systemd:'));
    if (i < 0) continue;
    const mine = f.related[i];
    f.related = [{ message: `in systemd's own unit ${f.unit ?? ''}`.trim(), location: f.location }, ...f.related.filter((_, j) => j !== i)];
    f.location = mine.location;
  }

  noteConditions(raw, loaded, where);
  for (const f of raw) {
    if (!f.location.file.endsWith('.nix')) continue;
    const hint = nixFixHint(f.fix.description, f.unit);
    if (hint) f.fix.description += ` In the NixOS module, these settings are: ${hint}`;
  }
  const sups = projects.flatMap(({ project }) => collectSuppressions(project));
  if (loaded[0].nixInput) sups.push(...collectNixSuppressions(loaded[0].nixInput.files));
  let findings = applySuppressions(raw, sups);
  const unusedSetting = config.rules[UNUSED_SUPPRESSION];
  const unusedRule = rules.find((r) => r.meta.id === UNUSED_SUPPRESSION);
  if (unusedRule && unusedSetting !== 'off') {
    for (const s of sups) {
      for (const r of s.rules) {
        if (s.used.has(r)) continue;
        const unknown = r !== 'all' && !ids.has(r);
        findings.push({
          ruleId: UNUSED_SUPPRESSION,
          severity: unusedSetting ?? unusedRule.meta.severity,
          message: unknown
            ? `Suppression names "${r}", which is not a unitlint rule, so it suppresses nothing.`
            : `Suppression of ${r} ${s.kind === 'file' ? 'for this file' : 'for the next assignment'} matches no finding: the problem it hid is gone, or it is on the wrong line.`,
          unit: null,
          location: s.location,
          related: [],
          fix: { description: unknown ? 'Correct the rule id (run `unitlint rules` for the list) or remove the comment.' : 'Remove the suppression comment.' },
        });
      }
    }
  }

  // A flake above the linted paths was read for its hosts: report only within the paths asked for.
  if (loaded[0].nixInput?.flakeRoot) {
    const inside = (f: string) => (!path.isAbsolute(f) && f.includes(':')) || roots.some((r) => f === r || f.startsWith(r + path.sep));
    findings = findings.filter((f) => inside(f.location.file));
  }
  if (opts.only?.length) {
    const only = new Set(opts.only.map((p) => path.resolve(cwd, p)));
    findings = findings.filter((f) => only.has(f.location.file));
  }
  findings = findings.map((f) => relativize(f, cwd));
  findings.sort(compareFindings);
  findings = dedupe(findings);
  const stats: RunStats = {
    files: projects.reduce((n, p) => n + p.project.files.length, 0),
    units: projects.reduce((n, p) => n + p.project.inputUnits().length, 0),
    durationMs: Math.round(performance.now() - t0),
  };
  lap('suppressions+output');
  reportTimings();
  const { project, graph } = projects[0];
  return { findings, stats, rules: rules.map((r) => r.meta), config, failures, project, graph, projects };
}

/** Paths relative to cwd with POSIX separators; virtual paths (systemd:…) stay as they are. */
export function displayPath(file: string, cwd: string): string {
  if (file.startsWith('systemd:') || file.startsWith('nix-eval:')) return file;
  const rel = path.relative(cwd, file);
  return rel.split(path.sep).join('/') || '.';
}

function relLoc(l: Location, cwd: string): Location {
  return { ...l, file: displayPath(l.file, cwd) };
}

function relativize(f: Finding, cwd: string): Finding {
  return { ...f, location: relLoc(f.location, cwd), related: f.related.map((r) => ({ message: r.message, location: relLoc(r.location, cwd) })) };
}

export function compareFindings(a: Finding, b: Finding): number {
  const k = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (
    k(a.location.file, b.location.file) ||
    a.location.line - b.location.line ||
    a.location.column - b.location.column ||
    k(a.ruleId, b.ruleId) ||
    k(a.message, b.message)
  );
}

/**
 * A module shared by several NixOS hosts gives the same finding once per host: keep one (the
 * findings are sorted, so equal ones are adjacent).
 */
function dedupe(findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  let prev = '';
  for (const f of findings) {
    const k = JSON.stringify([f.ruleId, f.location, f.message, f.unit]);
    if (k === prev) continue;
    prev = k;
    out.push(f);
  }
  return out;
}

/**
 * A finding on a NixOS definition under `mkIf` whose condition is not known to hold says so: the
 * module was linted as if enabled.
 */
function noteConditions(findings: Finding[], projects: Project[], where: (l: Location | undefined) => string): void {
  // A module shared by several hosts: its mkIf needs a note only when no host enables it.
  type Range = { line: number; column: number; endLine: number; endColumn: number; text: string; at: Location };
  const all = new Map<string, { r: Range & { file: string }; holds: boolean }>();
  for (const p of projects) {
    for (const r of p.nix?.host.conditionRanges() ?? []) {
      const k = `${r.file}:${r.line}:${r.column}`;
      const prev = all.get(k);
      const holds = r.holds();
      if (!prev) all.set(k, { r, holds });
      else if (holds) prev.holds = true;
    }
  }
  const ranges = new Map<string, Range[]>();
  for (const { r, holds } of all.values()) {
    if (holds) continue;
    let a = ranges.get(r.file);
    if (!a) ranges.set(r.file, (a = []));
    a.push(r);
  }
  if (!ranges.size) return;
  const inside = (l: Location, r: { line: number; column: number; endLine: number; endColumn: number }) =>
    (l.line > r.line || (l.line === r.line && l.column >= r.column)) && (l.line < r.endLine || (l.line === r.endLine && l.column < r.endColumn));
  for (const f of findings) {
    const conds: string[] = [];
    for (const loc of [f.location, ...f.related.map((r) => r.location)]) {
      const rs = ranges.get(loc.file);
      if (!rs) continue;
      for (const r of rs) {
        if (!inside(loc, r)) continue;
        const c = `mkIf ${r.text} (${where(r.at)})`;
        if (!conds.includes(c)) conds.push(c);
      }
    }
    if (conds.length) f.message += ` Under ${conds.join(' and ')}: unitlint lints a module as if its conditions hold.`;
  }
}

/**
 * --nix-eval FLAKE#HOST: the host's projects are rebuilt from the units Nix evaluates. Assignments
 * that the static front end also derived keep its .nix locations; the rest point into
 * `nix-eval:HOST/UNIT`. A failed evaluation is an error of the run (exit 2), not a finding.
 */
async function withNixEval(loaded: Project[], ref: string, roots: string[], cwd: string, ignore: string[]): Promise<Project[]> {
  const { evalNixHost, mapToStatic, parseNixRef } = await import('../nix/nixeval.js');
  const parsed = parseNixRef(ref);
  if ('error' in parsed) throw new ConfigError(parsed.error);
  const res = await evalNixHost(ref, { cwd });
  if (res.problems.length && !res.units.length) throw new ConfigError(`--nix-eval ${ref}: ${res.problems.map((p) => p.message).join('; ')}`);
  const statics = loaded.filter((p) => p.host === parsed.host);
  const staticHost = statics[0]?.nix;
  const units = staticHost ? mapToStatic(res.units, staticHost.units) : res.units;
  const out = loaded.filter((p) => p.host !== parsed.host);
  // The static reader's note that it could not read this host is moot now.
  out[0].problems = out[0].problems.filter((p) => !p.message.startsWith(`nixosConfigurations.${parsed.host} could not be read statically`));
  for (const scope of ['system', 'user'] as const) {
    const us = units.filter((u) => u.scope === scope);
    if (scope === 'user' && !us.length) continue;
    const p = buildProject([], [], roots, { cwd, ignore, scope }, { units: us, external: [] });
    if (staticHost) p.nix = staticHost;
    p.host = parsed.host;
    out.push(p);
  }
  for (const pr of res.problems) out[0].problems.push({ location: { file: `nix-eval:${parsed.host}`, line: 1, column: 1, endLine: 1, endColumn: 1 }, message: `--nix-eval: ${pr.message}` });
  return out;
}
