import { defineRule, type ReportSpec } from '../src/engine/rule.js';
import { describeResource, isWildcardHost, normalizeHost, providedBy } from '../src/analysis/endpoints.js';
import { restartPolicy } from '../src/model/restart.js';
import { assignmentLocation, type Unit } from '../src/model/unit.js';
import type { Project } from '../src/model/load.js';
import type { BootGraph } from '../src/graph/build.js';
import type { Location, RelatedLocation } from '../src/types.js';

/**
 * port-conflict: two units of one project bind the same TCP/UDP port on overlapping addresses.
 *
 * Listeners are what `providedBy()` finds (a socket's Listen*=, a service's ExecStart= options and
 * environment, `# unitlint: serves=` comments) plus the ports NixOS oci-containers publish. The
 * configuration's `serves` map is not used: it states what a unit answers through something outside
 * the tree (a load balancer), not what it binds.
 *
 * Address overlap follows Linux bind(2): an unspecified address ('' — a bare port) and `::` (dual-stack
 * with the default net.ipv6.bindv6only=0) take every IPv4 and IPv6 address; 0.0.0.0 takes every IPv4
 * address; `::` of a socket with BindIPv6Only=ipv6-only only IPv6 ones; specific addresses overlap
 * only themselves (::ffff:a.b.c.d is a.b.c.d, `localhost` is 127.0.0.1 and ::1). Host names other
 * than the loopback ones overlap only wildcards and the same name (their addresses are unknown).
 */

type Family = '4' | '6';

/** What a listening address takes: every address of some families, some IP addresses, or a name. */
type Addr = { any: Set<Family> } | { ips: Set<string> } | { name: string };

