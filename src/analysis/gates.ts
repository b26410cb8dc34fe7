/**
 * The health-gate analysis shared by the health-gate rules: for each service, the probes its start
 * path runs (in Exec lines, `sh -c` scripts and scripts of the input tree it runs by path), whether
 * they hold its start job, and which units provide what they probe.
 */
import path from 'node:path';
import type { Location } from '../types.js';
import type { Project } from '../model/load.js';
import type { Unit } from '../model/unit.js';
import { valueLocation } from '../model/unit.js';
import type { NetworkUse, Resource, Wait } from './types.js';
import { execCommands, type ExecCommand } from './exec.js';
import { analyseCommand, analyseScript } from './waits.js';
import { initShell } from './shell.js';
import { describeResource, findInTree, parseServes, providedBy, sameResource, type Provided } from './endpoints.js';
import { readTextFile } from '../sources/discover.js';
import { proxyRoutes } from './proxies.js';
import { START_PHASES, phaseHoldsStartJob, serviceType, type StartPhase } from './startpath.js';

export interface GateWait {
  unit: Unit;
  phase: StartPhase;
  /** Whether the command runs while the unit's start job is still open. */
  holds: boolean;
  wait: Wait;
  /** Where the probe is: the Exec line, or the line of the script the Exec line runs. */
  location: Location;
  /** "ExecStartPost" or "ExecStartPre → /usr/local/bin/gate.sh". */
  via: string;
}

export interface GateNetworkUse {
  unit: Unit;
  phase: StartPhase;
  use: NetworkUse;
  location: Location;
  via: string;
}

const commandCache = new WeakMap<Unit, Map<StartPhase, ExecCommand[]>>();

/** The unit's commands of one start phase, parsed once. */
function startCommands(u: Unit, phase: StartPhase): ExecCommand[] {
  let m = commandCache.get(u);
  if (!m) commandCache.set(u, (m = new Map()));
  let c = m.get(phase);
  if (!c) m.set(phase, (c = execCommands(u, phase)));
  return c;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'zsh', 'busybox']);

type Script = { file: string; text: string; prog: string; line?: number; column?: number; label?: string; fixedAt?: Location };
const scriptCache = new WeakMap<Unit, Map<string, Script | null>>();

/** A script of the input tree that the command runs by path (ExecStartPre=/usr/local/bin/gate.sh). */
function scriptInTree(u: Unit, project: Project, cmd: ExecCommand): Script | undefined {
  let prog = cmd.argv[0];
  if (prog && SHELLS.has(path.basename(prog)) && cmd.argv[1] && !cmd.argv[1].startsWith('-')) prog = cmd.argv[1];
  if (!prog || !prog.startsWith('/')) return undefined;
  let cache = scriptCache.get(u);
  if (!cache) scriptCache.set(u, (cache = new Map()));
  if (!cache.has(prog)) {
    let found: Script | null = null;
    const stored = project.nix?.scripts.get(prog);
    if (stored) {
      // A script the NixOS configuration writes to the store: its text (mapped back to the .nix
      // lines it came from), or the source file the store path copies.
      if (stored.text !== undefined && stored.origin) found = { file: stored.origin.file, text: stored.text, prog, line: stored.origin.line, column: stored.origin.column, label: stored.label };
      else if (stored.text !== undefined && stored.at) found = { file: stored.at.file, text: stored.text, prog, label: stored.label, fixedAt: stored.at };
      else if (stored.sourceFile) {
        const r = readTextFile(stored.sourceFile);
        if (r.ok) found = { file: stored.sourceFile, text: r.text, prog, label: `${path.basename(stored.sourceFile)} copied to the store` };
      }
      cache.set(prog, found);
      return found ?? undefined;
    }
    const file = findInTree(prog, u, project)[0];
    if (file) {
      const r = readTextFile(file);
      if (r.ok) found = { file, text: r.text, prog };
    }
    cache.set(prog, found);
  }
  return cache.get(prog) ?? undefined;
}

/** True when some start-path command needs the shell parser (a shell -c, or a script in the tree). */
export function needsShell(projects: Project[]): boolean {
  for (const project of projects) {
    for (const u of project.inputUnits()) {
      if (u.type !== 'service') continue;
      for (const phase of START_PHASES) {
        for (const cmd of startCommands(u, phase)) {
          if (SHELLS.has(path.basename(cmd.argv[0] ?? '')) || scriptInTree(u, project, cmd)) return true;
        }
      }
    }
  }
  return false;
}

