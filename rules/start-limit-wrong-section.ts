import { defineRule } from '../src/engine/rule.js';
import { directiveInfo } from '../src/catalog/index.js';
import { START_LIMIT_FAMILY, typeSection } from '../src/model/directives.js';
import { unitFiles } from '../src/model/services.js';
import { keyLocation } from '../src/model/unit.js';

const NEW_NAME: Record<string, string> = { StartLimitInterval: 'StartLimitIntervalSec' };

export default defineRule({
  meta: {
    id: 'start-limit-wrong-section',
    severity: 'error',
    category: 'restart',
    summary: 'StartLimitIntervalSec=, StartLimitBurst=, StartLimitAction=, SuccessAction=… outside [Unit], where systemd ignores them',
    docs: `
## What it finds

Start-limit and unit-action settings written in \`[Service]\` (or another type section) instead of
\`[Unit]\`: \`StartLimitIntervalSec=\`, \`SuccessAction=\`, \`SuccessActionExitStatus=\`,
\`FailureActionExitStatus=\`, \`JobTimeoutSec=\`, …

systemd 230 moved the start limit to \`[Unit]\`. In \`[Service]\` systemd still accepts only the old
names \`StartLimitInterval=\` and \`StartLimitBurst=\` (and \`StartLimitAction=\`, \`FailureAction=\`,
\`RebootArgument=\`) for compatibility; everything else there is ignored with a log line nobody reads.
The accepted old spellings are reported as **info** (they work, but are easy to get wrong when copied);
the ignored ones as **error**.

## Why it bites

\`StartLimitIntervalSec=300\` in \`[Service]\` looks like a bound on restarts but does nothing: the unit
keeps the default limit — and with \`RestartSec=5\` that default never trips (see
\`restart-loop-unbounded\`).

## How to fix

Move the line to \`[Unit]\`:

\`\`\`ini
[Unit]
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Restart=on-failure
RestartSec=5
\`\`\`
`,
  },
  check(ctx) {
    for (const f of unitFiles(ctx.project)) {
      const own = typeSection(f.type);
      for (const sec of f.parsed.sections) {
        if (sec.name === 'Unit' || sec.name === 'Install' || sec.name !== own) continue;
        for (const a of sec.assignments) {
          if (!START_LIMIT_FAMILY.test(a.key) || !directiveInfo('Unit', a.key)) continue;
          const compat = !!directiveInfo(sec.name, a.key);
          const modern = NEW_NAME[a.key] ?? a.key;
          if (compat) {
            ctx.report({
              unit: f.unit,
              severity: 'info',
              location: keyLocation(a),
              message: `${a.key}= in [${sec.name}] is accepted only for compatibility with systemd < 230 and works, but the setting belongs in [Unit]${modern !== a.key ? ` as ${modern}=` : ''}: copied elsewhere or renamed, it silently stops working.`,
              fix: `Move "${modern}=${a.value}" to the [Unit] section.`,
            });
          } else {
            const consequence = /^StartLimit/.test(a.key)
              ? ' The unit keeps the default start limit (5 starts in 10 s).'
              : '';
            ctx.report({
              unit: f.unit,
              location: keyLocation(a),
              message: `${a.key}= is a [Unit] setting; in [${sec.name}] systemd ignores it ("Unknown key name '${a.key}' in section '${sec.name}', ignoring").${consequence}`,
              fix: `Move "${a.key}=${a.value}" to the [Unit] section.`,
            });
          }
        }
      }
    }
  },
});
