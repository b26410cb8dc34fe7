/**
 * Maintainer scripts (Debian postinst and friends, RPM scriptlets, Arch .install functions) walked in
 * execution order for one scenario (a fresh install: `postinst configure` with no old version).
 *
 * The walk is a small symbolic execution over the tree-sitter-bash tree. Each path through the script
 * carries what is known on it: the files known to exist (created by a command earlier on the path,
 * or tested by a guard such as `[ -f X ]` / `if [ ! -e X ]; then exit 0; fi`), the variables and
 * positional parameters, and which units are enabled or running. At a branch whose condition is
 * decidable for the scenario (`case "$1" in configure)`, `[ -z "$2" ]`, `dpkg --compare-versions "$2"
 * lt X`, `deb-systemd-helper was-enabled`) only the taken branch runs; otherwise both run and the
 * paths are joined afterwards, keeping only what holds on both (a file created on one branch only is
 * not known to exist after the join). `exit` ends a path; `return` ends a function's path.
 *
 * Every command that starts or restarts a unit (systemctl, deb-systemd-invoke, invoke-rc.d, service,
 * /etc/init.d/X) becomes a StartEvent with a snapshot of the files known to exist at that point. The
 * walk never runs anything.
 */
import type { Node as SNode } from 'web-tree-sitter';
import { parseShell } from './shell.js';
import { expandWord, type Env } from './waits.js';

export interface Scenario {
  /** 'install': a fresh install (no old version); 'upgrade': an upgrade from an older version. */
  name: 'install' | 'upgrade';
  /** $0, $1, … */
  positional: string[];
}

export interface Fact {
  how: 'created' | 'tested';
  /** 1-based position in the analysed text. */
  line: number;
  column: number;
  /** The command or test as written (first line). */
  text: string;
}

export interface StartEvent {
  /** Units this command really starts on this path (deb-systemd-invoke skips units that are not enabled). */
  units: string[];
  /** Units the command names but does not start here, with why ("not enabled", "not running"). */
  skipped: { unit: string; why: string }[];
  /** start, restart, enable --now, … as written. */
  action: string;
  text: string;
  line: number;
  column: number;
  /** Files known to exist on this path when the command runs (exact paths). */
  facts: ReadonlyMap<string, Fact>;
  /** Folders whose whole content was created (cp -r, tar -C, certbot's live/ folder). */
  prefixes: ReadonlyMap<string, Fact>;
}

export interface ScriptRun {
  starts: StartEvent[];
}

