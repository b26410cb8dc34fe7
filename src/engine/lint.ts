/**
 * The programmatic entry point: load → graph → rules → suppressions → sorted, relative findings.
 * The CLI is a thin shell over `lint()`.
 */
import path from 'node:path';
import type { Finding, Location, RuleMeta } from '../types.js';
import { loadProjects, type Project } from '../model/load.js';
import { buildGraph, type BootGraph } from '../graph/build.js';
import { loadRules } from './registry.js';
import type { ReportSpec, RuleContext } from './rule.js';
import { defaultConfig, findConfigFile, loadConfigFile, type Config } from '../config.js';
import { applySuppressions, collectSuppressions } from './suppress.js';
import { lap, reportTimings, resetTimings } from '../util/timing.js';
import { prepareGates, setConfiguredServes } from '../analysis/gates.js';
import type { RunStats } from '../reporters/types.js';

export interface LintOptions {
  /** Files or folders to lint (default: the working directory). */
  paths?: string[];
  cwd?: string;
  /** A ready configuration; when absent it is looked up (or read from configFile). */
  config?: Config;
  configFile?: string;
  /** Report only findings located in these files (the whole tree is still loaded: cycles cross files). */
  only?: string[];
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
  const loaded = loadProjects(roots, { cwd, ignore: config.ignore });
  lap('load: rest');
  const projects = loaded.map((project) => ({ project, graph: buildGraph(project) }));
  lap('graph');
  await prepareGates(loaded);
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

  const sups = projects.flatMap(({ project }) => collectSuppressions(project));
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

  if (opts.only?.length) {
    const only = new Set(opts.only.map((p) => path.resolve(cwd, p)));
    findings = findings.filter((f) => only.has(f.location.file));
  }
  findings = findings.map((f) => relativize(f, cwd));
  findings.sort(compareFindings);
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
  if (file.startsWith('systemd:')) return file;
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
