/**
 * What a start-path command WAITS ON: probes (curl, nc -z, pg_isready, test -S, systemctl start, …) and
 * whether something retries them (a polling loop, curl --retry, wait-for-it, …) and bounds the retries
 * (an iteration limit, a `timeout N` around the loop, the probe's own limit).
 *
 * Shell scripts are parsed with tree-sitter-bash (./shell.ts); the walk resolves simple variable
 * assignments made earlier in the same script and never guesses a value it cannot resolve: a probe
 * whose target is unresolved is skipped.
 */
import type { Node as SNode } from 'web-tree-sitter';
import type { NetworkUse, Resource, TextPos, Wait } from './types.js';
import { parseShell, shellReady } from './shell.js';
import { isLocalHost, validPort } from './endpoints.js';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** Waits and network uses of one systemd Exec command (argv already split and specifier-expanded),
 *  in one pass. Positions are relative to the command line rebuilt as `argv.join(' ')`: line 1 for a
 *  one-line command; a multi-line `sh -c` script keeps its own lines (line 1 of the script is shifted by
 *  the words before it). */
export function analyseCommand(argv: string[]): { waits: Wait[]; net: NetworkUse[] } {
  const out = newOut();
  handleArgs(argvArgs(argv), rootCtx(out, lineMap));
  return { waits: out.waits, net: out.net };
}

/** Waits and network uses of a shell script text (tree-sitter-bash). Throws when initShell() has not finished. */
const scriptResults = new Map<string, { waits: Wait[]; net: NetworkUse[] }>();

/**
 * Waits and network uses in a shell script. Results are kept by text: a NixOS module shared by several
 * hosts writes the same script for each. Callers must not mutate the result.
 */
export function analyseScript(text: string): { waits: Wait[]; net: NetworkUse[] } {
  const hit = scriptResults.get(text);
  if (hit) return hit;
  requireShell();
  const out = newOut();
  analyseScriptText(text, rootCtx(out, lineMap));
  const r = { waits: out.waits, net: out.net };
  if (scriptResults.size > 20_000) scriptResults.clear();
  scriptResults.set(text, r);
  return r;
}

/** Waits in one systemd Exec command. */
export function waitsInCommand(argv: string[]): Wait[] {
  return analyseCommand(argv).waits;
}

/** Waits in a shell script text. */
export function waitsInScript(text: string): Wait[] {
  return analyseScript(text).waits;
}

/** Commands that reach a non-local host (for network-online checks). */
export function networkUsesInCommand(argv: string[]): NetworkUse[] {
  return analyseCommand(argv).net;
}

export function networkUsesInScript(text: string): NetworkUse[] {
  return analyseScript(text).net;
}

/** Parses a probe target: URL (http/https/tcp/redis/postgres …, default ports 80/443/…), host:port,
 *  or unix path. Loopback and wildcard hosts give a `port`, any other name a `host`. */
export function resourceOfTarget(target: string): Resource | undefined {
  const t = target.trim();
  if (!t) return undefined;
  if (t.startsWith('/') || t.startsWith('@')) return { kind: 'unix', path: t };
  const unix = /^unix:(?:\/\/(?=\/))?(.+)$/i.exec(t);
  if (unix) return { kind: 'unix', path: unix[1] };
  const file = /^file:\/\/(\/.*)$/i.exec(t);
  if (file) return { kind: 'file', path: file[1] };
  const url = parseUrl(t);
  if (url) {
    if (!url.host) return undefined;
    const port = url.port ?? DEFAULT_PORTS[url.scheme];
    if (port === undefined) return undefined;
    return hostResource(url.host, port, url.scheme);
  }
  if (t.includes('://')) return undefined;
  const hp = splitHostPort(t);
  if (hp && hp.port !== undefined && hp.host) return hostResource(hp.host, hp.port, 'tcp');
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Targets, URLs and hosts
// ---------------------------------------------------------------------------------------------

const DEFAULT_PORTS: Record<string, number> = {
  http: 80, https: 443, ws: 80, wss: 443, ftp: 21, ftps: 990, ssh: 22, sftp: 22, git: 9418,
  redis: 6379, rediss: 6379, postgres: 5432, postgresql: 5432, mysql: 3306, mariadb: 3306,
  mongodb: 27017, amqp: 5672, amqps: 5671, nats: 4222, ldap: 389, ldaps: 636, smtp: 25,
  memcached: 11211, mqtt: 1883, mqtts: 8883,
};

interface Url {
  scheme: string;
  host: string;
  port: number | undefined;
}

/** host[:port] or [v6][:port]; port undefined when absent; undefined when malformed. */
function splitHostPort(s: string): { host: string; port: number | undefined } | undefined {
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return undefined;
    const host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (!rest) return { host, port: undefined };
    if (!rest.startsWith(':')) return undefined;
    const port = validPort(rest.slice(1));
    return port === undefined ? undefined : { host, port };
  }
  const colon = s.indexOf(':');
  if (colon < 0) return /^[^\s/]+$/.test(s) ? { host: s, port: undefined } : undefined;
  if (s.indexOf(':', colon + 1) >= 0) return undefined; // a bare IPv6 address: ambiguous
  const host = s.slice(0, colon);
  if (!/^[^\s/]+$/.test(host)) return undefined;
  const port = validPort(s.slice(colon + 1));
  return port === undefined ? undefined : { host, port };
}

function parseUrl(s: string): Url | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(s);
  if (!m) return undefined;
  let auth = m[2];
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  const hp = splitHostPort(auth);
  if (!hp) return undefined;
  return { scheme: m[1].toLowerCase(), host: hp.host.toLowerCase(), port: hp.port };
}

function hostResource(host: string, port: number, scheme: string): Resource {
  const h = host.toLowerCase();
  if (isLocalHost(h)) return { kind: 'port', proto: scheme === 'udp' ? 'udp' : 'tcp', host: h, port };
  return { kind: 'host', name: h, port, scheme };
}

/** A curl/wget URL: curl guesses http:// when the scheme is missing. */
function webUrl(u: string): Url | undefined {
  return parseUrl(u.includes('://') ? u : `http://${u}`);
}

// ---------------------------------------------------------------------------------------------
// Walk state
// ---------------------------------------------------------------------------------------------

type Val = string | undefined;
type PosMap = (row: number, col: number) => TextPos;

export interface Var {
  value: Val;
  exported: boolean;
}
export interface Env {
  vars: Map<string, Var>;
  /** $0, $1, …; undefined when unknown (a top-level script). */
  positional: Val[] | undefined;
}

/** One word of a command: its expanded text (undefined when unresolved), as written, and where. */
interface Arg {
  text: Val;
  raw: string;
  pos: TextPos;
  /** Maps a position inside this word's text (as a nested script) to the analysed text. */
  nest: PosMap;
}

interface Loop {
  /** 'data' loops iterate over items and retry nothing. */
  kind: 'while' | 'until' | 'for' | 'data';
  bounded: boolean;
  bound: string;
  /** Runs `sleep` (or polls in its condition). */
  polling: boolean;
  /** Can end: a non-constant condition, a counter, or a break/exit/return. */
  exits: boolean;
}

type Frame = { t: 'timeout'; label: string } | { t: 'loop'; loop: Loop; role: 'cond' | 'body' };

interface Own {
  bounded: boolean;
  bound: string;
}

interface Out {
  waits: Wait[];
  net: NetworkUse[];
  seen: Set<string>;
}

interface Ctx {
  env: Env;
  frames: Frame[];
  /** The probe's success leaves the innermost loop (probe && break, if probe; then exit; fi). */
  okExits: boolean;
  /** The probe's failure leaves the innermost loop (probe || exit 1). */
  failExits: boolean;
  map: PosMap;
  funcs: Map<string, SNode>;
  called: Set<string>;
  depth: number;
  out: Out;
}

const MAX_DEPTH = 12;

const lineMap: PosMap = (row, col) => ({ line: row + 1, column: col + 1 });

function newOut(): Out {
  return { waits: [], net: [], seen: new Set() };
}

function rootCtx(out: Out, map: PosMap): Ctx {
  return {
    env: { vars: new Map(), positional: undefined },
    frames: [],
    okExits: false,
    failExits: false,
    map,
    funcs: new Map(),
    called: new Set(),
    depth: 0,
    out,
  };
}

function requireShell(): void {
  if (!shellReady()) {
    throw new Error('unitlint: shell analysis needs the bash parser: call `await initShell()` (src/analysis/shell.ts) first');
  }
}

function copyEnv(env: Env): Env {
  return { vars: new Map(env.vars), positional: env.positional };
}

// ---------------------------------------------------------------------------------------------
// Word expansion (a small subset of the shell's: quotes, escapes, $VAR, ${VAR}, ${VAR:-default})
// ---------------------------------------------------------------------------------------------

type Lookup = { state: 'set'; value: string } | { state: 'unset' } | { state: 'unresolved' };

function lookup(name: string, env: Env): Lookup {
  if (/^\d+$/.test(name)) {
    if (!env.positional) return { state: 'unresolved' };
    const i = Number(name);
    if (i >= env.positional.length) return { state: 'unset' };
    const v = env.positional[i];
    return v === undefined ? { state: 'unresolved' } : { state: 'set', value: v };
  }
  const v = env.vars.get(name);
  if (!v) return { state: 'unset' };
  return v.value === undefined ? { state: 'unresolved' } : { state: 'set', value: v.value };
}

