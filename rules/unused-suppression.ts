import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'unused-suppression',
    severity: 'warning',
    category: 'meta',
    summary: 'An inline "# unitlint: disable=…" comment that suppresses nothing',
    docs: `
## What it finds

An inline suppression that no longer matches any finding, or that names a rule that does not exist:

\`\`\`ini
# unitlint: disable=restart-loop-unbounded -- the agent must retry forever
Restart=always
\`\`\`

\`disable=RULE\` covers the next setting (all its continuation lines); \`disable-file=RULE\` covers the
whole file. \`all\` matches every rule. Several rules can be listed, separated by commas; the text after
\`--\` is the reason, for the next reader.

## Why it bites

A stale suppression hides the next real problem on that line, and misspelt rule ids suppress nothing
while looking as if they did.

## How to fix

Delete the comment, or correct the rule id (\`unitlint rules\` lists them).
`,
  },
  // Reported by the engine after every other rule has run (it needs their findings).
  check() {},
});
