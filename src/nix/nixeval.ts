/**
 * The opt-in `--nix-eval FLAKEREF#HOST` path: asks Nix itself for a NixOS host's `systemd.units`
 * and `systemd.user.units`, and turns the exact unit texts into VirtualUnits. Each unit's text is
 * parsed as a virtual file `nix-eval:HOST/UNIT` (user units: `nix-eval:HOST/user/UNIT`);
 * `mapToStatic` then points assignments back at the `.nix` lines the static front end found for
 * them, where it can.
 *
 * Nothing here throws for a user error: a bad reference, a missing `nix`, a failing evaluation, a
 * timeout or unexpected output become `problems`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Location } from '../types.js';
import type { Assignment, ParsedUnitFile, Section } from '../sources/unitfile/parser.js';
import { parseUnitText } from '../sources/unitfile/parser.js';
import type { LinkKind } from '../model/unit.js';
import type { VirtualLink, VirtualUnit } from './systemd.js';

export interface NixEvalResult {
  units: VirtualUnit[];
  problems: { message: string }[];
}

export interface NixEvalOptions {
  /** Folder relative flake references (`.#web1`) are resolved from. */
  cwd: string;
  /** Default 5 minutes. */
  timeoutMs?: number;
  /** Default `nix` (looked up on PATH). */
  nixBin?: string;
  /** Extra arguments given to nix before `eval` (e.g. `['--store', '/tmp/store']`). */
  extraArgs?: string[];
}

/** Prefix of the virtual files evaluated unit texts are parsed as. */
export const NIX_EVAL_PREFIX = 'nix-eval:';

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;
const MAX_OUTPUT = 512 * 1024 * 1024;

/**
 * Applied to `nixosConfigurations.HOST.config.systemd`: only the fields unitlint needs, so that Nix
 * evaluates the unit texts and install lists and never builds the unit derivations.
 */
export const NIX_APPLY_EXPR = `s: let
  pick = n: u: let
    t = builtins.tryEval (let x = u.text or null; in if x == null then null else builtins.unsafeDiscardStringContext x);
  in {
    text = if t.success then t.value else null;
    textFailed = !t.success;
    enable = u.enable or true;
    wantedBy = u.wantedBy or [];
    requiredBy = u.requiredBy or [];
    upheldBy = u.upheldBy or [];
    aliases = u.aliases or [];
    overrideStrategy = u.overrideStrategy or "asDropinIfExists";
  };
in {
  system = builtins.mapAttrs pick (s.units or {});
  user = builtins.mapAttrs pick (s.user.units or {});
}`;

export interface NixRef {
  flake: string;
  host: string;
}

/** Splits `FLAKEREF#HOST` (`.#web1`, `/abs#web1`, `path:./x#web1`, `github:o/r?dir=d#web1`). */
export function parseNixRef(ref: string): NixRef | { error: string } {
  const i = ref.indexOf('#');
  if (i < 0) return { error: `--nix-eval needs FLAKEREF#HOST (e.g. .#web1), not '${ref}': the '#HOST' part naming the nixosConfigurations entry is missing.` };
  const flake = ref.slice(0, i).trim() || '.';
  let host = ref.slice(i + 1).trim();
  if (host.startsWith('nixosConfigurations.')) host = host.slice('nixosConfigurations.'.length);
  if (host.length > 1 && host.startsWith('"') && host.endsWith('"')) host = host.slice(1, -1);
  if (!host) return { error: `--nix-eval needs FLAKEREF#HOST (e.g. .#web1), not '${ref}': the host name after '#' is empty.` };
  return { flake, host };
}

/** An attribute name as the nix CLI's attribute paths want it (quoted unless a plain identifier). */
function attrName(n: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(n) ? n : JSON.stringify(n);
}

/** The argument vector given to nix (without the binary). */
export function nixEvalArgs(r: NixRef, extraArgs: string[] = []): string[] {
  return [
    '--extra-experimental-features', 'nix-command flakes',
    ...extraArgs,
    'eval', '--json', '--no-write-lock-file',
    `${r.flake}#nixosConfigurations.${attrName(r.host)}.config.systemd`,
    '--apply', NIX_APPLY_EXPR,
  ];
}

interface RunOutcome {
  stdout: string;
  stderr: string;
  error?: { message: string; code?: string | number | null; killed?: boolean; signal?: string | null };
}

