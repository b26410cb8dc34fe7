/** The output formats selectable with `--format`. */
import { conciseReporter } from './concise.js';
import { fullReporter } from './full.js';
import { githubReporter } from './github.js';
import { jsonReporter } from './json.js';
import { sarifReporter } from './sarif.js';
import { checkstyleReporter } from './checkstyle.js';
import { junitReporter } from './junit.js';
import type { Reporter } from './types.js';

export type FormatName = 'full' | 'concise' | 'json' | 'sarif' | 'github' | 'checkstyle' | 'junit';

export const REPORTERS: Record<FormatName, Reporter> = {
  full: fullReporter,
  concise: conciseReporter,
  json: jsonReporter,
  sarif: sarifReporter,
  github: githubReporter,
  checkstyle: checkstyleReporter,
  junit: junitReporter,
};

export const FORMAT_NAMES = Object.keys(REPORTERS) as FormatName[];

export const DEFAULT_FORMAT: FormatName = 'full';

export function isFormatName(name: string): name is FormatName {
  return Object.prototype.hasOwnProperty.call(REPORTERS, name);
}
