/**
 * A small, lazy, partial evaluator of the Nix language: it resolves what can be known from the files
 * in front of it (let-bindings, `with`, `inherit`, functions, `//`, `++`, interpolation, the parts of
 * `lib`, `builtins` and `pkgs` that the NixOS modules of a fleet use) and yields an explicit unknown,
 * with its source position, for everything else (network fetches, the real nixpkgs, the environment).
 *
 * It never runs user code outside this interpreter and never touches the network: `import` reads
 * files of the tree, `builtins.readFile` reads small files of the tree, fetchers are unknown.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Location } from '../types.js';
import type { AttrName, Binding, Node, ParsedNixFile, Pos, StringPart } from '../sources/nix/ast.js';
import {
  EvalBudgetExceeded, Thunk, UNKNOWN_MARK, attrsOf, str, unknown,
  type AttrsV, type FnV, type ListV, type StrV, type TextOrigin, type Value,
} from './value.js';
import { makeLib } from './lib.js';

export interface EvalHost {
  /** The parsed file (cached by the host), or undefined when it cannot be read. */
  parse(file: string): ParsedNixFile | undefined;
  /** The source text of a parsed file. */
  text(file: string): string | undefined;
  /** Whether a path belongs to the linted tree (readFile and import stay inside it). */
  inTree(file: string): boolean;
}

/** A script the configuration writes to the store (writeShellScript, a unit's `script`, a path copied to the store). */
export interface StoreScript {
  storePath: string;
  /** The script text (for a copied source file: read on demand). */
  text?: string;
  /** A source file copied to the store. */
  sourceFile?: string;
  origin?: TextOrigin;
  at?: Location;
  /** What wrote it, for messages: "postStart of systemd.services.x", "pkgs.writeShellScript \"gate\"". */
  label?: string;
}

class Env {
  constructor(
    readonly vars: Map<string, Thunk> | null,
    readonly withAttrs: Thunk | null,
    readonly parent: Env | null,
  ) {}
}

export const STORE = '/nix/store/unitlint-';

const MAX_DEPTH = 600;
const MAX_STEPS = 20_000_000;

export class Evaluator {
  readonly lib: AttrsV;
  readonly builtins: AttrsV;
  readonly pkgs: AttrsV;
  scripts = new Map<string, StoreScript>();
  private readonly fileCache = new Map<string, Thunk>();
  private readonly root: Env;
  private depth = 0;
  private steps = 0;

  constructor(readonly host: EvalHost) {
    const { lib, builtins, globals, pkgs } = makeLib(this);
    this.lib = lib;
    this.builtins = builtins;
    this.pkgs = pkgs;
    this.root = new Env(globals, null, null);
  }

  /** The Location of a node (made once per node: nodes are evaluated again for every host and call). */
  loc(pos: Pos, file: string): Location {
    const p = pos as Pos & { loc?: Location };
    let l = p.loc;
    if (!l || l.file !== file) p.loc = l = { file, line: pos.line, column: pos.column, endLine: pos.endLine, endColumn: pos.endColumn };
    return l;
  }

  /** The value of a file, as `import` gives it (evaluated once). */
  importFile(file: string, at?: Location): Value {
    let abs = file;
    if (!this.fileCache.has(abs) && !abs.endsWith('.nix')) {
      try {
        if (fs.statSync(abs).isDirectory()) abs = path.join(abs, 'default.nix');
      } catch {
        /* not on disk: the host may still know it */
      }
    }
    let th = this.fileCache.get(abs);
    if (!th) {
      th = new Thunk(() => {
        if (!this.host.inTree(abs)) return unknown(at, `${abs} is outside the linted tree`);
        const parsed = this.host.parse(abs);
        if (!parsed || !parsed.ast) return unknown(at, `${path.basename(abs)} does not parse`);
        return this.eval(parsed.ast, this.root, abs);
      }, undefined, at);
      this.fileCache.set(abs, th);
    }
    return th.force();
  }

