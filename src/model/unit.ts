import type { Location } from '../types.js';
import type { Assignment, ParsedUnitFile } from '../sources/unitfile/parser.js';
import { expandSpecifiers, type UnitType } from './names.js';

export type UnitOrigin = 'input' | 'builtin' | 'referenced';

export interface UnitSource {
  /** Absolute path (for builtin units: systemd's path on a stock system, e.g. /lib/systemd/system/sysinit.target). */
  file: string;
  parsed: ParsedUnitFile;
  kind: 'fragment' | 'dropin';
  builtin: boolean;
}

/** One effective value with where it came from. */
export interface Value {
  /** Specifier-expanded value. */
  value: string;
  /** The assignment that set it (its file:line is the provenance). */
  at: Assignment;
}

export type LinkKind = 'wants' | 'requires' | 'upholds';

export interface LinkDep {
  kind: LinkKind;
  target: string;
  location: Location;
}

export function assignmentLocation(a: Assignment): Location {
  return { file: a.file, line: a.line, column: a.column, endLine: a.endLine, endColumn: a.endColumn };
}

export function valueLocation(a: Assignment): Location {
  if (a.line !== a.endLine) return assignmentLocation(a);
  return { file: a.file, line: a.line, column: a.valueColumn, endLine: a.line, endColumn: Math.max(a.endColumn, a.valueColumn + 1) };
}

/** Location of one word of a single-line value, given its offsets in the value. */
export function wordLocation(a: Assignment, start: number, end: number): Location {
  if (a.line !== a.endLine) return assignmentLocation(a);
  return { file: a.file, line: a.line, column: a.valueColumn + start, endLine: a.line, endColumn: a.valueColumn + end };
}

export function keyLocation(a: Assignment): Location {
  return { file: a.file, line: a.line, column: a.column, endLine: a.line, endColumn: a.keyEndColumn };
}

const NONE: Assignment[] = [];
const sharedIndex = new WeakMap<ParsedUnitFile, { cache: Map<string, Map<string, Assignment[]>>; rankOf: Map<Assignment, number> }>();
const EMPTY_SECTION: ReadonlyMap<string, Assignment[]> = new Map();

export class Unit {
  readonly name: string;
  readonly type: UnitType;
  origin: UnitOrigin;
  fragment: UnitSource | undefined;
  dropins: UnitSource[] = [];
  /** Where the unit is masked (a link to /dev/null), if it is. */
  masked: Location | undefined;
  /** Set for instances (foo@bar.service → 'bar') and templates (''). */
  instance: string | undefined;
  /** For instances instantiated from a template: the template's name. */
  template: string | undefined;
  /** Other names of this unit (symlinks, Alias=). */
  aliases: string[] = [];
  links: LinkDep[] = [];
  /** False when systemd would refuse to load the fragment (e.g. an invalid section header). */
  loadable = true;
  /** Set when only a drop-in over a unit we do not have exists (the base unit lives elsewhere). */
  partial = false;
  /**
   * Settings whose value the input defines but unitlint cannot know statically (a NixOS option read
   * from outside the tree): "Section.Key" or "Section.*" → where. Rules never judge such a setting.
   */
  unknowns: Map<string, Location> | undefined;

  private cache: Map<string, Map<string, Assignment[]>> | undefined;
  private rankOf: Map<Assignment, number> | undefined;

  constructor(name: string, type: UnitType, origin: UnitOrigin) {
    this.name = name;
    this.type = type;
    this.origin = origin;
  }

  get builtin(): boolean {
    return this.origin === 'builtin';
  }

  /** All sources, fragment first, then drop-ins in the order systemd applies them. */
  sources(): UnitSource[] {
    return this.fragment ? [this.fragment, ...this.dropins] : [...this.dropins];
  }

  /** Every assignment in effect order (fragment, then drop-ins), in every section. */
  allAssignments(): Assignment[] {
    const out: Assignment[] = [];
    for (const s of this.sources()) {
      if (s.kind === 'fragment' && !this.loadable) continue;
      for (const sec of s.parsed.sections) out.push(...sec.assignments);
    }
    return out;
  }

