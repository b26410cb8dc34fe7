import fs from 'node:fs';
import { defineRule } from '../src/engine/rule.js';
import { findInTree, normalizePath, providedBy } from '../src/analysis/endpoints.js';
import { execCommands, type ExecKey } from '../src/analysis/exec.js';
import { restartPolicy } from '../src/model/restart.js';
import { assignmentLocation, parseBoolean, type Unit, type Value } from '../src/model/unit.js';
import type { Project } from '../src/model/load.js';
import { splitWords } from '../src/sources/unitfile/words.js';
import type { RelatedLocation } from '../src/types.js';

/**
 * stale-unix-socket: a service binds a unix socket file that nothing removes when it stops or crashes.
 *
 * A socket file is cleaned up when it lives under the service's own RuntimeDirectory= (removed on
 * every stop, crashes and automatic restarts included, unless RuntimeDirectoryPreserve= keeps it),
 * under /tmp or /var/tmp with PrivateTmp=yes (or DynamicUser=yes, which implies it: the private
 * folders are made fresh for every start), under a TemporaryFileSystem= of the unit, when a .socket
 * unit owns the path (systemd binds it, removes it with RemoveOnStop=, and passes it on), or when an
 * ExecStartPre= or ExecStopPost= (both run after a crash) removes it: `rm -f PATH`, `rm -rf DIR`,
 * `rm -f DIR/*.sock`, `unlink PATH`, `find DIR … -delete`, directly, inside `sh -c '…'`, or in a
 * script of the input tree that the line runs. ExecStop= does not count: it does not run after a crash.
 * Abstract sockets (`@name`) have no file and never go stale.
 */

/** /var/run is a link to /run on every systemd host. */
function canonicalPath(p: string): string {
  const s = normalizePath(p);
  return s === '/var/run' || s.startsWith('/var/run/') ? s.slice(4) : s;
}

function under(p: string, dir: string): boolean {
  const d = canonicalPath(dir);
  return d === '/' ? p.startsWith('/') : p.startsWith(d + '/');
}

/** Glob to regular expression, as the shell matches a path: `*` and `?` do not cross `/`. */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        re += '[' + glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

/** True when removing `target` (recursively or not) removes the file `path`. */
function removes(target: string, recursive: boolean, path: string): boolean {
  const t = canonicalPath(target.replace(/\/+$/, '') || '/');
  if (!t.startsWith('/')) return false;
  if (/[*?[]/.test(t)) {
    const re = globRegex(t);
    if (re.test(path)) return true;
    if (!recursive) return false;
    // rm -r /run/foo* removes /run/foo-1/x.sock: some folder above the path matches.
    const parts = path.split('/');
    for (let k = parts.length - 1; k > 1; k--) if (re.test(parts.slice(0, k).join('/'))) return true;
    return false;
  }
  return t === path || (recursive && under(path, t));
}

interface Removal {
  target: string;
  recursive: boolean;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'mksh']);
/** Commands that run the rest of their arguments as a command. */
const WRAPPERS = new Set(['env', 'sudo', 'nice', 'ionice', 'nohup', 'exec', 'command', 'busybox', 'runuser', 'setpriv', 'chronic']);

/** The file removals of one simple command (argv, variables already substituted where known). */
function removalsOf(argv: string[]): Removal[] {
  let i = 0;
  // Wrappers and VAR=value prefixes (their options are few and never an rm operand).
  while (i < argv.length) {
    const b = argv[i].slice(argv[i].lastIndexOf('/') + 1);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i])) i++;
    else if (WRAPPERS.has(b)) {
      i++;
      while (i < argv.length && argv[i].startsWith('-')) i += ['-u', '-g', '-n', '-c'].includes(argv[i]) ? 2 : 1;
    } else break;
  }
  const prog = (argv[i] ?? '').slice((argv[i] ?? '').lastIndexOf('/') + 1);
  const args = argv.slice(i + 1);
  const out: Removal[] = [];
  if (prog === 'rm') {
    let recursive = false;
    let opts = true;
    for (const a of args) {
      if (opts && a === '--') opts = false;
      else if (opts && a.startsWith('--')) recursive ||= a === '--recursive';
      else if (opts && a.startsWith('-') && a.length > 1) recursive ||= /[rR]/.test(a);
      else out.push({ target: a, recursive: false });
    }
    for (const r of out) r.recursive = recursive;
  } else if (prog === 'unlink' && args.length === 1) {
    out.push({ target: args[0], recursive: false });
  } else if (prog === 'find' && args.includes('-delete')) {
    // find DIR… [tests] -delete: everything below DIR that the tests match; taken as all of it.
    for (const a of args) {
      if (a.startsWith('-') || a === '(' || a === '!') break;
      out.push({ target: a, recursive: true });
    }
  }
  return out;
}

