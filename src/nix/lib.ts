/**
 * The parts of `builtins`, nixpkgs' `lib` and `pkgs` that the static evaluator knows. Module-system
 * markers (mkIf, mkMerge, mkOverride, mkOrder, options, option types) are built exactly as nixpkgs'
 * lib builds them (sets with `_type`), so code that inspects them behaves as in Nix. Anything not
 * here is an unknown value, never an error.
 */
import path from 'node:path';
import type { Location } from '../types.js';
import {
  NOWHERE, Thunk, UNKNOWN_MARK, attrsOf, markerType, str, unknown,
  type AttrsV, type FnV, type ListV, type StrV, type Value,
} from './value.js';
import type { Evaluator } from './eval.js';

function fn(name: string, arity: number, impl: (args: Thunk[], at: Location) => Value): FnV {
  const make = (args: Thunk[]): FnV => ({
    t: 'fn',
    name,
    call: (arg, at) => {
      const next = [...args, arg];
      return next.length >= arity ? impl(next, at) : make(next);
    },
  });
  return make([]);
}

function lazyAttrs(entries: Record<string, () => Value>, at?: Location): AttrsV {
  const m = new Map<string, Thunk>();
  for (const [k, f] of Object.entries(entries)) m.set(k, new Thunk(f));
  return attrsOf(m, at);
}

