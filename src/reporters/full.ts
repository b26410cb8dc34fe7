/**
 * The default, human reporter (rustc/ruff style): a header per finding, the location, a code frame with a
 * caret underline, the explanation lines, related locations with their own frames, the fix and the docs link.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding, Location, Severity } from '../types.js';
import { plural } from '../util/text.js';
import { RULE_DOCS_BASE, type ReportInput, type Reporter, type RunStats } from './types.js';

/** A tab in a source line is shown as this many spaces (rustc does the same); carets follow suit. */
export const TAB_WIDTH = 4;

/** Split a (possibly multi-line) message into lines, tolerating CRLF. */
export function messageLines(message: string): string[] {
  return message.split(/\r?\n/);
}

export function headline(message: string): string {
  return messageLines(message)[0];
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/**
 * `Found 3 problems (1 error, 1 warning, 1 info) in 4 files, 3 units (12 ms).` or
 * `No problems found in 4 files, 3 units (12 ms).` (plain text; callers colour it if they want).
 */
export function summaryLine(findings: readonly Finding[], stats: RunStats): string {
  const where = `in ${plural(stats.files, 'file')}, ${plural(stats.units, 'unit')} (${Math.round(stats.durationMs)} ms).`;
  if (findings.length === 0) return `No problems found ${where}`;
  const c = countBySeverity(findings);
  return (
    `Found ${plural(findings.length, 'problem')} ` +
    `(${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.info, 'info')}) ${where}`
  );
}

export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

export function severityColor(chalk: ChalkInstance, severity: Severity): ChalkInstance {
  return severity === 'error' ? chalk.red : severity === 'warning' ? chalk.yellow : chalk.blue;
}

/** Expand tabs to TAB_WIDTH spaces, returning the text and a map from UTF-16 index to display column (0-based). */
function expandTabs(line: string): { text: string; col: number[] } {
  const col: number[] = [];
  let text = '';
  for (let i = 0; i < line.length; i++) {
    col.push(text.length);
    text += line[i] === '\t' ? ' '.repeat(TAB_WIDTH) : line[i];
  }
  col.push(text.length);
  return { text, col };
}

/** Reads each file at most once per report; never throws. */
function sourceCache(input: ReportInput): (file: string) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      let text: string | undefined;
      try {
        text = input.readSource(file);
      } catch {
        text = undefined;
      }
      cache.set(file, text === undefined ? undefined : text.split(/\r?\n/));
    }
    return cache.get(file);
  };
}

/**
 * The code frame of a location's first line:
 *
 *       |
 *     3 | After=b.service
 *       |       ^^^^^^^^^
 *       |
 *
 * or, for related locations (`oneLine`), just the numbered source line. Returns [] when the source is
 * unavailable or the line is out of range.
 */
function codeFrame(
  chalk: ChalkInstance,
  caretColor: ChalkInstance,
  lines: string[] | undefined,
  loc: Location,
  oneLine = false,
): string[] {
  if (!lines || !Number.isInteger(loc.line) || loc.line < 1 || loc.line > lines.length) return [];
  const raw = lines[loc.line - 1];
  const { text, col } = expandTabs(raw);
  const len = raw.length;
  const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);
  const start = clamp(Number.isFinite(loc.column) ? Math.trunc(loc.column) : 1, 1, len + 1) - 1;
  const endCol = loc.endLine > loc.line ? len + 1 : Number.isFinite(loc.endColumn) ? Math.trunc(loc.endColumn) : len + 1;
  const end = clamp(endCol, start + 1, len + 1) - 1;
  const caretStart = col[start];
  const caretLen = Math.max(1, col[end] - caretStart);
  const num = String(loc.line);
  const pad = ' '.repeat(num.length);
  const bar = chalk.blue(`${pad} |`);
  const code = `${chalk.blue(`${num} |`)}${text === '' ? '' : ' ' + text}`;
  if (oneLine) return [code];
  return [
    bar,
    code,
    `${bar} ${' '.repeat(caretStart)}${caretColor('^'.repeat(caretLen))}`,
    bar,
  ];
}

function arrow(chalk: ChalkInstance, loc: Location): string {
  return `${chalk.blue(' -->')} ${loc.file}:${loc.line}:${loc.column}`;
}

/** `  = text` (or `  =` for an empty line). */
function eq(chalk: ChalkInstance, text: string): string {
  const t = text.trimEnd();
  return t === '' ? chalk.blue('  =') : `${chalk.blue('  =')} ${t}`;
}

export function renderFinding(
  chalk: ChalkInstance,
  f: Finding,
  linesOf: (file: string) => string[] | undefined,
): string[] {
  const sev = severityColor(chalk, f.severity);
  const [first, ...rest] = messageLines(f.message);
  const out: string[] = [];
  out.push(`${sev.bold(f.severity)}${chalk.bold('[')}${chalk.bold(f.ruleId)}${chalk.bold(']')}: ${chalk.bold(first)}`);
  out.push(arrow(chalk, f.location));
  out.push(...codeFrame(chalk, sev, linesOf(f.location.file), f.location));
  for (const line of rest) out.push(eq(chalk, line));
  for (const r of f.related) {
    const [note, ...more] = messageLines(r.message);
    out.push(eq(chalk, `${chalk.bold('note')}: ${note}`));
    for (const line of more) out.push(eq(chalk, `      ${line}`));
    out.push(arrow(chalk, r.location));
    out.push(...codeFrame(chalk, chalk.blue, linesOf(r.location.file), r.location, true));
  }
  const [help, ...helpMore] = messageLines(f.fix.description.trim());
  if (help) {
    out.push(eq(chalk, `${chalk.bold('help')}: ${help}`));
    for (const line of helpMore) out.push(eq(chalk, `      ${line}`));
  }
  out.push(eq(chalk, `${chalk.bold('docs')}: unitlint explain ${f.ruleId}  (${RULE_DOCS_BASE}${f.ruleId}.md)`));
  return out;
}

export const fullReporter: Reporter = (input) => {
  const chalk = makeChalk(input.color);
  const linesOf = sourceCache(input);
  const blocks = input.findings.map((f) => renderFinding(chalk, f, linesOf).join('\n'));
  const summary = chalk.bold(summaryLine(input.findings, input.stats));
  return [...blocks, summary].join('\n\n') + '\n';
};

export default fullReporter;
