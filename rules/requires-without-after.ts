import { defineRule } from '../src/engine/rule.js';
import { isActive } from '../src/graph/build.js';
import { fromInput } from '../src/graph/explain.js';

const KINDS: Record<string, string> = { requires: 'Requires', bindsTo: 'BindsTo', requisite: 'Requisite' };

export default defineRule({
  meta: {
    id: 'requires-without-after',
    severity: 'warning',
    category: 'ordering',
    summary: 'Requires=/BindsTo=/Requisite= with no ordering between the two units: they start in parallel',
    docs: `
## What it finds

A unit that \`Requires=\`, \`BindsTo=\` or \`Requisite=\` another unit, while no ordering — explicit
(\`After=\`/\`Before=\`) or implicit (default dependencies, targets, sockets, …), direct or through other
units — puts one before the other.

## Why it bites

Requirement and ordering are independent in systemd. \`Requires=b.service\` alone starts both units
**at the same time**: \`a.service\` may run before \`b.service\` is ready, and if \`b.service\` fails to
start, \`a.service\` is not even stopped because it was already running. With \`Requisite=\` the check
that \`b.service\` is active happens before \`b.service\` had a chance to start, so it fails at random.
It works on the developer's machine and fails on a fast boot.

## How to fix

Add the ordering next to the requirement:

\`\`\`ini
[Unit]
Requires=postgresql.service
After=postgresql.service
\`\`\`

(or \`Before=\` when the requiring unit must come first).
`,
  },
  check(ctx) {
    const { project, graph, where } = ctx;
    const seen = new Set<string>();
    for (const e of graph.deps) {
      const key = KINDS[e.kind];
      if (!key || e.prov.implicit || !fromInput(e.prov)) continue;
      const declaring = project.units.get(e.prov.unit);
      if (!declaring || declaring.origin !== 'input' || declaring.template) continue;
      const from = project.units.get(e.from);
      const to = project.units.get(e.to);
      if ((from && !isActive(from)) || (to && !isActive(to))) continue;
      if (from?.unknownAt('Unit', 'After', 'Before') || to?.unknownAt('Unit', 'After', 'Before')) continue;
      if (graph.orderPath(e.from, e.to) || graph.orderPath(e.to, e.from)) continue;
      // Instances of one template share the line that caused the edge: report it once.
      const at = `${e.prov.location!.file}:${e.prov.location!.line}:${e.prov.location!.column}:${e.kind}`;
      if (seen.has(at)) continue;
      seen.add(at);
      const how = e.prov.unit === e.from ? `${key}=${e.to}` : `${e.prov.directive} in ${e.prov.unit}, which makes ${e.from} require it`;
      const notInInput = to ? '' : ` (${e.to} is not in the input; the ordering still has to be written here)`;
      ctx.report({
        unit: e.prov.unit,
        location: e.prov.location!,
        message:
          `${e.from} has ${how} (${where(e.prov.location)}) but nothing orders the two units${notInInput}: systemd starts them in parallel, ` +
          (e.kind === 'requisite'
            ? `so the check that ${e.to} is active runs before it had a chance to start and fails at random.`
            : `so ${e.from} may run before ${e.to} is ready, and keeps running if ${e.to} fails to start.`),
        fix:
          e.prov.unit === e.from
            ? `Add After=${e.to} to the [Unit] section of ${e.from} (or Before=${e.to} if ${e.from} must come first).`
            : `Add Before=${e.from} to the [Unit] section of ${e.to} (or After=${e.from} if it must come later).`,
      });
    }
  },
});
