/**
 * What a unit SERVES: the listeners of a .socket unit, the ports and sockets a service's ExecStart=
 * opens (options such as --port/--listen/--bind, known programs' positional forms, Environment= and
 * EnvironmentFile= variables), and explicit `# unitlint: serves=…` comments.
 *
 * The analysis is deliberately conservative: an option or a variable counts only when its name says
 * "listen" (or it is a port option) and nothing in it names a client-side target (DB_PORT,
 * --upstream-addr, --advertise-address, …); short options count only for programs whose meaning is
 * known (`-p` is a port for sshd but not for ssh); a bare `host:port` argument counts only when the
 * host is a wildcard address.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Location } from '../types.js';
import type { Assignment } from '../sources/unitfile/parser.js';
import type { Project } from '../model/load.js';
import { valueLocation, wordLocation, type Unit } from '../model/unit.js';
import { splitWords } from '../sources/unitfile/words.js';
import { execCommands, type ExecCommand } from './exec.js';
import type { Resource } from './types.js';
import { hasVirtualFiles, virtualDir, virtualText } from '../sources/vfs.js';

/** A source range (file, 1-based line/column, exclusive end column): the same shape as Location. */
export type Where = Location;

export interface Provided {
  resource: Resource;
  /** How the unit provides it, in words: "ExecStart --listen 127.0.0.1:8080", "ListenStream=8080", "comment serves=…". */
  how: string;
  /** Where: the argument(s) of the command line, the Listen*= value, the variable, or the comment line. */
  at: Where;
}

// ---------------------------------------------------------------------------------------------
// Hosts, addresses and URLs

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i;

/** Lower case, without brackets, IPv6 zone or trailing dot; '*' means every address (''). */
export function normalizeHost(h: string): string {
  let s = h.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0 && s.includes(':')) s = s.slice(0, pct);
  if (s.endsWith('.') && s.length > 1) s = s.slice(0, -1);
  if (s === '*') s = '';
  return s;
}

function isIPv6(h: string): boolean {
  return h.includes(':') && /^[0-9a-f:.]+$/i.test(h);
}

function isIP(h: string): boolean {
  return IPV4.test(h) || isIPv6(h);
}

function validHost(h: string): boolean {
  return h === '' || isIP(h) || HOST_NAME.test(h);
}

/** Every local address: '' (unspecified), 0.0.0.0, ::. */
export function isWildcardHost(h: string): boolean {
  const s = normalizeHost(h);
  return s === '' || s === '0.0.0.0' || s === '::' || /^(0{1,4}:){7}0{1,4}$/.test(s);
}

/** Loopback spellings: localhost (and *.localhost), 127.0.0.0/8, ::1. */
export function isLoopbackHost(h: string): boolean {
  const s = normalizeHost(h);
  return s === 'localhost' || s.endsWith('.localhost') || s === 'localhost.localdomain' || s === 'ip6-localhost' ||
    s === 'ip6-loopback' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s) || s === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(s) ||
    /^::ffff:127\./.test(s);
}

export function isLocalHost(h: string): boolean {
  return isWildcardHost(h) || isLoopbackHost(h);
}

/** A host name that is neither an IP literal nor a local spelling (its resolution is unknown). */
function isRemoteName(h: string): boolean {
  return !isIP(h) && !isLocalHost(h);
}

export function validPort(s: string): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** `host:port`, `[v6]:port`, `:port`, `*:port`. */
function splitHostPort(s: string): { host: string; port: number } | undefined {
  let m = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (!m) m = /^([^:[\]/\s]*):(\d+)$/.exec(s);
  if (!m) return undefined;
  const port = validPort(m[2]);
  const host = normalizeHost(m[1]);
  if (port === undefined || !validHost(host)) return undefined;
  return { host, port };
}

/** Collapses `//`, drops a trailing `/`. */
export function normalizePath(p: string): string {
  if (p.startsWith('@')) return p;
  let s = p.replace(/\/{2,}/g, '/');
  if (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };
const WEB_SCHEMES = new Set(['http', 'https', 'ws', 'wss']);
const TCP_SCHEMES = new Set(['tcp', 'tcp4', 'tcp6', 'tls', 'ssl', 'grpc', 'grpcs', 'h2c', 'h2', 'http2']);

/**
 * The resource a URL names: `http(s)://` with a local or IP host → a TCP port; with another host name
 * → a `host` resource (default port 80/443); `tcp://`/`udp://` → a port; `unix:` → a unix socket.
 */
export function resourceFromUrl(url: string): Resource | undefined {
  const u = /^unix:(.*)$/i.exec(url);
  if (u) return unixFromRest(u[1]);
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  let auth = m[2];
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let host: string;
  let port: number | undefined;
  const hp = splitHostPort(auth);
  if (hp) ({ host, port } = hp);
  else {
    host = normalizeHost(auth);
    if (!validHost(host) || /:\d*$/.test(auth.replace(/^\[[^\]]*\]/, ''))) return undefined;
  }
  if (WEB_SCHEMES.has(scheme)) {
    port ??= DEFAULT_PORTS[scheme];
    if (isRemoteName(host)) return { kind: 'host', name: host, port, scheme };
    return { kind: 'port', proto: 'tcp', host, port };
  }
  if (scheme === 'udp' || scheme === 'udp4' || scheme === 'udp6') return port ? { kind: 'port', proto: 'udp', host, port } : undefined;
  if (TCP_SCHEMES.has(scheme)) return port ? { kind: 'port', proto: 'tcp', host, port } : undefined;
  return undefined;
}

function unixFromRest(rest: string): Resource | undefined {
  let r = rest;
  if (r.startsWith('//')) r = r.startsWith('///') ? r.slice(2) : '/' + r.slice(2);
  if (r.startsWith('/') || (r.startsWith('@') && r.length > 1)) return { kind: 'unix', path: normalizePath(r) };
  return undefined;
}

type Parsed = { res: Resource } | { host: string; remote: boolean };

interface ParseOpts {
  /** A bare number is a port. */
  barePort?: boolean;
  /** An absolute path (or @abstract) is a unix socket. */
  path?: boolean;
  /** A host name that is not local may be the listening address (only for explicit listen/bind options). */
  namedHost?: boolean;
  proto?: 'tcp' | 'udp';
}

/** One listen-ish value: `:8080`, `0.0.0.0:8080`, `[::]:8080`, `8080`, `http://…`, `unix:/run/x.sock`, `/run/x.sock`, or a host alone. */
function parseListen(value: string, o: ParseOpts): Parsed | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const proto = o.proto ?? 'tcp';
  if (/^unix:/i.test(v)) {
    const r = unixFromRest(v.slice(5));
    return r ? { res: r } : undefined;
  }
  const tcpColon = /^(tcp|udp)[46]?:(?!\/\/)(.*)$/i.exec(v);
  if (tcpColon) {
    const hp = splitHostPort(tcpColon[2]) ?? (validPort(tcpColon[2]) ? { host: '', port: validPort(tcpColon[2])! } : undefined);
    if (!hp || (isRemoteName(hp.host) && !o.namedHost)) return undefined;
    return { res: { kind: 'port', proto: tcpColon[1].toLowerCase() === 'udp' ? 'udp' : 'tcp', host: hp.host, port: hp.port } };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    const r = resourceFromUrl(v);
    if (!r) return undefined;
    if (!o.namedHost && ((r.kind === 'host') || (r.kind === 'port' && isRemoteName(r.host)))) return undefined;
    return { res: r };
  }
  if (v.startsWith('/') || (v.startsWith('@') && v.length > 1)) return o.path ? { res: { kind: 'unix', path: normalizePath(v) } } : undefined;
  if (/^\d+$/.test(v)) {
    const port = validPort(v);
    return o.barePort && port ? { res: { kind: 'port', proto, host: '', port } } : undefined;
  }
  const hp = splitHostPort(v);
  if (hp) {
    if (isRemoteName(hp.host) && !o.namedHost) return undefined;
    return { res: { kind: 'port', proto, host: hp.host, port: hp.port } };
  }
  const h = normalizeHost(v);
  if (v.includes(':') && !isIPv6(h)) return undefined;
  if (validHost(h)) return { host: h, remote: isRemoteName(h) };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Matching and describing

function canonicalPath(p: string): string {
  const s = normalizePath(p);
  return s === '/var/run' || s.startsWith('/var/run/') ? s.slice(4) : s;
}

function hostsCompatible(waited: string, provided: string): boolean {
  const w = normalizeHost(waited);
  const p = normalizeHost(provided);
  if (isWildcardHost(p)) return isLocalHost(w);
  if (isLoopbackHost(p)) return isLoopbackHost(w) || isWildcardHost(w);
  return w === p;
}

