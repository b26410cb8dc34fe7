/**
 * What a unit needs on disk before it can start: certificate, key and secret files named by its
 * ExecStart= arguments (and ExecStartPre=/ExecStartPost=), Environment= values, LoadCredential= paths,
 * and the configuration files those commands name (`--config X`, `-c X`) when the input has them.
 * And whether something meets a need: the package ships the file, a script created or tested it on
 * the way to the start, the unit's own ExecStartPre= creates it, or the unit has a
 * ConditionPathExists=/AssertPathExists= for it (then a missing file skips or fails the start once,
 * instead of a crash loop).
 */
import path from 'node:path';
import type { Location, RelatedLocation } from '../types.js';
import type { Project } from '../model/load.js';
import { valueLocation, wordLocation, type Unit } from '../model/unit.js';
import { splitWords } from '../sources/unitfile/words.js';
import { readTextFile } from '../sources/discover.js';
import { ships } from '../sources/packaging/model.js';
import { execCommands, type ExecCommand } from './exec.js';
import { findInTree } from './endpoints.js';
import { configArgs, isSecretPath, pathsInConfig, secretPathsInArgs } from './needs.js';
import { createdBy, coveredBy } from './maintscript.js';
import type { PackageStart } from './packages.js';

export interface Need {
  /** The host path the unit needs. */
  path: string;
  /** Where it is named, in words: "ExecStart argument", "Environment= TLS_CERT", "tls.cert_file in /etc/agent/agent.yaml". */
  how: string;
  /** Where the path is written (the unit line, or the configuration file line). */
  location: Location;
  /** The chain before it: the unit line naming the configuration file. */
  via?: RelatedLocation;
}

const START_KEYS = ['ExecStartPre', 'ExecStart', 'ExecStartPost'] as const;
const cache = new WeakMap<Unit, Need[]>();

function argLocation(cmd: ExecCommand, i: number): Location {
  const off = cmd.offsets[i];
  const end = cmd.ends[i];
  return off === undefined || end === undefined ? valueLocation(cmd.at) : wordLocation(cmd.at, off, end);
}

/** The file holding a host path's content in the input: the tree (a sysroot below a root) or a package. */
export function contentOf(hostPath: string, u: Unit, project: Project): string | undefined {
  const inTree = findInTree(hostPath, u, project)[0];
  if (inTree) return inTree;
  for (const p of project.packages ?? []) {
    const src = p.shipped.get(hostPath);
    if (src) return src;
  }
  return undefined;
}

export function unitNeeds(u: Unit, project: Project): Need[] {
  const hit = cache.get(u);
  if (hit) return hit;
  const out: Need[] = [];
  const seen = new Set<string>();
  const add = (n: Need) => {
    if (seen.has(n.path)) return;
    seen.add(n.path);
    out.push(n);
  };
  if (u.type === 'service') {
    for (const key of START_KEYS) {
      for (const cmd of execCommands(u, key)) {
        if (cmd.ignoreFailure) continue;
        for (const s of secretPathsInArgs(cmd.argv)) add({ path: s.path, how: `${key}= argument`, location: argLocation(cmd, s.index) });
        for (const c of configArgs(cmd.argv)) {
          const file = contentOf(c.path, u, project);
          if (!file) continue;
          const r = readTextFile(file);
          if (!r.ok) continue;
          const via: RelatedLocation = { message: `${key}= names the configuration file ${c.path}`, location: argLocation(cmd, c.index) };
          for (const v of pathsInConfig(file, r.text)) {
            if (!isSecretPath(v.value)) continue;
            add({ path: v.value, how: v.key ? `${v.key} in ${c.path}` : `named in ${c.path}`, location: { file, line: v.line, column: v.column, endLine: v.line, endColumn: v.endColumn }, via });
          }
        }
      }
    }
    for (const v of u.list('Service', 'Environment')) {
      for (const w of splitWords(v.at.value, { unquote: true, cunescape: true })) {
        const text = u.expandValue(w.text);
        const eq = text.indexOf('=');
        if (eq <= 0) continue;
        for (const part of text.slice(eq + 1).split(/[,:;\s]+/)) {
          if (isSecretPath(part)) add({ path: part, how: `Environment= ${text.slice(0, eq)}`, location: wordLocation(v.at, w.start, w.end) });
        }
      }
    }
  }
  for (const key of ['LoadCredential', 'LoadCredentialEncrypted']) {
    for (const v of u.list('Service', key)) {
      const colon = v.value.indexOf(':');
      const p = colon >= 0 ? v.value.slice(colon + 1) : '';
      // A credential loaded from a missing file fails the start ("Failed to set up credentials").
      if (p.startsWith('/') && !p.endsWith('/')) add({ path: p, how: `${key}=`, location: valueLocation(v.at) });
    }
  }
  cache.set(u, out);
  return out;
}

