/**
 * The command line: a thin shell over lint() and the reporters.
 * Exit codes: 0 nothing at or above --fail-level, 1 findings, 2 usage or config error, 3 internal error.
 */
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { Severity } from './types.js';
import { SEVERITY_RANK } from './types.js';
import { ConfigError } from './config.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

const FORMATS = ['full', 'concise', 'json', 'sarif', 'github'] as const;

class UsageError extends Error {}

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  cwd: string;
}

export function toolVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

/** --color, then NO_COLOR, then FORCE_COLOR, then whether stdout is a terminal. */
export function decideColor(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}

export function defaultFormat(env: NodeJS.ProcessEnv): (typeof FORMATS)[number] {
  return env.GITHUB_ACTIONS === 'true' && !env.FORGEJO_ACTIONS ? 'github' : 'full';
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let code = EXIT_OK;
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('unitlint')
    .usage('$0 <command> [options]')
    .command(
      ['check [paths..]', '$0'],
      'Lint systemd units (files or folders; default: the current folder)',
      (y) =>
        y
          .positional('paths', { type: 'string', array: true, describe: 'Files or folders to lint' })
          .option('format', { alias: 'f', choices: FORMATS, describe: 'Output format (default: full; github inside GitHub Actions)' })
          .option('color', { type: 'boolean', describe: 'Force colour on (--color) or off (--no-color)' })
          .option('fail-level', { choices: ['error', 'warning', 'info', 'none'] as const, default: 'error', describe: 'Lowest severity that makes the exit code 1' })
          .option('max-warnings', { type: 'number', describe: 'Exit 1 when there are more warnings than this' })
          .option('config', { alias: 'c', type: 'string', describe: 'Configuration file (default: looked up from the current folder)' })
          .option('only', { type: 'string', array: true, describe: 'Report only findings in these files (the whole tree is still loaded)' })
          .option('systemd-version', { type: 'number', describe: 'systemd version of the target hosts (overrides the configuration)' })
          .option('strict', { type: 'boolean', describe: 'Report every reference to a unit nobody defines' }),
      async (a) => {
        code = await check(a as unknown as CheckArgs, io);
      },
    )
    .command(
      'rules',
      'List the rules',
      () => {},
      async () => {
        const { loadRules } = await import('./engine/registry.js');
        const rules = await loadRules();
        const w = Math.max(...rules.map((r) => r.meta.id.length));
        for (const r of rules) io.stdout(`${r.meta.id.padEnd(w)}  ${r.meta.severity.padEnd(7)}  ${r.meta.category.padEnd(11)}  ${r.meta.summary}\n`);
      },
    )
    .command(
      'explain <rule>',
      'Print the documentation of a rule',
      (y) => y.positional('rule', { type: 'string', demandOption: true }),
      async (a) => {
        const { loadRules } = await import('./engine/registry.js');
        const rules = await loadRules();
        const r = rules.find((x) => x.meta.id === a.rule);
        if (!r) {
          io.stderr(`unitlint: no rule "${a.rule}" (run \`unitlint rules\` for the list)\n`);
          code = EXIT_USAGE;
          return;
        }
        const { renderRuleDoc } = await import('./engine/docs.js');
        io.stdout(renderRuleDoc(r.meta));
      },
    )
    .strict()
    .help()
    .version(toolVersion())
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    })
    .wrap(null);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (e instanceof UsageError) usageError = e.message;
    else if (e instanceof ConfigError) {
      io.stderr(`unitlint: ${e.message}\n`);
      return EXIT_USAGE;
    }
    else {
      io.stderr(`unitlint: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return EXIT_INTERNAL;
    }
  }
  if (usageError) {
    io.stderr(`unitlint: ${usageError}\nRun \`unitlint --help\` for usage.\n`);
    return EXIT_USAGE;
  }
  return code;
}

interface CheckArgs {
  paths?: string[];
  format?: (typeof FORMATS)[number];
  color?: boolean;
  failLevel: Severity | 'none';
  maxWarnings?: number;
  config?: string;
  only?: string[];
  systemdVersion?: number;
  strict?: boolean;
}

async function check(a: CheckArgs, io: CliIO): Promise<number> {
  const { lint } = await import('./engine/lint.js');
  const { loadRules } = await import('./engine/registry.js');
  const { findConfigFile, loadConfigFile, defaultConfig } = await import('./config.js');
  for (const p of a.paths ?? []) {
    if (!fs.existsSync(path.resolve(io.cwd, p)) && !isDanglingLink(path.resolve(io.cwd, p))) {
      io.stderr(`unitlint: no such file or folder: ${p}\n`);
      return EXIT_USAGE;
    }
  }
  if (a.maxWarnings !== undefined && (!Number.isInteger(a.maxWarnings) || a.maxWarnings < 0)) {
    io.stderr('unitlint: --max-warnings takes a whole number ≥ 0\n');
    return EXIT_USAGE;
  }
  const ids = new Set((await loadRules()).map((r) => r.meta.id));
  const file = a.config ? path.resolve(io.cwd, a.config) : findConfigFile(io.cwd);
  const config = file ? await loadConfigFile(file, ids) : defaultConfig();
  if (a.systemdVersion !== undefined) config.systemdVersion = a.systemdVersion;
  if (a.strict !== undefined) config.strict = a.strict;

  const result = await lint({ paths: a.paths, cwd: io.cwd, config, only: a.only });
  const { REPORTERS } = await import('./reporters/index.js');
  const format = a.format ?? defaultFormat(io.env);
  const color = decideColor(a.color, io.env, io.isTTY) && (format === 'full' || format === 'concise');
  const out = REPORTERS[format]({
    findings: result.findings,
    rules: result.rules,
    toolVersion: toolVersion(),
    stats: result.stats,
    cwd: io.cwd,
    color,
    readSource: (f) => {
      try {
        return fs.readFileSync(path.resolve(io.cwd, f), 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  io.stdout(out);
  if (result.failures.length) {
    for (const f of result.failures) io.stderr(`unitlint: internal error in rule ${f.ruleId}: ${f.error.stack ?? f.error.message}\n`);
    return EXIT_INTERNAL;
  }
  const threshold = a.failLevel === 'none' ? Infinity : SEVERITY_RANK[a.failLevel];
  const failing = result.findings.some((f) => SEVERITY_RANK[f.severity] >= threshold);
  const warnings = result.findings.filter((f) => f.severity === 'warning').length;
  if (failing) return EXIT_FINDINGS;
  if (a.maxWarnings !== undefined && warnings > a.maxWarnings) {
    io.stderr(`unitlint: ${warnings} warnings exceed --max-warnings ${a.maxWarnings}\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

function isDanglingLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export async function main(): Promise<void> {
  const code = await runCli(hideBin(process.argv), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    isTTY: !!process.stdout.isTTY,
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