/** A host resource whose name is local is the same thing as a TCP port. */
function asPort(r: Resource): Resource {
  if (r.kind === 'host' && isLocalHost(r.name)) return { kind: 'port', proto: 'tcp', host: r.name, port: r.port || DEFAULT_PORTS[r.scheme] || 0 };
  return r;
}

const UNIT_SUFFIX = /\.(service|socket|target|device|mount|automount|swap|path|timer|slice|scope)$/;

/**
 * True when `provided` satisfies a wait on `waited`:
 * - ports: same protocol and port, compatible addresses (a wildcard listener serves every local address;
 *   loopback spellings are one host; other addresses and names match only themselves);
 * - a waited port or host on a non-local name matches a provided `host` resource of that name (ports
 *   compared when both say one), never a port (name resolution is unknown);
 * - unix sockets and files: the same path (`//`, a trailing `/` and /var/run → /run normalised); a waited
 *   file is satisfied by a provided (non-abstract) unix socket at that path;
 * - units: the same name (a name without a suffix is a .service).
 */
export function sameResource(waited: Resource, provided: Resource): boolean {
  const w = asPort(waited);
  const p = asPort(provided);
  switch (w.kind) {
    case 'port':
      if (p.kind === 'port') return w.proto === p.proto && w.port === p.port && hostsCompatible(w.host, p.host);
      if (p.kind === 'host') return w.proto === 'tcp' && normalizeHost(w.host) === p.name && (!p.port || w.port === p.port);
      return false;
    case 'host':
      if (p.kind !== 'host') return false;
      return w.name === p.name && (!w.port || !p.port || w.port === p.port);
    case 'unix':
      return p.kind === 'unix' && canonicalPath(w.path) === canonicalPath(p.path);
    case 'file':
      return (p.kind === 'file' || (p.kind === 'unix' && !p.path.startsWith('@'))) && canonicalPath(w.path) === canonicalPath(p.path);
    case 'unit': {
      if (p.kind !== 'unit') return false;
      const n = (s: string) => (UNIT_SUFFIX.test(s) ? s : s + '.service');
      return n(w.name) === n(p.name);
    }
  }
}

/** "tcp 127.0.0.1:8080", "tcp *:8080", "udp [::1]:53", "https://ci.example.net", "unix /run/x.sock", "unit x.service", "file /run/x". */
export function describeResource(r: Resource): string {
  switch (r.kind) {
    case 'port': {
      const h = r.host === '' ? '*' : r.host.includes(':') ? `[${r.host}]` : r.host;
      return `${r.proto} ${h}:${r.port}`;
    }
    case 'host': {
      if (r.scheme) return `${r.scheme}://${r.name}${r.port && r.port !== DEFAULT_PORTS[r.scheme] ? `:${r.port}` : ''}`;
      return r.port ? `${r.name}:${r.port}` : r.name;
    }
    case 'unix':
      return `unix ${r.path}`;
    case 'unit':
      return `unit ${r.name}`;
    case 'file':
      return `file ${r.path}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Environment

interface EnvVar {
  name: string;
  value: string;
  at: Where;
  /** "Environment", "EnvironmentFile /etc/default/app", "ExecStart env" */
  origin: string;
}
type Env = Map<string, EnvVar>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment= then EnvironmentFile= (whose settings override Environment=), as systemd applies them. */
function serviceEnvironment(u: Unit, project: Project): Env {
  const env: Env = new Map();
  for (const v of u.list('Service', 'Environment')) {
    for (const w of splitWords(v.at.value, { unquote: true, cunescape: true })) {
      const text = u.expandValue(w.text);
      const eq = text.indexOf('=');
      if (eq <= 0 || !ENV_NAME.test(text.slice(0, eq))) continue;
      const name = text.slice(0, eq);
      env.delete(name);
      env.set(name, { name, value: text.slice(eq + 1), at: wordLocation(v.at, w.start, w.end), origin: 'Environment' });
    }
  }
  for (const v of u.list('Service', 'EnvironmentFile')) {
    const spec = v.value.startsWith('-') ? v.value.slice(1) : v.value;
    if (!spec.startsWith('/')) continue;
    for (const file of findInTree(spec, u, project)) {
      for (const e of readEnvFile(file)) {
        env.delete(e.name);
        env.set(e.name, { name: e.name, value: e.value, at: { file, line: e.line, column: 1, endLine: e.line, endColumn: e.endColumn }, origin: `EnvironmentFile ${spec}:` });
      }
    }
  }
  return env;
}

/** The service's effective environment variables (Environment=, then EnvironmentFile= files of the tree), each with where it is set. */
export function serviceEnvironmentVars(u: Unit, project: Project): { name: string; value: string; at: Where }[] {
  return [...serviceEnvironment(u, project).values()].map((v) => ({ name: v.name, value: v.value, at: v.at }));
}

const rootCache = new WeakMap<Project, string[]>();

/** The project's roots as folders (a file argument stands for its folder), resolved once. */
function rootFolders(project: Project): string[] {
  let roots = rootCache.get(project);
  if (!roots) {
    roots = [];
    for (const r of project.roots.length ? project.roots : ['.']) {
      let abs = path.resolve(project.cwd, r);
      try {
        if (fs.statSync(abs).isFile()) abs = path.dirname(abs);
      } catch {
        continue;
      }
      roots.push(abs);
    }
    rootCache.set(project, roots);
  }
  return roots;
}

const topLevel = new Map<string, Set<string>>();

/** The names at the top of a folder, read once: a host path is only looked up under a folder that mirrors it. */
function topOf(dir: string): Set<string> {
  let t = topLevel.get(dir);
  if (!t) {
    try {
      t = new Set(virtualDir(dir) ?? fs.readdirSync(dir));
    } catch {
      t = new Set();
    }
    topLevel.set(dir, t);
  }
  return t;
}

/**
 * The files an absolute host path (an EnvironmentFile=, a script an Exec line runs) names inside the
 * input tree: under a root, or under a sysroot below a root. Never outside the roots.
 */
export function findInTree(spec: string, u: Unit, project: Project): string[] {
  const roots = rootFolders(project);
  const bases: string[] = [...roots];
  for (const s of u.sources()) {
    if (s.builtin) continue;
    const m = /^(.*?)\/(?:etc|run|usr\/lib|lib|usr\/local\/lib)\/systemd\/(?:system|user)(?:\/|$)/.exec(s.file.split(path.sep).join('/'));
    if (!m) continue;
    const sysroot = m[1] || '/';
    if (roots.some((r) => { const rel = path.relative(r, sysroot); return !rel.startsWith('..') && !path.isAbsolute(rel); }) && !bases.includes(sysroot)) bases.push(sysroot);
  }
  const first = spec.split('/')[1] ?? '';
  for (const b of bases) {
    if (!topOf(b).has(first)) continue;
    const p = path.join(b, spec);
    const base = path.basename(p);
    if (/[*?[]/.test(base)) {
      const re = new RegExp('^' + base.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
      try {
        const hits = (virtualDir(path.dirname(p)) ?? fs.readdirSync(path.dirname(p))).filter((f) => re.test(f)).sort().map((f) => path.join(path.dirname(p), f));
        if (hits.length) return hits.filter(isFile);
      } catch {
        /* not there */
      }
      continue;
    }
    if (isFile(p)) return [p];
  }
  return [];
}

function isFile(p: string): boolean {
  if (hasVirtualFiles() && virtualText(p) !== undefined) return true;
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** KEY=VALUE lines as systemd's env-file parser reads them: comments, `export`, quotes, backslash continuations. */
function readEnvFile(file: string): { name: string; value: string; line: number; endColumn: number }[] {
  let text: string;
  try {
    text = virtualText(file) ?? fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: { name: string; value: string; line: number; endColumn: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let l = lines[i];
    while (/(^|[^\\])(\\\\)*\\$/.test(l) && i + 1 < lines.length && !/^\s*["']/.test(l.slice(l.indexOf('=') + 1))) l = l.slice(0, -1) + lines[++i];
    const t = l.trim();
    if (!t || t[0] === '#' || t[0] === ';') continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(t);
    if (!m) continue;
    out.push({ name: m[1], value: envValue(m[2]), line: lineNo, endColumn: lines[lineNo - 1].length + 1 });
  }
  return out;
}

function envValue(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === "'") {
      const e = raw.indexOf("'", i + 1);
      out += raw.slice(i + 1, e < 0 ? raw.length : e);
      i = e < 0 ? raw.length : e + 1;
    } else if (c === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        if (raw[i] === '\\' && i + 1 < raw.length && '"\\`$'.includes(raw[i + 1])) i++;
        out += raw[i++];
      }
      i++;
    } else if (c === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/[ \t]+$/, '');
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** One argument after environment resolution. */
interface Arg {
  text: string;
  /** As written on the command line (the `$VAR` reference for a split variable). */
  shown: string;
  /** Ordinal of the word it comes from (words of a `sh -c` script get their own). */
  src: number;
  vars: string[];
  start: number;
  end: number;
}

