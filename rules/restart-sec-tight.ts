import { defineRule } from '../src/engine/rule.js';
import { restartPolicy } from '../src/model/restart.js';
import { judgedUnits } from '../src/model/services.js';
import { assignmentLocation } from '../src/model/unit.js';
import { formatMs } from '../src/model/time.js';
import type { RelatedLocation } from '../src/types.js';

export default defineRule({
  meta: {
    id: 'restart-sec-tight',
    severity: 'warning',
    category: 'restart',
    summary: 'Restart= is on with RestartSec= under 1 s: the start limit is used up within a second and the unit stays failed',
    docs: `
## What it finds

A service with \`Restart=\` on whose effective \`RestartSec=\` is below one second — including the
default of 100 ms when \`RestartSec=\` is not set — while the start limit can trip.

## Why it bites

With the defaults (5 starts in 10 s, 100 ms apart) five failures take half a second. A failure that
lasts only a moment — a dependency not up yet at boot, a DNS hiccup, a lock still held — uses up the
whole start limit, and the unit stays \`failed\` (\`start-limit-hit\`) until someone runs
\`systemctl reset-failed\`. The restart was meant to ride out exactly that kind of failure.

## How to fix

Wait longer between restarts, and make the limit match:

\`\`\`ini
[Unit]
StartLimitIntervalSec=60
StartLimitBurst=5

[Service]
Restart=on-failure
RestartSec=2
\`\`\`

(5 × 2 s = 10 s ≤ 60 s: the unit rides out about 10 s of failures and still stops if it keeps failing.)
Keep the limit able to trip — see \`restart-loop-unbounded\`.
`,
  },
  check(ctx) {
    for (const u of judgedUnits(ctx.project, 'service')) {
      const p = restartPolicy(u);
      if (p.mode === 'no' || !p.restart || !p.trips || p.restartSecMs >= 1000 || p.unknown) continue;
      const w = ctx.where;
      const related: RelatedLocation[] = [{ message: `Restart=${p.mode}`, location: assignmentLocation(p.restart.at) }];
      if (p.interval) related.push({ message: `${p.interval.at.key}=${p.interval.value}`, location: assignmentLocation(p.interval.at) });
      if (p.burstAt) related.push({ message: `StartLimitBurst=${p.burstAt.value}`, location: assignmentLocation(p.burstAt.at) });
      const rs = p.restartSec ? `RestartSec=${p.restartSec.value} (${w(p.restartSec.at)})` : `RestartSec= is not set, so systemd waits its default 100 ms`;
      const limit = `${p.burst} starts in ${formatMs(p.intervalMs)}${p.interval || p.burstAt ? '' : ', the defaults'}`;
      ctx.report({
        unit: u.name,
        location: p.restartSec ? assignmentLocation(p.restartSec.at) : assignmentLocation(p.restart.at),
        message:
          `${u.name} has Restart=${p.mode} (${w(p.restart.at)}) and ${rs} between restarts: ${p.burst} quick failures take only ${formatMs(p.cycleMs)} ` +
          `and use up the start limit (${limit}). A failure that lasts a second — a dependency not up yet at boot — leaves the unit failed (start-limit-hit) until someone runs systemctl reset-failed.`,
        related: related.slice(p.restartSec ? 0 : 1),
        fix: `Set RestartSec=2 (or more) in [Service], and keep the limit able to trip: StartLimitBurst × RestartSec ≤ StartLimitIntervalSec (e.g. StartLimitIntervalSec=60 and StartLimitBurst=5 in [Unit]).`,
      });
    }
  },
});
