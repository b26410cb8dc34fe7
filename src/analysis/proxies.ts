/**
 * Reverse-proxy routes found in the input tree: which virtual host (and port) a proxy answers, and where
 * it sends the requests. A gate on `https://ci.example.net` waits on the proxy unit AND on the unit that
 * serves the route's upstream (`proxy_pass http://127.0.0.1:8443`).
 *
 * Read: nginx (nginx.conf with its includes, sites-enabled/, nginx/**\/*.conf), Caddy (Caddyfile,
 * caddy/**\/*.caddy), HAProxy (haproxy.cfg, haproxy/**\/*.cfg) and Traefik's dynamic configuration
 * (traefik/**\/*.{yml,yaml,toml} with http.routers; entry points from its static configuration when the
 * tree has it). The parsers are hand-written and tolerant: a malformed block is skipped, nothing throws,
 * and no file outside the input roots is read (absolute include paths and link targets are looked up in
 * the tree, which mirrors the file system: /etc/nginx/… → <root>/etc/nginx/…).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import type { Location } from '../types.js';
import type { Project } from '../model/load.js';
import type { Resource } from './types.js';
import { discover, readTextFile } from '../sources/discover.js';
import { describeResource, normalizeHost, normalizePath, resourceFromUrl } from './endpoints.js';

export interface ProxyRoute {
  /** Virtual host name, lower-case ('' for a default/catch-all server). */
  host: string;
  /** The port the proxy listens on for it (80/443/explicit). */
  port: number;
  scheme: 'http' | 'https';
  /** Where requests go: a port (host/port) or a unix socket. */
  upstream: Resource;
  /** The proxy's unit name by convention: nginx.service, caddy.service, haproxy.service, traefik.service (or what the config file's location implies). */
  proxyUnit: string;
  /** The file:line of the upstream directive (proxy_pass / reverse_proxy / server / url). */
  at: Location;
  /** e.g. "nginx server_name ci.example.net → proxy_pass http://127.0.0.1:8443". */
  how: string;
}

type Family = 'nginx' | 'caddy' | 'haproxy' | 'traefik';

const PATTERNS = [
  '**/nginx.conf',
  '**/nginx/**/*.conf',
  '**/sites-enabled/*',
  '**/sites-available/*',
  '**/Caddyfile',
  '**/caddy/**/*.caddy',
  '**/haproxy.cfg',
  '**/haproxy/**/*.cfg',
  '**/traefik/**/*.{yml,yaml,toml}',
];

/** Upper bounds that keep hostile input cheap. */
const MAX_DEPTH = 100;
const MAX_INCLUDE_DEPTH = 16;
const MAX_INCLUDES = 2000;

// ---------------------------------------------------------------------------------------------
// The input tree: what may be read, and how absolute paths map into it

interface Root {
  abs: string;
  real: string;
  dir: boolean;
}

class Tree {
  readonly roots: Root[] = [];
  private texts = new Map<string, string | null>();

  constructor(project: Project) {
    for (const r of project.roots) {
      const abs = path.resolve(project.cwd, r);
      try {
        const real = fs.realpathSync(abs);
        this.roots.push({ abs, real, dir: fs.statSync(real).isDirectory() });
      } catch {
        /* a missing root has nothing to read */
      }
    }
  }

  /** The root holding a real path, if any. */
  private holds(real: string): boolean {
    return this.roots.some((r) => real === r.real || (r.dir && real.startsWith(r.real + path.sep)));
  }

  /** The folder root (lexical or real spelling) that a path lies in. */
  rootOf(p: string): string | undefined {
    for (const r of this.roots) {
      if (!r.dir) continue;
      for (const base of [r.abs, r.real]) if (p === base || p.startsWith(base + path.sep)) return base;
    }
    return undefined;
  }

  /** The folder and its parents, up to (and including) the root it lies in. */
  ancestors(dir: string): string[] {
    const root = this.rootOf(dir);
    if (!root) return [];
    const out: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      out.push(d);
      if (d === root || path.dirname(d) === d) break;
    }
    return out;
  }

  /** A folder that may be listed: it is inside a root (links followed). */
  listable(dir: string): boolean {
    try {
      const real = fs.realpathSync(dir);
      return this.holds(real) && fs.statSync(real).isDirectory();
    } catch {
      return false;
    }
  }

  /**
   * The real path of a file of the tree: links are followed while they stay inside the roots; a link to
   * an absolute path that leads out of them (sites-enabled/x → /etc/nginx/sites-available/x) is looked
   * up in the tree's mirror of that path.
   */
  resolve(p: string, depth = 0): string | undefined {
    if (depth > 8) return undefined;
    let real: string | undefined;
    try {
      real = fs.realpathSync(p);
    } catch {
      real = undefined;
    }
    if (real !== undefined && this.holds(real)) {
      try {
        return fs.statSync(real).isFile() ? real : undefined;
      } catch {
        return undefined;
      }
    }
    let target: string;
    try {
      if (!fs.lstatSync(p).isSymbolicLink()) return undefined;
      target = fs.readlinkSync(p);
    } catch {
      return undefined;
    }
    if (!path.isAbsolute(target)) return undefined;
    for (const a of this.ancestors(path.dirname(p))) {
      const r = this.resolve(path.join(a, target), depth + 1);
      if (r) return r;
    }
    return undefined;
  }

  /** The text of an in-tree file (a real path from resolve()); undefined when unreadable or binary. */
  read(real: string): string | undefined {
    if (!this.texts.has(real)) {
      const r = this.holds(real) ? readTextFile(real) : undefined;
      this.texts.set(real, r?.ok ? r.text : null);
    }
    return this.texts.get(real) ?? undefined;
  }

  /** Expands a glob (`*`, `?`, `[…]` in any component) inside the tree; sorted, files and links only. */
  glob(pattern: string): string[] {
    const parts = pattern.split('/');
    let cur = [parts[0] === '' ? '/' : parts[0]];
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i];
      if (part === '' || part === '.') continue;
      if (!/[*?[]/.test(part)) {
        cur = cur.map((c) => path.join(c, part));
        continue;
      }
      const re = globRegex(part);
      const next: string[] = [];
      for (const dir of cur) {
        if (!this.listable(dir)) continue;
        let names: string[];
        try {
          names = fs.readdirSync(dir).sort();
        } catch {
          continue;
        }
        for (const n of names) if (re.test(n) && (!n.startsWith('.') || part.startsWith('.'))) next.push(path.join(dir, n));
      }
      cur = next;
      if (cur.length > MAX_INCLUDES) cur = cur.slice(0, MAX_INCLUDES);
    }
    return cur.filter((p) => {
      if (!this.rootOf(p) && !this.roots.some((r) => r.abs === p || r.real === p)) return false;
      try {
        return !fs.statSync(p).isDirectory();
      } catch {
        return fs.existsSync(p) || isLink(p);
      }
    });
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function globRegex(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = part.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    return /^\b$/; // matches nothing
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

interface Tok {
  text: string;
  line: number;
  col: number;
  /** Position just past the token. */
  endLine: number;
  endCol: number;
}

function span(file: string, from: { line: number; col: number }, to: { endLine: number; endCol: number }): Location {
  return { file, line: from.line, column: from.col, endLine: to.endLine, endColumn: to.endCol };
}

/** `host[:port]` or `unix:/path` (nginx upstream server, HAProxy server): the address a proxy connects to. */
function dialAddress(addr: string, defaultPort: number | undefined): Resource | undefined {
  if (!addr || addr.includes('$') || addr.includes('{')) return undefined;
  if (/^unix:/i.test(addr)) {
    const p = addr.slice(5);
    return p.startsWith('/') || (p.startsWith('@') && p.length > 1) ? { kind: 'unix', path: normalizePath(p) } : undefined;
  }
  if (addr.startsWith('/')) return { kind: 'unix', path: normalizePath(addr) };
  const hasPort = /:\d+$/.test(addr) && (!addr.includes('::') || addr.includes(']'));
  if (!hasPort && defaultPort === undefined) return undefined;
  const r = resourceFromUrl(`http://${hasPort ? addr : `${addr}:${defaultPort}`}`);
  if (r?.kind === 'host') return { ...r, scheme: '' };
  return r;
}

/** Which unit runs this proxy: <family>.service, or a unit the project has that the file's location names (etc/nginx-internal/ → nginx-internal.service). */
function proxyUnitFor(family: Family, file: string, tree: Tree, project: Project): string {
  const names = [path.basename(file).replace(/\.[^.]*$/, '')];
  for (const d of tree.ancestors(path.dirname(file))) names.push(path.basename(d));
  for (const n of names) {
    const lc = n.toLowerCase();
    if (lc === family || !(lc.startsWith(family + '-') || lc.startsWith(family + '@') || lc.startsWith(family + '_'))) continue;
    if (!/^[A-Za-z0-9:_.@\\-]+$/.test(n)) continue;
    const cand = `${n}.service`;
    try {
      if (project.resolve(cand)) return cand;
    } catch {
      /* not a unit name */
    }
  }
  return `${family}.service`;
}

function routeKey(r: ProxyRoute): string {
  return `${r.host}|${r.port}|${r.scheme}|${describeResource(r.upstream)}|${r.proxyUnit}`;
}

// ---------------------------------------------------------------------------------------------
// nginx

type NTok = Tok & { kind: 'word' | ';' | '{' | '}' };

interface Directive {
  name: string;
  args: Tok[];
  block?: Directive[];
  at: Location;
}

/** A cursor over text that tracks 1-based line and column. */
class Cursor {
  i = 0;
  line = 1;
  col = 1;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.i >= this.text.length;
  }
  peek(k = 0): string {
    return this.text[this.i + k] ?? '';
  }
  next(): string {
    const c = this.text[this.i++];
    if (c === '\n') {
      this.line++;
      this.col = 1;
    } else this.col++;
    return c;
  }
  /** Skips one white-space character or a whole `#` comment; false when neither is next. */
  skipBlankOrComment(): boolean {
    const ch = this.peek();
    if (/\s/.test(ch)) {
      this.next();
      return true;
    }
    if (ch === '#') {
      while (!this.done && this.peek() !== '\n') this.next();
      return true;
    }
    return false;
  }
}

