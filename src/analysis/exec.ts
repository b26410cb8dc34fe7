/**
 * systemd command lines (systemd.service(5), "Command lines"), parsed as config_parse_exec() does
 * (src/core/load-fragment.c):
 *
 * - the value is split into words with extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE);
 * - a lone `;` word separates commands; `\;` is a literal `;` argument;
 * - the first word of a command may start with the prefixes `-` (ignore failure), `@` (the second
 *   word is argv[0]), `:` (no environment expansion), `+` (full privileges), `!` / `!!` (no setuid /
 *   ambient capabilities) and `|` (run through the user's shell, systemd 257); each at most once;
 * - specifiers are expanded per word, after splitting (so a specifier that expands to white space
 *   does not split a word);
 * - `$VAR` / `${VAR}` environment references are left as written: they are resolved when the command
 *   runs, against Environment=/EnvironmentFile=, which callers may resolve themselves.
 */
import type { Assignment } from '../sources/unitfile/parser.js';
import type { Unit } from '../model/unit.js';
import { splitWords } from '../sources/unitfile/words.js';

export type ExecKey = 'ExecCondition' | 'ExecStartPre' | 'ExecStart' | 'ExecStartPost' | 'ExecReload' | 'ExecStop' | 'ExecStopPost';

export interface ExecCommand {
  /**
   * The command: argv[0] is the executable path (after the prefixes), then the arguments; specifiers
   * expanded when an expander was given (execCommands() always gives the unit's), `$VAR` kept as written.
   * With the `@` prefix, the second word of the line (the argv[0] the process sees) is in `argv0`,
   * not in `argv`.
   */
  argv: string[];
  /** With the `@` prefix: the argv[0] passed to the process. */
  argv0?: string;
  /** The `-` prefix: a failing exit status is ignored. */
  ignoreFailure: boolean;
  /** The prefix characters as written, in order ('' when none): e.g. "-", "+", "!!", "-@". */
  prefixes: string;
  /** The `:` prefix: no environment variable expansion. */
  noEnvExpand: boolean;
  /**
   * Where each element of argv starts, as an offset into the value that was parsed (for
   * execCommands(): `at.value`, the raw, unexpanded value), so that `wordLocation(at, offsets[i], ends[i])`
   * points at it. For argv[0] the offset is past the prefixes.
   */
  offsets: number[];
  /** Where each element of argv ends (exclusive offset into the same value). */
  ends: number[];
  at: Assignment;
}

/**
 * Parses one Exec*= value into its commands. `expand` is applied to each word after splitting
 * (pass the unit's specifier expansion; identity by default).
 */
export function parseExecValue(value: string, at: Assignment, expand: (s: string) => string = (s) => s): ExecCommand[] {
  const words = splitWords(value, { unquote: true, cunescape: true });
  const out: ExecCommand[] = [];
  let i = 0;
  while (i < words.length) {
    const first = words[i];
    i++;
    // A lone ';' (quoted or not, systemd compares the unquoted word) where a command would start.
    if (first.text === ';') continue;
    // Prefixes, as config_parse_exec() accepts them: each at most once, '+' and '!'/'!!' exclusive.
    let f = first.text;
    let ignoreFailure = false, separateArgv0 = false, noEnv = false, privileged = false, noSetuid = false, ambient = false, shell = false;
    let n = 0;
    for (;;) {
      const c = f[n];
      if (c === '-' && !ignoreFailure) ignoreFailure = true;
      else if (c === '@' && !separateArgv0) separateArgv0 = true;
      else if (c === ':' && !noEnv) noEnv = true;
      else if (c === '+' && !privileged && !noSetuid && !ambient) privileged = true;
      else if (c === '!' && !privileged && !noSetuid && !ambient) noSetuid = true;
      else if (c === '!' && noSetuid && !ambient) {
        noSetuid = false;
        ambient = true;
      } else if (c === '|' && !shell) shell = true;
      else break;
      n++;
    }
    const prefixes = f.slice(0, n);
    f = f.slice(n);
    // Offset of the path: past an opening quote, then past the prefix characters.
    const rawFirst = value.slice(first.start, first.end);
    const quoteSkip = rawFirst[0] === '"' || rawFirst[0] === "'" ? 1 : 0;
    const argv: string[] = [expand(f)];
    const offsets: number[] = [first.start + (n ? quoteSkip + n : 0)];
    const ends: number[] = [first.end];
    let argv0: string | undefined;
    let argv0Pending = separateArgv0;
    while (i < words.length) {
      const w = words[i];
      const raw = value.slice(w.start, w.end);
      if (raw === ';') {
        i++;
        break;
      }
      i++;
      // '\;' is a literal ';' argument (systemd checks for it before unquoting).
      const text = raw === '\\;' ? ';' : expand(w.text);
      if (argv0Pending) {
        argv0 = text;
        argv0Pending = false;
        continue;
      }
      argv.push(text);
      offsets.push(w.start);
      ends.push(w.end);
    }
    if (!f) continue; // an empty path: systemd rejects the command
    out.push({ argv, argv0, ignoreFailure, prefixes, noEnvExpand: noEnv, offsets, ends, at });
  }
  return out;
}

const commandCache = new WeakMap<Unit, Map<ExecKey, ExecCommand[]>>();

/**
 * The effective commands of one Exec*= setting of a service: every assignment in order, an empty one
 * resetting the list. Parsed once per unit and key (many rules ask); callers must not mutate the result.
 */
export function execCommands(u: Unit, key: ExecKey): ExecCommand[] {
  let m = commandCache.get(u);
  if (!m) commandCache.set(u, (m = new Map()));
  let out = m.get(key);
  if (!out) {
    out = [];
    for (const v of u.list('Service', key)) out.push(...parseExecValue(v.at.value, v.at, (s) => u.expandValue(s)));
    m.set(key, out);
  }
  return out;
}

/** The program name of a command: the basename of argv[0]. */
export function programName(cmd: { argv: string[] }): string {
  const p = cmd.argv[0] ?? '';
  return p.slice(p.lastIndexOf('/') + 1);
}
