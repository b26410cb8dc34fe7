/**
 * Parser for systemd unit files and drop-ins, faithful to systemd.syntax(7) and to
 * src/shared/conf-parser.c (systemd 252):
 *
 * - lines are read whole; a line whose last character is an unescaped backslash continues on the
 *   next line, the backslash being replaced by a single space;
 * - comment lines (`#` or `;` after leading white space) inside a continuation are skipped, a blank
 *   line ends it, and a comment line never starts one (checked against systemd-analyze verify);
 * - leading/trailing white space of every logical line, key and value is stripped;
 * - `[Section]` headers must end with `]` — anything else is an invalid header, which makes
 *   systemd refuse the whole file;
 * - `Key=Value` assignments; no `=` or no key is an error (the line is ignored);
 * - assignments before the first section are ignored; so is every line of an unknown section;
 * - a UTF-8 byte order mark at the start is dropped; invalid UTF-8 makes systemd skip the line.
 *
 * The generic parser does not interpret quotes: each directive's own parser does (see words.ts).
 * Positions are 1-based; `endColumn` is exclusive.
 */

export interface Assignment {
  key: string;
  /** The value after stripping and joining continuation lines. */
  value: string;
  section: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Column of the first character of the value on `line` (the column after `=` when the value is empty). */
  valueColumn: number;
  /** Column just past the key. */
  keyEndColumn: number;
}

export interface Section {
  name: string;
  file: string;
  line: number;
  column: number;
  endColumn: number;
  assignments: Assignment[];
}

export interface CommentLine {
  text: string;
  line: number;
  column: number;
}

export interface ParseDiagnostic {
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** True when systemd refuses to load the whole file because of it. */
  fatal: boolean;
}

export interface ParsedUnitFile {
  file: string;
  sections: Section[];
  comments: CommentLine[];
  diagnostics: ParseDiagnostic[];
  /** Number of physical lines. */
  lineCount: number;
}

const WS = /^[ \t\n\r]*/;

function isBlankOrComment(s: string): boolean {
  const t = s.replace(WS, '');
  return t === '' || t[0] === '#' || t[0] === ';';
}

/** True when the line ends in a backslash that is not itself escaped (conf-parser's `escaped` scan). */
function endsWithContinuation(s: string): boolean {
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s.charCodeAt(i) === 92 /* \ */) escaped = true;
  }
  return escaped;
}

/** Leading white space length (systemd's WHITESPACE is " \t\n\r"). */
function leadingWs(s: string): number {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\r' || s[i] === '\n')) i++;
  return i;
}

function trailingTrimmedLength(s: string): number {
  let e = s.length;
  while (e > 0 && (s[e - 1] === ' ' || s[e - 1] === '\t' || s[e - 1] === '\r' || s[e - 1] === '\n')) e--;
  return e;
}

/** string_is_safe(): no control characters, no quotes, backslashes or spaces-only weirdness. */
function sectionNameIsSafe(n: string): boolean {
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c < 32 || c === 127) return false;
    if (n[i] === '\\' || n[i] === '"' || n[i] === "'") return false;
  }
  return true;
}

export interface ParseOptions {
  /**
   * Sections the unit type reads. When given, assignments in other sections are ignored (and reported
   * by the caller, since only it knows the unit type); the parser still records them so that rules can
   * say "this key belongs in [Unit]". Sections starting with `X-` are always accepted silently.
   */
  knownSections?: readonly string[];
}

/**
 * Parses unit-file text. Never throws. Unknown sections are kept (with their assignments) so that
 * rules can report on them; `sectionIgnored` marks them.
 */
