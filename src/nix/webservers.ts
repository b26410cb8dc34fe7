/**
 * What a NixOS configuration serves, for the health-gate rules: reverse-proxy routes of
 * services.nginx (virtualHosts.<h>.locations.<p>.proxyPass, named upstreams), services.caddy
 * (virtualHosts.<h>.extraConfig `reverse_proxy …`), services.traefik (dynamicConfigOptions routers →
 * services → loadBalancer servers) and traefik labels on oci-containers; the ports oci-containers
 * publish; and the units that nixpkgs' own modules create when `services.<x>.enable = true`.
 */
import type { Location } from '../types.js';
import type { Resource } from '../analysis/types.js';
import type { Provided } from '../analysis/endpoints.js';
import { normalizeHost, resourceFromUrl, validPort } from '../analysis/endpoints.js';
import type { ProxyRoute } from '../analysis/proxies.js';
import { definedNames, lastDef, type Host } from './modules.js';
import { containers } from './containers.js';
import type { Value } from './value.js';

export interface NixProvided {
  unit: string;
  provided: Provided;
}



function strAt(host: Host, p: string[]): { v: string; at: Location } | undefined {
  const d = lastDef(host, p);
  if (!d || d.value.t !== 'string' || d.value.unknown) return undefined;
  return { v: d.value.v, at: d.at };
}

function boolAt(host: Host, p: string[]): boolean {
  const v = host.merged(p);
  return v.t === 'bool' && v.v;
}

function strList(v: Value): string[] {
  if (v.t !== 'list') return [];
  const out: string[] = [];
  for (const th of v.items) {
    const x = th.force();
    if (x.t === 'string' && !x.unknown) out.push(x.v);
  }
  return out;
}