function nginxTokens(text: string): NTok[] {
  const out: NTok[] = [];
  const c = new Cursor(text);
  while (!c.done) {
    if (c.skipBlankOrComment()) continue;
    const ch = c.peek();
    const line = c.line;
    const col = c.col;
    if (ch === ';' || ch === '{' || ch === '}') {
      c.next();
      out.push({ kind: ch, text: ch, line, col, endLine: c.line, endCol: c.col });
      continue;
    }
    let t = '';
    if (ch === '"' || ch === "'") {
      c.next();
      while (!c.done && c.peek() !== ch) {
        if (c.peek() === '\\' && c.i + 1 < text.length) {
          c.next();
          const e = c.next();
          t += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === ch || e === '\\' ? e : '\\' + e;
        } else t += c.next();
      }
      if (!c.done) c.next();
    } else {
      while (!c.done) {
        const d = c.peek();
        if (/\s/.test(d) || d === ';' || d === '{' || d === '}') break;
        if (d === '$' && c.peek(1) === '{') {
          while (!c.done && c.peek() !== '}') t += c.next();
          if (!c.done) t += c.next();
          continue;
        }
        if (d === '\\' && c.i + 1 < text.length) t += c.next();
        t += c.next();
      }
    }
    out.push({ kind: 'word', text: t, line, col, endLine: c.line, endCol: c.col });
  }
  return out;
}

/** Directives in blocks; a block that is never closed is dropped with everything after it. */
function parseNginx(text: string, file: string): Directive[] {
  const toks = nginxTokens(text);
  let pos = 0;
  const block = (depth: number): { list: Directive[]; closed: boolean } => {
    const list: Directive[] = [];
    let cur: Tok[] = [];
    while (pos < toks.length) {
      const t = toks[pos++];
      if (t.kind === 'word') cur.push(t);
      else if (t.kind === ';') {
        if (cur.length) list.push({ name: cur[0].text, args: cur.slice(1), at: span(file, cur[0], t) });
        cur = [];
      } else if (t.kind === '{') {
        if (depth >= MAX_DEPTH) {
          pos = toks.length;
          return { list, closed: false };
        }
        const inner = block(depth + 1);
        if (!inner.closed) return { list, closed: false };
        if (cur.length) list.push({ name: cur[0].text, args: cur.slice(1), block: inner.list, at: span(file, cur[0], t) });
        cur = [];
      } else {
        cur = [];
        if (depth > 0) return { list, closed: true };
        // a stray '}' at the top: ignored
      }
    }
    return { list, closed: depth === 0 };
  };
  return block(0).list;
}

interface NginxConfig {
  /** The folder relative include paths start from. */
  base: string;
  directives: Directive[];
}

class Nginx {
  readonly included = new Set<string>();
  private parsed = new Map<string, Directive[] | null>();
  private budget = MAX_INCLUDES;

  constructor(private tree: Tree) {}

  file(real: string): Directive[] | undefined {
    if (!this.parsed.has(real)) {
      const text = this.tree.read(real);
      this.parsed.set(real, text === undefined ? null : parseNginx(text, real));
    }
    return this.parsed.get(real) ?? undefined;
  }

  /** The folder an nginx file's relative includes start from: the nginx.conf folder (or the nginx/ folder) above it. */
  baseOf(real: string): string {
    const dirs = this.tree.ancestors(path.dirname(real));
    for (const d of dirs) if (fs.existsSync(path.join(d, 'nginx.conf'))) return d;
    for (const d of dirs) if (path.basename(d) === 'nginx') return d;
    const dir = path.dirname(real);
    return ['sites-enabled', 'sites-available', 'conf.d'].includes(path.basename(dir)) ? path.dirname(dir) : dir;
  }

  /** The in-tree files an `include` names. */
  includeTargets(arg: string, base: string): string[] {
    if (!arg || arg.includes('$')) return [];
    let hits: string[] = [];
    if (path.isAbsolute(arg)) {
      for (const a of this.tree.ancestors(base)) {
        hits = this.tree.glob(path.join(a, arg));
        if (hits.length) break;
      }
      if (!hits.length) {
        const comps = arg.split('/').filter(Boolean);
        const i = comps.lastIndexOf(path.basename(base));
        if (i >= 0 && i < comps.length - 1) hits = this.tree.glob(path.join(base, ...comps.slice(i + 1)));
      }
    } else hits = this.tree.glob(path.join(base, arg));
    const out: string[] = [];
    for (const h of hits) {
      const r = this.tree.resolve(h);
      if (r && !out.includes(r)) out.push(r);
    }
    return out;
  }

