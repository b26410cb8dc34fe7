import { defineRule } from '../src/engine/rule.js';
import { gateWaits, providersOf } from '../src/analysis/gates.js';
import { describeResource } from '../src/analysis/endpoints.js';
import { judgedUnits } from '../src/model/services.js';

export default defineRule({
  meta: {
    id: 'health-gate-unordered',
    severity: 'warning',
    category: 'health-gate',
    summary: "A unit's start path waits on another unit's resource, but nothing orders it after that unit: it works only when the other unit wins the race",
    docs: `
## What it finds

Unit A's start path keeps polling a port, URL, socket or unit that unit B provides (see
\`health-gate-cycle\` for how both are found), and no ordering — explicit or implicit, direct or through
other units — puts B before A (nor A before B, which would be a \`health-gate-cycle\`).

## Why it bites

A and B start in parallel at boot. If B comes up first the gate passes at once; if it does not, A polls until
B is up — or, with a bounded wait, gives up and fails. Which one happens depends on the boot, so it
works on the developer's machine and fails on a fast one. A socket-activated listener that is ordered
before A (every socket is, through \`sockets.target\`) is not a race: the connection waits in the socket.
Units that nothing pulls in at boot — run by a timer, a path unit, a socket or by hand — are not
reported: they run long after boot and simply run again.

## How to fix

Order A after B, so that systemd starts B first and A's gate only covers B's warm-up:

\`\`\`ini
[Unit]
Wants=b.service
After=b.service
\`\`\`
`,
  },
  check(ctx) {
    const { project, graph, where } = ctx;
    const PULLS = new Set(['wants', 'requires', 'requisite', 'bindsTo', 'upholds']);
    for (const a of judgedUnits(project, 'service')) {
      if (a.instance === '') continue;
      // A unit nothing pulls in (started by a timer, a path unit, a socket or by hand) runs long after
      // the units it probes came up, and simply runs again: no race at boot.
      if (!graph.depsTo(a.name).some((e) => PULLS.has(e.kind))) continue;
      const seen = new Set<string>();
      for (const gw of gateWaits(a, project)) {
        if (!gw.holds || !gw.wait.retried || gw.wait.resource.kind === 'unit') continue;
        for (const p of providersOf(gw.wait.resource, project)) {
          const b = p.unit;
          if (b === a || p.socket?.name === a.name) continue;
          if (graph.orderPath(b.name, a.name) || graph.orderPath(a.name, b.name)) continue;
          if (p.socket && graph.orderPath(p.socket.name, a.name)) continue; // the socket listens before A starts
          const key = `${gw.location.file}:${gw.location.line}:${b.name}`;
          if (seen.has(key)) continue;
          seen.add(key);
          ctx.report({
            unit: a.name,
            location: gw.location,
            related: [{ message: `${b.name} serves ${describeResource(p.provided.resource)} (${p.provided.how})`, location: p.provided.at }],
            message:
              `${a.name} (${gw.via}, ${where(gw.location)}) waits for ${describeResource(gw.wait.resource)} (${gw.wait.probe}, ${gw.wait.bound}), ` +
              `served by ${b.name} (${p.provided.how}, ${where(p.provided.at)}), but nothing orders ${a.name} after ${b.name}: ` +
              `they start in parallel and the gate passes only when ${b.name} wins the race${gw.wait.bounded ? `; otherwise ${a.name} gives up and fails` : ''}.`,
            fix: `Add Wants=${b.name} and After=${b.name} to the [Unit] section of ${a.name}.`,
          });
        }
      }
    }
  },
});
