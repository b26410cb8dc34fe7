/**
 * What a rule module exports: `export default defineRule({ meta, check })`.
 * One file per rule in rules/; the registry finds them by scanning the folder.
 */
import type { Location, RelatedLocation, RuleMeta, Severity } from '../types.js';
import type { Project } from '../model/load.js';
import type { BootGraph } from '../graph/build.js';
import type { Config } from '../config.js';

export interface ReportSpec {
  message: string;
  unit: string | null;
  location: Location;
  related?: RelatedLocation[];
  /** The fix hint shown to the user. */
  fix: string;
  /** Overrides the rule's default severity for this finding (the config still wins). */
  severity?: Severity;
}

export interface RuleContext {
  project: Project;
  graph: BootGraph;
  config: Config;
  report(spec: ReportSpec): void;
  /** "path:line" relative to the working directory, for messages. */
  where(loc: Location | undefined): string;
  /** A path relative to the working directory, for messages. */
  relPath(file: string): string;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
