/**
 * The NixOS module system, statically: hosts (from flake.nix `nixosConfigurations` or one anonymous
 * host for modules outside any), `imports`, module arguments, option declarations with their
 * defaults, and definitions merged as lib/modules.nix merges them — mkIf/mkMerge pushed down,
 * priorities (mkOverride, mkDefault 1000, mkForce 50, option defaults 1500), list concatenation in
 * mkOrder order, `types.lines`-style strings joined. A definition under mkIf counts as active (the
 * module is linted as if enabled); its condition travels with it so findings can name it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Location } from '../types.js';
import type { Node } from '../sources/nix/ast.js';
import { Evaluator } from './eval.js';
import { NOWHERE, Thunk, attrsOf, markerType, str, unknown, type AttrsV, type ListV, type Value } from './value.js';

export interface HostProblem {
  at: Location;
  /** missing: an imported file that does not exist (Nix fails); outside: a file outside the linted
   * paths (not read); unreadable: a file that cannot be read; unknown: a module value unitlint
   * cannot compute statically. */
  kind: 'missing' | 'outside' | 'unreadable' | 'unknown';
  message: string;
}

export interface Condition {
  /** Source text of the condition, e.g. `cfg.enable`. */
  text: string;
  at: Location;
  /**
   * Whether the condition is known to hold. Evaluated only on demand, after the merge: evaluating a
   * condition while definitions are being collected would read `config` half-built.
   */
  holds(): boolean;
}

export interface Def {
  value: Value;
  /** Override priority: lower wins (mkForce 50, plain 100, mkDefault 1000, option default 1500). */
  prio: number;
  /** mkOrder priority (mkBefore 500, plain 1000, mkAfter 1500). */
  order: number;
  conds: Condition[];
  /** Where the definition is bound (the attribute name in the module). */
  at: Location;
  /** Where its value expression is written. */
  valueAt?: Location;
  module: string;
}

export interface ModuleInstance {
  file: string;
  /** The module's value after applying it to the module arguments. */
  config: Value | undefined;
  options: Value | undefined;
}

export interface Host {
  /** Name of the host (the flake's nixosConfigurations attribute), or '' for modules outside any host. */
  name: string;
  /** Where the host is declared (flake.nix line), when it is. */
  at?: Location;
  files: string[];
  modules: ModuleInstance[];
  /** Modules imported from outside the tree (e.g. `agenix.nixosModules.default`). */
  external: string[];
  problems: HostProblem[];
  defs(p: string[]): Def[];
  /** The merged value at a path (definitions, else the declared option default, else unknown). */
  merged(p: string[]): Value;
  /** The option declaration at a path, when the tree declares one. */
  option(p: string[]): AttrsV | undefined;
  /** Whether the definitions at p may be incomplete (an unknown value could hold more). */
  partial(p: string[]): Location | undefined;
  config: AttrsV;
  /** Ranges guarded by an mkIf, with its condition. */
  conditionRanges(): ConditionRange[];
}

export interface ConditionRange {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
  at: Location;
  holds(): boolean;
}

const MODULE_ARGS = new Set(['config', 'lib', 'pkgs', 'options', 'modulesPath', 'utils', 'specialArgs', 'name', 'nodes', 'inputs', 'self', 'baseModules', 'extendModules', 'moduleType', 'noUserModules', 'osConfig']);
const PACKAGE_ARGS = new Set(['stdenv', 'fetchurl', 'fetchFromGitHub', 'buildGoModule', 'buildPythonPackage', 'mkDerivation', 'callPackage', 'rustPlatform', 'python3Packages', 'buildNpmPackage', 'fetchgit', 'runCommand', 'writeShellApplication', 'mkShell', 'system']);
const TOP_KEYS = new Set(['imports', 'options', 'config', 'systemd', 'services', 'networking', 'environment', 'users', 'boot', 'virtualisation',
  'security', 'age', 'sops', 'programs', 'hardware', 'nix', 'system', 'fileSystems', 'time', 'i18n', 'console', 'documentation', 'nixpkgs',
  'containers', 'xdg', 'fonts', 'sound', 'powerManagement', 'zramSwap', 'swapDevices', 'location', 'assertions', 'warnings', 'disabledModules',
  '_module', 'home-manager', 'deployment', 'launchd', 'homebrew', 'specialisation', 'qt', 'gtk', 'appstream', 'power', 'services']);

