/** One line per finding (`file:line:col: severity [ruleId] headline`), then the summary line. */
import { headline, makeChalk, severityColor, summaryLine } from './full.js';
import type { Reporter } from './types.js';

export const conciseReporter: Reporter = (input) => {
  const chalk = makeChalk(input.color);
  const lines = input.findings.map((f) => {
    const { file, line, column } = f.location;
    return `${chalk.bold(`${file}:${line}:${column}:`)} ${severityColor(chalk, f.severity)(f.severity)} [${f.ruleId}] ${headline(f.message)}`;
  });
  lines.push(chalk.bold(summaryLine(input.findings, input.stats)));
  return lines.join('\n') + '\n';
};

export default conciseReporter;