/** Loads the shell parser when the input needs it (the engine calls this before the rules run). */
export async function prepareGates(projects: Project[]): Promise<void> {
  if (needsShell(projects)) await initShell();
}

const waitCache = new WeakMap<Unit, GateWait[]>();
const netCache = new WeakMap<Unit, GateNetworkUse[]>();

function analyse(u: Unit, project: Project): void {
  const waits: GateWait[] = [];
  const nets: GateNetworkUse[] = [];
  const type = serviceType(u).type;
  for (const phase of START_PHASES) {
    const holds = phaseHoldsStartJob(phase, type);
    for (const cmd of startCommands(u, phase)) {
      const at = valueLocation(cmd.at);
      const script = scriptInTree(u, project, cmd);
      if (script) {
        const via = script.label ? `${phase} (${script.label})` : `${phase} → ${script.prog}`;
        const found = analyseScript(script.text);
        const line = (l: number) => (script.line ? script.line + l - 1 : l);
        const col = (c: number) => (script.column ? script.column + c - 1 : c);
        for (const w of found.waits) {
          const loc: Location = script.fixedAt ?? { file: script.file, line: line(w.pos.line), column: col(w.pos.column), endLine: line(w.pos.line), endColumn: col(w.pos.column) + w.text.length };
          waits.push({ unit: u, phase, holds, wait: w, location: loc, via });
        }
        for (const n of found.net) {
          nets.push({ unit: u, phase, use: n, location: script.fixedAt ?? { file: script.file, line: line(n.pos.line), column: col(n.pos.column), endLine: line(n.pos.line), endColumn: col(n.pos.column) + 1 }, via });
        }
        continue;
      }
      const found = analyseCommand(cmd.argv);
      for (const w of found.waits) waits.push({ unit: u, phase, holds, wait: w, location: at, via: phase });
      for (const n of found.net) nets.push({ unit: u, phase, use: n, location: at, via: phase });
    }
  }
  // A probe whose target is not known statically (a NixOS option from outside the tree) is not judged.
  const unknownTarget = (x: unknown) => /__unknown__/i.test(JSON.stringify(x));
  waitCache.set(u, waits.filter((w) => !unknownTarget(w.wait.resource)));
  netCache.set(u, nets.filter((n) => !unknownTarget(n.use.host)));
}

/** Every probe in the unit's start path (retried or not; the rules decide). */
export function gateWaits(u: Unit, project: Project): GateWait[] {
  if (u.type !== 'service') return [];
  if (!waitCache.has(u)) analyse(u, project);
  return waitCache.get(u)!;
}

export function gateNetworkUses(u: Unit, project: Project): GateNetworkUse[] {
  if (u.type !== 'service') return [];
  if (!netCache.has(u)) analyse(u, project);
  return netCache.get(u)!;
}

export interface Provider {
  /** The unit that answers (for a socket-activated resource: the service behind the socket). */
  unit: Unit;
  provided: Provided;
  /** Set when a .socket unit holds the listener and `unit` is the service it activates. */
  socket?: Unit;
}

const DIRECTORY_ROOTS: [string, string][] = [
  ['RuntimeDirectory', '/run'], ['StateDirectory', '/var/lib'], ['CacheDirectory', '/var/cache'],
  ['LogsDirectory', '/var/log'], ['ConfigurationDirectory', '/etc'],
];
const CREATORS = new Set(['mkdir', 'touch', 'install', 'mkfifo', 'ln']);

/**
 * Files and folders a service creates when it starts: its RuntimeDirectory=/StateDirectory=/… (systemd
 * creates them before ExecStartPre=), and paths that mkdir/touch/install/ln commands of its start path write.
 */