/** systemd's replace_env_argv(): `$VAR` as a whole word splits on white space; `${VAR}` anywhere; `$$` is `$`. Unknown variables stay as written. */
function resolveArgs(cmd: ExecCommand, env: Env): Arg[] {
  const out: Arg[] = [];
  cmd.argv.forEach((text, i) => {
    const start = cmd.offsets[i];
    const end = cmd.ends[i];
    if (cmd.noEnvExpand || !text.includes('$')) {
      out.push({ text, shown: text, src: i * 1000, vars: [], start, end });
      return;
    }
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
    if (whole) {
      const v = env.get(whole[1]);
      if (!v) out.push({ text, shown: text, src: i * 1000, vars: [], start, end });
      else for (const piece of v.value.split(/[ \t\n\r]+/).filter(Boolean)) out.push({ text: piece, shown: text, src: i * 1000, vars: [whole[1]], start, end });
      return;
    }
    const vars: string[] = [];
    const t = text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) => {
      if (!name) return '$';
      const v = env.get(name);
      if (!v) return m;
      vars.push(name);
      return v.value;
    });
    out.push({ text: t, shown: text, src: i * 1000, vars, start, end });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command analysis

interface Ctx {
  key: string;
  at: Assignment;
  env: Env;
  out: Provided[];
  /** Variables whose value an emitted resource came from (not reported again on their own). */
  consumed: Set<string>;
}

function emit(ctx: Ctx, res: Resource, cite: Arg[], note = ''): void {
  const shown: string[] = [];
  let prev: Arg | undefined;
  const vars: string[] = [];
  for (const a of cite) {
    if (!(prev && prev.src === a.src && prev.shown === a.shown)) shown.push(a.shown);
    prev = a;
    for (const v of a.vars) if (!vars.includes(v)) vars.push(v);
  }
  for (const v of vars) ctx.consumed.add(v);
  const varText = vars.map((v) => `${v}=${ctx.env.get(v)?.value ?? ''}`).join(', ');
  const extra = [varText, note].filter(Boolean).join('; ');
  const how = `${ctx.key} ${shown.join(' ')}${extra ? ` (${extra})` : ''}`;
  const starts = cite.map((a) => a.start);
  const ends = cite.map((a) => a.end);
  const at = cite.length ? wordLocation(ctx.at, Math.min(...starts), Math.max(...ends)) : valueLocation(ctx.at);
  ctx.out.push({ resource: res, how, at });
}

/** Option-name tokens that name the other end of a connection, not a listener. */
const CLIENT_TOKENS = new Set([
  'db', 'database', 'pg', 'postgres', 'postgresql', 'mysql', 'mariadb', 'redis', 'mongo', 'mongodb', 'memcache', 'memcached',
  'smtp', 'mail', 'imap', 'ldap', 'amqp', 'rabbit', 'rabbitmq', 'kafka', 'nats', 'mqtt', 'broker', 'queue', 'es', 'elastic',
  'elasticsearch', 'influx', 'influxdb', 'statsd', 'syslog', 'otlp', 'otel', 'jaeger', 'zipkin', 'collector', 'consul', 'etcd',
  'vault', 'upstream', 'remote', 'target', 'backend', 'proxy', 'dest', 'destination', 'connect', 'advertise', 'advertised',
  'external', 'public', 'announce', 'registry', 'master', 'primary', 'replica', 'sentinel', 'cache', 'ssh', 'sftp', 'ftp',
  'forward', 'to', 'from', 'client', 'ping', 'callback', 'webhook', 'redirect', 'origin', 'source', 'src', 'dst', 's3', 'minio',
  'sentry', 'pushgateway',
]);
/** Client tokens that still win over "listen"/"bind" in the same name (--advertise-listen-address, REMOTE_BIND…). */
const STRONG_CLIENT_TOKENS = new Set(['advertise', 'advertised', 'announce', 'external', 'public', 'upstream', 'remote', 'target', 'backend', 'dest', 'destination']);

/** True when a name's tokens say it is about the far end of a connection. */
function clientish(tokens: string[]): boolean {
  const listenish = tokens.includes('listen') || tokens.includes('bind');
  return tokens.some((t) => (listenish ? STRONG_CLIENT_TOKENS : CLIENT_TOKENS).has(t));
}

type Cls = 'port' | 'listen' | 'address' | 'socket' | 'urls' | 'host' | 'udp-port' | 'site' | 'sshd-o' | 'skip';

/** What a long option (or Go-style single-dash option, or -Dprop) means, from its name. */
function classifyName(rawName: string): Cls | undefined {
  const name = rawName.toLowerCase().replace(/[_.]/g, '-');
  const tokens = name.split('-').filter(Boolean);
  if (!tokens.length || clientish(tokens)) return undefined;
  const last = tokens[tokens.length - 1];
  const listenish = tokens.includes('listen') || tokens.includes('bind');
  if (last === 'port') return 'port';
  if (last === 'listen' || last === 'bind') return 'listen';
  if (last === 'on' && tokens.includes('listen')) return 'listen';
  if (last === 'address' || last === 'addr') return listenish ? 'listen' : 'address';
  if (['socket', 'sock', 'unixsocket', 'uds'].includes(last) || (last === 'path' && (tokens.includes('socket') || tokens.includes('sock')))) return 'socket';
  if (last === 'urls' || last === 'url') return listenish || name === 'urls' ? 'urls' : undefined;
  if (name === 'http' || name === 'https' || name === 'grpc') return 'address';
  if (last === 'host' || last === 'ip' || last === 'hostname') return listenish ? 'listen' : 'host';
  return undefined;
}

/** Short options of programs whose meaning is known. */
const SHORT: Record<string, Record<string, Cls>> = {
  sshd: { p: 'port', o: 'sshd-o', f: 'skip', h: 'skip', c: 'skip', E: 'skip' },
  dropbear: { p: 'listen', r: 'skip', P: 'skip' },
  memcached: { p: 'port', U: 'udp-port', l: 'listen', s: 'socket', m: 'skip', c: 'skip', u: 'skip', t: 'skip' },
  mosquitto: { p: 'port', c: 'skip' },
  'http-server': { p: 'port', a: 'host', c: 'skip' },
  hugo: { p: 'port', s: 'skip', d: 'skip', b: 'skip' },
  rails: { p: 'port', b: 'listen', e: 'skip' },
  puma: { p: 'port', b: 'listen', C: 'skip', e: 'skip', t: 'skip', w: 'skip' },
  unicorn: { p: 'port', l: 'listen', c: 'skip', E: 'skip', o: 'host' },
  thin: { p: 'port', a: 'host', S: 'socket', e: 'skip', c: 'skip', R: 'skip' },
  flask: { p: 'port', h: 'host' },
  daphne: { p: 'port', b: 'host', u: 'socket', e: 'skip' },
  ttyd: { p: 'port', i: 'socket', c: 'skip', u: 'skip', g: 'skip', t: 'skip' },
  gotty: { p: 'port', a: 'host', c: 'skip' },
  gunicorn: { b: 'listen', w: 'skip', k: 'skip', c: 'skip', t: 'skip', u: 'skip', g: 'skip', e: 'skip' },
  hypercorn: { b: 'listen', w: 'skip', k: 'skip', c: 'skip' },
  uwsgi: { s: 'socket' },
  'php-cgi': { b: 'listen', c: 'skip' },
  php: { S: 'listen', t: 'skip', c: 'skip', d: 'skip', f: 'skip' },
  fcgiwrap: { s: 'listen', c: 'skip' },
  'spawn-fcgi': { p: 'port', a: 'host', s: 'socket', f: 'skip', u: 'skip', g: 'skip', C: 'skip', F: 'skip', P: 'skip', d: 'skip' },
  jekyll: { P: 'port', H: 'host', s: 'skip', d: 'skip', b: 'skip' },
  mkdocs: { a: 'listen', f: 'skip' },
  serve: { l: 'listen', p: 'port' },
  dnsmasq: { p: 'port', C: 'skip', a: 'skip', u: 'skip', g: 'skip', r: 'skip', x: 'skip' },
  iperf3: { p: 'port', B: 'host', c: 'skip', f: 'skip', i: 'skip', F: 'skip', A: 'skip' },
  iperf: { p: 'port', B: 'host', c: 'skip', f: 'skip', i: 'skip', F: 'skip' },
  httpd: { p: 'listen', h: 'skip', c: 'skip', r: 'skip', u: 'skip' }, // busybox httpd only (see the busybox unwrapping)
  mysqld: { P: 'port', u: 'skip', h: 'skip' },
  'redis-server': {},
  mongod: { f: 'skip' },
  caddy: {},
  darkhttpd: {},
  'systemd-socket-activate': {},
};

/** Options of programs that mean something special. */
const LONG_EXTRA: Record<string, Record<string, Cls>> = {
  caddy: { from: 'site', domain: 'site', to: 'skip' },
  dnsmasq: {},
};

/** Programs that connect to things (their options name the far end): nothing they are given is served. */
const CLIENTS = new Set([
  'curl', 'wget', 'scp', 'sftp', 'rsync', 'psql', 'mysql', 'mariadb', 'mysqladmin', 'redis-cli', 'mongo', 'mongosh', 'telnet', 'ping',
  'ping6', 'dig', 'nslookup', 'host', 'pg_isready', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_basebackup', 'mysqldump', 'git',
  'systemctl', 'systemd-notify', 'sleep', 'true', 'false', 'echo', 'printf', 'logger', 'test', '[', 'wait-for-it', 'wait-for-it.sh',
  'wait-for', 'dockerize', 'http', 'https', 'xh', 'grpcurl', 'ab', 'wrk', 'hey', 'siege', 'nmap', 'helm', 'ansible', 'ansible-playbook',
  'apt', 'apt-get', 'dnf', 'yum', 'pip', 'pip3', 'sshpass', 'mosquitto_pub', 'mosquitto_sub', 'kafkacat', 'kcat', 'ldapsearch',
  'sendmail', 'mail', 'mailx', 'rclone', 'aws', 'gcloud', 'az', 'mc', 'restic', 'borg', 'ssh-keyscan', 'nc-z',
]);

const SUBCOMMAND_WRAPPERS: Record<string, string[]> = {
  bundle: ['exec'], poetry: ['run'], pipenv: ['run'], uv: ['run'], pdm: ['run'], hatch: ['run'], rye: ['run'], pixi: ['run'],
  pnpm: ['exec', 'dlx'], yarn: ['exec', 'dlx'], npm: ['exec'],
};

/** Wrappers that run another command: options taking a value, and positional words before the command. */
const WRAPPERS: Record<string, { takes?: string[]; positional?: number }> = {
  exec: {}, nohup: {}, setsid: {}, 'dumb-init': {}, catatonit: {}, tini: { takes: ['-p', '-e'] }, authbind: { takes: ['--depth'] },
  nice: { takes: ['-n', '--adjustment'] }, ionice: { takes: ['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'] },
  chrt: { positional: 1 }, taskset: { positional: 1 }, stdbuf: { takes: ['-i', '-o', '-e'] },
  sudo: { takes: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '--user', '--group'] },
  runuser: { takes: ['-u', '-g', '-G', '-w', '--user', '--group', '--supp-group'] },
  setpriv: { takes: ['--reuid', '--regid', '--groups', '--inh-caps', '--ambient-caps', '--bounding-set', '--securebits', '--pdeathsig', '--selinux-label', '--apparmor-profile'] },
  chpst: { takes: ['-u', '-U', '-b', '-e', '-/', '-n', '-l', '-L', '-m', '-d', '-o', '-p', '-f', '-c'] },
  setuidgid: { positional: 1 }, 's6-setuidgid': { positional: 1 }, envdir: { positional: 1 }, envuidgid: { positional: 1 },
  timeout: { takes: ['-s', '--signal', '-k', '--kill-after'], positional: 1 },
  'systemd-cat': { takes: ['-t', '--identifier', '-p', '--priority', '--stderr-priority'] },
  cgexec: { takes: ['-g'] },
  npx: { takes: ['-p', '--package', '-c', '--call'] }, bunx: {}, pnpx: {},
};

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'mksh']);

