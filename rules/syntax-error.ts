import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'syntax-error',
    severity: 'error',
    category: 'syntax',
    summary: 'A line systemd cannot parse, or a file that cannot be read',
    docs: `
## What it finds

Lines that systemd's unit-file parser rejects, and files unitlint cannot read:

- a section header that is not \`[Name]\` alone on its line (systemd then **refuses the whole file**);
- a line with no \`=\`, or with nothing before the \`=\`;
- settings before the first section header;
- \`.include\`, which systemd no longer supports;
- invalid UTF-8, binary files, unreadable files, dangling links and link loops;
- in \`.nix\` files: what \`nix-instantiate --parse\` rejects (merge-conflict markers included), an
  attribute defined twice (\`attribute 'a.b' already defined\`), and an \`imports\` entry naming a file
  that does not exist — Nix cannot build a host then, and unitlint lints the rest of the tree;
- **info**, for NixOS input unitlint cannot read statically: a \`nixosConfigurations\` entry that is not
  a \`nixosSystem\` call, or an import from outside the paths linted (use \`--nix-eval\` for those).

## Why it bites

systemd logs a warning and ignores the line (or, for a bad section header, the file) — the unit then
runs without the setting you wrote, and nothing fails loudly.

## How to fix

Correct the line as the message says. A setting must be \`Key=Value\` inside a section; continue a
long value with a backslash at the very end of the line (a blank line ends the continuation; comment
lines inside it are skipped).

## Example

\`\`\`ini
[Service
ExecStart=/usr/bin/myapp
\`\`\`

The header lacks its \`]\`: systemd refuses to load the unit. Write \`[Service]\`.
`,
  },
  check(ctx) {
    for (const p of ctx.project.problems) {
      ctx.report({
        unit: p.unit ?? null,
        severity: p.severity,
        location: p.location,
        message: p.message,
        fix: p.fix ?? (p.message.includes('section header')
          ? 'Write the header as [Name] alone on its line, e.g. [Service].'
          : p.message.includes("'='")
              ? 'Write the setting as Key=Value, or turn the line into a comment with #.'
              : p.message.includes('outside of any section')
                ? 'Move the setting below the section header it belongs to ([Unit], [Service], …).'
                : 'Fix or remove the file; unitlint skipped it.'),
      });
    }
  },
});
