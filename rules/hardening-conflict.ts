import path from 'node:path';
import { defineRule, type RuleContext } from '../src/engine/rule.js';
import { judgedUnits } from '../src/model/services.js';
import { assignmentLocation, parseBoolean, valueLocation, wordLocation, type Unit } from '../src/model/unit.js';
import type { Project } from '../src/model/load.js';
import type { Assignment } from '../src/sources/unitfile/parser.js';
import type { Location, RelatedLocation } from '../src/types.js';
import { execCommands, type ExecCommand } from '../src/analysis/exec.js';
import { gateNetworkUses, gateWaits, providersOf, type GateNetworkUse, type GateWait } from '../src/analysis/gates.js';
import { describeResource, findInTree, isLocalHost, providedBy, sameResource, serviceEnvironmentVars } from '../src/analysis/endpoints.js';
import type { Resource } from '../src/analysis/types.js';
import { readTextFile } from '../src/sources/discover.js';
import { START_PHASES, serviceType, type StartPhase } from '../src/analysis/startpath.js';
import { splitWords } from '../src/sources/unitfile/words.js';
import { parseTimespan } from '../src/model/time.js';

/*
 * Sandboxing settings of systemd 252 that break the service they protect. Everything here follows
 * systemd's own code paths:
 *
 * - MemoryDenyWriteExecute= is a seccomp filter: mmap() with PROT_WRITE|PROT_EXEC, mprotect() and
 *   pkey_mprotect() adding PROT_EXEC, shmat(SHM_EXEC) fail with EPERM.
 * - RestrictAddressFamilies= is a seccomp filter on socket(2) only; inherited sockets (a .socket
 *   unit's listeners) and socketpair() are not affected. Parsed as config_parse_address_families().
 * - The file-system settings form one mount table, as setup_namespace() (src/core/namespace.c)
 *   builds it: sorted by path, a deeper entry wins over a shallower one, on the same path the mode
 *   with the higher priority wins (inaccessible > bind > private tmp > read-only > read-write > tmpfs
 *   > the implicit read-write of ProtectSystem=strict) and read-only propagates, and every entry below
 *   an inaccessible one is dropped (drop_inaccessible()).
 * - Commands prefixed with "+" run without any of this (no namespace, no seccomp filters).
 * - EnvironmentFile= is read by the service manager before it forks, outside the namespace: never a conflict.
 */

const S = 'Service';

type Ctx = RuleContext;
type Where = Ctx['where'];

/** The effective value of a setting, reading assignments in order; values `parse` rejects are ignored, as systemd ignores them. */
function effective<T>(u: Unit, key: string, parse: (v: string) => T | undefined, emptyResets: boolean): { value: T; at: Assignment } | undefined {
  let cur: { value: T; at: Assignment } | undefined;
  for (const a of u.assignments(S, key)) {
    const raw = a.value.trim();
    if (raw === '') {
      if (emptyResets) cur = undefined;
      continue;
    }
    const v = parse(u.expandValue(raw));
    if (v !== undefined) cur = { value: v, at: a };
  }
  return cur;
}

/** A boolean setting that is on (config_parse_bool: an empty or invalid value is ignored). */
function boolOn(u: Unit, key: string): Assignment | undefined {
  if (u.unknownAt(S, key)) return undefined;
  const v = effective(u, key, parseBoolean, false);
  return v?.value ? v.at : undefined;
}

function show(a: Assignment): string {
  return `${a.key}=${a.value}`;
}

const UNKNOWN = /__unknown__/i;

// ---------------------------------------------------------------------------------------------
// Commands

interface Cmd {
  cmd: ExecCommand;
  phase: StartPhase;
}

/** The start-path commands that run inside the sandbox (not "+"), skipping settings not known statically. */
function sandboxedCommands(u: Unit): Cmd[] {
  const out: Cmd[] = [];
  for (const phase of START_PHASES) {
    if (u.unknownAt(S, phase)) continue;
    for (const cmd of execCommands(u, phase)) if (!cmd.prefixes.includes('+')) out.push({ cmd, phase });
  }
  return out;
}

/**
 * Whether a gate probe escapes the question: every command it can come from is privileged ("+": no
 * sandbox), or has its failure ignored ("-", outside ExecStart=) while the probe gives up by itself.
 */
function probeExempt(u: Unit, g: { phase: StartPhase; location: Location; via: string }, bounded: boolean): boolean {
  const cmds = execCommands(u, g.phase);
  const prog = / → (.+)$/.exec(g.via)?.[1];
  const from = cmds.filter((c) => (prog ? c.argv.includes(prog) : c.at.file === g.location.file && c.at.line <= g.location.line && c.at.endLine >= g.location.line));
  return from.length > 0 && from.every((c) => c.prefixes.includes('+') || (bounded && c.ignoreFailure && g.phase !== 'ExecStart'));
}