  private index(): Map<string, Map<string, Assignment[]>> {
    if (!this.cache) {
      // A unit that is only one of systemd's own files (no drop-ins) has the same index in every
      // project (each NixOS host is one): build it once per parsed file.
      const shared = this.dropins.length === 0 && this.fragment?.builtin && this.loadable ? this.fragment.parsed : undefined;
      const hit = shared && sharedIndex.get(shared);
      if (hit) {
        this.cache = hit.cache;
        this.rankOf = hit.rankOf;
        return this.cache;
      }
      this.cache = new Map();
      this.rankOf = new Map();
      for (const a of this.allAssignments()) {
        this.rankOf.set(a, this.rankOf.size);
        let sec = this.cache.get(a.section);
        if (!sec) this.cache.set(a.section, (sec = new Map()));
        let arr = sec.get(a.key);
        if (!arr) sec.set(a.key, (arr = []));
        arr.push(a);
      }
      if (shared) sharedIndex.set(shared, { cache: this.cache, rankOf: this.rankOf });
    }
    return this.cache;
  }

  invalidate(): void {
    this.cache = undefined;
    this.rankOf = undefined;
  }

  /** Effect order of two assignments of this unit (sources in order, then lines). */
  rank(a: Assignment): number {
    this.index();
    return this.rankOf!.get(a) ?? -1;
  }

  /** Every assignment of one section, in effect order, as a map key → assignments. */
  section(section: string): ReadonlyMap<string, Assignment[]> {
    return this.index().get(section) ?? EMPTY_SECTION;
  }

  /** Specifier expansion of a raw value in this unit's context. */
  expandValue(v: string): string {
    return this.expand(v);
  }

  /** Raw assignments of one key in one section, in effect order. */
  assignments(section: string, key: string): Assignment[] {
    return this.index().get(section)?.get(key) ?? NONE;
  }

  private expand(v: string): string {
    return expandSpecifiers(v, this.name);
  }

  /** The effective value of a scalar setting: the last assignment wins (an empty one resets to the default). */
  get(section: string, ...keys: string[]): Value | undefined {
    let best: Assignment | undefined;
    for (const key of keys) {
      for (const a of this.assignments(section, key)) {
        if (!best || compareOrder(a, best, this) > 0) best = a;
      }
    }
    if (!best || best.value === '') return undefined;
    return { value: this.expand(best.value), at: best };
  }

  /** The effective value among several (section, key) pairs that set the same field (e.g. compat aliases). */
  getAny(pairs: [string, string][]): Value | undefined {
    let best: Assignment | undefined;
    for (const [section, key] of pairs) {
      for (const a of this.assignments(section, key)) {
        if (!best || compareOrder(a, best, this) > 0) best = a;
      }
    }
    if (!best || best.value === '') return undefined;
    return { value: this.expand(best.value), at: best };
  }

  /**
   * The effective items of a list setting. Repeated assignments accumulate; with `reset` (the default)
   * an empty assignment clears what came before — except for dependency lists (After=, Wants=, …),
   * which systemd cannot reset, so callers pass `reset: false` for them.
   */
  list(section: string, key: string, opts: { reset?: boolean } = {}): Value[] {
    const reset = opts.reset ?? true;
    let out: Value[] = [];
    for (const a of this.assignments(section, key)) {
      if (a.value === '') {
        if (reset) out = [];
        continue;
      }
      out.push({ value: this.expand(a.value), at: a });
    }
    return out;
  }

  /** Where the input sets this key to a value unitlint cannot know (see `unknowns`), if it does. */
  unknownAt(section: string, ...keys: string[]): Location | undefined {
    if (!this.unknowns?.size) return undefined;
    for (const k of keys) {
      const at = this.unknowns.get(`${section}.${k}`);
      if (at) return at;
    }
    return this.unknowns.get(`${section}.*`) ?? this.unknowns.get('*.*');
  }

  /** parse_boolean() of the effective value; `def` when unset or unparsable. */
  bool(section: string, key: string, def: boolean): boolean {
    const v = this.get(section, key);
    if (!v) return def;
    const b = parseBoolean(v.value);
    return b ?? def;
  }
}

/** Order of two assignments of the same unit: the order systemd applies them in. */
function compareOrder(a: Assignment, b: Assignment, u: Unit): number {
  return u.rank(a) - u.rank(b);
}

/** systemd's parse_boolean(). */
export function parseBoolean(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(s)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(s)) return false;
  return undefined;
}