/** Splits a shell script into simple commands (on ; && || | & and newlines), words unquoted. */
function shellCommands(script: string): string[][] {
  const cmds: string[][] = [];
  for (const line of script.split(/\n/)) {
    if (/^\s*#/.test(line)) continue;
    let cur: string[] = [];
    for (const w of splitWords(line, { unquote: true })) {
      let t = w.text;
      if ([';', '&&', '||', '|', '&', '(', ')', '{', '}', 'then', 'do', 'else'].includes(t)) {
        if (cur.length) cmds.push(cur);
        cur = [];
        continue;
      }
      const ends = /[;&|]$/.test(t);
      if (ends) t = t.replace(/[;&|]+$/, '');
      if (t) cur.push(t);
      if (ends) {
        if (cur.length) cmds.push(cur);
        cur = [];
      }
    }
    if (cur.length) cmds.push(cur);
  }
  return cmds;
}

/** Environment= of the unit (only what the unit file itself says), for `rm -f $SOCKET`. */
function unitEnvironment(u: Unit): Map<string, string> {
  const env = new Map<string, string>();
  for (const v of u.list('Service', 'Environment')) {
    for (const w of splitWords(v.value, { unquote: true })) {
      const eq = w.text.indexOf('=');
      if (eq > 0) env.set(w.text.slice(0, eq), w.text.slice(eq + 1));
    }
  }
  return env;
}

function substitute(word: string, env: Map<string, string>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string | undefined, b: string | undefined) => env.get(a ?? b ?? '') ?? m);
}

interface Cleanup {
  removal: Removal;
  at: Value['at'];
}

/** Every removal that the given Exec*= settings perform, with the line that performs it. */
function cleanups(u: Unit, project: Project, keys: ExecKey[]): Cleanup[] {
  const env = unitEnvironment(u);
  const out: Cleanup[] = [];
  for (const key of keys) {
    for (const cmd of execCommands(u, key)) {
      const argv = cmd.noEnvExpand ? cmd.argv : cmd.argv.map((w) => substitute(w, env));
      const lists: string[][] = [argv];
      const prog = argv[0].slice(argv[0].lastIndexOf('/') + 1);
      if (SHELLS.has(prog)) {
        const c = argv.findIndex((a, k) => k > 0 && /^-[a-z]*c[a-z]*$/i.test(a));
        if (c > 0 && c + 1 < argv.length) lists.push(...shellCommands(argv[c + 1]));
        else if (argv[1]?.startsWith('/')) lists.push(...scriptCommands(argv[1], u, project));
      } else if (argv[0].startsWith('/')) lists.push(...scriptCommands(argv[0], u, project));
      for (const l of lists) for (const r of removalsOf(l)) out.push({ removal: r, at: cmd.at });
    }
  }
  return out;
}