/** Whether a file's syntax tree looks like a NixOS module (not a package, a flake, data or a secrets list). */
export function looksLikeModule(ast: Node): boolean {
  let n = ast;
  if (n.type === 'Lambda') {
    const p = n.param;
    if (p.kind === 'pattern') {
      if (p.formals.some((f) => PACKAGE_ARGS.has(f.name))) return false;
      if (!p.formals.every((f) => MODULE_ARGS.has(f.name)) && !p.ellipsis) return false;
      if (!p.formals.length && !p.ellipsis) return false;
    } else if (!['args', 'inputs', 'attrs'].includes(p.name)) {
      return false;
    }
    n = n.body;
  }
  for (let i = 0; i < 8; i++) {
    if (n.type === 'Let' || n.type === 'With' || n.type === 'Assert') n = n.body;
    else break;
  }
  if (n.type !== 'AttrSet') return ast.type === 'Lambda' && ast.param.kind === 'pattern' && ast.param.formals.some((f) => f.name === 'config');
  return n.bindings.some((b) => b.kind === 'attr' && b.path[0].kind === 'ident' && TOP_KEYS.has(b.path[0].name));
}

function condText(ev: Evaluator, at: Location): string {
  const text = ev.host.text(at.file);
  if (!text || !at.line) return 'a condition';
  const lines = text.split('\n');
  if (at.line !== at.endLine) return (lines[at.line - 1] ?? '').slice(at.column - 1).trim() + ' …';
  return (lines[at.line - 1] ?? '').slice(at.column - 1, at.endColumn - 1);
}

interface Ctx {
  prio: number;
  order: number;
  conds: Condition[];
  at: Location;
  module: string;
}

/**
 * Peels module-system markers off a definition, calling `emit` for each plain value underneath
 * (mkMerge gives several).
 */
function peel(ev: Evaluator, v: Value, ctx: Ctx, emit: (v: Value, ctx: Ctx) => void, depth = 0, onCond?: (c: Condition, content: Location | undefined) => void): void {
  if (depth > 50) return;
  const mt = markerType(v);
  if (v.t === 'attrs' && mt) {
    const get = (k: string) => v.get(k)?.force();
    switch (mt) {
      case 'if': {
        // The condition is not evaluated here (see Condition.holds): the content counts as active.
        const c = v.get('condition');
        const at = c?.at ?? v.at ?? NOWHERE;
        const cond: Condition = {
          text: condText(ev, at),
          at,
          holds: () => {
            const cv = c?.force();
            return !!cv && cv.t === 'bool' && cv.v;
          },
        };
        onCond?.(cond, v.get('content')?.at);
        return peel(ev, get('content') ?? unknown(v.at, 'mkIf'), { ...ctx, conds: [...ctx.conds, cond] }, emit, depth + 1, onCond);
      }
      case 'merge': {
        const l = get('contents');
        if (l?.t === 'list') for (const it of l.items) peel(ev, it.force(), ctx, emit, depth + 1, onCond);
        else emit(l ?? unknown(v.at, 'mkMerge'), ctx);
        return;
      }
      case 'override': {
        const p = get('priority');
        return peel(ev, get('content') ?? unknown(v.at, 'mkOverride'), { ...ctx, prio: p?.t === 'int' ? p.v : ctx.prio }, emit, depth + 1, onCond);
      }
      case 'order': {
        const p = get('priority');
        return peel(ev, get('content') ?? unknown(v.at, 'mkOrder'), { ...ctx, order: p?.t === 'int' ? p.v : ctx.order }, emit, depth + 1, onCond);
      }
    }
  }
  emit(v, ctx);
}

