// Writes docs/rules/RULE.md for every rule from its metadata (run after `npm run build`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadRules } = await import(path.join(root, 'dist/src/engine/registry.js'));
const { renderRuleDoc } = await import(path.join(root, 'dist/src/engine/docs.js'));
const out = path.join(root, 'docs/rules');
fs.mkdirSync(out, { recursive: true });
const rules = await loadRules();
const ids = new Set(rules.map((r) => r.meta.id));
for (const f of fs.readdirSync(out)) if (f.endsWith('.md') && !ids.has(f.slice(0, -3))) fs.unlinkSync(path.join(out, f));
for (const r of rules) fs.writeFileSync(path.join(out, `${r.meta.id}.md`), renderRuleDoc(r.meta));
console.log(`wrote ${rules.length} pages to docs/rules/`);
