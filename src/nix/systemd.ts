/**
 * Derives unit files from a host's merged `systemd.*` configuration the way nixpkgs'
 * nixos/lib/systemd-lib.nix and nixos/modules/system/boot/systemd.nix do (the mapping is documented
 * in docs/nixos.md). Every assignment of a derived unit points at the `.nix` line that defined it.
 *
 * Values the static evaluator cannot know are not turned into assignments as if they were values:
 * the unit records the key as unknown (Unit.unknownAt), and rules stay quiet about it.
 */
import type { Location } from '../types.js';
import type { Assignment, ParsedUnitFile, Section } from '../sources/unitfile/parser.js';
import { parseUnitText } from '../sources/unitfile/parser.js';
import type { LinkKind } from '../model/unit.js';
import { escapePath } from '../model/names.js';
import { definedNames, liveDefs, sameFileOr, type Def, type Host } from './modules.js';
import type { Evaluator } from './eval.js';
import { UNKNOWN_MARK, type StrV, type Value } from './value.js';
import { ociContainerUnits } from './containers.js';

export interface VirtualLink {
  /** The unit whose .wants/.requires/.upholds folder holds the link (e.g. multi-user.target). */
  owner: string;
  kind: LinkKind;
  target: string;
  location: Location;
}

export interface VirtualUnit {
  name: string;
  scope: 'system' | 'user';
  /** The synthesized unit file; its `file` is the .nix file where the unit is defined. */
  parsed: ParsedUnitFile;
  /** NixOS writes it as a drop-in (overrides.conf) over a packaged unit of the same name. */
  asDropin: boolean;
  masked?: Location;
  links: VirtualLink[];
  /** "Section.Key" (or "Section.*") → where an unknown value was defined. */
  unknowns: Map<string, Location>;
  /** Where the unit is defined (its attribute name). */
  at: Location;
  /** The source ranges of its definitions (`systemd.services.x = { … };`), for comments about it. */
  ranges?: Location[];
}

const UNIT_LIST_OPTIONS: [string, string][] = [
  ['requires', 'Requires'], ['wants', 'Wants'], ['upholds', 'Upholds'], ['after', 'After'], ['before', 'Before'],
  ['bindsTo', 'BindsTo'], ['partOf', 'PartOf'], ['conflicts', 'Conflicts'], ['requisite', 'Requisite'],
  ['onFailure', 'OnFailure'], ['onSuccess', 'OnSuccess'], ['documentation', 'Documentation'],
];

const KINDS: { opt: string; suffix: string; section?: string; configOpt?: string }[] = [
  { opt: 'services', suffix: 'service', section: 'Service', configOpt: 'serviceConfig' },
  { opt: 'sockets', suffix: 'socket', section: 'Socket', configOpt: 'socketConfig' },
  { opt: 'timers', suffix: 'timer', section: 'Timer', configOpt: 'timerConfig' },
  { opt: 'targets', suffix: 'target' },
  { opt: 'paths', suffix: 'path', section: 'Path', configOpt: 'pathConfig' },
  { opt: 'slices', suffix: 'slice', section: 'Slice', configOpt: 'sliceConfig' },
  { opt: 'mounts', suffix: 'mount', section: 'Mount', configOpt: 'mountConfig' },
  { opt: 'automounts', suffix: 'automount', section: 'Automount', configOpt: 'automountConfig' },
];

/** A line-by-line builder of a synthesized unit file whose assignments point into .nix files. */
class UnitBuilder {
  private readonly sections = new Map<string, Section>();
  readonly unknowns = new Map<string, Location>();

  readonly file: string;

  /** `at`: where the unit is defined; synthesized section headers point there. */
  constructor(readonly at: Location) {
    this.file = at.file;
  }

  private section(name: string): Section {
    let s = this.sections.get(name);
    if (!s) this.sections.set(name, (s = { name, file: this.file, line: this.at.line, column: this.at.column, endColumn: this.at.endColumn, assignments: [] }));
    return s;
  }

  add(section: string, key: string, value: string, keyAt: Location, valueAt?: Location): void {
    const v = valueAt && valueAt.file === keyAt.file && valueAt.line >= keyAt.line ? valueAt : undefined;
    const a: Assignment = {
      key,
      value,
      section,
      file: keyAt.file,
      line: keyAt.line,
      column: keyAt.column,
      endLine: v ? v.endLine : keyAt.endLine,
      endColumn: v ? v.endColumn : keyAt.endColumn,
      valueColumn: v && v.line === keyAt.line ? v.column : keyAt.endColumn,
      keyEndColumn: keyAt.endColumn,
    };
    this.section(section).assignments.push(a);
  }