export function parseUnitText(file: string, text: string): ParsedUnitFile {
  const out: ParsedUnitFile = { file, sections: [], comments: [], diagnostics: [], lineCount: 0 };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  out.lineCount = lines.length;

  let current: Section | null = null;
  let outsideReported = false;

  // Continuation state.
  let cont: string | null = null;
  let contStartLine = 0;
  let contStartOffset = 0; // column offset (0-based) of the logical line's first char on its first physical line

  const diag = (message: string, line: number, column: number, endLine: number, endColumn: number, isFatal = false) => {
    out.diagnostics.push({ message, line, column, endLine, endColumn, fatal: isFatal });
  };

  const handleLogical = (logical: string, firstLine: number, lastLine: number, lastLineText: string) => {
    // `logical` is the raw joined text (continuation backslashes already replaced by spaces).
    const lead = leadingWs(logical);
    const end = trailingTrimmedLength(logical);
    if (lead >= end) return;
    const l = logical.slice(lead, end);
    const col = contStartOffset + lead + 1;
    const endLine = lastLine;
    const endColumn = firstLine === lastLine ? contStartOffset + end + 1 : trailingTrimmedLength(lastLineText) + 1;

    if (l.includes('\uFFFD')) {
      diag('Invalid UTF-8 in this line; systemd ignores the line.', firstLine, col, endLine, endColumn);
      return;
    }
    if (l[0] === '#' || l[0] === ';') {
      out.comments.push({ text: l, line: firstLine, column: col });
      return;
    }
    if (l.startsWith('.include ')) {
      diag('".include" is not supported by systemd any more; use drop-in files (foo.service.d/*.conf).', firstLine, col, endLine, endColumn);
      return;
    }
    if (l[0] === '[') {
      if (l[l.length - 1] !== ']') {
        diag(`Invalid section header '${l}': a header must be '[Name]' alone on its line. systemd refuses to load this file.`, firstLine, col, endLine, endColumn, true);
        current = null;
        outsideReported = true; // lines under a broken header are not 'outside any section'
        return;
      }
      const name = l.slice(1, -1);
      if (!sectionNameIsSafe(name)) {
        diag(`Bad characters in section header '${l}'. systemd refuses to load this file.`, firstLine, col, endLine, endColumn, true);
        current = null;
        outsideReported = true; // lines under a broken header are not 'outside any section'
        return;
      }
      current = { name, file, line: firstLine, column: col, endColumn, assignments: [] };
      out.sections.push(current);
      return;
    }
    if (!current) {
      if (!outsideReported) {
        diag('Assignment outside of any section; systemd ignores it. Add a section header such as [Unit] above it.', firstLine, col, endLine, endColumn);
        outsideReported = true;
      }
      return;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      diag(`Missing '=' in '${truncate(l)}'; systemd ignores this line.`, firstLine, col, endLine, endColumn);
      return;
    }
    if (eq === 0) {
      diag("Missing key name before '='; systemd ignores this line.", firstLine, col, endLine, endColumn);
      return;
    }
    const rawKey = l.slice(0, eq);
    const key = rawKey.slice(0, trailingTrimmedLength(rawKey));
    const rawVal = l.slice(eq + 1);
    const vLead = leadingWs(rawVal);
    const value = rawVal.slice(vLead, trailingTrimmedLength(rawVal));
    const valueColumn = firstLine === lastLine || lead + eq + 1 + vLead < logicalFirstLineLength ? col + eq + 1 + vLead : col + eq + 1;
    (current as Section).assignments.push({
      key,
      value,
      section: (current as Section).name,
      file,
      line: firstLine,
      column: col,
      endLine,
      endColumn,
      valueColumn,
      keyEndColumn: col + key.length,
    });
  };

  let logicalFirstLineLength = 0;

  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i];
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const lineNo = i + 1;
    const first = raw.slice(leadingWs(raw))[0];
    const isComment = first === '#' || first === ';';
    if (cont !== null) {
      // Inside a continuation, comment lines are skipped; a blank line ends it (verified against
      // systemd-analyze verify of systemd 252, see test/parser.test.ts).
      if (isComment) continue;
      const joined: string = cont + raw;
      if (raw.trim() !== '' && endsWithContinuation(joined)) {
        cont = joined.slice(0, -1) + ' ';
        continue;
      }
      cont = null;
      handleLogical(joined, contStartLine, raw.trim() === '' ? lineNo - 1 : lineNo, raw.trim() === '' ? (lines[i - 1] ?? '') : raw);
      continue;
    }
    logicalFirstLineLength = raw.length;
    contStartOffset = 0;
    // A comment line never continues, even when it ends in a backslash.
    if (!isComment && endsWithContinuation(raw)) {
      cont = raw.slice(0, -1) + ' ';
      contStartLine = lineNo;
      continue;
    }
    handleLogical(raw, lineNo, lineNo, raw);
  }
  if (cont !== null) {
    const lastText = lines[lines.length - 1] ?? '';
    handleLogical(cont, contStartLine, lines.length, lastText);
  }
  return out;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** True when a diagnostic makes systemd refuse the file. */
export function hasFatalDiagnostic(p: ParsedUnitFile): boolean {
  return p.diagnostics.some((d) => d.fatal);
}
