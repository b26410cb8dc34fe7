import { defineRule } from '../src/engine/rule.js';
import type { OrderEdge } from '../src/graph/build.js';
import { describeOrderEdge, fromInput, relatedForEdges } from '../src/graph/explain.js';

const EARLY_TARGETS = new Set([
  'sysinit.target', 'local-fs.target', 'local-fs-pre.target', 'basic.target', 'sockets.target',
  'timers.target', 'paths.target', 'swap.target', 'cryptsetup.target', 'systemd-journald.socket',
  'systemd-tmpfiles-setup.service', 'remote-fs.target', 'initrd.target', 'initrd-root-fs.target',
]);

export default defineRule({
  meta: {
    id: 'ordering-cycle',
    severity: 'error',
    category: 'ordering',
    summary: 'Units are ordered in a cycle (After=/Before=, including systemd\'s implicit and default dependencies)',
    docs: `
## What it finds

A cycle in the ordering graph: unit A must start before B, B before C, … and the last one before A.
Every ordering edge counts — explicit \`After=\`/\`Before=\` lines, and the ones systemd adds by itself:

- \`DefaultDependencies=yes\` (the default) puts every service after \`sysinit.target\` and
  \`basic.target\`, every socket before \`sockets.target\`, every timer before \`timers.target\`, and
  every unit before \`shutdown.target\`;
- a target orders itself after every unit it pulls in (\`WantedBy=multi-user.target\` makes
  \`multi-user.target\` wait for the unit);
- sockets, timers and path units are ordered before the unit they trigger;
- \`Sockets=\`, \`Type=dbus\`, \`PrivateTmp=\`, \`RequiresMountsFor=\`, \`Slice=\` and journal logging add
  their own \`After=\`.

systemd's own units (\`sysinit.target\`, \`basic.target\`, …) are modelled with their real ordering.
One finding is reported per cycle (strongly connected component), showing one shortest cycle with the
cause and \`file:line\` of every edge.

## Why it bites

systemd cannot order a cycle. At boot it logs "Found ordering cycle" and **deletes the start job of
one unit in the cycle** to break it — which unit is not chosen by you. That unit silently does not
start (or a target is reached without it), often only on some boots.

## How to fix

Remove or invert one edge of the cycle, usually the explicit line the finding points at. A unit that
must run before \`sysinit.target\` or \`local-fs.target\` (early boot) needs \`DefaultDependencies=no\`,
because the default dependencies put it after \`basic.target\`, which comes after those targets; then
add \`Conflicts=shutdown.target\` and \`Before=shutdown.target\` yourself.

## Example

\`\`\`ini
# early-setup.service
[Unit]
Description=Prepare disks
# cycle: the default dependencies put it after basic.target,
# which is after sysinit.target, which is after local-fs.target
Before=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/prepare-disks
\`\`\`

Fixed:

\`\`\`ini
[Unit]
DefaultDependencies=no
Before=local-fs.target shutdown.target
Conflicts=shutdown.target
\`\`\`
`,
  },
  check(ctx) {
    const { graph, project, where } = ctx;
    for (const comp of graph.cycles()) {
      const within = new Set(comp);
      // Only report cycles the input takes part in.
      const compEdges = comp.flatMap((n) => graph.outOrder(n).filter((e) => within.has(e.after)));
      if (!compEdges.some((e) => fromInput(e.prov))) continue;
      const cycle = shortestCycle(graph, comp, within);
      if (!cycle) continue;
      // Blame the first explicit edge from the input; else the first implicit one from the input.
      const primary =
        cycle.find((e) => !e.prov.implicit && fromInput(e.prov)) ?? cycle.find((e) => fromInput(e.prov)) ?? cycle[0];
      const units = cycle.map((e) => e.before);
      const chain = [...units, units[0]].join(' → ');
      const lines = cycle.map((e) => `  ${describeOrderEdge(e, where)}`);
      const extra = comp.length > cycle.length ? `\nThe units ${comp.filter((n) => !units.includes(n)).join(', ')} are caught in the same knot of orderings.` : '';
      const early = cycle.find(
        (e) => !e.prov.implicit && fromInput(e.prov) && EARLY_TARGETS.has(e.after) &&
          project.units.get(e.before)?.bool('Unit', 'DefaultDependencies', true) !== false,
      );
      const defaultEdge = cycle.find((e) => e.prov.implicit?.startsWith('DefaultDependencies=yes'));
      let fix: string;
      if (early && defaultEdge) {
        fix = `${early.before} must run before ${early.after} (early boot), but its default dependencies order it after sysinit.target and basic.target. Set DefaultDependencies=no in its [Unit] section (then add Conflicts=shutdown.target and Before=shutdown.target yourself), or drop ${early.prov.directive} at ${where(early.prov.location)}.`;
      } else {
        fix = `Remove or invert one ordering edge of the cycle — most likely ${primary.prov.implicit ? `the setting that causes "${primary.prov.directive}"` : primary.prov.directive} in ${primary.prov.unit} at ${where(primary.prov.location)}.`;
      }
      ctx.report({
        unit: primary.prov.unit,
        location: primary.prov.location!,
        message:
          `Ordering cycle: ${chain}. systemd cannot order these units; at boot it deletes the start job of one of them to break the cycle, so that unit silently does not start.\n` +
          `The cycle, edge by edge (X → Y means X is started before Y):\n${lines.join('\n')}${extra}`,
        related: relatedForEdges(cycle, primary),
        fix,
      });
    }
  },
});

/** One shortest cycle inside a strongly connected component, deterministic. */
function shortestCycle(graph: import('../src/graph/build.js').BootGraph, comp: string[], within: Set<string>): OrderEdge[] | undefined {
  let best: OrderEdge[] | undefined;
  for (const start of comp.slice(0, 64)) {
    for (const e of graph.outOrder(start).filter((x) => within.has(x.after)).sort((a, b) => (a.after < b.after ? -1 : a.after > b.after ? 1 : a.id - b.id))) {
      const back = graph.orderPath(e.after, start, within);
      if (!back) continue;
      const cyc = [e, ...back];
      if (!best || cyc.length < best.length) best = cyc;
    }
    if (best && best.length === 2) break;
  }
  if (!best) return undefined;
  // Prefer, among equal edges between the same pair of units, an explicit edge from the input.
  return best.map((e) => {
    const alts = graph.orderEdgesBetween(e.before, e.after);
    return alts.find((a) => !a.prov.implicit && fromInput(a.prov)) ?? alts.find((a) => fromInput(a.prov)) ?? e;
  });
}