function run(bin: string, args: string[], cwd: string, timeoutMs: number): Promise<RunOutcome> {
  return new Promise((resolve) => {
    try {
      execFile(bin, args, { cwd, timeout: timeoutMs, maxBuffer: MAX_OUTPUT, encoding: 'utf8', windowsHide: true }, (error, stdout, stderr) => {
        const err = error ? { message: error.message, code: error.code as string | number | null | undefined, killed: error.killed, signal: error.signal ?? null } : undefined;
        resolve({ stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: err });
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      resolve({ stdout: '', stderr: '', error: { message: err.message, code: err.code } });
    }
  });
}

function lastLines(s: string, n = 12): string {
  const lines = s.split('\n').map((l) => l.replace(/\s+$/, '')).filter((l) => l !== '');
  return lines.slice(-n).join('\n');
}

/** Hints for failures users commonly hit. */
function hints(stderr: string, r: NixRef): string[] {
  const out: string[] = [];
  if (/\/nix\/store\/[a-z0-9]{32}-source\/[^']*': No such file or directory/.test(stderr) && !r.flake.startsWith('path:')) {
    out.push(`Nix copies only the files git tracks when the flake is in a git repository: 'git add' the new files, or use a path: reference (e.g. path:${r.flake}#${r.host}).`);
  }
  if (/daemon-socket|\/nix\/var\/nix\/[^\n]*(Permission denied|read-only)|cannot open connection to remote store/i.test(stderr)) {
    out.push('Nix cannot use its store: run as a user that can reach the nix daemon, or point NIX_REMOTE at a store folder you can write (e.g. NIX_REMOTE=$HOME/.cache/unitlint-nix-store).');
  }
  if (/experimental Nix feature|unrecognised flag|unrecognized option/i.test(stderr)) {
    out.push('--nix-eval needs Nix 2.4 or newer (flakes and the nix-command CLI).');
  }
  return out;
}

interface EvalRecord {
  text: string | null;
  textFailed: boolean;
  enable: boolean;
  wantedBy: string[];
  requiredBy: string[];
  upheldBy: string[];
  aliases: string[];
  overrideStrategy: string;
}

const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function toRecord(v: unknown): EvalRecord | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (!(o.text === null || typeof o.text === 'string')) return undefined;
  if (typeof o.enable !== 'boolean' || typeof o.overrideStrategy !== 'string') return undefined;
  if (!isStrList(o.wantedBy) || !isStrList(o.requiredBy) || !isStrList(o.upheldBy) || !isStrList(o.aliases)) return undefined;
  return {
    text: o.text, textFailed: o.textFailed === true, enable: o.enable, wantedBy: o.wantedBy, requiredBy: o.requiredBy,
    upheldBy: o.upheldBy, aliases: o.aliases, overrideStrategy: o.overrideStrategy,
  };
}

/** The virtual file an evaluated unit's text is parsed as. */
export function virtualFile(host: string, scope: 'system' | 'user', unit: string): string {
  return `${NIX_EVAL_PREFIX}${host}/${scope === 'user' ? 'user/' : ''}${unit}`;
}

function firstLine(file: string, text: string): Location {
  const first = text.split('\n', 1)[0].replace(/\r$/, '');
  return { file, line: 1, column: 1, endLine: 1, endColumn: first.length + 1 };
}

/** Converts one evaluated unit (exported for tests and for callers that run nix themselves). */
export function convertEvalUnit(host: string, scope: 'system' | 'user', name: string, rec: EvalRecord): VirtualUnit {
  const file = virtualFile(host, scope, name);
  const text = rec.text ?? '';
  const at = firstLine(file, text);
  const parsed: ParsedUnitFile = rec.text === null
    ? { file, sections: [], comments: [], diagnostics: [], lineCount: 0 }
    : parseUnitText(file, rec.text);
  // NixOS makes `aliases` symlinks; like the static front end, show them as [Install] Alias=.
  const aliases = rec.aliases.filter((a) => !parsed.sections.some((s) => s.name === 'Install' && s.assignments.some((x) => x.key === 'Alias' && x.value.split(/\s+/).includes(a))));
  if (aliases.length) {
    let inst = parsed.sections.find((s) => s.name === 'Install');
    if (!inst) parsed.sections.push((inst = { name: 'Install', file, line: at.line, column: 1, endColumn: 1, assignments: [] }));
    for (const a of aliases) {
      inst.assignments.push({ key: 'Alias', value: a, section: 'Install', file, line: 1, column: 1, endLine: 1, endColumn: at.endColumn, valueColumn: 1, keyEndColumn: 1 });
    }
  }
  const links: VirtualLink[] = [];
  for (const [list, kind] of [[rec.wantedBy, 'wants'], [rec.requiredBy, 'requires'], [rec.upheldBy, 'upholds']] as [string[], LinkKind][]) {
    for (const owner of list) links.push({ owner, kind, target: name, location: { ...at } });
  }
  const vu: VirtualUnit = {
    name,
    scope,
    parsed,
    asDropin: rec.text === null || rec.overrideStrategy === 'asDropin',
    links,
    unknowns: new Map(),
    at,
  };
  if (!rec.enable) vu.masked = { ...at };
  return vu;
}

/** Converts the JSON nix printed; malformed parts become problems. */
export function convertEvalJson(host: string, json: unknown): NixEvalResult {
  const units: VirtualUnit[] = [];
  const problems: { message: string }[] = [];
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    return { units, problems: [{ message: 'nix eval printed JSON of an unexpected shape (expected { system, user }).' }] };
  }
  const top = json as Record<string, unknown>;
  for (const scope of ['system', 'user'] as const) {
    const set = top[scope];
    if (set === undefined) continue;
    if (!set || typeof set !== 'object' || Array.isArray(set)) {
      problems.push({ message: `nix eval printed an unexpected value for the ${scope} units.` });
      continue;
    }
    for (const name of Object.keys(set).sort()) {
      const rec = toRecord((set as Record<string, unknown>)[name]);
      if (!rec) {
        problems.push({ message: `nix eval printed an unexpected value for ${scope === 'user' ? 'user unit' : 'unit'} ${name}; skipped.` });
        continue;
      }
      if (rec.textFailed) {
        problems.push({ message: `Evaluating the text of ${scope === 'user' ? 'systemd.user.units' : 'systemd.units'}."${name}" failed (a throw or an assertion); only its links are checked.` });
      }
      units.push(convertEvalUnit(host, scope, name, rec));
    }
  }
  return { units, problems };
}

/**
 * Evaluates `FLAKEREF#HOST`'s systemd units with Nix. Never throws for user errors: they come back
 * as problems (with no units).
 */
export async function evalNixHost(ref: string, opts: NixEvalOptions): Promise<NixEvalResult> {
  const r = parseNixRef(ref);
  if ('error' in r) return { units: [], problems: [{ message: r.error }] };
  if (!existsSync(opts.cwd)) return { units: [], problems: [{ message: `--nix-eval: the working folder ${opts.cwd} does not exist.` }] };
  const bin = opts.nixBin ?? 'nix';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const out = await run(bin, nixEvalArgs(r, opts.extraArgs), opts.cwd, timeoutMs);
  if (out.error) {
    const e = out.error;
    if (e.code === 'ENOENT' && !out.stderr) return { units: [], problems: [{ message: 'nix is not installed; --nix-eval needs it' + (opts.nixBin ? ` (tried '${opts.nixBin}')` : '') + '.' }] };
    if (e.killed || (e.signal && !e.code)) {
      const secs = Math.round(timeoutMs / 1000);
      return { units: [], problems: [{ message: e.killed ? `nix eval of ${ref} did not finish within ${secs} s and was stopped.` : `nix eval of ${ref} was stopped by signal ${e.signal}.` }] };
    }
    if (e.code === 'ENOBUFS' || /maxBuffer/i.test(e.message)) return { units: [], problems: [{ message: `nix eval of ${ref} printed more than ${MAX_OUTPUT / 1024 / 1024} MiB.` }] };
    const tail = lastLines(out.stderr);
    const code = typeof e.code === 'number' ? `exit status ${e.code}` : e.code ? String(e.code) : 'an error';
    const msg = [`nix eval of ${ref} failed (${code})${tail ? ':' : '.'}`, tail, ...hints(out.stderr, r)].filter(Boolean).join('\n');
    return { units: [], problems: [{ message: msg }] };
  }
  let json: unknown;
  try {
    json = JSON.parse(out.stdout);
  } catch (e) {
    const head = out.stdout.slice(0, 200);
    return { units: [], problems: [{ message: `nix eval of ${ref} printed invalid JSON (${(e as Error).message}): ${JSON.stringify(head)}` }] };
  }
  return convertEvalJson(r.host, json);
}

// ---------------------------------------------------------------------------------------------
// Mapping evaluated units back to the .nix lines the static front end found.

type AssignmentLoc = Pick<Assignment, 'file' | 'line' | 'column' | 'endLine' | 'endColumn' | 'valueColumn' | 'keyEndColumn'>;

function locOf(a: Assignment): AssignmentLoc {
  return { file: a.file, line: a.line, column: a.column, endLine: a.endLine, endColumn: a.endColumn, valueColumn: a.valueColumn, keyEndColumn: a.keyEndColumn };
}

function cloneParsed(p: ParsedUnitFile): ParsedUnitFile {
  return {
    file: p.file,
    sections: p.sections.map((s): Section => ({ ...s, assignments: s.assignments.map((a) => ({ ...a })) })),
    comments: p.comments.map((c) => ({ ...c })),
    diagnostics: p.diagnostics.map((d) => ({ ...d })),
    lineCount: p.lineCount,
  };
}

/** Rewrites the locations of `evalAs` (already clones) to the matching static assignments. */
function mapAssignments(evalAs: Assignment[], staticAs: Assignment[]): void {
  const byKey = (as: Assignment[]) => {
    const m = new Map<string, Assignment[]>();
    for (const a of as) {
      const k = `${a.section}\u0000${a.key}`;
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(a);
    }
    return m;
  };
  const ev = byKey(evalAs);
  const st = byKey(staticAs);
  for (const [k, es] of ev) {
    const ss = st.get(k);
    if (!ss) continue;
    const used = new Set<Assignment>();
    const matched = new Set<Assignment>();
    // 1. same section, key and value.
    for (const e of es) {
      const s = ss.find((x) => !used.has(x) && x.value === e.value);
      if (!s) continue;
      used.add(s);
      matched.add(e);
      Object.assign(e, locOf(s));
    }
    // 2. same section and key: the k-th remaining occurrence to the k-th remaining one.
    const restE = es.filter((e) => !matched.has(e));
    const restS = ss.filter((s) => !used.has(s));
    for (let i = 0; i < restE.length && i < restS.length; i++) Object.assign(restE[i], locOf(restS[i]));
  }
}

function mapLinks(evalLinks: VirtualLink[], staticLinks: VirtualLink[]): VirtualLink[] {
  const used = new Set<VirtualLink>();
  return evalLinks.map((l) => {
    const s = staticLinks.find((x) => !used.has(x) && x.owner === l.owner && x.kind === l.kind && x.target === l.target);
    if (!s) return { ...l, location: { ...l.location } };
    used.add(s);
    return { ...l, location: { ...s.location } };
  });
}

/**
 * For every evaluated unit the static front end also derived (same name and scope), points its
 * assignments, links, mask and `at` at the static unit's `.nix` locations. Returns new objects;
 * neither input is modified.
 */
export function mapToStatic(evalUnits: VirtualUnit[], staticUnits: VirtualUnit[]): VirtualUnit[] {
  const index = new Map<string, VirtualUnit>();
  for (const s of staticUnits) {
    const k = `${s.scope}\u0000${s.name}`;
    if (!index.has(k)) index.set(k, s);
  }
  return evalUnits.map((u) => {
    const parsed = cloneParsed(u.parsed);
    const s = index.get(`${u.scope}\u0000${u.name}`);
    const out: VirtualUnit = {
      ...u,
      parsed,
      links: u.links.map((l) => ({ ...l, location: { ...l.location } })),
      unknowns: new Map(u.unknowns),
      at: { ...u.at },
    };
    if (u.masked) out.masked = { ...u.masked };
    if (!s) return out;
    mapAssignments(parsed.sections.flatMap((x) => x.assignments), s.parsed.sections.flatMap((x) => x.assignments));
    out.links = mapLinks(u.links, s.links);
    out.at = { ...s.at };
    if (u.masked && s.masked) out.masked = { ...s.masked };
    return out;
  });
}
