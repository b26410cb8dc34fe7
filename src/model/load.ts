/**
 * Builds the unit model from discovered files: fragments, drop-ins (name, template, prefix and
 * type-level folders), .wants/.requires/.upholds links, masks, aliases, templates and instances,
 * and systemd's own units from the generated catalog.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Location } from '../types.js';
import { discover, readTextFile, type DiscoveredEntry } from '../sources/discover.js';
import { parseUnitText, hasFatalDiagnostic, type ParsedUnitFile } from '../sources/unitfile/parser.js';
import { splitUnitList } from '../sources/unitfile/words.js';
import { parseUnitName, templateOf, UNIT_TYPES, unitType, type UnitType } from './names.js';
import { Unit, type LinkKind, type UnitSource } from './unit.js';
import { builtinUnits } from '../catalog/index.js';
import { lap } from '../util/timing.js';
import { loadNix, type NixHost, type NixInput } from '../nix/frontend.js';
import type { VirtualUnit } from '../nix/systemd.js';
import { archiveUnitEntries, isPackagingPath, loadPackages, type Archives, type Package } from '../sources/packaging/index.js';

const UNIT_SUFFIX = new RegExp(`\\.(${UNIT_TYPES.join('|')})$`);

/**
 * The files the unit front end reads: unit files, drop-ins (`*.d/*.conf`) and the entries of link
 * folders (`*.wants/`, `*.requires/`, `*.upholds/`). Discovery walks with one `**` glob and filters
 * here, which is several times cheaper than matching three brace patterns per file.
 */
export function isUnitPath(p: string): boolean {
  const base = path.basename(p);
  if (base.endsWith('.nix')) return true;
  if (UNIT_SUFFIX.test(base)) return true;
  const dir = path.basename(path.dirname(p));
  return (dir.endsWith('.d') && base.endsWith('.conf')) || /\.(wants|requires|upholds)$/.test(dir);
}

export interface LoadProblem {
  location: Location;
  message: string;
  /** Unit the problem belongs to, when known. */
  unit?: string;
  /** The fix hint, when the problem carries its own. */
  fix?: string;
  /** A severity below the rule's: a limit of unitlint's reading rather than an error in the input. */
  severity?: 'warning' | 'info';
}

export interface InputFile {
  path: string;
  role: 'fragment' | 'dropin' | 'link' | 'mask' | 'alias';
  parsed?: ParsedUnitFile;
  /** Unit names this file contributes to. */
  units: string[];
}

export type Scope = 'system' | 'user';

export interface Project {
  /** The service manager the units belong to: the system manager, or a per-user manager. */
  scope: Scope;
  cwd: string;
  roots: string[];
  files: InputFile[];
  /** Canonical units by name: input, builtin (systemd's own) and instantiated. */
  units: Map<string, Unit>;
  /** Alias name → canonical unit name. */
  aliasOf: Map<string, string>;
  problems: LoadProblem[];
  /** Resolves a name through aliases (and instantiates templates on demand). */
  resolve(name: string): Unit | undefined;
  /** Units defined or modified by the input (not built-ins untouched by the user), sorted by name. */
  inputUnits(): Unit[];
  /** For a NixOS host: the host, its derived units, what it serves and its proxy routes. */
  nix?: NixHost;
  /** The NixOS host's name ('' for modules outside any host); undefined for unit-file input. */
  host?: string;
  /** On the first project: every .nix file of the input, parsed (for suppressions and notes). */
  nixInput?: NixInput;
  /** Shared by the projects of one load (same roots): results that depend only on the tree. */
  treeCache: Map<string, unknown>;
  /** On the system manager's project: the packages of the input (Debian, RPM, Arch) and their scripts. */
  packages?: Package[];
}