function filesCreatedBy(u: Unit): Provided[] {
  const out: Provided[] = [];
  for (const [key, root] of DIRECTORY_ROOTS) {
    for (const v of u.list('Service', key)) {
      for (const w of v.value.split(/\s+/).filter(Boolean)) {
        const dir = w.split(':')[0].replace(/^\/+|\/+$/g, '');
        if (!dir) continue;
        out.push({ resource: { kind: 'file', path: `${root}/${dir}` }, how: `${key}=${w}`, at: valueLocation(v.at) } as Provided);
      }
    }
  }
  for (const phase of START_PHASES) {
    for (const cmd of startCommands(u, phase)) {
      if (!CREATORS.has(path.basename(cmd.argv[0] ?? ''))) continue;
      const targets = cmd.argv.slice(1).filter((a) => a.startsWith('/'));
      // ln SOURCE TARGET creates TARGET only; the others create every path they name.
      for (const t of path.basename(cmd.argv[0]) === 'ln' ? targets.slice(-1) : targets) {
        out.push({ resource: { kind: 'file', path: t.replace(/\/+$/, '') }, how: `${phase} ${cmd.argv.join(' ')}`, at: valueLocation(cmd.at) } as Provided);
      }
    }
  }
  return out;
}

function unitHeader(u: Unit): Provided['at'] {
  const f = u.fragment;
  return { file: f?.file ?? u.name, line: 1, column: 1, endLine: 1, endColumn: 1 } as Provided['at'];
}

const providerIndex = new WeakMap<Project, { unit: Unit; provided: Provided }[]>();
const configured = new WeakMap<Project, { serves: Record<string, string[]>; source: string | undefined }>();

/** The configuration's `serves` map (unit → what it serves), given by the engine before the rules run. */
export function setConfiguredServes(project: Project, serves: Record<string, string[]>, source: string | undefined): void {
  configured.set(project, { serves, source });
  providerIndex.delete(project);
}

function allProvided(project: Project): { unit: Unit; provided: Provided }[] {
  let idx = providerIndex.get(project);
  if (!idx) {
    idx = [];
    for (const u of project.units.values()) {
      if (u.masked || u.template || u.instance === '' || !(u.type === 'service' || u.type === 'socket')) continue;
      if (u.origin !== 'input') continue;
      for (const p of providedBy(u, project)) idx.push({ unit: u, provided: p });
      if (u.type === 'service') for (const p of filesCreatedBy(u)) idx.push({ unit: u, provided: p });
    }
    for (const np of project.nix?.provided ?? []) {
      const u = project.resolve(np.unit);
      if (u && !u.masked) idx.push({ unit: u, provided: np.provided });
    }
    const conf = configured.get(project);
    for (const [name, items] of Object.entries(conf?.serves ?? {}).sort()) {
      const u = project.resolve(name);
      if (!u) continue;
      for (const item of items) {
        const r = parseServes(item);
        if (!r) continue;
        const file = conf?.source ?? 'unitlint.config.json';
        idx.push({ unit: u, provided: { resource: r, how: `serves in ${path.basename(file)}`, at: { file, line: 1, column: 1, endLine: 1, endColumn: 1 } } as Provided });
      }
    }
    providerIndex.set(project, idx);
  }
  return idx;
}

/**
 * The units that provide a resource; a socket's listener is answered by the service it activates. A
 * `unit` resource (systemctl start/is-active X) is provided by X's start job itself.
 */
export function providersOf(r: Resource, project: Project, depth = 0): Provider[] {
  const out: Provider[] = [];
  if (r.kind === 'host' && depth < 4) {
    // A virtual host behind a reverse proxy of the tree answers only when both the proxy and the
    // unit serving the upstream run.
    for (const route of proxyRoutes(project)) {
      if (route.host !== r.name || (route.port !== r.port && r.port !== 0)) continue;
      const proxy = project.resolve(route.proxyUnit);
      if (proxy && !proxy.masked) out.push({ unit: proxy, provided: { resource: r, how: route.how, at: route.at } as Provided });
      for (const up of providersOf(route.upstream, project, depth + 1)) {
        out.push({ ...up, provided: { resource: r, how: `${route.how}, ${describeResource(route.upstream)} served by ${up.provided.how}`, at: up.provided.at } as Provided });
      }
    }
  }
  if (r.kind === 'unit') {
    const u = project.resolve(r.name);
    if (u && !u.masked) out.push({ unit: u, provided: { resource: r, how: `its own start job`, at: unitHeader(u) } });
    return out;
  }
  for (const { unit, provided } of allProvided(project)) {
    if (!sameResource(r, provided.resource)) continue;
    if (unit.type === 'socket') {
      const stem = unit.name.slice(0, unit.name.lastIndexOf('.'));
      const svcName = unit.get('Socket', 'Service')?.value ?? `${stem}.service`;
      const svc = project.resolve(svcName);
      out.push({ unit: svc ?? unit, provided, socket: unit });
    } else out.push({ unit, provided });
  }
  return out;
}
