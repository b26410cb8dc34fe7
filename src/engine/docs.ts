/** The documentation page of a rule, rendered from its metadata (docs/rules/RULE.md and `unitlint explain`). */
import type { RuleMeta } from '../types.js';

export function renderRuleDoc(meta: RuleMeta): string {
  const body = meta.docs.replace(/^\n+/, '').replace(/\s+$/, '');
  return (
    `# ${meta.id}\n\n` +
    `${meta.summary}.\n\n` +
    `| default severity | category | fixable |\n|---|---|---|\n| ${meta.severity} | ${meta.category} | ${meta.fixable ? 'yes' : 'no'} |\n\n` +
    `${body}\n\n` +
    `## Configuration\n\n` +
    `Change the severity or turn the rule off in \`unitlint.config.json\`:\n\n` +
    '```json\n' +
    `{ "rules": { "${meta.id}": "off" } }\n` +
    '```\n\n' +
    `or suppress one occurrence with a comment above the setting: \`# unitlint: disable=${meta.id} -- reason\`.\n\n` +
    `<!-- Generated from rules/${meta.id}.ts by \`npm run docs\`; do not edit. -->\n`
  );
}
