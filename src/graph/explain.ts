/**
 * Human explanations of graph edges, shared by every rule that prints a chain of units.
 */
import type { Location, RelatedLocation } from '../types.js';
import type { OrderEdge, DepEdge, Provenance } from './build.js';

export type Where = (loc: Location | undefined) => string;

/** "After=a.service in b.service (b.service:3)" or "implicit: … (a.service:1)". */
export function describeProvenance(p: Provenance, where: Where): string {
  const at = p.location ? ` (${where(p.location)})` : '';
  if (p.implicit) return `implicit: ${p.implicit}${at}`;
  return `${p.directive} in ${p.unit}${at}`;
}

/** "a.service → b.service: After=a.service in b.service (b.service:3)". */
export function describeOrderEdge(e: OrderEdge, where: Where): string {
  return `${e.before} → ${e.after}: ${describeProvenance(e.prov, where)}`;
}

export function describeDepEdge(e: DepEdge, where: Where): string {
  return `${e.from} ${e.kind} ${e.to}: ${describeProvenance(e.prov, where)}`;
}

/** True when the edge comes from a file of the input (not from systemd's own units). */
export function fromInput(p: Provenance): boolean {
  return !!p.location && !p.location.file.startsWith('systemd:');
}

export function relatedForEdges(edges: OrderEdge[], skip?: OrderEdge): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  for (const e of edges) {
    if (e === skip || !e.prov.location || !fromInput(e.prov)) continue;
    out.push({
      message: e.prov.implicit
        ? `${e.before} → ${e.after} (implicit: ${e.prov.implicit})`
        : `${e.before} → ${e.after} (${e.prov.directive} in ${e.prov.unit})`,
      location: e.prov.location,
    });
  }
  return out;
}
