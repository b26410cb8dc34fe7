/**
 * virtualisation.oci-containers.containers.<n> → `<backend>-<n>.service`, as nixpkgs'
 * nixos/modules/virtualisation/oci-containers.nix generates it: dependsOn → Requires= and After= on
 * the other containers' units, image pull → Wants=/After= network-online.target, Restart=always,
 * TimeoutStartSec=0, `-p` port publications in the `podman run`/`docker run` script.
 */
import type { Location } from '../types.js';
import type { Assignment, ParsedUnitFile, Section } from '../sources/unitfile/parser.js';
import { definedNames, liveDefs, sameFileOr, type Host } from './modules.js';
import type { Evaluator } from './eval.js';
import type { VirtualUnit } from './systemd.js';
import type { Value } from './value.js';


export interface ContainerInfo {
  name: string;
  unit: string;
  at: Location;
  /** Published ports: host side. */
  ports: { host: string; port: number; proto: 'tcp' | 'udp'; at: Location; text: string }[];
  labels: Map<string, { value: string; at: Location }>;
}

export function backendOf(host: Host): string {
  const b = host.merged(['virtualisation', 'oci-containers', 'backend']);
  return b.t === 'string' && !b.unknown ? b.v : 'podman';
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9,._+:@%/=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `-p` specs: [ip:]hostPort:containerPort[/proto], hostPort ranges are not expanded. */
export function parsePublish(spec: string): { host: string; port: number; proto: 'tcp' | 'udp' } | undefined {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)?:(\d+)(?:-\d+)?(?:\/(tcp|udp|sctp))?$/.exec(spec) ?? /^(\d+)(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) return undefined;
  if (m.length === 3) return undefined; // only a container port: a random host port
  const hostPort = m[2];
  if (!hostPort) return undefined;
  const proto = m[4] === 'udp' ? 'udp' : 'tcp';
  return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(hostPort), proto };
}

export function containers(host: Host): ContainerInfo[] {
  const base = ['virtualisation', 'oci-containers', 'containers'];
  const backend = backendOf(host);
  const out: ContainerInfo[] = [];
  for (const { name, at } of definedNames(host, base)) {
    const p = [...base, name];
    const sn = host.merged([...p, 'serviceName']);
    const unit = `${sn.t === 'string' && !sn.unknown ? sn.v : `${backend}-${name}`}.service`;
    const ports: ContainerInfo['ports'] = [];
    for (const d of liveDefs(host.defs([...p, 'ports']))) {
      if (d.value.t !== 'list') continue;
      for (const th of d.value.items) {
        const v = th.force();
        if (v.t !== 'string' || v.unknown) continue;
        const pp = parsePublish(v.v);
        if (pp) ports.push({ ...pp, at: sameFileOr(th.at, d.at), text: v.v });
      }
    }
    const labels = new Map<string, { value: string; at: Location }>();
    for (const d of liveDefs(host.defs([...p, 'labels']))) {
      if (d.value.t !== 'attrs') continue;
      for (const k of d.value.keys()) {
        const v = d.value.get(k)!.force();
        if (v.t === 'string' && !v.unknown) labels.set(k, { value: v.v, at: d.value.keyAt?.(k) ?? d.at });
      }
    }
    out.push({ name, unit, at, ports, labels });
  }
  return out;
}

export function ociContainerUnits(host: Host, ev: Evaluator): VirtualUnit[] {
  const out: VirtualUnit[] = [];
  const backend = backendOf(host);
  for (const c of containers(host)) {
    const p = ['virtualisation', 'oci-containers', 'containers', c.name];
    const sections = new Map<string, Section>();
    const sec = (n: string) => {
      let s = sections.get(n);
      if (!s) sections.set(n, (s = { name: n, file: c.at.file, line: c.at.line, column: c.at.column, endColumn: c.at.endColumn, assignments: [] }));
      return s;
    };
    const add = (section: string, key: string, value: string, at: Location) => {
      const a: Assignment = { key, value, section, file: at.file, line: at.line, column: at.column, endLine: at.endLine, endColumn: at.endColumn, valueColumn: at.column, keyEndColumn: at.column };
      sec(section).assignments.push(a);
    };
    const unknowns = new Map<string, Location>();
    const str = (v: Value) => (v.t === 'string' && !v.unknown ? v.v : undefined);
    const imageFile = host.merged([...p, 'imageFile']);
    const imageStream = host.merged([...p, 'imageStream']);
    const pulls = !(imageFile.t === 'path' || imageFile.t === 'attrs' || (imageFile.t === 'string' && imageFile.v)) && !(imageStream.t === 'path' || imageStream.t === 'attrs');
    sec('Unit');
    if (pulls) {
      add('Unit', 'Wants', 'network-online.target', c.at);
      add('Unit', 'After', 'network-online.target', c.at);
    }
    if (backend === 'docker') {
      add('Unit', 'After', 'docker.service', c.at);
      add('Unit', 'After', 'docker.socket', c.at);
    }
    for (const d of liveDefs(host.defs([...p, 'dependsOn']))) {
      if (d.value.t !== 'list') continue;
      for (const th of d.value.items) {
        const v = str(th.force());
        if (!v) continue;
        const at = sameFileOr(th.at, d.at);
        add('Unit', 'Requires', `${backend}-${v}.service`, at);
        add('Unit', 'After', `${backend}-${v}.service`, at);
      }
    }
    // The run script, as the module writes it (what the health-gate and port analyses read).
    const image = host.merged([...p, 'image']);
    const args = [`exec ${backend} run`, '--rm', `--name='${c.name}'`];
    if (backend === 'podman') args.push(`--cidfile=/run/${backend}-${c.name}.ctr-id`, '--cgroups=no-conmon', '--sdnotify=conmon', '-d', '--replace');
    for (const pt of c.ports) args.push(`-p ${shellQuote(pt.text)}`);
    for (const [k, l] of c.labels) args.push(`-l ${shellQuote(`${k}=${l.value}`)}`);
    args.push(str(image) ?? 'image');
    const cmd = host.merged([...p, 'cmd']);
    if (cmd.t === 'list') for (const th of cmd.items) { const s = str(th.force()); if (s) args.push(shellQuote(s)); }
    const scriptName = `unit-script-${backend}-${c.name}-start`;
    const sp = ev.writeScript(scriptName, { t: 'string', v: `set -e\n${args.join(' \\\n  ')}\n` }, c.at, scriptName, `the run script of oci-container ${c.name}`);
    add('Service', 'ExecStart', sp, c.at);
    add('Service', 'TimeoutStartSec', '0', c.at);
    add('Service', 'TimeoutStopSec', '120', c.at);
    add('Service', 'Restart', 'always', c.at);
    if (backend === 'podman') {
      add('Service', 'Environment', `PODMAN_SYSTEMD_UNIT=${c.unit}`, c.at);
      add('Service', 'Type', 'notify', c.at);
      add('Service', 'NotifyAccess', 'all', c.at);
    }
    const links: VirtualUnit['links'] = [];
    const autoStart = host.merged([...p, 'autoStart']);
    if (!(autoStart.t === 'bool' && !autoStart.v)) links.push({ owner: 'multi-user.target', kind: 'wants', target: c.unit, location: c.at });
    const parsed: ParsedUnitFile = { file: c.at.file, sections: [...sections.values()], comments: [], diagnostics: [], lineCount: 0 };
    out.push({ name: c.unit, scope: 'system', parsed, asDropin: false, links, unknowns, at: c.at });
  }
  return out;
}
