import { defineRule } from '../src/engine/rule.js';
import { restartPolicy } from '../src/model/restart.js';
import { judgedUnits } from '../src/model/services.js';
import { assignmentLocation } from '../src/model/unit.js';
import { formatMs } from '../src/model/time.js';
import type { RelatedLocation } from '../src/types.js';

export default defineRule({
  meta: {
    id: 'restart-loop-unbounded',
    severity: 'warning',
    category: 'restart',
    summary: 'Restart= is on and the start limit can never trip: a failing service restarts forever',
    docs: `
## What it finds

A service with \`Restart=\` other than \`no\` whose start-rate limit can never stop it. systemd counts
starts in a window of \`StartLimitIntervalSec=\` (default 10 s) and gives up after
\`StartLimitBurst=\` starts (default 5). With instant failures, \`burst\` restarts take at least the sum
of their \`RestartSec=\` delays (default 100 ms; growing with \`RestartSteps=\`/\`RestartMaxDelaySec=\`
since systemd 254). When that sum is longer than the interval, the window always expires first and the
limit never trips. \`StartLimitIntervalSec=0\` or \`StartLimitBurst=0\` turn the limit off.

With the defaults, **any \`RestartSec=\` above 2 s** (5 × 2 s = 10 s) restarts forever.

Severity: warning when the defaults made it unbounded (or the values you chose do not add up);
info when the unit turns the limit off explicitly (\`StartLimitIntervalSec=0\`, \`StartLimitBurst=0\`),
which usually means "on purpose".

## Why it bites

The incident behind this rule: an agent with \`Restart=on-failure\` and \`RestartSec=5\` whose
certificates were missing restarted 117,647 times in 8 days — filling the journal, hammering its
server, and hiding the real error under a wall of restarts, without ever reaching the \`failed\` state
that monitoring alerts on.

## How to fix

Give the limit a window that fits the delays, in \`[Unit]\`:

\`\`\`ini
[Unit]
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Restart=on-failure
RestartSec=5
\`\`\`

(5 × 5 s = 25 s ≤ 300 s: five quick failures put the unit in \`failed\`, where monitoring sees it.) If it
really must retry forever, say so with \`StartLimitIntervalSec=0\` and consider a growing delay
(\`RestartSteps=\`, \`RestartMaxDelaySec=\`).
`,
  },
  check(ctx) {
    for (const u of judgedUnits(ctx.project, 'service')) {
      const p = restartPolicy(u);
      if (p.mode === 'no' || !p.restart || p.trips || p.unknown) continue;
      const w = ctx.where;
      const related: RelatedLocation[] = [];
      const cite = (v: typeof p.restartSec, what: string) => {
        if (v) related.push({ message: what, location: assignmentLocation(v.at) });
      };
      cite(p.restartSec, `RestartSec=${p.restartSec?.value}`);
      cite(p.stepsAt, `RestartSteps=${p.stepsAt?.value}`);
      cite(p.maxDelayAt, `RestartMaxDelaySec=${p.maxDelayAt?.value}`);
      cite(p.interval, `${p.interval?.at.key}=${p.interval?.value}`);
      cite(p.burstAt, `StartLimitBurst=${p.burstAt?.value}`);

      const rsText = p.restartSec ? `RestartSec=${p.restartSec.value} (${w(p.restartSec.at)})` : `RestartSec=100ms (systemd's default)`;
      const ivText = p.interval ? `${p.interval.at.key}=${p.interval.value} (${w(p.interval.at)})` : `StartLimitIntervalSec=10s (default)`;
      const bText = p.burstAt ? `StartLimitBurst=${p.burstAt.value} (${w(p.burstAt.at)})` : `StartLimitBurst=5 (default)`;
      let why: string;
      let onPurpose = false;
      if (p.intervalMs === 0) {
        why = `${ivText} turns the start limit off.`;
        onPurpose = !!p.interval;
      } else if (p.burst === 0) {
        why = `${bText} turns the start limit off.`;
        onPurpose = !!p.burstAt;
      } else {
        const sum = p.steps > 0 && p.maxDelayMs > p.restartSecMs
          ? `the first ${p.burst} restart delays (growing per RestartSteps=${p.steps} up to ${formatMs(p.maxDelayMs)}) add up to ${formatMs(p.cycleMs)}`
          : `${p.burst} restarts take at least ${p.burst} × ${formatMs(p.restartSecMs)} = ${formatMs(p.cycleMs)}`;
        why =
          `The start limit (${bText} within ${ivText}) trips only if ${p.burst} restarts fit in ${formatMs(p.intervalMs)}, ` +
          `but ${sum} > ${formatMs(p.intervalMs)}, so the window always expires before the limit is reached.`;
      }
      const steady = p.steps > 0 ? p.maxDelayMs : p.restartSecMs;
      const perDay = steady > 0 ? Math.floor(86_400_000 / steady) : Infinity;
      const rate = Number.isFinite(perDay) ? ` — up to ${perDay.toLocaleString('en-US')} restarts a day` : '';
      const burst = p.burst > 0 ? p.burst : 5;
      const needed = Math.max(300, Math.ceil((burst * steady * 2) / 60_000) * 60);
      ctx.report({
        unit: u.name,
        severity: onPurpose ? 'info' : undefined,
        location: assignmentLocation(p.restart.at),
        message:
          `${u.name} restarts forever while it keeps failing: Restart=${p.mode} (${w(p.restart.at)}) with ${rsText}. ${why}` +
          ` It never reaches the failed state that monitoring alerts on; it restarts every ${formatMs(steady)}${rate}.`,
        related,
        fix: onPurpose
          ? `If restarting forever is intended, keep it and note why: "# unitlint: disable=restart-loop-unbounded -- reason" above Restart=. Otherwise remove the setting that turns the limit off and set StartLimitIntervalSec=${needed} and StartLimitBurst=${burst} in [Unit].`
          : `Add to [Unit]: StartLimitIntervalSec=${needed} and StartLimitBurst=${burst} (${burst} × ${formatMs(steady)} ≤ ${needed} s, so repeated failures stop in the failed state). If it must retry forever, say so with StartLimitIntervalSec=0.`,
      });
    }
  },
});