/** One node of the path trie: the definitions at a path, whether they may be incomplete, the merged value. */
interface PathNode {
  defs?: Def[];
  /** For nodes with many definitions: which definitions hold each child name (and which may hold any). */
  index?: { byKey: Map<string, number[]>; open: number[] };
  partial?: Location;
  merged?: Thunk;
  kids?: Map<string, PathNode>;
}

export interface HostSpec {
  name: string;
  at?: Location;
  /** Module values: files (paths) or inline modules. */
  modules: Thunk[];
  specialArgs?: AttrsV;
}

/** Evaluates one host's modules and gives access to its merged configuration. */
export function evalHost(ev: Evaluator, spec: HostSpec): Host {
  const modules: ModuleInstance[] = [];
  const files: string[] = [];
  const external: string[] = [];
  const problems: HostProblem[] = [];
  const seen = new Set<string>();

  const nodeRoot: PathNode = {};
  const condRanges = new Map<string, ConditionRange>();
  const onCond = (c: Condition, content: Location | undefined) => {
    if (!content || !content.file) return;
    const k = `${content.file}:${content.line}:${content.column}`;
    if (!condRanges.has(k)) condRanges.set(k, { ...content, text: c.text, at: c.at, holds: c.holds });
  };

  const configRoot: AttrsV = {
    t: 'attrs',
    get: (k) => mergedThunk([k]),
    keys: () => keysAt([]),
    open: NOWHERE,
  };
  const hostArgs = new Map<string, Thunk>([
    ['config', Thunk.of(configRoot)],
    ['lib', Thunk.of(ev.lib)],
    ['pkgs', Thunk.of(ev.pkgs)],
    ['options', Thunk.of({ ...attrsOf(new Map()), open: NOWHERE })],
    ['modulesPath', Thunk.of(unknown(NOWHERE, 'modulesPath (nixpkgs is not read)'))],
    ['utils', Thunk.of({ ...attrsOf(new Map()), open: NOWHERE })],
    ['name', Thunk.of(str(spec.name || 'nixos'))],
  ]);
  if (spec.specialArgs) for (const k of spec.specialArgs.keys()) hostArgs.set(k, spec.specialArgs.get(k)!);
  const argsValue: AttrsV = { ...attrsOf(hostArgs), open: NOWHERE };
  const argsThunk = Thunk.of(argsValue);

  const addModule = (mv: Value, file: string, at: Location | undefined, depth: number): void => {
    if (depth > 40) return;
    if (mv.t === 'path') {
      let f = mv.v;
      if (!f.endsWith('.nix') && !ev.host.parse(f)) f = path.join(f, 'default.nix');
      if (seen.has(f)) return;
      seen.add(f);
      if (!ev.host.inTree(f)) {
        problems.push({ at: at ?? NOWHERE, kind: 'outside', message: `imports ${f}, which is outside the linted tree` });
        return;
      }
      const parsed = ev.host.parse(f);
      if (!parsed) {
        const missing = !fs.existsSync(f);
        problems.push({ at: at ?? NOWHERE, kind: missing ? 'missing' : 'unreadable', message: `imports ${path.basename(f)}, which ${missing ? 'does not exist' : 'cannot be read'}` });
        return;
      }
      files.push(f);
      if (!parsed.ast) return; // its syntax error is reported on its own
      const v = ev.importFile(f, at);
      addModule(v, f, at, depth + 1);
      return;
    }
    if (mv.t === 'string' && !mv.unknown && mv.v.startsWith('/') && !mv.v.startsWith('/nix/store')) {
      addModule({ t: 'path', v: mv.v, at: mv.at }, file, at, depth);
      return;
    }
    if (mv.t === 'fn') {
      addModule(ev.apply(mv, argsThunk, at ?? NOWHERE), file, at, depth + 1);
      return;
    }
    if (mv.t === 'attrs') {
      const ext = markerType(mv) === 'unitlint-external-module' ? mv.get('name')?.force() : undefined;
      if (ext) {
        if (ext.t === 'string') external.push(ext.v);
        return;
      }
      const structured = !!(mv.get('config') || mv.get('options'));
      const imports = mv.get('imports')?.force();
      if (imports?.t === 'list') for (const it of imports.items) addModule(it.force(), file, it.at ?? at, depth + 1);
      let config: Value | undefined;
      if (structured) config = mv.get('config')?.force();
      else {
        const m = new Map<string, Thunk>();
        for (const k of mv.keys()) if (!['imports', '_file', 'key', 'disabledModules', 'meta', 'freeformType', '_class'].includes(k)) m.set(k, mv.get(k)!);
        config = attrsOf(m, mv.at, mv.keyAt ? new Map(mv.keys().map((k) => [k, mv.keyAt!(k)!])) : undefined);
        if (mv.open) (config as AttrsV).open = mv.open;
      }
      modules.push({ file, config, options: structured ? mv.get('options')?.force() : undefined });
      return;
    }
    if (mv.t === 'unknown') {
      problems.push({ at: mv.at.file ? mv.at : at ?? NOWHERE, kind: 'unknown', message: `a module could not be read statically (${mv.why})` });
    }
  };

  for (const m of spec.modules) {
    const v = m.force();
    addModule(v, v.at?.file ?? spec.at?.file ?? '', m.at ?? spec.at, 0);
  }

  /** The definitions at a path, derived one step at a time from the parent's (cached in the trie). */
  function defsAt(p: string[]): Def[] {
    let n = nodeRoot;
    if (!n.defs) computeRoot();
    for (const k of p) {
      let c = n.kids?.get(k);
      if (!c) (n.kids ??= new Map()).set(k, (c = {}));
      if (!c.defs) computeChild(n, c, k);
      n = c;
    }
    return n.defs!;
  }

  function computeRoot(): void {
    const out: Def[] = [];
    for (const m of modules) {
      if (!m.config) continue;
      peel(ev, m.config, { prio: 100, order: 1000, conds: [], at: m.config.at ?? NOWHERE, module: m.file }, (v, ctx) => {
        out.push({ value: v, ...ctx });
      }, 0, onCond);
    }
    nodeRoot.defs = out;
  }

  function computeChild(parent: PathNode, c: PathNode, last: string): void {
    const out: Def[] = [];
    let partial = parent.partial;
    const defs = parent.defs!;
    // Many definitions under one path (systemd.services of a few hundred modules): index them by
    // their attribute names once, instead of asking every definition for every child.
    let candidates: Iterable<Def> = defs;
    if (defs.length > 8) {
      if (!parent.index) parent.index = indexChildren(defs);
      const idx = parent.index;
      const hit = idx.byKey.get(last);
      candidates = idx.open.length ? mergeSorted(hit ?? [], idx.open).map((i) => defs[i]) : (hit ?? []).map((i) => defs[i]);
    }
    for (const d of candidates) {
      const v = d.value;
      if (v.t === 'attrs' && v.pkg === undefined) {
        const th = v.get(last);
        if (!th) {
          if (v.open) partial = partial ?? v.open;
          continue;
        }
        const at = v.keyAt?.(last) ?? th.at ?? d.at;
        peel(ev, th.force(), { prio: d.prio, order: d.order, conds: d.conds, at, module: d.module }, (cv, ctx) => {
          out.push({ value: cv, ...ctx, at: ctx.at, valueAt: th.at });
        }, 0, onCond);
      } else if (v.t === 'unknown') {
        partial = partial ?? v.at;
      }
    }
    c.defs = out;
    c.partial = partial;
  }

  /** The trie node of a path, created if needed, without computing anything. */
  function trieNode(p: string[]): PathNode {
    let n = nodeRoot;
    for (const k of p) {
      let c = n.kids?.get(k);
      if (!c) (n.kids ??= new Map()).set(k, (c = {}));
      n = c;
    }
    return n;
  }

  function nodeAt(p: string[]): PathNode {
    defsAt(p);
    return trieNode(p);
  }


  function keysAt(p: string[]): string[] {
    const ks = new Set<string>();
    for (const d of defsAt(p)) if (d.value.t === 'attrs' && d.value.pkg === undefined) for (const k of d.value.keys()) ks.add(k);
    return [...ks].sort();
  }

  /** Option declarations: the `options` trees of every module, with submodules followed. */
  const optionCache = new Map<string, AttrsV | null>();
  const declaredCache = new Map<string, boolean>();

  /** The option declared at p (cached: every module's options tree is searched once per path). */
  function optionAt(p: string[]): AttrsV | undefined {
    const k = p.join('\u0000');
    let o = optionCache.get(k);
    if (o === undefined) optionCache.set(k, (o = findOptionAt(p) ?? null));
    return o ?? undefined;
  }

  function findOptionAt(p: string[]): AttrsV | undefined {
    for (const m of modules) {
      if (!m.options) continue;
      const o = findOption(m.options, p, 0, 0);
      if (o) return o;
    }
    return undefined;
  }
  function findOption(v: Value, p: string[], i: number, depth: number): AttrsV | undefined {
    if (depth > 30) return undefined;
    if (v.t !== 'attrs' || v.pkg !== undefined) return undefined;
    const mt = markerType(v);
    if (mt === 'option') {
      if (i === p.length) return v;
      return findInType(v.get('type')?.force(), p, i, depth + 1);
    }
    if (mt === 'if' || mt === 'override' || mt === 'order') return findOption(v.get('content')?.force() ?? unknown(NOWHERE, ''), p, i, depth + 1);
    if (mt === 'merge') {
      const l = v.get('contents')?.force();
      if (l?.t === 'list') for (const it of l.items) { const r = findOption(it.force(), p, i, depth + 1); if (r) return r; }
      return undefined;
    }
    if (i === p.length) return undefined;
    const th = v.get(p[i]);
    return th ? findOption(th.force(), p, i + 1, depth + 1) : undefined;
  }
  function findInType(t: Value | undefined, p: string[], i: number, depth: number): AttrsV | undefined {
    if (!t || t.t !== 'attrs' || markerType(t) !== 'option-type' || depth > 30) return undefined;
    const name = t.get('name')?.force();
    const n = name?.t === 'string' ? name.v : '';
    if (['attrsOf', 'lazyAttrsOf'].includes(n)) return findInType(t.get('elemType')?.force(), p, i + 1, depth + 1);
    if (['nullOr', 'uniq', 'unique'].includes(n)) return findInType(t.get('elemType')?.force(), p, i, depth + 1);
    if (n === 'submodule' || n === 'submoduleWith') {
      let m = t.get('elemType')?.force();
      if (n === 'submoduleWith' && m?.t === 'attrs') {
        const ms = m.get('modules')?.force();
        m = ms?.t === 'list' ? ms.items[0]?.force() : undefined;
      }
      if (!m) return undefined;
      if (m.t === 'fn') m = ev.apply(m, Thunk.of({ ...attrsOf(new Map([['lib', Thunk.of(ev.lib)], ['name', Thunk.of(unknown(NOWHERE, 'submodule name'))], ['config', Thunk.of({ ...attrsOf(new Map()), open: NOWHERE })]])), open: NOWHERE }), NOWHERE);
      if (m.t !== 'attrs') return undefined;
      const opts = m.get('options')?.force() ?? m;
      return findOption(opts, p, i, depth + 1);
    }
    return undefined;
  }

  function separatorOf(p: string[]): string | undefined {
    const o = optionAt(p);
    const t = o?.get('type')?.force();
    if (t?.t !== 'attrs') return undefined;
    const n = t.get('name')?.force();
    if (n?.t !== 'string' || n.v !== 'separatedString') return undefined;
    const s = t.get('separator')?.force();
    return s?.t === 'string' ? s.v : undefined;
  }

  function mergeValues(p: string[], defs: Def[]): Value {
    const best = Math.min(...defs.map((d) => d.prio));
    const live = defs.filter((d) => d.prio === best);
    if (live.every((d) => d.value.t === 'attrs' && d.value.pkg === undefined)) {
      const out: AttrsV = {
        t: 'attrs',
        at: live[live.length - 1].value.at,
        get: (k) => (live.some((d) => (d.value as AttrsV).get(k)) || declared([...p, k]) ? mergedThunk([...p, k]) : undefined),
        keys: () => keysAt(p),
        keyAt: (k) => {
          for (const d of live) {
            const a = (d.value as AttrsV).keyAt?.(k);
            if (a) return a;
          }
          return undefined;
        },
      };
      const open = live.find((d) => (d.value as AttrsV).open);
      if (open) out.open = (open.value as AttrsV).open;
      return out;
    }
    if (live.some((d) => d.value.t === 'list')) {
      const sorted = [...live].sort((a, b) => a.order - b.order);
      const items: Thunk[] = [];
      let open: Location | undefined;
      for (const d of sorted) {
        if (d.value.t === 'list') {
          items.push(...d.value.items);
          if (d.value.open) open = open ?? d.value.open;
        } else if (d.value.t === 'unknown') open = open ?? d.value.at;
        else items.push(Thunk.of(d.value));
      }
      const l: ListV = { t: 'list', items, at: sorted[0].value.at };
      if (open) l.open = open;
      return l;
    }
    if (live.length > 1 && live.every((d) => d.value.t === 'string')) {
      const sep = separatorOf(p) ?? knownSeparator(p);
      if (sep !== undefined) {
        const sorted = [...live].sort((a, b) => a.order - b.order);
        const s = { t: 'string' as const, v: sorted.map((d) => (d.value as { v: string }).v).join(sep), at: sorted[0].value.at };
        const u = sorted.find((d) => d.value.t === 'string' && d.value.unknown);
        return u && u.value.t === 'string' ? { ...s, unknown: u.value.unknown } : s;
      }
    }
    return live[live.length - 1].value;
  }

  /** Whether the tree declares an option at p or below it (p is a prefix of declared options). */
  function declared(p: string[]): boolean {
    const k = p.join('\u0000');
    let d = declaredCache.get(k);
    if (d === undefined) declaredCache.set(k, (d = findDeclared(p)));
    return d;
  }

  function findDeclared(p: string[]): boolean {
    for (const m of modules) {
      if (!m.options) continue;
      let v: Value | undefined = m.options;
      for (let i = 0; i < p.length && v; i++) {
        if (v.t !== 'attrs' || v.pkg !== undefined) {
          v = undefined;
          break;
        }
        if (markerType(v) === 'option') return !!findOption(m.options, p, 0, 0);
        v = v.get(p[i])?.force();
      }
      if (v && v.t === 'attrs') return true;
    }
    return false;
  }

  /** Option names declared directly under p. */
  function declaredKeys(p: string[]): string[] {
    const ks = new Set<string>();
    for (const m of modules) {
      let v: Value | undefined = m.options;
      for (let i = 0; i < p.length && v; i++) v = v.t === 'attrs' && !markerType(v) ? v.get(p[i])?.force() : undefined;
      if (v && v.t === 'attrs' && !markerType(v)) for (const k of v.keys()) ks.add(k);
    }
    return [...ks].sort();
  }

  function merged(p: string[]): Value {
    const defs = defsAt(p);
    if (defs.length) return mergeValues(p, defs);
    const o = optionAt(p);
    if (o) {
      const d = o.get('default');
      if (d) return d.force();
      return unknown(o.at, `option ${p.join('.')} has no default`);
    }
    if (p.length && declared(p)) {
      // A set of options with no definitions: its options' defaults.
      return { t: 'attrs', get: (k) => (declared([...p, k]) ? mergedThunk([...p, k]) : undefined), keys: () => declaredKeys(p) };
    }
    const ext = externalDefault(p);
    if (ext !== undefined) return str(ext);
    const part = nodeAt(p).partial;
    return unknown(part ?? NOWHERE, `${p.join('.')} is not defined in the tree`);
  }

  function mergedThunk(p: string[]): Thunk {
    const n = trieNode(p);
    let th = n.merged;
    if (!th) n.merged = th = new Thunk(() => merged(p));
    return th;
  }

  return {
    name: spec.name,
    at: spec.at,
    files,
    modules,
    external,
    problems,
    defs: defsAt,
    merged: (p) => mergedThunk(p).force(),
    option: optionAt,
    partial: (p) => {
      defsAt(p);
      return nodeAt(p).partial;
    },
    config: configRoot,
    conditionRanges: () => [...condRanges.values()],
  };
}

