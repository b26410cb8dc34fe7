import type { Finding, RuleMeta } from '../types.js';

export interface RunStats {
  files: number;
  units: number;
  durationMs: number;
}

/** Everything a reporter may use. Findings arrive sorted (file, line, column, ruleId, message)
 * and their `location.file` / related files are already relative to `cwd` (POSIX separators). */
export interface ReportInput {
  findings: Finding[];
  /** Metadata of every registered rule (for SARIF tool.driver.rules, links, explanations). */
  rules: RuleMeta[];
  toolVersion: string;
  stats: RunStats;
  cwd: string;
  color: boolean;
  /** Returns the text of a file (path relative to cwd), or undefined when it cannot be read. */
  readSource(file: string): string | undefined;
}

export type Reporter = (input: ReportInput) => string;

export const RULE_DOCS_BASE = 'https://github.com/unitlint/unitlint/blob/main/docs/rules/';
