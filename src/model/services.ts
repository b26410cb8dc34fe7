import type { Project } from './load.js';
import type { Unit } from './unit.js';

/**
 * Input services whose own configuration rules should judge: not masked, loadable, not a drop-in
 * over a unit we do not have, and not an instance (its template is judged once, on the template's file).
 */
export function judgedUnits(project: Project, type?: string): Unit[] {
  return project
    .inputUnits()
    .filter((u) => (!type || u.type === type) && !u.masked && u.loadable && !u.partial && !u.template && !!u.fragment);
}

export interface UnitFileView {
  path: string;
  parsed: import('../sources/unitfile/parser.js').ParsedUnitFile;
  /** The first unit the file belongs to (a shared drop-in may serve several). */
  unit: string;
  type: string;
  role: 'fragment' | 'dropin';
}

/** Every parsed input file (fragments and drop-ins) with the type of unit it configures. */
export function unitFiles(project: Project): UnitFileView[] {
  const out: UnitFileView[] = [];
  for (const f of project.files) {
    if (!f.parsed || (f.role !== 'fragment' && f.role !== 'dropin')) continue;
    const unit = f.units[0];
    const dot = unit.lastIndexOf('.');
    out.push({ path: f.path, parsed: f.parsed, unit, type: dot >= 0 ? unit.slice(dot + 1) : unit, role: f.role });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