function progName(text: string): string {
  let b = text.slice(text.lastIndexOf('/') + 1).toLowerCase();
  if (/^python[\d.]*$/.test(b) || /^pypy[\d.]*$/.test(b)) b = 'python';
  else if (/^php[\d.]*$/.test(b)) b = 'php';
  else if (/^php-cgi[\d.]*$/.test(b)) b = 'php-cgi';
  else if (/^gunicorn\d*$/.test(b)) b = 'gunicorn';
  else if (b === 'nodejs') b = 'node';
  else if (['nc', 'ncat', 'netcat', 'nc.openbsd', 'nc.traditional'].includes(b)) b = 'nc';
  else if (b === 'unicorn_rails') b = 'unicorn';
  else if (b === 'postmaster') b = 'postgres';
  else if (b === 'mariadbd') b = 'mysqld';
  else if (b === 'autossh') b = 'ssh';
  else if (b === 'docker' || b === 'podman' || b === 'nerdctl') b = 'docker';
  return b;
}

/** Skips wrappers (env, nice, sudo, runuser, bundle exec, npx, …); returns the program's index and `env VAR=…` assignments. */
function unwrap(args: Arg[], p: number): { p: number; assigns: Arg[] } {
  const assigns: Arg[] = [];
  for (let guard = 0; guard < 12 && p < args.length; guard++) {
    const name = progName(args[p].text);
    if (name === 'env') {
      let j = p + 1;
      while (j < args.length) {
        const a = args[j].text;
        if (a === '--') { j++; break; }
        if (a.startsWith('-') && a !== '-') { j += ['-u', '--unset', '-C', '--chdir'].includes(a) ? 2 : 1; continue; }
        if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) { assigns.push(args[j]); j++; continue; }
        break;
      }
      p = j;
      continue;
    }
    if (name === 'busybox' && p + 1 < args.length) {
      p++;
      continue;
    }
    const sub = SUBCOMMAND_WRAPPERS[name];
    if (sub && p + 1 < args.length && sub.includes(args[p + 1].text)) {
      p += 2;
      continue;
    }
    const w = WRAPPERS[name];
    if (!w) break;
    let j = p + 1;
    while (j < args.length && args[j].text.startsWith('-') && args[j].text !== '-') {
      const a = args[j].text;
      if (a === '--') { j++; break; }
      j += w.takes?.includes(a) ? 2 : 1;
    }
    j += w.positional ?? 0;
    p = j;
  }
  return { p, assigns };
}

interface Collector {
  full: { res: Resource; cite: Arg[]; note?: string }[];
  ports: { port: number; proto: 'tcp' | 'udp' | 'both'; cite: Arg[]; note?: string }[];
  hosts: { host: string; cite: Arg[] }[];
  /** A --host naming a remote machine: the command's port options are about a connection, not a listener. */
  remoteHost: boolean;
}

function newCollector(): Collector {
  return { full: [], ports: [], hosts: [], remoteHost: false };
}

function finish(ctx: Ctx, c: Collector): void {
  const items: { key: number; res: Resource; cite: Arg[]; note?: string }[] = [];
  const minSrc = (cite: Arg[]) => Math.min(...cite.map((a) => a.src));
  for (const f of c.full) items.push({ key: minSrc(f.cite), ...f });
  if (!c.remoteHost) {
    for (const pt of c.ports) {
      const protos: ('tcp' | 'udp')[] = pt.proto === 'both' ? ['tcp', 'udp'] : [pt.proto];
      const hosts = c.hosts.length ? c.hosts : [{ host: '', cite: [] as Arg[] }];
      for (const h of hosts) for (const proto of protos) {
        items.push({ key: minSrc(pt.cite), res: { kind: 'port', proto, host: h.host, port: pt.port }, cite: [...h.cite, ...pt.cite].sort((a, b) => a.src - b.src), note: pt.note });
      }
    }
  }
  items.sort((a, b) => a.key - b.key);
  for (const it of items) emit(ctx, it.res, it.cite, it.note);
}

