/**
 * Machine-readable output. This shape is a public contract (other tools parse it): keep the keys, their order
 * and `version: 1` stable; add a new version rather than changing it. New keys may only be appended at
 * the end of an object (`docs` was, after `fix`).
 */
import type { Finding, Location } from '../types.js';
import { RULE_DOCS_BASE, type Reporter } from './types.js';

export const JSON_FORMAT_VERSION = 1;

export interface JsonLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface JsonFinding {
  ruleId: string;
  severity: Finding['severity'];
  message: string;
  unit: string | null;
  location: JsonLocation;
  related: { message: string; location: JsonLocation }[];
  fix: { description: string };
  /** The rule's documentation page. */
  docs: string;
}

export interface JsonReport {
  version: 1;
  tool: { name: 'unitlint'; version: string };
  findings: JsonFinding[];
  stats: { files: number; units: number; durationMs: number };
}

function location(l: Location): JsonLocation {
  return { file: l.file, line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn };
}

export function toJsonReport(input: Parameters<Reporter>[0]): JsonReport {
  return {
    version: JSON_FORMAT_VERSION,
    tool: { name: 'unitlint', version: input.toolVersion },
    findings: input.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      unit: f.unit ?? null,
      location: location(f.location),
      related: f.related.map((r) => ({ message: r.message, location: location(r.location) })),
      fix: { description: f.fix.description },
      docs: `${RULE_DOCS_BASE}${f.ruleId}.md`,
    })),
    stats: {
      files: input.stats.files,
      units: input.stats.units,
      durationMs: Math.round(input.stats.durationMs),
    },
  };
}

export const jsonReporter: Reporter = (input) => JSON.stringify(toJsonReport(input), null, 2) + '\n';

export default jsonReporter;
