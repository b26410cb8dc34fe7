/**
 * The boot graph: ordering edges (X before Y) and requirement edges (X wants/requires/… Y), each
 * with its provenance — the explicit directive's file:line, or the implicit rule of systemd that
 * created it. The implicit rules follow systemd 252 (src/core/{unit,service,socket,timer,path,
 * target,mount}.c and systemd.unit(5) "Implicit/Default Dependencies").
 */
import { Graph, alg } from '@dagrejs/graphlib';
import type { Location } from '../types.js';
import type { Project } from '../model/load.js';
import { splitUnitList } from '../sources/unitfile/words.js';
import { escapePath, parseUnitName } from '../model/names.js';
import { Unit, wordLocation, assignmentLocation, parseBoolean } from '../model/unit.js';
import { typeSection } from '../model/directives.js';

type GraphT = Graph;

export type DepKind =
  | 'wants' | 'requires' | 'requisite' | 'bindsTo' | 'upholds' | 'partOf' | 'conflicts'
  | 'onFailure' | 'onSuccess' | 'triggers' | 'propagatesReloadTo' | 'reloadPropagatedFrom'
  | 'propagatesStopTo' | 'stopPropagatedFrom' | 'joinsNamespaceOf';

export interface Provenance {
  /** The unit whose configuration (or whose implicit rule) created the edge. */
  unit: string;
  /** Human form of the cause, e.g. "After=network.target" or "WantedBy=multi-user.target". */
  directive: string;
  /** The explicit setting's location (a drop-in's line when a drop-in set it); for implicit edges, the setting that caused it, if any. */
  location?: Location;
  /** Set for implicit edges: the rule of systemd that created it. */
  implicit?: string;
}

export interface OrderEdge {
  id: number;
  before: string;
  after: string;
  prov: Provenance;
}

export interface DepEdge {
  id: number;
  kind: DepKind;
  from: string;
  to: string;
  prov: Provenance;
}

const UNIT_DEP_KEYS: Partial<Record<string, DepKind | 'after' | 'before'>> = {
  After: 'after', Before: 'before',
  Wants: 'wants', Requires: 'requires', Requisite: 'requisite', BindsTo: 'bindsTo', BindTo: 'bindsTo',
  Upholds: 'upholds', PartOf: 'partOf', Conflicts: 'conflicts', OnFailure: 'onFailure', OnSuccess: 'onSuccess',
  PropagatesReloadTo: 'propagatesReloadTo', PropagateReloadTo: 'propagatesReloadTo',
  ReloadPropagatedFrom: 'reloadPropagatedFrom', PropagateReloadFrom: 'reloadPropagatedFrom',
  PropagatesStopTo: 'propagatesStopTo', StopPropagatedFrom: 'stopPropagatedFrom', JoinsNamespaceOf: 'joinsNamespaceOf',
};

/** Requirement kinds that make a target order itself after the unit (UNIT_ATOM_ADD_DEFAULT_TARGET_DEPENDENCY_QUEUE). */
const TARGET_DEFAULT_KINDS = new Set<DepKind>(['wants', 'requires', 'requisite', 'bindsTo', 'upholds']);

const EXEC_TYPES = new Set(['service', 'socket', 'mount', 'swap']);
const CGROUP_TYPES = new Set(['service', 'socket', 'mount', 'swap', 'scope']);

const NETWORK_FS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'sshfs', 'ncpfs', 'ncp', 'glusterfs', 'davfs', 'fuse.sshfs', 'ceph', 'lustre', '9p', 'afs', 'gfs', 'gfs2', 'ocfs2']);

/**
 * The provenance of an edge added by DefaultDependencies=yes. Its explanation is composed on demand:
 * a large tree has tens of thousands of these edges and only the few in a finding are ever printed.
 */
class DefaultDepProvenance implements Provenance {
  constructor(
    readonly unit: string,
    private readonly type: string,
    readonly directive: string,
    private readonly note: string,
    readonly location: Location | undefined,
  ) {}

  get implicit(): string {
    return `DefaultDependencies=yes (the default for ${this.type} units) gives ${this.unit} ${this.directive}${this.note}`;
  }
}