/** Feeds one option value of a known class into the collector. Returns false when the value does not fit (the option takes no value). */
function feed(c: Collector, cls: Cls, value: string, cite: Arg[], protoBoth = false): boolean {
  switch (cls) {
    case 'skip':
      return true;
    case 'port':
    case 'udp-port': {
      const port = validPort(value);
      if (port) {
        c.ports.push({ port, proto: cls === 'udp-port' ? 'udp' : protoBoth ? 'both' : 'tcp', cite });
        return true;
      }
      if (/^\d+$/.test(value)) return true; // port 0: no listener
      const r = parseListen(value, { proto: cls === 'udp-port' ? 'udp' : 'tcp' });
      if (r && 'res' in r) {
        c.full.push({ res: r.res, cite });
        return true;
      }
      return false;
    }
    case 'host': {
      let ok = false;
      for (const part of value.split(/[,\s]+/).filter(Boolean)) {
        const r = parseListen(part.replace(/^-/, ''), {});
        if (!r) continue;
        ok = true;
        if ('res' in r) c.full.push({ res: r.res, cite });
        else if (r.remote) c.remoteHost = true;
        else c.hosts.push({ host: r.host, cite });
      }
      return ok;
    }
    case 'listen':
    case 'address':
    case 'socket':
    case 'site': {
      const o: ParseOpts =
        cls === 'listen' ? { barePort: true, path: true, namedHost: true }
        : cls === 'address' ? { path: true }
        : cls === 'socket' ? { path: true }
        : { barePort: true, namedHost: true };
      const parts = cls === 'listen' && /[,\s]/.test(value) ? value.split(/[,\s]+/).filter(Boolean) : [value];
      let ok = false;
      for (const part of parts) {
        const r = parseListen(parts.length > 1 ? part.replace(/^-/, '') : part, o);
        if (!r) continue;
        ok = true;
        if ('res' in r) c.full.push({ res: r.res, cite });
        else if (cls === 'site' && r.remote) c.full.push({ res: { kind: 'host', name: r.host, port: 443, scheme: 'https' }, cite });
        else if (cls === 'listen' && !r.remote) c.hosts.push({ host: r.host, cite });
      }
      return ok;
    }
    case 'urls': {
      let ok = false;
      for (const part of value.split(/[,;\s]+/).filter(Boolean)) {
        const r = parseListen(part, { namedHost: true, path: true });
        if (r && 'res' in r) {
          c.full.push({ res: r.res, cite });
          ok = true;
        }
      }
      return ok;
    }
    case 'sshd-o': {
      const m = /^\s*(port|listenaddress)\s*[= ]\s*(.*)$/i.exec(value);
      if (!m) return true;
      if (m[1].toLowerCase() === 'port') return feed(c, 'port', m[2].trim(), cite);
      return feed(c, 'listen', m[2].trim(), cite);
    }
  }
}

/** The generic scan: long options by name, the program's short options, `-l host:port`, and wildcard `host:port` words. */
function scanOptions(args: Arg[], from: number, prog: string, c: Collector): void {
  const short = SHORT[prog];
  const extra = LONG_EXTRA[prog] ?? {};
  const protoBoth = prog === 'dnsmasq';
  for (let j = from; j < args.length; j++) {
    const a = args[j];
    const t = a.text;
    // The word after an unrecognised option without '=' may be that option's value (--upstream :9000).
    const prevT = j > from ? args[j - 1].text : '';
    const afterOption = prevT.startsWith('-') && prevT !== '--' && !prevT.includes('=');
    if (t === '--' || t === '-') continue;
    const next = args[j + 1];
    const takeNext = (cls: Cls): boolean => {
      if (!next || (next.text.startsWith('-') && !/^-\d/.test(next.text))) return false;
      if (feed(c, cls, next.text, [a, next], protoBoth)) {
        j++;
        return true;
      }
      return false;
    };
    const prop = /^-D([A-Za-z][\w.-]*)=(.*)$/.exec(t);
    if (prop) {
      const cls = classifyName(prop[1]);
      if (cls) feed(c, cls, prop[2], [a], protoBoth);
      continue;
    }
    if (t === '--bind_ip_all' || t === '--bind-ip-all') {
      c.hosts.push({ host: '', cite: [a] });
      continue;
    }
    const long = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(t);
    const isShort = /^-[A-Za-z0-9]/.test(t) && !t.startsWith('--');
    if (long && (t.startsWith('--') || long[1].length > 1)) {
      const name = long[1];
      const cls = extra[name.toLowerCase()] ?? classifyName(name);
      if (cls) {
        if (long[2] !== undefined) feed(c, cls, long[2], [a], protoBoth);
        else takeNext(cls);
        continue;
      }
      if (!isShort || t.startsWith('--')) continue;
    }
    if (isShort) {
      if (short) {
        // A cluster of short options: flags, then at most one option taking a value (attached or next).
        for (let k = 1; k < t.length; k++) {
          const cls = short[t[k]];
          if (!cls) continue;
          const rest = t.slice(k + 1);
          if (rest) feed(c, cls, rest.replace(/^=/, ''), [a], protoBoth);
          else takeNext(cls);
          break;
        }
      } else if (t === '-l' && next && (/:\d+$/.test(next.text) || /^[a-z]+:\/\//i.test(next.text))) {
        if (feed(c, 'listen', next.text, [a, next])) j++;
      }
      continue;
    }
    if (afterOption) continue;
    // A bare wildcard host:port ('0.0.0.0:8080', ':8080', '[::]:8080', '*:8080').
    const hp = splitHostPort(t);
    if (hp && isWildcardHost(hp.host)) c.full.push({ res: { kind: 'port', proto: 'tcp', host: hp.host, port: hp.port }, cite: [a] });
  }
}

/** Parses `-abc value` clusters for programs with a getopt-like syntax. */
function getopt(args: Arg[], from: number, takes: string, longTakes: string[] = [], stopAtPositional = false): { opts: { name: string; value?: string; cite: Arg[] }[]; positionals: Arg[] } {
  const opts: { name: string; value?: string; cite: Arg[] }[] = [];
  const positionals: Arg[] = [];
  for (let j = from; j < args.length; j++) {
    const a = args[j];
    const t = a.text;
    if (t === '--') {
      positionals.push(...args.slice(j + 1));
      break;
    }
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = eq >= 0 ? t.slice(2, eq) : t.slice(2);
      if (eq >= 0) opts.push({ name, value: t.slice(eq + 1), cite: [a] });
      else if (longTakes.includes(name) && j + 1 < args.length) {
        opts.push({ name, value: args[j + 1].text, cite: [a, args[j + 1]] });
        j++;
      } else opts.push({ name, cite: [a] });
      continue;
    }
    if (t.startsWith('-') && t.length > 1) {
      for (let k = 1; k < t.length; k++) {
        const l = t[k];
        if (takes.includes(l)) {
          const rest = t.slice(k + 1);
          if (rest) opts.push({ name: l, value: rest, cite: [a] });
          else if (j + 1 < args.length) {
            opts.push({ name: l, value: args[j + 1].text, cite: [a, args[j + 1]] });
            j++;
          }
          break;
        }
        opts.push({ name: l, cite: [a] });
      }
      continue;
    }
    positionals.push(a);
    if (stopAtPositional) {
      positionals.push(...args.slice(j + 1));
      break;
    }
  }
  return { opts, positionals };
}

function analyzeCommand(args: Arg[], start: number, ctx: Ctx, depth = 0): void {
  const { p, assigns } = unwrap(args, start);
  if (assigns.length) envScan(ctx.out, ctx.consumed, assigns.map((a) => {
    const eq = a.text.indexOf('=');
    return { name: a.text.slice(0, eq), value: a.text.slice(eq + 1), at: wordLocation(ctx.at, a.start, a.end), origin: `${ctx.key} env` };
  }));
  if (p >= args.length) return;
  let prog = progName(args[p].text);
  let from = p + 1;
  const c = newCollector();

  if (SHELLS.has(prog)) {
    if (depth > 2) return;
    for (let j = from; j < args.length; j++) {
      const t = args[j].text;
      if (/^-[a-z]*c[a-z]*$/i.test(t) && !t.startsWith('--') && j + 1 < args.length) {
        shellScript(args[j + 1], ctx, depth);
        return;
      }
      if (t === '-o' || t === '+o' || t === '-O' || t === '+O') j++;
      else if (!t.startsWith('-') && !t.startsWith('+')) return; // a script file
    }
    return;
  }
  if (prog === 'python') {
    let j = from;
    while (j < args.length && args[j].text.startsWith('-') && args[j].text !== '-m') j += ['-X', '-W', '-c'].includes(args[j].text) ? 2 : 1;
    if (args[j]?.text === '-m' && j + 1 < args.length) {
      prog = args[j + 1].text.toLowerCase();
      from = j + 2;
      if (prog === 'http.server' || prog === 'simplehttpserver') return pythonHttpServer(args, j, ctx);
      prog = progName(prog);
    } else if (args.slice(from).some((a) => a.text === 'runserver')) {
      return djangoRunserver(args, from, ctx);
    }
  }
  if (prog === 'django-admin' && args.slice(from).some((a) => a.text === 'runserver')) return djangoRunserver(args, from, ctx);
  if (CLIENTS.has(prog)) return;
  switch (prog) {
    case 'nc': return netcat(args, from, ctx);
    case 'socat': return socat(args, from, ctx);
    case 'ssh': return sshForwards(args, from, ctx);
    case 'docker': return dockerRun(args, from, ctx);
    case 'kubectl': return kubectlPortForward(args, from, ctx);
    case 'systemd-socket-activate': return socketActivate(args, from, ctx);
    case 'postgres': return postgres(args, from, ctx);
    case 'openssl': return opensslServer(args, from, ctx);
    case 'iperf':
    case 'iperf3': {
      const isServer = args.slice(from).some((a) => a.text === '-s' || a.text === '--server' || /^-[A-Za-z]*s[A-Za-z]*$/.test(a.text) && !a.text.startsWith('--'));
      if (!isServer) return;
      scanOptions(args, from, prog, c);
      if (!c.ports.length && !c.full.length) {
        const s = args.slice(from).find((a) => a.text === '-s' || a.text === '--server') ?? args[p];
        const port = prog === 'iperf3' ? 5201 : 5001;
        c.ports.push({ port, proto: 'tcp', cite: [s], note: `default port ${port}` });
      }
      return finish(ctx, c);
    }
  }
  scanOptions(args, from, prog, c);
  finish(ctx, c);
}