export interface RunOptions {
  /** Unit names the package ships natively (invoke-rc.d --skip-systemd-native skips them). */
  nativeUnits?: ReadonlySet<string>;
  /** Call this function after the top level ran (Arch .install: post_install). */
  entry?: { name: string; args: string[] };
  /** Environment variables set for the script (DPKG_MAINTSCRIPT_PACKAGE, …). */
  env?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// State

interface Var {
  value: string | undefined;
  exported: boolean;
}

interface St {
  /** Shaped as the word expander's environment (./waits.ts), so that expansion needs no copy. */
  vars: Map<string, Var>;
  positional: (string | undefined)[];
  facts: Map<string, Fact>;
  prefixes: Map<string, Fact>;
  enabled: Set<string>;
  active: Set<string>;
}

type S = St | null;

function clone(s: St): St {
  return {
    vars: new Map(s.vars),
    positional: [...s.positional],
    facts: new Map(s.facts),
    prefixes: new Map(s.prefixes),
    enabled: new Set(s.enabled),
    active: new Set(s.active),
  };
}

/** The join of two paths: what holds on both (a unit possibly running stays possibly running). */
function join(a: S, b: S): S {
  if (!a) return b;
  if (!b) return a;
  const out: St = { vars: new Map(), positional: [], facts: new Map(), prefixes: new Map(), enabled: new Set(), active: new Set(a.active) };
  for (const [k, v] of a.vars) out.vars.set(k, b.vars.get(k)?.value === v.value ? v : UNKNOWN_VAR);
  for (const k of b.vars.keys()) if (!a.vars.has(k)) out.vars.set(k, UNKNOWN_VAR);
  const n = Math.max(a.positional.length, b.positional.length);
  for (let i = 0; i < n; i++) out.positional.push(a.positional[i] === b.positional[i] ? a.positional[i] : undefined);
  // A guard that tests one file of a set the other branch creates (`if [ ! -e cert.pem ]; then …create
  // cert.pem and key.pem…; fi`) uses it as the marker of the whole set: where the marker exists, so
  // does the rest of the set.
  const aSet = markerSet(a, b);
  const bSet = markerSet(b, a);
  for (const [k, v] of a.facts) if (b.facts.has(k) || coveredBy(k, b.prefixes) || aSet) out.facts.set(k, v);
  for (const [k, v] of b.facts) if (!out.facts.has(k) && (coveredBy(k, a.prefixes) || bSet)) out.facts.set(k, v);
  for (const [k, v] of a.prefixes) if (b.prefixes.has(k)) out.prefixes.set(k, v);
  for (const u of a.enabled) if (b.enabled.has(u)) out.enabled.add(u);
  for (const u of b.active) out.active.add(u);
  return out;
}

/** True when `other` tested a file that `s` created (and `other` did not): `s` created a marked set. */
function markerSet(s: St, other: St): boolean {
  for (const [k, f] of other.facts) {
    if (f.how !== 'tested') continue;
    const mine = s.facts.get(k);
    if (mine && mine.how === 'created') return true;
  }
  return false;
}

function joinAll(states: S[]): S {
  return states.reduce<S>((acc, s) => join(acc, s), null);
}

/** The created folder that covers a path, if one does. */
export function coveredBy<F>(p: string, prefixes: ReadonlyMap<string, F>): F | undefined {
  for (const [dir, f] of prefixes) if (p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/')) return f;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Walk context

interface Ctx {
  scenario: Scenario;
  funcs: Map<string, SNode>;
  depth: number;
  /** States at `return` inside the function being walked. */
  returns: St[] | undefined;
  starts: StartEvent[];
  native: ReadonlySet<string>;
}

const MAX_DEPTH = 8;

const UNKNOWN_VAR: Var = { value: undefined, exported: false };

function envOf(s: St): Env {
  return { vars: s.vars, positional: s.positional };
}

function setVar(s: St, name: string, value: string | undefined): void {
  s.vars.set(name, value === undefined ? UNKNOWN_VAR : { value, exported: false });
}

function expand(n: SNode, s: St): string | undefined {
  if (n.type === 'command_substitution' || n.type === 'process_substitution') return undefined;
  return expandWord(n.text, envOf(s));
}

function firstLine(t: string): string {
  const i = t.indexOf('\n');
  return (i < 0 ? t : t.slice(0, i) + ' …').trim();
}

function named(n: SNode): SNode[] {
  const out: SNode[] = [];
  for (const c of n.namedChildren) if (c && c.type !== 'comment' && c.type !== 'heredoc_body') out.push(c);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public entry point

/** Walks a maintainer script for one scenario. Call `await initShell()` first. */
export function runMaintScript(text: string, scenario: Scenario, opts: RunOptions = {}): ScriptRun {
  const tree = parseShell(text);
  const ctx: Ctx = { scenario, funcs: new Map(), depth: 0, returns: undefined, starts: [], native: opts.nativeUnits ?? new Set() };
  try {
    let s: S = {
      vars: new Map(Object.entries(opts.env ?? {}).map(([k, v]) => [k, { value: v, exported: true }])),
      positional: [...scenario.positional],
      facts: new Map(),
      prefixes: new Map(),
      enabled: new Set(),
      active: new Set(),
    };
    s = walkSeq(named(tree.rootNode), s, ctx);
    if (s && opts.entry) {
      const body = ctx.funcs.get(opts.entry.name);
      if (body) s = callFunction(body, [opts.entry.name, ...opts.entry.args], s, ctx);
    }
  } finally {
    tree.delete();
  }
  return { starts: ctx.starts };
}

// ---------------------------------------------------------------------------------------------
// Statements

function walkSeq(nodes: SNode[], s: S, ctx: Ctx): S {
  for (const n of nodes) {
    if (!s) return null;
    s = walk(n, s, ctx);
  }
  return s;
}

function walk(n: SNode, s: S, ctx: Ctx): S {
  if (!s) return null;
  switch (n.type) {
    case 'comment':
    case 'heredoc_body':
      return s;
    case 'program':
    case 'compound_statement':
    case 'do_group':
      return walkSeq(named(n), s, ctx);
    case 'subshell': {
      // Files a subshell creates stay; its variables do not.
      const r = walkSeq(named(n), clone(s), ctx);
      if (!r) return s; // `( … exit 1 )` ends only the subshell
      r.vars = new Map(s.vars);
      r.positional = [...s.positional];
      return r;
    }
    case 'function_definition': {
      const name = n.childForFieldName('name')?.text;
      const body = n.childForFieldName('body');
      if (name && body) ctx.funcs.set(name, body);
      return s;
    }
    case 'variable_assignment':
      assign(n, s);
      return s;
    case 'declaration_command':
      for (const c of named(n)) if (c.type === 'variable_assignment') assign(c, s);
      return s;
    case 'command':
      return command(n, s, ctx);
    case 'redirected_statement': {
      const body = n.childForFieldName('body');
      const r = body ? walk(body, s, ctx) : s;
      return redirects(n, r);
    }
    case 'list':
    case 'negated_command':
    case 'test_command': {
      const c = cond(n, s, ctx);
      return join(c.t, c.f);
    }
    case 'if_statement':
      return ifStatement(n, s, ctx);
    case 'case_statement':
      return caseStatement(n, s, ctx);
    case 'for_statement':
      return forStatement(n, s, ctx);
    case 'while_statement':
    case 'until_statement': {
      const conds = n.childrenForFieldName('condition').filter((c): c is SNode => !!c && c.isNamed);
      const body = n.childForFieldName('body');
      const c = condSeq(conds, s, ctx);
      const inside = n.type === 'while_statement' ? c.t : c.f;
      const after = n.type === 'while_statement' ? c.f : c.t;
      const ran = body ? walk(body, inside && clone(inside), ctx) : inside;
      return join(after, ran);
    }
    case 'c_style_for_statement': {
      const body = n.childForFieldName('body');
      return join(clone(s), body ? walk(body, s, ctx) : s);
    }
    case 'pipeline': {
      const parts = named(n);
      let r: S = s;
      for (const p of parts) r = walk(p, r, ctx) ?? r;
      return r;
    }
    case 'command_substitution':
    case 'process_substitution':
      return s;
    default:
      return walkSeq(named(n), s, ctx);
  }
}

function assign(n: SNode, s: St): void {
  const name = n.childForFieldName('name')?.text;
  const value = n.childForFieldName('value');
  if (!name) return;
  const append = n.children.some((c) => c?.type === '+=');
  const v = value && value.type !== 'array' && !append ? expand(value, s) : value ? undefined : '';
  setVar(s, name.replace(/\[.*$/, ''), name.includes('[') ? undefined : v);
}

/** `> FILE`, `>> FILE`, `&> FILE` create FILE. */
function redirects(n: SNode, s: S): S {
  if (!s) return s;
  for (const r of n.childrenForFieldName('redirect')) {
    if (!r || r.type !== 'file_redirect') continue;
    const op = r.children.find((c) => c && !c.isNamed)?.type ?? '';
    if (!/^(>|>>|&>|&>>|>\|)$/.test(op)) continue;
    const dest = r.childForFieldName('destination');
    const p = dest ? expand(dest, s) : undefined;
    if (p && p.startsWith('/') && !p.startsWith('/dev/')) addFact(s, p, 'created', n);
  }
  return s;
}

function addFact(s: St, p: string, how: Fact['how'], at: SNode): void {
  const path = normalize(p);
  if (!s.facts.has(path)) s.facts.set(path, { how, line: at.startPosition.row + 1, column: at.startPosition.column + 1, text: firstLine(at.text) });
}

function addPrefix(s: St, p: string, at: SNode): void {
  const path = normalize(p).replace(/\/+$/, '');
  if (path && !s.prefixes.has(path)) s.prefixes.set(path, { how: 'created', line: at.startPosition.row + 1, column: at.startPosition.column + 1, text: firstLine(at.text) });
}

function normalize(p: string): string {
  return p.replace(/\/{2,}/g, '/').replace(/\/\.\//g, '/');
}

// ---------------------------------------------------------------------------------------------
// Conditions

interface Branches {
  t: S;
  f: S;
}

/** The statements of a condition: all but the last run for their effects; the last one decides. */
function condSeq(nodes: SNode[], s: S, ctx: Ctx): Branches {
  const list = nodes.filter((c) => c.type !== 'comment');
  if (!list.length) return { t: s, f: null };
  const pre = walkSeq(list.slice(0, -1), s, ctx);
  return cond(list[list.length - 1], pre, ctx);
}

function both(s: S): Branches {
  return { t: s, f: s && clone(s) };
}

function cond(n: SNode, s: S, ctx: Ctx): Branches {
  if (!s) return { t: null, f: null };
  switch (n.type) {
    case 'list': {
      const kids = n.children.filter((c): c is SNode => !!c);
      const a = kids.find((c) => c.isNamed && c.type !== 'comment');
      const op = kids.find((c) => !c.isNamed && (c.type === '&&' || c.type === '||'))?.type;
      const b = [...kids].reverse().find((c) => c.isNamed && c.type !== 'comment');
      if (!a || !b || a.id === b.id || !op) return both(walk(n, s, ctx));
      const A = cond(a, s, ctx);
      if (op === '&&') {
        const B = cond(b, A.t, ctx);
        return { t: B.t, f: join(A.f, B.f) };
      }
      const B = cond(b, A.f, ctx);
      return { t: join(A.t, B.t), f: B.f };
    }
    case 'negated_command': {
      const inner = named(n)[0];
      if (!inner) return both(s);
      const c = cond(inner, s, ctx);
      return { t: c.f, f: c.t };
    }
    case 'test_command': {
      const e = named(n)[0];
      return e ? testExpr(e, s, ctx) : { t: null, f: s };
    }
    case 'compound_statement':
    case 'subshell':
      return condSeq(named(n), s, ctx);
    case 'redirected_statement': {
      const body = n.childForFieldName('body');
      const c = body ? cond(body, s, ctx) : both(s);
      return { t: redirects(n, c.t), f: redirects(n, c.f) };
    }
    case 'pipeline': {
      const parts = named(n);
      let r: S = s;
      for (const p of parts.slice(0, -1)) r = walk(p, r, ctx) ?? r;
      return parts.length ? cond(parts[parts.length - 1], r, ctx) : both(r);
    }
    case 'command':
      return commandCond(n, s, ctx);
    default:
      return both(walk(n, s, ctx));
  }
}

const FILE_TESTS = new Set(['-e', '-f', '-r', '-s', '-L', '-h', '-S', '-w', '-a']);

/** A test expression of `[ … ]` / `[[ … ]]` (tree-sitter's typed expression). */
function testExpr(e: SNode, s: St, ctx: Ctx): Branches {
  switch (e.type) {
    case 'parenthesized_expression': {
      const inner = named(e)[0];
      return inner ? testExpr(inner, s, ctx) : both(s);
    }
    case 'unary_expression': {
      const op = e.childForFieldName('operator') ?? e.child(0);
      const arg = named(e).find((c) => c.id !== op?.id);
      if (!op || !arg) return both(s);
      if (op.text === '!') {
        const c = testExpr(arg, s, ctx);
        return { t: c.f, f: c.t };
      }
      return unaryTest(op.text, expand(arg, s), s, e);
    }
    case 'binary_expression': {
      const left = e.childForFieldName('left');
      const right = e.childForFieldName('right');
      const op = e.childForFieldName('operator')?.text ?? e.children.find((c) => c && !c.isNamed)?.text ?? '';
      if (!left || !right) return both(s);
      if (op === '&&' || op === '-a') {
        const A = testExpr(left, s, ctx);
        const B = A.t ? testExpr(right, A.t, ctx) : { t: null, f: null };
        return { t: B.t, f: join(A.f, B.f) };
      }
      if (op === '||' || op === '-o') {
        const A = testExpr(left, s, ctx);
        const B = A.f ? testExpr(right, A.f, ctx) : { t: null, f: null };
        return { t: join(A.t, B.t), f: B.f };
      }
      return binaryTest(op, expand(left, s), expand(right, s), s);
    }
    default: {
      // A lone word: true when not empty.
      const v = expand(e, s);
      if (v === undefined) return both(s);
      return v !== '' ? { t: s, f: null } : { t: null, f: s };
    }
  }
}

function unaryTest(op: string, v: string | undefined, s: St, at: SNode): Branches {
  if (op === '-z' || op === '-n') {
    if (v === undefined) return both(s);
    return (v === '') === (op === '-z') ? { t: s, f: null } : { t: null, f: s };
  }
  if (op === '-d' && v && /^\/run\/systemd\/system\/?$/.test(v)) return { t: s, f: null }; // systemd is the init system
  if (FILE_TESTS.has(op) && v && v.startsWith('/')) {
    const t = clone(s);
    addFact(t, v, 'tested', at);
    return { t, f: s };
  }
  return both(s);
}

function binaryTest(op: string, a: string | undefined, b: string | undefined, s: St): Branches {
  if (a === undefined || b === undefined) return both(s);
  let r: boolean | undefined;
  if (op === '=' || op === '==') r = globMatch(b, a);
  else if (op === '!=') r = !globMatch(b, a);
  else if (['-eq', '-ne', '-lt', '-le', '-gt', '-ge'].includes(op) && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) {
    const x = Number(a), y = Number(b);
    r = { '-eq': x === y, '-ne': x !== y, '-lt': x < y, '-le': x <= y, '-gt': x > y, '-ge': x >= y }[op];
  }
  if (r === undefined) return both(s);
  return r ? { t: s, f: null } : { t: null, f: s };
}

/** `[[ a == pattern ]]` and case patterns: * ? [..] globbing (a quoted pattern is literal after expansion). */
function globMatch(pattern: string, v: string): boolean {
  if (!/[*?[]/.test(pattern)) return pattern === v;
  const re = '^' + pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  try {
    return new RegExp(re, 's').test(v);
  } catch {
    return pattern === v;
  }
}

/** A command in a condition: `test`/`[`, true/false, and the Debian predicates with known answers. */
function commandCond(n: SNode, s: St, ctx: Ctx): Branches {
  const words = commandWords(n, s);
  const name = words[0]?.value;
  if (name === 'test' || name === '[') {
    const args = words.slice(1).map((w) => w.value);
    if (name === '[' && args[args.length - 1] === ']') args.pop();
    return testWords(args, s, n);
  }
  if (name === 'true' || name === ':') return { t: s, f: null };
  if (name === 'false') return { t: null, f: s };
  if (name === 'deb-systemd-helper') {
    const verb = words.slice(1).map((w) => w.value).find((w) => w !== undefined && !w.startsWith('-'));
    const fresh = ctx.scenario.name === 'install';
    // On a fresh install nothing was enabled before: was-enabled answers its default (true, "new
    // installations run enable"), debian-installed answers false.
    if (verb === 'was-enabled' && fresh) return { t: s, f: null };
    if (verb === 'debian-installed' && fresh) return { t: null, f: s };
  }
  if (name === 'dpkg' && words[1]?.value === '--compare-versions') {
    const r = compareVersions(words[2]?.value, words[3]?.value, words[4]?.value);
    if (r !== undefined) return r ? { t: s, f: null } : { t: null, f: s };
  }
  return both(command(n, s, ctx));
}

/** `dpkg --compare-versions "$2" lt X` on a fresh install ($2 empty): the empty version sorts first. */
function compareVersions(a: string | undefined, op: string | undefined, b: string | undefined): boolean | undefined {
  if (a === undefined || op === undefined || b === undefined) return undefined;
  if (a !== '' && b !== '') return a === b ? ['eq', 'le', 'ge', '=', '<=', '>='].includes(op) : undefined;
  if (a === '' && b === '') return ['eq', 'le', 'ge', 'le-nl', 'ge-nl'].includes(op);
  const emptyFirst = a === '';
  // -nl variants treat the empty version as later than any other.
  const nl = op.endsWith('-nl');
  const base = op.replace(/-nl$/, '');
  const aLess = nl ? !emptyFirst : emptyFirst;
  switch (base) {
    case 'lt': case '<<': case 'le': case '<=': case '<': return aLess;
    case 'gt': case '>>': case 'ge': case '>=': case '>': return !aLess;
    case 'eq': case '=': return false;
    case 'ne': return true;
  }
  return undefined;
}

/** `test` / `[` words: ! EXPR, -op ARG, A op B, A -a B, A -o B. */
function testWords(args: (string | undefined)[], s: St, at: SNode): Branches {
  const ao = args.findIndex((a) => a === '-a' || a === '-o');
  if (ao > 0 && args.length > 3) {
    const A = testWords(args.slice(0, ao), s, at);
    if (args[ao] === '-a') {
      const B = A.t ? testWords(args.slice(ao + 1), A.t, at) : { t: null, f: null };
      return { t: B.t, f: join(A.f, B.f) };
    }
    const B = A.f ? testWords(args.slice(ao + 1), A.f, at) : { t: null, f: null };
    return { t: join(A.t, B.t), f: B.f };
  }
  if (args[0] === '!' && args.length > 1) {
    const c = testWords(args.slice(1), s, at);
    return { t: c.f, f: c.t };
  }
  if (args.length === 2 && args[0]?.startsWith('-')) return unaryTest(args[0], args[1], s, at);
  if (args.length === 3 && args[1] !== undefined) return binaryTest(args[1], args[0], args[2], s);
  if (args.length === 1) {
    if (args[0] === undefined) return both(s);
    return args[0] !== '' ? { t: s, f: null } : { t: null, f: s };
  }
  return both(s);
}

function ifStatement(n: SNode, s: St, ctx: Ctx): S {
  const results: S[] = [];
  let rest: S = s;
  let conds: SNode[] = [];
  let body: SNode[] = [];
  let phase: 'cond' | 'body' = 'cond';
  const flush = () => {
    const c = condSeq(conds, rest, ctx);
    results.push(walkSeq(body, c.t, ctx));
    rest = c.f;
    conds = [];
    body = [];
  };
  for (const c of n.children) {
    if (!c) continue;
    if (!c.isNamed) {
      if (c.type === 'then') phase = 'body';
      continue;
    }
    if (c.type === 'comment') continue;
    if (c.type === 'elif_clause' || c.type === 'else_clause') {
      if (phase === 'body') flush();
      phase = 'cond';
      if (c.type === 'else_clause') {
        results.push(walkSeq(named(c), rest, ctx));
        rest = null;
        continue;
      }
      let p: 'cond' | 'body' = 'cond';
      for (const d of c.children) {
        if (!d) continue;
        if (!d.isNamed) {
          if (d.type === 'then') p = 'body';
          continue;
        }
        if (d.type === 'comment') continue;
        (p === 'cond' ? conds : body).push(d);
      }
      flush();
      continue;
    }
    (phase === 'cond' ? conds : body).push(c);
  }
  if (conds.length) flush();
  results.push(rest);
  return joinAll(results);
}

function caseStatement(n: SNode, s: St, ctx: Ctx): S {
  const valueNode = n.childForFieldName('value');
  const value = valueNode ? expand(valueNode, s) : undefined;
  const results: S[] = [];
  let matchedForSure = false;
  for (const item of n.namedChildren) {
    if (!item || item.type !== 'case_item') continue;
    const pats = item.childrenForFieldName('value').filter((c): c is SNode => !!c);
    let may = false;
    let must = false;
    for (const p of pats) {
      const pv = expand(p, s) ?? (p.type === 'extglob_pattern' || p.type === 'word' ? p.text : undefined);
      if (pv === '*') {
        may = must = true;
        continue;
      }
      if (value === undefined || pv === undefined) may = true;
      else if (globMatch(pv, value)) may = must = true;
    }
    if (!may) continue;
    const patIds = new Set(pats.map((p) => p.id));
    const body = named(item).filter((c) => !patIds.has(c.id));
    results.push(walkSeq(body, clone(s), ctx));
    if (must) {
      matchedForSure = true;
      break;
    }
  }
  if (!matchedForSure) results.push(s);
  return joinAll(results);
}

function forStatement(n: SNode, s: St, ctx: Ctx): S {
  const v = n.childForFieldName('variable')?.text;
  const values = n.childrenForFieldName('value').filter((c): c is SNode => !!c);
  const body = n.childForFieldName('body');
  if (!body) return s;
  const words = values.map((w) => expand(w, s));
  if (v && values.length && words.every((w) => w !== undefined && !/[*?[\s]/.test(w))) {
    let r: S = s;
    for (const w of words) {
      if (!r) break;
      setVar(r, v, w);
      r = walk(body, r, ctx);
    }
    return r;
  }
  const inside = clone(s);
  if (v) setVar(inside, v, undefined);
  return join(s, walk(body, inside, ctx));
}

function callFunction(body: SNode, args: string[] | (string | undefined)[], s: St, ctx: Ctx): S {
  if (ctx.depth >= MAX_DEPTH) return s;
  const saved = { positional: s.positional, returns: ctx.returns };
  s.positional = [...args];
  ctx.returns = [];
  ctx.depth++;
  let r = walk(body, s, ctx);
  ctx.depth--;
  r = joinAll([r, ...ctx.returns]);
  ctx.returns = saved.returns;
  if (r) r.positional = saved.positional;
  return r;
}

// ---------------------------------------------------------------------------------------------
// Commands

interface Word {
  value: string | undefined;
  node: SNode;
}

function commandWords(n: SNode, s: St): Word[] {
  const out: Word[] = [];
  const name = n.childForFieldName('name');
  if (name) out.push({ value: expand(name, s), node: name });
  for (const a of n.childrenForFieldName('argument')) if (a) out.push({ value: expand(a, s), node: a });
  return out;
}

function command(n: SNode, s: St, ctx: Ctx): S {
  const words = commandWords(n, s);
  const prog = words[0]?.value;
  if (prog === undefined) return s;
  const name = prog.slice(prog.lastIndexOf('/') + 1);
  const args = words.slice(1).map((w) => w.value);
  switch (name) {
    case 'exit':
      return null;
    case 'return':
      if (ctx.returns) ctx.returns.push(s);
      return null;
    case 'set': {
      const dd = args.indexOf('--');
      if (dd >= 0) s.positional = [s.positional[0], ...args.slice(dd + 1)];
      return s;
    }
    case 'shift': {
      const k = args[0] && /^\d+$/.test(args[0]) ? Number(args[0]) : 1;
      s.positional = [s.positional[0], ...s.positional.slice(1 + k)];
      return s;
    }
    case 'read':
    case 'getopts':
      for (const a of args) if (a && /^[A-Za-z_]\w*$/.test(a)) setVar(s, a, undefined);
      return s;
    case 'unset':
      for (const a of args) if (a && !a.startsWith('-')) s.vars.delete(a);
      return s;
  }
  const body = ctx.funcs.get(prog);
  if (body) return callFunction(body, [prog, ...args], s, ctx);
  effects(name, prog, args, n, s, ctx);
  return s;
}

/** What a command does to the state: files it creates or removes, units it enables or starts. */
function effects(name: string, prog: string, args: (string | undefined)[], n: SNode, s: St, ctx: Ctx): void {
  for (const c of createdBy(name, args)) {
    if (c.dir) addPrefix(s, c.path, n);
    else addFact(s, c.path, 'created', n);
  }
  if (name === 'rm' || name === 'unlink') {
    for (const a of args) {
      if (!a || a.startsWith('-')) continue;
      const p = normalize(a);
      s.facts.delete(p);
      for (const k of [...s.facts.keys()]) if (k.startsWith(p + '/')) s.facts.delete(k);
    }
  }
  const st = unitAction(name, prog, args, ctx);
  if (!st) return;
  for (const u of st.enable) s.enabled.add(u);
  for (const u of st.disable) s.enabled.delete(u);
  for (const u of st.stop) s.active.delete(u);
  if (!st.start.length) return;
  const units: string[] = [];
  const skipped: { unit: string; why: string }[] = [];
  for (const u of st.start) {
    if (st.requireEnabled && !s.enabled.has(u)) skipped.push({ unit: u, why: `${name} starts only enabled units, and nothing enabled ${u} on this path` });
    else if (st.onlyIfActive && !s.active.has(u)) skipped.push({ unit: u, why: `${st.action} acts only on a running unit` });
    else units.push(u);
  }
  for (const u of units) s.active.add(u);
  ctx.starts.push({
    units,
    skipped,
    action: st.action,
    text: firstLine(n.text),
    line: n.startPosition.row + 1,
    column: n.startPosition.column + 1,
    facts: new Map(s.facts),
    prefixes: new Map(s.prefixes),
  });
}

// ---------------------------------------------------------------------------------------------
// Files created

interface Created {
  path: string;
  /** A folder whose content is created as a whole. */
  dir?: boolean;
}

function positionals(args: (string | undefined)[], withValue: Set<string>): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      out.push(...args.slice(i + 1));
      break;
    }
    if (a !== undefined && a.startsWith('-') && a.length > 1) {
      if (withValue.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

function abs(p: string | undefined): p is string {
  return !!p && p.startsWith('/') && !p.startsWith('/dev/') && !/[*?[]/.test(p);
}

function basename(p: string): string {
  return p.replace(/\/+$/, '').slice(p.replace(/\/+$/, '').lastIndexOf('/') + 1);
}

/** The destination of cp/mv/install/ln: a file, or a folder receiving each source under its own name. */
function copyDest(srcs: (string | undefined)[], dest: string | undefined, intoDir: boolean, recursive: boolean): Created[] {
  if (!abs(dest)) return [];
  const out: Created[] = [];
  const dirLike = intoDir || dest.endsWith('/') || srcs.length > 1;
  if (!dirLike) out.push({ path: dest, dir: recursive });
  const maybeDir = dirLike || !/\.[A-Za-z0-9]+$/.test(basename(dest));
  if (maybeDir) {
    for (const src of srcs) if (src) out.push({ path: `${dest.replace(/\/+$/, '')}/${basename(src)}`, dir: recursive });
    if (srcs.some((x) => x === undefined || /[*?[]/.test(x))) out.push({ path: dest, dir: true });
  }
  return out;
}

const OUT_OPTIONS = new Set(['-out', '-keyout', '--out', '--keyout', '--outfile', '-outfile', '--cert-file', '--key-file', '-cert-file', '-key-file', '-certout', '--output']);

/** Files (and folders) a command creates, as far as its arguments say. */
export function createdBy(name: string, args: (string | undefined)[]): Created[] {
  const out: Created[] = [];
  const flag = (...fs: string[]) => args.some((a) => a !== undefined && (fs.includes(a) || (/^-[A-Za-z]+$/.test(a) && fs.some((f) => f.length === 2 && a.includes(f[1])))));
  switch (name) {
    case 'touch':
      for (const a of positionals(args, new Set(['-d', '-r', '-t', '--date', '--reference']))) if (abs(a)) out.push({ path: a });
      return out;
    case 'tee':
      for (const a of positionals(args, new Set())) if (abs(a)) out.push({ path: a });
      return out;
    case 'cp':
    case 'mv':
    case 'rsync': {
      const t = args.findIndex((a) => a === '-t' || a === '--target-directory');
      const tEq = args.find((a) => a?.startsWith('--target-directory='));
      const recursive = name !== 'mv' && flag('-r', '-R', '-a', '--recursive', '--archive');
      const pos = positionals(args, new Set(['-t', '--target-directory', '-S', '--suffix', '-e', '--rsh']));
      if (t >= 0 || tEq) {
        const dir = tEq ? tEq.slice(tEq.indexOf('=') + 1) : args[t + 1];
        return copyDest(pos.filter((p) => p !== dir), dir, true, recursive || name === 'mv');
      }
      if (pos.length < 2) return out;
      return copyDest(pos.slice(0, -1), pos[pos.length - 1], false, recursive || (name === 'mv' && !/\.[A-Za-z0-9]+$/.test(basename(pos[0] ?? ''))));
    }
    case 'install': {
      if (flag('-d', '--directory')) return out;
      const withValue = new Set(['-m', '--mode', '-o', '--owner', '-g', '--group', '-t', '--target-directory', '-S', '--suffix']);
      const t = args.findIndex((a) => a === '-t' || a === '--target-directory');
      const pos = positionals(args, withValue);
      if (t >= 0) return copyDest(pos, args[t + 1], true, false);
      if (pos.length < 2) return out;
      return copyDest(pos.slice(0, -1), pos[pos.length - 1], false, false);
    }
    case 'ln': {
      const pos = positionals(args, new Set(['-t', '--target-directory', '-S', '--suffix']));
      const t = args.findIndex((a) => a === '-t' || a === '--target-directory');
      if (t >= 0) return copyDest(pos.filter((p) => p !== args[t + 1]), args[t + 1], true, false);
      if (pos.length < 2) return out;
      return copyDest(pos.slice(0, -1), pos[pos.length - 1], false, false);
    }
    case 'ucf': {
      const pos = positionals(args, new Set(['--three-way', '--src-dir', '--sum-file']));
      const dest = pos[pos.length - 1];
      if (pos.length >= 2 && abs(dest)) out.push({ path: dest });
      return out;
    }
    case 'make-ssl-cert': {
      const pos = positionals(args, new Set());
      if (pos[0] === 'generate-default-snakeoil') {
        out.push({ path: '/etc/ssl/certs/ssl-cert-snakeoil.pem' }, { path: '/etc/ssl/private/ssl-cert-snakeoil.key' });
      } else if (pos.length >= 2 && abs(pos[1])) out.push({ path: pos[1] });
      return out;
    }
    case 'ssh-keygen': {
      const f = args.indexOf('-f');
      if (f >= 0 && abs(args[f + 1])) out.push({ path: args[f + 1]! }, { path: `${args[f + 1]}.pub` });
      if (args.includes('-A')) out.push({ path: '/etc/ssh', dir: true });
      return out;
    }
    case 'certbot':
    case 'letsencrypt': {
      const verb = positionals(args, new Set(['-d', '--domains', '--domain', '--cert-name', '-m', '--email', '-w', '--webroot-path', '-a', '--authenticator', '-i', '--installer', '--config-dir', '--work-dir', '--logs-dir', '--preferred-challenges', '--key-type', '--rsa-key-size', '--server', '--deploy-hook', '--pre-hook', '--post-hook']))[0];
      if (verb && !['certonly', 'run', 'renew'].includes(verb)) return out;
      const cfg = args.indexOf('--config-dir');
      const root = cfg >= 0 && abs(args[cfg + 1]) ? args[cfg + 1]! : '/etc/letsencrypt';
      const cn = args.indexOf('--cert-name');
      const d = args.findIndex((a) => a === '-d' || a === '--domains' || a === '--domain');
      const first = cn >= 0 ? args[cn + 1] : d >= 0 ? args[d + 1]?.split(',')[0] : undefined;
      out.push({ path: first ? `${root}/live/${first}` : `${root}/live`, dir: true });
      return out;
    }
    case 'step': {
      const pos = positionals(args, new Set(['--profile', '--kty', '--crv', '--size', '--not-after', '--not-before', '--ca', '--ca-key', '--san', '--password-file']));
      if (pos[0] === 'certificate' && pos[1] === 'create') for (const p of pos.slice(3, 5)) if (abs(p)) out.push({ path: p });
      return out;
    }
    case 'tar': {
      const c = args.findIndex((a) => a === '-C' || a === '--directory');
      const x = args.some((a) => a !== undefined && (a === '-x' || a === '--extract' || /^-?[a-zA-Z]*x[a-zA-Z]*$/.test(a)));
      if (x && c >= 0 && abs(args[c + 1])) out.push({ path: args[c + 1]!, dir: true });
      return out;
    }
    case 'unzip': {
      const d = args.indexOf('-d');
      if (d >= 0 && abs(args[d + 1])) out.push({ path: args[d + 1]!, dir: true });
      return out;
    }
    case 'dd':
      for (const a of args) if (a?.startsWith('of=') && abs(a.slice(3))) out.push({ path: a.slice(3) });
      return out;
    case 'keytool': {
      const k = args.indexOf('-keystore');
      if (k >= 0 && abs(args[k + 1])) out.push({ path: args[k + 1]! });
      return out;
    }
  }
  // openssl req -out X -keyout Y, certtool --outfile X, mkcert -cert-file X -key-file Y, …
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === undefined) continue;
    const eq = a.indexOf('=');
    if (eq > 0 && OUT_OPTIONS.has(a.slice(0, eq)) && abs(a.slice(eq + 1))) out.push({ path: a.slice(eq + 1) });
    else if (OUT_OPTIONS.has(a) && abs(args[i + 1])) out.push({ path: args[i + 1]! });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Units enabled, started, stopped

interface UnitAction {
  action: string;
  start: string[];
  enable: string[];
  disable: string[];
  stop: string[];
  requireEnabled: boolean;
  onlyIfActive: boolean;
}

const UNIT_SUFFIX = /\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;

export function unitOf(name: string): string | undefined {
  const n = name.replace(/^['"]|['"]$/g, '');
  if (!n || /[*?[\s$]/.test(n) || n.startsWith('-')) return undefined;
  return UNIT_SUFFIX.test(n) ? n : `${n}.service`;
}

const SYSTEMCTL_VALUE_OPTS = new Set(['-H', '--host', '-M', '--machine', '--root', '-p', '--property', '-t', '--type', '--state', '-o', '--output', '--job-mode', '-n', '--lines', '-s', '--signal', '--kill-whom', '--kill-value', '--what', '--timestamp', '--preset-mode', '--boot-loader-menu', '--boot-loader-entry', '--image', '--drop-in', '--when', '--check-inhibitors', '--message']);

function action(a: Partial<UnitAction> & { action: string }): UnitAction {
  return { start: [], enable: [], disable: [], stop: [], requireEnabled: false, onlyIfActive: false, ...a };
}

function unitAction(name: string, prog: string, args: (string | undefined)[], ctx: Ctx): UnitAction | undefined {
  const units = (ws: (string | undefined)[]) => ws.map((w) => (w === undefined ? undefined : unitOf(w))).filter((u): u is string => !!u);
  if (name === 'systemctl') {
    if (args.some((a) => a === '--user' || a === '--global')) return undefined;
    const pos = positionals(args, SYSTEMCTL_VALUE_OPTS);
    const verb = pos[0];
    const us = units(pos.slice(1));
    const now = args.includes('--now');
    switch (verb) {
      case 'start':
      case 'restart':
      case 'reload-or-restart':
        return action({ action: verb, start: us });
      case 'try-restart':
      case 'condrestart':
      case 'try-reload-or-restart':
      case 'reload-or-try-restart':
      case 'force-reload':
        return action({ action: verb, start: us, onlyIfActive: true });
      case 'enable':
      case 'reenable':
        return action({ action: now ? `${verb} --now` : verb, enable: us, start: now ? us : [] });
      case 'disable':
        return action({ action: verb, disable: us, stop: now ? us : [] });
      case 'stop':
      case 'kill':
        return action({ action: verb, stop: us });
    }
    return undefined;
  }
  if (name === 'deb-systemd-invoke') {
    if (args.includes('--user')) return undefined;
    const pos = positionals(args, new Set());
    const verb = pos[0];
    const us = units(pos.slice(1));
    if (verb === 'start' || verb === 'restart') return action({ action: `deb-systemd-invoke ${verb}`, start: us, requireEnabled: true });
    if (verb === 'try-restart' || verb === 'reload-or-try-restart') return action({ action: `deb-systemd-invoke ${verb}`, start: us, onlyIfActive: true });
    if (verb === 'stop') return action({ action: verb, stop: us });
    return undefined;
  }
  if (name === 'deb-systemd-helper') {
    if (args.includes('--user')) return undefined;
    const pos = positionals(args, new Set());
    const us = units(pos.slice(1));
    if (pos[0] === 'enable') return action({ action: 'enable', enable: us });
    if (pos[0] === 'disable' || pos[0] === 'purge' || pos[0] === 'mask') return action({ action: pos[0], disable: us });
    return undefined;
  }
  const initScript = /^\/etc\/(rc\.d\/)?init\.d\/[^/]+$/.test(prog);
  if (name === 'invoke-rc.d' || name === 'service' || initScript) {
    const pos = positionals(args, new Set());
    const [svc, verb] = initScript ? [name, pos[0]] : [pos[0], pos[1]];
    if (!svc || !verb) return undefined;
    const unit = unitOf(svc);
    if (!unit) return undefined;
    if (name === 'invoke-rc.d' && args.includes('--skip-systemd-native') && ctx.native.has(unit)) return undefined;
    const label = initScript ? `${prog} ${verb}` : `${name} ${verb}`;
    if (verb === 'start' || verb === 'restart') return action({ action: label, start: [unit] });
    if (verb === 'try-restart' || verb === 'force-reload' || verb === 'condrestart') return action({ action: label, start: [unit], onlyIfActive: true });
    if (verb === 'stop') return action({ action: label, stop: [unit] });
  }
  return undefined;
}