/** NixOS options of types.lines (or similar) that the tree does not declare: their definitions join. */
function knownSeparator(p: string[]): string | undefined {
  const last = p[p.length - 1];
  if (p[0] === 'systemd' && ['script', 'preStart', 'postStart', 'preStop', 'postStop', 'reload', 'text'].includes(last)) return '\n';
  if (['extraConfig', 'appendConfig', 'commonHttpConfig', 'appendHttpConfig', 'extraCommands', 'shellInit', 'interactiveShellInit', 'text'].includes(last)) return '\n';
  return undefined;
}

/**
 * Defaults of options declared by modules outside the tree that units commonly read: where agenix
 * and sops-nix put a decrypted secret.
 */
function externalDefault(p: string[]): string | undefined {
  if (p.length === 4 && p[0] === 'age' && p[1] === 'secrets' && p[3] === 'path') return `/run/agenix/${p[2]}`;
  if (p.length === 4 && p[0] === 'sops' && p[1] === 'secrets' && p[3] === 'path') return `/run/secrets/${p[2]}`;
  return undefined;
}

function indexChildren(defs: Def[]): { byKey: Map<string, number[]>; open: number[] } {
  const byKey = new Map<string, number[]>();
  const open: number[] = [];
  defs.forEach((d, i) => {
    const v = d.value;
    if (v.t !== 'attrs' || v.pkg !== undefined) {
      if (v.t === 'unknown') open.push(i);
      return;
    }
    if (v.open) open.push(i);
    for (const k of v.keys()) {
      let a = byKey.get(k);
      if (!a) byKey.set(k, (a = []));
      a.push(i);
    }
  });
  return { byKey, open };
}

