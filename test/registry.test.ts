/** The registry is the rules/ folder: every rule must be complete (docs, fixture) and ids stable. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, rulesDir } from '../src/engine/registry.js';
import { renderRuleDoc } from '../src/engine/docs.js';
import { fixtureNames, readSpec } from './helpers.js';

/** Public contract: these ids must never change. */
const CONTRACT = [
  'ordering-cycle', 'restart-loop-unbounded', 'restart-sec-tight', 'start-limit-wrong-section',
  'unknown-directive', 'unknown-unit', 'requires-without-after', 'syntax-error',
];

describe('rule registry', () => {
  it('loads one rule per file in rules/, named after its id', async () => {
    const rules = await loadRules();
    const files = fs.readdirSync(rulesDir()).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).map((f) => f.replace(/\.(ts|js)$/, ''));
    expect(rules.map((r) => r.meta.id).sort()).toEqual([...new Set(files)].sort());
  });

  it('keeps the public rule ids', async () => {
    const ids = (await loadRules()).map((r) => r.meta.id);
    for (const id of CONTRACT) expect(ids).toContain(id);
  });

  it('gives every rule complete metadata and documentation', async () => {
    for (const r of await loadRules()) {
      expect(r.meta.id).toMatch(/^[a-z][a-z0-9-]+$/);
      expect(['error', 'warning', 'info']).toContain(r.meta.severity);
      expect(r.meta.summary.length, r.meta.id).toBeGreaterThan(20);
      expect(r.meta.summary.endsWith('.'), r.meta.id).toBe(false);
      for (const h of ['## What it finds', '## Why it bites', '## How to fix']) expect(r.meta.docs, `${r.meta.id} docs lack "${h}"`).toContain(h);
      expect(r.meta.docs, `${r.meta.id} docs need an example`).toMatch(/```/);
    }
  });

  it('has a fixture that produces each rule', async () => {
    const produced = new Set(fixtureNames().flatMap((n) => readSpec(n).findings.map((f) => f.rule)));
    for (const r of await loadRules()) expect(produced.has(r.meta.id), `no fixture produces ${r.meta.id}`).toBe(true);
  });

  it('has an up-to-date page in docs/rules/ (run `npm run docs` after changing a rule)', async () => {
    const dir = path.resolve(import.meta.dirname, '../docs/rules');
    for (const r of await loadRules()) {
      const file = path.join(dir, `${r.meta.id}.md`);
      expect(fs.existsSync(file), `docs/rules/${r.meta.id}.md is missing`).toBe(true);
      expect(fs.readFileSync(file, 'utf8'), `docs/rules/${r.meta.id}.md is stale`).toBe(renderRuleDoc(r.meta));
    }
  });

  it('has no fixture folder without expect.json', () => {
    const dir = path.resolve(import.meta.dirname, '../fixtures');
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory()) expect(fs.existsSync(path.join(dir, d.name, 'expect.json')), d.name).toBe(true);
    }
  });
});