function ansiC(raw: string, start: number): { text: string; end: number } | undefined {
  const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"' };
  let out = '';
  let i = start;
  while (i < raw.length) {
    const c = raw[i];
    if (c === "'") return { text: out, end: i + 1 };
    if (c === '\\' && i + 1 < raw.length) {
      const e = raw[i + 1];
      const hex = /^x([0-9a-fA-F]{1,2})/.exec(raw.slice(i + 1));
      if (hex) {
        out += String.fromCharCode(parseInt(hex[1], 16));
        i += 1 + hex[0].length;
        continue;
      }
      out += esc[e] ?? '\\' + e;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return undefined;
}

function expansion(raw: string, i: number, env: Env): { text: string; end: number } | undefined {
  const nx = raw[i + 1];
  if (nx === undefined) return { text: '$', end: i + 1 };
  if (nx === '(') return undefined; // command substitution / arithmetic
  if (nx === '{') {
    let depth = 0;
    let close = -1;
    for (let k = i + 1; k < raw.length; k++) {
      if (raw[k] === '\\') {
        k++;
        continue;
      }
      if (raw[k] === '{') depth++;
      else if (raw[k] === '}' && --depth === 0) {
        close = k;
        break;
      }
    }
    if (close < 0) return undefined;
    const inner = raw.slice(i + 2, close);
    const m = /^([A-Za-z_][A-Za-z0-9_]*|\d+)([\s\S]*)$/.exec(inner);
    if (!m) return undefined;
    const v = lookup(m[1], env);
    const end = close + 1;
    if (m[2] === '') return v.state === 'set' ? { text: v.value, end } : undefined;
    const op = /^(:?[-=])([\s\S]*)$/.exec(m[2]);
    if (!op || v.state === 'unresolved') return undefined;
    const colon = op[1].startsWith(':');
    if (v.state === 'set' && !(colon && v.value === '')) return { text: v.value, end };
    const d = expandWord(op[2], env);
    return d === undefined ? undefined : { text: d, end };
  }
  const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|\d)/.exec(raw.slice(i + 1));
  if (name) {
    const v = lookup(name[0], env);
    return v.state === 'set' ? { text: v.value, end: i + 1 + name[0].length } : undefined;
  }
  if ('@*#?$!-'.includes(nx)) return undefined;
  return { text: '$', end: i + 1 };
}

/** Expands one shell word as written; undefined when any part cannot be resolved. */
export function expandWord(raw: string, env: Env): Val {
  let out = '';
  let i = 0;
  const n = raw.length;
  while (i < n) {
    const c = raw[i];
    if (c === '\\') {
      if (i + 1 < n && raw[i + 1] !== '\n') out += raw[i + 1];
      i += 2;
      continue;
    }
    if (c === "'") {
      const j = raw.indexOf("'", i + 1);
      if (j < 0) return undefined;
      out += raw.slice(i + 1, j);
      i = j + 1;
      continue;
    }
    if (c === '$' && raw[i + 1] === "'") {
      const r = ansiC(raw, i + 2);
      if (!r) return undefined;
      out += r.text;
      i = r.end;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && raw[i] !== '"') {
        const d = raw[i];
        if (d === '\\' && i + 1 < n) {
          const e = raw[i + 1];
          if ('$`"\\'.includes(e)) out += e;
          else if (e !== '\n') out += d + e;
          i += 2;
          continue;
        }
        if (d === '$') {
          const r = expansion(raw, i, env);
          if (!r) return undefined;
          out += r.text;
          i = r.end;
          continue;
        }
        if (d === '`') return undefined;
        out += d;
        i++;
      }
      if (i >= n) return undefined;
      i++;
      continue;
    }
    if (c === '$') {
      const r = expansion(raw, i, env);
      if (!r) return undefined;
      out += r.text;
      i = r.end;
      continue;
    }
    if (c === '`') return undefined;
    out += c;
    i++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

function nestFrom(map: PosMap, row: number, col: number): PosMap {
  return (r, c) => (r === 0 ? map(row, col + c) : map(row + r, c));
}

/** Words of a systemd command line; positions in `argv.join(' ')`. Strips the -@+!: prefixes. */
function argvArgs(argv: string[]): Arg[] {
  const args: Arg[] = [];
  let line = 1;
  let col = 1;
  const advance = (s: string): void => {
    for (const ch of s) {
      if (ch === '\n') {
        line++;
        col = 1;
      } else col += ch.length;
    }
  };
  let skipNext = false;
  argv.forEach((w, i) => {
    let text = w;
    if (i === 0) {
      const pre = /^[-@+!:]+/.exec(w)?.[0] ?? '';
      if (pre.includes('@')) skipNext = true;
      advance(pre);
      text = w.slice(pre.length);
    }
    const pos = { line, column: col };
    const at = { line, column: col };
    const arg: Arg = {
      text,
      raw: text,
      pos,
      nest: (r, c) => (r === 0 ? { line: at.line, column: at.column + c } : { line: at.line + r, column: c + 1 }),
    };
    advance(text);
    advance(' ');
    if (i === 1 && skipNext) return; // `@/bin/foo argv0 …`: argv[1] only names the process
    args.push(arg);
  });
  return args;
}

function argOfNode(n: SNode, ctx: Ctx): Arg {
  const raw = n.text;
  const { row, column } = n.startPosition;
  const off = raw.startsWith("$'") ? 2 : raw.startsWith('"') || raw.startsWith("'") ? 1 : 0;
  return { text: expandWord(raw, ctx.env), raw, pos: ctx.map(row, column), nest: nestFrom(ctx.map, row, column + off) };
}

function posOf(n: SNode, ctx: Ctx): TextPos {
  return ctx.map(n.startPosition.row, n.startPosition.column);
}

function base(t: Val): Val {
  if (t === undefined) return undefined;
  const b = t.slice(t.lastIndexOf('/') + 1);
  return b || undefined;
}

function textOf(args: Arg[]): string {
  return args.map((a) => a.raw).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Option parsing
// ---------------------------------------------------------------------------------------------

interface OptSpec {
  /** Short options that take an argument (attached or the next word). */
  short?: string;
  /** Short options whose argument is optional and only attached (mysql -pSECRET). */
  attached?: string;
  /** Long options that take an argument (given as --opt=value or --opt value). */
  long?: string[];
}

interface Parsed {
  opts: { key: string; val: Val | true }[];
  pos: { text: Val; at: number }[];
}

function parseOpts(ws: Val[], spec: OptSpec): Parsed {
  const opts: Parsed['opts'] = [];
  const pos: Parsed['pos'] = [];
  let ended = false;
  for (let k = 0; k < ws.length; k++) {
    const w = ws[k];
    if (ended || w === undefined || w === '-' || !w.startsWith('-') || /^-\d/.test(w)) {
      pos.push({ text: w, at: k });
      continue;
    }
    if (w === '--') {
      ended = true;
      continue;
    }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const key = eq > 0 ? w.slice(2, eq) : w.slice(2);
      if (eq > 0) opts.push({ key, val: w.slice(eq + 1) });
      else if (spec.long?.includes(key)) opts.push({ key, val: ws[++k] });
      else opts.push({ key, val: true });
      continue;
    }
    for (let m = 1; m < w.length; m++) {
      const ch = w[m];
      if (spec.short?.includes(ch)) {
        const rest = w.slice(m + 1);
        opts.push({ key: ch, val: rest !== '' ? rest : ws[++k] });
        break;
      }
      if (spec.attached?.includes(ch)) {
        const rest = w.slice(m + 1);
        opts.push({ key: ch, val: rest !== '' ? rest : true });
        break;
      }
      opts.push({ key: ch, val: true });
    }
  }
  return { opts, pos };
}

function has(p: Parsed, ...keys: string[]): boolean {
  return p.opts.some((o) => keys.includes(o.key));
}

/** The last value of an option; null when absent, undefined when unresolved or missing. */
function get(p: Parsed, ...keys: string[]): string | undefined | null {
  for (let i = p.opts.length - 1; i >= 0; i--) {
    const o = p.opts[i];
    if (keys.includes(o.key)) return o.val === true ? undefined : o.val;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Emitting
// ---------------------------------------------------------------------------------------------

const UNBOUNDED = 'no iteration limit or timeout';

function retriedBy(f: Extract<Frame, { t: 'loop' }>, ctx: Ctx): boolean {
  const L = f.loop;
  if (L.kind === 'data') return false;
  if (f.role === 'cond') return L.kind === 'while' || L.kind === 'until';
  if (ctx.failExits) return false; // a failure ends the loop: the loop does not retry this probe
  if (ctx.okExits) return true;
  return L.polling && L.exits;
}

function judge(ctx: Ctx, own: Own | undefined): { retried: boolean; bounded: boolean; bound: string } {
  const fr = ctx.frames;
  const timeoutIn = (from: number, to: number): string | undefined => {
    for (let k = to - 1; k >= from; k--) {
      const f = fr[k];
      if (f.t === 'timeout') return f.label;
    }
    return undefined;
  };
  // A probe that can hang by itself (wait-for-it -t 0, wget --tries=0) hangs whatever retries it.
  if (own && !own.bounded) {
    const t = timeoutIn(0, fr.length);
    return t ? { retried: true, bounded: true, bound: t } : { retried: true, bounded: false, bound: own.bound };
  }
  let li = -1;
  for (let k = fr.length - 1; k >= 0; k--) {
    if (fr[k].t === 'loop') {
      li = k;
      break;
    }
  }
  if (li >= 0) {
    const f = fr[li] as Extract<Frame, { t: 'loop' }>;
    if (retriedBy(f, ctx)) {
      if (f.loop.bounded) return { retried: true, bounded: true, bound: f.loop.bound };
      const t = timeoutIn(0, li);
      return t ? { retried: true, bounded: true, bound: t } : { retried: true, bounded: false, bound: f.loop.bound };
    }
  }
  if (own) return { retried: true, bounded: true, bound: own.bound };
  return { retried: false, bounded: true, bound: 'single attempt' };
}

interface Probe {
  resource: Resource;
  probe: string;
  own?: Own;
}

function emit(ctx: Ctx, p: Probe, pos: TextPos, text: string): void {
  const j = judge(ctx, p.own);
  const key = JSON.stringify(['w', p.resource, p.probe, pos]);
  if (ctx.out.seen.has(key)) return;
  ctx.out.seen.add(key);
  ctx.out.waits.push({ resource: p.resource, probe: p.probe, bounded: j.bounded, bound: j.bound, retried: j.retried, pos, text });
}

function emitNet(ctx: Ctx, host: string, pos: TextPos, command: string): void {
  const key = JSON.stringify(['n', host, pos]);
  if (ctx.out.seen.has(key)) return;
  ctx.out.seen.add(key);
  ctx.out.net.push({ host, command, pos });
}

// ---------------------------------------------------------------------------------------------
// Commands (shared by Exec argv and script commands)
// ---------------------------------------------------------------------------------------------

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'rbash']);

/** Analyses one simple command: unwraps timeout/env/sudo/…, recurses into sh -c, finds probes. */
function handleArgs(args: Arg[], ctx: Ctx): void {
  let k = 0;
  let c = ctx;
  for (let guard = 0; guard < 32; guard++) {
    if (k >= args.length) return;
    const name = base(args[k].text);
    if (name === undefined) return;
    const ws = args.map((a) => a.text);
    if (name === 'timeout') {
      const r = unwrapTimeout(ws, k + 1);
      if (!r) return;
      if (r.label) c = { ...c, frames: [...c.frames, { t: 'timeout', label: r.label }] };
      k = r.next;
      continue;
    }
    if (name === 'env') {
      const r = unwrapEnv(ws, k + 1);
      if (!r) return;
      if (r.assigns.length) {
        const env = copyEnv(c.env);
        for (const [n, v] of r.assigns) env.vars.set(n, { value: v, exported: true });
        c = { ...c, env };
      }
      k = r.next;
      continue;
    }
    if (name === 'su' || name === 'runuser') {
      const p = parseOpts(ws.slice(k + 1), { short: 'cgGsuw', long: ['command', 'group', 'supp-group', 'shell', 'user', 'whitelist-environment', 'session-command'] });
      const cmd = get(p, 'c', 'command', 'session-command');
      if (cmd === null) {
        if (get(p, 'u', 'user') === null) return;
        // runuser -u USER [--] COMMAND …: the command follows the options
        const next = skipOptions(ws, k + 1, 'gGu', ['group', 'supp-group', 'user']);
        if (next < 0) return;
        k = next;
        continue;
      }
      if (cmd === undefined) return;
      const at = args.findIndex((a, i) => i > k && a.text === cmd);
      runScript(at >= 0 ? args[at] : { ...args[k], text: cmd, raw: cmd }, [], c);
      return;
    }
    if (name === 'flock') {
      const first = skipOptions(ws, k + 1, 'wEc', ['timeout', 'wait', 'conflict-exit-code', 'command']);
      if (first < 0 || first >= args.length) return;
      const lockOpt = parseOpts(ws.slice(k + 1, first), { short: 'wEc', long: ['timeout', 'wait', 'conflict-exit-code', 'command'] });
      const wait = get(lockOpt, 'w', 'timeout', 'wait');
      if (wait) c = { ...c, frames: [...c.frames, { t: 'timeout', label: `flock -w ${wait}` }] };
      // flock [opts] FILE -c CMD | flock [opts] FILE CMD ARGS…
      const after = first + 1;
      if (ws[after] === '-c' || ws[after] === '--command') {
        const s = args[after + 1];
        if (s) runScript(s, [], c);
        return;
      }
      k = after;
      continue;
    }
    if (name === 'busybox') {
      k++;
      continue;
    }
    const simple = WRAPPERS[name];
    if (simple) {
      if (simple.stopIf?.some((o) => ws.slice(k + 1).includes(o))) return;
      const next = skipOptions(ws, k + 1, simple.short ?? '', simple.long ?? [], simple.numeric);
      if (next < 0) return;
      k = next;
      continue;
    }
    if (SHELLS.has(name)) {
      shellCommand(args, k, c);
      return;
    }
    const cmd = args.slice(k);
    const pos = cmd[0].pos;
    // Commands run after a wait: wait-for-it … -- CMD, dockerize … CMD
    const tail = tailCommand(name, cmd);
    const text = textOf(tail > 0 ? cmd.slice(0, cmd[tail - 1].text === '--' ? tail - 1 : tail) : cmd);
    for (const p of probesOf(name, cmd)) emit(c, p, pos, text);
    for (const h of networkOf(name, cmd)) emitNet(c, h, pos, text);
    if (tail > 0) {
      args = cmd;
      k = tail;
      continue;
    }
    return;
  }
}

interface WrapSpec {
  short?: string;
  long?: string[];
  numeric?: boolean;
  stopIf?: string[];
}

/** Commands that run their arguments as a command, after options. */
const WRAPPERS: Record<string, WrapSpec> = {
  sudo: { short: 'ugpCDrtUThR', long: ['user', 'group', 'prompt', 'close-from', 'chdir', 'role', 'type', 'other-user', 'command-timeout', 'host', 'chroot'], stopIf: ['-l', '--list', '-v', '--validate', '-k', '-K', '-e', '--edit'] },
  doas: { short: 'uC' },
  nice: { short: 'n', long: ['adjustment'], numeric: true },
  ionice: { short: 'cnt', long: ['class', 'classdata'], stopIf: ['-p', '--pid', '-P', '--pgid', '-u', '--uid'] },
  nohup: {},
  setsid: {},
  exec: { short: 'a' },
  command: { stopIf: ['-v', '-V'] },
  builtin: {},
  stdbuf: { short: 'ioe', long: ['input', 'output', 'error'] },
  chronic: {},
  unbuffer: {},
  'systemd-cat': { short: 'tp', long: ['identifier', 'priority', 'stderr-priority', 'level-prefix', 'namespace'] },
  'systemd-inhibit': { long: ['what', 'who', 'why', 'mode'] },
};

/** Index of the first word after the options (GNU style, stopping at the first non-option). */
function skipOptions(ws: Val[], from: number, short: string, long: string[], numeric = false): number {
  let k = from;
  while (k < ws.length) {
    const w = ws[k];
    if (w === undefined) return -1;
    if (w === '--') return k + 1;
    if (!w.startsWith('-') || w === '-') return k;
    if (numeric && /^-\d+$/.test(w)) {
      k++;
      continue;
    }
    if (w.startsWith('--')) {
      const key = w.slice(2).split('=')[0];
      k += !w.includes('=') && long.includes(key) ? 2 : 1;
      continue;
    }
    let takes = false;
    for (let m = 1; m < w.length; m++) {
      if (short.includes(w[m])) {
        takes = m === w.length - 1;
        break;
      }
    }
    k += takes ? 2 : 1;
  }
  return k;
}

function unwrapTimeout(ws: Val[], from: number): { next: number; label: string | undefined } | undefined {
  let k = from;
  while (k < ws.length) {
    const w = ws[k];
    if (w === undefined) return undefined;
    if (w === '--') {
      k++;
      break;
    }
    if (!w.startsWith('-') || /^-?\d/.test(w)) break;
    if (w === '-s' || w === '-k' || w === '--signal' || w === '--kill-after') k += 2;
    else k++;
  }
  const dur = ws[k];
  if (dur === undefined) return undefined;
  const zero = /^0*(\.0*)?[smhd]?$/.test(dur);
  return { next: k + 1, label: zero ? undefined : `timeout ${dur}` };
}

function unwrapEnv(ws: Val[], from: number): { next: number; assigns: [string, string][] } | undefined {
  let k = from;
  const assigns: [string, string][] = [];
  while (k < ws.length) {
    const w = ws[k];
    if (w === undefined) return undefined;
    if (w === '--') {
      k++;
      continue;
    }
    if (w === '-S' || w.startsWith('--split-string') || w.startsWith('-S')) return undefined;
    if (w === '-u' || w === '-C' || w === '--unset' || w === '--chdir') {
      k += 2;
      continue;
    }
    if (w.startsWith('-')) {
      k++;
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(w);
    if (m) {
      assigns.push([m[1], m[2]]);
      k++;
      continue;
    }
    break;
  }
  return { next: k, assigns };
}

/** sh -c SCRIPT [ARG0 ARGS…]: analyses SCRIPT; a script file (sh /path/x.sh) cannot be seen. */
function shellCommand(args: Arg[], k: number, ctx: Ctx): void {
  let j = k + 1;
  let cflag = false;
  while (j < args.length) {
    const t = args[j].text;
    if (t === undefined) return;
    if (t === '--' || t === '-') {
      j++;
      break;
    }
    if (t.startsWith('--')) {
      j += t === '--rcfile' || t === '--init-file' ? 2 : 1;
      continue;
    }
    if (/^[-+][A-Za-z]+$/.test(t)) {
      if (t[0] === '-' && t.includes('c')) cflag = true;
      j += /[oO]/.test(t.slice(1)) ? 2 : 1;
      continue;
    }
    break;
  }
  if (!cflag) return;
  const script = args[j];
  if (!script || script.text === undefined) return;
  runScript(script, args.slice(j + 1).map((a) => a.text), ctx);
}

function runScript(script: Arg, positional: Val[], ctx: Ctx): void {
  if (script.text === undefined || ctx.depth >= MAX_DEPTH) return;
  requireShell();
  const vars = new Map<string, Var>();
  for (const [n, v] of ctx.env.vars) if (v.exported) vars.set(n, v);
  const child: Ctx = {
    ...ctx,
    env: { vars, positional: positional.length ? positional : [undefined] },
    map: script.nest,
    funcs: new Map(),
    called: new Set(),
    depth: ctx.depth + 1,
  };
  analyseScriptText(script.text, child);
}

/** Index (in cmd) of a command that a waiting tool runs afterwards, or -1. */
function tailCommand(name: string, cmd: Arg[]): number {
  const ws = cmd.map((a) => a.text);
  if (name === 'wait-for-it' || name === 'wait-for-it.sh' || name === 'wait-for' || name === 'wait-for.sh') {
    const dd = ws.indexOf('--', 1);
    return dd > 0 && dd + 1 < ws.length ? dd + 1 : -1;
  }
  if (name === 'dockerize') {
    const r = dockerizeArgs(ws);
    return r.command > 0 && r.command < ws.length ? r.command : -1;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Probe recognisers
// ---------------------------------------------------------------------------------------------

const CURL_SHORT = 'oHdXumAewxbcFTryYzCKEUDtQP';
const CURL_LONG = [
  'output', 'header', 'data', 'data-raw', 'data-binary', 'data-urlencode', 'data-ascii', 'json', 'request', 'user',
  'max-time', 'connect-timeout', 'retry', 'retry-delay', 'retry-max-time', 'user-agent', 'referer', 'write-out',
  'unix-socket', 'abstract-unix-socket', 'proxy', 'cacert', 'capath', 'cert', 'key', 'cookie', 'cookie-jar', 'form',
  'form-string', 'resolve', 'connect-to', 'interface', 'upload-file', 'range', 'speed-time', 'speed-limit',
  'limit-rate', 'url', 'config', 'dns-servers', 'noproxy', 'proxy-user', 'time-cond', 'continue-at', 'max-redirs',
  'output-dir', 'dump-header', 'trace', 'trace-ascii', 'stderr', 'oauth2-bearer', 'variable', 'expect100-timeout',
  'keepalive-time', 'local-port', 'ciphers', 'cert-type', 'key-type', 'pass', 'proxy-header', 'telnet-option', 'quote',
  'ftp-port', 'max-filesize', 'happy-eyeballs-timeout-ms', 'aws-sigv4', 'preproxy', 'proxy-cacert', 'socks5',
  'socks5-hostname', 'socks4', 'socks4a', 'netrc-file', 'tls-max', 'pubkey', 'hostpubmd5', 'hostpubsha256', 'krb',
];

const WGET_SHORT = 'oaeiBtOTwQPUlARDIX';
const WGET_LONG = [
  'output-document', 'output-file', 'append-output', 'tries', 'timeout', 'connect-timeout', 'read-timeout',
  'dns-timeout', 'wait', 'waitretry', 'user-agent', 'header', 'post-data', 'post-file', 'body-data', 'body-file',
  'method', 'user', 'password', 'http-user', 'http-password', 'directory-prefix', 'input-file', 'execute', 'base',
  'quota', 'level', 'accept', 'reject', 'domains', 'exclude-domains', 'bind-address', 'limit-rate', 'load-cookies',
  'save-cookies', 'ca-certificate', 'ca-directory', 'certificate', 'private-key', 'referer', 'proxy-user',
  'proxy-password', 'restrict-file-names', 'config', 'include-directories', 'exclude-directories', 'retry-on-http-error',
];

/** wget's -nv/-nc/-nd/-nH/-np are two-letter flags. */
function wgetWords(ws: Val[]): Val[] {
  return ws.map((w) => (w !== undefined && /^-n[a-zA-Z]$/.test(w) ? `--no-${w[2]}` : w));
}

interface WebCall {
  urls: string[];
  unix?: string;
  own?: Own;
}

function curlCall(ws: Val[]): WebCall {
  const p = parseOpts(ws, { short: CURL_SHORT, long: CURL_LONG });
  if (has(p, 'K', 'config')) return { urls: [] };
  const urls: string[] = [];
  for (const o of p.opts) if (o.key === 'url' && typeof o.val === 'string') urls.push(o.val);
  for (const x of p.pos) if (x.text !== undefined && x.text !== '') urls.push(x.text);
  const sock = get(p, 'unix-socket');
  const abs = get(p, 'abstract-unix-socket');
  const unix = typeof sock === 'string' ? sock : typeof abs === 'string' ? `@${abs}` : undefined;
  const retry = get(p, 'retry');
  let own: Own | undefined;
  if (typeof retry === 'string' && /^\d+$/.test(retry) && Number(retry) > 0) own = { bounded: true, bound: `--retry ${retry}` };
  return { urls, unix, own };
}

function wgetCall(ws: Val[]): WebCall {
  const p = parseOpts(wgetWords(ws), { short: WGET_SHORT, long: WGET_LONG });
  const urls: string[] = [];
  for (const x of p.pos) if (x.text !== undefined && x.text !== '') urls.push(x.text);
  const tries = get(p, 't', 'tries');
  let own: Own | undefined;
  if (typeof tries === 'string') {
    if (tries === '0' || tries === 'inf') own = { bounded: false, bound: `--tries=${tries} (no limit)` };
    else if (/^\d+$/.test(tries) && Number(tries) > 1) own = { bounded: true, bound: `--tries=${tries}` };
  } else if (tries === null && has(p, 'retry-connrefused')) {
    // wget retries 20 times by default, but a refused connection only with --retry-connrefused
    own = { bounded: true, bound: '--tries=20 (default)' };
  }
  return { urls, own };
}

const FILE_TESTS = new Set(['-e', '-f', '-d', '-S', '-s', '-r', '-w', '-x', '-p', '-L', '-h', '-b', '-c']);

function fileTest(op: string, path: Val): Probe | undefined {
  if (!FILE_TESTS.has(op) || path === undefined || !path.startsWith('/')) return undefined;
  return { resource: op === '-S' ? { kind: 'unix', path } : { kind: 'file', path }, probe: `test ${op}` };
}

const UNIT_TYPES = /\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;

function unitName(u: string): string | undefined {
  if (!u || /[*?[\]]/.test(u) || u.startsWith('-')) return undefined;
  return UNIT_TYPES.test(u) ? u : `${u}.service`;
}

function dockerizeArgs(ws: Val[]): { waits: Val[]; timeout: Val | null; command: number } {
  const valued = new Set(['wait', 'timeout', 'template', 'stdout', 'stderr', 'delims', 'wait-http-header', 'wait-retry-interval', 'env', 'env-section', 'env-header']);
  const waits: Val[] = [];
  let timeout: Val | null = null;
  let k = 1;
  while (k < ws.length) {
    const w = ws[k];
    if (w === undefined) return { waits, timeout, command: -1 };
    if (w === '--') {
      k++;
      break;
    }
    if (!w.startsWith('-')) break;
    const body = w.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    let val: Val = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (eq < 0 && valued.has(key)) val = ws[++k];
    if (key === 'wait') waits.push(val);
    if (key === 'timeout') timeout = val;
    k++;
  }
  return { waits, timeout, command: k };
}

function probesOf(name: string, cmd: Arg[]): Probe[] {
  const ws = cmd.slice(1).map((a) => a.text);
  const out: Probe[] = [];
  switch (name) {
    case 'curl': {
      const c = curlCall(ws);
      if (c.unix !== undefined) {
        if (c.urls.length) out.push({ resource: { kind: 'unix', path: c.unix }, probe: 'curl', own: c.own });
        return out;
      }
      for (const u of c.urls) {
        const url = webUrl(u);
        const port = url ? (url.port ?? DEFAULT_PORTS[url.scheme]) : undefined;
        if (url && url.host && port !== undefined) out.push({ resource: hostResource(url.host, port, url.scheme), probe: 'curl', own: c.own });
      }
      return out;
    }
    case 'wget': {
      const c = wgetCall(ws);
      for (const u of c.urls) {
        const url = webUrl(u);
        const port = url ? (url.port ?? DEFAULT_PORTS[url.scheme]) : undefined;
        if (url && url.host && port !== undefined) out.push({ resource: hostResource(url.host, port, url.scheme), probe: 'wget', own: c.own });
      }
      return out;
    }
    case 'nc':
    case 'ncat':
    case 'netcat':
    case 'nc.openbsd':
    case 'nc.traditional': {
      const p = parseOpts(ws, {
        short: 'IiMmOPpqsTVWwXxec',
        long: ['wait', 'source', 'source-port', 'proxy', 'proxy-type', 'proxy-auth', 'exec', 'sh-exec', 'lua-exec', 'output', 'hex-dump', 'idle-timeout', 'append-output', 'allow', 'allowfile', 'deny', 'denyfile', 'max-conns'],
      });
      if (has(p, 'l', 'listen')) return out;
      const tool = name.startsWith('nc') ? 'nc' : name;
      const pos = p.pos.map((x) => x.text);
      if (has(p, 'U', 'unixsock')) {
        const path = pos[0];
        if (path) out.push({ resource: { kind: 'unix', path }, probe: `${tool} -U` });
        return out;
      }
      if (pos.length < 2) return out;
      const [host, portText] = pos;
      const port = portText === undefined ? undefined : validPort(portText);
      if (!host || port === undefined) return out;
      out.push({ resource: hostResource(host, port, has(p, 'u', 'udp') ? 'udp' : 'tcp'), probe: has(p, 'z') ? `${tool} -z` : tool });
      return out;
    }
    case 'pg_isready': {
      const p = parseOpts(ws, { short: 'hpdUt', long: ['host', 'port', 'dbname', 'username', 'timeout'] });
      let host = get(p, 'h', 'host');
      let port = get(p, 'p', 'port');
      const db = get(p, 'd', 'dbname');
      if (typeof db === 'string') {
        if (/^postgres(ql)?:\/\//.test(db)) {
          const u = parseUrl(db);
          if (u?.host && host === null) host = u.host;
          if (u?.port && port === null) port = String(u.port);
        }
        const kv = (k: string): string | undefined => new RegExp(`(?:^|\\s)${k}\\s*=\\s*(\\S+)`).exec(db)?.[1];
        if (host === null && kv('host')) host = kv('host')!;
        if (port === null && kv('port')) port = kv('port')!;
      }
      if (host === undefined || port === undefined) return out;
      const h = host ?? 'localhost';
      const pn = port === null ? 5432 : validPort(port);
      if (pn === undefined || h.includes(',')) return out;
      out.push({ resource: h.startsWith('/') ? { kind: 'unix', path: `${h.replace(/\/$/, '')}/.s.PGSQL.${pn}` } : hostResource(h, pn, 'postgres'), probe: 'pg_isready' });
      return out;
    }
    case 'redis-cli': {
      const p = parseOpts(ws, { short: 'hpsaurindDt', long: ['user', 'pass', 'sni', 'cacert', 'cacertdir', 'cert', 'key', 'tls-ciphers', 'tls-ciphersuites', 'rdb', 'functions-rdb', 'pipe-timeout', 'pattern', 'count', 'quoted-pattern', 'memkeys-samples', 'eval', 'cluster', 'intrinsic-latency'] });
      if (has(p, 'v', 'version', 'help')) return out;
      const uri = get(p, 'u');
      const sock = get(p, 's');
      const host = get(p, 'h');
      const port = get(p, 'p');
      let res: Resource | undefined;
      if (typeof uri === 'string') res = resourceOfTarget(uri);
      else if (typeof sock === 'string') res = { kind: 'unix', path: sock };
      else if (host !== undefined && port !== undefined && uri === null && sock === null) {
        const pn = port === null ? 6379 : validPort(port);
        if (pn !== undefined) res = hostResource(host ?? '127.0.0.1', pn, 'redis');
      }
      if (res) out.push({ resource: res, probe: 'redis-cli' });
      return out;
    }
    case 'mysqladmin': {
      const p = parseOpts(ws, {
        short: 'hPSuciO',
        attached: 'p',
        long: ['host', 'port', 'socket', 'user', 'protocol', 'count', 'sleep', 'connect-timeout', 'shutdown-timeout', 'defaults-file', 'defaults-extra-file', 'character-sets-dir', 'default-character-set', 'ssl-ca', 'ssl-cert', 'ssl-key', 'plugin-dir', 'default-auth', 'login-path'],
      });
      const sub = p.pos[0]?.text;
      if (!sub) return out;
      const host = get(p, 'h', 'host');
      const port = get(p, 'P', 'port');
      const sock = get(p, 'S', 'socket');
      if (host === undefined || port === undefined || sock === undefined) return out;
      const pn = port === null ? 3306 : validPort(port);
      let res: Resource | undefined;
      if (typeof sock === 'string') res = { kind: 'unix', path: sock };
      else if (pn !== undefined) res = hostResource(host ?? 'localhost', pn, 'mysql');
      if (res) out.push({ resource: res, probe: `mysqladmin ${sub}` });
      return out;
    }
    case 'test':
    case '[':
    case '[[': {
      for (let i = 0; i + 1 < ws.length; i++) {
        const op = ws[i];
        if (op === undefined) continue;
        const pr = fileTest(op, ws[i + 1]);
        if (pr) out.push(pr);
      }
      return out;
    }
    case 'systemctl': {
      const p = parseOpts(ws, {
        short: 'tpHMsnoP',
        long: ['type', 'property', 'host', 'machine', 'signal', 'lines', 'output', 'job-mode', 'root', 'image', 'kill-whom', 'kill-value', 'what', 'state', 'timestamp', 'preset-mode', 'message', 'boot-loader-menu', 'boot-loader-entry', 'reboot-argument', 'drop-in', 'when', 'check-inhibitors', 'legend', 'image-policy'],
      });
      if (has(p, 'H', 'host', 'M', 'machine')) return out;
      const verb = p.pos[0]?.text;
      const units = p.pos.slice(1).map((x) => x.text);
      if (verb === 'is-active') {
        for (const u of units) {
          const n = u === undefined ? undefined : unitName(u);
          if (n) out.push({ resource: { kind: 'unit', name: n }, probe: 'systemctl is-active' });
        }
      } else if (verb === 'start' || verb === 'restart' || verb === 'reload-or-restart' || ((verb === 'enable' || verb === 'reenable') && has(p, 'now'))) {
        if (has(p, 'no-block')) return out;
        for (const u of units) {
          const n = u === undefined ? undefined : unitName(u);
          if (!n) continue;
          const own: Own = has(p, 'wait')
            ? { bounded: false, bound: `--wait: until ${n} stops again` }
            : { bounded: true, bound: `${n}'s TimeoutStartSec` };
          out.push({ resource: { kind: 'unit', name: n }, probe: `systemctl ${verb === 'enable' || verb === 'reenable' ? 'start' : verb}`, own });
        }
      }
      return out;
    }
    case 'wait-for-it':
    case 'wait-for-it.sh':
    case 'wait-for':
    case 'wait-for.sh': {
      const dd = ws.indexOf('--');
      const own = dd >= 0 ? ws.slice(0, dd) : ws;
      let host: Val | null = null;
      let port: Val | null = null;
      let timeout: Val | null = null;
      const targets: Val[] = [];
      for (let i = 0; i < own.length; i++) {
        const w = own[i];
        if (w === undefined) {
          targets.push(undefined);
          continue;
        }
        if (w === '-h' || w === '-p' || w === '-t') {
          const v = own[++i];
          if (w === '-h') host = v;
          else if (w === '-p') port = v;
          else timeout = v;
        } else if (w.startsWith('--host=')) host = w.slice(7);
        else if (w.startsWith('--port=')) port = w.slice(7);
        else if (w.startsWith('--timeout=')) timeout = w.slice(10);
        else if (!w.startsWith('-')) targets.push(w);
      }
      if (host !== null || port !== null) targets.push(host === undefined || port === undefined ? undefined : `${host ?? ''}:${port ?? ''}`);
      const bound: Own =
        timeout === null
          ? { bounded: true, bound: '-t 15 (default)' }
          : timeout === undefined
            ? { bounded: true, bound: '-t (unresolved)' }
            : /^0+$/.test(timeout)
              ? { bounded: false, bound: '-t 0 (no timeout)' }
              : { bounded: true, bound: `-t ${timeout}` };
      for (const t of targets) {
        const r = t === undefined ? undefined : resourceOfTarget(t);
        if (r) out.push({ resource: r, probe: 'wait-for-it', own: bound });
      }
      return out;
    }
    case 'dockerize': {
      const d = dockerizeArgs([name, ...ws]);
      const own: Own = d.timeout === null ? { bounded: true, bound: '-timeout 10s (default)' } : { bounded: true, bound: `-timeout ${d.timeout ?? '(unresolved)'}` };
      for (const t of d.waits) {
        const r = t === undefined ? undefined : resourceOfTarget(t);
        if (r) out.push({ resource: r, probe: 'dockerize -wait', own });
      }
      return out;
    }
    case 'lsof': {
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i];
        if (w === undefined || !w.startsWith('-i')) continue;
        const spec = w === '-i' ? ws[i + 1] : w.slice(2);
        const m = spec === undefined ? null : /^[46]?(tcp|udp)?(?:@([^:]+))?:(\d+)$/i.exec(spec);
        const port = m ? validPort(m[3]) : undefined;
        if (!m || port === undefined) continue;
        const proto = m[1]?.toLowerCase() === 'udp' ? 'udp' : 'tcp';
        out.push({ resource: m[2] ? hostResource(m[2], port, proto) : { kind: 'port', proto, host: '', port }, probe: 'lsof -i' });
      }
      return out;
    }
    default:
      return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Network uses
// ---------------------------------------------------------------------------------------------

function gitHost(u: string): string | undefined {
  const url = parseUrl(u);
  if (url) return url.scheme === 'file' ? undefined : url.host;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)/.exec(u);
  return scp ? scp[1].toLowerCase() : undefined;
}

function remoteHost(h: string | undefined): string | undefined {
  return h !== undefined && !isLocalHost(h) ? h : undefined;
}

function networkOf(name: string, cmd: Arg[]): string[] {
  let ws = cmd.slice(1).map((a) => a.text);
  const hosts: string[] = [];
  const push = (h: string | undefined): void => {
    if (h !== undefined) hosts.push(h);
  };
  switch (name) {
    case 'curl':
    case 'wget': {
      const c = name === 'curl' ? curlCall(ws) : wgetCall(ws);
      if (c.unix !== undefined) return hosts;
      for (const u of c.urls) push(remoteHost(webUrl(u)?.host || undefined));
      return hosts;
    }
    case 'git': {
      const g = skipOptions(ws, 0, 'Cc', ['git-dir', 'work-tree', 'namespace', 'exec-path', 'config-env']);
      if (g < 0) return hosts;
      const sub = ws[g];
      if (sub !== 'clone' && sub !== 'fetch' && sub !== 'pull') return hosts;
      const p = parseOpts(ws.slice(g + 1), {
        short: 'bocjusX',
        long: ['branch', 'origin', 'depth', 'config', 'reference', 'reference-if-able', 'jobs', 'template', 'upload-pack', 'separate-git-dir', 'filter', 'shallow-since', 'shallow-exclude', 'server-option', 'bundle-uri', 'ref-format', 'deepen', 'refmap', 'negotiation-tip', 'strategy', 'strategy-option'],
      });
      const first = p.pos[0];
      if (!first) {
        if (sub !== 'clone') hosts.push('');
        return hosts;
      }
      if (first.text === undefined) return hosts;
      const h = gitHost(first.text);
      if (h !== undefined) push(remoteHost(h));
      else if (sub !== 'clone' && !/^[./~]/.test(first.text)) hosts.push(''); // a named remote
      return hosts;
    }
    case 'apt-get':
    case 'apt':
    case 'aptitude': {
      const p = parseOpts(ws, { short: 'oct', long: ['option', 'config-file', 'target-release', 'default-release'] });
      const sub = p.pos[0]?.text;
      if (sub && ['install', 'update', 'upgrade', 'dist-upgrade', 'full-upgrade', 'source', 'download', 'build-dep', 'reinstall'].includes(sub)) hosts.push('');
      return hosts;
    }
    case 'dnf':
    case 'dnf5':
    case 'yum':
    case 'microdnf':
    case 'tdnf': {
      const p = parseOpts(ws, { short: 'cdex', long: ['repo', 'repoid', 'enablerepo', 'disablerepo', 'installroot', 'releasever', 'exclude', 'setopt', 'config', 'forcearch', 'destdir', 'downloaddir'] });
      if (has(p, 'C', 'cacheonly')) return hosts;
      const sub = p.pos[0]?.text;
      if (sub && ['install', 'update', 'upgrade', 'makecache', 'distro-sync', 'reinstall', 'downgrade', 'groupinstall', 'localinstall', 'group', 'download', 'builddep'].includes(sub)) hosts.push('');
      return hosts;
    }
    case 'apk': {
      const p = parseOpts(ws, { short: 'Xp', long: ['repository', 'root', 'keys-dir', 'repositories-file', 'cache-dir', 'arch'] });
      if (has(p, 'no-network')) return hosts;
      const sub = p.pos[0]?.text;
      if (sub && ['add', 'update', 'upgrade', 'fetch', 'fix'].includes(sub)) hosts.push('');
      return hosts;
    }
    case 'python':
    case 'python3': {
      if (ws[0] !== '-m' || !ws[1] || !/^pip\d*(\.\d+)?$/.test(ws[1])) return hosts;
      ws = ws.slice(2);
    }
    // falls through
    case 'pip':
    case 'pip3': {
      const p = parseOpts(ws, {
        short: 'rcetiCf',
        long: ['proxy', 'retries', 'timeout', 'cache-dir', 'log', 'python', 'exists-action', 'cert', 'client-cert', 'trusted-host', 'requirement', 'constraint', 'editable', 'target', 'index-url', 'extra-index-url', 'find-links', 'prefix', 'root', 'src', 'upgrade-strategy', 'platform', 'python-version', 'implementation', 'abi', 'progress-bar', 'no-binary', 'only-binary', 'config-settings', 'global-option', 'report'],
      });
      const sub = p.pos[0]?.text;
      if (!sub || !['install', 'download', 'wheel'].includes(sub) || has(p, 'no-index')) return hosts;
      const idx = get(p, 'i', 'index-url');
      if (typeof idx === 'string') {
        const h = webUrl(idx)?.host;
        if (h && !isLocalHost(h)) hosts.push(h);
      } else hosts.push('');
      return hosts;
    }
    case 'npm': {
      const p = parseOpts(ws, { long: ['registry', 'prefix', 'cache', 'userconfig', 'globalconfig', 'workspace', 'omit', 'include', 'loglevel', 'tag'] });
      const sub = p.pos[0]?.text;
      if (!sub || !['install', 'i', 'ci', 'add', 'update', 'up', 'isntall', 'in'].includes(sub) || has(p, 'offline')) return hosts;
      const reg = get(p, 'registry');
      if (typeof reg === 'string') {
        const h = webUrl(reg)?.host;
        if (h && !isLocalHost(h)) hosts.push(h);
      } else hosts.push('');
      return hosts;
    }
    case 'docker':
    case 'podman': {
      const g = skipOptions(ws, 0, 'cHl', ['context', 'host', 'log-level', 'config', 'root', 'runroot', 'storage-driver', 'url', 'connection', 'identity']);
      if (g < 0) return hosts;
      let s = g;
      if (ws[s] === 'image') s++;
      if (ws[s] !== 'pull') return hosts;
      const p = parseOpts(ws.slice(s + 1), { long: ['platform', 'creds', 'authfile', 'cert-dir', 'arch', 'os', 'variant', 'decryption-key', 'retry', 'retry-delay', 'policy'] });
      const img = p.pos[0]?.text;
      if (!img) return hosts;
      const first = img.split('/')[0];
      if (img.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
        const h = first.replace(/:\d+$/, '').toLowerCase();
        if (!isLocalHost(h)) hosts.push(h);
      } else hosts.push(name === 'docker' ? 'docker.io' : '');
      return hosts;
    }
    default:
      return hosts;
  }
}

// ---------------------------------------------------------------------------------------------
// The script walk
// ---------------------------------------------------------------------------------------------

function analyseScriptText(text: string, ctx: Ctx): void {
  const tree = parseShell(text);
  try {
    walkSeq(tree.rootNode.namedChildren, ctx);
    // Functions never called here (called by a trap, or from outside): analyse their bodies too.
    for (const [name, body] of ctx.funcs) {
      if (ctx.called.has(name)) continue;
      ctx.called.add(name);
      walk(body, { ...ctx, env: { ...ctx.env, positional: undefined } });
    }
  } finally {
    tree.delete();
  }
}

function named(n: SNode): SNode[] {
  const out: SNode[] = [];
  for (const c of n.namedChildren) if (c && c.type !== 'comment') out.push(c);
  return out;
}

/** A sequence of statements: only the last one's status is the sequence's. */
function walkSeq(nodes: (SNode | null)[], ctx: Ctx): void {
  const list = nodes.filter((n): n is SNode => !!n && n.type !== 'comment');
  const cleared = ctx.okExits || ctx.failExits ? { ...ctx, okExits: false, failExits: false } : ctx;
  list.forEach((n, i) => walk(n, i === list.length - 1 ? ctx : cleared));
}

/** Walks the command substitutions inside a word, assignment or test. */
function walkSubs(n: SNode, ctx: Ctx): void {
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'command_substitution' || c.type === 'process_substitution') walk(c, ctx);
    else if (c.childCount) walkSubs(c, ctx);
  }
}

function walkWordSubs(n: SNode, ctx: Ctx): void {
  if (n.type === 'command_substitution' || n.type === 'process_substitution') walk(n, ctx);
  else walkSubs(n, ctx);
}

function walk(n: SNode, ctx: Ctx): void {
  switch (n.type) {
    case 'comment':
    case 'heredoc_body':
      return;
    case 'program':
    case 'compound_statement':
    case 'do_group':
      walkSeq(n.namedChildren, ctx);
      return;
    case 'subshell':
      walkSeq(n.namedChildren, { ...ctx, env: copyEnv(ctx.env) });
      return;
    case 'function_definition': {
      const name = n.childForFieldName('name')?.text;
      const body = n.childForFieldName('body');
      if (name && body) ctx.funcs.set(name, body);
      return;
    }
    case 'variable_assignment':
      assign(n, ctx, ctx.env, false);
      return;
    case 'declaration_command':
      declare(n, ctx);
      return;
    case 'command':
      command(n, ctx, []);
      return;
    case 'redirected_statement':
      redirected(n, ctx);
      return;
    case 'list':
      list(n, ctx);
      return;
    case 'negated_command':
      walkSeq(n.namedChildren, { ...ctx, okExits: ctx.failExits, failExits: ctx.okExits });
      return;
    case 'if_statement':
      ifStatement(n, ctx);
      return;
    case 'while_statement':
    case 'for_statement':
    case 'c_style_for_statement':
      loop(n, ctx);
      return;
    case 'pipeline':
      pipeline(n, ctx);
      return;
    case 'command_substitution':
    case 'process_substitution':
      walkSeq(n.namedChildren, { ...ctx, env: copyEnv(ctx.env), okExits: false, failExits: false });
      return;
    case 'test_command':
      testCommand(n, ctx);
      walkSubs(n, ctx);
      return;
    default:
      for (const c of n.namedChildren) if (c) walk(c, ctx);
  }
}

function assign(n: SNode, ctx: Ctx, env: Env, exported: boolean): void {
  const name = n.childForFieldName('name')?.text;
  const value = n.childForFieldName('value');
  if (value) walkWordSubs(value, ctx);
  if (!name) return;
  const append = n.children.some((c) => c?.type === '+=');
  let v: Val = value ? (value.type === 'array' || append ? undefined : expandWord(value.text, ctx.env)) : '';
  if (name.includes('[')) v = undefined;
  const prev = env.vars.get(name);
  env.vars.set(name.replace(/\[.*$/, ''), { value: v, exported: exported || !!prev?.exported });
}

function declare(n: SNode, ctx: Ctx): void {
  const kw = n.child(0)?.type ?? '';
  const flags = named(n)
    .filter((c) => c.type === 'word' && c.text.startsWith('-'))
    .map((c) => c.text)
    .join('');
  const exported = kw === 'export' || flags.includes('x');
  for (const c of named(n)) {
    if (c.type === 'variable_assignment') assign(c, ctx, ctx.env, exported);
    else if (c.type === 'variable_name') {
      const prev = ctx.env.vars.get(c.text);
      if (kw === 'export') ctx.env.vars.set(c.text, { value: prev ? prev.value : undefined, exported: true });
      else if (kw === 'local' || kw === 'declare' || kw === 'typeset') ctx.env.vars.set(c.text, { value: '', exported });
    }
  }
}

/** Updates what a builtin changes in the walk's environment. */
function builtinEffects(name: string, args: Arg[], ctx: Ctx): void {
  const ws = args.slice(1).map((a) => a.text);
  if (name === 'read' || name === 'mapfile' || name === 'readarray' || name === 'getopts') {
    for (const w of ws) if (w && /^[A-Za-z_][A-Za-z0-9_]*$/.test(w)) ctx.env.vars.set(w, { value: undefined, exported: false });
  } else if (name === 'unset') {
    for (const w of ws) if (w && !w.startsWith('-')) ctx.env.vars.delete(w);
  } else if (name === 'let') {
    for (const w of ws) {
      const m = w === undefined ? null : /^([A-Za-z_][A-Za-z0-9_]*)\s*(\+\+|--|[-+*/%]?=)/.exec(w);
      if (m) ctx.env.vars.set(m[1], { value: undefined, exported: false });
    }
  } else if (name === 'shift') {
    const p = ctx.env.positional;
    if (p) ctx.env.positional = [p[0], ...p.slice(1 + (ws[0] && /^\d+$/.test(ws[0]) ? Number(ws[0]) : 1))];
  } else if (name === 'set') {
    const dd = ws.indexOf('--');
    if (dd >= 0) ctx.env.positional = [ctx.env.positional?.[0], ...ws.slice(dd + 1)];
  }
}

function command(n: SNode, ctx: Ctx, extra: SNode[]): void {
  const prefix: SNode[] = [];
  for (const c of n.namedChildren) if (c?.type === 'variable_assignment') prefix.push(c);
  const nameNode = n.childForFieldName('name');
  const argNodes = [...n.childrenForFieldName('argument').filter((c): c is SNode => !!c), ...extra];
  for (const a of argNodes) walkWordSubs(a, ctx);
  if (nameNode) walkWordSubs(nameNode, ctx);
  let c = ctx;
  if (prefix.length) {
    const env = copyEnv(ctx.env);
    for (const a of prefix) assign(a, ctx, env, true);
    c = { ...ctx, env };
  }
  if (!nameNode) return;
  const args = [nameNode, ...argNodes].map((a) => argOfNode(a, c));
  const name = base(args[0].text);
  if (name === undefined) return;
  const fn = ctx.funcs.get(name);
  if (fn && args[0].text === name) {
    ctx.called.add(name);
    if (ctx.depth >= MAX_DEPTH) return;
    const saved = c.env.positional;
    c.env.positional = [saved?.[0], ...args.slice(1).map((a) => a.text)];
    try {
      walk(fn, { ...c, depth: c.depth + 1 });
    } finally {
      c.env.positional = saved;
    }
    return;
  }
  builtinEffects(name, args, ctx);
  handleArgs(args, c);
}

function redirected(n: SNode, ctx: Ctx): void {
  const body = n.childForFieldName('body');
  const redirects = n.childrenForFieldName('redirect').filter((r): r is SNode => !!r);
  // tree-sitter-bash reads `cmd >/dev/null 2>&1 more args` with the extra words as destinations
  const extra: SNode[] = [];
  const dests: SNode[] = [];
  for (const r of redirects) {
    const d = r.childrenForFieldName('destination').filter((x): x is SNode => !!x);
    if (d[0]) dests.push(d[0]);
    extra.push(...d.slice(1));
  }
  if (body?.type === 'command') command(body, ctx, extra);
  else if (body) walk(body, ctx);
  for (const d of dests) {
    walkWordSubs(d, ctx);
    const t = expandWord(d.text, ctx.env);
    const m = t === undefined ? null : /^\/dev\/tcp\/([^/]+)\/(\d+)$/.exec(t);
    const port = m ? validPort(m[2]) : undefined;
    if (m && port !== undefined) emit(ctx, { resource: hostResource(m[1], port, 'tcp'), probe: '/dev/tcp' }, posOf(n, ctx), n.text);
  }
}

const EXIT_CMDS = new Set(['break', 'exit', 'return']);

/** Contains a break/exit/return that leaves the current loop (not inside a subshell or a function). */
function containsExit(n: SNode): boolean {
  if (n.type === 'subshell' || n.type === 'command_substitution' || n.type === 'function_definition' || n.type === 'process_substitution') return false;
  if (n.type === 'command') {
    const name = n.childForFieldName('name')?.text;
    return name !== undefined && EXIT_CMDS.has(name);
  }
  for (const c of n.namedChildren) if (c && containsExit(c)) return true;
  return false;
}

function containsCommand(n: SNode, names: Set<string>): boolean {
  if (n.type === 'function_definition') return false;
  if (n.type === 'command') {
    const name = base(n.childForFieldName('name')?.text);
    if (name !== undefined && names.has(name)) return true;
  }
  for (const c of n.namedChildren) if (c && containsCommand(c, names)) return true;
  return false;
}

function list(n: SNode, ctx: Ctx): void {
  let left: SNode | undefined;
  let right: SNode | undefined;
  let op = '';
  for (const c of n.children) {
    if (!c) continue;
    if (c.type === '&&' || c.type === '||') op = c.type;
    else if (c.isNamed && c.type !== 'comment') {
      if (!op) left = c;
      else right ??= c;
    }
  }
  if (!left || !right) {
    walkSeq(n.namedChildren, ctx);
    return;
  }
  const exits = containsExit(right);
  if (op === '&&') walk(left, { ...ctx, okExits: exits || ctx.okExits });
  else walk(left, { ...ctx, failExits: exits || ctx.failExits });
  walk(right, ctx);
}

function ifStatement(n: SNode, ctx: Ctx): void {
  const conds: SNode[] = [];
  const then: SNode[] = [];
  const rest: SNode[] = [];
  let state: 'cond' | 'then' = 'cond';
  for (const c of n.children) {
    if (!c) continue;
    if (c.type === 'then') state = 'then';
    if (!c.isNamed || c.type === 'comment') continue;
    if (c.type === 'elif_clause' || c.type === 'else_clause') rest.push(c);
    else (state === 'cond' ? conds : then).push(c);
  }
  const elseExits = rest.some((r) => r.type === 'else_clause' && containsExit(r));
  walkSeq(conds, { ...ctx, okExits: then.some(containsExit), failExits: elseExits });
  walkSeq(then, ctx);
  for (const r of rest) {
    if (r.type === 'else_clause') walkSeq(r.namedChildren, ctx);
    else ifStatement(r, ctx); // elif: the same shape (condition, then, body)
  }
}

function pipeline(n: SNode, ctx: Ctx): void {
  const parts = named(n);
  pipelineProbe(n, parts, ctx);
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    walk(p, { ...ctx, env: copyEnv(ctx.env), okExits: last && ctx.okExits, failExits: last && ctx.failExits });
  });
}

function commandArgs(n: SNode, ctx: Ctx): Arg[] | undefined {
  const c = n.type === 'redirected_statement' ? n.childForFieldName('body') : n;
  if (!c || c.type !== 'command') return undefined;
  const name = c.childForFieldName('name');
  if (!name) return undefined;
  return [name, ...c.childrenForFieldName('argument').filter((x): x is SNode => !!x)].map((a) => argOfNode(a, ctx));
}

/** `ss -ltn | grep -q :8080`, `netstat -tln | grep :8080`. */
function pipelineProbe(n: SNode, parts: SNode[], ctx: Ctx): void {
  if (parts.length < 2) return;
  const first = commandArgs(parts[0], ctx);
  const tool = base(first?.[0].text);
  if (!first || (tool !== 'ss' && tool !== 'netstat')) return;
  const ws = first.slice(1).map((a) => a.text);
  const p = parseOpts(ws, { short: 'AfFNK', long: ['query', 'family', 'filter', 'net'] });
  if (!has(p, 'l', 'listening')) return;
  const proto = has(p, 'u', 'udp') && !has(p, 't', 'tcp') ? 'udp' : 'tcp';
  let port: number | undefined;
  const filter = p.pos.map((x) => x.text ?? '').join(' ');
  const sport = /sport\s*(?:=|==|eq)\s*:(\d+)/.exec(filter);
  if (sport) port = validPort(sport[1]);
  for (const part of parts.slice(1)) {
    if (port !== undefined) break;
    const g = commandArgs(part, ctx);
    if (!g || !/^[ef]?grep$/.test(base(g[0].text) ?? '')) continue;
    const gp = parseOpts(
      g.slice(1).map((a) => a.text),
      { short: 'efmABCdD', long: ['regexp', 'file', 'max-count', 'after-context', 'before-context', 'context', 'label', 'devices', 'directories'] },
    );
    const pat = get(gp, 'e', 'regexp') ?? gp.pos[0]?.text;
    const m = typeof pat === 'string' ? /:(\d{1,5})(?!\d)/.exec(pat) : null;
    if (m) port = validPort(m[1]);
  }
  if (port === undefined) return;
  emit(ctx, { resource: { kind: 'port', proto, host: '', port }, probe: `${tool} | grep` }, posOf(n, ctx), n.text);
}

function testCommand(n: SNode, ctx: Ctx): void {
  const visit = (x: SNode): void => {
    if (x.type === 'command_substitution') return;
    if (x.type === 'unary_expression') {
      const op = x.childForFieldName('operator');
      const operand = named(x).filter((c) => c !== op && c.type !== 'test_operator').pop();
      if (op && op.type === 'test_operator' && operand) {
        const p = fileTest(op.text, expandWord(operand.text, ctx.env));
        if (p) emit(ctx, p, posOf(n, ctx), n.text);
        return;
      }
    }
    for (const c of x.namedChildren) if (c) visit(c);
  };
  visit(n);
}

// ---------------------------------------------------------------------------------------------
// Loops
// ---------------------------------------------------------------------------------------------

const NUM_TEST_OPS = new Set(['-lt', '-le', '-gt', '-ge', '-eq', '-ne']);
const ARITH_OPS = new Set(['<', '>', '<=', '>=', '==', '!=']);
const SLEEPS = new Set(['sleep', 'usleep']);
const READS = new Set(['read', 'mapfile', 'readarray']);

/** Variables a loop counts with: incremented arithmetically inside it (plus bash's SECONDS). */
function counterVars(n: SNode): Set<string> {
  const vars = new Set<string>(['SECONDS']);
  const nameOf = (x: SNode | null | undefined): string | undefined => {
    if (!x) return undefined;
    if (x.type === 'variable_name' || x.type === 'word') return x.text;
    return undefined;
  };
  const visit = (x: SNode, arith: boolean): void => {
    const t = x.type;
    if (t === 'variable_assignment') {
      const v = x.childForFieldName('value');
      const name = x.childForFieldName('name')?.text;
      if (name && v && (v.type === 'arithmetic_expansion' || (v.type === 'command_substitution' && /^\$\(\s*expr\b/.test(v.text)))) vars.add(name);
    }
    if (t === 'command' && x.childForFieldName('name')?.text === 'let') {
      for (const a of x.childrenForFieldName('argument')) {
        const m = a ? /^([A-Za-z_][A-Za-z0-9_]*)/.exec(a.text) : null;
        if (m) vars.add(m[1]);
      }
    }
    const inArith = arith || t === 'arithmetic_expansion' || (t === 'compound_statement' && x.text.startsWith('((')) || t === 'c_style_for_statement';
    if (inArith && (t === 'postfix_expression' || t === 'unary_expression')) {
      if (/(\+\+|--)/.test(x.text)) {
        const v = x.namedChildren.map((c) => nameOf(c)).find((s) => s);
        if (v) vars.add(v.replace(/^\$/, ''));
      }
    }
    if (inArith && t === 'binary_expression') {
      const op = x.childForFieldName('operator')?.type ?? '';
      if (['=', '+=', '-=', '*='].includes(op)) {
        const v = nameOf(x.childForFieldName('left'));
        if (v) vars.add(v);
      }
    }
    for (const c of x.namedChildren) if (c) visit(c, inArith);
  };
  visit(n, false);
  return vars;
}

/** A numeric comparison of a counter (or the clock) against a limit; returns the limit as written. */
function counterLimit(nodes: SNode[], counters: Set<string>, env: Env): string | undefined {
  const refsCounter = (x: SNode): boolean => {
    const t = x.text;
    if (/\$\(\s*date\b/.test(t)) return true;
    const names = [...t.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
    if (x.type === 'word' || x.type === 'variable_name') names.push(t);
    if (x.type === 'postfix_expression' || x.type === 'unary_expression') names.push(...x.namedChildren.map((c) => c?.text ?? ''));
    return names.some((v) => counters.has(v));
  };
  const limitText = (x: SNode): string => expandWord(x.text, env) ?? x.text;
  let found: string | undefined;
  const visit = (x: SNode, arith: boolean, test: boolean): void => {
    if (found !== undefined || x.type === 'function_definition') return;
    const t = x.type;
    const inArith = arith || t === 'arithmetic_expansion' || (t === 'compound_statement' && x.text.startsWith('(('));
    const inTest = test || t === 'test_command';
    if (t === 'binary_expression') {
      const opNode = x.childForFieldName('operator');
      const op = opNode?.text ?? '';
      const numeric = (inTest && NUM_TEST_OPS.has(op)) || (inArith && !inTest && ARITH_OPS.has(op));
      const l = x.childForFieldName('left');
      const r = x.childForFieldName('right');
      if (numeric && l && r) {
        if (refsCounter(l)) found = limitText(r);
        else if (refsCounter(r)) found = limitText(l);
        if (found !== undefined) return;
      }
    }
    if (t === 'command' && x.childForFieldName('name')?.text === 'test') {
      const a = x.childrenForFieldName('argument').filter((c): c is SNode => !!c);
      for (let i = 1; i + 1 < a.length; i++) {
        if (!NUM_TEST_OPS.has(a[i].text)) continue;
        if (refsCounter(a[i - 1])) found = limitText(a[i + 1]);
        else if (refsCounter(a[i + 1])) found = limitText(a[i - 1]);
        if (found !== undefined) return;
      }
    }
    for (const c of x.namedChildren) if (c) visit(c, inArith, inTest);
  };
  for (const n of nodes) visit(n, false, false);
  return found;
}

/** A counter check that ends the loop: `[ $i -ge 30 ] && exit 1`, `if (( i++ > 30 )); then break; fi`. */
function counterExit(body: SNode, counters: Set<string>, env: Env): string | undefined {
  let found: string | undefined;
  const visit = (x: SNode): void => {
    if (found !== undefined || x.type === 'function_definition') return;
    if ((x.type === 'list' || x.type === 'if_statement' || x.type === 'elif_clause') && containsExit(x)) {
      const parts =
        x.type === 'list'
          ? named(x)
          : (() => {
              const conds: SNode[] = [];
              for (const c of x.children) {
                if (!c || c.type === 'then') break;
                if (c.isNamed) conds.push(c);
              }
              return conds;
            })();
      const lim = counterLimit(parts.filter((p) => !containsExit(p)), counters, env);
      if (lim !== undefined) {
        found = lim;
        return;
      }
    }
    for (const c of x.namedChildren) if (c) visit(c);
  };
  visit(body);
  return found;
}

function isConstTrue(conds: SNode[], kw: string): boolean {
  if (conds.length !== 1) return false;
  const c = conds[0];
  if (c.type !== 'command' || c.childrenForFieldName('argument').length) return false;
  const name = c.childForFieldName('name')?.text;
  return kw === 'until' ? name === 'false' : name === 'true' || name === ':';
}

function seqCount(ws: Val[]): { count?: number } | undefined {
  const nums = ws.filter((w) => !(w !== undefined && /^-[a-z]/.test(w)));
  if (nums.length < 1 || nums.length > 3) return undefined;
  if (nums.some((w) => w === undefined || !/^-?\d+$/.test(w))) return {};
  const v = nums.map(Number);
  const [first, inc, last] = v.length === 1 ? [1, 1, v[0]] : v.length === 2 ? [v[0], 1, v[1]] : [v[0], v[1], v[2]];
  if (inc === 0) return {};
  return { count: Math.max(0, Math.floor((last - first) / inc) + 1) };
}

/** Iterations of a for loop over a counter; undefined for a loop over data. */
function forCount(values: SNode[], ctx: Ctx): { bound: string } | undefined {
  if (values.length === 1) {
    const v = values[0];
    if (v.type === 'command_substitution') {
      const cmd = named(v)[0];
      const args = cmd && cmd.type === 'command' ? commandArgs(cmd, ctx) : undefined;
      if (!args || base(args[0].text) !== 'seq') return undefined;
      const s = seqCount(args.slice(1).map((a) => a.text));
      if (!s) return undefined;
      return { bound: s.count !== undefined ? `${s.count} iterations` : `${cmd.text} iterations` };
    }
    const brace = /^\{(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?\}$/.exec(v.text);
    if (brace) {
      const [a, b] = [Number(brace[1]), Number(brace[2])];
      const step = Math.abs(Number(brace[3] ?? 1)) || 1;
      return { bound: `${Math.floor(Math.abs(b - a) / step) + 1} iterations` };
    }
  }
  if (values.length && values.every((v) => /^\d+$/.test(v.text))) return { bound: `${values.length} iterations` };
  return undefined;
}

function cForCount(n: SNode): string | undefined {
  const init = n.childForFieldName('initializer');
  const cond = n.childForFieldName('condition');
  const upd = n.childForFieldName('update');
  if (!cond) return undefined;
  const im = init ? /^([A-Za-z_]\w*)\s*=\s*(\d+)$/.exec(init.text) : null;
  const cm = /^\$?([A-Za-z_]\w*)\s*(<=?)\s*(\d+)$/.exec(cond.text);
  const um = upd ? /^(?:([A-Za-z_]\w*)\+\+|\+\+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*\+=\s*1)$/.exec(upd.text) : null;
  if (im && cm && um && im[1] === cm[1] && (um[1] ?? um[2] ?? um[3]) === im[1]) {
    const count = Number(cm[3]) - Number(im[2]) + (cm[2] === '<=' ? 1 : 0);
    return `${Math.max(0, count)} iterations`;
  }
  return `for ((${init?.text ?? ''}; ${cond.text}; ${upd?.text ?? ''}))`;
}

function loop(n: SNode, ctx: Ctx): void {
  const counters = counterVars(n);
  const body = n.childForFieldName('body');
  const polling = containsCommand(n, SLEEPS);
  const bodyExits = body ? containsExit(body) : false;
  const limitInBody = body ? counterExit(body, counters, ctx.env) : undefined;
  let info: Loop;
  let conds: SNode[] = [];
  if (n.type === 'while_statement') {
    const kw = n.child(0)?.type === 'until' ? 'until' : 'while';
    conds = n.childrenForFieldName('condition').filter((c): c is SNode => !!c && c.isNamed && c.type !== 'comment');
    const constTrue = isConstTrue(conds, kw);
    const lim = counterLimit(conds, counters, ctx.env) ?? limitInBody;
    // `while read line; do …; done < list` iterates over data: it retries nothing
    const reads = conds.some((c) => containsCommand(c, READS));
    info = {
      kind: reads ? 'data' : kw,
      bounded: lim !== undefined,
      bound: lim !== undefined ? `counter limit ${lim}` : UNBOUNDED,
      polling,
      exits: !constTrue || bodyExits,
    };
  } else if (n.type === 'for_statement') {
    const values = n.childrenForFieldName('value').filter((c): c is SNode => !!c);
    for (const v of values) walkWordSubs(v, ctx);
    const variable = n.childForFieldName('variable')?.text;
    if (variable) ctx.env.vars.set(variable, { value: undefined, exported: false });
    const fc = forCount(values, ctx);
    info = fc
      ? { kind: 'for', bounded: true, bound: fc.bound, polling, exits: true }
      : { kind: 'data', bounded: true, bound: 'loop over items', polling, exits: true };
  } else {
    const b = cForCount(n);
    const bound = b ?? (limitInBody !== undefined ? `counter limit ${limitInBody}` : undefined);
    info = { kind: 'for', bounded: bound !== undefined, bound: bound ?? UNBOUNDED, polling, exits: b !== undefined || bodyExits };
  }
  const inner: Ctx = { ...ctx, okExits: false, failExits: false };
  if (conds.length) walkSeq(conds, { ...inner, frames: [...ctx.frames, { t: 'loop', loop: info, role: 'cond' }] });
  if (body) walk(body, { ...inner, frames: [...ctx.frames, { t: 'loop', loop: info, role: 'body' }] });
}