/** `sh -c 'script'`: each simple command of the script (split on ; && || | &), with `exec`, keywords and VAR=value prefixes dropped. */
function shellScript(script: Arg, ctx: Ctx, depth: number): void {
  const words = splitWords(script.text, { unquote: true });
  let k = 0;
  let cur: Arg[] = [];
  const cmds: Arg[][] = [];
  const push = () => {
    if (cur.length) cmds.push(cur);
    cur = [];
  };
  for (const w of words) {
    let t = w.text;
    if ([';', '&&', '||', '|', '&', '(', ')', '{', '}', ';;'].includes(t)) {
      push();
      continue;
    }
    const endsCmd = /[;&|]$/.test(t) && !/\\[;&|]$/.test(t);
    if (endsCmd) t = t.replace(/[;&|]+$/, '');
    if (t) cur.push({ text: t, shown: t, src: script.src + ++k, vars: script.vars, start: script.start, end: script.end });
    if (endsCmd) push();
  }
  push();
  const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'in', 'case', 'esac', '!', 'time', 'exec', 'command']);
  for (const cmd of cmds) {
    let i = 0;
    const local: EnvVar[] = [];
    while (i < cmd.length && (KEYWORDS.has(cmd[i].text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd[i].text))) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(cmd[i].text);
      if (m) local.push({ name: m[1], value: m[2], at: wordLocation(ctx.at, script.start, script.end), origin: `${ctx.key} sh -c` });
      i++;
    }
    // Shell parameter expansion: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}.
    const lookup = (n: string) => local.find((e) => e.name === n)?.value ?? ctx.env.get(n)?.value;
    const resolved = cmd.slice(i).map((a) => {
      const vars = [...a.vars];
      const text = a.text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, n1?: string, def?: string, n2?: string) => {
        const n = (n1 ?? n2)!;
        const v = lookup(n);
        if (v !== undefined && v !== '') {
          if (ctx.env.has(n) && !vars.includes(n)) vars.push(n);
          return v;
        }
        return def ?? m;
      });
      return { ...a, text, vars };
    });
    if (local.length) envScan(ctx.out, ctx.consumed, local);
    if (resolved.length) analyzeCommand(resolved, 0, ctx, depth + 1);
  }
}

function pythonHttpServer(args: Arg[], mIdx: number, ctx: Ctx): void {
  const { opts, positionals } = getopt(args, mIdx + 2, 'bdp', ['bind', 'directory', 'protocol']);
  const c = newCollector();
  const cite = [args[mIdx], args[mIdx + 1]];
  for (const o of opts) if ((o.name === 'b' || o.name === 'bind') && o.value) feed(c, 'host', o.value, o.cite);
  const portArg = positionals.find((a) => /^\d+$/.test(a.text));
  if (portArg) {
    const port = validPort(portArg.text);
    if (port) c.ports.push({ port, proto: 'tcp', cite: [...cite, portArg] });
    return finish(ctx, c);
  }
  c.ports.push({ port: 8000, proto: 'tcp', cite, note: 'default port 8000' });
  finish(ctx, c);
}

/** `manage.py runserver [addr:]port` (default 127.0.0.1:8000; `0` means 0.0.0.0). */
function djangoRunserver(args: Arg[], from: number, ctx: Ctx): void {
  const r = args.findIndex((a, i) => i >= from && a.text === 'runserver');
  const c = newCollector();
  const rs = args[r];
  const pos = args.slice(r + 1).find((a) => !a.text.startsWith('-'));
  if (!pos) {
    c.full.push({ res: { kind: 'port', proto: 'tcp', host: '127.0.0.1', port: 8000 }, cite: [rs], note: 'default 127.0.0.1:8000' });
    return finish(ctx, c);
  }
  const t = pos.text.replace(/^0:/, '0.0.0.0:');
  const port = validPort(t);
  if (port) c.full.push({ res: { kind: 'port', proto: 'tcp', host: '127.0.0.1', port }, cite: [rs, pos] });
  else {
    const hp = splitHostPort(t);
    if (hp && !isRemoteName(hp.host)) c.full.push({ res: { kind: 'port', proto: 'tcp', host: hp.host, port: hp.port }, cite: [rs, pos] });
  }
  finish(ctx, c);
}

function netcat(args: Arg[], from: number, ctx: Ctx): void {
  const { opts, positionals } = getopt(args, from, 'pswiqxXTIOVMmecPG', ['source-port', 'source', 'wait', 'idle-timeout', 'exec', 'sh-exec', 'output', 'allow', 'deny', 'max-conns', 'proxy', 'proxy-type']);
  const has = (...n: string[]) => opts.find((o) => n.includes(o.name));
  const l = has('l', 'listen');
  if (!l) return;
  const c = newCollector();
  const udp = !!has('u', 'udp');
  if (has('U', 'unixsock')) {
    const pth = positionals[0];
    if (pth && (pth.text.startsWith('/') || pth.text.startsWith('@'))) c.full.push({ res: { kind: 'unix', path: normalizePath(pth.text) }, cite: [...l.cite, pth] });
    return finish(ctx, c);
  }
  const p = has('p', 'source-port');
  const s = has('s', 'source');
  let host = s?.value ? normalizeHost(s.value) : '';
  let hostCite = s?.cite ?? [];
  let port: number | undefined;
  let portCite: Arg[] = [];
  if (p?.value) {
    port = validPort(p.value);
    portCite = p.cite;
    if (positionals[0] && !s) {
      host = normalizeHost(positionals[0].text);
      hostCite = [positionals[0]];
    }
  } else if (positionals.length >= 2) {
    host = normalizeHost(positionals[0].text);
    hostCite = [positionals[0]];
    port = validPort(positionals[1].text);
    portCite = [positionals[1]];
  } else if (positionals.length === 1) {
    port = validPort(positionals[0].text);
    portCite = [positionals[0]];
  }
  if (!port || !validHost(host) || isRemoteName(host)) return;
  const cite = [...l.cite, ...hostCite, ...portCite].filter((a, i, arr) => arr.indexOf(a) === i).sort((a, b) => a.src - b.src);
  c.full.push({ res: { kind: 'port', proto: udp ? 'udp' : 'tcp', host, port }, cite });
  finish(ctx, c);
}

const SOCAT_TAKES = new Set(['-t', '-T', '-b', '-lf', '-lp', '-L', '-W', '-lm']);

function socat(args: Arg[], from: number, ctx: Ctx): void {
  const c = newCollector();
  const addrs: Arg[] = [];
  for (let j = from; j < args.length && addrs.length < 2; j++) {
    const t = args[j].text;
    if (t.startsWith('-') && t !== '-') {
      if (SOCAT_TAKES.has(t)) j++;
      continue;
    }
    addrs.push(args[j]);
  }
  for (const a of addrs) {
    const m = /^([A-Za-z0-9-]+):([^,]*)(?:,(.*))?$/.exec(a.text);
    if (!m) continue;
    const type = m[1].toUpperCase();
    const param = m[2];
    const options = (m[3] ?? '').split(',');
    const bind = options.map((o) => /^bind=(.*)$/i.exec(o)?.[1]).find((x) => x !== undefined);
    let proto: 'tcp' | 'udp' | 'unix' | undefined;
    if (/^(TCP[46]?-(LISTEN|L)|OPENSSL-(LISTEN|L)|SSL-L|SCTP[46]?-(LISTEN|L))$/.test(type)) proto = 'tcp';
    else if (/^UDP[46]?-(LISTEN|L|RECV|RECVFROM)$/.test(type)) proto = 'udp';
    else if (/^(UNIX-(LISTEN|L|RECV|RECVFROM)|ABSTRACT-(LISTEN|L|RECV|RECVFROM))$/.test(type)) proto = 'unix';
    if (!proto) continue;
    if (proto === 'unix') {
      const pth = type.startsWith('ABSTRACT') ? '@' + param : param;
      if (pth.startsWith('/') || (pth.startsWith('@') && pth.length > 1)) c.full.push({ res: { kind: 'unix', path: normalizePath(pth) }, cite: [a] });
      continue;
    }
    const port = validPort(param);
    if (!port) continue;
    let host = '';
    if (bind) {
      host = splitHostPort(bind)?.host ?? normalizeHost(bind);
      if (!validHost(host) || isRemoteName(host)) continue;
    }
    c.full.push({ res: { kind: 'port', proto, host, port }, cite: [a] });
  }
  finish(ctx, c);
}