export class BootGraph {
  readonly orderEdges: OrderEdge[] = [];
  readonly deps: DepEdge[] = [];
  /** Every unit name that appears in the graph. */
  readonly nodes = new Set<string>();
  private outIdx = new Map<string, OrderEdge[]>();
  /** Ordered pairs by a numeric key (interned unit ids), to avoid building a string per edge. */
  private pairIdx = new Map<number, OrderEdge[]>();
  private ids = new Map<string, number>();

  private id(name: string): number {
    let i = this.ids.get(name);
    if (i === undefined) {
      i = this.ids.size;
      this.ids.set(name, i);
      this.nodes.add(name);
    }
    return i;
  }

  private pairKey(before: string, after: string): number | undefined {
    const a = this.ids.get(before);
    const b = this.ids.get(after);
    return a === undefined || b === undefined ? undefined : a * 4_194_304 + b;
  }
  private depsFromIdx = new Map<string, DepEdge[]>();
  private depsToIdx = new Map<string, DepEdge[]>();
  private graph: Graph | undefined;

  addOrder(before: string, after: string, prov: Provenance): void {
    if (before === after) return; // systemd ignores dependencies on oneself
    const e: OrderEdge = { id: this.orderEdges.length, before, after, prov };
    this.orderEdges.push(e);
    const key = this.id(before) * 4_194_304 + this.id(after);
    push(this.outIdx, before, e);
    push(this.pairIdx, key, e);
    this.graph = undefined;
  }

  addDep(kind: DepKind, from: string, to: string, prov: Provenance): void {
    if (from === to) return;
    const e: DepEdge = { id: this.deps.length, kind, from, to, prov };
    this.deps.push(e);
    push(this.depsFromIdx, from, e);
    push(this.depsToIdx, to, e);
    this.id(from);
    this.id(to);
  }

  addNode(name: string): void {
    this.id(name);
  }

  /**
   * The part of the ordering graph that can hold cycles, as a @dagrejs/graphlib graph: one edge per
   * ordered pair of units, labelled with every cause of that ordering (OrderEdge[]). Units that have
   * no incoming or no outgoing ordering (after repeatedly removing such units) cannot be on a cycle
   * and are trimmed first, which keeps the graph small on real trees. Built on first use.
   */
  get order(): Graph {
    if (!this.graph) {
      const outs = new Map<string, Set<string>>();
      const ins = new Map<string, Set<string>>();
      for (const edges of this.pairIdx.values()) {
        const { before, after } = edges[0];
        (outs.get(before) ?? outs.set(before, new Set()).get(before)!).add(after);
        (ins.get(after) ?? ins.set(after, new Set()).get(after)!).add(before);
      }
      const alive = new Set<string>([...outs.keys()].filter((n) => ins.has(n)));
      const queue = [...this.nodes].filter((n) => !alive.has(n));
      const dead = new Set(queue);
      while (queue.length) {
        const n = queue.pop()!;
        for (const m of outs.get(n) ?? []) {
          const s = ins.get(m);
          s?.delete(n);
          if (alive.has(m) && (!s || s.size === 0)) { alive.delete(m); if (!dead.has(m)) { dead.add(m); queue.push(m); } }
        }
        for (const m of ins.get(n) ?? []) {
          const s = outs.get(m);
          s?.delete(n);
          if (alive.has(m) && (!s || s.size === 0)) { alive.delete(m); if (!dead.has(m)) { dead.add(m); queue.push(m); } }
        }
      }
      const g = new Graph({ directed: true });
      for (const n of alive) g.setNode(n);
      for (const n of alive) for (const m of outs.get(n) ?? []) if (alive.has(m)) g.setEdge(n, m, this.orderEdgesBetween(n, m));
      this.graph = g;
    }
    return this.graph;
  }

  depsFrom(unit: string): DepEdge[] {
    return this.depsFromIdx.get(unit) ?? [];
  }

  depsTo(unit: string): DepEdge[] {
    return this.depsToIdx.get(unit) ?? [];
  }

