import { UNKNOWN_MARK } from '../src/nix/value.js';
import { defineRule } from '../src/engine/rule.js';
import { checkValue } from '../src/model/values.js';
import { unitFiles } from '../src/model/services.js';
import { valueLocation } from '../src/model/unit.js';
import { sectionsForUnitType } from '../src/catalog/index.js';
import { didYouMean } from '../src/util/text.js';

export default defineRule({
  meta: {
    id: 'invalid-value',
    severity: 'error',
    category: 'directives',
    summary: 'A value systemd cannot parse (Type=simpel, Restart=sometimes, RestartSec=5x), so the setting is ignored',
    docs: `
## What it finds

Values systemd rejects when it loads the unit:

- enumerations: \`Type=\`, \`Restart=\`, \`KillMode=\`, \`NotifyAccess=\`, \`StandardOutput=\`/\`StandardError=\`,
  \`ProtectSystem=\`, \`ProtectHome=\`, \`OOMPolicy=\`, \`StartLimitAction=\`, \`OnFailureJobMode=\`, … with a
  suggestion for near misses (\`Type=simpel\` → \`simple\`);
- booleans (\`RemainAfterExit=ye\`), time spans (\`RestartSec=5x\`, \`TimeoutStartSec=1 hour and a bit\`) and
  unsigned numbers (\`StartLimitBurst=-1\`), for every setting systemd parses as one.

Values with specifiers (\`%i\`) are left alone; they are only known per instance.

## Why it bites

systemd logs "Failed to parse service restart specifier, ignoring: sometimes" once, at load time, and
runs the unit with the **default** — \`Restart=no\`, \`Type=simple\`, a 100 ms \`RestartSec=\`. The unit
looks configured and behaves as if the line were not there.

## How to fix

Use one of the values the message lists (\`systemd-analyze verify\` reports the same problem). 

## Example

\`\`\`ini
[Service]
Type=simpel
Restart=sometimes
\`\`\`

Both lines are ignored: the service is \`Type=simple\` by luck and never restarts. Write
\`Type=simple\` and \`Restart=on-failure\`.
`,
  },
  check(ctx) {
    for (const f of unitFiles(ctx.project)) {
      const allowed = sectionsForUnitType(f.type);
      for (const sec of f.parsed.sections) {
        if (!allowed.includes(sec.name)) continue; // unknown-directive reports the whole section
        for (const a of sec.assignments) {
          if (a.value.includes(UNKNOWN_MARK)) continue; // part of the value is not known statically (a NixOS option)
          const p = checkValue(sec.name, a.key, a.value);
          if (!p) continue;
          const guess = p.accepted ? didYouMean(a.value, p.accepted) : undefined;
          const list = p.accepted ? ` (accepted: ${p.accepted.join(', ')})` : '';
          ctx.report({
            unit: f.unit,
            location: valueLocation(a),
            message:
              `${a.key}=${a.value} is not a valid ${p.what}${guess ? '' : list}: systemd ignores the line ("Failed to parse ${p.what}, ignoring: ${a.value}")` +
              (p.def ? ` and keeps the default, ${a.key}=${p.def}.` : ' and keeps the default.') +
              (guess ? ` Did you mean ${a.key}=${guess}?` : ''),
            fix: guess ? `Write ${a.key}=${guess}.` : `Use a valid ${p.what}${list}.`,
          });
        }
      }
    }
  },
});
