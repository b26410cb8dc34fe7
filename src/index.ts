/**
 * The programmatic API: `import { lint, formatResult } from 'unitlint'`. The CLI is a thin shell over
 * the same functions, so `lint()` returns exactly the findings `unitlint check` prints.
 *
 * ```ts
 * import { lint, formatResult } from 'unitlint';
 * const result = await lint({ paths: ['./etc/systemd'], cwd: process.cwd() });
 * for (const f of result.findings) console.log(f.ruleId, f.location.file, f.location.line);
 * process.stdout.write(formatResult(result, 'concise'));
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';
import { lint, type LintResult } from './engine/lint.js';
import { REPORTERS, type FormatName } from './reporters/index.js';
import { toolVersion } from './version.js';

export { toolVersion as version };

export { lint };
export type { LintOptions, LintResult, RuleFailure } from './engine/lint.js';
export type { Finding, Fix, Location, RelatedLocation, RuleCategory, RuleMeta, Severity } from './types.js';
export { SEVERITY_RANK } from './types.js';
export { REPORTERS, FORMAT_NAMES, isFormatName, type FormatName } from './reporters/index.js';
export type { Reporter, ReportInput, RunStats } from './reporters/types.js';
export { RULE_DOCS_BASE } from './reporters/types.js';
export { loadRules } from './engine/registry.js';
export { renderRuleDoc } from './engine/docs.js';
export { defineRule, type Rule, type RuleContext, type ReportSpec } from './engine/rule.js';
export { ConfigError, defaultConfig, findConfigFile, loadConfigFile, validateConfig, type Config } from './config.js';

/**
 * Renders a lint result in one of the CLI's formats (the same text `unitlint check --format NAME`
 * prints). `color` defaults to false; code frames read the sources relative to `result`'s cwd.
 */
export function formatResult(result: LintResult, format: FormatName, opts: { cwd?: string; color?: boolean } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  return REPORTERS[format]({
    findings: result.findings,
    rules: result.rules,
    toolVersion: toolVersion(),
    stats: result.stats,
    cwd,
    color: opts.color ?? false,
    readSource: (f) => {
      try {
        return fs.readFileSync(path.resolve(cwd, f), 'utf8');
      } catch {
        return undefined;
      }
    },
  });
}