function base(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh', 'busybox']);

/** Skips wrappers that exec their argument (env, nice, ionice, chrt, taskset, stdbuf, setsid, tini, dumb-init): the index of the real program. */
function unwrap(argv: string[]): { argv: string[]; i: number } {
  let i = 0;
  for (let guard = 0; guard < 8 && i < argv.length; guard++) {
    const name = base(argv[i]);
    let j = i + 1;
    if (name === 'env') {
      while (j < argv.length) {
        const a = argv[j];
        if (a === '-S' || a === '--split-string' || a.startsWith('--split-string=') || /^-S./.test(a)) {
          const s = a === '-S' || a === '--split-string' ? argv[j + 1] ?? '' : a.startsWith('-S') ? a.slice(2) : a.slice(a.indexOf('=') + 1);
          const rest = argv.slice(a === '-S' || a === '--split-string' ? j + 2 : j + 1);
          argv = [...s.split(/\s+/).filter(Boolean), ...rest];
          j = 0;
          continue;
        }
        if (a === '-u' || a === '--unset' || a === '-C' || a === '--chdir') j += 2;
        else if (a.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) j++;
        else break;
      }
    } else if (name === 'nice' || name === 'ionice' || name === 'stdbuf' || name === 'setsid' || name === 'tini' || name === 'dumb-init') {
      const takes = name === 'nice' ? ['-n'] : name === 'ionice' ? ['-c', '-n'] : name === 'stdbuf' ? ['-i', '-o', '-e'] : [];
      while (j < argv.length && argv[j].startsWith('-')) {
        if (argv[j] === '--') {
          j++;
          break;
        }
        j += takes.includes(argv[j]) ? 2 : 1;
      }
    } else if (name === 'chrt' || name === 'taskset') {
      while (j < argv.length && argv[j].startsWith('-')) j++;
      j++; // the priority / the CPU mask
    } else break;
    i = j;
  }
  return { argv, i };
}

// ---------------------------------------------------------------------------------------------
// 1. MemoryDenyWriteExecute= and JIT runtimes

/**
 * Programs that need memory that is writable and executable (or made executable later): JIT
 * engines that map code RWX or flip it with mprotect(PROT_EXEC). Not listed: the BEAM (erl,
 * beam.smp, elixir) — since OTP 24 its JIT double-maps a memfd (one RW, one RX mapping), which the
 * filter allows; CPython; PHP (its JIT is off unless opcache.jit is configured).
 */
const JIT: Record<string, string> = {
  node: 'V8 JIT',
  nodejs: 'V8 JIT',
  deno: 'V8 JIT',
  bun: 'JavaScriptCore JIT',
  npm: 'runs on node: V8 JIT',
  npx: 'runs on node: V8 JIT',
  yarn: 'runs on node: V8 JIT',
  pnpm: 'runs on node: V8 JIT',
  pm2: 'runs on node: V8 JIT',
  java: 'JVM JIT compiler',
  jsvc: 'loads a JVM: JIT compiler',
  dotnet: 'CoreCLR JIT',
  mono: 'Mono JIT',
  luajit: 'LuaJIT trace compiler',
  pypy: 'PyPy JIT',
  pypy3: 'PyPy JIT',
  julia: 'LLVM JIT',
};

interface JitHit {
  prog: string;
  runtime: string;
  /** Where the interpreter is named, when it comes from a script's shebang. */
  shebang?: { file: string; line: number; text: string };
}

function jitOf(argv: string[], u: Unit, project: Project, depth = 0): JitHit | undefined {
  const { argv: a, i } = unwrap(argv);
  const prog = a[i];
  if (!prog || UNKNOWN.test(prog)) return undefined;
  const name = base(prog);
  if (JIT[name]) return { prog: name, runtime: JIT[name] };
  if (/^ruby[0-9.]*$/.test(name) && a.slice(i + 1).some((x) => x === '--yjit' || x === '--jit' || x === '--rjit')) return { prog: name, runtime: 'YJIT' };
  if (depth > 0 || !prog.startsWith('/') || SHELLS.has(name)) return undefined;
  // A script of the input tree: its interpreter, from the shebang.
  let text: string | undefined;
  let file: string | undefined;
  const stored = project.nix?.scripts.get(prog);
  if (stored?.text !== undefined) {
    text = stored.text;
    file = stored.origin?.file ?? stored.at?.file;
  } else {
    const f = stored?.sourceFile ?? findInTree(prog, u, project)[0];
    if (f) {
      const r = readTextFile(f);
      if (r.ok) {
        text = r.text;
        file = f;
      }
    }
  }
  const first = text?.split('\n', 1)[0] ?? '';
  const m = /^#!\s*(\S.*)$/.exec(first);
  if (!m || !file) return undefined;
  const hit = jitOf(m[1].trim().split(/\s+/), u, project, depth + 1);
  return hit ? { ...hit, shebang: { file, line: 1, text: first } } : undefined;
}

function checkMdwe(ctx: Ctx, u: Unit): void {
  const at = boolOn(u, 'MemoryDenyWriteExecute');
  if (!at) return;
  const w = ctx.where;
  const seen = new Set<string>();
  for (const { cmd, phase } of sandboxedCommands(u)) {
    if (phase !== 'ExecStart' && cmd.ignoreFailure) continue; // "-": its failure is ignored
    const hit = jitOf(cmd.argv, u, ctx.project);
    if (!hit) continue;
    const key = `${cmd.at.file}:${cmd.at.line}:${hit.prog}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const progAt = wordLocation(cmd.at, cmd.offsets[0], cmd.ends[0]);
    const related: RelatedLocation[] = [{ message: `${phase} runs ${hit.prog}`, location: progAt }];
    let via = '';
    if (hit.shebang) {
      const loc: Location = { file: hit.shebang.file, line: 1, column: 1, endLine: 1, endColumn: hit.shebang.text.length + 1 };
      related.push({ message: `${cmd.argv[0]} is run by ${hit.prog} (${hit.shebang.text})`, location: loc });
      via = ` through the shebang of ${cmd.argv[0]} (${w(loc)})`;
    }
    ctx.report({
      unit: u.name,
      location: assignmentLocation(at),
      related,
      message:
        `${hit.prog} (${hit.runtime}) needs memory that is writable and executable, but ${show(at)} (${w(at)}) makes systemd install a seccomp filter that fails ` +
        `mmap(PROT_WRITE|PROT_EXEC) and mprotect(PROT_EXEC) with EPERM, so ${hit.prog} (${phase}${via}, ${w(progAt)}) aborts at start and ${u.name} fails.`,
      fix:
        `Remove MemoryDenyWriteExecute=${at.value} from ${u.name} (or set MemoryDenyWriteExecute=no in a drop-in): a JIT runtime cannot run under it. ` +
        `Keep the other hardening settings (SystemCallFilter=, NoNewPrivileges=, ProtectSystem=…).`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 2. RestrictAddressFamilies=

interface Families {
  /** null: no set (after `none`, every family is denied when `allow`). */
  set: Set<string> | null;
  allow: boolean;
  /** The assignment that opened the current list (decides allow-list vs deny-list), or `none`. */
  first: Assignment | undefined;
  /** The last assignment that added or removed each family. */
  touched: Map<string, { at: Assignment; removed: boolean }>;
}

const AF_ALIASES: Record<string, string> = { AF_LOCAL: 'AF_UNIX', AF_FILE: 'AF_UNIX' };

/** config_parse_address_families(): empty resets, `none` denies all, the first non-empty assignment decides the polarity, an opposite one removes. */
function addressFamilies(u: Unit): Families | undefined {
  if (u.unknownAt(S, 'RestrictAddressFamilies')) return undefined;
  const st: Families = { set: null, allow: false, first: undefined, touched: new Map() };
  for (const a of u.assignments(S, 'RestrictAddressFamilies')) {
    let v = a.value.trim();
    if (v === '') {
      st.set = null;
      st.allow = false;
      st.first = undefined;
      st.touched.clear();
      continue;
    }
    if (v === 'none') {
      st.set = null;
      st.allow = true;
      st.first = a;
      st.touched.clear();
      continue;
    }
    let invert = false;
    if (v.startsWith('~')) {
      invert = true;
      v = v.slice(1);
    }
    if (!st.set) {
      st.set = new Set();
      st.allow = !invert;
      st.first = a;
      st.touched.clear();
    }
    for (const word of splitWords(v, { unquote: true })) {
      const name = AF_ALIASES[word.text] ?? word.text;
      if (!/^AF_[A-Z0-9_]+$/.test(name)) continue; // af_from_name() fails: systemd ignores the word
      const add = !invert === st.allow;
      if (add) st.set.add(name);
      else st.set.delete(name);
      st.touched.set(name, { at: a, removed: !add });
    }
  }
  if (!st.allow && !st.set?.size) return undefined; // no restriction
  return st;
}

function blocked(f: Families, fam: string): boolean {
  return f.allow ? !f.set?.has(fam) : !!f.set?.has(fam);
}

/** Why a family is denied, the assignment to point at, and what to do (`fams`: what to allow, e.g. "AF_UNIX"). */
function denial(f: Families, fam: string, fams: string, unit: string, w: Where): { at: Assignment; why: string; fix: string } {
  const first = f.first!;
  const t = f.touched.get(fam);
  if (f.allow && !f.set) {
    return { at: first, why: `RestrictAddressFamilies=none (${w(first)}) denies every address family, ${fam} included`, fix: `Replace RestrictAddressFamilies=none in ${unit} with an allow-list of the families it uses (e.g. RestrictAddressFamilies=${fams}).` };
  }
  if (f.allow) {
    if (t?.removed) return { at: t.at, why: `${show(t.at)} (${w(t.at)}) removes ${fam} from the allow-list that ${show(first)} (${w(first)}) started`, fix: `Drop ${fam} from ${show(t.at)} in ${unit} (remove the line if it names nothing else), so that the allow-list keeps it.` };
    return { at: first, why: `${show(first)} (${w(first)}) is an allow-list without ${fam}`, fix: `Add ${fams} to ${show(first)} in ${unit}.` };
  }
  const at = t?.at ?? first;
  return { at, why: `${show(at)} (${w(at)}) puts ${fam} on the deny-list`, fix: `Remove ${fam} from the deny-list ${show(at)} in ${unit}.` };
}

interface Need {
  fam: 'AF_UNIX' | 'AF_INET';
  /** "Type=notify (a.service:5)". */
  what: string;
  /** What breaks, completing "so …". */
  breaks: string;
  at: Location;
  key: string;
}

/** Listeners of the .socket units that activate this service: their file descriptors are inherited, not created. */
function inheritedListeners(u: Unit, project: Project): Resource[] {
  const out: Resource[] = [];
  const names = new Set(u.list(S, 'Sockets', { reset: false }).flatMap((v) => v.value.split(/\s+/)));
  for (const s of project.inputUnits()) {
    if (s.type !== 'socket' || s.masked) continue;
    const stem = s.name.slice(0, s.name.lastIndexOf('.'));
    const accept = parseBoolean(s.get('Socket', 'Accept')?.value ?? 'no');
    const svc = s.get('Socket', 'Service')?.value ?? (accept ? `${stem}@.service` : `${stem}.service`);
    const target = project.resolve(svc);
    if (target !== u && !names.has(s.name)) continue;
    for (const p of providedBy(s, project)) out.push(p.resource);
  }
  return out;
}

/** Probes that open a socket (not `test -S`, `lsof -i`, `ss | grep`, which only look). */
function connects(probe: string): boolean {
  return !/^(test|\[|lsof)\b/.test(probe) && !probe.includes('| grep');
}

/** Commands that handle a socket's file, never the socket itself. */
const FILE_COMMANDS = new Set(['rm', 'unlink', 'test', '[', 'cp', 'mv', 'stat', 'ls', 'cat', 'rmdir', 'find', 'setfacl']);

const UNIX_CLIENT_PATH = /^(?:\/var)?\/run\/postgresql\/?$|^\/[^\s:;,'"]*\.sock$/;

/** A unix socket an argument or variable names: `unix:/p`, `unix:///p`, `host=/run/postgresql` in a URL, a `*.sock` path, /run/postgresql. */
function unixSocketIn(text: string): string | undefined {
  const u = /(?:^|[=\s'"(])unix:(?:\/\/)?(\/[^\s'";,?&)]+|@[^\s'";,?&)]+)/i.exec(text);
  if (u) return u[1];
  const q = /[?&]host=(\/[^&\s#]+)/.exec(text);
  if (q) return q[1];
  const v = text.includes('=') && !text.startsWith('/') ? text.slice(text.indexOf('=') + 1) : text;
  return UNIX_CLIENT_PATH.test(v) ? v : undefined;
}

function collectNeeds(u: Unit, project: Project, w: Where): Need[] {
  const needs: Need[] = [];
  const add = (n: Need) => {
    if (!needs.some((x) => x.fam === n.fam && x.key === n.key)) needs.push(n);
  };
  const cmds = sandboxedCommands(u);
  const mainSandboxed = cmds.some((c) => c.phase === 'ExecStart');
  const st = u.unknownAt(S, 'Type', 'BusName') ? undefined : serviceType(u);
  if (st && mainSandboxed) {
    if ((st.type === 'notify' || st.type === 'notify-reload') && st.at) {
      add({ fam: 'AF_UNIX', what: `${show(st.at.at)} (${w(st.at.at)})`, breaks: `the service reports readiness with sd_notify() over the AF_UNIX socket $NOTIFY_SOCKET: READY=1 never arrives, the start job times out and the unit fails`, at: valueLocation(st.at.at), key: 'notify' });
    } else {
      const wd = u.unknownAt(S, 'WatchdogSec') ? undefined : u.get(S, 'WatchdogSec');
      const ms = wd ? parseTimespan(wd.value) : undefined;
      if (wd && ms !== undefined && ms > 0 && ms !== Infinity) {
        add({ fam: 'AF_UNIX', what: `${show(wd.at)} (${w(wd.at)})`, breaks: `the keep-alive pings (sd_notify WATCHDOG=1) go over the AF_UNIX socket $NOTIFY_SOCKET and never arrive, so systemd kills the service every ${wd.value}`, at: valueLocation(wd.at), key: 'watchdog' });
      }
    }
    if (st.type === 'dbus') {
      const a = st.at?.at ?? u.get(S, 'BusName')?.at;
      if (a) add({ fam: 'AF_UNIX', what: `${show(a)} (${w(a)})`, breaks: `the service must connect to the D-Bus system bus (/run/dbus/system_bus_socket, AF_UNIX) to take its bus name: it cannot, and the start job times out`, at: valueLocation(a), key: 'dbus' });
    }
  }
  // What the service itself listens on (a .socket unit's listeners are inherited: not created here).
  if (mainSandboxed && !u.unknownAt(S, 'ExecStart')) {
    const inherited = inheritedListeners(u, project);
    for (const p of providedBy(u, project)) {
      const r = p.resource;
      if (inherited.some((i) => sameResource(i, r) || sameResource(r, i))) continue;
      if (r.kind === 'unix') add({ fam: 'AF_UNIX', what: `${p.how} (${w(p.at)})`, breaks: `binding the unix socket ${r.path} fails, so the service cannot serve it`, at: p.at, key: `unix:${r.path}` });
      else if (r.kind === 'port') add({ fam: 'AF_INET', what: `${p.how} (${w(p.at)})`, breaks: `the listener on ${describeResource(r)} cannot even be created`, at: p.at, key: `port:${r.proto}:${r.port}` });
    }
  }
  // Probes of the start path.
  for (const g of gateWaits(u, project)) {
    const r = g.wait.resource;
    if (probeExempt(u, g, g.wait.bounded)) continue;
    if (r.kind === 'unit') {
      if (g.wait.probe.startsWith('systemctl')) add({ fam: 'AF_UNIX', what: `${g.via} ${g.wait.probe} ${r.name} (${w(g.location)})`, breaks: `systemctl talks to systemd over AF_UNIX (/run/systemd/private or the system bus) and fails`, at: g.location, key: `unit:${g.location.file}:${g.location.line}` });
      continue;
    }
    if (!connects(g.wait.probe)) continue;
    if (r.kind === 'unix') add({ fam: 'AF_UNIX', what: `${g.via} ${g.wait.probe} ${r.path} (${w(g.location)})`, breaks: `the probe can never connect to ${r.path}`, at: g.location, key: `unix:${r.path}` });
    else if (r.kind === 'port' || r.kind === 'host') add({ fam: 'AF_INET', what: `${g.via} ${g.wait.probe} ${describeResource(r)} (${w(g.location)})`, breaks: `the probe can never connect`, at: g.location, key: `net:${g.location.file}:${g.location.line}` });
  }
  for (const n of gateNetworkUses(u, project)) {
    if (probeExempt(u, n, true)) continue;
    add({ fam: 'AF_INET', what: `${n.via} ${n.use.command}${n.use.host ? ` (${n.use.host})` : ''} (${w(n.location)})`, breaks: `it cannot open a connection`, at: n.location, key: `net:${n.location.file}:${n.location.line}` });
  }
  // Unix sockets named by arguments and variables (clients of another unit's socket, or its own).
  const inherited = inheritedListeners(u, project);
  const isInherited = (p: string) => inherited.some((i) => i.kind === 'unix' && i.path === p);
  const env = environment(u, project);
  for (const { cmd, phase } of cmds) {
    if (phase !== 'ExecStart' && cmd.ignoreFailure) continue;
    const words = resolvedArgs(cmd, env);
    if (!words || CREATORS.has(words.prog) || FILE_COMMANDS.has(words.prog)) continue;
    for (const a of words.args) {
      const p = unixSocketIn(a.text);
      if (!p || isInherited(p) || UNKNOWN.test(p)) continue;
      add({ fam: 'AF_UNIX', what: `${phase} ${a.text}${a.shown !== a.text ? ` (from ${a.shown})` : ''} (${w(a.loc)})`, breaks: `connecting to (or creating) the unix socket ${p} fails`, at: a.loc, key: `unix:${p}` });
    }
  }
  if (mainSandboxed && !u.unknownAt(S, 'Environment') && !u.unknownAt(S, 'EnvironmentFile')) {
    for (const v of serviceEnvironmentVars(u, project)) {
      const p = unixSocketIn(v.value);
      if (!p || isInherited(p) || UNKNOWN.test(p)) continue;
      add({ fam: 'AF_UNIX', what: `${v.name}=${v.value} (${w(v.at)})`, breaks: `connecting to the unix socket ${p} fails`, at: v.at, key: `unix:${p}` });
    }
  }
  return needs;
}

function checkAddressFamilies(ctx: Ctx, u: Unit): void {
  const f = addressFamilies(u);
  if (!f) return;
  const w = ctx.where;
  const needs = collectNeeds(u, ctx.project, w);
  for (const fam of ['AF_UNIX', 'AF_INET'] as const) {
    const mine = needs.filter((n) => n.fam === fam);
    if (!mine.length) continue;
    let d;
    let famText: string = fam;
    if (fam === 'AF_UNIX') {
      if (!blocked(f, 'AF_UNIX')) continue;
      d = denial(f, 'AF_UNIX', 'AF_UNIX', u.name, w);
    } else {
      if (!blocked(f, 'AF_INET') || !blocked(f, 'AF_INET6')) continue;
      d = denial(f, 'AF_INET', 'AF_INET AF_INET6', u.name, w);
      famText = 'AF_INET and AF_INET6';
    }
    const [n, ...more] = mine;
    ctx.report({
      unit: u.name,
      location: assignmentLocation(d.at),
      related: mine.map((m) => ({ message: `needs ${fam === 'AF_INET' ? 'AF_INET/AF_INET6' : fam}: ${m.what}`, location: m.at })),
      message:
        `${d.why}, so every socket(${fam}, …) in ${u.name} fails with EAFNOSUPPORT; but ${n.what} needs ${famText === fam ? fam : 'an IP socket'}: ${n.breaks}` +
        (more.length ? `. Also: ${more.map((m) => `${m.what} (${m.breaks})`).join('; ')}.` : '.'),
      fix: `${d.fix} (Sockets inherited from a .socket unit are not affected; every socket the service opens itself is.)`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 3 and 5. The mount namespace: ProtectSystem=, ProtectHome=, ReadOnlyPaths=, InaccessiblePaths=, …

type Mode = 'inaccessible' | 'bind' | 'private-tmp' | 'ro' | 'rw' | 'tmpfs' | 'rw-implicit';
/** MountMode order of namespace.c (lower wins on the same path). */
const PRIO: Record<Mode, number> = { inaccessible: 0, bind: 3, 'private-tmp': 5, ro: 12, rw: 13, tmpfs: 16, 'rw-implicit': 21 };

interface Mount {
  path: string;
  mode: Mode;
  readOnly: boolean;
  /** The setting as shown: "ProtectSystem=strict", "DynamicUser=yes (which implies ProtectSystem=strict)". */
  text: string;
  /** What it does, completing "<text> (<where>) …". */
  effect: string;
  at: Assignment | undefined;
  kind: 'system' | 'home' | 'ro-paths' | 'inaccessible-paths' | 'tmpfs' | 'bind' | 'other';
}

/** Absolute, collapsed, without . and .., /var/run → /run (systemd resolves symlinks of mount paths). */
function normPath(p: string): string | undefined {
  if (!p.startsWith('/') || UNKNOWN.test(p) || p.includes('$')) return undefined;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  let s = '/' + out.join('/');
  if (s === '/var/run' || s.startsWith('/var/run/')) s = s.slice(4);
  else if (s === '/var/lock' || s.startsWith('/var/lock/')) s = '/run/lock' + s.slice(9);
  return s;
}

function under(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(dir + '/');
}

interface PathWord {
  path: string;
  at: Assignment;
  loc: Location;
  raw: string;
}

/** The entries of a path-list setting (ReadWritePaths= …): `-` and `+` prefixes dropped, an empty assignment resets. */
function pathWords(u: Unit, key: string): PathWord[] {
  if (u.unknownAt(S, key)) return [];
  const out: PathWord[] = [];
  for (const v of u.list(S, key)) {
    for (const word of splitWords(v.at.value, { unquote: true, cunescape: true })) {
      const raw = u.expandValue(word.text);
      const p = normPath(raw.replace(/^-?\+?/, ''));
      if (p) out.push({ path: p, at: v.at, loc: wordLocation(v.at, word.start, word.end), raw });
    }
  }
  return out;
}

const EXEC_DIRS: [string, string][] = [['StateDirectory', '/var/lib'], ['CacheDirectory', '/var/cache'], ['LogsDirectory', '/var/log'], ['RuntimeDirectory', '/run']];

function mountTable(u: Unit): Mount[] | undefined {
  if (u.get(S, 'RootDirectory') || u.get(S, 'RootImage') || u.unknownAt(S, 'RootDirectory', 'RootImage')) return undefined;
  const mounts: Mount[] = [];
  const push = (path: string, mode: Mode, readOnly: boolean, text: string, effect: string, at: Assignment | undefined, kind: Mount['kind']) =>
    mounts.push({ path, mode, readOnly, text, effect, at, kind });
  const dyn = boolOn(u, 'DynamicUser');

  const ps = u.unknownAt(S, 'ProtectSystem') ? undefined : effective(u, 'ProtectSystem', (v) => {
    const b = parseBoolean(v);
    if (b !== undefined) return b ? 'yes' : 'no';
    return v === 'full' || v === 'strict' ? v : undefined;
  }, true);
  let sys: { value: string; text: string; at: Assignment } | undefined = ps && ps.value !== 'no' ? { value: ps.value, text: show(ps.at), at: ps.at } : undefined;
  let implied = '';
  if (dyn && sys?.value !== 'strict') {
    sys = { value: 'strict', text: show(dyn), at: dyn };
    implied = 'implies ProtectSystem=strict, which ';
  }
  if (sys) {
    if (sys.value === 'strict') {
      push('/', 'ro', true, sys.text, `${implied}mounts the whole file system read-only except /dev, /proc, /sys, the home folders and what ReadWritePaths=, StateDirectory=, CacheDirectory=, LogsDirectory= and RuntimeDirectory= exempt`, sys.at, 'system');
      for (const p of ['/proc', '/sys', '/dev', '/home', '/run/user', '/root']) push(p, 'rw-implicit', false, sys.text, '', sys.at, 'system');
    } else {
      const ro = sys.value === 'full' ? ['/usr', '/boot', '/efi', '/etc'] : ['/usr', '/boot', '/efi'];
      for (const p of ro) push(p, 'ro', true, sys.text, `mounts ${ro.join(', ')} read-only`, sys.at, 'system');
    }
  }

  const ph = u.unknownAt(S, 'ProtectHome') ? undefined : effective(u, 'ProtectHome', (v) => {
    const b = parseBoolean(v);
    if (b !== undefined) return b ? 'yes' : 'no';
    return v === 'read-only' || v === 'tmpfs' ? v : undefined;
  }, true);
  let home: { value: string; text: string; at: Assignment } | undefined = ph && ph.value !== 'no' ? { value: ph.value, text: show(ph.at), at: ph.at } : undefined;
  let homeImplied = '';
  if (dyn && !home) {
    home = { value: 'read-only', text: show(dyn), at: dyn };
    homeImplied = 'implies ProtectHome=read-only, which ';
  }
  if (home) {
    for (const p of ['/home', '/run/user', '/root']) {
      if (home.value === 'yes') push(p, 'inaccessible', true, home.text, 'makes /home, /root and /run/user inaccessible — with everything below them, even paths listed in BindPaths= or ReadWritePaths=', home.at, 'home');
      else if (home.value === 'tmpfs') push(p, 'tmpfs', true, home.text, 'mounts an empty read-only tmpfs over /home, /root and /run/user (only BindPaths=/BindReadOnlyPaths= below them show through)', home.at, 'home');
      else push(p, 'ro', true, home.text, `${homeImplied}mounts /home, /root and /run/user read-only`, home.at, 'home');
    }
  }

  const pt = boolOn(u, 'PrivateTmp') ?? dyn;
  if (pt) for (const p of ['/tmp', '/var/tmp']) push(p, 'private-tmp', false, show(pt), '', pt, 'other');

  for (const e of pathWords(u, 'ReadWritePaths')) push(e.path, 'rw', false, `ReadWritePaths=${e.raw}`, '', e.at, 'other');
  for (const e of pathWords(u, 'ReadOnlyPaths')) push(e.path, 'ro', true, `ReadOnlyPaths=${e.raw}`, `mounts ${e.path} read-only`, e.at, 'ro-paths');
  for (const e of pathWords(u, 'InaccessiblePaths')) push(e.path, 'inaccessible', true, `InaccessiblePaths=${e.raw}`, `makes ${e.path} and everything below it inaccessible`, e.at, 'inaccessible-paths');
  for (const [key, root] of EXEC_DIRS) {
    if (u.unknownAt(S, key)) continue;
    for (const v of u.list(S, key)) {
      for (const word of v.value.split(/\s+/).filter(Boolean)) {
        const p = normPath(`${root}/${word.split(':')[0]}`);
        if (p) push(p, 'rw', false, `${key}=${word}`, '', v.at, 'other');
      }
    }
  }
  for (const key of ['BindPaths', 'BindReadOnlyPaths']) {
    if (u.unknownAt(S, key)) continue;
    for (const v of u.list(S, key)) {
      for (const word of splitWords(v.at.value, { unquote: true, cunescape: true })) {
        const parts = u.expandValue(word.text).replace(/^-/, '').split(/(?<!\\):/);
        const dest = normPath(parts[1] || parts[0]);
        const ro = key === 'BindReadOnlyPaths';
        if (dest) push(dest, 'bind', ro, `${key}=${word.text}`, ro ? `bind-mounts ${dest} read-only` : '', v.at, 'bind');
      }
    }
  }
  if (!u.unknownAt(S, 'TemporaryFileSystem')) {
    for (const v of u.list(S, 'TemporaryFileSystem')) {
      for (const word of splitWords(v.at.value, { unquote: true })) {
        const [p0, opts = ''] = u.expandValue(word.text).split(/:(.*)/s);
        const p = normPath(p0);
        const ro = opts.split(',').includes('ro');
        if (p) push(p, 'tmpfs', ro, `TemporaryFileSystem=${word.text}`, `mounts an empty${ro ? ' read-only' : ''} tmpfs over ${p}`, v.at, 'tmpfs');
      }
    }
  }
  if (!mounts.some((m) => m.readOnly || m.mode === 'inaccessible' || m.mode === 'tmpfs')) return undefined;
  return mounts;
}

type UseKind = 'write' | 'read' | 'exec' | 'cwd';

interface Use {
  kind: UseKind;
  path: string;
  /** "PIDFile=/run/x.pid", "ExecStart --data-dir=/srv/db". */
  what: string;
  at: Location;
  /** What happens when the access fails, completing "so …". */
  breaks: string;
  /** The path is a file (a PID file, a log file): exempt its folder. */
  file?: boolean;
}

interface Verdict {
  by: Mount;
  why: 'inaccessible' | 'hidden' | 'read-only';
}

/** How the namespace treats an access to `p` (undefined: it works). */
function judgePath(mounts: Mount[], p: string, kind: UseKind): Verdict | undefined {
  const groups = new Map<string, Mount[]>();
  for (const m of mounts) {
    if (!under(p, m.path)) continue;
    let g = groups.get(m.path);
    if (!g) groups.set(m.path, (g = []));
    g.push(m);
  }
  const chain = [...groups.entries()]
    .sort((a, b) => (a[0] === '/' ? 0 : a[0].split('/').length) - (b[0] === '/' ? 0 : b[0].split('/').length))
    .map(([path, g]) => {
      const sorted = [...g].sort((x, y) => PRIO[x.mode] - PRIO[y.mode]);
      const win = sorted[0];
      const roSource = win.readOnly ? win : sorted.find((m) => m.readOnly);
      return { path, mode: win.mode, win, readOnly: !!roSource, roSource };
    });
  let hider: (typeof chain)[number] | undefined;
  for (const e of chain) {
    // The inaccessible node itself exists (mode 000, on a read-only mount): only what is below it is gone,
    // and only writes to the node itself fail.
    if (e.mode === 'inaccessible' && (kind === 'write' || e.path !== p)) return { by: e.win, why: 'inaccessible' };
    if (e.mode === 'bind' || e.mode === 'tmpfs' || e.mode === 'private-tmp') hider = e.mode === 'tmpfs' && e.path !== p ? e : undefined;
  }
  const last = chain[chain.length - 1];
  if (kind === 'write') {
    if (last?.readOnly && last.roSource) return { by: last.roSource, why: 'read-only' };
    return undefined;
  }
  if (hider) return { by: hider.win, why: 'hidden' };
  return undefined;
}

/** Options whose value is a path the program writes (both --opt=X and --opt X; Go-style -opt too). */
const WRITE_OPTIONS = new Set([
  'data-dir', 'datadir', 'data-directory', 'pid-file', 'pidfile', 'writepid', 'log-file', 'logfile', 'log-dir', 'logdir',
  'log-directory', 'logs-dir', 'state-dir', 'statedir', 'state-directory', 'db-path', 'dbpath', 'storage.tsdb.path',
  'cache-dir', 'cachedir', 'cache-directory', 'work-dir', 'workdir', 'tmp-dir', 'tmpdir', 'temp-dir', 'spool-dir',
]);
/** Commands that write the paths they are given. */
const CREATORS = new Set(['mkdir', 'touch', 'install', 'mkfifo', 'ln', 'chown', 'chmod', 'chgrp']);
/** Programs whose path arguments are used by another process (a daemon, a remote host), not in this namespace. */
const PATH_PASSERS = new Set(['docker', 'nerdctl', 'kubectl', 'ssh', 'scp', 'systemctl', 'systemd-run', 'busctl', 'machinectl', 'curl', 'wget']);

function resolveEnv(arg: string, env: Map<string, string>): string[] {
  const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(arg);
  if (whole) {
    const v = env.get(whole[1]);
    return v === undefined ? [arg] : v.split(/\s+/).filter(Boolean);
  }
  return [arg.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => env.get(n) ?? m)];
}

/** The service's environment (Environment=, EnvironmentFile= of the tree) as systemd resolves $VAR in command lines; empty when not known statically. */
function environment(u: Unit, project: Project): Map<string, string> {
  const env = new Map<string, string>();
  if (u.unknownAt(S, 'Environment') || u.unknownAt(S, 'EnvironmentFile')) return env;
  for (const v of serviceEnvironmentVars(u, project)) env.set(v.name, v.value);
  return env;
}

interface Arg {
  text: string;
  /** As written (the $VAR reference it came from). */
  shown: string;
  loc: Location;
}

/**
 * The program a command runs (past env/nice/… wrappers) and its arguments with $VAR resolved, each
 * with the location of the word it came from. Undefined for `sh -c` scripts and for programs that
 * hand paths to another process (docker, ssh, systemctl, curl, …).
 */
function resolvedArgs(cmd: ExecCommand, env: Map<string, string>): { prog: string; args: Arg[] } | undefined {
  const { argv, i } = unwrap(cmd.argv);
  const prog = base(argv[i] ?? '');
  if (!prog || PATH_PASSERS.has(prog) || (SHELLS.has(prog) && argv.includes('-c'))) return undefined;
  const same = argv === cmd.argv;
  const args: Arg[] = [];
  for (let k = i + 1; k < argv.length; k++) {
    const loc = same ? wordLocation(cmd.at, cmd.offsets[k], cmd.ends[k]) : valueLocation(cmd.at);
    for (const t of resolveEnv(argv[k], env)) args.push({ text: t, shown: argv[k], loc });
  }
  return { prog, args };
}

function collectUses(u: Unit, project: Project): Use[] {
  const uses: Use[] = [];
  const forking = !u.unknownAt(S, 'Type') && serviceType(u).type === 'forking';
  const mainSandboxed = sandboxedCommands(u).some((c) => c.phase === 'ExecStart');
  if (!u.unknownAt(S, 'PIDFile') && mainSandboxed) {
    const pf = u.get(S, 'PIDFile');
    if (pf) {
      const p = normPath(pf.value.startsWith('/') ? pf.value : `/run/${pf.value}`);
      if (p) uses.push({ kind: 'write', path: p, file: true, what: show(pf.at), at: valueLocation(pf.at), breaks: forking ? 'the daemon cannot write its PID file, and systemd, which waits for it (Type=forking), fails the start' : 'the daemon cannot write its PID file there' });
    }
  }
  const env = environment(u, project);
  for (const { cmd, phase } of sandboxedCommands(u)) {
    if (phase !== 'ExecStart' && cmd.ignoreFailure) continue; // "-": a failure there is ignored
    const argv0 = normPath(cmd.argv[0]);
    if (argv0) uses.push({ kind: 'exec', path: argv0, file: true, what: `${phase} runs ${cmd.argv[0]}`, at: wordLocation(cmd.at, cmd.offsets[0], cmd.ends[0]), breaks: `executing it fails and ${u.name} fails (status 203/EXEC)` });
    const words = resolvedArgs(cmd, env);
    if (!words) continue;
    const { prog } = words;
    const args = words.args;
    if (CREATORS.has(prog)) {
      const abs = args.filter((x) => x.text.startsWith('/'));
      const dirMode = prog === 'install' && args.some((x) => x.text === '-d' || x.text === '--directory' || /^-[a-zA-Z]*d[a-zA-Z]*$/.test(x.text));
      const targets = prog === 'ln' || (prog === 'install' && !dirMode) ? abs.slice(-1) : abs;
      for (const t of targets) {
        const p = normPath(t.text);
        if (p) uses.push({ kind: 'write', path: p, what: `${phase} ${prog} ${t.shown}`, at: t.loc, breaks: `${prog} fails with EROFS and so does ${u.name}'s ${phase}` });
      }
      continue;
    }
    for (let k = 0; k < args.length; k++) {
      const a = args[k];
      const m = /^--?([A-Za-z][A-Za-z0-9._-]*)(?:=(.*))?$/.exec(a.text);
      if (m) {
        const name = m[1].toLowerCase().replace(/_/g, '-');
        if (!WRITE_OPTIONS.has(name)) {
          if (m[2] === undefined && /exclude|ignore|prune|skip|except|deny/.test(name)) k++; // a pattern, not a path the program opens
          continue;
        }
        const val = m[2] ?? args[k + 1]?.text;
        const at = m[2] !== undefined ? a.loc : args[k + 1]?.loc;
        if (m[2] === undefined) k++;
        const p = val !== undefined ? normPath(val) : undefined;
        if (p && at) uses.push({ kind: 'write', path: p, file: /file|pid/.test(name), what: `${phase} ${m[2] !== undefined ? a.text : `${a.text} ${val}`}${a.shown !== a.text ? ` (from ${a.shown})` : ''}`, at, breaks: `${prog} cannot write there` });
        continue;
      }
      // Any other absolute path argument is read (judged only against inaccessible or hidden paths).
      if (!/^\/[^\s:]*$/.test(a.text)) continue;
      const p = normPath(a.text);
      if (p) uses.push({ kind: 'read', path: p, what: `${phase} ${a.text}${a.shown !== a.text ? ` (from ${a.shown})` : ''}`, at: a.loc, breaks: `${prog} cannot open it` });
    }
  }
  if (!u.unknownAt(S, 'WorkingDirectory')) {
    const wd = u.get(S, 'WorkingDirectory');
    if (wd && !wd.value.startsWith('-')) {
      const user = u.get(S, 'User')?.value;
      const raw = wd.value === '~' ? (!user || user === 'root' || user === '0' ? '/root' : undefined) : wd.value;
      const p = raw ? normPath(raw) : undefined;
      if (p) uses.push({ kind: 'cwd', path: p, what: show(wd.at), at: valueLocation(wd.at), breaks: `chdir() fails and ${u.name} fails (status 200/CHDIR)` });
    }
  }
  for (const e of pathWords(u, 'ReadWritePaths')) uses.push({ kind: 'write', path: e.path, what: `ReadWritePaths=${e.raw}`, at: e.loc, breaks: 'the service cannot write there as the setting intends' });
  for (const e of pathWords(u, 'ReadOnlyPaths')) uses.push({ kind: 'read', path: e.path, what: `ReadOnlyPaths=${e.raw}`, at: e.loc, breaks: 'the service cannot read it as the setting intends' });
  for (const key of ['BindPaths', 'BindReadOnlyPaths']) {
    if (u.unknownAt(S, key)) continue;
    for (const v of u.list(S, key)) {
      for (const word of splitWords(v.at.value, { unquote: true, cunescape: true })) {
        const parts = u.expandValue(word.text).replace(/^-/, '').split(/(?<!\\):/);
        const p = normPath(parts[1] || parts[0]);
        if (p) uses.push({ kind: 'read', path: p, what: `${key}=${word.text}`, at: wordLocation(v.at, word.start, word.end), breaks: 'the bind mount is dropped and the path stays hidden' });
      }
    }
  }
  return uses;
}

/** The *Directory= setting that would make a path writable, if one fits. */
function directoryFor(p: string): string | undefined {
  for (const [key, root] of EXEC_DIRS) {
    if (p.startsWith(root + '/')) {
      const rest = p.slice(root.length + 1);
      const first = rest.split('/')[0];
      if (/\.(pid|sock|lock|log)$/.test(first)) return undefined;
      return `${key}=${first}`;
    }
  }
  return undefined;
}

function fixFor(use: Use, v: Verdict, u: Unit): string {
  const m = v.by;
  const p = use.file ? path.dirname(use.path) : use.path;
  if (v.why === 'read-only') {
    if (m.kind === 'system') {
      if (p === '/tmp' || p.startsWith('/tmp/') || p === '/var/tmp' || p.startsWith('/var/tmp/')) return `Set PrivateTmp=yes in ${u.name}: it gets its own writable /tmp and /var/tmp.`;
      const dir = directoryFor(p);
      if (dir) return `Add ${dir} to [Service] of ${u.name}: systemd creates the folder for the service's user and exempts it from ${m.text}; or add ReadWritePaths=${p}.`;
      if (use.file && p === '/run') {
        const stem = path.basename(use.path).replace(/\.[^.]+$/, '');
        return `Move the file into a folder of its own: RuntimeDirectory=${stem} and ${use.what.startsWith('PIDFile=') ? `PIDFile=/run/${stem}/${path.basename(use.path)}` : `/run/${stem}/${path.basename(use.path)}`} (and the daemon's own option to match). ReadWritePaths=/run works too, but opens all of /run.`;
      }
      return `Add ReadWritePaths=${p} to [Service] of ${u.name}, or write somewhere the sandbox allows (StateDirectory=, LogsDirectory=, …).`;
    }
    if (m.kind === 'home') return `Add ReadWritePaths=${p} (a deeper entry wins over ${m.text}), or keep the service's data out of the home folders (StateDirectory=).`;
    if (m.kind === 'bind') return `Use BindPaths= instead of BindReadOnlyPaths= for ${p}, or write elsewhere.`;
    return `Add ReadWritePaths=${p} (a deeper path wins) or narrow ${m.text}.`;
  }
  if (m.kind === 'home' && v.why === 'inaccessible') return `ProtectHome=yes hides the whole tree, even paths in BindPaths= or ReadWritePaths=: set ProtectHome=tmpfs and BindReadOnlyPaths=${p} (BindPaths= to write), or move it out of the home folders (e.g. /opt or /var/lib).`;
  if (m.kind === 'home' || m.kind === 'tmpfs') return `Re-expose it with BindReadOnlyPaths=${p} (BindPaths= to write), which shows through ${m.text}; or move it out of ${m.path}.`;
  return `Remove ${p} from ${m.text} (or list a narrower path), or move what the service needs out of ${m.path}.`;
}

function checkNamespace(ctx: Ctx, u: Unit): void {
  const mounts = mountTable(u);
  if (!mounts?.length) return; // no sandboxing of the file system: nothing can be hidden or read-only
  const w = ctx.where;
  const seen = new Set<string>();
  for (const use of collectUses(u, ctx.project)) {
    const v = judgePath(mounts, use.path, use.kind);
    if (!v) continue;
    const m = v.by;
    if (!m.at) continue;
    const key = `${m.at.file}:${m.at.line}:${use.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const setting = `${m.text} (${w(m.at)})`;
    let message: string;
    if (v.why === 'read-only') {
      message = `${u.name} writes ${use.path} (${use.what}, ${w(use.at)}), but ${setting} ${m.effect || `mounts ${m.path} read-only`}: writes there fail with EROFS ("Read-only file system"), so ${use.breaks}.`;
    } else {
      const verb = use.kind === 'exec' ? 'runs' : use.kind === 'cwd' ? 'changes into' : use.kind === 'write' ? 'writes' : 'uses';
      message = `${u.name} ${verb} ${use.path} (${use.what}, ${w(use.at)}), but ${setting} ${m.effect}: inside the unit's mount namespace ${use.path} ${v.why === 'inaccessible' ? 'is inaccessible' : 'does not exist'}, so ${use.breaks}.`;
    }
    ctx.report({
      unit: u.name,
      location: assignmentLocation(m.at),
      related: [{ message: `${use.what}`, location: use.at }],
      message,
      fix: fixFor(use, v, u),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 4. PrivateNetwork=

function checkPrivateNetwork(ctx: Ctx, u: Unit): void {
  const at = boolOn(u, 'PrivateNetwork');
  if (!at) return;
  if (u.list('Unit', 'JoinsNamespaceOf', { reset: false }).length || u.get(S, 'NetworkNamespacePath') || u.unknownAt('Unit', 'JoinsNamespaceOf') || u.unknownAt(S, 'NetworkNamespacePath')) return;
  const { project, where: w } = ctx;
  const own = providedBy(u, project);
  const seen = new Set<string>();
  const report = (g: GateWait | GateNetworkUse, what: string, detail: string, related: RelatedLocation[]) => {
    const key = `${g.location.file}:${g.location.line}`;
    if (seen.has(key)) return;
    seen.add(key);
    const bounded = 'wait' in g ? g.wait.bounded : true;
    ctx.report({
      unit: u.name,
      location: assignmentLocation(at),
      related: [{ message: `${g.via}: ${what}`, location: g.location }, ...related],
      message:
        `${u.name} (${g.via}, ${w(g.location)}) ${what}, but ${show(at)} (${w(at)}) runs the unit in a network namespace of its own with nothing but a loopback device: ${detail}, ` +
        `so ${'wait' in g && g.wait.retried ? (bounded ? 'the probe keeps failing until it gives up and the start fails' : 'the probe never succeeds and the start hangs') : 'it fails'}.`,
      fix: `Remove PrivateNetwork=yes from ${u.name} (the start path needs the host's network), or move the check into a unit without it.`,
    });
  };
  for (const g of gateWaits(u, project)) {
    const r = g.wait.resource;
    const abstract = r.kind === 'unix' && r.path.startsWith('@');
    if (!(r.kind === 'port' || r.kind === 'host' || abstract)) continue;
    if (own.some((p) => sameResource(r, p.resource))) continue;
    const providers = providersOf(r, project);
    if (providers.some((p) => p.unit === u)) continue;
    const local = abstract || (r.kind === 'port' && isLocalHost(r.host));
    const early = g.phase === 'ExecCondition' || g.phase === 'ExecStartPre';
    if (local && !providers.length && !early) continue; // perhaps the unit's own listener, which the analysis did not see
    const desc = describeResource(r);
    const what = `waits for ${desc} (${g.wait.probe})`;
    let detail: string;
    const related: RelatedLocation[] = providers.slice(0, 1).map((p) => ({ message: `${p.unit.name} serves ${desc} (${p.provided.how})`, location: p.provided.at }));
    const by = providers[0] ? `${providers[0].unit.name} (${providers[0].provided.how}, ${w(providers[0].provided.at)})` : undefined;
    if (abstract) detail = `abstract unix sockets belong to a network namespace, and ${by ?? 'whoever listens on it'} listens in the host's`;
    else if (local && r.kind === 'port') detail = `${r.host || 'localhost'} inside it is the namespace's own loopback, where nothing listens on ${r.proto} port ${r.port}${by ? ` — ${by} listens on the host's` : ''}`;
    else detail = `no route leaves it, so ${desc}${by ? ` (${by})` : ''} is unreachable`;
    report(g, what, detail, related);
  }
  for (const n of gateNetworkUses(u, project)) {
    if (n.use.host && isLocalHost(n.use.host)) continue;
    report(n, `reaches ${n.use.host || 'the network'} (${n.use.command})`, 'no route leaves it', []);
  }
}

// ---------------------------------------------------------------------------------------------

export default defineRule({
  meta: {
    id: 'hardening-conflict',
    severity: 'warning',
    category: 'hardening',
    summary: 'A sandboxing setting breaks the service it protects: a JIT under MemoryDenyWriteExecute=, a socket family it needs denied, a path it writes made read-only, a gate behind PrivateNetwork=',
    docs: `
## What it finds

A hardening setting of a service that takes away something the service itself needs:

- **\`MemoryDenyWriteExecute=yes\`** while a start-path command runs a JIT runtime: \`node\`/\`nodejs\`,
  \`deno\`, \`bun\`, \`npm\`/\`npx\`/\`yarn\`/\`pnpm\`/\`pm2\` (node scripts), \`java\` (any JVM path) and
  \`jsvc\`, \`dotnet\`, \`mono\`, \`luajit\`, \`pypy\`/\`pypy3\`, \`julia\`, \`ruby --yjit\`. The program is the
  basename of the command (NixOS store paths included), seen through \`env\`, \`nice\`, \`ionice\`,
  \`chrt\`, \`taskset\`, \`stdbuf\`, \`setsid\`, \`tini\`, \`dumb-init\`, and through the shebang of a script
  of the input tree. The Erlang VM is not listed: since OTP 24 its JIT maps code twice (writable, and
  read+exec), which the filter allows.
- **\`RestrictAddressFamilies=\`** without \`AF_UNIX\` while the service needs it: \`Type=notify\`
  (\`sd_notify()\` talks to \`$NOTIFY_SOCKET\`), \`WatchdogSec=\`, \`Type=dbus\`/\`BusName=\` (the system bus),
  a unix socket the service binds itself, a probe of its start path that connects to a unix socket or
  runs \`systemctl\`, an argument or variable naming a unix socket (\`unix:/run/x.sock\`, \`*.sock\`,
  \`/run/postgresql\`); and without both \`AF_INET\` and \`AF_INET6\` while it listens on a port or a
  probe connects to one. The setting is read as systemd parses it: an empty assignment resets, \`none\`
  denies everything, the first assignment decides allow-list or deny-list (\`~\`), a later one of the
  other kind removes families. Sockets inherited from a \`.socket\` unit are exempt.
- **The mount namespace**: a path the service writes that \`ProtectSystem=\` (\`yes\`: /usr /boot /efi,
  \`full\`: also /etc, \`strict\`: everything but /dev /proc /sys, the home folders and the exempted
  paths; \`DynamicUser=yes\` implies \`strict\`, \`ProtectHome=read-only\` and \`PrivateTmp=yes\`),
  \`ProtectHome=read-only\`, \`ReadOnlyPaths=\` or \`BindReadOnlyPaths=\` make read-only — written paths are
  \`PIDFile=\`, options such as \`--data-dir\`, \`--pid-file\`, \`--log-file\`, \`--state-dir\`,
  \`--db-path\`, \`--storage.tsdb.path\`, \`--cache-dir\`, \`--work-dir\`, and \`mkdir\`/\`touch\`/\`install\`/
  \`chown\` commands — unless \`ReadWritePaths=\`, \`StateDirectory=\`, \`CacheDirectory=\`,
  \`LogsDirectory=\`, \`RuntimeDirectory=\`, \`BindPaths=\` or \`PrivateTmp=\` (for /tmp, /var/tmp) exempt it
  (\`ConfigurationDirectory=\` does not). And a path the service runs, reads or changes into
  (\`WorkingDirectory=\`) that \`ProtectHome=yes\`/\`tmpfs\`, \`InaccessiblePaths=\` or
  \`TemporaryFileSystem=\` hide. The table is built as systemd builds it: a deeper path wins, and
  everything below an inaccessible path is dropped — so \`ProtectHome=yes\` hides /home even where
  \`BindPaths=\` or \`ReadWritePaths=\` name a folder below it; \`ProtectHome=tmpfs\` lets them through.
  \`EnvironmentFile=\` is read by systemd before the namespace exists and is never a conflict.
- **\`PrivateNetwork=yes\`** while the start path waits for another unit's port on localhost (or an
  abstract unix socket, \`@…\`), or reaches another host, unless \`JoinsNamespaceOf=\` or
  \`NetworkNamespacePath=\` is set.

Commands prefixed with \`+\` run outside the sandbox and are not judged, nor are commands of
\`ExecStartPre=\`/\`ExecStartPost=\` prefixed with \`-\` (their failure is ignored).

## Why it bites

Each of these makes the service fail in a way that looks unrelated to the line that causes it: a JVM
that "could not reserve code cache", a notify service that times out although it started fine, a
daemon that exits with "Read-only file system" for its PID file, a health gate that never passes. The
setting usually arrives in a hardening drop-in written for another service, and the unit worked before.

## How to fix

Keep the sandbox and open exactly what the service needs:

\`\`\`ini
[Service]
Type=notify
ExecStart=/usr/bin/node /opt/app/server.js --data-dir /var/lib/app
# node's JIT needs W+X memory: no MemoryDenyWriteExecute=yes
ProtectSystem=strict
StateDirectory=app            # /var/lib/app stays writable
RuntimeDirectory=app
PIDFile=/run/app/app.pid
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6   # sd_notify needs AF_UNIX
ProtectHome=tmpfs
BindReadOnlyPaths=/home/deploy/app-config
\`\`\`
`,
  },
  check(ctx) {
    for (const u of judgedUnits(ctx.project, 'service')) {
      checkMdwe(ctx, u);
      checkAddressFamilies(ctx, u);
      checkNamespace(ctx, u);
      checkPrivateNetwork(ctx, u);
    }
  },
});