export interface LoadOptions {
  cwd: string;
  scope?: Scope;
  ignore: string[];
  /** Include systemd's own units (default true). Tests of the parser may turn it off. */
  builtins?: boolean;
  /** .deb archives read beforehand (readArchives in src/sources/packaging). */
  archives?: Archives;
  /** The input's files, when the caller discovered them already (discoverInput). */
  discovered?: ReturnType<typeof discoverInput>;
  /** Unit files installed under another name (debian/pkg.name.service): path → unit name. */
  renames?: Map<string, string>;
}

export const DEP_KEYS_UNIT = [
  'Requires', 'Requisite', 'Wants', 'BindsTo', 'BindTo', 'Upholds', 'Conflicts', 'Before', 'After',
  'OnSuccess', 'OnFailure', 'PropagatesReloadTo', 'PropagateReloadTo', 'ReloadPropagatedFrom',
  'PropagateReloadFrom', 'PropagatesStopTo', 'StopPropagatedFrom', 'PartOf', 'JoinsNamespaceOf',
] as const;
const DEP_KEY_SET = new Set<string>(DEP_KEYS_UNIT);
export const INSTALL_DEP_KEYS = ['WantedBy', 'RequiredBy', 'UpheldBy', 'Also'] as const;

function systemDirPriority(p: string): number {
  if (p.includes('/etc/systemd/system')) return 3;
  if (p.includes('/run/systemd/system')) return 2;
  if (/\/(usr\/)?lib\/systemd\/system/.test(p)) return 1;
  return 0;
}

export function fileLocation(file: string, line = 1): Location {
  return { file, line, column: 1, endLine: line, endColumn: 1 };
}

/** Units of the per-user service manager live under …/systemd/user/ (or ~/.config/systemd/user/). */
export function scopeOf(p: string): Scope {
  return /(^|\/)systemd\/user(\/|$)/.test(p.split(path.sep).join('/')) ? 'user' : 'system';
}

/**
 * Loads the input as one project per service manager: the system manager's units, and (when the
 * input has any) the per-user manager's units, which form a separate graph with their own built-ins.
 */
/** The files the front ends read: unit files, .nix files and packaging files (.deb included). */
export function discoverInput(roots: string[], ignore: string[]): { entries: DiscoveredEntry[]; problems: { path: string; message: string }[] } {
  const r = discover(roots.length ? roots : ['.'], ['**/*'], { ignore, accept: (p) => isUnitPath(p) || isPackagingPath(p) });
  lap('load: discover');
  return r;
}

