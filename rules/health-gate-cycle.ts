import { defineRule } from '../src/engine/rule.js';
import { gateWaits, providersOf } from '../src/analysis/gates.js';
import { describeResource } from '../src/analysis/endpoints.js';
import { startTimeout } from '../src/analysis/startpath.js';
import { judgedUnits } from '../src/model/services.js';
import { describeOrderEdge, fromInput, relatedForEdges } from '../src/graph/explain.js';
import { assignmentLocation } from '../src/model/unit.js';

export default defineRule({
  meta: {
    id: 'health-gate-cycle',
    severity: 'error',
    category: 'health-gate',
    summary: "A unit's start path waits on something served by a unit that is ordered after it: boot stalls until the start timeout",
    docs: `
## What it finds

Unit A's start path — \`ExecCondition=\`, \`ExecStartPre=\`, \`ExecStartPost=\`, and \`ExecStart=\` for
\`Type=oneshot\`/\`forking\`/\`notify\`/\`dbus\` — keeps polling a resource (a port, a URL, a unix socket,
another unit via \`systemctl start\`) that unit B provides, while B's start is ordered after A, directly
or through any chain of ordering edges, implicit ones included.

What a unit provides is read from its \`ExecStart=\` arguments (\`--listen 127.0.0.1:8080\`, \`--port\`,
\`PORT=\` in \`Environment=\`, …), its \`.socket\` units, and what you state:
\`# unitlint: serves=https://ci.example.net\` in the unit file. Waits are found in the commands and in
shell scripts (\`sh -c\`, or a script of the input tree run by path), parsed with tree-sitter-bash:
retry loops around \`curl\`/\`wget\`/\`nc -z\`/\`pg_isready\`/\`redis-cli ping\`/\`test -S\`…, \`curl --retry\`,
\`wait-for-it\`, and blocking \`systemctl start\`.

A unit waiting on its own port (the usual readiness check in \`ExecStartPost=\`) is correct and not
reported. A wait on a socket-activated listener is a cycle only if the service that answers is ordered
after A.

## Why it bites

systemd holds B's start job until A's start job ends, because B is ordered after A. A's start job does
not end until B answers. Nothing moves until A's \`TimeoutStartSec=\` fires; then A fails (and whatever
requires it), and B starts late. With no timeout (any \`Type=oneshot\` that does not set one) the boot
hangs for good. \`systemd-analyze verify\` sees nothing wrong.

## How to fix

Break the loop one way:
- drop the ordering that puts B after A (often an \`After=\` added "to be safe"), or
- order B before A (\`Before=a.service\` in B, or \`After=b.service\` in A), or
- move the gate out of A's start path: a separate unit or timer that nothing waits for.

## Example

\`\`\`ini
# deploy-proxy.service
[Service]
Type=oneshot
ExecStartPost=/bin/sh -c 'until curl -fsS https://ci.example.net/health; do sleep 5; done'
TimeoutStartSec=900

# deploy-dashboard.service, which serves https://ci.example.net
[Unit]
After=deploy-proxy.service
\`\`\`

On a cold boot the proxy waits for the dashboard, the dashboard waits for the proxy's start job, and boot
stalls for 15 minutes.
`,
  },
  check(ctx) {
    const { project, graph, where } = ctx;
    for (const a of judgedUnits(project, 'service')) {
      if (a.instance === '') continue; // templates: specifiers are only known per instance
      const timeout = startTimeout(a, (v) => where(assignmentLocation(v.at)));
      for (const gw of gateWaits(a, project)) {
        if (!gw.holds || !gw.wait.retried) continue;
        for (const p of providersOf(gw.wait.resource, project)) {
          const b = p.unit;
          if (b === a || p.socket?.name === a.name) continue; // a unit waiting on itself is a readiness check
          const path = graph.orderPath(a.name, b.name) ?? (p.socket ? graph.orderPath(a.name, p.socket.name) : undefined);
          if (!path || path.length === 0) continue;
          const chain = path.map((e) => `    ${describeOrderEdge(e, where)}`).join('\n');
          const explicit = path.find((e) => !e.prov.implicit && fromInput(e.prov));
          const outcome = Number.isFinite(timeout.ms)
            ? `boot stalls until ${a.name}'s start timeout fires (${timeout.text}), then ${a.name} fails`
            : `${a.name} has no start timeout (${timeout.text}), so boot hangs for good`;
          ctx.report({
            unit: a.name,
            location: gw.location,
            related: [
              { message: `${b.name} serves ${describeResource(p.provided.resource)} (${p.provided.how})`, location: p.provided.at },
              ...relatedForEdges(path),
            ],
            message:
              `Boot deadlock: ${a.name} (${gw.via}, ${where(gw.location)}) waits for ${describeResource(gw.wait.resource)} (${gw.wait.probe}, ${gw.wait.bound})` +
              ` → served by ${b.name}${p.socket ? ` through ${p.socket.name}` : ''} (${p.provided.how}, ${where(p.provided.at)})` +
              ` → ${b.name} is ordered after ${a.name}:\n${chain}\n` +
              `systemd holds ${b.name}'s start job until ${a.name}'s ends, and ${a.name}'s cannot end before ${b.name} answers: ${outcome}.`,
            fix:
              `Break the loop: ${explicit ? `drop ${explicit.prov.directive} in ${explicit.prov.unit} (${where(explicit.prov.location)}), or ` : ''}` +
              `order ${b.name} before ${a.name} (Before=${a.name} in ${b.name}), or move the wait out of ${a.name}'s start path (a separate unit or timer that nothing is ordered after).`,
          });
        }
      }
    }
  },
});
