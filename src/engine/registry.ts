/**
 * The rule registry is the content of the rules/ folder: every module there that default-exports
 * a rule. Nothing lists rules by hand; a test checks that every rule has a doc page and a fixture.
 */
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Rule } from './rule.js';

/** rules/ next to src/ (sources under vitest, or dist/rules beside dist/src once built). */
export function rulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}

let cache: Promise<Rule[]> | undefined;

/** Used by the single-file bundle (scripts/bundle.mjs), which cannot scan a folder of modules. */
export function registerRules(rules: Rule[]): void {
  cache = Promise.resolve([...rules].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1)));
}

export function loadRules(): Promise<Rule[]> {
  cache ??= (async () => {
    const dir = rulesDir();
    const files = fs
      .readdirSync(dir)
      .filter((f) => (f.endsWith('.js') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))) && !f.startsWith('_'))
      .sort();
    // Prefer compiled .js when both exist (dist/rules only has .js; rules/ only has .ts).
    const rules: Rule[] = [];
    for (const f of files) {
      const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default?: Rule };
      const r = mod.default;
      if (!r || typeof r.check !== 'function' || !r.meta?.id) throw new Error(`rules/${f} does not default-export a rule (defineRule({ meta, check }))`);
      if (path.basename(f).replace(/\.(ts|js)$/, '') !== r.meta.id) throw new Error(`rules/${f} defines rule "${r.meta.id}": the file must be named after the rule id`);
      rules.push(r);
    }
    return rules.sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));
  })();
  return cache;
}
