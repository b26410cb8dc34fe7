/**
 * Configuration: unitlint.config.json, .unitlintrc.json, .unitlintrc.yaml/.yml or package.json#unitlint,
 * looked up from the working directory upwards (stopping at the first folder that has one, or at a
 * repository root), or named with --config.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Severity } from './types.js';

export type RuleSetting = Severity | 'off';

export interface Config {
  /** Per-rule severity or 'off'. */
  rules: Record<string, RuleSetting>;
  /** Globs (relative to each scanned root) to skip. */
  ignore: string[];
  /** The systemd version the target hosts run: newer directives are reported. */
  systemdVersion?: number;
  /** Units that exist on the target hosts though the tree does not define them (globs allowed: foo-*.service). */
  knownUnits: string[];
  /** Report every reference to a unit nobody defines (unknown-unit), not only near misses and targets. */
  strict: boolean;
  /** What units serve that analysis cannot see: unit name → URLs, host:port or unix paths. */
  serves: Record<string, string[]>;
  /** Where the config came from (for messages). */
  source?: string;
}

export class ConfigError extends Error {}

export const CONFIG_FILES = ['unitlint.config.json', '.unitlintrc.json', '.unitlintrc.yaml', '.unitlintrc.yml'];

const KEYS = new Set(['rules', 'ignore', 'systemdVersion', 'knownUnits', 'strict', 'serves', '$schema']);
const SETTINGS = new Set(['error', 'warning', 'info', 'off']);

export function defaultConfig(): Config {
  return { rules: {}, ignore: [], knownUnits: [], strict: false, serves: {} };
}

/** Finds the config file for `cwd`, walking up until a folder with a config, a .git folder, or the root. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const f of CONFIG_FILES) {
      const p = path.join(dir, f);
      if (fs.existsSync(p)) return p;
    }
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        const j = JSON.parse(fs.readFileSync(pkg, 'utf8'));
        if (j && typeof j === 'object' && 'unitlint' in j) return pkg;
      } catch {
        /* not ours to judge */
      }
    }
    if (fs.existsSync(path.join(dir, '.git'))) return undefined;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export async function loadConfigFile(file: string, knownRules?: ReadonlySet<string>): Promise<Config> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    if (/\.ya?ml$/.test(file)) {
      const YAML = await import('yaml');
      raw = YAML.parse(text);
    } else {
      raw = JSON.parse(text);
      if (path.basename(file) === 'package.json') raw = (raw as Record<string, unknown>).unitlint;
    }
  } catch (e) {
    throw new ConfigError(`${file}: not valid ${/\.ya?ml$/.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
  return validateConfig(raw ?? {}, file, knownRules);
}

export function validateConfig(raw: unknown, source: string, knownRules?: ReadonlySet<string>): Config {
  const c = defaultConfig();
  c.source = source;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${source}: the configuration must be an object`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!KEYS.has(k)) throw new ConfigError(`${source}: unknown key "${k}" (known: ${[...KEYS].filter((x) => x !== '$schema').join(', ')})`);
  }
  if (o.rules !== undefined) {
    if (typeof o.rules !== 'object' || o.rules === null || Array.isArray(o.rules)) throw new ConfigError(`${source}: "rules" must be an object of rule id → severity`);
    for (const [id, v] of Object.entries(o.rules as Record<string, unknown>)) {
      if (knownRules && !knownRules.has(id)) throw new ConfigError(`${source}: unknown rule "${id}" in "rules" (run \`unitlint rules\` for the list)`);
      if (typeof v !== 'string' || !SETTINGS.has(v)) throw new ConfigError(`${source}: rules.${id} must be one of error, warning, info, off`);
      c.rules[id] = v as RuleSetting;
    }
  }
  if (o.ignore !== undefined) c.ignore = stringArray(o.ignore, 'ignore', source);
  if (o.knownUnits !== undefined) c.knownUnits = stringArray(o.knownUnits, 'knownUnits', source);
  if (o.strict !== undefined) {
    if (typeof o.strict !== 'boolean') throw new ConfigError(`${source}: "strict" must be true or false`);
    c.strict = o.strict;
  }
  if (o.serves !== undefined) {
    if (typeof o.serves !== 'object' || o.serves === null || Array.isArray(o.serves)) throw new ConfigError(`${source}: "serves" must be an object of unit name → list of URLs`);
    for (const [unit, v] of Object.entries(o.serves as Record<string, unknown>)) {
      c.serves[unit] = typeof v === 'string' ? [v] : stringArray(v, `serves.${unit}`, source);
    }
  }
  if (o.systemdVersion !== undefined) {
    const v = typeof o.systemdVersion === 'string' ? Number(o.systemdVersion) : o.systemdVersion;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 200 || v > 999) throw new ConfigError(`${source}: "systemdVersion" must be a systemd release number such as 252`);
    c.systemdVersion = v;
  }
  return c;
}

function stringArray(v: unknown, key: string, source: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${source}: "${key}" must be a list of strings`);
  return v as string[];
}

/** Glob match for knownUnits entries (only `*` and `?`). */
export function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}