/** Splits on ':' outside brackets. */
function colonParts(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of s) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ':' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** ssh/autossh -L [bind:]port:host:hostport, -L socket:…, -D [bind:]port: a local listener (on loopback unless a bind address is given). */
function sshForwards(args: Arg[], from: number, ctx: Ctx): void {
  const { opts } = getopt(args, from, 'BbcDEeFIiJLlmMOoPpQRSWw', [], true);
  const c = newCollector();
  const bindHost = (b: string | undefined) => (b === undefined ? 'localhost' : normalizeHost(b));
  for (const o of opts) {
    if (!o.value || (o.name !== 'L' && o.name !== 'D')) continue;
    const parts = colonParts(o.value);
    let bind: string | undefined;
    let portText: string | undefined;
    if (o.name === 'D') {
      if (parts.length === 1) portText = parts[0];
      else if (parts.length === 2) [bind, portText] = parts;
    } else if (parts.length === 4) [bind, portText] = parts;
    else if (parts.length === 3 || parts.length === 2) {
      if (/^\d+$/.test(parts[0])) portText = parts[0];
      else if (parts[0].startsWith('/')) {
        c.full.push({ res: { kind: 'unix', path: normalizePath(parts[0]) }, cite: o.cite });
        continue;
      } else if (parts.length === 3) [bind, portText] = parts;
    }
    const port = portText ? validPort(portText) : undefined;
    const host = bindHost(bind);
    if (!port || !validHost(host) || isRemoteName(host)) continue;
    c.full.push({ res: { kind: 'port', proto: 'tcp', host, port }, cite: o.cite });
  }
  finish(ctx, c);
}

const DOCKER_FLAGS = new Set(['-d', '--detach', '--rm', '-i', '--interactive', '-t', '--tty', '-it', '-ti', '-dit', '--init', '--privileged', '--read-only', '-P', '--publish-all', '--replace', '-q', '--quiet', '--no-healthcheck', '--sig-proxy', '--oom-kill-disable', '--rmi']);

/** docker/podman run -p [ip:]hostPort:containerPort[/proto] (options before the image only). */
function dockerRun(args: Arg[], from: number, ctx: Ctx): void {
  let j = from;
  if (args[j]?.text === 'container') j++;
  if (args[j]?.text !== 'run') return;
  const c = newCollector();
  for (j++; j < args.length; j++) {
    const a = args[j];
    const t = a.text;
    if (!t.startsWith('-')) break; // the image
    let value: string | undefined;
    let cite: Arg[] = [a];
    const m = /^(-p|--publish)(?:=(.*))?$/.exec(t) ?? /^(-p)(.+)$/.exec(t);
    if (m) {
      value = m[2];
      if (value === undefined && j + 1 < args.length) {
        value = args[++j].text;
        cite = [a, args[j]];
      }
    } else {
      if (!t.includes('=') && !DOCKER_FLAGS.has(t) && !/^-[a-zA-Z]{2,}$/.test(t)) j++;
      continue;
    }
    if (!value) continue;
    const pm = /^(.*?)(?:\/(tcp|udp|sctp))?$/.exec(value)!;
    const proto = pm[2] === 'udp' ? 'udp' : pm[2] === 'sctp' ? undefined : 'tcp';
    const parts = colonParts(pm[1]);
    if (!proto || parts.length < 2) continue;
    const hostPort = validPort(parts[parts.length - 2]);
    const host = parts.length >= 3 ? normalizeHost(parts[0]) : '';
    if (!hostPort || !validHost(host) || isRemoteName(host)) continue;
    c.full.push({ res: { kind: 'port', proto, host, port: hostPort }, cite });
  }
  finish(ctx, c);
}

/** kubectl port-forward TARGET [LOCAL:]REMOTE… [--address a,b] (default localhost). */
function kubectlPortForward(args: Arg[], from: number, ctx: Ctx): void {
  const { opts, positionals } = getopt(args, from, 'nc', ['namespace', 'address', 'context', 'kubeconfig', 'pod-running-timeout', 'cluster', 'user']);
  if (positionals[0]?.text !== 'port-forward') return;
  const c = newCollector();
  const address = opts.find((o) => o.name === 'address');
  const hosts = address?.value ? address.value.split(',').map(normalizeHost) : ['localhost'];
  for (const pos of positionals.slice(2)) {
    const parts = pos.text.split(':');
    const port = validPort(parts[0]);
    if (!port) continue;
    for (const h of hosts) if (validHost(h) && !isRemoteName(h)) c.full.push({ res: { kind: 'port', proto: 'tcp', host: h, port }, cite: address ? [...address.cite, pos].sort((a, b) => a.src - b.src) : [pos] });
  }
  finish(ctx, c);
}

/** systemd-socket-activate -l ADDRESS [-d] [--seqpacket] PROGRAM…: it listens itself. */
function socketActivate(args: Arg[], from: number, ctx: Ctx): void {
  const { opts } = getopt(args, from, 'lE', ['listen', 'fdname', 'setenv'], true);
  const c = newCollector();
  const datagram = opts.some((o) => o.name === 'd' || o.name === 'datagram');
  for (const o of opts) {
    if ((o.name !== 'l' && o.name !== 'listen') || !o.value) continue;
    const r = socketListen(datagram ? 'ListenDatagram' : 'ListenStream', o.value, false);
    if (r) c.full.push({ res: r, cite: o.cite });
  }
  finish(ctx, c);
}

