/**
 * The command line: a thin shell over lint() and the reporters.
 * Exit codes: 0 nothing at or above --fail-level, 1 findings, 2 usage or config error, 3 internal error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Severity } from './types.js';
import { SEVERITY_RANK } from './types.js';
import { ConfigError } from './config.js';
import { toolVersion } from './version.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

const FORMATS = ['full', 'concise', 'json', 'sarif', 'github', 'checkstyle', 'junit'] as const;
const FAIL_LEVELS = ['error', 'warning', 'info', 'none'] as const;

interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  alias?: string;
  array?: boolean;
  choices?: readonly string[];
  default?: string;
  describe: string;
}

/** The options of `check`: one table for yargs (help, errors) and for the fast path (node:util parseArgs). */
const CHECK_OPTIONS: Record<string, OptionSpec> = {
  format: { type: 'string', alias: 'f', choices: FORMATS, describe: 'Output format (default: full; github inside GitHub Actions)' },
  color: { type: 'boolean', describe: 'Force colour on (--color) or off (--no-color)' },
  'fail-level': { type: 'string', choices: FAIL_LEVELS, default: 'error', describe: 'Lowest severity that makes the exit code 1' },
  'max-warnings': { type: 'number', describe: 'Exit 1 when there are more warnings than this' },
  config: { type: 'string', alias: 'c', describe: 'Configuration file (default: looked up from the current folder)' },
  only: { type: 'string', array: true, describe: 'Report only findings in these files (the whole tree is still loaded)' },
  'systemd-version': { type: 'number', describe: 'systemd version of the target hosts (overrides the configuration)' },
  strict: { type: 'boolean', describe: 'Report every reference to a unit nobody defines' },
  'nix-eval': { type: 'string', describe: 'Evaluate a NixOS host with Nix (FLAKE#HOST, e.g. .#web1) and lint the exact units it builds; needs nix, never done unless asked' },
};

const camel = (k: string) => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The fast path for the common `unitlint [check] [options] [paths]`: node:util parseArgs, so yargs
 * (about 75 ms of start-up) is only loaded for help, version, the other commands and errors. Returns
 * undefined whenever yargs should decide (including every malformed command line, so that the user
 * gets yargs' message).
 */
export function fastParseCheck(argv: string[]): CheckArgs | undefined {
  let args = argv;
  if (args[0] === 'check') args = args.slice(1);
  else if (args.length && !args[0].startsWith('-') && ['rules', 'explain', 'help', 'completion'].includes(args[0])) return undefined;
  if (args.some((a) => a === '--help' || a === '-h' || a === '--version')) return undefined;
  const negated: Record<string, boolean> = {};
  args = args.filter((a) => {
    const m = /^--no-(color|strict)$/.exec(a);
    if (m) negated[m[1]] = false;
    return !m;
  });
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [k, o] of Object.entries(CHECK_OPTIONS)) {
    options[k] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.alias ? { short: o.alias } : {}), ...(o.array ? { multiple: true } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  const out: Record<string, unknown> = { paths: parsed.positionals, failLevel: 'error' };
  for (const [k, o] of Object.entries(CHECK_OPTIONS)) {
    const v = parsed.values[k];
    if (v === undefined) continue;
    if (o.type === 'number') {
      const n = Number(v);
      if (typeof v !== 'string' || v.trim() === '' || Number.isNaN(n)) return undefined;
      out[camel(k)] = n;
    } else if (o.choices && !o.choices.includes(String(v))) return undefined;
    else out[camel(k)] = v;
  }
  for (const [k, v] of Object.entries(negated)) out[camel(k)] = v;
  return out as unknown as CheckArgs;
}

class UsageError extends Error {}

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  cwd: string;
}

/** The package version: package.json above dist/src/cli.js or src/cli.ts, or next to the bundle. */
export { toolVersion };

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
  const fast = fastParseCheck(argv);
  if (fast) {
    try {
      return await check(fast, io);
    } catch (e) {
      if (e instanceof ConfigError) {
        io.stderr(`unitlint: ${e.message}\n`);
        return EXIT_USAGE;
      }
      io.stderr(`unitlint: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return EXIT_INTERNAL;
    }
  }
  let code = EXIT_OK;
  let usageError: string | undefined;
  const { default: yargs } = await import('yargs');
  const parser = yargs(argv)
    .scriptName('unitlint')
    .usage('$0 <command> [options]')
    .command(
      ['check [paths..]', '$0'],
      'Lint systemd units (files or folders; default: the current folder)',
      (y) => {
        let b = y.positional('paths', { type: 'string', array: true, describe: 'Files or folders to lint' });
        for (const [k, o] of Object.entries(CHECK_OPTIONS)) {
          b = b.option(k, {
            type: o.type,
            describe: o.describe,
            ...(o.alias ? { alias: o.alias } : {}),
            ...(o.array ? { array: true } : {}),
            ...(o.choices ? { choices: o.choices as string[] } : {}),
            ...(o.default !== undefined ? { default: o.default } : {}),
          });
        }
        return b;
      },
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
  nixEval?: string;
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

  const result = await lint({ paths: a.paths, cwd: io.cwd, config, only: a.only, nixEval: a.nixEval });
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
  // `unitlint check | head`: a closed pipe is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const code = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    isTTY: !!process.stdout.isTTY,
    cwd: process.cwd(),
  });
  process.exitCode = code;
}
