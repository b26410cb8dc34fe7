import { defineRule } from '../src/engine/rule.js';
import { gateWaits } from '../src/analysis/gates.js';
import { describeResource } from '../src/analysis/endpoints.js';
import { startTimeout } from '../src/analysis/startpath.js';
import { judgedUnits } from '../src/model/services.js';
import { assignmentLocation } from '../src/model/unit.js';

export default defineRule({
  meta: {
    id: 'gate-without-timeout',
    severity: 'warning',
    category: 'health-gate',
    summary: 'An unbounded wait in a start path with no start timeout: boot can hang forever',
    docs: `
## What it finds

A wait with no bound — \`until curl …; do sleep 5; done\` with no iteration limit and no \`timeout\` around
it — in a command that holds the unit's start job, while the unit's effective start timeout is
infinite: any \`Type=oneshot\` service that does not set \`TimeoutStartSec=\`, or one that sets
\`TimeoutStartSec=infinity\`/\`0\`.

## Why it bites

If what it waits for never comes (a typo in the URL, a host that moved, a certificate that expired),
the start job never ends. Everything ordered after the unit — often \`multi-user.target\` and so the
whole boot — waits with it, and nothing ever fails loudly.

## How to fix

Bound the wait, or give the unit a start timeout:

\`\`\`ini
[Service]
Type=oneshot
ExecStartPre=/bin/sh -c 'for i in $(seq 1 60); do curl -fsS http://127.0.0.1:8080/health && exit 0; sleep 2; done; exit 1'
TimeoutStartSec=5min
\`\`\`
`,
  },
  check(ctx) {
    const { project, where } = ctx;
    for (const u of judgedUnits(project, 'service')) {
      if (u.instance === '') continue;
      const t = startTimeout(u, (v) => where(assignmentLocation(v.at)));
      if (Number.isFinite(t.ms) || u.unknownAt('Service', 'TimeoutStartSec', 'TimeoutSec')) continue;
      for (const gw of gateWaits(u, project)) {
        if (!gw.holds || !gw.wait.retried || gw.wait.bounded) continue;
        ctx.report({
          unit: u.name,
          location: gw.location,
          related: t.at ? [{ message: `${t.at.at.key}=${t.at.value}`, location: assignmentLocation(t.at.at) }] : [],
          message:
            `${u.name} (${gw.via}, ${where(gw.location)}) waits for ${describeResource(gw.wait.resource)} with no bound (${gw.wait.bound}), ` +
            `and its start timeout is ${t.text}: if ${describeResource(gw.wait.resource)} never answers, the start job never ends and everything ordered after ${u.name} waits forever.`,
          fix: `Bound the wait (an iteration limit, or \`timeout 300 …\` around it), or set TimeoutStartSec= in [Service] of ${u.name} (e.g. TimeoutStartSec=5min).`,
        });
      }
    }
  },
});
