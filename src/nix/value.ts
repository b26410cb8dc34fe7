/**
 * Values of the static Nix evaluator. Everything the evaluator cannot know statically is an explicit
 * `unknown` carrying the source position that produced it; strings with an unknown part keep their
 * known text with UNKNOWN_MARK in place of each unknown part and record where it came from, so that
 * rules can read the known words but never judge the value as a whole.
 */
import type { Location } from '../types.js';

/** Stands for an unknown part inside a string (shell- and word-safe, never a valid port or unit name). */
export const UNKNOWN_MARK = '__UNKNOWN__';

/** Where line 1 of a string's text starts in a source file (for mapping script lines back to .nix lines). */
export interface TextOrigin {
  file: string;
  line: number;
  column: number;
}

export interface NullV { t: 'null'; at?: Location }
export interface BoolV { t: 'bool'; v: boolean; at?: Location }
export interface IntV { t: 'int'; v: number; at?: Location }
export interface FloatV { t: 'float'; v: number; at?: Location }
export interface StrV {
  t: 'string';
  v: string;
  at?: Location;
  /** Set when part of the text is unknown (UNKNOWN_MARK stands in for it). */
  unknown?: Location;
  origin?: TextOrigin;
}
export interface PathV { t: 'path'; v: string; at?: Location }
export interface ListV {
  t: 'list';
  items: Thunk[];
  at?: Location;
  /** Set when the list may hold further elements we cannot see (`known ++ unknown`). */
  open?: Location;
}
export interface AttrsV {
  t: 'attrs';
  at?: Location;
  get(key: string): Thunk | undefined;
  keys(): string[];
  /** Where the attribute was bound, when it was bound in source. */
  keyAt?(key: string): Location | undefined;
  /** Set when the set may hold further attributes we cannot see. */
  open?: Location;
  /** Set for package values (pkgs.x): their name. */
  pkg?: string;
}
export interface FnV {
  t: 'fn';
  call(arg: Thunk, at: Location): Value;
  name?: string;
  at?: Location;
}
export interface UnknownV { t: 'unknown'; at: Location; why: string }

export type Value = NullV | BoolV | IntV | FloatV | StrV | PathV | ListV | AttrsV | FnV | UnknownV;

/** A lazily evaluated value. Forcing a thunk that is being forced yields an unknown (not an error). */
export class Thunk {
  private state: 0 | 1 | 2 = 0;
  private value: Value | undefined;
  private compute: (() => Value) | undefined;
  /** Where the expression behind this thunk is written. */
  at: Location | undefined;

  constructor(compute: (() => Value) | undefined, value?: Value, at?: Location) {
    this.compute = compute;
    if (value) {
      this.value = value;
      this.state = 2;
    }
    this.at = at ?? value?.at;
  }

  static of(v: Value): Thunk {
    return new Thunk(undefined, v);
  }

  force(): Value {
    if (this.state === 2) return this.value!;
    if (this.state === 1) return { t: 'unknown', at: this.at ?? NOWHERE, why: 'infinite recursion' };
    this.state = 1;
    try {
      this.value = this.compute!();
    } catch (e) {
      if (!(e instanceof EvalBudgetExceeded)) throw e;
      this.value = { t: 'unknown', at: this.at ?? NOWHERE, why: e.message };
    }
    this.state = 2;
    this.compute = undefined;
    return this.value;
  }

  get forced(): boolean {
    return this.state === 2;
  }
}

export class EvalBudgetExceeded extends Error {}

export const NOWHERE: Location = { file: '', line: 0, column: 0, endLine: 0, endColumn: 0 };

export function unknown(at: Location | undefined, why: string): UnknownV {
  return { t: 'unknown', at: at ?? NOWHERE, why };
}

export function str(v: string, at?: Location): StrV {
  return { t: 'string', v, at };
}

/** An attribute set over a Map of thunks. */
export function attrsOf(map: Map<string, Thunk>, at?: Location, keyAt?: Map<string, Location>): AttrsV {
  let sorted: string[] | undefined;
  return {
    t: 'attrs',
    at,
    get: (k) => map.get(k),
    // Nix lists attribute names sorted; the map does not change once built.
    keys: () => (sorted ??= [...map.keys()].sort()),
    keyAt: keyAt ? (k) => keyAt.get(k) : undefined,
  };
}

export function attrsFromObject(o: Record<string, Value>, at?: Location): AttrsV {
  const m = new Map<string, Thunk>();
  for (const [k, v] of Object.entries(o)) m.set(k, Thunk.of(v));
  return attrsOf(m, at);
}

export function isUnknown(v: Value): v is UnknownV {
  return v.t === 'unknown';
}

/** The `_type` of a module-system marker (mkIf, mkMerge, mkOverride, mkOrder, option, option-type). */
export function markerType(v: Value): string | undefined {
  if (v.t !== 'attrs' || v.pkg !== undefined) return undefined;
  const t = v.get('_type');
  if (!t) return undefined;
  const tv = t.force();
  return tv.t === 'string' ? tv.v : undefined;
}

export function describeValue(v: Value): string {
  switch (v.t) {
    case 'null': return 'null';
    case 'bool': return String(v.v);
    case 'int': case 'float': return String(v.v);
    case 'string': return JSON.stringify(v.v);
    case 'path': return v.v;
    case 'list': return 'a list';
    case 'attrs': return v.pkg !== undefined ? `package ${v.pkg}` : 'a set';
    case 'fn': return 'a function';
    case 'unknown': return 'an unknown value';
  }
}
