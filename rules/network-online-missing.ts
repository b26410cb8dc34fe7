import { defineRule } from '../src/engine/rule.js';
import { gateNetworkUses, gateWaits } from '../src/analysis/gates.js';
import { judgedUnits } from '../src/model/services.js';
import type { Location } from '../src/types.js';

export default defineRule({
  meta: {
    id: 'network-online-missing',
    severity: 'warning',
    category: 'health-gate',
    summary: 'The start path reaches a non-local host without Wants= and After=network-online.target',
    docs: `
## What it finds

A service whose start path — \`ExecCondition=\`, \`ExecStartPre=\`, \`ExecStart=\`, \`ExecStartPost=\`, and the
shell scripts they run — reaches a host over the network (a \`curl\`/\`wget\` URL on another host,
\`git clone/fetch/pull\`, \`apt-get\`, \`pip install\`, \`docker pull\`, …) while the unit does not have both
\`Wants=network-online.target\` and \`After=network-online.target\` (directly or through the units it is
ordered after).

## Why it bites

\`network.target\` only means the network stack is up, not that an address is configured or a route
exists. At boot the command runs before DHCP finished and fails with "could not resolve host" — but not
on the developer's machine, where the network was up long before. \`After=\` alone orders against
\`network-online.target\` only if something else pulls it in; \`Wants=\` alone pulls it in without waiting.

## How to fix

\`\`\`ini
[Unit]
Wants=network-online.target
After=network-online.target
\`\`\`
`,
  },
  check(ctx) {
    const { project, graph, where } = ctx;
    const NO = 'network-online.target';
    for (const u of judgedUnits(project, 'service')) {
      if (u.instance === '' || u.unknownAt('Unit', 'Wants', 'After', 'Requires')) continue;
      const uses: { what: string; location: Location; via: string }[] = [];
      for (const n of gateNetworkUses(u, project)) uses.push({ what: `${n.use.command}${n.use.host ? ` (${n.use.host})` : ''}`, location: n.location, via: n.via });
      for (const w of gateWaits(u, project)) {
        const r = w.wait.resource;
        if (r.kind !== 'host') continue;
        if (uses.some((x) => x.location.file === w.location.file && x.location.line === w.location.line && x.what.includes(r.name))) continue;
        uses.push({ what: `${w.wait.probe} ${r.scheme}://${r.name}`, location: w.location, via: w.via });
      }
      if (!uses.length) continue;
      const wants = graph.depsFrom(u.name).some((e) => (e.kind === 'wants' || e.kind === 'requires' || e.kind === 'bindsTo') && e.to === NO);
      const after = !!graph.orderPath(NO, u.name);
      if (wants && after) continue;
      const first = uses.sort((a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line)[0];
      const missing = [!wants ? `Wants=${NO}` : '', !after ? `After=${NO}` : ''].filter(Boolean).join(' and ');
      ctx.report({
        unit: u.name,
        location: first.location,
        message:
          `${u.name} reaches the network at start (${first.via}, ${where(first.location)}: ${first.what}${uses.length > 1 ? `, and ${uses.length - 1} more` : ''}) ` +
          `but lacks ${missing}: at boot it can run before the network is configured and fail.`,
        fix: `Add ${missing} to the [Unit] section of ${u.name}.`,
      });
    }
  },
});