export function loadProjects(roots: string[], opts: LoadOptions): Project[] {
  const { entries: found, problems: discoverProblems } = opts.discovered ?? discoverInput(roots, opts.ignore);
  const problems: LoadProblem[] = discoverProblems.map((p) => ({ location: fileLocation(p.path), message: p.message }));
  const packaging = loadPackages(found.filter((e) => isPackagingPath(e.path)).map((e) => e.path), opts.archives);
  for (const p of packaging.problems) problems.push({ location: p.location, message: p.message });
  const all = [...found.filter((e) => isUnitPath(e.path) || packaging.renames.has(e.path)), ...(opts.archives ? archiveUnitEntries(opts.archives) : [])];
  if (packaging.packages.length) lap('load: packages');
  let nixFiles = all.filter((e) => e.path.endsWith('.nix')).map((e) => e.path);
  const entries = nixFiles.length ? all.filter((e) => !e.path.endsWith('.nix')) : all;
  let nix: NixInput | undefined;
  const treeCache = new Map<string, unknown>();
  if (nixFiles.length) {
    let absRoots = (roots.length ? roots : ['.']).map((r) => path.resolve(opts.cwd, r));
    // `unitlint check ./nix` in a repository whose flake.nix is above ./nix: the flake says which
    // modules form which host, so it is read too (and its folder), but findings stay within the paths
    // asked for (LintResult filters them; see Project.nixInput.flakeRoot).
    let flakeRoot: string | undefined;
    if (!nixFiles.some((f) => path.basename(f) === 'flake.nix')) {
      flakeRoot = enclosingFlake(absRoots);
      if (flakeRoot) {
        const more = discover([flakeRoot], ['**/*.nix'], { ignore: opts.ignore }).entries.map((e) => e.path);
        nixFiles = [...new Set([...nixFiles, ...more])].sort();
        absRoots = [...absRoots, flakeRoot];
      }
    }
    const inTree = (f: string) => absRoots.some((r) => f === r || f.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    nix = loadNix(nixFiles, inTree);
    if (flakeRoot) nix.flakeRoot = flakeRoot;
    for (const p of nix.problems) problems.push({ location: p.location, message: p.message, fix: p.fix, severity: p.severity });
    lap('load: nix');
  }
  const user = entries.filter((e) => scopeOf(e.path) === 'user');
  const system = entries.filter((e) => scopeOf(e.path) === 'system');
  // A tree of .nix files only: the unit-file project holds just the problems (no systemd units to load).
  const plainBuiltins = nix?.hosts.length && !entries.length ? false : opts.builtins;
  const out = [buildProject(system, problems, roots, { ...opts, scope: 'system', builtins: plainBuiltins, renames: packaging.renames })];
  if (nix) out[0].nixInput = nix;
  if (packaging.packages.length) out[0].packages = packaging.packages;
  if (user.length) out.push(buildProject(user, [], roots, { ...opts, scope: 'user' }));
  for (const p of out) p.treeCache = treeCache;
  for (const h of nix?.hosts ?? []) {
    for (const scope of ['system', 'user'] as const) {
      const units = h.units.filter((u) => u.scope === scope);
      if (scope === 'user' && !units.length) continue;
      const p = buildProject([], [], roots, { ...opts, scope }, { units, external: scope === 'system' ? h.external : [] });
      p.nix = h;
      p.host = h.host.name;
      p.treeCache = treeCache;
      out.push(p);
    }
  }
  return out;
}

/**
 * The folder of the nearest flake.nix above the given folders (stopping at a repository's root),
 * when all of them share it.
 */
function enclosingFlake(roots: string[]): string | undefined {
  let found: string | undefined;
  for (const r of roots) {
    let d = r;
    try {
      if (!fs.statSync(d).isDirectory()) d = path.dirname(d);
    } catch {
      return undefined;
    }
    let hit: string | undefined;
    for (;;) {
      if (fs.existsSync(path.join(d, 'flake.nix'))) {
        hit = d;
        break;
      }
      const parent = path.dirname(d);
      if (parent === d || fs.existsSync(path.join(d, '.git'))) break;
      d = parent;
    }
    if (!hit || (found && found !== hit)) return undefined;
    found = hit;
  }
  return found;
}

/** The system-manager project only (tests and tools that do not care about user units). */
export function loadProject(roots: string[], opts: LoadOptions): Project {
  return loadProjects(roots, opts)[0];
}

/**
 * Files with a unit suffix that are not systemd units: D-Bus activation files
 * (…/dbus-1/…/*.service with a [D-BUS Service] section) and XML service definitions (Avahi).
 */
function notAUnitFile(p: string, text: string): boolean {
  if (/(^|\/)dbus-1\//.test(p.split(path.sep).join('/'))) return true;
  const t = text.replace(/^\uFEFF/, '').trimStart();
  return t.startsWith('<') || /^\s*\[D-BUS Service\]\s*$/m.test(text);
}

interface Candidate {
  entry: DiscoveredEntry;
  name: string;
}

export interface VirtualInput {
  /** Units derived from NixOS modules (their assignments point into .nix files). */
  units: VirtualUnit[];
  /** Units that exist on the host but are defined outside the tree (nixpkgs' own modules). */
  external: string[];
}

/** systemd's own unit files, parsed once per process (they never change; parsed files are read-only). */
const builtinParsed = new Map<string, ParsedUnitFile>();
function parsedBuiltin(file: string, text: string): ParsedUnitFile {
  let p = builtinParsed.get(file);
  if (!p || builtinTexts.get(file) !== text) {
    p = parseUnitText(file, text);
    builtinParsed.set(file, p);
    builtinTexts.set(file, text);
  }
  return p;
}
const builtinTexts = new Map<string, string>();

export function buildProject(entries: DiscoveredEntry[], problems: LoadProblem[], roots: string[], opts: LoadOptions, virtual?: VirtualInput): Project {
  const files: InputFile[] = [];
  const fragments = new Map<string, Candidate[]>();
  const dropinDirs = new Map<string, { entry: DiscoveredEntry; dirKey: string }[]>();
  const linkEntries: { owner: string; kind: LinkKind; target: string; entry: DiscoveredEntry }[] = [];
  const masks = new Map<string, DiscoveredEntry>();
  const aliasLinks: { alias: string; target: string; entry: DiscoveredEntry }[] = [];

  for (const e of entries) {
    const base = opts.renames?.get(e.path) ?? path.basename(e.path);
    const dir = path.basename(path.dirname(e.path));
    const linkDir = /^(.+)\.(wants|requires|upholds)$/.exec(dir);
    if (linkDir && parseUnitName(base)) {
      linkEntries.push({ owner: linkDir[1], kind: linkDir[2] as LinkKind, target: base, entry: e });
      files.push({ path: e.path, role: 'link', units: [linkDir[1]] });
      continue;
    }
    if (dir.endsWith('.d') && base.endsWith('.conf')) {
      const dirKey = dir.slice(0, -2);
      if (!(UNIT_TYPES as readonly string[]).includes(dirKey) && !unitType(dirKey)) continue;
      let arr = dropinDirs.get(dirKey);
      if (!arr) dropinDirs.set(dirKey, (arr = []));
      arr.push({ entry: e, dirKey });
      continue;
    }
    const pn = parseUnitName(base);
    if (!pn) continue;
    if (e.symlink) {
      const t = e.linkTarget ?? '';
      if (t === '/dev/null') {
        masks.set(base, e);
        files.push({ path: e.path, role: 'mask', units: [base] });
        continue;
      }
      const tb = path.basename(t);
      if (tb !== base && parseUnitName(tb)) {
        aliasLinks.push({ alias: base, target: tb, entry: e });
        files.push({ path: e.path, role: 'alias', units: [tb] });
        continue;
      }
    }
    let arr = fragments.get(base);
    if (!arr) fragments.set(base, (arr = []));
    arr.push({ entry: e, name: base });
  }

  const units = new Map<string, Unit>();
  const aliasOf = new Map<string, string>();

  const NOT_A_UNIT = 'not-a-unit' as const;
  const fileByPath = new Map<string, InputFile>();
  const parseFile = (p: string, role: 'fragment' | 'dropin', unitName: string): ParsedUnitFile | undefined | typeof NOT_A_UNIT => {
    const r = readTextFile(p);
    if (!r.ok) {
      problems.push({ location: fileLocation(p), message: `${path.basename(p)}: ${r.message}; skipped.`, unit: unitName });
      return undefined;
    }
    if (role === 'fragment' && notAUnitFile(p, r.text)) return NOT_A_UNIT;
    const parsed = parseUnitText(p, r.text);
    const file: InputFile = { path: p, role, parsed, units: [unitName] };
    files.push(file);
    fileByPath.set(p, file);
    for (const d of parsed.diagnostics) {
      problems.push({ location: { file: p, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn }, message: d.message, unit: unitName });
    }
    return parsed;
  };

  // Fragments: highest system-directory priority wins, then path order.
  for (const name of [...fragments.keys()].sort()) {
    const cands = fragments.get(name)!;
    cands.sort((a, b) => systemDirPriority(b.entry.path) - systemDirPriority(a.entry.path) || (a.entry.path < b.entry.path ? -1 : 1));
    let chosen: Candidate | undefined;
    let parsed: ParsedUnitFile | undefined;
    for (const c of cands) {
      // A link to a unit file that is not in the tree (etc/systemd/system/x.service → /lib/systemd/system/x.service,
      // as `systemctl link` makes): the unit exists on the host, its content is not ours to see.
      if (c.entry.symlink && !fs.existsSync(c.entry.path)) {
        chosen = c;
        break;
      }
      const r = parseFile(c.entry.path, 'fragment', name);
      if (r === NOT_A_UNIT) continue; // a D-Bus activation file or XML that happens to end in .service
      chosen = c;
      parsed = r;
      break;
    }
    if (!chosen) continue;
    const pn = parseUnitName(name)!;
    const u = new Unit(name, pn.type, 'input');
    u.instance = pn.instance;
    if (parsed) {
      u.fragment = { file: chosen.entry.path, parsed, kind: 'fragment', builtin: false };
      u.loadable = !hasFatalDiagnostic(parsed);
    } else {
      u.partial = true;
    }
    units.set(name, u);
  }

  const virtualDropins: VirtualUnit[] = [];
  const builtinNames = new Set(virtual?.units.length && opts.builtins !== false ? builtinUnits(opts.scope ?? 'system').map((b) => b.name) : []);
  for (const vu of virtual?.units ?? []) {
    const pn = parseUnitName(vu.name);
    if (!pn) {
      problems.push({ location: vu.at, message: `"${vu.name}" is not a valid unit name; NixOS would fail to build this unit.`, unit: vu.name, fix: 'Name the unit with letters, digits and :-_.\\ only, and at most one @.' });
      continue;
    }
    // NixOS writes a unit that a package already ships (systemd's own units always are) as a drop-in
    // over it (overrideStrategy asDropinIfExists, the default).
    if (vu.asDropin || builtinNames.has(vu.name)) {
      virtualDropins.push(vu);
      continue;
    }
    const u = new Unit(vu.name, pn.type, 'input');
    u.instance = pn.instance;
    u.fragment = { file: vu.parsed.file, parsed: vu.parsed, kind: 'fragment', builtin: false };
    u.unknowns = vu.unknowns;
    if (vu.masked) u.masked = vu.masked;
    units.set(vu.name, u);
    files.push({ path: vu.parsed.file, role: 'fragment', parsed: vu.parsed, units: [vu.name] });
  }
  lap('load: read+parse fragments');
  // systemd's own units, unless the input overrides them.
  const scope: Scope = opts.scope ?? 'system';
  if (opts.builtins !== false) {
    for (const b of builtinUnits(scope)) {
      if (units.has(b.name)) continue;
      const pn = parseUnitName(b.name);
      if (!pn) continue;
      const file = `systemd:${b.path}`;
      const u = new Unit(b.name, pn.type, 'builtin');
      u.instance = pn.instance;
      u.fragment = { file, parsed: parsedBuiltin(file, b.text), kind: 'fragment', builtin: true };
      for (const w of b.wants) u.links.push({ kind: 'wants', target: w, location: fileLocation(file) });
      for (const w of b.requires) u.links.push({ kind: 'requires', target: w, location: fileLocation(file) });
      units.set(b.name, u);
      for (const a of b.aliases) {
        if (!units.has(a)) aliasOf.set(a, b.name);
        if (!u.aliases.includes(a)) u.aliases.push(a);
      }
    }
  }

  for (const vu of virtualDropins) {
    let u = units.get(vu.name);
    if (!u) {
      const pn = parseUnitName(vu.name)!;
      u = new Unit(vu.name, pn.type, 'input');
      u.instance = pn.instance;
      u.partial = true;
      units.set(vu.name, u);
    }
    u.dropins.push({ file: vu.parsed.file, parsed: vu.parsed, kind: 'dropin', builtin: false });
    u.unknowns = vu.unknowns;
    if (vu.masked) u.masked = vu.masked; // enable = false masks systemd's own unit too
    u.origin = 'input';
    u.invalidate();
    files.push({ path: vu.parsed.file, role: 'dropin', parsed: vu.parsed, units: [vu.name] });
  }
  for (const name of virtual?.external ?? []) {
    if (units.has(name)) continue;
    const pn = parseUnitName(name);
    if (!pn) continue;
    const u = new Unit(name, pn.type, 'input');
    u.partial = true;
    units.set(name, u);
  }
  lap('load: built-ins');
  // Masks: a masked unit is loaded as "masked" whatever fragments exist.
  for (const [name, e] of masks) {
    let u = units.get(name);
    if (!u) {
      const pn = parseUnitName(name)!;
      u = new Unit(name, pn.type, 'input');
      units.set(name, u);
    }
    u.masked = fileLocation(e.path);
    if (u.origin === 'builtin') u.origin = 'input';
  }

  // Aliases from symlinks and [Install] Alias=.
  for (const a of aliasLinks) {
    if (!units.has(a.alias)) aliasOf.set(a.alias, a.target);
    const t = units.get(a.target);
    if (t && !t.aliases.includes(a.alias)) t.aliases.push(a.alias);
  }
  for (const u of [...units.values()]) {
    // systemd's own units come with their aliases from the catalog; only input can add more.
    if (u.origin === 'builtin' && !u.dropins.length) continue;
    for (const v of u.list('Install', 'Alias', { reset: false })) {
      for (const w of splitUnitList(v.value)) {
        if (!units.has(w.text) && !aliasOf.has(w.text)) aliasOf.set(w.text, u.name);
        if (!u.aliases.includes(w.text)) u.aliases.push(w.text);
      }
    }
  }

  const canonical = (n: string): string => aliasOf.get(n) ?? n;

  const instantiate = (name: string): Unit | undefined => {
    const existing = units.get(name);
    if (existing) return existing;
    const tname = templateOf(name);
    if (!tname) return undefined;
    const t = units.get(canonical(tname));
    if (!t) return undefined;
    const pn = parseUnitName(name)!;
    const u = new Unit(name, pn.type, t.origin === 'builtin' ? 'builtin' : 'input');
    u.instance = pn.instance;
    u.template = t.name;
    u.fragment = t.fragment;
    u.loadable = t.loadable;
    u.masked = t.masked;
    u.partial = t.partial;
    u.unknowns = t.unknowns;
    for (const l of t.links) u.links.push(l);
    units.set(name, u);
    attachDropins(u);
    return u;
  };

  // Drop-ins: collect the folders that apply to a unit (its names, its template, its prefixes, its type).
  const dropinCache = new Map<string, UnitSource>();
  const attachDropins = (u: Unit) => {
    if (!dropinDirs.size) return;
    const names = [u.name, ...u.aliases];
    const dirKeys: { key: string; specificity: number }[] = [];
    const addKeys = (n: string, spec: number) => {
      dirKeys.push({ key: n, specificity: spec + 1000 });
      const pn = parseUnitName(n);
      if (!pn) return;
      const parts = pn.prefix.split('-');
      for (let i = parts.length - 1; i >= 1; i--) dirKeys.push({ key: `${parts.slice(0, i).join('-')}-.${pn.type}`, specificity: spec + i });
    };
    for (const n of names) {
      addKeys(n, 100);
      const t = templateOf(n);
      if (t) addKeys(t, 50);
    }
    dirKeys.push({ key: u.type, specificity: 0 });
    const byBase = new Map<string, { entry: DiscoveredEntry; specificity: number }>();
    for (const { key, specificity } of dirKeys) {
      for (const d of dropinDirs.get(key) ?? []) {
        const b = path.basename(d.entry.path);
        const prev = byBase.get(b);
        const better = !prev || specificity > prev.specificity ||
          (specificity === prev.specificity && systemDirPriority(d.entry.path) > systemDirPriority(prev.entry.path));
        if (better) byBase.set(b, { entry: d.entry, specificity });
      }
    }
    const chosen = [...byBase.keys()].sort().map((b) => byBase.get(b)!.entry);
    for (const e of chosen) {
      let src = dropinCache.get(e.path);
      if (!src) {
        const parsed = parseFile(e.path, 'dropin', u.name);
        if (!parsed || parsed === NOT_A_UNIT) continue;
        src = { file: e.path, parsed, kind: 'dropin', builtin: false };
        dropinCache.set(e.path, src);
      } else {
        const f = fileByPath.get(e.path);
        if (f && !f.units.includes(u.name)) f.units.push(u.name);
      }
      u.dropins.push(src);
    }
    if (u.dropins.length) {
      u.invalidate();
      if (u.origin === 'builtin') u.origin = 'input';
    }
  };

  lap('load: masks+aliases');
  for (const u of [...units.values()]) attachDropins(u);
  lap('load: drop-ins');

  // Drop-in folders for units we do not have: the base unit lives elsewhere (a packaged unit).
  const claimed = new Set<string>();
  for (const u of units.values()) for (const d of u.dropins) claimed.add(d.file);
  for (const [key, arr] of [...dropinDirs.entries()].sort()) {
    if (!parseUnitName(key) || key.endsWith('-.' + unitType(key))) continue;
    if (arr.every((d) => claimed.has(d.entry.path))) continue;
    if (units.has(canonical(key))) continue;
    if (templateOf(key) && units.has(canonical(templateOf(key)!))) {
      instantiate(key);
      continue;
    }
    const pn = parseUnitName(key)!;
    const u = new Unit(key, pn.type, 'input');
    u.instance = pn.instance;
    u.partial = true;
    units.set(key, u);
    attachDropins(u);
  }

  lap('load: partial units');
  // Link folders (and the links NixOS makes for wantedBy/requiredBy/upheldBy).
  const addLink = (ownerName: string, kind: LinkKind, target: string, location: Location) => {
    let owner = units.get(canonical(ownerName)) ?? instantiate(ownerName);
    if (!owner) {
      const pn = parseUnitName(ownerName);
      if (!pn) return;
      owner = new Unit(ownerName, pn.type, 'referenced');
      units.set(ownerName, owner);
    }
    owner.links.push({ kind, target, location });
  };
  for (const l of linkEntries) addLink(l.owner, l.kind, l.target, fileLocation(l.entry.path));
  for (const vu of virtual?.units ?? []) for (const l of vu.links) addLink(l.owner, l.kind, l.target, l.location);

  // Instantiate every referenced instance of a known template, to a fixpoint.
  // Only names with an '@' can be instances to create.
  const refs = (u: Unit): string[] => {
    const out: string[] = [];
    for (const [k, assigns] of u.section('Unit')) {
      if (!DEP_KEY_SET.has(k)) continue;
      for (const a of assigns) if (a.value.includes('@')) for (const w of splitUnitList(u.expandValue(a.value))) out.push(w.text);
    }
    for (const k of INSTALL_DEP_KEYS) for (const v of u.list('Install', k, { reset: false })) for (const w of splitUnitList(v.value)) out.push(w.text);
    for (const l of u.links) out.push(l.target);
    const trig = u.type === 'socket' ? u.get('Socket', 'Service') : u.type === 'timer' ? u.get('Timer', 'Unit') : u.type === 'path' ? u.get('Path', 'Unit') : undefined;
    if (trig) out.push(trig.value);
    for (const v of u.list('Service', 'Sockets', { reset: false })) for (const w of splitUnitList(v.value)) out.push(w.text);
    return out;
  };
  let pending = [...units.values()];
  for (let round = 0; round < 8 && pending.length; round++) {
    const next: Unit[] = [];
    for (const u of pending) {
      if (u.instance === '') continue; // templates reference their own instances only once instantiated
      for (const r of refs(u)) {
        if (units.has(canonical(r))) continue;
        const inst = instantiate(r);
        if (inst) next.push(inst);
      }
    }
    pending = next;
  }

  lap('load: links+instances');
  const resolve = (name: string): Unit | undefined => units.get(canonical(name)) ?? instantiate(canonical(name));

  return {
    scope,
    cwd: opts.cwd,
    roots,
    files,
    units,
    aliasOf,
    problems,
    resolve,
    inputUnits: () => [...units.values()].filter((u) => u.origin === 'input').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    treeCache: new Map(),
  };
}

export type { UnitType };