  expand(list: Directive[], base: string, stack: string[]): Directive[] {
    const out: Directive[] = [];
    for (const d of list) {
      if (d.name === 'include' && !d.block && d.args.length === 1) {
        if (stack.length >= MAX_INCLUDE_DEPTH) continue;
        for (const f of this.includeTargets(d.args[0].text, base)) {
          if (stack.includes(f) || this.budget-- <= 0) continue;
          this.included.add(f);
          const sub = this.file(f);
          if (sub) out.push(...this.expand(sub, base, [...stack, f]));
        }
      } else if (d.block) out.push({ ...d, block: this.expand(d.block, base, stack) });
      else out.push(d);
    }
    return out;
  }

  config(real: string): NginxConfig | undefined {
    const d = this.file(real);
    if (!d) return undefined;
    const base = path.basename(real) === 'nginx.conf' ? path.dirname(real) : this.baseOf(real);
    return { base, directives: this.expand(d, base, [real]) };
  }
}

const NGINX_PASS = new Set(['proxy_pass', 'grpc_pass']);

function nginxHttpLevel(list: Directive[], servers: Directive[], upstreams: Map<string, Directive>, depth = 0): void {
  for (const d of list) {
    if (!d.block) continue;
    if (d.name === 'http' && depth === 0) nginxHttpLevel(d.block, servers, upstreams, 1);
    else if (d.name === 'server') servers.push(d);
    else if (d.name === 'upstream' && d.args.length === 1) {
      const name = d.args[0].text.toLowerCase();
      if (!upstreams.has(name)) upstreams.set(name, d);
    }
  }
}

function nginxLocations(list: Directive[], out: { loc: Directive; pass: Directive }[], depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const d of list) {
    if (d.name !== 'location' || !d.block) continue;
    const pass = d.block.find((x) => NGINX_PASS.has(x.name) && !x.block && x.args.length >= 1);
    if (pass) out.push({ loc: d, pass });
    nginxLocations(d.block, out, depth + 1);
  }
}

interface Target {
  res: Resource;
  at: Location;
  how: string;
}