/** An upstream address as nginx/Caddy write it: http://host:port, unix:/path, host:port, :port. */
function upstreamResource(spec: string): Resource | undefined {
  let s = spec.trim();
  const unix = /^(?:https?:\/\/)?unix:(\/[^:]*)(?::.*)?$/.exec(s) ?? /^unix\/\/?(\/.*)$/.exec(s);
  if (unix) return { kind: 'unix', path: unix[1] };
  if (!/^[a-z]+:\/\//i.test(s)) s = `http://${s.startsWith(':') ? `localhost${s}` : s}`;
  const r = resourceFromUrl(s);
  if (!r) return undefined;
  if (r.kind === 'host') {
    // A URL whose host is an address or localhost names a port on this machine.
    return r;
  }
  return r;
}

function routeHosts(host: Host, base: string[], name: string, aliasesKey: string, serverNameKey: string): string[] {
  const sn = strAt(host, [...base, name, serverNameKey]);
  const out = [normalizeHost(sn?.v ?? name)];
  for (const a of strList(host.merged([...base, name, aliasesKey]))) out.push(normalizeHost(a));
  return out;
}

function nginxRoutes(host: Host): ProxyRoute[] {
  if (!host.defs(['services', 'nginx']).length) return [];
  const out: ProxyRoute[] = [];
  const base = ['services', 'nginx', 'virtualHosts'];
  const upstreams = new Map<string, { r: Resource; at: Location }[]>();
  for (const { name } of definedNames(host, ['services', 'nginx', 'upstreams'])) {
    const servers = ['services', 'nginx', 'upstreams', name, 'servers'];
    const list: { r: Resource; at: Location }[] = [];
    for (const s of definedNames(host, servers)) {
      const r = upstreamResource(s.name);
      if (r) list.push({ r, at: s.at });
    }
    upstreams.set(name, list);
  }
  for (const { name } of definedNames(host, base)) {
    const hosts = routeHosts(host, base, name, 'serverAliases', 'serverName');
    const ssl = boolAt(host, [...base, name, 'forceSSL']) || boolAt(host, [...base, name, 'onlySSL']) || boolAt(host, [...base, name, 'addSSL']) || boolAt(host, [...base, name, 'enableSSL']);
    const only = boolAt(host, [...base, name, 'onlySSL']);
    const ports: { port: number; scheme: 'http' | 'https' }[] = [];
    if (!only) ports.push({ port: 80, scheme: 'http' });
    if (ssl) ports.push({ port: 443, scheme: 'https' });
    for (const { name: loc } of definedNames(host, [...base, name, 'locations'])) {
      const pp = strAt(host, [...base, name, 'locations', loc, 'proxyPass']);
      if (!pp) continue;
      const m = /^https?:\/\/([^/:]+)(?:\/.*)?$/.exec(pp.v);
      const targets = m && upstreams.has(m[1]) ? upstreams.get(m[1])!.map((u) => ({ r: u.r, via: ` (upstream ${m[1]})` })) : [{ r: upstreamResource(pp.v), via: '' }];
      for (const t of targets) {
        if (!t.r) continue;
        for (const h of hosts) {
          for (const p of ports) {
            out.push({ host: h, port: p.port, scheme: p.scheme, upstream: t.r, proxyUnit: 'nginx.service', at: pp.at, how: `services.nginx.virtualHosts."${name}".locations."${loc}".proxyPass = ${pp.v}${t.via}` });
          }
        }
      }
    }
  }
  return out;
}

function caddyRoutes(host: Host): ProxyRoute[] {
  if (!host.defs(['services', 'caddy']).length) return [];
  const out: ProxyRoute[] = [];
  const base = ['services', 'caddy', 'virtualHosts'];
  for (const { name } of definedNames(host, base)) {
    const cfg = lastDef(host, [...base, name, 'extraConfig']);
    if (!cfg || cfg.value.t !== 'string') continue;
    const hosts = routeHosts(host, base, name, 'serverAliases', 'hostName');
    const lines = cfg.value.v.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*reverse_proxy\s+(?:(\S+)\s+)?(.*?)\s*(\{)?\s*$/.exec(lines[i]);
      if (!m) continue;
      const words = [m[1], ...m[2].split(/\s+/)].filter((w): w is string => !!w && !w.startsWith('/') && w !== '{');
      const origin = cfg.value.origin;
      const at: Location = origin ? { file: origin.file, line: origin.line + i, column: 1, endLine: origin.line + i, endColumn: lines[i].length + 1 } : cfg.at;
      for (const w of words) {
        const r = upstreamResource(w);
        if (!r) continue;
        for (const h0 of hosts) {
          const http = h0.startsWith('http://');
          const hname = normalizeHost(h0.replace(/^https?:\/\//, '').replace(/:\d+$/, ''));
          const explicit = /:(\d+)$/.exec(h0);
          const port = explicit ? Number(explicit[1]) : http ? 80 : 443;
          out.push({ host: hname, port, scheme: port === 443 ? 'https' : 'http', upstream: r, proxyUnit: 'caddy.service', at, how: `services.caddy.virtualHosts."${name}" reverse_proxy ${w}` });
        }
      }
    }
  }
  return out;
}

function traefikHosts(rule: string): string[] {
  const out: string[] = [];
  for (const m of rule.matchAll(/Host\(([^)]*)\)/g)) for (const h of m[1].split(',')) out.push(normalizeHost(h.trim().replace(/^[`"']|[`"']$/g, '')));
  return out.filter(Boolean);
}

function entryPorts(host: Host, eps: string[]): number[] {
  const ports: number[] = [];
  for (const e of eps) {
    const a = strAt(host, ['services', 'traefik', 'staticConfigOptions', 'entryPoints', e, 'address']);
    const p = a ? validPort(a.v.replace(/^.*:/, '').replace(/\/.*$/, '')) : undefined;
    if (p) ports.push(p);
    else if (/secure|https|443/i.test(e)) ports.push(443);
    else ports.push(80);
  }
  return ports.length ? ports : [80, 443];
}

function traefikRoutes(host: Host): ProxyRoute[] {
  const out: ProxyRoute[] = [];
  const dyn = ['services', 'traefik', 'dynamicConfigOptions', 'http'];
  if (host.defs(['services', 'traefik']).length) {
    for (const { name: r } of definedNames(host, [...dyn, 'routers'])) {
      const rule = strAt(host, [...dyn, 'routers', r, 'rule']);
      const svc = strAt(host, [...dyn, 'routers', r, 'service']);
      if (!rule || !svc) continue;
      const eps = strList(host.merged([...dyn, 'routers', r, 'entryPoints']));
      const servers = host.merged([...dyn, 'services', svc.v, 'loadBalancer', 'servers']);
      if (servers.t !== 'list') continue;
      for (const th of servers.items) {
        const s = th.force();
        if (s.t !== 'attrs') continue;
        const url = s.get('url')?.force();
        if (!url || url.t !== 'string' || url.unknown) continue;
        const up = upstreamResource(url.v);
        if (!up) continue;
        for (const h of traefikHosts(rule.v)) {
          for (const port of entryPorts(host, eps)) {
            out.push({ host: h, port, scheme: port === 443 ? 'https' : 'http', upstream: up, proxyUnit: 'traefik.service', at: url.at ?? svc.at, how: `traefik router ${r} (${rule.v}) → service ${svc.v} → ${url.v}` });
          }
        }
      }
    }
  }
  // Labels on containers (the docker/podman provider): the container's own unit answers.
  for (const c of containers(host)) {
    for (const [k, l] of c.labels) {
      const m = /^traefik\.http\.routers\.([^.]+)\.rule$/.exec(k);
      if (!m) continue;
      const epl = c.labels.get(`traefik.http.routers.${m[1]}.entrypoints`);
      for (const h of traefikHosts(l.value)) {
        for (const port of entryPorts(host, epl ? epl.value.split(',') : [])) {
          out.push({ host: h, port, scheme: port === 443 ? 'https' : 'http', upstream: { kind: 'unit', name: c.unit }, proxyUnit: 'traefik.service', at: l.at, how: `traefik label ${k}=${l.value} on container ${c.name}` });
        }
      }
    }
  }
  return out;
}

export function webServerRoutes(host: Host): ProxyRoute[] {
  return [...nginxRoutes(host), ...caddyRoutes(host), ...traefikRoutes(host)];
}

/** The host ports oci-containers publish (`ports = [ "8080:80" ]`), served by the container's unit. */
export function containerProvided(host: Host): NixProvided[] {
  const out: NixProvided[] = [];
  for (const c of containers(host)) {
    for (const p of c.ports) {
      out.push({ unit: c.unit, provided: { resource: { kind: 'port', proto: p.proto, host: p.host, port: p.port }, how: `oci-container ${c.name} publishes ${p.text}`, at: p.at } });
    }
  }
  return out;
}

/**
 * Units that nixpkgs' modules (not in the tree) create: `services.<x>.enable = true` makes
 * `<x>.service` exist in the usual case (nginx, caddy, traefik, postgresql, …).
 */
export function enabledServiceUnits(host: Host): string[] {
  const out = new Set<string>();
  for (const { name } of definedNames(host, ['services'])) {
    const v = host.merged(['services', name, 'enable']);
    if (v.t === 'bool' && v.v) out.add(`${name}.service`);
  }
  if (host.defs(['virtualisation', 'docker', 'enable']).length) out.add('docker.service').add('docker.socket');
  if (host.defs(['virtualisation', 'podman', 'enable']).length) out.add('podman.service').add('podman.socket');
  return [...out].sort();
}