/** postgres -p PORT [-h ADDRS] [-k DIRS] [-c port=… -c listen_addresses=…]: only with an explicit port. */
function postgres(args: Arg[], from: number, ctx: Ctx): void {
  const { opts } = getopt(args, from, 'pBdDhkcrSCtNo', ['port', 'listen_addresses', 'listen-addresses', 'unix_socket_directories', 'unix-socket-directories', 'config-file', 'config_file']);
  let port: number | undefined;
  let portCite: Arg[] = [];
  let hosts: string[] | undefined;
  let hostCite: Arg[] = [];
  let dirs: string[] = [];
  let dirCite: Arg[] = [];
  for (const o of opts) {
    let name = o.name;
    let value = o.value;
    if (name === 'c' && value) {
      const m = /^([\w-]+)=(.*)$/.exec(value);
      if (!m) continue;
      [name, value] = [m[1], m[2]];
    }
    name = name.replace(/-/g, '_');
    if (value === undefined) continue;
    if (name === 'p' || name === 'port') {
      port = validPort(value);
      portCite = o.cite;
    } else if (name === 'h' || name === 'listen_addresses') {
      hosts = value.replace(/^'|'$/g, '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => (s === '*' ? '' : normalizeHost(s)));
      hostCite = o.cite;
    } else if (name === 'k' || name === 'unix_socket_directories') {
      dirs = value.replace(/^'|'$/g, '').split(',').map((s) => s.trim()).filter(Boolean);
      dirCite = o.cite;
    }
  }
  if (!port) return;
  const c = newCollector();
  for (const h of hosts ?? ['localhost']) {
    if (!validHost(h) || isRemoteName(h)) continue;
    c.full.push({ res: { kind: 'port', proto: 'tcp', host: h, port }, cite: [...hostCite, ...portCite].sort((a, b) => a.src - b.src) });
  }
  for (const d of dirs) if (d.startsWith('/') || d.startsWith('@')) c.full.push({ res: { kind: 'unix', path: normalizePath(`${d}/.s.PGSQL.${port}`) }, cite: [...dirCite, ...portCite].sort((a, b) => a.src - b.src) });
  finish(ctx, c);
}

/** openssl s_server [-accept [host:]port | -port N] (default 4433). */
function opensslServer(args: Arg[], from: number, ctx: Ctx): void {
  if (args[from]?.text !== 's_server') return;
  const c = newCollector();
  for (let j = from + 1; j < args.length; j++) {
    const t = args[j].text;
    if ((t === '-accept' || t === '-port') && j + 1 < args.length) {
      feed(c, 'listen', args[j + 1].text, [args[j], args[j + 1]]);
      j++;
    }
  }
  if (!c.full.length && !c.ports.length) c.full.push({ res: { kind: 'port', proto: 'tcp', host: '', port: 4433 }, cite: [args[from]], note: 'default port 4433' });
  finish(ctx, c);
}

// ---------------------------------------------------------------------------------------------
// Environment variables that say where the service listens

const HOST_SUFFIXES = ['HOST', 'ADDR', 'ADDRESS', 'BIND', 'IP'];

/** PORT=, *_PORT=, *_ADDR(ESS)=, *_LISTEN=, *_BIND= (and HOST=/X_HOST= paired with PORT=/X_PORT=). */
function envScan(out: Provided[], consumed: Set<string>, vars: Iterable<EnvVar>): void {
  const list = [...vars];
  const byName = new Map(list.map((v) => [v.name.toUpperCase(), v]));
  const items: Provided[] = [];
  for (const v of list) {
    if (consumed.has(v.name)) continue;
    const tokens = v.name.toLowerCase().split('_').filter(Boolean);
    if (!tokens.length || clientish(tokens)) continue;
    const last = tokens[tokens.length - 1];
    const listenish = tokens.includes('listen') || tokens.includes('bind');
    const howOf = (vs: EnvVar[]) => `${vs[0].origin} ${vs.map((x) => `${x.name}=${x.value}`).join(' ')}`;
    if (last === 'port') {
      const port = validPort(v.value.trim());
      if (!port) {
        const r = parseListen(v.value, { namedHost: listenish });
        if (r && 'res' in r) items.push({ resource: r.res, how: howOf([v]), at: v.at });
        continue;
      }
      const prefix = v.name.toUpperCase().slice(0, -'PORT'.length).replace(/_$/, '');
      const hostVar = HOST_SUFFIXES.map((s) => byName.get(prefix ? `${prefix}_${s}` : s)).find((x) => x !== undefined && !consumed.has(x.name));
      let host = '';
      const cited = [v];
      if (hostVar) {
        const r = parseListen(hostVar.value, {});
        if (r && !('res' in r)) {
          if (r.remote) continue; // DB-style HOST/PORT pair: a connection, not a listener
          host = r.host;
          cited.unshift(hostVar);
        }
      }
      items.push({ resource: { kind: 'port', proto: 'tcp', host, port }, how: howOf(cited), at: v.at });
      continue;
    }
    const addrLike = ['addr', 'address', 'listen', 'bind'].includes(last) ||
      (listenish && ['socket', 'sock', 'path', 'url', 'urls'].includes(last));
    if (!addrLike) continue;
    for (const part of v.value.split(/[,\s]+/).filter(Boolean)) {
      const r = parseListen(part, { barePort: true, path: true, namedHost: listenish });
      if (r && 'res' in r) items.push({ resource: r.res, how: howOf([v]), at: v.at });
    }
  }
  for (const it of items) out.push(it);
}

// ---------------------------------------------------------------------------------------------
// Socket units

const LISTEN_KEYS = ['ListenStream', 'ListenDatagram', 'ListenSequentialPacket', 'ListenFIFO'];

function socketListen(key: string, value: string, ipv6Only: boolean): Resource | undefined {
  const v = value.trim();
  if (key === 'ListenFIFO') return v.startsWith('/') ? { kind: 'file', path: normalizePath(v) } : undefined;
  if (v.startsWith('/') || (v.startsWith('@') && v.length > 1)) return { kind: 'unix', path: normalizePath(v) };
  if (key === 'ListenSequentialPacket' || /^vsock:/i.test(v)) return undefined;
  const proto = key === 'ListenDatagram' ? 'udp' : 'tcp';
  const port = validPort(v);
  if (port) return { kind: 'port', proto, host: ipv6Only ? '::' : '', port };
  const hp = splitHostPort(v.replace(/%[^:\]]*(?=:\d+$)/, ''));
  return hp ? { kind: 'port', proto, host: hp.host, port: hp.port } : undefined;
}

function socketListeners(u: Unit): Provided[] {
  const srcs = u.sources();
  const order = (a: Assignment) => srcs.findIndex((s) => s.file === a.file) * 1e6 + a.line;
  let all: Assignment[] = [];
  for (const k of LISTEN_KEYS) all.push(...u.assignments('Socket', k));
  all.sort((a, b) => order(a) - order(b));
  // An empty assignment to any Listen*= resets every listener before it.
  const lastEmpty = all.map((a) => a.value === '').lastIndexOf(true);
  all = all.slice(lastEmpty + 1);
  const ipv6Only = u.get('Socket', 'BindIPv6Only')?.value === 'ipv6-only';
  const out: Provided[] = [];
  for (const a of all) {
    const value = u.expandValue(a.value);
    const r = socketListen(a.key, value, ipv6Only);
    if (!r) continue;
    const note = ipv6Only && r.kind === 'port' && r.host === '::' ? ' (BindIPv6Only=ipv6-only)' : '';
    out.push({ resource: r, how: `${a.key}=${value}${note}`, at: valueLocation(a) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Explicit statements

const SERVES = /^[#;]\s*unitlint:\s*serves\s*=\s*(.*?)\s*(?:--\s*(.*))?$/;

/** One `serves=` item: a URL, tcp://, udp://, unix:, file:, unit:, a path, a port, host:port, or a host name. */
export function parseServes(item: string): Resource | undefined {
  const v = item.trim();
  if (!v) return undefined;
  const m = /^(file|unit):(.+)$/i.exec(v);
  if (m) return m[1].toLowerCase() === 'file' ? { kind: 'file', path: normalizePath(m[2]) } : { kind: 'unit', name: m[2] };
  if (/^unix:/i.test(v) || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return resourceFromUrl(v);
  if (v.startsWith('/') || v.startsWith('@')) return { kind: 'unix', path: normalizePath(v) };
  const port = validPort(v);
  if (port) return { kind: 'port', proto: 'tcp', host: '', port };
  const hp = splitHostPort(v);
  if (hp) return isRemoteName(hp.host) ? { kind: 'host', name: hp.host, port: hp.port, scheme: '' } : { kind: 'port', proto: 'tcp', host: hp.host, port: hp.port };
  const h = normalizeHost(v);
  if (HOST_NAME.test(h) && isRemoteName(h)) return { kind: 'host', name: h, port: 0, scheme: '' };
  return undefined;
}

function servesComments(u: Unit): Provided[] {
  const out: Provided[] = [];
  for (const s of u.sources()) {
    for (const c of s.parsed.comments) {
      const m = SERVES.exec(c.text);
      if (!m) continue;
      for (const item of m[1].split(/[,\s]+/).filter(Boolean)) {
        const r = parseServes(item);
        if (!r) continue;
        out.push({ resource: r, how: `comment serves=${item}`, at: { file: s.file, line: c.line, column: c.column, endLine: c.line, endColumn: c.column + c.text.length } });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * What the unit serves, in this order: a socket's listeners; a service's ExecStart= listeners, then
 * listeners named by its environment variables (those not already used by ExecStart=); then
 * `# unitlint: serves=` comments. Each resource is listed once (its first source). Templates and
 * masked units serve nothing.
 */
const providedCache = new WeakMap<Unit, Provided[]>();

export function providedBy(u: Unit, project: Project): Provided[] {
  // A unit belongs to one project: its listeners are read once (the health-gate, port, socket and
  // hardening rules all ask). Callers must not mutate the result.
  let hit = providedCache.get(u);
  if (!hit) providedCache.set(u, (hit = readProvided(u, project)));
  return hit;
}

function readProvided(u: Unit, project: Project): Provided[] {
  // A template never runs (its instances do) and a masked unit never starts.
  if (u.instance === '' || u.masked) return [];
  const out: Provided[] = [];
  if (u.type === 'socket') out.push(...socketListeners(u));
  if (u.type === 'service') {
    const env = serviceEnvironment(u, project);
    const consumed = new Set<string>();
    const execOut: Provided[] = [];
    for (const cmd of execCommands(u, 'ExecStart')) {
      const ctx: Ctx = { key: 'ExecStart', at: cmd.at, env, out: execOut, consumed };
      analyzeCommand(resolveArgs(cmd, env), 0, ctx);
    }
    out.push(...execOut);
    envScan(out, consumed, env.values());
  }
  out.push(...servesComments(u));
  const seen = new Set<string>();
  return out.filter((p) => {
    const k = describeResource(p.resource);
    if (/__unknown__/i.test(k)) return false; // not known statically (a NixOS option from outside the tree)
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
