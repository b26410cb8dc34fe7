/**
 * GitHub Actions workflow commands (annotations), most severe first, then the plain summary line.
 * Escaping follows @actions/core (toolkit/packages/core/src/command.ts): escapeData / escapeProperty.
 */
import type { Finding, Severity } from '../types.js';
import { SEVERITY_RANK } from '../types.js';
import { summaryLine } from './full.js';
import { RULE_DOCS_BASE, type Reporter } from './types.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function annotation(f: Finding): string {
  const { file, line, column, endLine, endColumn } = f.location;
  const props: [string, string | number][] = [['file', file], ['line', line]];
  // GitHub rejects/ignores columns on annotations that span several lines; send them only for one-line ranges.
  if (endLine === line) props.push(['col', column]);
  props.push(['endLine', endLine]);
  if (endLine === line) props.push(['endColumn', endColumn]);
  props.push(['title', `unitlint (${f.ruleId})`]);
  const fix = f.fix.description.trim();
  const message = `${fix ? `${f.message}\n\nFix: ${fix}` : f.message}\n\nDocs: ${RULE_DOCS_BASE}${f.ruleId}.md`;
  const propText = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${COMMAND[f.severity]} ${propText}::${escapeData(message)}`;
}

export const githubReporter: Reporter = (input) => {
  // Array.prototype.sort is stable, so input order is kept within a severity.
  const ordered = [...input.findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  const lines = ordered.map(annotation);
  lines.push(summaryLine(input.findings, input.stats));
  return lines.join('\n') + '\n';
};

export default githubReporter;