/** The union of two ascending index lists, ascending (definition order decides merges). */
function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i] : Infinity;
    const y = j < b.length ? b[j] : Infinity;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

/** The definitions in effect (best priority), in mkOrder order: the last one is what a scalar takes. */
export function liveDefs(defs: Def[]): Def[] {
  if (!defs.length) return defs;
  const best = Math.min(...defs.map((d) => d.prio));
  return defs.filter((d) => d.prio === best).sort((a, b) => a.order - b.order);
}

/** The definition of a scalar option that wins, if any. */
export function lastDef(host: Host, p: string[]): Def | undefined {
  const live = liveDefs(host.defs(p));
  return live[live.length - 1];
}

/** The attribute names defined under a path (`systemd.services` → the service names), sorted, each
 * with where it is first bound. */
export function definedNames(host: Host, p: string[]): { name: string; at: Location }[] {
  const seen = new Map<string, Location>();
  for (const d of host.defs(p)) {
    if (d.value.t !== 'attrs' || d.value.pkg !== undefined || markerType(d.value)) continue;
    for (const k of d.value.keys()) if (!seen.has(k)) seen.set(k, d.value.keyAt?.(k) ?? d.at);
  }
  return [...seen].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, at]) => ({ name, at }));
}

/** Where a value is written when that is in the definition's own file; else the definition itself. */
export function sameFileOr(at: Location | undefined, fallback: Location): Location {
  return at && at.file === fallback.file && at.line ? at : fallback;
}