export function makeLib(ev: Evaluator): { lib: AttrsV; builtins: AttrsV; globals: Map<string, Thunk>; pkgs: AttrsV } {
  const T = (v: Value) => Thunk.of(v);
  const bool = (v: boolean, at?: Location): Value => ({ t: 'bool', v, at });
  const int = (v: number, at?: Location): Value => ({ t: 'int', v, at });
  const list = (items: Thunk[], at?: Location, open?: Location): ListV => (open ? { t: 'list', items, at, open } : { t: 'list', items, at });
  const set = (o: Record<string, Value>, at?: Location): AttrsV => {
    const m = new Map<string, Thunk>();
    for (const [k, v] of Object.entries(o)) m.set(k, T(v));
    return attrsOf(m, at);
  };

  const asStr = (v: Value): StrV | undefined => {
    if (v.t === 'string') return v;
    if (v.t === 'path') return str(v.v, v.at);
    return undefined;
  };
  const toStr = (v: Value, at: Location): StrV => {
    const c = ev.coerceToString(v, at, false);
    const s: StrV = { t: 'string', v: c.v, at: v.at ?? at };
    if (c.unknown) s.unknown = c.unknown;
    if (v.t === 'string' && v.origin) s.origin = v.origin;
    return s;
  };
  const concatStr = (parts: StrV[], sep: string, at: Location): StrV => {
    const s: StrV = { t: 'string', v: parts.map((p) => p.v).join(sep), at };
    const u = parts.find((p) => p.unknown);
    if (u) s.unknown = u.unknown;
    if (parts.length === 1 && parts[0].origin) s.origin = parts[0].origin;
    return s;
  };
  const map1 = (f: Value, x: Thunk, at: Location): Thunk => new Thunk(() => ev.apply(f, x, at), undefined, x.at);
  const map2 = (f: Value, x: Thunk, y: Thunk, at: Location): Thunk => new Thunk(() => ev.apply(ev.apply(f, x, at), y, at), undefined, y.at);

  /** An unknown condition counts as true for lib.optional* (as mkIf: lint the module as if enabled). */
  const condActive = (c: Value): boolean => (c.t === 'bool' ? c.v : true);

  const listFn = (name: string, impl: (l: ListV, args: Thunk[], at: Location) => Value, arity = 1, listArg = arity - 1) =>
    fn(name, arity, (args, at) => {
      const l = args[listArg].force();
      if (l.t !== 'list') return l.t === 'unknown' ? unknown(at, l.why) : unknown(at, `${name}: expected a list`);
      return impl(l, args, at);
    });
  const attrsFn = (name: string, impl: (a: AttrsV, args: Thunk[], at: Location) => Value, arity = 1, attrsArg = arity - 1) =>
    fn(name, arity, (args, at) => {
      const a = args[attrsArg].force();
      if (a.t !== 'attrs') return a.t === 'unknown' ? unknown(at, a.why) : unknown(at, `${name}: expected a set`);
      return impl(a, args, at);
    });
  const strFn = (name: string, impl: (s: StrV, args: Thunk[], at: Location) => Value, arity = 1, strArg = arity - 1) =>
    fn(name, arity, (args, at) => {
      const v = args[strArg].force();
      if (v.t === 'unknown') return unknown(at, v.why);
      const s = v.t === 'string' ? v : toStr(v, at);
      return impl(s, args, at);
    });
  const pureStr = (name: string, f: (s: string) => string) =>
    strFn(name, (s, _a, at) => {
      const out: StrV = { t: 'string', v: f(s.v), at };
      if (s.unknown) out.unknown = s.unknown;
      return out;
    });

  // ---- module-system markers, as lib/modules.nix builds them ----
  const marker = (type: string, o: Record<string, Thunk>, at: Location): AttrsV => {
    const m = new Map<string, Thunk>([['_type', T(str(type))], ...Object.entries(o)]);
    return attrsOf(m, at);
  };
  const mkOverride = (prio: number) => fn('mkOverride', 1, ([c], at) => marker('override', { priority: T(int(prio)), content: c }, at));
  const mkOrder = (prio: number) => fn('mkOrder', 1, ([c], at) => marker('order', { priority: T(int(prio)), content: c }, at));
  const optionType = (name: string, extra: Record<string, Thunk> = {}, at?: Location): AttrsV =>
    marker('option-type', { name: T(str(name)), ...extra }, at ?? NOWHERE);
  const typeFn = (name: string, arity = 1) =>
    fn(name, arity, (args, at) => optionType(name, { elemType: args[args.length - 1], args: T(list(args)) }, at));

  const types = new Map<string, Thunk>();
  for (const n of ['str', 'nonEmptyStr', 'singleLineStr', 'string', 'bool', 'int', 'ints', 'float', 'number', 'port', 'path', 'package',
    'attrs', 'anything', 'raw', 'unspecified', 'envVar', 'shellPackage', 'pathInStore', 'externalPath', 'luaInline', 'deferredModule',
    'positiveInt', 'unsignedInt', 'nonEmptyListOf', 'numbers', 'strMatching', 'passwdEntry', 'optionType']) {
    types.set(n, T(optionType(n)));
  }
  types.set('lines', T(optionType('separatedString', { separator: T(str('\n')) })));
  types.set('commas', T(optionType('separatedString', { separator: T(str(',')) })));
  types.set('envVar', T(optionType('separatedString', { separator: T(str(':')) })));
  types.set('separatedString', T(fn('separatedString', 1, ([sep], at) => optionType('separatedString', { separator: sep }, at))));
  for (const n of ['listOf', 'attrsOf', 'lazyAttrsOf', 'nullOr', 'uniq', 'unique', 'submodule', 'submoduleWith', 'functionTo', 'enum', 'strMatching', 'nonEmptyListOf', 'addCheck', 'coercedTo', 'either', 'oneOf', 'attrTag']) {
    const arity = n === 'either' || n === 'addCheck' ? 2 : n === 'coercedTo' ? 3 : 1;
    types.set(n, T(typeFn(n, arity)));
  }
  types.set('ints', T(set({ positive: optionType('int'), unsigned: optionType('int'), u8: optionType('int'), u16: optionType('int'), u32: optionType('int'), s32: optionType('int'), between: fn('between', 2, (_a, at) => optionType('int', {}, at)) })));
  const typesSet = attrsOf(types);
  typesSet.open = NOWHERE;

  const mkOption = fn('mkOption', 1, ([a], at) => {
    const v = a.force();
    if (v.t !== 'attrs') return marker('option', {}, at);
    const m = new Map<string, Thunk>();
    for (const k of v.keys()) m.set(k, v.get(k)!);
    m.set('_type', T(str('option')));
    return attrsOf(m, at);
  });

  const getExe = (p: Value, at: Location, prog?: string): Value => {
    if (p.t === 'attrs' && p.pkg !== undefined) {
      const name = p.pkg.split('.').pop()!;
      return str(`/nix/store/unitlint-${name}/bin/${prog ?? name}`, at);
    }
    if (p.t === 'unknown') return unknown(at, p.why);
    const s = ev.coerceToString(p, at, true);
    if (s.unknown) return { t: 'string', v: `${s.v}/bin/${prog ?? UNKNOWN_MARK}`, at, unknown: s.unknown };
    return str(`${s.v}/bin/${prog ?? path.basename(s.v).replace(/^unitlint-/, '')}`, at);
  };

  const shellEscape = (s: string) => (/^[A-Za-z0-9,._+:@%/=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const escapeShellArg = (v: Value, at: Location): StrV => {
    const s = toStr(v, at);
    const out: StrV = { t: 'string', v: shellEscape(s.v), at };
    if (s.unknown) out.unknown = s.unknown;
    return out;
  };

  const toJSON = (v: Value, at: Location, depth = 0): { s: string; unknown?: Location } => {
    if (depth > 40) return { s: UNKNOWN_MARK, unknown: at };
    switch (v.t) {
      case 'null': return { s: 'null' };
      case 'bool': return { s: String(v.v) };
      case 'int': case 'float': return { s: String(v.v) };
      case 'string': return v.unknown ? { s: JSON.stringify(v.v), unknown: v.unknown } : { s: JSON.stringify(v.v) };
      case 'path': return { s: JSON.stringify(ev.coerceToString(v, at, true).v) };
      case 'list': {
        const parts = v.items.map((i) => toJSON(i.force(), at, depth + 1));
        const u = parts.find((p) => p.unknown)?.unknown ?? v.open;
        return { s: `[${parts.map((p) => p.s).join(',')}]`, unknown: u };
      }
      case 'attrs': {
        if (v.pkg !== undefined) return { s: JSON.stringify(ev.coerceToString(v, at, true).v) };
        const op = v.get('outPath');
        if (op) return toJSON(op.force(), at, depth + 1);
        const parts = v.keys().map((k) => ({ k, j: toJSON(v.get(k)!.force(), at, depth + 1) }));
        const u = parts.find((p) => p.j.unknown)?.j.unknown ?? v.open;
        return { s: `{${parts.map((p) => `${JSON.stringify(p.k)}:${p.j.s}`).join(',')}}`, unknown: u };
      }
      default: return { s: UNKNOWN_MARK, unknown: v.t === 'unknown' ? v.at : at };
    }
  };
  const fromJSONValue = (x: unknown, at: Location): Value => {
    if (x === null) return { t: 'null', at };
    if (typeof x === 'boolean') return bool(x, at);
    if (typeof x === 'number') return Number.isInteger(x) ? int(x, at) : { t: 'float', v: x, at };
    if (typeof x === 'string') return str(x, at);
    if (Array.isArray(x)) return list(x.map((e) => T(fromJSONValue(e, at))), at);
    const m = new Map<string, Thunk>();
    for (const [k, e] of Object.entries(x as Record<string, unknown>)) m.set(k, T(fromJSONValue(e, at)));
    return attrsOf(m, at);
  };

  const attrNamesOf = (a: AttrsV) => a.keys();
  const listToAttrs = (l: ListV, at: Location): Value => {
    const m = new Map<string, Thunk>();
    const keyAt = new Map<string, Location>();
    let open = l.open;
    for (const it of l.items) {
      const e = it.force();
      if (e.t !== 'attrs') {
        open = at;
        continue;
      }
      const n = e.get('name')?.force();
      const val = e.get('value');
      if (!n || n.t !== 'string' || n.unknown || !val) {
        open = at;
        continue;
      }
      if (!m.has(n.v)) {
        m.set(n.v, val);
        keyAt.set(n.v, n.at ?? e.at ?? at);
      }
    }
    const out = attrsOf(m, at, keyAt);
    if (open) out.open = open;
    return out;
  };
  const mapAttrs = (f: Value, a: AttrsV, at: Location): AttrsV => {
    const out: AttrsV = {
      t: 'attrs',
      at,
      get: (k) => {
        const v = a.get(k);
        return v ? map2(f, T(str(k, a.keyAt?.(k))), v, at) : undefined;
      },
      keys: () => a.keys(),
      keyAt: a.keyAt,
    };
    if (a.open) out.open = a.open;
    return out;
  };
  const filterAttrs = (f: Value, a: AttrsV, at: Location): AttrsV => {
    const m = new Map<string, Thunk>();
    let open = a.open;
    for (const k of a.keys()) {
      const c = ev.apply(ev.apply(f, T(str(k)), at), a.get(k)!, at);
      // An unknown condition: the entry may or may not be there. Leaving it out (and marking the set
      // partly known) never invents a unit the configuration does not have.
      if (c.t === 'bool') {
        if (c.v) m.set(k, a.get(k)!);
      } else open = open ?? at;
    }
    const out = attrsOf(m, at, a.keyAt ? new Map(a.keys().map((k) => [k, a.keyAt!(k)!])) : undefined);
    if (open) out.open = open;
    return out;
  };
  const recursiveUpdate = (x: Value, y: Value, at: Location, depth = 0): Value => {
    if (x.t !== 'attrs' || y.t !== 'attrs' || x.pkg !== undefined || y.pkg !== undefined || depth > 30) return ev.update(x, y, at);
    const keys = [...new Set([...x.keys(), ...y.keys()])].sort();
    const m = new Map<string, Thunk>();
    for (const k of keys) {
      const a = x.get(k);
      const b = y.get(k);
      if (a && b) m.set(k, new Thunk(() => {
        const av = a.force();
        const bv = b.force();
        return av.t === 'attrs' && bv.t === 'attrs' && markerType(av) === undefined && markerType(bv) === undefined ? recursiveUpdate(av, bv, at, depth + 1) : bv;
      }));
      else m.set(k, (b ?? a)!);
    }
    const out = attrsOf(m, at);
    if (x.open || y.open) out.open = y.open ?? x.open;
    return out;
  };
  const elemOf = (x: Value, l: ListV): Value => {
    let unk = !!l.open;
    for (const it of l.items) {
      const e = ev.equal(x, it.force(), 0);
      if (e === true) return bool(true);
      if (e === undefined) unk = true;
    }
    return unk ? unknown(l.at, 'membership in a partly known list') : bool(false);
  };
  const splitString = (sep: string, s: StrV, at: Location): Value => {
    if (s.unknown) return unknown(at, 'splitting a partly known string');
    return list(s.v.split(sep).map((p) => T(str(p, at))), at);
  };

  const pathFns = {
    baseNameOf: fn('baseNameOf', 1, ([a], at) => {
      const v = a.force();
      if (v.t === 'path') return str(path.basename(v.v), at);
      const s = asStr(v);
      if (!s || s.unknown) return unknown(at, 'baseNameOf an unknown value');
      return str(path.posix.basename(s.v), at);
    }),
    dirOf: fn('dirOf', 1, ([a], at) => {
      const v = a.force();
      if (v.t === 'path') return { t: 'path', v: path.dirname(v.v), at };
      const s = asStr(v);
      if (!s || s.unknown) return unknown(at, 'dirOf an unknown value');
      return str(path.posix.dirname(s.v), at);
    }),
  };

  const importFn = fn('import', 1, ([a], at) => {
    const v = a.force();
    if (v.t === 'path') return ev.importFile(v.v, at);
    if (v.t === 'string' && !v.unknown && v.v.startsWith('/') && !v.v.startsWith('/nix/store/')) return ev.importFile(v.v, at);
    return unknown(at, v.t === 'unknown' ? v.why : 'import of something that is not a file of the tree');
  });

  const b: Record<string, () => Value> = {
    true: () => bool(true),
    false: () => bool(false),
    null: () => ({ t: 'null' }),
    import: () => importFn,
    toString: () => fn('toString', 1, ([a], at) => toStr(a.force(), at)),
    throw: () => fn('throw', 1, ([a], at) => unknown(at, `throw ${JSON.stringify(toStr(a.force(), at).v)}`)),
    abort: () => fn('abort', 1, (_a, at) => unknown(at, 'abort')),
    baseNameOf: () => pathFns.baseNameOf,
    dirOf: () => pathFns.dirOf,
    isNull: () => fn('isNull', 1, ([a], at) => { const v = a.force(); return v.t === 'unknown' ? unknown(at, v.why) : bool(v.t === 'null', at); }),
    map: () => listFn('map', (l, [f], at) => list(l.items.map((x) => map1(f.force(), x, at)), at, l.open), 2),
    removeAttrs: () => fn('removeAttrs', 2, ([a, ks], at) => {
      const v = a.force();
      const kl = ks.force();
      if (v.t !== 'attrs' || kl.t !== 'list') return v.t === 'unknown' ? v : unknown(at, 'removeAttrs');
      const drop = new Set(kl.items.map((k) => { const s = k.force(); return s.t === 'string' ? s.v : ''; }));
      const m = new Map<string, Thunk>();
      for (const k of v.keys()) if (!drop.has(k)) m.set(k, v.get(k)!);
      const out = attrsOf(m, at, v.keyAt ? new Map(v.keys().map((k) => [k, v.keyAt!(k)!])) : undefined);
      if (v.open) out.open = v.open;
      return out;
    }),
    derivation: () => fn('derivation', 1, ([a], at) => {
      const v = a.force();
      const n = v.t === 'attrs' ? v.get('name')?.force() : undefined;
      return pkgValue(n && n.t === 'string' ? n.v : 'derivation', at);
    }),
    placeholder: () => fn('placeholder', 1, (_a, at) => str('/nix/store/unitlint-out', at)),
    fetchurl: () => fn('fetchurl', 1, (_a, at) => unknown(at, 'fetchurl (never fetched)')),
    fetchTarball: () => fn('fetchTarball', 1, (_a, at) => unknown(at, 'fetchTarball (never fetched)')),
    fetchGit: () => fn('fetchGit', 1, (_a, at) => unknown(at, 'fetchGit (never fetched)')),
    scopedImport: () => fn('scopedImport', 2, (_a, at) => unknown(at, 'scopedImport')),
  };

  const builtinsOnly: Record<string, () => Value> = {
    attrNames: () => attrsFn('attrNames', (a, _x, at) => list(attrNamesOf(a).map((k) => T(str(k, a.keyAt?.(k) ?? at))), at, a.open)),
    attrValues: () => attrsFn('attrValues', (a, _x, at) => list(a.keys().map((k) => a.get(k)!), at, a.open)),
    hasAttr: () => fn('hasAttr', 2, ([k, a], at) => {
      const kv = k.force();
      const av = a.force();
      if (kv.t !== 'string' || av.t !== 'attrs') return unknown(at, 'hasAttr');
      return av.get(kv.v) ? bool(true, at) : av.open ? unknown(at, 'partly known set') : bool(false, at);
    }),
    getAttr: () => fn('getAttr', 2, ([k, a], at) => {
      const kv = k.force();
      const av = a.force();
      if (kv.t !== 'string' || av.t !== 'attrs') return unknown(at, 'getAttr');
      return av.get(kv.v)?.force() ?? unknown(at, `attribute '${kv.v}' missing`);
    }),
    length: () => listFn('length', (l, _a, at) => (l.open ? unknown(at, 'length of a partly known list') : int(l.items.length, at))),
    head: () => listFn('head', (l, _a, at) => l.items[0]?.force() ?? unknown(at, 'head of an empty list')),
    tail: () => listFn('tail', (l, _a, at) => list(l.items.slice(1), at, l.open)),
    elemAt: () => fn('elemAt', 2, ([l, i], at) => {
      const lv = l.force();
      const iv = i.force();
      if (lv.t !== 'list' || iv.t !== 'int') return unknown(at, 'elemAt');
      return lv.items[iv.v]?.force() ?? unknown(at, 'index out of range');
    }),
    elem: () => fn('elem', 2, ([x, l], at) => { const lv = l.force(); return lv.t === 'list' ? elemOf(x.force(), lv) : unknown(at, 'elem'); }),
    filter: () => listFn('filter', (l, [f], at) => {
      const out: Thunk[] = [];
      let open = l.open;
      for (const it of l.items) {
        const c = ev.apply(f.force(), it, at);
        if (c.t === 'bool') { if (c.v) out.push(it); } else open = open ?? at;
      }
      return list(out, at, open);
    }, 2),
    concatLists: () => listFn('concatLists', (l, _a, at) => {
      let out: Value = list([], at, l.open);
      for (const it of l.items) out = ev.concatLists(out, it.force(), at);
      return out;
    }),
    concatMap: () => listFn('concatMap', (l, [f], at) => {
      let out: Value = list([], at, l.open);
      for (const it of l.items) out = ev.concatLists(out, ev.apply(f.force(), it, at), at);
      return out;
    }, 2),
    foldl$: () => listFn("foldl'", (l, [f, init], at) => {
      let acc = init;
      for (const it of l.items) {
        const prev = acc;
        acc = T(ev.apply(ev.apply(f.force(), prev, at), it, at));
      }
      return l.open ? unknown(at, 'fold over a partly known list') : acc.force();
    }, 3),
    genList: () => fn('genList', 2, ([f, n], at) => {
      const nv = n.force();
      if (nv.t !== 'int' || nv.v > 10000 || nv.v < 0) return unknown(at, 'genList');
      return list(Array.from({ length: nv.v }, (_x, i) => map1(f.force(), T(int(i)), at)), at);
    }),
    listToAttrs: () => listFn('listToAttrs', (l, _a, at) => listToAttrs(l, at)),
    mapAttrs: () => attrsFn('mapAttrs', (a, [f], at) => mapAttrs(f.force(), a, at), 2),
    intersectAttrs: () => fn('intersectAttrs', 2, ([x, y], at) => {
      const a = x.force();
      const bb = y.force();
      if (a.t !== 'attrs' || bb.t !== 'attrs') return unknown(at, 'intersectAttrs');
      const m = new Map<string, Thunk>();
      for (const k of bb.keys()) if (a.get(k)) m.set(k, bb.get(k)!);
      return attrsOf(m, at);
    }),
    catAttrs: () => fn('catAttrs', 2, ([k, l], at) => {
      const kv = k.force();
      const lv = l.force();
      if (kv.t !== 'string' || lv.t !== 'list') return unknown(at, 'catAttrs');
      const out: Thunk[] = [];
      for (const it of lv.items) { const e = it.force(); if (e.t === 'attrs') { const v = e.get(kv.v); if (v) out.push(v); } }
      return list(out, at, lv.open);
    }),
    isAttrs: () => fn('isAttrs', 1, ([a], at) => typeTest(a.force(), 'attrs', at)),
    isList: () => fn('isList', 1, ([a], at) => typeTest(a.force(), 'list', at)),
    isString: () => fn('isString', 1, ([a], at) => typeTest(a.force(), 'string', at)),
    isInt: () => fn('isInt', 1, ([a], at) => typeTest(a.force(), 'int', at)),
    isBool: () => fn('isBool', 1, ([a], at) => typeTest(a.force(), 'bool', at)),
    isFunction: () => fn('isFunction', 1, ([a], at) => typeTest(a.force(), 'fn', at)),
    isPath: () => fn('isPath', 1, ([a], at) => typeTest(a.force(), 'path', at)),
    typeOf: () => fn('typeOf', 1, ([a], at) => {
      const v = a.force();
      const n: Record<string, string> = { null: 'null', bool: 'bool', int: 'int', float: 'float', string: 'string', path: 'path', list: 'list', attrs: 'set', fn: 'lambda' };
      return v.t === 'unknown' ? unknown(at, v.why) : str(n[v.t], at);
    }),
    stringLength: () => strFn('stringLength', (s, _a, at) => (s.unknown ? unknown(at, 'length of a partly known string') : int(s.v.length, at))),
    substring: () => fn('substring', 3, ([st, len, s], at) => {
      const a = st.force();
      const l = len.force();
      const sv = s.force();
      if (a.t !== 'int' || l.t !== 'int' || sv.t !== 'string' || sv.unknown) return unknown(at, 'substring');
      return str(sv.v.substr(a.v, l.v < 0 ? undefined : l.v), at);
    }),
    replaceStrings: () => fn('replaceStrings', 3, ([from, to, s], at) => {
      const f = from.force();
      const t = to.force();
      const sv = s.force();
      if (f.t !== 'list' || t.t !== 'list' || sv.t !== 'string') return unknown(at, 'replaceStrings');
      const fs2 = f.items.map((x) => x.force());
      const ts = t.items.map((x) => x.force());
      if (fs2.some((x) => x.t !== 'string' || x.unknown) || ts.some((x) => x.t !== 'string')) return unknown(at, 'replaceStrings');
      const fromS = fs2.map((x) => (x as StrV).v);
      const toS = ts.map((x) => (x as StrV).v);
      let out = '';
      let i = 0;
      const src = sv.v;
      outer: while (i <= src.length) {
        for (let j = 0; j < fromS.length; j++) {
          if (src.startsWith(fromS[j], i)) {
            out += toS[j];
            if (fromS[j] === '') {
              if (i < src.length) out += src[i];
              i++;
            } else i += fromS[j].length;
            continue outer;
          }
        }
        if (i < src.length) out += src[i];
        i++;
      }
      const r: StrV = { t: 'string', v: out, at };
      if (sv.unknown) r.unknown = sv.unknown;
      return r;
    }),
    split: () => fn('split', 2, (_a, at) => unknown(at, 'builtins.split')),
    match: () => fn('match', 2, ([re, s], at) => {
      const r = re.force();
      const sv = s.force();
      if (r.t !== 'string' || sv.t !== 'string' || sv.unknown) return unknown(at, 'match');
      try {
        const m = new RegExp(`^(?:${r.v})$`).exec(sv.v);
        if (!m) return { t: 'null', at };
        return list(m.slice(1).map((g) => T(g === undefined ? { t: 'null' } : str(g, at))), at);
      } catch {
        return unknown(at, 'match: regular expression not understood');
      }
    }),
    toJSON: () => fn('toJSON', 1, ([a], at) => {
      const j = toJSON(ev.deepForce(a.force()), at);
      const s: StrV = { t: 'string', v: j.s, at };
      if (j.unknown) s.unknown = j.unknown;
      return s;
    }),
    fromJSON: () => strFn('fromJSON', (s, _a, at) => {
      if (s.unknown) return unknown(at, 'fromJSON of a partly known string');
      try {
        return fromJSONValue(JSON.parse(s.v), at);
      } catch {
        return unknown(at, 'fromJSON: not JSON');
      }
    }),
    readFile: () => fn('readFile', 1, ([a], at) => {
      const v = a.force();
      if (v.t === 'path') return ev.readTreeFile(v.v, at);
      return unknown(at, 'readFile of an unknown path');
    }),
    pathExists: () => fn('pathExists', 1, (_a, at) => unknown(at, 'pathExists')),
    readDir: () => fn('readDir', 1, (_a, at) => unknown(at, 'readDir')),
    getEnv: () => fn('getEnv', 1, (_a, at) => unknown(at, 'getEnv (the environment is not read)')),
    currentSystem: () => unknown(NOWHERE, 'builtins.currentSystem'),
    nixVersion: () => unknown(NOWHERE, 'builtins.nixVersion'),
    seq: () => fn('seq', 2, ([, bb]) => bb.force()),
    deepSeq: () => fn('deepSeq', 2, ([, bb]) => bb.force()),
    trace: () => fn('trace', 2, ([, bb]) => bb.force()),
    tryEval: () => fn('tryEval', 1, ([a], at) => {
      const v = a.force();
      return v.t === 'unknown' ? unknown(at, v.why) : set({ success: bool(true), value: v }, at);
    }),
    functionArgs: () => fn('functionArgs', 1, (_a, at) => unknown(at, 'functionArgs')),
    getFlake: () => fn('getFlake', 1, (_a, at) => unknown(at, 'getFlake (never fetched)')),
    hashString: () => fn('hashString', 2, (_a, at) => unknown(at, 'hashString')),
    sort: () => fn('sort', 2, ([, l], at) => { const lv = l.force(); return lv.t === 'list' ? { ...lv, at } : lv; }),
    all: () => listFn('all', (l, [f], at) => {
      let unk = !!l.open;
      for (const it of l.items) { const c = ev.apply(f.force(), it, at); if (c.t === 'bool' && !c.v) return bool(false, at); if (c.t !== 'bool') unk = true; }
      return unk ? unknown(at, 'all') : bool(true, at);
    }, 2),
    any: () => listFn('any', (l, [f], at) => {
      let unk = !!l.open;
      for (const it of l.items) { const c = ev.apply(f.force(), it, at); if (c.t === 'bool' && c.v) return bool(true, at); if (c.t !== 'bool') unk = true; }
      return unk ? unknown(at, 'any') : bool(false, at);
    }, 2),
    add: () => fn('add', 2, ([x, y], at) => ev.binaryValues('+', x.force(), y.force(), at)),
    sub: () => fn('sub', 2, ([x, y], at) => ev.binaryValues('-', x.force(), y.force(), at)),
    mul: () => fn('mul', 2, ([x, y], at) => ev.binaryValues('*', x.force(), y.force(), at)),
    div: () => fn('div', 2, ([x, y], at) => ev.binaryValues('/', x.force(), y.force(), at)),
    lessThan: () => fn('lessThan', 2, ([x, y], at) => ev.binaryValues('<', x.force(), y.force(), at)),
    storeDir: () => str('/nix/store'),
  };
  function typeTest(v: Value, t: Value['t'], at: Location): Value {
    if (v.t === 'unknown') return unknown(at, v.why);
    if (v.t === 'attrs' && v.pkg !== undefined) return bool(t === 'attrs', at);
    return bool(v.t === t, at);
  }

  const builtinsMap = new Map<string, Thunk>();
  for (const [k, f] of Object.entries({ ...b, ...builtinsOnly })) builtinsMap.set(k === 'foldl$' ? "foldl'" : k, new Thunk(f));
  const builtins = attrsOf(builtinsMap);
  builtins.open = NOWHERE;
  const globals = new Map<string, Thunk>();
  for (const [k, f] of Object.entries(b)) globals.set(k, new Thunk(f));
  globals.set('builtins', T(builtins));
  globals.set('__findFile', T(fn('__findFile', 2, (_a, at) => unknown(at, 'search path'))));
  const bi = (k: string) => builtinsMap.get(k)!.force();

  // ---- pkgs ----
  const writers: Record<string, (args: Thunk[], at: Location) => Value> = {
    writeShellScript: ([n, t], at) => scriptValue(n, t, at, false),
    writeScript: ([n, t], at) => scriptValue(n, t, at, false),
    writeBash: ([n, t], at) => scriptValue(n, t, at, false),
    writeDash: ([n, t], at) => scriptValue(n, t, at, false),
    writeShellScriptBin: ([n, t], at) => scriptValue(n, t, at, true),
    writeScriptBin: ([n, t], at) => scriptValue(n, t, at, true),
    writeText: ([n, t], at) => scriptValue(n, t, at, false),
    writeTextDir: ([n], at) => { const s = toStr(n.force(), at); return str(`/nix/store/unitlint-textdir/${s.v}`, at); },
  };
  function scriptValue(n: Thunk, t: Thunk, at: Location, bin: boolean): Value {
    const name = toStr(n.force(), at);
    const text = toStr(t.force(), at);
    const nm = name.unknown ? 'script' : name.v;
    const sp = ev.writeScript(nm, text, at, bin ? nm : undefined, `script "${nm}" written by a pkgs writer`);
    // A …Bin writer gives the folder; "${x}/bin/name" then names the script.
    return str(bin ? sp.replace(/\/bin\/[^/]+$/, '') : sp, at);
  }
  const writeShellApplication = fn('writeShellApplication', 1, ([a], at) => {
    const v = a.force();
    if (v.t !== 'attrs') return unknown(at, 'writeShellApplication');
    const n = v.get('name');
    const t = v.get('text');
    if (!n || !t) return unknown(at, 'writeShellApplication without name or text');
    const name = toStr(n.force(), at);
    const text = toStr(t.force(), at);
    const nm = name.unknown ? 'script' : name.v;
    ev.writeScript(nm, text, at, nm);
    return pkgValue(nm, at);
  });

  function pkgValue(name: string, at?: Location): AttrsV {
    const out: AttrsV = {
      t: 'attrs',
      at,
      pkg: name,
      get: (k) => {
        if (k === '__functor' || k === '__toString' || k === '_type' || k === '__functionArgs') return undefined;
        if (k === 'outPath') return T(str(`/nix/store/unitlint-${name.split('.').pop()}`));
        if (k === 'name' || k === 'pname') return T(str(name.split('.').pop()!));
        if (k === 'meta') return T(set({ mainProgram: str(name.split('.').pop()!) }));
        if (k === 'version') return T(unknown(at, `version of ${name}`));
        // Outputs are the package; override* are called and give the package back (see Evaluator.apply).
        if (['out', 'bin', 'dev', 'lib', 'man', 'doc', 'passthru', 'overrideAttrs', 'override', 'overrideDerivation', 'unwrapped', 'package'].includes(k)) return T(out);
        if (k === 'type') return T(str('derivation'));
        if (k === 'system') return T(unknown(at, 'system'));
        return T(pkgValue(`${name}.${k}`, at));
      },
      keys: () => [],
      open: at ?? NOWHERE,
    };
    return out;
  }
  const pkgsSpecial = new Map<string, Thunk>();
  for (const [k, impl] of Object.entries(writers)) pkgsSpecial.set(k, T(fn(k, 2, impl)));
  pkgsSpecial.set('writeShellApplication', T(writeShellApplication));
  pkgsSpecial.set('writers', T(attrsOf(new Map([
    ['writeBash', T(fn('writeBash', 2, writers.writeShellScript))],
    ['writeBashBin', T(fn('writeBashBin', 2, writers.writeShellScriptBin))],
    ['writeDash', T(fn('writeDash', 2, writers.writeShellScript))],
    ['writeDashBin', T(fn('writeDashBin', 2, writers.writeShellScriptBin))],
  ]))));
  pkgsSpecial.set('formats', T(attrsOf(new Map(['json', 'yaml', 'toml', 'ini', 'keyValue', 'yaml_1_1', 'yaml_1_2', 'javaProperties'].map((k) => [k, T(fn(k, 1, (_a, at) => set({
    generate: fn('generate', 2, ([n], at2) => {
      const name = toStr(n.force(), at2);
      return str(`/nix/store/unitlint-${name.unknown ? 'generated' : name.v}`, at2);
    }),
    type: optionType('anything'),
  }, at)))])))));
  pkgsSpecial.set('runCommand', T(fn('runCommand', 3, ([n], at) => pkgValue(toStr(n.force(), at).v || 'runCommand', at))));
  pkgsSpecial.set('runCommandLocal', T(fn('runCommandLocal', 3, ([n], at) => pkgValue(toStr(n.force(), at).v || 'runCommand', at))));
  pkgsSpecial.set('callPackage', T(fn('callPackage', 2, ([p], at) => {
    const v = p.force();
    return pkgValue(v.t === 'path' ? path.basename(v.v, '.nix').replace(/^default$/, path.basename(path.dirname(v.v))) : 'package', at);
  })));
  pkgsSpecial.set('stdenv', T(set({ hostPlatform: unknown(NOWHERE, 'hostPlatform'), isLinux: bool(true), isDarwin: bool(false) })));
  pkgsSpecial.set('system', T(unknown(NOWHERE, 'pkgs.system')));
  const pkgs: AttrsV = {
    t: 'attrs',
    get: (k) => {
      if (k === 'lib') return T(lib);
      return pkgsSpecial.get(k) ?? T(pkgValue(k));
    },
    keys: () => [],
    open: NOWHERE,
  };

  // ---- lib ----
  const mkIf = fn('mkIf', 2, ([c, x], at) => marker('if', { condition: c, content: x }, at));
  const optionalImpl = (name: string, empty: (at: Location) => Value, wrap: (x: Thunk, at: Location) => Value) =>
    fn(name, 2, ([c, x], at) => (condActive(c.force()) ? wrap(x, at) : empty(at)));
  const libEntries: Record<string, () => Value> = {
    mkIf: () => mkIf,
    mkMerge: () => fn('mkMerge', 1, ([l], at) => marker('merge', { contents: l }, at)),
    mkOverride: () => fn('mkOverride', 2, ([p, c], at) => marker('override', { priority: p, content: c }, at)),
    mkDefault: () => mkOverride(1000),
    mkForce: () => mkOverride(50),
    mkVMOverride: () => mkOverride(10),
    mkImageMediaOverride: () => mkOverride(60),
    mkOptionDefault: () => mkOverride(1500),
    mkOrder: () => fn('mkOrder', 2, ([p, c], at) => marker('order', { priority: p, content: c }, at)),
    mkBefore: () => mkOrder(500),
    mkAfter: () => mkOrder(1500),
    mkOption: () => mkOption,
    mkEnableOption: () => fn('mkEnableOption', 1, ([d], at) => marker('option', { default: T(bool(false, at)), type: T(optionType('bool')), description: d }, at)),
    mkPackageOption: () => fn('mkPackageOption', 3, ([, n, o], at) => {
      const nv = n.force();
      const ov = o.force();
      let name = nv.t === 'string' ? nv.v : nv.t === 'list' ? nv.items.map((i) => { const s = i.force(); return s.t === 'string' ? s.v : ''; }).join('.') : 'package';
      if (ov.t === 'attrs') {
        const d = ov.get('default')?.force();
        if (d?.t === 'string') name = d.v;
        if (d?.t === 'list') name = d.items.map((i) => { const s = i.force(); return s.t === 'string' ? s.v : ''; }).join('.');
      }
      return marker('option', { default: T(pkgValue(name, at)), type: T(optionType('package')) }, at);
    }),
    mkPackageOptionMD: () => libEntries.mkPackageOption(),
    mkSinkUndeclaredOptions: () => fn('mkSinkUndeclaredOptions', 1, (_a, at) => marker('option', {}, at)),
    mkRenamedOptionModule: () => fn('mkRenamedOptionModule', 2, (_a, at) => set({}, at)),
    mkRenamedOptionModuleWith: () => fn('mkRenamedOptionModuleWith', 1, (_a, at) => set({}, at)),
    mkRemovedOptionModule: () => fn('mkRemovedOptionModule', 2, (_a, at) => set({}, at)),
    mkAliasOptionModule: () => fn('mkAliasOptionModule', 2, (_a, at) => set({}, at)),
    mkChangedOptionModule: () => fn('mkChangedOptionModule', 3, (_a, at) => set({}, at)),
    mkMergedOptionModule: () => fn('mkMergedOptionModule', 3, (_a, at) => set({}, at)),
    mdDoc: () => fn('mdDoc', 1, ([a]) => a.force()),
    literalExpression: () => fn('literalExpression', 1, ([a]) => a.force()),
    literalMD: () => fn('literalMD', 1, ([a]) => a.force()),
    literalExample: () => fn('literalExample', 1, ([a]) => a.force()),
    types: () => typesSet,
    optional: () => optionalImpl('optional', (at) => list([], at), (x, at) => list([x], at)),
    optionals: () => optionalImpl('optionals', (at) => list([], at), (x) => x.force()),
    optionalAttrs: () => optionalImpl('optionalAttrs', (at) => set({}, at), (x) => x.force()),
    optionalString: () => optionalImpl('optionalString', (at) => str('', at), (x) => x.force()),
    concatStringsSep: () => fn('concatStringsSep', 2, ([sep, l], at) => {
      const s = sep.force();
      const lv = l.force();
      if (s.t !== 'string' || lv.t !== 'list') return unknown(at, 'concatStringsSep');
      const parts = lv.items.map((i) => toStr(i.force(), at));
      const out = concatStr(parts, s.v, at);
      if (lv.open && !out.unknown) out.unknown = lv.open;
      return out;
    }),
    concatMapStringsSep: () => fn('concatMapStringsSep', 3, ([sep, f, l], at) => {
      const s = sep.force();
      const lv = l.force();
      if (s.t !== 'string' || lv.t !== 'list') return unknown(at, 'concatMapStringsSep');
      const parts = lv.items.map((i) => toStr(ev.apply(f.force(), i, at), at));
      const out = concatStr(parts, s.v, at);
      if (lv.open && !out.unknown) out.unknown = lv.open;
      return out;
    }),
    concatStrings: () => listFn('concatStrings', (l, _a, at) => concatStr(l.items.map((i) => toStr(i.force(), at)), '', at)),
    concatMapStrings: () => listFn('concatMapStrings', (l, [f], at) => concatStr(l.items.map((i) => toStr(ev.apply(f.force(), i, at), at)), '', at), 2),
    concatLines: () => listFn('concatLines', (l, _a, at) => concatStr(l.items.map((i) => { const s = toStr(i.force(), at); return { ...s, v: s.v + '\n' }; }), '', at)),
    escapeShellArg: () => fn('escapeShellArg', 1, ([a], at) => escapeShellArg(a.force(), at)),
    escapeShellArgs: () => listFn('escapeShellArgs', (l, _a, at) => concatStr(l.items.map((i) => escapeShellArg(i.force(), at)), ' ', at)),
    getExe: () => fn('getExe', 1, ([p], at) => getExe(p.force(), at)),
    "getExe'": () => fn("getExe'", 2, ([p, n], at) => {
      const nv = n.force();
      return getExe(p.force(), at, nv.t === 'string' ? nv.v : UNKNOWN_MARK);
    }),
    getBin: () => fn('getBin', 1, ([p]) => p.force()),
    getLib: () => fn('getLib', 1, ([p]) => p.force()),
    getOutput: () => fn('getOutput', 2, ([, p]) => p.force()),
    makeBinPath: () => listFn('makeBinPath', (l, _a, at) => concatStr(l.items.map((i) => { const s = toStr(i.force(), at); return { ...s, v: s.v + '/bin' }; }), ':', at)),
    makeSearchPath: () => fn('makeSearchPath', 2, ([sub, l], at) => {
      const sv = sub.force();
      const lv = l.force();
      if (sv.t !== 'string' || lv.t !== 'list') return unknown(at, 'makeSearchPath');
      return concatStr(lv.items.map((i) => { const s = toStr(i.force(), at); return { ...s, v: `${s.v}/${sv.v}` }; }), ':', at);
    }),
    mapAttrs: () => bi('mapAttrs'),
    "mapAttrs'": () => fn("mapAttrs'", 2, ([f, a], at) => {
      const av = a.force();
      if (av.t !== 'attrs') return av.t === 'unknown' ? unknown(at, av.why) : unknown(at, "mapAttrs'");
      const items = av.keys().map((k) => map2(f.force(), T(str(k, av.keyAt?.(k))), av.get(k)!, at));
      return listToAttrs(list(items, at, av.open), at);
    }),
    mapAttrsToList: () => fn('mapAttrsToList', 2, ([f, a], at) => {
      const av = a.force();
      if (av.t !== 'attrs') return av.t === 'unknown' ? unknown(at, av.why) : unknown(at, 'mapAttrsToList');
      return list(av.keys().map((k) => map2(f.force(), T(str(k, av.keyAt?.(k))), av.get(k)!, at)), at, av.open);
    }),
    mapAttrsRecursive: () => fn('mapAttrsRecursive', 2, (_a, at) => unknown(at, 'mapAttrsRecursive')),
    nameValuePair: () => fn('nameValuePair', 2, ([n, v], at) => attrsOf(new Map([['name', n], ['value', v]]), at)),
    listToAttrs: () => bi('listToAttrs'),
    genAttrs: () => fn('genAttrs', 2, ([l, f], at) => {
      const lv = l.force();
      if (lv.t !== 'list') return unknown(at, 'genAttrs');
      const m = new Map<string, Thunk>();
      const keyAt = new Map<string, Location>();
      let open = lv.open;
      for (const it of lv.items) {
        const k = it.force();
        if (k.t !== 'string' || k.unknown) { open = at; continue; }
        m.set(k.v, map1(f.force(), it, at));
        keyAt.set(k.v, k.at ?? at);
      }
      const out = attrsOf(m, at, keyAt);
      if (open) out.open = open;
      return out;
    }),
    filterAttrs: () => fn('filterAttrs', 2, ([f, a], at) => {
      const av = a.force();
      return av.t === 'attrs' ? filterAttrs(f.force(), av, at) : av.t === 'unknown' ? unknown(at, av.why) : unknown(at, 'filterAttrs');
    }),
    recursiveUpdate: () => fn('recursiveUpdate', 2, ([x, y], at) => recursiveUpdate(x.force(), y.force(), at)),
    attrByPath: () => fn('attrByPath', 3, ([p, d, a], at) => {
      const pv = p.force();
      let v = a.force();
      if (pv.t !== 'list') return unknown(at, 'attrByPath');
      for (const it of pv.items) {
        const k = it.force();
        if (k.t !== 'string' || v.t !== 'attrs') return v.t === 'unknown' ? v : unknown(at, 'attrByPath');
        const n = v.get(k.v);
        if (!n) return v.open ? unknown(at, 'attrByPath') : d.force();
        v = n.force();
      }
      return v;
    }),
    setAttrByPath: () => fn('setAttrByPath', 2, ([p, v], at) => {
      const pv = p.force();
      if (pv.t !== 'list') return unknown(at, 'setAttrByPath');
      let out: Thunk = v;
      for (const it of [...pv.items].reverse()) {
        const k = it.force();
        if (k.t !== 'string') return unknown(at, 'setAttrByPath');
        out = T(attrsOf(new Map([[k.v, out]]), at));
      }
      return out.force();
    }),
    zipAttrsWith: () => fn('zipAttrsWith', 2, (_a, at) => unknown(at, 'zipAttrsWith')),
    flatten: () => fn('flatten', 1, ([l], at) => {
      const out: Thunk[] = [];
      let open: Location | undefined;
      const walk = (v: Value, d: number) => {
        if (v.t === 'list' && d < 20) {
          if (v.open) open = open ?? v.open;
          for (const i of v.items) walk(i.force(), d + 1);
        } else out.push(T(v));
      };
      walk(l.force(), 0);
      return list(out, at, open);
    }),
    unique: () => listFn('unique', (l, _a, at) => {
      const out: Thunk[] = [];
      for (const it of l.items) if (!out.some((o) => ev.equal(o.force(), it.force(), 0) === true)) out.push(it);
      return list(out, at, l.open);
    }),
    last: () => listFn('last', (l, _a, at) => (l.open ? unknown(at, 'last of a partly known list') : l.items[l.items.length - 1]?.force() ?? unknown(at, 'last of an empty list'))),
    init: () => listFn('init', (l, _a, at) => list(l.items.slice(0, -1), at, l.open)),
    take: () => fn('take', 2, ([n, l], at) => { const nv = n.force(); const lv = l.force(); return nv.t === 'int' && lv.t === 'list' ? list(lv.items.slice(0, nv.v), at) : unknown(at, 'take'); }),
    drop: () => fn('drop', 2, ([n, l], at) => { const nv = n.force(); const lv = l.force(); return nv.t === 'int' && lv.t === 'list' ? list(lv.items.slice(nv.v), at, lv.open) : unknown(at, 'drop'); }),
    range: () => fn('range', 2, ([x, y], at) => {
      const a = x.force();
      const bb = y.force();
      if (a.t !== 'int' || bb.t !== 'int' || bb.v - a.v > 10000) return unknown(at, 'range');
      const out: Thunk[] = [];
      for (let i = a.v; i <= bb.v; i++) out.push(T(int(i, at)));
      return list(out, at);
    }),
    imap0: () => listFn('imap0', (l, [f], at) => list(l.items.map((x, i) => map2(f.force(), T(int(i)), x, at)), at, l.open), 2),
    imap1: () => listFn('imap1', (l, [f], at) => list(l.items.map((x, i) => map2(f.force(), T(int(i + 1)), x, at)), at, l.open), 2),
    foldr: () => listFn('foldr', (l, [f, init], at) => {
      let acc = init;
      for (const it of [...l.items].reverse()) {
        const prev = acc;
        acc = T(ev.apply(ev.apply(f.force(), it, at), prev, at));
      }
      return l.open ? unknown(at, 'fold over a partly known list') : acc.force();
    }, 3),
    foldl: () => bi("foldl'"),
    "foldl'": () => bi("foldl'"),
    toList: () => fn('toList', 1, ([a], at) => { const v = a.force(); return v.t === 'list' || v.t === 'unknown' ? v : list([a], at); }),
    singleton: () => fn('singleton', 1, ([a], at) => list([a], at)),
    hasPrefix: () => fn('hasPrefix', 2, ([p, s], at) => {
      const pv = p.force();
      const sv = s.force();
      if (pv.t !== 'string' || sv.t !== 'string') return unknown(at, 'hasPrefix');
      if (sv.v.startsWith(pv.v)) return bool(true, at);
      return sv.unknown ? unknown(at, 'hasPrefix of a partly known string') : bool(false, at);
    }),
    hasSuffix: () => fn('hasSuffix', 2, ([p, s], at) => {
      const pv = p.force();
      const sv = s.force();
      if (pv.t !== 'string' || sv.t !== 'string' || sv.unknown) return unknown(at, 'hasSuffix');
      return bool(sv.v.endsWith(pv.v), at);
    }),
    hasInfix: () => fn('hasInfix', 2, ([p, s], at) => {
      const pv = p.force();
      const sv = s.force();
      if (pv.t !== 'string' || sv.t !== 'string' || sv.unknown) return unknown(at, 'hasInfix');
      return bool(sv.v.includes(pv.v), at);
    }),
    removePrefix: () => fn('removePrefix', 2, ([p, s], at) => {
      const pv = p.force();
      const sv = s.force();
      if (pv.t !== 'string' || sv.t !== 'string') return unknown(at, 'removePrefix');
      return sv.v.startsWith(pv.v) ? { ...sv, v: sv.v.slice(pv.v.length), at } : sv;
    }),
    removeSuffix: () => fn('removeSuffix', 2, ([p, s], at) => {
      const pv = p.force();
      const sv = s.force();
      if (pv.t !== 'string' || sv.t !== 'string') return unknown(at, 'removeSuffix');
      return sv.v.endsWith(pv.v) && pv.v ? { ...sv, v: sv.v.slice(0, -pv.v.length), at } : sv;
    }),
    splitString: () => fn('splitString', 2, ([sep, s], at) => {
      const sv = sep.force();
      const v = s.force();
      if (sv.t !== 'string' || v.t !== 'string') return unknown(at, 'splitString');
      return splitString(sv.v, v, at);
    }),
    toLower: () => pureStr('toLower', (s) => s.toLowerCase()),
    toUpper: () => pureStr('toUpper', (s) => s.toUpperCase()),
    strings: () => lib,
    lists: () => lib,
    attrsets: () => lib,
    trivial: () => lib,
    options: () => lib,
    modules: () => lib,
    boolToString: () => fn('boolToString', 1, ([a], at) => { const v = a.force(); return v.t === 'bool' ? str(v.v ? 'true' : 'false', at) : unknown(at, 'boolToString'); }),
    id: () => fn('id', 1, ([a]) => a.force()),
    const: () => fn('const', 2, ([a]) => a.force()),
    flip: () => fn('flip', 3, ([f, a, bb], at) => ev.apply(ev.apply(f.force(), bb, at), a, at)),
    pipe: () => fn('pipe', 2, ([x, fs2], at) => {
      const l = fs2.force();
      if (l.t !== 'list') return unknown(at, 'pipe');
      let acc = x;
      for (const f of l.items) { const prev = acc; acc = T(ev.apply(f.force(), prev, at)); }
      return acc.force();
    }),
    isDerivation: () => fn('isDerivation', 1, ([a], at) => { const v = a.force(); return v.t === 'unknown' ? unknown(at, v.why) : bool(v.t === 'attrs' && v.pkg !== undefined, at); }),
    versionAtLeast: () => fn('versionAtLeast', 2, (_a, at) => unknown(at, 'versionAtLeast')),
    versionOlder: () => fn('versionOlder', 2, (_a, at) => unknown(at, 'versionOlder')),
    fileContents: () => fn('fileContents', 1, ([a], at) => {
      const v = a.force();
      if (v.t !== 'path') return unknown(at, 'fileContents');
      const r = ev.readTreeFile(v.v, at);
      return r.t === 'string' ? { ...r, v: r.v.replace(/\n$/, '') } : r;
    }),
    importJSON: () => fn('importJSON', 1, ([a], at) => {
      const v = a.force();
      if (v.t !== 'path') return unknown(at, 'importJSON');
      const r = ev.readTreeFile(v.v, at);
      if (r.t !== 'string') return r;
      try {
        return fromJSONValue(JSON.parse(r.v), at);
      } catch {
        return unknown(at, 'importJSON: not JSON');
      }
    }),
    importTOML: () => fn('importTOML', 1, (_a, at) => unknown(at, 'importTOML')),
    fakeHash: () => str('sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
    nixosSystem: () => fn('nixosSystem', 1, ([a], at) => marker('unitlint-nixos-system', { args: a }, at)),
    maintainers: () => unknown(NOWHERE, 'lib.maintainers'),
    licenses: () => unknown(NOWHERE, 'lib.licenses'),
    platforms: () => unknown(NOWHERE, 'lib.platforms'),
    teams: () => unknown(NOWHERE, 'lib.teams'),
    systems: () => unknown(NOWHERE, 'lib.systems'),
    mkPackageOptionSet: () => unknown(NOWHERE, 'lib.mkPackageOptionSet'),
  };
  for (const k of ['attrNames', 'attrValues', 'hasAttr', 'getAttr', 'length', 'head', 'tail', 'elemAt', 'elem', 'filter', 'concatLists',
    'concatMap', 'genList', 'isAttrs', 'isList', 'isString', 'isInt', 'isBool', 'isFunction', 'isPath', 'stringLength', 'substring',
    'replaceStrings', 'toJSON', 'fromJSON', 'all', 'any', 'intersectAttrs', 'catAttrs', 'typeOf', 'match', 'sort', 'readFile', 'seq', 'deepSeq']) {
    if (!libEntries[k]) libEntries[k] = () => bi(k);
  }
  for (const k of ['toString', 'map', 'removeAttrs', 'baseNameOf', 'dirOf', 'isNull', 'throw', 'abort', 'import']) libEntries[k] = () => globals.get(k)!.force();
  const lib = lazyAttrs(libEntries);
  lib.open = NOWHERE;
  return { lib, builtins, globals, pkgs };
}