interface Listener {
  unit: Unit;
  proto: 'tcp' | 'udp';
  port: number;
  host: string;
  addr: Addr;
  /** "tcp *:12443" */
  spec: string;
  /** How the unit listens, in words ("ExecStart --listen 0.0.0.0:12443", "ListenStream=8080"). */
  how: string;
  at: Location;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** An IPv6 literal in one canonical form (8 groups, no leading zeros), or undefined. */
function canonicalIPv6(s: string): string | undefined {
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return undefined;
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    text = text.slice(0, v4.index) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** The addresses a listener on `host` takes. `v6only`: a socket unit with BindIPv6Only=ipv6-only. */
function addrOf(host: string, v6only: boolean): Addr {
  const s = normalizeHost(host);
  if (s === '0.0.0.0') return { any: new Set<Family>(['4']) };
  if (isWildcardHost(s)) return { any: new Set<Family>(v6only ? ['6'] : ['4', '6']) };
  if (IPV4.test(s)) return { ips: new Set([s]) };
  const v6 = canonicalIPv6(s);
  if (v6) {
    // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address to the kernel's bind conflict check.
    const m = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(v6);
    if (m) {
      const [hi, lo] = [parseInt(m[1], 16), parseInt(m[2], 16)];
      return { ips: new Set([`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`]) };
    }
    return { ips: new Set([v6]) };
  }
  if (s === 'localhost' || s.endsWith('.localhost') || s === 'localhost.localdomain') return { ips: new Set(['127.0.0.1', '0:0:0:0:0:0:0:1']) };
  if (s === 'ip6-localhost' || s === 'ip6-loopback') return { ips: new Set(['0:0:0:0:0:0:0:1']) };
  return { name: s };
}

const family = (ip: string): Family => (ip.includes(':') ? '6' : '4');

function overlap(a: Addr, b: Addr): boolean {
  if ('any' in a && 'any' in b) return [...a.any].some((f) => b.any.has(f));
  if ('any' in a || 'any' in b) {
    const [w, o] = 'any' in a ? [a, b] : [b as { any: Set<Family> }, a];
    if ('ips' in o) return [...o.ips].some((ip) => w.any.has(family(ip)));
    return true; // a name: some address of it is taken by the wildcard
  }
  if ('ips' in a && 'ips' in b) return [...a.ips].some((ip) => b.ips.has(ip));
  if ('name' in a && 'name' in b) return a.name === b.name;
  return false;
}

/** What each of two overlapping listeners takes, in words: "tcp 127.0.0.1:80 takes 127.0.0.1; tcp 0.0.0.0:80 takes every IPv4 address". */
function overlapWhy(first: Listener, second: Listener): string {
  const takes = (l: Listener): string => {
    if ('any' in l.addr) {
      if (l.addr.any.size === 2) return normalizeHost(l.host) === '' ? 'every IPv4 and IPv6 address, as no address is given' : 'every IPv6 and, with the default net.ipv6.bindv6only=0, every IPv4 address';
      return l.addr.any.has('4') ? 'every IPv4 address' : 'every IPv6 address (BindIPv6Only=ipv6-only)';
    }
    if ('ips' in l.addr) return [...l.addr.ips].map((ip) => (ip === '0:0:0:0:0:0:0:1' ? '::1' : ip)).join(' and ');
    return `whatever ${l.addr.name} resolves to`;
  };
  if (first.spec === second.spec) return `both take ${takes(first)}`;
  return `${first.spec} takes ${takes(first)}; ${second.spec} takes ${takes(second)}`;
}

/** Units whose listeners are judged: input services and sockets that can run (instances included, templates not). */
function listenerUnits(project: Project): Unit[] {
  return project
    .inputUnits()
    .filter((u) => (u.type === 'service' || u.type === 'socket') && !u.masked && u.loadable && !u.partial && !!u.fragment && u.instance !== '');
}

function listenersOf(u: Unit, project: Project): Listener[] {
  const out: Listener[] = [];
  // An unknown ExecStart=/Environment= (a NixOS option from outside the tree) may set the address a
  // service binds: a listener whose address was left to the program's default is then not judged.
  const unknownExec = u.type === 'service' ? u.unknownAt('Service', 'ExecStart', 'Environment', 'EnvironmentFile') : undefined;
  // Unknown BindIPv6Only=: assume the narrower ipv6-only, so that only certain overlaps are reported.
  const v6only = u.type === 'socket' && (u.get('Socket', 'BindIPv6Only')?.value === 'ipv6-only' || !!u.unknownAt('Socket', 'BindIPv6Only'));
  // A Type=oneshot service is up only once ExecStart= has exited, so a server there would hold its start
  // job forever: its --port/PORT= name the far end of a connection (mysqlcheck --port 3306), not a listener.
  const oneshot = u.type === 'service' && (u.get('Service', 'Type')?.value === 'oneshot' || !!u.unknownAt('Service', 'Type'));
  const provided = [...providedBy(u, project)];
  for (const np of project.nix?.provided ?? []) if (project.resolve(np.unit) === u) provided.push(np.provided);
  const seen = new Set<string>();
  for (const p of provided) {
    const r = p.resource;
    if (r.kind !== 'port') continue;
    const declared = p.how.startsWith('comment ');
    if (oneshot && !declared) continue;
    if (unknownExec && normalizeHost(r.host) === '' && !declared) continue;
    const spec = describeResource(r);
    if (seen.has(spec)) continue;
    seen.add(spec);
    out.push({ unit: u, proto: r.proto, port: r.port, host: r.host, addr: addrOf(r.host, v6only), spec, how: p.how, at: p.at });
  }
  return out;
}

/**
 * True when the socket unit passes its listeners to the service (systemd.socket(5)): its Service=, else
 * the service of the same name, or with Accept=yes the instances of the same-named template; or the
 * service names the socket in Sockets=.
 */
function feeds(sock: Unit, svc: Unit, project: Project): boolean {
  const stem = sock.name.slice(0, -'.socket'.length);
  if (sock.bool('Socket', 'Accept', false)) {
    const tmpl = `${stem}@.service`;
    if (svc.template && svc.template === (project.aliasOf.get(tmpl) ?? tmpl)) return true;
  } else {
    const given = sock.get('Socket', 'Service');
    if (project.resolve(given?.value ?? `${stem}.service`) === svc) return true;
  }
  return svc.list('Service', 'Sockets', { reset: false }).some((v) => v.value.split(/\s+/).some((w) => w && project.resolve(w) === sock));
}

/** True when the settings that could make the pair legitimate are not all known: the pair is not judged. */
function undecidable(a: Unit, b: Unit): boolean {
  for (const u of [a, b]) {
    if (u.unknownAt('Unit', 'Conflicts')) return true;
    if (u.type === 'socket' && u.unknownAt('Socket', 'Service', 'Accept', 'ReusePort', 'BindToDevice')) return true;
    if (u.type === 'service' && u.unknownAt('Service', 'Sockets')) return true;
  }
  return false;
}

function conflictsEdge(graph: BootGraph, a: Unit, b: Unit): boolean {
  return graph.depsFrom(a.name).some((e) => e.kind === 'conflicts' && e.to === b.name) ||
    graph.depsFrom(b.name).some((e) => e.kind === 'conflicts' && e.to === a.name);
}

/** Two socket units may share a port when both set SO_REUSEPORT, or when they are bound to different devices. */
function socketsMayShare(a: Unit, b: Unit): boolean {
  if (a.type !== 'socket' || b.type !== 'socket') return false;
  if (a.bool('Socket', 'ReusePort', false) && b.bool('Socket', 'ReusePort', false)) return true;
  const da = a.get('Socket', 'BindToDevice')?.value;
  const db = b.get('Socket', 'BindToDevice')?.value;
  return !!da && !!db && da !== db;
}

export default defineRule({
  meta: {
    id: 'port-conflict',
    severity: 'error',
    category: 'resources',
    summary: 'Two units listen on the same TCP/UDP port on overlapping addresses: whichever starts second fails with "Address already in use"',
    docs: `
## What it finds

Two units of the same tree that bind the same TCP or UDP port on addresses that overlap, while nothing
makes them exclusive (\`Conflicts=\` between them, in either direction). What a unit listens on is read
from a \`.socket\` unit's \`ListenStream=\`/\`ListenDatagram=\`, from a service's \`ExecStart=\` options and
environment (\`--listen 0.0.0.0:8080\`, \`--port 8080\`, \`PORT=8080\`, …), and from
\`# unitlint: serves=tcp://…\` comments, which state a port the unit binds (say so for a port that only
its configuration file names). The \`serves\` map of the configuration does not count: it describes what
something outside the tree routes to the unit. The \`ExecStart=\` of a \`Type=oneshot\` service does not count
either: it must exit before the unit is up, so a \`--port\` there is the server it connects to.

Addresses overlap as the kernel sees them: no address and \`::\` take every IPv4 and IPv6 address (a
\`::\` listener also takes IPv4 unless \`net.ipv6.bindv6only=1\` or \`BindIPv6Only=ipv6-only\`), \`0.0.0.0\`
every IPv4 address, \`localhost\` is \`127.0.0.1\` and \`::1\`. \`127.0.0.1\` and \`::1\` do not overlap, nor do
two different addresses, nor TCP and UDP.

A socket unit and the service it activates are one listener, not two: systemd binds the port and hands
the socket to the service (\`Service=\`, the same name, \`Accept=yes\` with the \`foo@.service\` template,
or the service's \`Sockets=\`). Two socket units that both set \`ReusePort=yes\` share the port.

## Why it bites

Only one socket can be bound to a port and address. The unit that starts second gets \`EADDRINUSE\`
("Address already in use") from \`bind()\` and fails; with \`Restart=\` it restarts into the same failure
until the start limit stops it. Which one loses depends on start order, so it may work on one boot and
not the next — or only until a leftover helper keeps the port bound. A \`.socket\` unit is set up early
(\`sockets.target\`), so a service binding a port some other socket unit holds fails on every boot.

## How to fix

Give one of them another port, or addresses that do not overlap. If only one of them may run at a
time, say so with \`Conflicts=\`: systemd then stops one when the other starts. If the service should be
activated by the socket, make it the socket's service (\`Service=\` or the same name) so the port is
passed to it instead of bound twice.

\`\`\`ini
# tunnel-helper.service: ExecStart=/usr/bin/tunnel-helper --port 12443
# api.service
[Unit]
Conflicts=tunnel-helper.service

[Service]
ExecStart=/usr/bin/api --listen 0.0.0.0:12443
\`\`\`
`,
  },
  check(ctx) {
    const { project, graph, where } = ctx;
    const units = listenerUnits(project);
    const listeners = new Map<Unit, Listener[]>();
    for (const u of units) {
      const ls = listenersOf(u, project);
      if (ls.length) listeners.set(u, ls);
    }
    // A service's listener that one of its own sockets holds is that socket's, passed in at start
    // (the service's --port only repeats it): the pair is judged on the socket's listener alone.
    const sockets = [...listeners.keys()].filter((s) => s.type === 'socket');
    for (const [svc, ls] of listeners) {
      if (svc.type !== 'service') continue;
      const own = sockets.filter((s) => feeds(s, svc, project)).flatMap((s) => listeners.get(s)!);
      const kept = ls.filter((l) => !own.some((o) => o.proto === l.proto && o.port === l.port && overlap(o.addr, l.addr)));
      if (kept.length) listeners.set(svc, kept);
      else listeners.delete(svc);
    }
    // Candidate pairs from listeners grouped by protocol and port (a tree has thousands of units, few share a port).
    const byPort = new Map<string, Listener[]>();
    for (const ls of listeners.values()) {
      for (const l of ls) {
        const k = `${l.proto}/${l.port}`;
        const group = byPort.get(k);
        if (group) group.push(l);
        else byPort.set(k, [l]);
      }
    }
    const pairs = new Map<string, [Unit, Unit]>();
    for (const group of byPort.values()) {
      for (const x of group) for (const y of group) {
        if (x.unit.name < y.unit.name && overlap(x.addr, y.addr)) pairs.set(`${x.unit.name}\0${y.unit.name}`, [x.unit, y.unit]);
      }
    }
    for (const key of [...pairs.keys()].sort()) {
      const [a, b] = pairs.get(key)!;
      if (undecidable(a, b) || conflictsEdge(graph, a, b) || socketsMayShare(a, b)) continue;
      const sock = a.type === 'socket' ? a : b.type === 'socket' ? b : undefined;
      const svc = sock === a ? b : a;
      if (sock && svc.type === 'service' && feeds(sock, svc, project)) continue;
      // Every overlapping pair of their listeners, in b's order, then a's.
      const hits: [Listener, Listener][] = [];
      for (const lb of listeners.get(b)!) {
        for (const la of listeners.get(a)!) {
          if (la.proto === lb.proto && la.port === lb.port && overlap(la.addr, lb.addr)) hits.push([la, lb]);
        }
      }
      ctx.report(conflictReport(where, a, b, hits));
    }
  },
});

/** The finding for one pair (a before b by name): at b's listener, a's listener related. */
function conflictReport(where: (l: Location | undefined) => string, a: Unit, b: Unit, hits: [Listener, Listener][]): ReportSpec {
  const [la, lb] = hits[0];
  const what = (l: Listener) => `${l.unit.name} (${l.how}, ${where(l.at)})`;
  const port = `${la.proto.toUpperCase()} port ${la.port}`;
  let mechanism: string;
  const sock = [a, b].find((u) => u.type === 'socket');
  const other = sock === a ? b : a;
  if (sock && other.type === 'service') {
    const stem = sock.name.slice(0, -'.socket'.length);
    const given = sock.get('Socket', 'Service');
    const target = given ? `${given.value} (Service=, ${where(assignmentLocation(given.at))})` : sock.bool('Socket', 'Accept', false) ? `instances of ${stem}@.service (Accept=yes)` : `${stem}.service (the same name)`;
    mechanism =
      `${sock.name} is set up early at boot (sockets.target) and holds the port for ${target}, not for ${other.name}: ` +
      `when ${other.name} starts, its bind() fails with "Address already in use" (EADDRINUSE) and it fails`;
  } else if (sock) {
    mechanism = `both socket units bind it when sockets.target starts: the second bind() fails with "Address already in use" (EADDRINUSE) and that socket unit fails`;
  } else {
    mechanism = `whichever starts second gets "Address already in use" (EADDRINUSE) from bind() and fails`;
  }
  const restarts = [a, b]
    .filter((u) => u.type === 'service')
    .map((u) => ({ u, p: restartPolicy(u) }))
    .filter(({ p }) => p.mode !== 'no' && p.restart && !p.unknown);
  const restartText = restarts.length
    ? `; ${restarts.map(({ u, p }) => `${u.name} has Restart=${p.mode} (${where(p.restart!.at)})`).join(' and ')}, so ${restarts.length > 1 ? 'the one that loses' : 'when it loses, it'} restarts into the same failure until the start limit stops it`
    : '';
  const more = hits.length > 1 ? ` They also collide on ${hits.slice(1).map(([x, y]) => `${y.spec} (${where(y.at)}) vs ${x.spec} (${where(x.at)})`).join(', ')}.` : '';
  const related: RelatedLocation[] = [
    { message: `${a.name} listens on ${la.spec} (${la.how}); no Conflicts= between ${a.name} and ${b.name}`, location: la.at },
  ];
  for (const [x, y] of hits.slice(1)) {
    related.push({ message: `${b.name} also listens on ${y.spec} (${y.how})`, location: y.at });
    related.push({ message: `${a.name} also listens on ${x.spec} (${x.how})`, location: x.at });
  }
  for (const { u, p } of restarts) related.push({ message: `Restart=${p.mode} in ${u.name}: it restarts into the same bind() failure`, location: assignmentLocation(p.restart!.at) });
  const fix = sock && other.type === 'service'
    ? `Give ${other.name} another port or an address that does not overlap; if ${other.name} is meant to be activated by ${sock.name}, set Service=${other.name} in ${sock.name} so the port is passed to it instead of bound twice; or add Conflicts=${sock.name} to ${other.name} if only one may run.`
    : sock
      ? `Change the port or the address of one of them so they do not overlap; if only one may run at a time, add Conflicts=${a.name} to the [Unit] section of ${b.name}; if their services are meant to share the port, set ReusePort=yes in both socket units.`
      : `Change the port or the address of one of them so they do not overlap; if only one may run at a time, add Conflicts=${a.name} to the [Unit] section of ${b.name}; or let one .socket unit own the port and activate the service, so it is bound once.`;
  return {
    unit: b.name,
    location: lb.at,
    related,
    message:
      `Port conflict on ${port}: ${what(lb)} and ${what(la)} both listen on it (${overlapWhy(lb, la)}), and nothing makes them exclusive (no Conflicts= either way). ` +
      `Only one socket can be bound to a port and address: ${mechanism}${restartText}.${more}`,
    fix,
  };
}