  /** Evaluates an expression to weak head normal form. */
  eval(node: Node, env: Env, file: string): Value {
    if (++this.steps > MAX_STEPS) throw new EvalBudgetExceeded('evaluation budget exceeded');
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      throw new EvalBudgetExceeded('evaluation too deep');
    }
    try {
      return this.evalInner(node, env, file);
    } finally {
      this.depth--;
    }
  }

  thunk(node: Node, env: Env, file: string): Thunk {
    switch (node.type) {
      case 'Int': return Thunk.of({ t: 'int', v: node.value, at: this.loc(node.pos, file) });
      case 'Float': return Thunk.of({ t: 'float', v: node.value, at: this.loc(node.pos, file) });
      case 'String':
        if (node.parts.every((p) => typeof p === 'string')) return Thunk.of(this.evalInner(node, env, file));
        break;
    }
    return new Thunk(() => this.eval(node, env, file), undefined, this.loc(node.pos, file));
  }

  private evalInner(node: Node, env: Env, file: string): Value {
    const at = this.loc(node.pos, file);
    switch (node.type) {
      case 'Int': return { t: 'int', v: node.value, at };
      case 'Float': return { t: 'float', v: node.value, at };
      case 'String': return this.evalString(node.parts, env, file, at, node.indented ? this.originOf(node.pos, file, true) : this.originOf(node.pos, file, false));
      case 'Path': return this.evalPath(node, env, file, at);
      case 'SearchPath': return unknown(at, `<${node.path}> (the search path is not read)`);
      case 'Uri': return str(node.value, at);
      case 'Var': return this.lookup(node.name, env, at);
      case 'Select': return this.evalSelect(node.expr, node.path, node.default, env, file, at);
      case 'HasAttr': {
        let v = this.eval(node.expr, env, file);
        for (let i = 0; i < node.path.length; i++) {
          if (v.t === 'unknown') return unknown(at, v.why);
          if (v.t !== 'attrs') return { t: 'bool', v: false, at };
          const k = this.attrName(node.path[i], env, file);
          if (k === undefined) return unknown(at, 'dynamic attribute name');
          const th = v.get(k);
          if (!th) return v.open ? unknown(at, 'attribute set only partly known') : { t: 'bool', v: false, at };
          if (i === node.path.length - 1) return { t: 'bool', v: true, at };
          v = th.force();
        }
        return { t: 'bool', v: true, at };
      }
      case 'AttrSet': return this.evalAttrs(node.bindings, node.rec, env, file, at);
      case 'List': return { t: 'list', items: node.items.map((n) => this.thunk(n, env, file)), at };
      case 'Lambda': return this.makeLambda(node, env, file, at);
      case 'Call': {
        const fn = this.eval(node.fn, env, file);
        return this.apply(fn, this.thunk(node.arg, env, file), at);
      }
      case 'Let': {
        const vars = new Map<string, Thunk>();
        const inner = new Env(vars, null, env);
        const set = this.buildBindings(node.bindings, inner, env, file);
        for (const [k, th] of set.map) vars.set(k, th);
        return this.eval(node.body, inner, file);
      }
      case 'With': {
        const wth = this.thunk(node.env, env, file);
        return this.eval(node.body, new Env(null, wth, env), file);
      }
      case 'If': {
        const c = this.eval(node.cond, env, file);
        if (c.t === 'bool') return this.eval(c.v ? node.then : node.else, env, file);
        return unknown(at, c.t === 'unknown' ? `condition not known: ${c.why}` : 'condition is not a Boolean');
      }
      case 'Assert': return this.eval(node.body, env, file);
      case 'Unary': {
        const v = this.eval(node.expr, env, file);
        if (v.t === 'unknown') return unknown(at, v.why);
        if (node.op === '!') return v.t === 'bool' ? { t: 'bool', v: !v.v, at } : unknown(at, '! of a non-Boolean');
        if (v.t === 'int' || v.t === 'float') return { t: v.t, v: -v.v, at };
        return unknown(at, 'negation of a non-number');
      }
      case 'Binary': return this.evalBinary(node.op, node.left, node.right, env, file, at);
    }
  }

  /** Where an (indented) string's first text line starts. */
  private originOf(pos: Pos, file: string, indented: boolean): TextOrigin | undefined {
    const text = this.host.text(file);
    if (!text) return undefined;
    const open = indented ? 2 : 1;
    let i = pos.offset + open;
    let line = pos.line;
    if (indented) {
      let j = i;
      while (j < pos.endOffset && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] === '\n') {
        line++;
        i = j + 1;
      }
      // The stripped indentation: the smallest indentation of the string's non-blank lines.
      let min = Infinity;
      let k = i;
      const end = pos.endOffset - 2;
      while (k < end) {
        let ind = 0;
        while (k < end && text[k] === ' ') {
          ind++;
          k++;
        }
        if (k < end && text[k] !== '\n') min = Math.min(min, ind);
        while (k < end && text[k] !== '\n') k++;
        k++;
      }
      return { file, line, column: (min === Infinity ? 0 : min) + 1 };
    }
    return { file, line, column: pos.column + 1 };
  }

  evalString(parts: StringPart[], env: Env, file: string, at: Location, origin?: TextOrigin): StrV {
    let s = '';
    let unk: Location | undefined;
    for (const p of parts) {
      if (typeof p === 'string') {
        s += p;
        continue;
      }
      const v = this.eval(p.expr, env, file);
      const c = this.coerceToString(v, this.loc(p.pos, file), true);
      s += c.v;
      if (c.unknown && !unk) unk = c.unknown;
    }
    const out: StrV = { t: 'string', v: s, at };
    if (unk) out.unknown = unk;
    if (origin) out.origin = origin;
    return out;
  }

  private evalPath(node: Extract<Node, { type: 'Path' }>, env: Env, file: string, at: Location): Value {
    const s = this.evalString(node.parts, env, file, at);
    if (s.unknown) return unknown(at, 'path with an unknown part');
    if (node.kind === 'home') return unknown(at, `${s.v} (the home folder is not read)`);
    if (node.kind === 'absolute') return { t: 'path', v: path.normalize(s.v), at };
    return { t: 'path', v: path.resolve(path.dirname(file), s.v), at };
  }

  attrName(a: AttrName, env: Env, file: string): string | undefined {
    if (a.kind === 'ident') return a.name;
    const v = a.kind === 'string' ? this.evalString(a.node.parts, env, file, this.loc(a.pos, file)) : this.eval(a.expr, env, file);
    if (v.t === 'string' && !v.unknown) return v.v;
    if (v.t === 'path') return v.v;
    return undefined;
  }

  private evalSelect(expr: Node, p: AttrName[], def: Node | undefined, env: Env, file: string, at: Location): Value {
    let v = this.eval(expr, env, file);
    for (const a of p) {
      if (v.t === 'unknown') return unknown(at, v.why); // even with `or`: whether the attribute exists is not known
      const k = this.attrName(a, env, file);
      if (k === undefined) return unknown(at, 'dynamic attribute name not known');
      if (v.t !== 'attrs') {
        if (def) return this.eval(def, env, file);
        return unknown(at, `selecting '${k}' from ${v.t}`);
      }
      const th = v.get(k);
      if (!th) {
        if (def) return this.eval(def, env, file);
        return unknown(at, v.open ? `attribute '${k}' not known` : `attribute '${k}' missing`);
      }
      v = th.force();
    }
    return v;
  }

  lookup(name: string, env: Env, at: Location): Value {
    for (let e: Env | null = env; e; e = e.parent) {
      const th = e.vars?.get(name);
      if (th) return th.force();
    }
    for (let e: Env | null = env; e; e = e.parent) {
      if (!e.withAttrs) continue;
      const w = e.withAttrs.force();
      if (w.t === 'attrs') {
        const th = w.get(name);
        if (th) return th.force();
        if (w.open) return unknown(at, `'${name}' from a partly known 'with'`);
      } else if (w.t === 'unknown') {
        return unknown(at, `'${name}' from an unknown 'with'`);
      }
    }
    return unknown(at, `undefined variable '${name}'`);
  }

  /**
   * Binds a set's (or let's) bindings. Dotted paths and literal sets under the same name merge, as in
   * Nix (`a.x = 1; a = { y = 2; };`); names and `inherit` look-ups use `outer` (the scope outside a
   * `rec`/`let`), values use `scope`.
   */
  buildBindings(bindings: Binding[], scope: Env, outer: Env, file: string): { map: Map<string, Thunk>; keyAt: Map<string, Location>; open?: Location } {
    const map = new Map<string, Thunk>();
    const keyAt = new Map<string, Location>();
    const nested = new Map<string, { bindings: Binding[]; at: Location; setAt?: Location }>();
    let open: Location | undefined;
    const nest = (k: string, kat: Location) => {
      let n = nested.get(k);
      if (!n) {
        nested.set(k, (n = { bindings: [], at: kat }));
        keyAt.set(k, kat);
        map.delete(k);
      }
      return n;
    };
    for (const b of bindings) {
      if (b.kind === 'inherit') {
        const from = b.from;
        for (const n of b.names) {
          const k = this.attrName(n, outer, file);
          if (k === undefined) continue;
          const at = this.loc(n.pos, file);
          keyAt.set(k, at);
          nested.delete(k);
          if (from) {
            map.set(k, new Thunk(() => {
              const src = this.eval(from, scope, file);
              if (src.t === 'attrs') return src.get(k)?.force() ?? unknown(at, src.open ? `'${k}' not known` : `attribute '${k}' missing`);
              return unknown(at, src.t === 'unknown' ? src.why : `inherit from ${src.t}`);
            }, undefined, at));
          } else {
            map.set(k, new Thunk(() => this.lookup(k, outer, at), undefined, at));
          }
        }
        continue;
      }
      const first = b.path[0];
      const k = this.attrName(first, outer, file);
      const kat = this.loc(first.pos, file);
      if (k === undefined) {
        open = this.loc(b.pos, file);
        continue;
      }
      if (b.path.length > 1) {
        nest(k, kat).bindings.push({ kind: 'attr', path: b.path.slice(1), value: b.value, pos: b.pos });
        continue;
      }
      if (b.value.type === 'AttrSet' && !b.value.rec) {
        const n = nest(k, kat);
        n.setAt = this.loc(b.value.pos, file);
        n.bindings.push(...b.value.bindings);
        continue;
      }
      nested.delete(k);
      map.set(k, this.thunk(b.value, scope, file));
      keyAt.set(k, kat);
    }
    for (const [k, n] of nested) {
      map.set(k, new Thunk(() => {
        const inner = this.buildBindings(n.bindings, scope, scope, file);
        const v = attrsOf(inner.map, n.setAt ?? n.at, inner.keyAt);
        if (inner.open) v.open = inner.open;
        return v;
      }, undefined, n.setAt ?? n.at));
    }
    return { map, keyAt, open };
  }

  private evalAttrs(bindings: Binding[], rec: boolean, env: Env, file: string, at: Location): AttrsV {
    if (rec) {
      const vars = new Map<string, Thunk>();
      const inner = new Env(vars, null, env);
      const set = this.buildBindings(bindings, inner, env, file);
      for (const [k, th] of set.map) vars.set(k, th);
      const v = attrsOf(set.map, at, set.keyAt);
      if (set.open) v.open = set.open;
      return v;
    }
    const set = this.buildBindings(bindings, env, env, file);
    const v = attrsOf(set.map, at, set.keyAt);
    if (set.open) v.open = set.open;
    return v;
  }

  private makeLambda(node: Extract<Node, { type: 'Lambda' }>, env: Env, file: string, at: Location): FnV {
    const param = node.param;
    return {
      t: 'fn',
      at,
      call: (arg: Thunk) => {
        const vars = new Map<string, Thunk>();
        const inner = new Env(vars, null, env);
        if (param.kind === 'ident') {
          vars.set(param.name, arg);
        } else {
          if (param.bind) vars.set(param.bind, arg);
          for (const f of param.formals) {
            const fat = this.loc(f.pos, file);
            vars.set(f.name, new Thunk(() => {
              const a = arg.force();
              if (a.t === 'attrs') {
                const th = a.get(f.name);
                if (th) return th.force();
              }
              if (f.default) return this.eval(f.default, inner, file);
              if (a.t === 'unknown') return unknown(fat, a.why);
              return unknown(fat, `argument '${f.name}' not given`);
            }, undefined, fat));
          }
        }
        return this.eval(node.body, inner, file);
      },
    };
  }

  apply(fn: Value, arg: Thunk, at: Location): Value {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      throw new EvalBudgetExceeded('evaluation too deep');
    }
    try {
      return this.applyInner(fn, arg, at);
    } finally {
      this.depth--;
    }
  }

  private applyInner(fn: Value, arg: Thunk, at: Location): Value {
    if (fn.t === 'fn') return fn.call(arg, at);
    if (fn.t === 'attrs') {
      if (fn.pkg !== undefined) return fn; // pkgs.x.override { … }-style calls keep the package
      const f = fn.get('__functor');
      if (f) {
        const g = this.apply(f.force(), Thunk.of(fn), at);
        return this.apply(g, arg, at);
      }
    }
    if (fn.t === 'unknown') return unknown(at, fn.why);
    return unknown(at, `calling ${fn.t}`);
  }

  private evalBinary(op: string, l: Node, r: Node, env: Env, file: string, at: Location): Value {
    switch (op) {
      case '&&': {
        const a = this.eval(l, env, file);
        if (a.t === 'bool' && !a.v) return { t: 'bool', v: false, at };
        const b = this.eval(r, env, file);
        if (b.t === 'bool' && !b.v) return { t: 'bool', v: false, at };
        if (a.t === 'bool' && b.t === 'bool') return { t: 'bool', v: true, at };
        return unknown(at, 'condition not known');
      }
      case '||': {
        const a = this.eval(l, env, file);
        if (a.t === 'bool' && a.v) return { t: 'bool', v: true, at };
        const b = this.eval(r, env, file);
        if (b.t === 'bool' && b.v) return { t: 'bool', v: true, at };
        if (a.t === 'bool' && b.t === 'bool') return { t: 'bool', v: false, at };
        return unknown(at, 'condition not known');
      }
      case '->': {
        const a = this.eval(l, env, file);
        if (a.t === 'bool' && !a.v) return { t: 'bool', v: true, at };
        const b = this.eval(r, env, file);
        if (a.t === 'bool' && b.t === 'bool') return { t: 'bool', v: b.v, at };
        return unknown(at, 'condition not known');
      }
    }
    const a = this.eval(l, env, file);
    if (op === '//') return this.update(a, this.eval(r, env, file), at);
    if (op === '++') return this.concatLists(a, this.eval(r, env, file), at);
    const b = this.eval(r, env, file);
    return this.binaryValues(op, a, b, at);
  }

  update(a: Value, b: Value, at: Location): Value {
    if (a.t === 'attrs' && b.t === 'attrs') {
      let keys: string[] | undefined;
      const out: AttrsV = {
        t: 'attrs',
        at,
        get: (k) => b.get(k) ?? a.get(k),
        keys: () => (keys ??= [...new Set([...a.keys(), ...b.keys()])].sort()),
        keyAt: (k) => (b.get(k) ? b.keyAt?.(k) : a.keyAt?.(k)),
      };
      if (a.open || b.open) out.open = b.open ?? a.open;
      return out;
    }
    // An unknown side: keep what is known, marked as partly known.
    if (a.t === 'attrs' && b.t === 'unknown') return { ...a, at, open: b.at };
    if (a.t === 'unknown' && b.t === 'attrs') return { ...b, at, open: a.at };
    if (a.t === 'unknown') return a;
    if (b.t === 'unknown') return b;
    return unknown(at, '// of non-sets');
  }

  concatLists(a: Value, b: Value, at: Location): Value {
    if (a.t === 'list' && b.t === 'list') {
      const out: ListV = { t: 'list', items: [...a.items, ...b.items], at };
      if (a.open || b.open) out.open = a.open ?? b.open;
      return out;
    }
    if (a.t === 'list' && b.t === 'unknown') return { t: 'list', items: a.items, at, open: b.at };
    if (a.t === 'unknown' && b.t === 'list') return { t: 'list', items: b.items, at, open: a.at };
    if (a.t === 'unknown') return a;
    if (b.t === 'unknown') return b;
    return unknown(at, '++ of non-lists');
  }

  binaryValues(op: string, a: Value, b: Value, at: Location): Value {
    if (op === '==' || op === '!=') {
      const eq = this.equal(a, b, 0);
      if (eq === undefined) return unknown(at, 'comparison with an unknown value');
      return { t: 'bool', v: op === '==' ? eq : !eq, at };
    }
    if (a.t === 'unknown') return unknown(at, a.why);
    if (b.t === 'unknown') return unknown(at, b.why);
    const num = (v: Value) => v.t === 'int' || v.t === 'float';
    if (num(a) && num(b)) {
      const x = (a as { v: number }).v;
      const y = (b as { v: number }).v;
      const isInt = a.t === 'int' && b.t === 'int';
      const t = isInt ? 'int' : 'float';
      switch (op) {
        case '+': return { t, v: x + y, at };
        case '-': return { t, v: x - y, at };
        case '*': return { t, v: x * y, at };
        case '/': return y === 0 ? unknown(at, 'division by zero') : { t, v: isInt ? Math.trunc(x / y) : x / y, at };
        case '<': return { t: 'bool', v: x < y, at };
        case '<=': return { t: 'bool', v: x <= y, at };
        case '>': return { t: 'bool', v: x > y, at };
        case '>=': return { t: 'bool', v: x >= y, at };
      }
    }
    if (op === '+') {
      if (a.t === 'path') {
        const s = this.coerceToString(b, at, false);
        if (s.unknown) return unknown(at, 'path with an unknown part');
        return { t: 'path', v: path.normalize(a.v + s.v), at };
      }
      if (a.t === 'string' || (a.t === 'attrs' && b.t === 'string')) {
        const x = this.coerceToString(a, at, true);
        const y = this.coerceToString(b, at, true);
        const out: StrV = { t: 'string', v: x.v + y.v, at };
        if (x.unknown || y.unknown) out.unknown = x.unknown ?? y.unknown;
        if (a.t === 'string' && a.origin) out.origin = a.origin;
        return out;
      }
    }
    if ((a.t === 'string' && b.t === 'string') || (a.t === 'path' && b.t === 'path')) {
      if ((a.t === 'string' && a.unknown) || (b.t === 'string' && b.unknown)) return unknown(at, 'comparison of partly known strings');
      const x = a.v as string;
      const y = b.v as string;
      switch (op) {
        case '<': return { t: 'bool', v: x < y, at };
        case '<=': return { t: 'bool', v: x <= y, at };
        case '>': return { t: 'bool', v: x > y, at };
        case '>=': return { t: 'bool', v: x >= y, at };
      }
    }
    return unknown(at, `${op} on ${a.t} and ${b.t}`);
  }

  /** Deep equality; undefined when unknown. */
  equal(a: Value, b: Value, depth: number): boolean | undefined {
    if (depth > 20) return undefined;
    if (a.t === 'unknown' || b.t === 'unknown') return undefined;
    if ((a.t === 'int' || a.t === 'float') && (b.t === 'int' || b.t === 'float')) return a.v === b.v;
    if (a.t !== b.t) {
      if (a.t === 'attrs' && a.pkg !== undefined) return undefined;
      if (b.t === 'attrs' && b.pkg !== undefined) return undefined;
      return false;
    }
    switch (a.t) {
      case 'null': return true;
      case 'bool': return a.v === (b as typeof a).v;
      case 'string': {
        const bs = b as StrV;
        if (a.unknown || bs.unknown) return undefined;
        return a.v === bs.v;
      }
      case 'path': return a.v === (b as typeof a).v;
      case 'list': {
        const bl = b as ListV;
        if (a.open || bl.open) return undefined;
        if (a.items.length !== bl.items.length) return false;
        let unk = false;
        for (let i = 0; i < a.items.length; i++) {
          const e = this.equal(a.items[i].force(), bl.items[i].force(), depth + 1);
          if (e === false) return false;
          if (e === undefined) unk = true;
        }
        return unk ? undefined : true;
      }
      case 'attrs': {
        const ba = b as AttrsV;
        if (a.pkg !== undefined || ba.pkg !== undefined) return a.pkg === ba.pkg ? true : undefined;
        if (a.open || ba.open) return undefined;
        const ka = a.keys();
        const kb = ba.keys();
        if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
        let unk = false;
        for (const k of ka) {
          const e = this.equal(a.get(k)!.force(), ba.get(k)!.force(), depth + 1);
          if (e === false) return false;
          if (e === undefined) unk = true;
        }
        return unk ? undefined : true;
      }
      case 'fn': return undefined;
    }
    return undefined;
  }

  /**
   * String coercion: `interp` for "${…}" (paths are copied to the store, packages give their
   * outPath), otherwise toString semantics (lists joined by spaces, booleans "1"/"", null "").
   */
  coerceToString(v: Value, at: Location, interp: boolean, depth = 0): { v: string; unknown?: Location } {
    switch (v.t) {
      case 'string': return v.unknown ? { v: v.v, unknown: v.unknown } : { v: v.v };
      case 'path': {
        if (!interp) return { v: v.v };
        const sp = STORE + path.basename(v.v);
        if (!this.scripts.has(sp)) this.scripts.set(sp, { storePath: sp, sourceFile: v.v, at: v.at });
        return { v: sp };
      }
      case 'int': return { v: String(v.v) };
      case 'float': return { v: v.v.toFixed(6) };
      case 'bool': return interp ? { v: UNKNOWN_MARK, unknown: at } : { v: v.v ? '1' : '' };
      case 'null': return { v: '' };
      case 'list': {
        if (interp || depth > 10) return { v: UNKNOWN_MARK, unknown: at };
        const parts = v.items.map((i) => this.coerceToString(i.force(), at, false, depth + 1));
        const unk = parts.find((p) => p.unknown)?.unknown ?? v.open;
        return unk ? { v: parts.map((p) => p.v).join(' '), unknown: unk } : { v: parts.map((p) => p.v).join(' ') };
      }
      case 'attrs': {
        if (v.pkg !== undefined) return { v: STORE + v.pkg.split('.').pop() };
        const ts = v.get('__toString');
        if (ts) {
          const r = this.apply(this.apply(ts.force(), Thunk.of(v), at), Thunk.of(v), at);
          return this.coerceToString(r, at, interp, depth + 1);
        }
        const op = v.get('outPath');
        if (op) return this.coerceToString(op.force(), at, interp, depth + 1);
        return { v: UNKNOWN_MARK, unknown: v.at ?? at };
      }
      case 'fn': return { v: UNKNOWN_MARK, unknown: at };
      case 'unknown': return { v: UNKNOWN_MARK, unknown: v.at.file ? v.at : at };
    }
  }

  /** Forces a value completely (lists and sets), within limits; used by toJSON and equality. */
  deepForce(v: Value, depth = 0): Value {
    if (depth > 30) return v;
    if (v.t === 'list') for (const i of v.items) this.deepForce(i.force(), depth + 1);
    else if (v.t === 'attrs' && v.pkg === undefined) for (const k of v.keys()) this.deepForce(v.get(k)!.force(), depth + 1);
    return v;
  }

  /** Reads a small text file of the tree (builtins.readFile). */
  readTreeFile(file: string, at: Location): Value {
    if (!this.host.inTree(file)) return unknown(at, `${file} is outside the linted tree`);
    try {
      const st = fs.statSync(file);
      if (!st.isFile() || st.size > 1024 * 1024) return unknown(at, `${path.basename(file)} not read`);
      const s: StrV = { t: 'string', v: fs.readFileSync(file, 'utf8'), at, origin: { file, line: 1, column: 1 } };
      return s;
    } catch {
      return unknown(at, `cannot read ${file}`);
    }
  }

  /** Registers a script written to the store; returns its store path. */
  writeScript(name: string, text: StrV, at: Location, bin?: string, label?: string): string {
    const base = STORE + name;
    const sp = bin ? `${base}/bin/${bin}` : base;
    this.scripts.set(sp, { storePath: sp, text: text.v, origin: text.origin, at, label });
    return sp;
  }

  resetBudget(): void {
    this.steps = 0;
  }

  rootEnv(): Env {
    return this.root;
  }

  /** Evaluates a node in the root environment with extra variables (for module arguments). */
  static envWith(parent: Env, vars: Map<string, Thunk>): Env {
    return new Env(vars, null, parent);
  }
}

export type { Env };