  unknown(section: string, key: string, at: Location): void {
    const k = `${section}.${key}`;
    if (!this.unknowns.has(k)) this.unknowns.set(k, at);
  }

  touch(section: string): void {
    this.section(section);
  }

  build(): ParsedUnitFile {
    const order = ['Unit', 'Service', 'Socket', 'Timer', 'Path', 'Slice', 'Mount', 'Automount', 'Install'];
    const sections = [...this.sections.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    return { file: this.file, sections, comments: [], diagnostics: [], lineCount: 0 };
  }
}



/** systemd-lib's toOption: true/false for Booleans, toString otherwise. */
function optionText(ev: Evaluator, v: Value, at: Location): { text: string; unknown?: Location } | undefined {
  switch (v.t) {
    case 'bool': return { text: v.v ? 'true' : 'false' };
    case 'null': return undefined;
    case 'unknown': return { text: UNKNOWN_MARK, unknown: v.at.line ? v.at : at };
    default: {
      const c = ev.coerceToString(v, at, true);
      return c.unknown ? { text: c.v, unknown: c.unknown } : { text: c.v };
    }
  }
}

export function deriveUnits(host: Host, ev: Evaluator): VirtualUnit[] {
  const out: VirtualUnit[] = [];
  for (const scope of ['system', 'user'] as const) {
    const base = scope === 'system' ? ['systemd'] : ['systemd', 'user'];
    for (const kind of KINDS) {
      const setPath = [...base, kind.opt];
      const names = definedNames(host, setPath);
      for (const { name, at } of names) {
        const u = deriveOne(host, ev, scope, kind, name, [...setPath, name], at);
        if (u) out.push(u);
        if (kind.opt === 'services' && u && !u.masked) {
          const t = startAtTimer(host, ev, scope, [...setPath, name], name);
          if (t) out.push(t);
        }
      }
    }
    // systemd.units."x.service".text and friends.
    for (const { name, at } of definedNames(host, [...base, 'units'])) {
      const p = [...base, 'units', name];
      const textDefs = liveDefs(host.defs([...p, 'text']));
      const enable = scalar(host, [...p, 'enable']);
      const vu: VirtualUnit = { name, scope, parsed: { file: at.file, sections: [], comments: [], diagnostics: [], lineCount: 0 }, asDropin: false, links: [], unknowns: new Map(), at };
      if (textDefs.length) {
        const t = textDefs[textDefs.length - 1];
        if (t.value.t === 'string' && !t.value.unknown) {
          vu.parsed = parseTextAt(t.value, t.at);
        } else {
          vu.unknowns.set('*.*', t.at);
        }
      } else {
        continue; // no text: a unit from a package, adjusted (links, enable) elsewhere
      }
      if (enable && enable.value.t === 'bool' && !enable.value.v) vu.masked = enable.at;
      addInstallLinks(host, p, name, vu.links);
      out.push(vu);
    }
  }
  out.push(...ociContainerUnits(host, ev));
  return out;
}

/** A unit text given as a Nix string, parsed with positions mapped back to the .nix file. */
function parseTextAt(s: StrV, at: Location): ParsedUnitFile {
  const parsed = parseUnitText(at.file, s.v);
  const origin = s.origin;
  // Line k of the text is line origin.line + k - 1 of the .nix file, shifted right by the stripped
  // indentation; without an origin (a computed string) everything points at the `text` binding.
  const shift = (line: number, col: number): [number, number] => (origin ? [origin.line + line - 1, origin.column + col - 1] : [at.line, at.column]);
  for (const sec of parsed.sections) {
    [sec.line, sec.column] = shift(sec.line, sec.column);
    sec.file = at.file;
    for (const a of sec.assignments) {
      const [l, c] = shift(a.line, a.column);
      const [el, ec] = shift(a.endLine, a.endColumn);
      const [, vc] = shift(a.line, a.valueColumn);
      const [, kc] = shift(a.line, a.keyEndColumn);
      Object.assign(a, { file: at.file, line: l, column: c, endLine: el, endColumn: ec, valueColumn: vc, keyEndColumn: kc });
    }
  }
  for (const d of parsed.diagnostics) {
    const [l, c] = shift(d.line, d.column);
    const [el, ec] = shift(d.endLine, d.endColumn);
    Object.assign(d, { line: l, column: c, endLine: el, endColumn: ec });
  }
  for (const c of parsed.comments) [c.line, c.column] = shift(c.line, c.column);
  parsed.file = at.file;
  return parsed;
}


function scalar(host: Host, p: string[]): { value: Value; at: Location } | undefined {
  const ds = liveDefs(host.defs(p));
  if (!ds.length) return undefined;
  const d = ds[ds.length - 1];
  return { value: d.value, at: d.at };
}

/** The string items of a list option, each with where it is written. */
function listItems(ev: Evaluator, host: Host, p: string[]): { items: { text: string; at: Location; unknown?: Location }[]; unknown?: Location } {
  const items: { text: string; at: Location; unknown?: Location }[] = [];
  let unk: Location | undefined = host.partial(p);
  for (const d of liveDefs(host.defs(p))) {
    const v = d.value;
    if (v.t === 'list') {
      if (v.open) unk = unk ?? v.open;
      for (const th of v.items) {
        const iv = th.force();
        const at = sameFileOr(th.at, d.at);
        if (iv.t === 'list') {
          for (const t2 of iv.items) pushItem(t2.force(), sameFileOr(t2.at, at));
          continue;
        }
        pushItem(iv, at);
      }
    } else pushItem(v, d.at);
  }
  function pushItem(v: Value, at: Location) {
    if (v.t === 'unknown') {
      unk = unk ?? (v.at.line ? v.at : at);
      return;
    }
    if (v.t === 'null') return;
    const t = optionText(ev, v, at);
    if (!t) return;
    if (t.unknown) unk = unk ?? t.unknown;
    items.push({ text: t.text, at, unknown: t.unknown });
  }
  return { items, unknown: unk };
}

/** A types.lines option (script, preStart, …): definitions joined in mkOrder order. */
function linesOf(host: Host, p: string[]): { text: StrV; at: Location } | { unknown: Location } | undefined {
  const ds = liveDefs(host.defs(p));
  if (!ds.length) return undefined;
  const parts = ds.filter((d) => d.value.t === 'string');
  const unk = ds.find((d) => d.value.t !== 'string' || d.value.unknown);
  if (!parts.length) return { unknown: unk?.at ?? ds[0].at };
  const text: StrV = { t: 'string', v: parts.map((d) => (d.value as StrV).v).join('\n') };
  if (unk) text.unknown = unk.at;
  const first = parts[0].value as StrV;
  if (parts.length === 1 && first.origin) text.origin = first.origin;
  if (text.v.trim() === '') return undefined;
  return { text, at: parts[0].at };
}

/** Adds a raw `xConfig` set as assignments of one section (lists repeat the key, null is dropped). */
function addRawSection(ev: Evaluator, host: Host, b: UnitBuilder, p: string[], section: string): void {
  const part = host.partial(p);
  if (part) b.unknown(section, '*', part);
  for (const { name: key } of definedNames(host, p)) {
    const kp = [...p, key];
    const ds = liveDefs(host.defs(kp));
    if (!ds.length) continue;
    const isList = ds.some((d) => d.value.t === 'list');
    if (isList) {
      const l = listItems(ev, host, kp);
      for (const it of l.items) b.add(section, key, it.text, ds[0].at, it.at);
      if (l.unknown || l.items.some((i) => i.unknown)) b.unknown(section, key, l.unknown ?? l.items.find((i) => i.unknown)!.unknown!);
      continue;
    }
    const d = ds[ds.length - 1];
    if (d.value.t === 'null') {
      // systemd-lib writes `Key=` for null: an empty assignment, which resets the setting.
      b.add(section, key, '', d.at, valueAt(d));
      continue;
    }
    const t = optionText(ev, d.value, d.at);
    if (!t) continue;
    if (d.value.t === 'unknown') {
      b.unknown(section, key, t.unknown ?? d.at);
      continue;
    }
    b.add(section, key, t.text, d.at, valueAt(d));
    if (t.unknown) b.unknown(section, key, t.unknown);
  }
}

function valueAt(d: Def): Location | undefined {
  return d.value.at && d.value.at.file === d.at.file ? d.value.at : undefined;
}

function addInstallLinks(host: Host, p: string[], name: string, links: VirtualLink[]): void {
  for (const [opt, kind] of [['wantedBy', 'wants'], ['requiredBy', 'requires'], ['upheldBy', 'upholds']] as const) {
    for (const d of liveDefs(host.defs([...p, opt]))) {
      if (d.value.t !== 'list') continue;
      for (const th of d.value.items) {
        const v = th.force();
        if (v.t === 'string' && !v.unknown) links.push({ owner: v.v, kind, target: name, location: sameFileOr(th.at, d.at) });
      }
    }
  }
}

function deriveOne(
  host: Host, ev: Evaluator, scope: 'system' | 'user', kind: (typeof KINDS)[number], attrName: string, p: string[], at: Location,
): VirtualUnit | undefined {
  let name = `${attrName}.${kind.suffix}`;
  if (kind.opt === 'mounts' || kind.opt === 'automounts') {
    // systemd.mounts is a list in NixOS; an attribute set here is not a NixOS shape.
    const where = scalar(host, [...p, 'where']);
    if (where?.value.t === 'string' && !where.value.unknown) name = `${escapePath(where.value.v)}.${kind.suffix}`;
  }
  const b = new UnitBuilder(at);
  b.touch('Unit');
  const enable = scalar(host, [...p, 'enable']);
  const vu: VirtualUnit = { name, scope, parsed: b.build(), asDropin: false, links: [], unknowns: b.unknowns, at };
  vu.ranges = host.defs(p).map((d) => d.valueAt).filter((l): l is Location => !!l && !!l.file);
  if (enable && enable.value.t === 'bool' && !enable.value.v) vu.masked = enable.at;

  // [Unit]: description, the dependency lists (unioned with unitConfig), start limits.
  const desc = scalar(host, [...p, 'description']);
  if (desc && desc.value.t === 'string' && desc.value.v !== '') b.add('Unit', 'Description', desc.value.v, desc.at, valueAt({ ...desc, prio: 0, order: 0, conds: [], module: '' }));
  for (const [opt, key] of UNIT_LIST_OPTIONS) {
    const l = listItems(ev, host, [...p, opt]);
    // A name that is not known is not a name: leave it out (the key is marked unknown below).
    for (const it of l.items) if (!it.unknown) b.add('Unit', key, it.text, it.at, it.at);
    if (l.unknown) b.unknown('Unit', key, l.unknown);
  }
  for (const [opt, key] of [['startLimitIntervalSec', 'StartLimitIntervalSec'], ['startLimitBurst', 'StartLimitBurst']] as const) {
    const s = scalar(host, [...p, opt]);
    if (!s || s.value.t === 'null') continue;
    if (s.value.t === 'unknown') {
      b.unknown('Unit', key, s.at);
      continue;
    }
    const t = optionText(ev, s.value, s.at);
    if (t) b.add('Unit', key, t.text, s.at, s.value.at);
  }
  addRawSection(ev, host, b, [...p, 'unitConfig'], 'Unit');

  if (kind.opt === 'services') deriveService(host, ev, b, p, attrName);
  if (kind.opt === 'sockets') {
    for (const [opt, key] of [['listenStreams', 'ListenStream'], ['listenDatagrams', 'ListenDatagram']] as const) {
      const l = listItems(ev, host, [...p, opt]);
      for (const it of l.items) b.add('Socket', key, it.text, it.at, it.at);
      if (l.unknown) b.unknown('Socket', key, l.unknown);
    }
  }
  if (kind.opt === 'mounts' || kind.opt === 'automounts') {
    for (const [opt, key] of [['what', 'What'], ['where', 'Where'], ['type', 'Type'], ['options', 'Options']] as const) {
      const s = scalar(host, [...p, opt]);
      if (s && s.value.t === 'string') b.add(kind.section!, key, s.value.v, s.at, s.value.at);
    }
  }
  if (kind.section && kind.configOpt) {
    b.touch(kind.section);
    addRawSection(ev, host, b, [...p, kind.configOpt], kind.section);
  }
  addInstallLinks(host, p, name, vu.links);
  const aliases = listItems(ev, host, [...p, 'aliases']);
  for (const a of aliases.items) b.add('Install', 'Alias', a.text, a.at, a.at);

  const strategy = scalar(host, [...p, 'overrideStrategy']);
  if (strategy?.value.t === 'string' && strategy.value.v === 'asDropin') vu.asDropin = true;
  vu.parsed = b.build();
  vu.unknowns = b.unknowns;
  return vu;
}

/** `startAt` → a timer of the same name: OnCalendar= for each entry, wanted by timers.target (systemd.nix). */
function startAtTimer(host: Host, ev: Evaluator, scope: 'system' | 'user', p: string[], name: string): VirtualUnit | undefined {
  const l = listItems(ev, host, [...p, 'startAt']);
  if (!l.items.length && !l.unknown) return undefined;
  const at = l.items[0]?.at ?? l.unknown!;
  const b = new UnitBuilder(at);
  b.touch('Unit');
  b.touch('Timer');
  for (const it of l.items) b.add('Timer', 'OnCalendar', it.text, it.at, it.at);
  if (l.unknown) b.unknown('Timer', 'OnCalendar', l.unknown);
  const timer = `${name}.timer`;
  return {
    name: timer,
    scope,
    parsed: b.build(),
    asDropin: false,
    links: [{ owner: 'timers.target', kind: 'wants', target: timer, location: at }],
    unknowns: b.unknowns,
    at,
  };
}

/** What NixOS puts on every service's PATH after the unit's own `path` (systemd.nix). */
const DEFAULT_PATH = ['coreutils', 'findutils', 'gnugrep', 'gnused', 'systemd'];

const SCRIPT_OPTIONS: [string, string, string][] = [
  ['preStart', 'ExecStartPre', 'pre-start'],
  ['script', 'ExecStart', 'start'],
  ['postStart', 'ExecStartPost', 'post-start'],
  ['reload', 'ExecReload', 'reload'],
  ['preStop', 'ExecStop', 'pre-stop'],
  ['postStop', 'ExecStopPost', 'post-stop'],
];

function deriveService(host: Host, ev: Evaluator, b: UnitBuilder, p: string[], name: string): void {
  // environment (and PATH from `path`) → Environment="K=V"
  const envPath = [...p, 'environment'];
  if (host.partial(envPath)) b.unknown('Service', 'Environment', host.partial(envPath)!);
  for (const { name: k } of definedNames(host, envPath)) {
    const s = scalar(host, [...envPath, k]);
    if (!s || s.value.t === 'null') continue;
    const t = optionText(ev, s.value, s.at);
    if (!t) continue;
    if (t.unknown) b.unknown('Service', 'Environment', t.unknown);
    b.add('Service', 'Environment', JSON.stringify(`${k}=${t.text}`), s.at, valueAt({ ...s, prio: 0, order: 0, conds: [], module: '' }));
  }
  // path (plus NixOS's default packages) → Environment="PATH=…" (bin, then sbin, as makeBinPath and
  // makeSearchPathOutput "bin" "sbin" write it).
  if (!definedNames(host, envPath).some((n) => n.name === 'PATH')) {
    const pkgs = listItems(ev, host, [...p, 'path']);
    const names = [...pkgs.items.map((i) => i.text), ...DEFAULT_PATH.map((n) => `/nix/store/unitlint-${n}`)];
    const value = `PATH=${names.map((n) => `${n}/bin`).join(':')}:${names.map((n) => `${n}/sbin`).join(':')}`;
    const at = pkgs.items[0]?.at ?? b.at;
    b.add('Service', 'Environment', JSON.stringify(value), at, pkgs.items[0]?.at);
    if (pkgs.unknown || pkgs.items.some((i) => i.unknown)) b.unknown('Service', 'Environment', pkgs.unknown ?? at);
  }
  // script, preStart, … → Exec lines running "${shell} -e" scripts written to the store.
  for (const [opt, key, suffix] of SCRIPT_OPTIONS) {
    const l = linesOf(host, [...p, opt]);
    if (!l) continue;
    if ('unknown' in l) {
      b.unknown('Service', key, l.unknown);
      continue;
    }
    const scriptName = `unit-script-${name.replace(/\\/g, '-').replace(/@/g, '_')}-${suffix}`;
    const text: StrV = { ...l.text, v: `set -e\n${l.text.v}` };
    if (l.text.origin) text.origin = { ...l.text.origin, line: l.text.origin.line - 1 };
    const sp = ev.writeScript(scriptName, text, l.at, scriptName, `${opt} of systemd.services.${name}`);
    let cmd = sp;
    if (opt === 'script') {
      const args = scalar(host, [...p, 'scriptArgs']);
      if (args?.value.t === 'string' && args.value.v) cmd += ` ${args.value.v}`;
    }
    b.add('Service', key, cmd, l.at);
    if (l.text.unknown) b.unknown('Service', key, l.text.unknown);
  }
}

