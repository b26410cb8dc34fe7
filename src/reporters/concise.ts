/** One line per finding (`file:line:col: severity [ruleId] headline`), the page of each rule that fired, then the summary line. */
import { headline, makeChalk, severityColor, summaryLine } from './full.js';
import { RULE_DOCS_BASE, type Reporter } from './types.js';

export const conciseReporter: Reporter = (input) => {
  const chalk = makeChalk(input.color);
  const lines = input.findings.map((f) => {
    const { file, line, column } = f.location;
    return `${chalk.bold(`${file}:${line}:${column}:`)} ${severityColor(chalk, f.severity)(f.severity)} [${f.ruleId}] ${headline(f.message)}`;
  });
  // The rule pages, once per rule that fired (a line per finding stays one line).
  for (const id of [...new Set(input.findings.map((f) => f.ruleId))].sort()) lines.push(chalk.dim(`[${id}] ${RULE_DOCS_BASE}${id}.md`));
  lines.push(chalk.bold(summaryLine(input.findings, input.stats)));
  return lines.join('\n') + '\n';
};

export default conciseReporter;