  /** A direct ordering edge before → after exists. */
  hasDirectOrder(before: string, after: string): boolean {
    const k = this.pairKey(before, after);
    return k !== undefined && this.pairIdx.has(k);
  }

  /** All edges before → after (there can be several causes). */
  orderEdgesBetween(before: string, after: string): OrderEdge[] {
    const k = this.pairKey(before, after);
    return (k !== undefined && this.pairIdx.get(k)) || [];
  }

  outOrder(unit: string): OrderEdge[] {
    return this.outIdx.get(unit) ?? [];
  }

  /** Shortest ordering path from → to (list of edges), or undefined. BFS; deterministic. */
  orderPath(from: string, to: string, within?: ReadonlySet<string>, limit = 1_000_000): OrderEdge[] | undefined {
    if (from === to) return [];
    const prev = new Map<string, OrderEdge>();
    const queue = [from];
    const seen = new Set([from]);
    for (let qi = 0; qi < queue.length && qi < limit; qi++) {
      const v = queue[qi];
      const outs = this.outOrder(v);
      const sorted = outs.length > 1 ? [...outs].sort(cmpEdge) : outs;
      for (const e of sorted) {
        if (seen.has(e.after) || (within && !within.has(e.after))) continue;
        seen.add(e.after);
        prev.set(e.after, e);
        if (e.after === to) {
          const path: OrderEdge[] = [];
          let cur = to;
          while (cur !== from) {
            const pe = prev.get(cur)!;
            path.unshift(pe);
            cur = pe.before;
          }
          return path;
        }
        queue.push(e.after);
      }
    }
    return undefined;
  }