function nginxTargets(pass: Directive, upstreams: Map<string, Directive>[]): Target[] {
  const arg = pass.args[0].text;
  if (arg.includes('$')) return [];
  const how = `${pass.name} ${arg}`;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(arg);
  let scheme: string;
  let rest: string;
  if (m) [scheme, rest] = [m[1].toLowerCase(), m[2]];
  else if (pass.name === 'grpc_pass') [scheme, rest] = ['grpc', arg];
  else return [];
  if (/^unix:/i.test(rest)) {
    const p = rest.slice(5);
    const colon = p.indexOf(':');
    const sock = colon >= 0 ? p.slice(0, colon) : p;
    return sock.startsWith('/') ? [{ res: { kind: 'unix', path: normalizePath(sock) }, at: pass.at, how }] : [];
  }
  const authority = rest.split(/[/?#]/)[0];
  for (const ups of upstreams) {
    const up = ups.get(authority.toLowerCase());
    if (!up?.block) continue;
    const out: Target[] = [];
    for (const s of up.block) {
      if (s.name !== 'server' || s.block || !s.args.length || s.args.slice(1).some((a) => a.text === 'down')) continue;
      const res = dialAddress(s.args[0].text, scheme === 'https' || scheme === 'grpcs' ? 443 : 80);
      if (res) out.push({ res, at: s.at, how: `${how} → upstream ${up.args[0].text} server ${s.args[0].text}` });
    }
    return out;
  }
  const res = scheme === 'grpc' || scheme === 'grpcs'
    ? dialAddress(authority, scheme === 'grpcs' ? 443 : 80)
    : resourceFromUrl(`${scheme}://${authority}`);
  return res ? [{ res, at: pass.at, how }] : [];
}

function nginxServerRoutes(server: Directive, upstreams: Map<string, Directive>[], unit: string, out: ProxyRoute[]): void {
  const body = server.block ?? [];
  const hosts: string[] = [];
  let catchAll = false;
  for (const d of body) {
    if (d.name !== 'server_name' || d.block) continue;
    for (const a of d.args) {
      const n = a.text.toLowerCase();
      if (n === '_' || n === '') catchAll = true;
      else if (n.startsWith('~') || n.includes('$')) continue;
      else {
        const h = normalizeHost(n.startsWith('.') ? n.slice(1) : n);
        if (h && !hosts.includes(h)) hosts.push(h);
      }
    }
  }
  if (!hosts.length || catchAll) hosts.push('');
  const sslOn = body.some((d) => d.name === 'ssl' && d.args[0]?.text === 'on');
  const listens: { port: number; https: boolean; dflt: boolean }[] = [];
  const listenDirs = body.filter((d) => d.name === 'listen' && !d.block && d.args.length);
  for (const d of listenDirs) {
    const addr = d.args[0].text;
    if (/^unix:/i.test(addr)) continue;
    const params = d.args.slice(1).map((a) => a.text);
    const pm = /^\d+$/.test(addr) ? addr : /:(\d+)$/.exec(addr)?.[1];
    const port = pm === undefined ? 80 : Number(pm);
    if (!(port >= 1 && port <= 65535)) continue;
    const https = sslOn || params.includes('ssl') || params.includes('quic');
    const dflt = params.includes('default_server') || params.includes('default');
    const prev = listens.find((l) => l.port === port && l.https === https);
    if (prev) prev.dflt ||= dflt;
    else listens.push({ port, https, dflt });
  }
  if (!listenDirs.length) listens.push({ port: 80, https: sslOn, dflt: false });
  const found: { loc: Directive; pass: Directive }[] = [];
  nginxLocations(body, found);
  const isRoot = (l: Directive) => {
    const a = l.args.map((x) => x.text).join(' ');
    return a === '/' || a === '^~ /';
  };
  const chosen = found.find((f) => isRoot(f.loc)) ?? found[0];
  if (!chosen) return;
  const targets = nginxTargets(chosen.pass, upstreams);
  for (const l of listens) {
    const hs = l.dflt && !hosts.includes('') ? [...hosts, ''] : hosts;
    for (const h of hs) {
      const who = h ? `server_name ${h}` : `default server (listen ${l.port})`;
      for (const t of targets) {
        out.push({ host: h, port: l.port, scheme: l.https ? 'https' : 'http', upstream: t.res, proxyUnit: unit, at: t.at, how: `nginx ${who} → ${t.how}` });
      }
    }
  }
}

function nginxRoutes(files: string[], tree: Tree, project: Project): ProxyRoute[] {
  const ng = new Nginx(tree);
  const reals: string[] = [];
  for (const f of files) {
    const parent = path.basename(path.dirname(f));
    // sites-available/ counts only through links from sites-enabled/ (or when there is no sites-enabled/)
    if (parent === 'sites-available' && fs.existsSync(path.join(path.dirname(path.dirname(f)), 'sites-enabled'))) continue;
    const r = tree.resolve(f);
    if (r && !reals.includes(r)) reals.push(r);
  }
  const mains = reals.filter((r) => path.basename(r) === 'nginx.conf');
  const configs: { real: string; cfg: NginxConfig }[] = [];
  for (const r of mains) {
    const cfg = ng.config(r);
    if (cfg) configs.push({ real: r, cfg });
  }
  for (const r of reals) {
    if (mains.includes(r) || ng.included.has(r)) continue;
    const cfg = ng.config(r);
    if (cfg) configs.push({ real: r, cfg });
  }
  const parts = configs.map(({ real, cfg }) => {
    const servers: Directive[] = [];
    const upstreams = new Map<string, Directive>();
    nginxHttpLevel(cfg.directives, servers, upstreams);
    return { real, servers, upstreams };
  });
  const global = new Map<string, Directive>();
  for (const p of parts) for (const [k, v] of p.upstreams) if (!global.has(k)) global.set(k, v);
  const out: ProxyRoute[] = [];
  for (const p of parts) {
    const unit = proxyUnitFor('nginx', p.real, tree, project);
    for (const s of p.servers) nginxServerRoutes(s, [p.upstreams, global], unit, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Caddy

type CTok = Tok & { kind: 'word' | 'open' | 'close' | 'nl' };

interface CNode {
  args: Tok[];
  block?: CNode[];
  at: Location;
}

function caddyTokens(text: string): CTok[] {
  const out: CTok[] = [];
  const c = new Cursor(text);
  while (!c.done) {
    const ch = c.peek();
    if (ch === '\n') {
      c.next();
      if (out.length && out[out.length - 1].kind !== 'nl') out.push({ kind: 'nl', text: '\n', line: c.line, col: 1, endLine: c.line, endCol: 1 });
      continue;
    }
    if (ch === '\\' && (c.peek(1) === '\n' || (c.peek(1) === '\r' && c.peek(2) === '\n'))) {
      c.next();
      while (c.peek() !== '\n') c.next();
      c.next();
      continue;
    }
    if (c.skipBlankOrComment()) continue;
    const line = c.line;
    const col = c.col;
    let t = '';
    let quoted = false;
    if (ch === '"' || ch === '`') {
      quoted = true;
      c.next();
      while (!c.done && c.peek() !== ch) {
        if (ch === '"' && c.peek() === '\\' && (c.peek(1) === '"' || c.peek(1) === '\\')) c.next();
        t += c.next();
      }
      if (!c.done) c.next();
    } else {
      while (!c.done && !/\s/.test(c.peek())) t += c.next();
    }
    const kind = !quoted && t === '{' ? 'open' : !quoted && t === '}' ? 'close' : 'word';
    out.push({ kind, text: t, line, col, endLine: c.line, endCol: c.col });
  }
  return out;
}

function parseCaddy(text: string, file: string): CNode[] {
  const toks = caddyTokens(text);
  let pos = 0;
  const block = (depth: number): { list: CNode[]; closed: boolean } => {
    const list: CNode[] = [];
    let cur: Tok[] = [];
    const flush = () => {
      if (cur.length) list.push({ args: cur, at: span(file, cur[0], cur[cur.length - 1]) });
      cur = [];
    };
    while (pos < toks.length) {
      const t = toks[pos++];
      if (t.kind === 'word') cur.push(t);
      else if (t.kind === 'nl') flush();
      else if (t.kind === 'open') {
        if (depth >= MAX_DEPTH) {
          pos = toks.length;
          return { list, closed: false };
        }
        const inner = block(depth + 1);
        if (!inner.closed) return { list, closed: false };
        const first = cur[0] ?? t;
        const last = cur[cur.length - 1] ?? t;
        list.push({ args: cur, block: inner.list, at: span(file, first, last) });
        cur = [];
      } else {
        flush();
        if (depth > 0) return { list, closed: true };
      }
    }
    flush();
    return { list, closed: depth === 0 };
  };
  return block(0).list;
}

interface SiteAddress {
  text: string;
  host: string;
  port: number;
  scheme: 'http' | 'https';
}

function caddyAddress(s: string): SiteAddress | undefined {
  if (!s || s.includes('{') || s.includes('}')) return undefined;
  let rest = s;
  let scheme: 'http' | 'https' | undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(s);
  if (m) {
    const sc = m[1].toLowerCase();
    if (sc !== 'http' && sc !== 'https') return undefined;
    scheme = sc;
    rest = m[2];
  }
  rest = rest.split('/')[0];
  let host = rest;
  let port: number | undefined;
  const b = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (b) {
    host = b[1];
    if (b[2]) port = Number(b[2]);
  } else if (rest.includes(':')) {
    const i = rest.lastIndexOf(':');
    if (!/^\d+$/.test(rest.slice(i + 1))) return undefined;
    host = rest.slice(0, i);
    port = Number(rest.slice(i + 1));
  }
  host = normalizeHost(host === '*' ? '' : host);
  if (!/^[a-z0-9_*.:-]*$/.test(host) || (host.includes(':') && !b)) return undefined;
  if (port !== undefined && !(port >= 1 && port <= 65535)) return undefined;
  if (!host && port === undefined && !scheme) return undefined;
  port ??= scheme === 'http' ? 80 : scheme === 'https' ? 443 : host ? 443 : 80;
  scheme ??= port === 80 ? 'http' : port === 443 ? 'https' : host ? 'https' : 'http';
  return { text: s, host, port, scheme };
}

const CADDY_DIRECTIVES = new Set([
  'abort', 'acme_server', 'basic_auth', 'basicauth', 'bind', 'encode', 'error', 'file_server', 'forward_auth', 'fs', 'handle',
  'handle_errors', 'handle_path', 'header', 'import', 'intercept', 'invoke', 'log', 'log_append', 'log_skip', 'map', 'method',
  'metrics', 'php_fastcgi', 'push', 'redir', 'request_body', 'request_header', 'respond', 'reverse_proxy', 'rewrite', 'root',
  'route', 'skip_log', 'templates', 'tls', 'tracing', 'try_files', 'uri', 'vars',
]);

/** The site addresses of a block header (`https://a, b`), or undefined when it is no site header. */
function caddyAddresses(args: Tok[]): SiteAddress[] | undefined {
  if (!args.length) return undefined;
  const first = args[0].text;
  if (CADDY_DIRECTIVES.has(first.toLowerCase()) || first.startsWith('(') || first.startsWith('&(') || first.startsWith('@')) return undefined;
  const out: SiteAddress[] = [];
  for (const w of args.map((a) => a.text).join(' ').split(/[,\s]+/).filter(Boolean)) {
    const a = caddyAddress(w);
    if (!a) return undefined;
    out.push(a);
  }
  return out.length ? out : undefined;
}

interface CaddyProxy {
  node: CNode;
  catchAll: boolean;
  ups: { text: string; at: Location; line: string }[];
}

const isMatcher = (t: string) => t === '*' || t.startsWith('/') || t.startsWith('@');

function caddyProxies(list: CNode[], catchAll: boolean, out: CaddyProxy[], depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const n of list) {
    const name = n.args[0]?.text;
    if (!name || name.startsWith('@')) continue;
    if (name === 'reverse_proxy') {
      let k = 1;
      let matched = false;
      if (n.args[1] && isMatcher(n.args[1].text)) {
        matched = n.args[1].text !== '*' && n.args[1].text !== '/*';
        k = 2;
      }
      const head = n.args.map((a) => a.text).join(' ');
      const ups = n.args.slice(k).map((a) => ({ text: a.text, at: n.at, line: head }));
      for (const sub of n.block ?? []) {
        if (sub.args[0]?.text !== 'to') continue;
        const line = sub.args.map((a) => a.text).join(' ');
        for (const a of sub.args.slice(1)) ups.push({ text: a.text, at: sub.at, line: `${head} { ${line} }` });
      }
      out.push({ node: n, catchAll: catchAll && !matched, ups });
    } else if (n.block && name !== 'handle_errors') {
      const m = n.args[1]?.text;
      const childCatch = catchAll && (n.args.length === 1 || (n.args.length === 2 && (m === '*' || m === '/*')));
      caddyProxies(n.block, childCatch, out, depth + 1);
    }
  }
}

function caddyUpstream(text: string): Resource | undefined {
  if (!text || text.includes('{') || text.includes('$')) return undefined;
  if (/^unix\//i.test(text)) {
    const p = text.slice(5);
    return p.startsWith('/') ? { kind: 'unix', path: normalizePath(p) } : undefined;
  }
  let scheme = 'http';
  let rest = text;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (m) {
    const sc = m[1].toLowerCase();
    if (sc !== 'http' && sc !== 'https' && sc !== 'h2c') return undefined;
    scheme = sc === 'https' ? 'https' : 'http';
    rest = m[2];
  }
  rest = rest.split('/')[0];
  if (rest.startsWith(':')) rest = 'localhost' + rest;
  const r = resourceFromUrl(`${scheme}://${rest}`);
  return r?.kind === 'host' && !m ? { ...r, scheme: '' } : r;
}

function caddyRoutes(files: string[], tree: Tree, project: Project): ProxyRoute[] {
  const out: ProxyRoute[] = [];
  const done = new Set<string>();
  for (const f of files) {
    const real = tree.resolve(f);
    if (!real || done.has(real)) continue;
    done.add(real);
    const text = tree.read(real);
    if (text === undefined) continue;
    const nodes = parseCaddy(text, real);
    let rest = nodes;
    if (rest[0] && rest[0].args.length === 0 && rest[0].block) rest = rest.slice(1); // global options
    const sites: { addrs: SiteAddress[]; body: CNode[] }[] = [];
    const single = rest[0] && !rest[0].block ? caddyAddresses(rest[0].args) : undefined;
    if (single && path.basename(real) === 'Caddyfile' && single.every((a) => a.host === '' || a.host.includes('.') || a.host.includes(':') || a.host === 'localhost' || /^[a-z]+:\/\//i.test(a.text))) {
      sites.push({ addrs: single, body: rest.slice(1) });
    } else {
      for (const n of rest) {
        if (!n.block) continue;
        const addrs = caddyAddresses(n.args);
        if (addrs) sites.push({ addrs, body: n.block });
      }
    }
    const unit = proxyUnitFor('caddy', real, tree, project);
    for (const s of sites) {
      const found: CaddyProxy[] = [];
      caddyProxies(s.body, true, found);
      const chosen = found.find((p) => p.catchAll) ?? found[0];
      if (!chosen) continue;
      for (const a of s.addrs) {
        for (const u of chosen.ups) {
          const res = caddyUpstream(u.text);
          if (!res) continue;
          out.push({ host: a.host, port: a.port, scheme: a.scheme, upstream: res, proxyUnit: unit, at: u.at, how: `caddy ${a.text} → ${u.line}` });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HAProxy

function haproxyWords(line: string, lineNo: number): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < line.length) {
    if (/\s/.test(line[i])) {
      i++;
      continue;
    }
    if (line[i] === '#') break;
    const start = i;
    let t = '';
    while (i < line.length && !/\s/.test(line[i])) {
      const ch = line[i];
      if (ch === '#') break;
      if (ch === '\\' && i + 1 < line.length) {
        t += line[i + 1];
        i += 2;
      } else if (ch === '"' || ch === "'") {
        i++;
        while (i < line.length && line[i] !== ch) {
          if (ch === '"' && line[i] === '\\' && i + 1 < line.length) i++;
          t += line[i++];
        }
        i++;
      } else {
        t += ch;
        i++;
      }
    }
    out.push({ text: t, line: lineNo, col: start + 1, endLine: lineNo, endCol: Math.min(i, line.length) + 1 });
    if (line[i] === '#') break;
  }
  return out;
}

interface HLine {
  words: Tok[];
  at: Location;
}

interface HSection {
  kind: string;
  name: string;
  header: HLine;
  lines: HLine[];
}

const HAPROXY_SECTIONS = new Set(['global', 'defaults', 'frontend', 'backend', 'listen', 'userlist', 'peers', 'resolvers', 'cache', 'program', 'http-errors', 'ring', 'mailers', 'crt-store', 'traces', 'log-forward', 'acme']);

function parseHaproxy(text: string, file: string): HSection[] {
  const out: HSection[] = [];
  let cur: HSection | undefined;
  text.split('\n').forEach((raw, idx) => {
    const words = haproxyWords(raw.replace(/\r$/, ''), idx + 1);
    if (!words.length) return;
    const at = span(file, words[0], words[words.length - 1]);
    const kw = words[0].text.toLowerCase();
    if (HAPROXY_SECTIONS.has(kw)) {
      cur = { kind: kw, name: words[1]?.text ?? '', header: { words, at }, lines: [] };
      out.push(cur);
    } else cur?.lines.push({ words, at });
  });
  return out;
}

interface HostAcl {
  hosts: string[];
  sni: boolean;
  text: string;
}

/** `hdr(host) -i a b`, `hdr_dom(host) …`, `req.ssl_sni -i …`: the host names an ACL matches exactly, if it is such an ACL. */
function hostAcl(words: string[]): HostAcl | undefined {
  const crit = words[0]?.toLowerCase() ?? '';
  const hdr = /^(req\.)?hdr(_dom)?\(host\)(,lower)?$/.test(crit);
  const sni = /^(req\.ssl_sni|req_ssl_sni|ssl_fc_sni)(,lower)?$/.test(crit);
  if (!hdr && !sni) return undefined;
  const hosts: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-i' || w === '-n' || w === '--') continue;
    if (w === '-m') {
      const meth = words[++i];
      if (meth !== 'str' && meth !== 'dom') return undefined;
      continue;
    }
    if (w === '-f' || w === '-M' || w === '-u') return undefined;
    const h = normalizeHost(w.replace(/:\d+$/, ''));
    if (h && /^[a-z0-9_.*-]+$/.test(h) && !hosts.includes(h)) hosts.push(h);
  }
  return hosts.length ? { hosts, sni, text: words.join(' ') } : undefined;
}

interface HBackend {
  name: string;
  servers: { res: Resource; at: Location; text: string }[];
}

function haproxyServers(sec: HSection): HBackend {
  const servers: HBackend['servers'] = [];
  for (const l of sec.lines) {
    const w = l.words.map((x) => x.text);
    if (w[0] !== 'server' || w.length < 3 || w.slice(3).includes('disabled')) continue;
    let addr = w[2];
    const pre = /^([a-z0-9]+)@(.*)$/i.exec(addr);
    if (pre) {
      const p = pre[1].toLowerCase();
      if (p === 'unix') addr = `unix:${pre[2]}`;
      else if (p === 'abns') addr = `unix:@${pre[2]}`;
      else if (['ipv4', 'ipv6', 'tcp', 'tcp4', 'tcp6'].includes(p)) addr = pre[2];
      else continue;
    }
    if (!addr.startsWith('/') && !addr.startsWith('unix:') && !/:\d+$/.test(addr)) continue; // no port: the client's port
    const res = dialAddress(addr, undefined);
    if (res) servers.push({ res, at: l.at, text: `server ${w[1]} ${w[2]}` });
  }
  return { name: sec.name, servers };
}

function haproxyBinds(sec: HSection): { port: number; ssl: boolean }[] {
  const out: { port: number; ssl: boolean }[] = [];
  const add = (list: string, ssl: boolean) => {
    for (let a of list.split(',')) {
      const pre = /^([a-z0-9]+)@(.*)$/i.exec(a);
      if (pre) {
        const p = pre[1].toLowerCase();
        if (!['ipv4', 'ipv6', 'tcp', 'tcp4', 'tcp6', 'quic4', 'quic6'].includes(p)) continue;
        if (p.startsWith('quic')) ssl = true;
        a = pre[2];
      }
      const m = /:(\d+)$/.exec(a);
      if (!m || a.startsWith('/')) continue;
      const port = Number(m[1]);
      if (port >= 1 && port <= 65535 && !out.some((o) => o.port === port && o.ssl === ssl)) out.push({ port, ssl });
    }
  };
  if (sec.kind !== 'backend' && sec.header.words[2]) add(sec.header.words[2].text, false);
  for (const l of sec.lines) {
    const w = l.words.map((x) => x.text);
    if (w[0] === 'bind' && w[1]) add(w[1], w.slice(2).includes('ssl'));
  }
  return out;
}

/** The OR-terms of an `if` condition, each a list of words (anonymous ACLs `{ … }` kept as one term item). */
function conditionTerms(words: string[]): (string | string[])[][] {
  const terms: (string | string[])[][] = [[]];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '||' || w === 'or') terms.push([]);
    else if (w === '{' || w === '!{') {
      const end = words.indexOf('}', i + 1);
      if (end < 0) return [];
      if (w === '{') terms[terms.length - 1].push(words.slice(i + 1, end));
      i = end;
    } else terms[terms.length - 1].push(w);
  }
  return terms.filter((t) => t.length);
}

function haproxyRoutes(files: string[], tree: Tree, project: Project): ProxyRoute[] {
  const parsed: { real: string; sections: HSection[] }[] = [];
  for (const f of files) {
    const real = tree.resolve(f);
    if (!real || parsed.some((p) => p.real === real)) continue;
    const text = tree.read(real);
    if (text !== undefined) parsed.push({ real, sections: parseHaproxy(text, real) });
  }
  const backends = new Map<string, HBackend>();
  for (const p of parsed) for (const s of p.sections) if ((s.kind === 'backend' || s.kind === 'listen') && s.name && !backends.has(s.name)) backends.set(s.name, haproxyServers(s));
  const out: ProxyRoute[] = [];
  for (const p of parsed) {
    const unit = proxyUnitFor('haproxy', p.real, tree, project);
    let defaultBackend: string | undefined;
    let defaultMode = 'tcp'; // HAProxy's own default
    const modeOf = (sec: HSection) => sec.lines.find((l) => l.words[0].text === 'mode' && l.words[1])?.words[1].text.toLowerCase();
    for (const sec of p.sections) {
      if (sec.kind === 'defaults') {
        for (const l of sec.lines) if (l.words[0].text === 'default_backend' && l.words[1]) defaultBackend = l.words[1].text;
        defaultMode = modeOf(sec) ?? defaultMode;
        continue;
      }
      if (sec.kind !== 'frontend' && sec.kind !== 'listen') continue;
      // In TCP mode only the TLS SNI names a host; a catch-all counts when it carries TLS.
      const tcp = (modeOf(sec) ?? defaultMode) !== 'http';
      const binds = haproxyBinds(sec);
      if (!binds.length) continue;
      const acls = new Map<string, HostAcl[]>();
      // host → the chosen backend: a rule whose condition is host ACLs only wins over one with more conditions
      const rules: { host: string; backend: string; exact: boolean; sni: boolean; how: string }[] = [];
      let dflt: { backend: string; how: string } | undefined;
      for (const l of sec.lines) {
        const w = l.words.map((x) => x.text);
        if (w[0] === 'acl' && w[1]) {
          const h = hostAcl(w.slice(2));
          if (h && (!tcp || h.sni)) acls.set(w[1], [...(acls.get(w[1]) ?? []), h]);
        } else if (w[0] === 'default_backend' && w[1] && !dflt) {
          dflt = { backend: w[1], how: `default_backend ${w[1]}` };
        } else if (w[0] === 'use_backend' && w[1]) {
          const be = w[1];
          if (be.includes('%[')) continue;
          const cond = w.slice(2);
          if (!cond.length) {
            dflt ??= { backend: be, how: `use_backend ${be}` };
            continue;
          }
          if (cond[0] !== 'if') continue;
          for (const term of conditionTerms(cond.slice(1))) {
            let host: HostAcl[] | undefined;
            let hostText = '';
            let exact = true;
            for (const item of term) {
              if (Array.isArray(item)) {
                const h = hostAcl(item);
                if (h && (!tcp || h.sni) && !host) {
                  host = [h];
                  hostText = `{ ${item.join(' ')} }`;
                } else exact = false;
              } else if (item.startsWith('!')) exact = false;
              else if (acls.has(item) && !host) {
                host = acls.get(item);
                hostText = `acl ${item} ${acls.get(item)!.map((a) => a.text).join(' / ')}`;
              } else exact = false;
            }
            if (!host) continue;
            for (const a of host) for (const h of a.hosts) rules.push({ host: h, backend: be, exact, sni: a.sni, how: `${hostText} → use_backend ${be}` });
          }
        }
      }
      const picked: typeof rules = [];
      for (const r of rules) {
        if (picked.some((x) => x.host === r.host)) continue;
        picked.push(rules.find((x) => x.host === r.host && x.exact) ?? r);
      }
      const be = dflt?.backend ?? defaultBackend;
      const targets: { host: string; backend: HBackend | undefined; sni: boolean; how: string }[] = picked.map((r) => ({ host: r.host, backend: backends.get(r.backend), sni: r.sni, how: r.how }));
      if (be) targets.push({ host: '', backend: backends.get(be), sni: false, how: dflt?.how ?? `default_backend ${be} (defaults)` });
      else if (sec.kind === 'listen') targets.push({ host: '', backend: haproxyServers(sec), sni: false, how: `listen ${sec.name}` });
      for (const b of binds) {
        for (const t of targets) {
          if (tcp && !t.sni && !b.ssl && b.port !== 443) continue;
          for (const s of t.backend?.servers ?? []) {
            out.push({
              host: t.host,
              port: b.port,
              scheme: b.ssl || t.sni || tcp ? 'https' : 'http',
              upstream: s.res,
              proxyUnit: unit,
              at: s.at,
              how: `haproxy ${sec.kind} ${sec.name} ${t.how} → ${s.text}`,
            });
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Traefik: a generic tree from YAML or TOML, with positions

interface PNode {
  v: string | number | boolean | null | PNode[] | Map<string, PNode>;
  at: { line: number; col: number; endLine: number; endCol: number };
}

function get(n: PNode | undefined, key: string): PNode | undefined {
  if (!n || !(n.v instanceof Map)) return undefined;
  const k = key.toLowerCase();
  for (const [kk, vv] of n.v) if (kk.toLowerCase() === k) return vv;
  return undefined;
}

function entries(n: PNode | undefined): [string, PNode][] {
  return n && n.v instanceof Map ? [...n.v] : [];
}

const str = (n: PNode | undefined): string | undefined => (typeof n?.v === 'string' ? n.v : undefined);

function yamlTrees(text: string): PNode[] {
  const lc = new LineCounter();
  const out: PNode[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false }) as Document[]) {
    if (!doc || doc.errors?.length) continue;
    const n = fromYaml(doc.contents, doc, lc, 0, { left: 100_000 });
    if (n) out.push(n);
  }
  return out;
}

/** Converts a YAML node; `budget` bounds the work when aliases multiply the nodes. */
function fromYaml(node: unknown, doc: Document, lc: LineCounter, depth: number, budget: { left: number }): PNode | undefined {
  if (depth > 64 || node == null || budget.left-- <= 0) return undefined;
  if (isAlias(node)) return fromYaml(node.resolve(doc), doc, lc, depth + 1, budget);
  const range = (node as { range?: [number, number, number] }).range ?? [0, 0, 0];
  const a = lc.linePos(range[0]);
  const b = lc.linePos(range[1]);
  const at = { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  if (isMap(node)) {
    const m = new Map<string, PNode>();
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : pair.key == null ? '' : String(pair.key);
      const v = fromYaml(pair.value, doc, lc, depth + 1, budget);
      if (!v) continue;
      const kr = (pair.key as { range?: [number, number, number] } | null)?.range;
      if (kr) {
        const kp = lc.linePos(kr[0]);
        v.at = { ...v.at, line: kp.line, col: kp.col };
      }
      if (!m.has(k)) m.set(k, v);
    }
    return { v: m, at };
  }
  if (isSeq(node)) {
    const arr: PNode[] = [];
    for (const it of node.items) {
      const v = fromYaml(it, doc, lc, depth + 1, budget);
      if (v) arr.push(v);
    }
    return { v: arr, at };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return { v, at };
    return { v: String(v), at };
  }
  return undefined;
}

class TomlError extends Error {}

/** A small TOML reader: tables, arrays of tables, dotted keys, strings, arrays, inline tables, scalars. */
function tomlTree(text: string): PNode {
  const c = new Cursor(text);
  const root: PNode = { v: new Map(), at: { line: 1, col: 1, endLine: 1, endCol: 1 } };
  let cur = root;
  const fail = (): never => {
    throw new TomlError();
  };
  const skipWs = () => {
    while (c.peek() === ' ' || c.peek() === '\t') c.next();
  };
  const skipAll = () => {
    for (;;) {
      const ch = c.peek();
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') c.next();
      else if (ch === '#') while (!c.done && c.peek() !== '\n') c.next();
      else break;
    }
  };
  const key = (): string => {
    skipWs();
    const q = c.peek();
    if (q === '"' || q === "'") return stringValue();
    let k = '';
    while (/[A-Za-z0-9_-]/.test(c.peek())) k += c.next();
    if (!k) fail();
    return k;
  };
  const keyPath = (): string[] => {
    const ks = [key()];
    skipWs();
    while (c.peek() === '.') {
      c.next();
      ks.push(key());
      skipWs();
    }
    return ks;
  };
  function stringValue(): string {
    const q = c.next();
    const multi = c.peek() === q && c.peek(1) === q;
    if (multi) {
      c.next();
      c.next();
      if (c.peek() === '\n') c.next();
    }
    let s = '';
    for (;;) {
      if (c.done) fail();
      const ch = c.peek();
      if (ch === q && (!multi || (c.peek(1) === q && c.peek(2) === q))) {
        c.next();
        if (multi) {
          c.next();
          c.next();
        }
        return s;
      }
      if (ch === '\n' && !multi) fail();
      if (ch === '\\' && q === '"') {
        c.next();
        const e = c.next();
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
        if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          let hex = '';
          for (let i = 0; i < len; i++) hex += c.next();
          const cp = Number.parseInt(hex, 16);
          s += Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
        } else if (e === '\n' && multi) skipAll();
        else s += map[e] ?? e;
        continue;
      }
      s += c.next();
    }
  }
  const value = (depth: number): PNode => {
    if (depth > MAX_DEPTH) fail();
    const line = c.line;
    const col = c.col;
    const ch = c.peek();
    let v: PNode['v'];
    if (ch === '"' || ch === "'") v = stringValue();
    else if (ch === '[') {
      c.next();
      const arr: PNode[] = [];
      for (;;) {
        skipAll();
        if (c.peek() === ']') {
          c.next();
          break;
        }
        if (c.done) fail();
        arr.push(value(depth + 1));
        skipAll();
        if (c.peek() === ',') c.next();
        else if (c.peek() !== ']') fail();
      }
      v = arr;
    } else if (ch === '{') {
      c.next();
      const tbl: PNode = { v: new Map(), at: { line, col, endLine: line, endCol: col } };
      skipWs();
      if (c.peek() === '}') c.next();
      else {
        for (;;) {
          assign(tbl, depth + 1);
          skipWs();
          const d = c.next();
          if (d === '}') break;
          if (d !== ',') fail();
        }
      }
      v = tbl.v;
    } else {
      let t = '';
      while (!c.done && !/[\s,\]}#]/.test(c.peek())) t += c.next();
      if (!t) fail();
      v = t === 'true' ? true : t === 'false' ? false : /^[+-]?\d[\d_]*(\.\d+)?([eE][+-]?\d+)?$/.test(t) ? Number(t.replace(/_/g, '')) : t;
    }
    return { v, at: { line, col, endLine: c.line, endCol: c.col } };
  };
  const child = (n: PNode, k: string, at: PNode['at']): PNode => {
    if (!(n.v instanceof Map)) fail();
    const m = n.v as Map<string, PNode>;
    let x = m.get(k);
    if (!x) m.set(k, (x = { v: new Map(), at }));
    if (Array.isArray(x.v)) x = x.v[x.v.length - 1] ?? fail();
    if (!(x.v instanceof Map)) fail();
    return x;
  };
  function assign(into: PNode, depth: number): void {
    skipWs();
    const line = c.line;
    const col = c.col;
    const ks = keyPath();
    if (c.next() !== '=') fail();
    skipWs();
    const v = value(depth);
    v.at = { ...v.at, line, col };
    let t = into;
    for (const k of ks.slice(0, -1)) t = child(t, k, v.at);
    const m = t.v as Map<string, PNode>;
    if (!m.has(ks[ks.length - 1])) m.set(ks[ks.length - 1], v);
  }
  while (!c.done) {
    skipAll();
    if (c.done) break;
    const line = c.line;
    try {
      if (c.peek() === '[') {
        const at = { line: c.line, col: c.col, endLine: c.line, endCol: c.col };
        c.next();
        const arrayTable = c.peek() === '[';
        if (arrayTable) c.next();
        const ks = keyPath();
        if (c.next() !== ']' || (arrayTable && c.next() !== ']')) fail();
        let t = root;
        for (const k of ks.slice(0, -1)) t = child(t, k, at);
        const last = ks[ks.length - 1];
        const m = t.v as Map<string, PNode>;
        if (arrayTable) {
          let arr = m.get(last);
          if (!arr) m.set(last, (arr = { v: [], at }));
          if (!Array.isArray(arr.v)) fail();
          const tbl: PNode = { v: new Map(), at };
          (arr.v as PNode[]).push(tbl);
          cur = tbl;
        } else cur = child(t, last, at);
      } else assign(cur, 0);
      skipWs();
      if (c.peek() === '#') while (!c.done && c.peek() !== '\n') c.next();
      if (!c.done && c.peek() !== '\n' && c.peek() !== '\r') fail();
    } catch (e) {
      if (!(e instanceof TomlError)) throw e;
      // a malformed line: skip it (and whatever the failed value spanned)
      if (c.line === line) while (!c.done && c.peek() !== '\n') c.next();
    }
  }
  return root;
}

/** Host(`a`, `b`) || Host(`c`): the names; [''] when the rule matches no host; undefined for HostRegexp/HostSNI-only rules. */
function traefikHosts(rule: string): string[] | undefined {
  const hosts: string[] = [];
  for (const m of rule.matchAll(/(?<![A-Za-z!])Host\s*\(([^)]*)\)/g)) {
    for (const part of m[1].split(',')) {
      const h = normalizeHost(part.trim().replace(/^[`"']|[`"']$/g, ''));
      if (h && /^[a-z0-9_.*-]+$/.test(h) && !hosts.includes(h)) hosts.push(h);
    }
  }
  if (hosts.length) return hosts;
  if (/Host(Regexp|SNI|Header)?\s*\(/.test(rule)) return undefined;
  return [''];
}

function traefikRoutes(files: string[], tree: Tree, project: Project): ProxyRoute[] {
  const docs: { real: string; root: PNode }[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const real = tree.resolve(f);
    if (!real || seen.has(real)) continue;
    seen.add(real);
    const text = tree.read(real);
    if (text === undefined) continue;
    try {
      if (/\.toml$/i.test(real)) docs.push({ real, root: tomlTree(text) });
      else for (const root of yamlTrees(text)) docs.push({ real, root });
    } catch {
      /* malformed: skipped */
    }
  }
  const eps = new Map<string, { port: number; tls: boolean }>();
  const services = new Map<string, { url: string; node: PNode; file: string }[]>();
  for (const d of docs) {
    for (const [name, ep] of entries(get(d.root, 'entryPoints'))) {
      const m = /:(\d+)(\/(tcp|udp))?$/i.exec(str(get(ep, 'address')) ?? '');
      if (m && !eps.has(name.toLowerCase())) eps.set(name.toLowerCase(), { port: Number(m[1]), tls: get(get(ep, 'http'), 'tls') !== undefined });
    }
    for (const [name, svc] of entries(get(get(d.root, 'http'), 'services'))) {
      if (services.has(name)) continue;
      const servers = get(get(svc, 'loadBalancer'), 'servers');
      const list: { url: string; node: PNode; file: string }[] = [];
      for (const s of Array.isArray(servers?.v) ? servers.v : []) {
        const u = get(s, 'url');
        const url = str(u);
        if (u && url) list.push({ url, node: u, file: d.real });
      }
      services.set(name, list);
    }
  }
  const out: ProxyRoute[] = [];
  for (const d of docs) {
    const unit = proxyUnitFor('traefik', d.real, tree, project);
    for (const [name, r] of entries(get(get(d.root, 'http'), 'routers'))) {
      const rule = str(get(r, 'rule')) ?? '';
      const hosts = traefikHosts(rule);
      let svc = str(get(r, 'service'));
      if (!hosts || !svc) continue;
      svc = svc.replace(/@file$/i, '');
      if (svc.includes('@')) continue;
      const servers = services.get(svc);
      if (!servers?.length) continue;
      const tls = get(r, 'tls') !== undefined;
      const epNode = get(r, 'entryPoints');
      let names: string[] = Array.isArray(epNode?.v) ? epNode.v.map(str).filter((x): x is string => !!x) : typeof epNode?.v === 'string' ? epNode.v.split(',').map((s) => s.trim()) : [];
      if (!names.length) names = eps.size ? [...eps.keys()] : tls ? ['websecure'] : ['web', 'websecure'];
      for (const ep of names) {
        const known = eps.get(ep.toLowerCase());
        const lname = ep.toLowerCase();
        const port = known?.port ?? (lname === 'web' || lname === 'http' ? 80 : lname === 'websecure' || lname === 'https' ? 443 : undefined);
        if (!port) continue;
        const secure = tls || known?.tls || lname === 'websecure' || lname === 'https' || (!known && port === 443);
        for (const h of hosts) {
          for (const s of servers) {
            const res = resourceFromUrl(s.url);
            if (!res || res.kind === 'unit' || res.kind === 'file') continue;
            out.push({
              host: h,
              port,
              scheme: secure ? 'https' : 'http',
              upstream: res,
              proxyUnit: unit,
              at: span(s.file, s.node.at, s.node.at),
              how: `traefik router ${name} rule ${rule || '(none)'} → service ${svc} url ${s.url}`,
            });
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function familyOf(p: string, tree: Tree): Family | undefined {
  const root = tree.rootOf(p);
  const parts = (root ? path.relative(root, p) : path.basename(p)).split(path.sep);
  const base = parts[parts.length - 1];
  const dirs = parts.slice(0, -1);
  // packages' documentation (usr/share/doc/haproxy/examples/…) is no live configuration
  if (dirs.some((d, i) => d === 'share' && dirs[i + 1] === 'doc')) return undefined;
  const parent = dirs[dirs.length - 1];
  if (base === 'nginx.conf' || parent === 'sites-enabled' || parent === 'sites-available' || (dirs.includes('nginx') && base.endsWith('.conf'))) return 'nginx';
  if (base === 'Caddyfile' || (dirs.includes('caddy') && base.endsWith('.caddy'))) return 'caddy';
  if (base === 'haproxy.cfg' || (dirs.includes('haproxy') && base.endsWith('.cfg'))) return 'haproxy';
  if (dirs.includes('traefik') && /\.(ya?ml|toml)$/.test(base)) return 'traefik';
  return undefined;
}

function compute(project: Project): ProxyRoute[] {
  const tree = new Tree(project);
  if (!tree.roots.length) return [];
  // The proxy configuration files depend only on the tree: one walk for every project of a load.
  const key = `proxy-files:${tree.roots.map((r) => r.abs).join('\0')}`;
  let found = project.treeCache?.get(key) as { path: string }[] | undefined;
  if (!found) {
    found = discover(tree.roots.map((r) => r.abs), PATTERNS, { ignore: [] }).entries;
    project.treeCache?.set(key, found);
  }
  const byFamily: Record<Family, string[]> = { nginx: [], caddy: [], haproxy: [], traefik: [] };
  for (const e of found) {
    const f = familyOf(e.path, tree);
    if (f) byFamily[f].push(e.path);
  }
  const all: ProxyRoute[] = [];
  const run = (fn: (files: string[], tree: Tree, project: Project) => ProxyRoute[], files: string[]) => {
    if (!files.length) return;
    try {
      all.push(...fn(files, tree, project));
    } catch {
      /* never let one proxy's configuration break the analysis */
    }
  };
  run(nginxRoutes, byFamily.nginx);
  run(caddyRoutes, byFamily.caddy);
  run(haproxyRoutes, byFamily.haproxy);
  run(traefikRoutes, byFamily.traefik);
  const seen = new Set<string>();
  return all.filter((r) => {
    const k = routeKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const cache = new WeakMap<Project, ProxyRoute[]>();

/**
 * The reverse-proxy routes the input tree configures, in a stable order (nginx, Caddy, HAProxy, Traefik;
 * files by path; directives in file order), each route once. Computed once per project.
 */
export function proxyRoutes(project: Project): ProxyRoute[] {
  let r = cache.get(project);
  if (!r) {
    try {
      r = compute(project);
    } catch {
      r = [];
    }
    if (project.nix) r = [...r, ...project.nix.routes];
    cache.set(project, r);
  }
  return r;
}