export interface MetBy {
  how: string;
  location?: Location;
}

const CONDITION_KEYS = ['ConditionPathExists', 'AssertPathExists', 'ConditionFileNotEmpty', 'AssertFileNotEmpty', 'ConditionPathExistsGlob', 'AssertPathExistsGlob', 'ConditionPathIsReadWrite', 'AssertPathIsReadWrite'];

function globMatch(pattern: string, p: string): boolean {
  const re = '^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$';
  try {
    return new RegExp(re).test(p);
  } catch {
    return false;
  }
}

/** How a need is met at a start, or undefined when nothing meets it. */
export function metBy(need: Need, start: PackageStart | undefined, u: Unit, project: Project): MetBy | undefined {
  if (start) {
    const f = start.facts.get(need.path) ?? coveredBy(need.path, start.prefixes);
    if (f) return { how: f.how === 'tested' ? `the script tests it first (${f.text})` : `the script creates it first (${f.text})`, location: f.location };
  }
  for (const p of project.packages ?? []) if (ships(p, need.path)) return { how: `package ${p.name} ships it` };
  if (findInTree(need.path, u, project).length) return { how: 'the input tree has it' };
  for (const key of CONDITION_KEYS) {
    for (const v of u.list('Unit', key)) {
      const val = v.value.replace(/^\|/, '');
      if (val.startsWith('!')) continue;
      const hit = key.endsWith('Glob') ? globMatch(val, need.path) : val === need.path;
      if (hit) return { how: `${key}=${val}`, location: valueLocation(v.at) };
    }
  }
  if (u.type === 'service') {
    for (const cmd of execCommands(u, 'ExecStartPre')) {
      const prog = cmd.argv[0] ?? '';
      for (const c of createdBy(path.basename(prog), cmd.argv.slice(1))) {
        if (c.path === need.path || (c.dir && need.path.startsWith(c.path.replace(/\/+$/, '') + '/'))) return { how: `ExecStartPre= creates it`, location: valueLocation(cmd.at) };
      }
    }
  }
  return undefined;
}

/** The units a start also starts: Requires=/Wants=/BindsTo= (and .wants/ links) of input units, transitively. */
export function pulledIn(u: Unit, project: Project): { unit: Unit; via: string[] }[] {
  const out: { unit: Unit; via: string[] }[] = [{ unit: u, via: [] }];
  const seen = new Set([u.name]);
  for (let i = 0; i < out.length && out.length < 64; i++) {
    const cur = out[i];
    const names: string[] = [];
    for (const k of ['Requires', 'Wants', 'BindsTo']) for (const v of cur.unit.list('Unit', k, { reset: false })) names.push(...v.value.split(/\s+/).filter(Boolean));
    for (const l of cur.unit.links) if (l.kind !== 'upholds') names.push(l.target);
    for (const n of names) {
      const t = project.resolve(n);
      if (!t || seen.has(t.name) || t.builtin || t.masked) continue;
      seen.add(t.name);
      out.push({ unit: t, via: [...cur.via, cur.unit.name] });
    }
  }
  return out;
}

const riskCache = new WeakMap<Project, Set<string>>();

/**
 * Units whose needs nothing meets before a script runs (not shipped, no condition, not created by
 * ExecStartPre=), and the units that pull them in. Empty when the project has no install scripts: only
 * scripts that can start one of these units are worth walking.
 */
export function unitsAtRisk(project: Project): Set<string> {
  let out = riskCache.get(project);
  if (out) return out;
  out = new Set();
  if (project.packages?.some((p) => p.postinst)) {
    for (const u of project.inputUnits()) {
      if (u.masked) continue;
      const risky = pulledIn(u, project).some(({ unit: t }) => t.type === 'service' && unitNeeds(t, project).some((n) => !metBy(n, undefined, t, project)));
      if (risky) out.add(u.name);
    }
  }
  riskCache.set(project, out);
  return out;
}