/** The commands of a shell script that the input tree holds at that host path (none when it is not there or not a script). */
function scriptCommands(spec: string, u: Unit, project: Project): string[][] {
  const out: string[][] = [];
  for (const file of findInTree(spec, u, project)) {
    let text: string;
    try {
      if (fs.statSync(file).size > 256 * 1024) continue;
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (!/^#!.*\b(sh|bash|dash|ksh|zsh)\b/.test(text)) continue;
    out.push(...shellCommands(text));
  }
  return out;
}

/** RuntimeDirectory= entries as absolute paths: relative to /run, several per line, `dir:link` keeps `dir`. */
function runtimeDirectories(u: Unit): { dir: string; v: Value }[] {
  const out: { dir: string; v: Value }[] = [];
  for (const v of u.list('Service', 'RuntimeDirectory')) {
    for (const w of v.value.split(/\s+/).filter(Boolean)) {
      const d = w.split(':')[0].replace(/^\/+|\/+$/g, '');
      if (d) out.push({ dir: `/run/${d}`, v });
    }
  }
  return out;
}

/** TemporaryFileSystem= entries: a tmpfs in the unit's own mount namespace, gone when it stops. */
function temporaryFileSystems(u: Unit): { dir: string; v: Value }[] {
  const out: { dir: string; v: Value }[] = [];
  for (const v of u.list('Service', 'TemporaryFileSystem')) {
    for (const w of splitWords(v.value, { unquote: true })) {
      const d = w.text.split(':')[0];
      if (d.startsWith('/')) out.push({ dir: d, v });
    }
  }
  return out;
}

/** PrivateTmp=yes (or disconnected), or DynamicUser=yes, which forces it whatever PrivateTmp= says. */
function privateTmp(u: Unit): Value | undefined {
  const du = u.get('Service', 'DynamicUser');
  if (du && parseBoolean(du.value) === true) return du;
  const pt = u.get('Service', 'PrivateTmp');
  return pt && (parseBoolean(pt.value) === true || pt.value === 'disconnected') ? pt : undefined;
}

/** The unix socket paths the input's .socket units listen on. */
function socketPaths(project: Project): Map<string, Unit> {
  const out = new Map<string, Unit>();
  for (const s of project.inputUnits()) {
    if (s.type !== 'socket' || s.masked || !s.loadable) continue;
    for (const p of providedBy(s, project)) if (p.resource.kind === 'unix' && !out.has(canonicalPath(p.resource.path))) out.set(canonicalPath(p.resource.path), s);
  }
  return out;
}

/** The service's own socket units (same name, or Sockets=). */
function ownSockets(u: Unit, project: Project): Unit[] {
  const names = [`${u.name.slice(0, -'.service'.length)}.socket`];
  for (const v of u.list('Service', 'Sockets', { reset: false })) names.push(...v.value.split(/\s+/).filter(Boolean));
  return names.map((n) => project.resolve(n)).filter((s): s is Unit => !!s && s.type === 'socket');
}

export default defineRule({
  meta: {
    id: 'stale-unix-socket',
    severity: 'warning',
    category: 'resources',
    summary: 'A service binds a unix socket file that nothing removes after a crash: the next start fails with "Address already in use"',
    docs: `
## What it finds

A service that creates a unix socket file itself (\`--socket /run/app/app.sock\`, \`--listen unix:/run/app.sock\`,
\`SOCKET_PATH=\` in \`Environment=\`, …) where nothing removes the file when the service stops or crashes:

- the path is not under the service's own \`RuntimeDirectory=\` (systemd removes \`/run/<dir>\` whenever
  the service stops — but not with \`RuntimeDirectoryPreserve=yes\`, and not across automatic restarts
  with \`RuntimeDirectoryPreserve=restart\`);
- no \`.socket\` unit owns the path;
- it is not under \`/tmp\` or \`/var/tmp\` with \`PrivateTmp=yes\` (or \`DynamicUser=yes\`), nor under a
  \`TemporaryFileSystem=\` of the unit — those are made fresh for every start;
- no \`ExecStartPre=\` or \`ExecStopPost=\` removes it (\`rm -f PATH\`, \`rm -rf DIR\`, \`rm -f DIR/*.sock\`,
  \`unlink PATH\`, also inside \`sh -c '…'\` or a script of the tree).

What a service binds is read from its \`ExecStart=\` options and environment and from
\`# unitlint: serves=/run/app.sock\` comments; the \`ExecStart=\` of a \`Type=oneshot\` service is not read (it
must exit before the unit is up, so a \`--socket\` there is the server it connects to). Abstract sockets
(\`@name\`) have no file and are not reported.

## Why it bites

A process that is killed (a crash, \`SIGKILL\` after \`TimeoutStopSec=\`, the OOM killer) cannot unlink its
socket, and a unix socket file outlives every process that had it open. On the next start \`bind()\`
finds the file and fails with \`EADDRINUSE\` ("Address already in use"); with \`Restart=\` the service
restarts into the same failure until the start limit leaves it failed. Programs that unlink a leftover
file before \`bind()\` avoid that, but then a second copy — another instance, or a manual run — silently
takes the path over and the running one becomes unreachable.

## How to fix

Put the socket under the service's \`RuntimeDirectory=\`, which systemd empties on every stop, or let a
\`.socket\` unit own the path, or remove the file before each start:

\`\`\`ini
[Service]
RuntimeDirectory=app
ExecStart=/usr/bin/app --socket /run/app/app.sock
# or, keeping the old path:
ExecStartPre=-/bin/rm -f /run/app.sock
\`\`\`
`,
  },
  check(ctx) {
    const { project, where } = ctx;
    const owned = socketPaths(project);
    const services = project
      .inputUnits()
      .filter((u) => u.type === 'service' && !u.masked && u.loadable && !u.partial && !!u.fragment && u.instance !== '');
    for (const u of services) {
      // A Type=oneshot service is up only once ExecStart= has exited, so a server there would hold its
      // start job forever: a --socket there names the far end of a connection (mysqlcheck --socket=…).
      const oneshot = u.get('Service', 'Type')?.value === 'oneshot' || !!u.unknownAt('Service', 'Type');
      const sockets = providedBy(u, project).filter((p) => p.resource.kind === 'unix' && !p.resource.path.startsWith('@') && (!oneshot || p.how.startsWith('comment ')));
      if (!sockets.length) continue;
      // Settings the input defines but unitlint cannot know could clean the socket up: not judged.
      if (u.unknownAt('Service', 'RuntimeDirectory', 'RuntimeDirectoryPreserve', 'PrivateTmp', 'DynamicUser', 'TemporaryFileSystem', 'ExecStartPre', 'ExecStopPost', 'Sockets')) continue;
      if (ownSockets(u, project).some((s) => s.unknownAt('Socket', 'ListenStream', 'ListenDatagram', 'ListenSequentialPacket'))) continue;
      const rtDirs = runtimeDirectories(u);
      const preserve = u.get('Service', 'RuntimeDirectoryPreserve');
      const preserveMode = !preserve ? 'no' : preserve.value === 'restart' ? 'restart' : parseBoolean(preserve.value) === true ? 'yes' : 'no';
      const tmpfs = temporaryFileSystems(u);
      const ptmp = privateTmp(u);
      const removals = cleanups(u, project, ['ExecStartPre', 'ExecStopPost']);
      const onStop = cleanups(u, project, ['ExecStop']);
      const seen = new Set<string>();
      for (const p of sockets) {
        if (p.resource.kind !== 'unix') continue;
        const path = canonicalPath(p.resource.path);
        if (seen.has(path) || path.includes('$')) continue; // a path still holding a variable is not known
        seen.add(path);
        if (owned.has(path)) continue;
        if (ptmp && (under(path, '/tmp') || under(path, '/var/tmp'))) continue;
        if (tmpfs.some((t) => under(path, t.dir))) continue;
        if (removals.some((c) => removes(c.removal.target, c.removal.recursive, path))) continue;
        const rt = rtDirs.find((d) => under(path, d.dir));
        if (rt && preserveMode === 'no') continue;

        const pol = restartPolicy(u);
        const restarting = pol.mode !== 'no' && !!pol.restart && !pol.unknown;
        const related: RelatedLocation[] = [];
        let why: string;
        if (rt) {
          const rtAt = where(assignmentLocation(rt.v.at));
          const pAt = where(assignmentLocation(preserve!.at));
          related.push({ message: `RuntimeDirectory=${rt.v.value}`, location: assignmentLocation(rt.v.at) });
          related.push({ message: `RuntimeDirectoryPreserve=${preserve!.value}`, location: assignmentLocation(preserve!.at) });
          // systemd keeps a RuntimeDirectoryPreserve=restart folder when the service will start again right
          // away: an automatic restart, or a queued start (systemctl restart) — not after a plain crash.
          why = preserveMode === 'yes'
            ? `It is under RuntimeDirectory=${rt.v.value} (${rtAt}), but RuntimeDirectoryPreserve=yes (${pAt}) keeps ${rt.dir} when the service stops`
            : `It is under RuntimeDirectory=${rt.v.value} (${rtAt}), but RuntimeDirectoryPreserve=restart (${pAt}) keeps ${rt.dir} when the service is about to start again` +
              (restarting ? ', so after a crash the file is still there for the automatic restart' : ': a systemctl restart whose stop had to SIGKILL the process leaves the file for the start that follows');
        } else if (rtDirs.length) {
          related.push({ message: `RuntimeDirectory=${rtDirs[0].v.value}`, location: assignmentLocation(rtDirs[0].v.at) });
          why = `It is not under the service's RuntimeDirectory= (${rtDirs.map((d) => d.dir).join(', ')}, ${where(assignmentLocation(rtDirs[0].v.at))}), no .socket unit owns it, and no ExecStartPre=/ExecStopPost= removes it`;
        } else {
          why = `The service has no RuntimeDirectory= that systemd would empty on stop, no .socket unit owns the path, and no ExecStartPre=/ExecStopPost= removes it`;
        }
        if ((under(path, '/tmp') || under(path, '/var/tmp')) && !ptmp) why += ` (and PrivateTmp= is off, so ${path.startsWith('/tmp/') ? '/tmp' : '/var/tmp'} is the host's)`;
        const stop = onStop.find((c) => removes(c.removal.target, c.removal.recursive, path));
        if (stop) {
          why += `; ExecStop= removes it (${where(assignmentLocation(stop.at))}), but ExecStop= only runs when the service is stopped, not when it crashes or is killed`;
          related.push({ message: `ExecStop=${stop.at.value}: not run after a crash`, location: assignmentLocation(stop.at) });
        }
        if (restarting) related.push({ message: `Restart=${pol.mode}: it restarts into the same bind() failure`, location: assignmentLocation(pol.restart!.at) });
        const outcome = restarting
          ? `with Restart=${pol.mode} (${where(assignmentLocation(pol.restart!.at))}) it restarts into the same failure until the start limit leaves it failed`
          : `the service stays failed until someone removes the file`;
        const top = /^\/run\/([^/]+)\/[^/]+$/.exec(path);
        const stem = u.name.slice(0, -'.service'.length);
        const move = top
          ? `add RuntimeDirectory=${top[1]} (systemd creates /run/${top[1]} before the start and empties it on every stop)`
          : `move it under a RuntimeDirectory= (e.g. RuntimeDirectory=${stem} and /run/${stem}/${path.slice(path.lastIndexOf('/') + 1)})`;
        ctx.report({
          unit: u.name,
          location: p.at,
          related,
          message:
            `${u.name} binds the unix socket ${path} (${p.how}, ${where(p.at)}). ${why}. ` +
            `After a crash or a SIGKILL the socket file stays: the next start's bind() fails with "Address already in use" (EADDRINUSE) and ${outcome}. ` +
            `If the program unlinks a leftover file itself, a second copy (another instance, a manual run) silently takes the path over instead.`,
          fix: rt
            ? `Drop RuntimeDirectoryPreserve=${preserve!.value} so systemd empties ${rt.dir} on every stop, or add ExecStartPre=-/bin/rm -f ${path}.`
            : stop
              ? `Move the removal from ExecStop= to ExecStopPost= (which also runs after a crash), or add ExecStartPre=-/bin/rm -f ${path}; or ${move}.`
              : `${move[0].toUpperCase()}${move.slice(1)}, let a .socket unit own ${path}, or add ExecStartPre=-/bin/rm -f ${path}.`,
        });
      }
    }
  },
});
