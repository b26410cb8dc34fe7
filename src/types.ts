/**
 * Core types shared by every layer: sources → model → graph → rules engine → reporters → cli.
 * Keep this file free of runtime code so that any module can import it cheaply.
 */

export type Severity = 'error' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/** A source range. Lines and columns are 1-based; endColumn is exclusive (points just past the range). */
export interface Location {
  /** Absolute path inside the engine; made relative to the working directory in public output. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface RelatedLocation {
  message: string;
  location: Location;
}

export interface Fix {
  /** What the user should do, in one or two sentences. */
  description: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** Explains the mechanism: the chain of units and the file:line of every edge. */
  message: string;
  unit: string | null;
  location: Location;
  related: RelatedLocation[];
  fix: Fix;
}

export type RuleCategory =
  | 'ordering'
  | 'restart'
  | 'directives'
  | 'references'
  | 'syntax'
  | 'health-gate'
  | 'packaging'
  | 'resources'
  | 'hardening'
  | 'nix'
  | 'meta';

export interface RuleMeta {
  /** Public contract: never rename. */
  id: string;
  /** Default severity; the config can override it or turn the rule off. */
  severity: Severity;
  category: RuleCategory;
  /** One line, no trailing period. */
  summary: string;
  /** Full markdown documentation: what it finds, why it bites, how to fix, example. */
  docs: string;
  /** True when `--fix` can apply a mechanical fix (later issue). */
  fixable?: boolean;
}