  /** Strongly connected components of the ordering graph with more than one unit. */
  cycles(): string[][] {
    return alg
      .tarjan(this.order)
      .filter((c) => c.length > 1)
      .map((c) => [...c].sort())
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
}

function cmpEdge(a: OrderEdge, b: OrderEdge): number {
  if (a.after !== b.after) return a.after < b.after ? -1 : 1;
  return a.id - b.id;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  let a = m.get(k);
  if (!a) m.set(k, (a = []));
  a.push(v);
}

/** True when systemd would load and act on the unit's dependencies. */
export function isActive(u: Unit | undefined): boolean {
  // Templates (foo@.service) are never units of their own: only their instances are.
  return !!u && !u.masked && u.loadable && u.instance !== '';
}

export function defaultDependencies(u: Unit): boolean {
  return u.bool('Unit', 'DefaultDependencies', true);
}

function sectionHeaderLocation(u: Unit): Location | undefined {
  const f = u.fragment;
  if (!f) return undefined;
  const s = f.parsed.sections.find((x) => x.name === 'Unit') ?? f.parsed.sections[0];
  if (!s) return { file: f.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
  return { file: f.file, line: s.line, column: s.column, endLine: s.line, endColumn: s.endColumn };
}

export function buildGraph(project: Project): BootGraph {
  const g = new BootGraph();
  const canon = (n: string) => project.aliasOf.get(n) ?? n;
  const units = [...project.units.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const u of units) g.addNode(u.name);

  const ordering = (kind: 'after' | 'before', u: Unit, other: string, prov: Provenance) => {
    if (kind === 'after') g.addOrder(other, u.name, prov);
    else g.addOrder(u.name, other, prov);
  };

  for (const u of units) {
    if (!isActive(u)) continue;
    // Explicit [Unit] dependencies (lists that accumulate; an empty assignment does not reset them).
    for (const [key, assigns] of u.section('Unit')) {
      const kind = UNIT_DEP_KEYS[key];
      if (!kind) continue;
      for (const a of assigns) {
        if (a.value === '') continue;
        for (const w of splitUnitList(u.expandValue(a.value))) {
          if (!parseUnitName(w.text)) continue;
          const other = canon(w.text);
          const prov: Provenance = { unit: u.name, directive: `${key}=${w.text}`, location: wordLocation(a, w.start, w.end) };
          if (kind === 'after' || kind === 'before') ordering(kind, u, other, prov);
          else g.addDep(kind, u.name, other, prov);
        }
      }
    }
    // Link folders (foo.target.wants/bar.service).
    for (const l of u.links) {
      g.addDep(l.kind, u.name, canon(l.target), { unit: u.name, directive: `${u.name}.${l.kind}/${l.target}`, location: l.location });
    }
    // [Install]: treated as enabled — the target wants the unit.
    const installName = installNameOf(u, project);
    if (installName) {
      for (const [key, kind] of [['WantedBy', 'wants'], ['RequiredBy', 'requires'], ['UpheldBy', 'upholds']] as const) {
        for (const v of u.list('Install', key, { reset: false })) {
          for (const w of splitUnitList(v.value)) {
            if (!parseUnitName(w.text)) continue;
            g.addDep(kind, canon(w.text), installName, {
              unit: u.name, directive: `${key}=${w.text}`, location: wordLocation(v.at, w.start, w.end),
            });
          }
        }
      }
    }
    addImplicit(g, u, project, canon);
  }

  // Targets order themselves after what they pull in (target_add_default_dependencies), last,
  // because they depend on every requirement edge above.
  for (const t of units) {
    if (t.type !== 'target' || !isActive(t) || !defaultDependencies(t)) continue;
    const seen = new Set<string>();
    for (const e of g.depsFrom(t.name)) {
      if (!TARGET_DEFAULT_KINDS.has(e.kind) || seen.has(e.to)) continue;
      seen.add(e.to);
      // A unit the input does not define is assumed to exist on the host with the usual defaults.
      const other = project.units.get(e.to);
      if (other && (!isActive(other) || !defaultDependencies(other))) continue;
      if (g.hasDirectOrder(t.name, e.to)) continue; // "Don't create loops"
      const how = e.prov.directive.startsWith('WantedBy=') || e.prov.directive.startsWith('RequiredBy=') || e.prov.directive.startsWith('UpheldBy=')
        ? `${e.prov.directive} in ${e.to}` : e.prov.directive;
      g.addOrder(e.to, t.name, {
        unit: t.name,
        directive: `After=${e.to}`,
        location: e.prov.location,
        implicit: `${t.name} pulls in ${e.to} (${how}), and a target orders itself after the units it pulls in (DefaultDependencies=yes)`,
      });
    }
  }
  return g;
}

/** The name under which [Install] links the unit: itself, or a template's DefaultInstance. */
function installNameOf(u: Unit, _project: Project): string | undefined {
  if (u.instance === '') {
    const di = u.get('Install', 'DefaultInstance');
    if (!di) return undefined;
    const pn = parseUnitName(u.name)!;
    return `${pn.prefix}@${di.value}.${pn.type}`;
  }
  if (u.template) return undefined; // instances are enabled one by one; we cannot know which
  return u.name;
}

function addImplicit(g: BootGraph, u: Unit, project: Project, canon: (n: string) => string): void {
  const hasDefaults = defaultDependencies(u);
  // The per-user manager adds fewer implicit dependencies (no sysinit.target, journal, tmpfiles, slices).
  const system = project.scope !== 'user';
  const loc = sectionHeaderLocation(u);
  const ddAt = u.get('Unit', 'DefaultDependencies');
  const ddLoc = ddAt ? assignmentLocation(ddAt.at) : loc;
  const dd = (directive: string, note = ''): Provenance => new DefaultDepProvenance(u.name, u.type, directive, note, ddLoc);
  const sys = 'sysinit.target';
  const shutdownPair = () => {
    g.addOrder(u.name, 'shutdown.target', dd('Before=shutdown.target'));
    g.addDep('conflicts', u.name, 'shutdown.target', dd('Conflicts=shutdown.target'));
  };
  const sysinit = () => {
    if (!system) return;
    g.addOrder(sys, u.name, dd(`After=${sys}`));
    g.addDep('requires', u.name, sys, dd(`Requires=${sys}`));
  };

  // Triggering units order themselves before what they trigger (independent of DefaultDependencies).
  const trigger = (key: string, section: string, def: string | undefined) => {
    const v = u.get(section, key);
    const target = v ? v.value : def;
    if (!target || !parseUnitName(target)) return;
    const t = canon(target);
    const location = v ? assignmentLocation(v.at) : loc;
    const implicit = v
      ? `${u.name} triggers ${t} (${key}=${target}) and is ordered before it`
      : `${u.name} triggers the unit of the same name, ${t}, and is ordered before it`;
    g.addOrder(u.name, t, { unit: u.name, directive: `Before=${t}`, location, implicit });
    g.addDep('triggers', u.name, t, { unit: u.name, directive: `Triggers=${t}`, location, implicit });
  };
  const stem = u.name.slice(0, u.name.lastIndexOf('.'));
  if (u.type === 'socket' && !u.bool('Socket', 'Accept', false)) trigger('Service', 'Socket', `${stem}.service`);
  if (u.type === 'timer') trigger('Unit', 'Timer', u.instance === '' ? undefined : `${stem}.service`);
  if (u.type === 'path') trigger('Unit', 'Path', u.instance === '' ? undefined : `${stem}.service`);

  if (u.type === 'service') {
    for (const v of u.list('Service', 'Sockets', { reset: false })) {
      for (const w of splitUnitList(v.value)) {
        const s = canon(w.text);
        const p: Provenance = { unit: u.name, directive: `Sockets=${w.text}`, location: wordLocation(v.at, w.start, w.end), implicit: `Sockets=${w.text} gives ${u.name} Wants= and After=${s}` };
        g.addOrder(s, u.name, p);
        g.addDep('wants', u.name, s, p);
      }
    }
    const type = u.get('Service', 'Type');
    if (type?.value === 'dbus') {
      const p: Provenance = { unit: u.name, directive: 'After=dbus.socket', location: assignmentLocation(type.at), implicit: 'Type=dbus gives the service Requires= and After=dbus.socket' };
      g.addOrder('dbus.socket', u.name, p);
      g.addDep('requires', u.name, 'dbus.socket', p);
    }
  }

  // Exec context: PrivateTmp=, state/cache/log directories, journal logging (system manager only).
  if (system && EXEC_TYPES.has(u.type)) {
    const execSec = typeSection(u.type);
    const dirs = ['StateDirectory', 'CacheDirectory', 'LogsDirectory'].map((k) => u.get(execSec, k)).find((v) => v !== undefined);
    if (dirs) {
      g.addOrder('systemd-remount-fs.service', u.name, { unit: u.name, directive: 'After=systemd-remount-fs.service', location: assignmentLocation(dirs.at), implicit: `${dirs.at.key}= needs a writable /var, so systemd orders the unit after systemd-remount-fs.service` });
    }
    const pt = u.get(typeSection(u.type), 'PrivateTmp');
    if (pt && parseBoolean(pt.value)) {
      g.addOrder('systemd-tmpfiles-setup.service', u.name, { unit: u.name, directive: 'After=systemd-tmpfiles-setup.service', location: assignmentLocation(pt.at), implicit: 'PrivateTmp=yes orders the unit after systemd-tmpfiles-setup.service' });
      requireMountsFor(g, u, project, ['/tmp', '/var/tmp'], assignmentLocation(pt.at), 'PrivateTmp=yes');
    }
    if (logsToJournal(u)) {
      g.addOrder('systemd-journald.socket', u.name, { unit: u.name, directive: 'After=systemd-journald.socket', location: loc, implicit: `${u.name} logs to the journal (StandardOutput=/StandardError= default), so systemd orders it after systemd-journald.socket` });
    }
  }
  for (const v of u.list('Unit', 'RequiresMountsFor')) {
    requireMountsFor(g, u, project, splitUnitList(v.value).map((w) => w.text), assignmentLocation(v.at), `RequiresMountsFor=${v.value}`);
  }

  // Slices: every unit with a cgroup runs in one and is ordered after it.
  if (system && CGROUP_TYPES.has(u.type)) {
    const sl = u.get(typeSection(u.type), 'Slice');
    const slice = sl ? sl.value : 'system.slice';
    const p: Provenance = sl
      ? { unit: u.name, directive: `After=${slice}`, location: assignmentLocation(sl.at), implicit: `Slice=${slice} gives the unit Requires= and After=${slice}` }
      : { unit: u.name, directive: 'After=system.slice', location: loc, implicit: 'system units run in system.slice and get Requires= and After=system.slice' };
    g.addOrder(slice, u.name, p);
    g.addDep('requires', u.name, slice, p);
  }

  if (!hasDefaults) return;
  switch (u.type) {
    case 'service':
      sysinit();
      g.addOrder('basic.target', u.name, dd('After=basic.target'));
      shutdownPair();
      break;
    case 'socket':
      sysinit();
      g.addOrder(u.name, 'sockets.target', dd('Before=sockets.target'));
      shutdownPair();
      break;
    case 'timer': {
      sysinit();
      g.addOrder(u.name, 'timers.target', dd('Before=timers.target'));
      const cal = u.list('Timer', 'OnCalendar');
      if (system && cal.length) {
        for (const t of ['time-set.target', 'time-sync.target']) {
          g.addOrder(t, u.name, { unit: u.name, directive: `After=${t}`, location: assignmentLocation(cal[0].at), implicit: `a timer with OnCalendar= and DefaultDependencies=yes is ordered after ${t}` });
        }
      }
      shutdownPair();
      break;
    }
    case 'path':
      sysinit();
      g.addOrder(u.name, 'paths.target', dd('Before=paths.target'));
      shutdownPair();
      break;
    case 'target':
    case 'slice':
      shutdownPair();
      break;
    case 'mount': {
      const what = u.get('Mount', 'Type')?.value ?? '';
      const opts = u.get('Mount', 'Options')?.value ?? '';
      const remote = NETWORK_FS.has(what) || /(^|,)_netdev(,|$)/.test(opts);
      if (remote) {
        g.addOrder('remote-fs-pre.target', u.name, dd('After=remote-fs-pre.target', ' (network file system)'));
        g.addOrder('network-online.target', u.name, dd('After=network-online.target', ' (network file system)'));
        g.addDep('wants', u.name, 'network-online.target', dd('Wants=network-online.target', ' (network file system)'));
        g.addOrder(u.name, 'remote-fs.target', dd('Before=remote-fs.target', ' (network file system)'));
      } else {
        g.addOrder('local-fs-pre.target', u.name, dd('After=local-fs-pre.target'));
        g.addOrder(u.name, 'local-fs.target', dd('Before=local-fs.target'));
      }
      g.addOrder(u.name, 'umount.target', dd('Before=umount.target'));
      g.addDep('conflicts', u.name, 'umount.target', dd('Conflicts=umount.target'));
      break;
    }
    case 'automount':
    case 'swap':
      g.addOrder(u.name, 'umount.target', dd('Before=umount.target'));
      g.addDep('conflicts', u.name, 'umount.target', dd('Conflicts=umount.target'));
      break;
    default:
      break;
  }
}


function logsToJournal(u: Unit): boolean {
  const sec = typeSection(u.type);
  const out = u.get(sec, 'StandardOutput')?.value ?? 'journal';
  const err = u.get(sec, 'StandardError')?.value ?? 'inherit';
  const j = (s: string) => /^(journal|kmsg)(\+console)?$/.test(s);
  return j(out) || j(err);
}

/** RequiresMountsFor= semantics: Requires= and After= on the mount units of every path prefix that exist. */
function requireMountsFor(g: BootGraph, u: Unit, project: Project, paths: string[], location: Location | undefined, cause: string): void {
  for (const p of paths) {
    if (!p.startsWith('/')) continue;
    const parts = p.split('/').filter(Boolean);
    for (let i = parts.length; i >= 0; i--) {
      const prefix = '/' + parts.slice(0, i).join('/');
      const m = `${escapePath(prefix)}.mount`;
      if (m === u.name || !project.units.has(m) || project.units.get(m)!.origin === 'builtin') continue;
      const prov: Provenance = { unit: u.name, directive: `RequiresMountsFor=${prefix}`, location, implicit: `${cause} gives ${u.name} Requires= and After=${m}` };
      g.addOrder(m, u.name, prov);
      g.addDep('requires', u.name, m, prov);
    }
  }
}
