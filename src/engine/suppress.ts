/**
 * Inline suppressions in unit files:
 *   # unitlint: disable=RULE[,RULE…] -- reason      (the next assignment)
 *   # unitlint: disable-file=RULE[,RULE…] -- reason (the whole file)
 * `all` matches every rule. A suppression that matches nothing is reported (unused-suppression).
 */
import type { Finding, Location } from '../types.js';
import type { Project } from '../model/load.js';
import type { Node, ParsedNixFile } from '../sources/nix/ast.js';

export interface Suppression {
  file: string;
  kind: 'next' | 'file';
  rules: string[];
  reason: string | undefined;
  location: Location;
  /** For 'next': the line range of the assignment it covers. */
  range?: [number, number];
  used: Set<string>;
}

const RE = /^[#;]\s*unitlint:\s*(disable|disable-file)\s*=\s*([^\s].*?)\s*(?:--\s*(.*))?$/;

export function collectSuppressions(project: Project): Suppression[] {
  const out: Suppression[] = [];
  for (const f of project.files) {
    const p = f.parsed;
    if (!p) continue;
    const assigns = p.sections.flatMap((s) => s.assignments).sort((a, b) => a.line - b.line);
    for (const c of p.comments) {
      const m = RE.exec(c.text);
      if (!m) continue;
      const rules = m[2].split(',').map((r) => r.trim()).filter(Boolean);
      const location: Location = { file: f.path, line: c.line, column: c.column, endLine: c.line, endColumn: c.column + c.text.length };
      const s: Suppression = { file: f.path, kind: m[1] === 'disable' ? 'next' : 'file', rules, reason: m[3]?.trim() || undefined, location, used: new Set() };
      if (s.kind === 'next') {
        const next = assigns.find((a) => a.line > c.line);
        s.range = next ? [next.line, next.endLine] : [c.line + 1, c.line];
      }
      out.push(s);
    }
  }
  return out;
}

/** Returns the findings that no suppression covers, marking the suppressions used. */
export function applySuppressions(findings: Finding[], sups: Suppression[]): Finding[] {
  if (!sups.length) return findings;
  const byFile = new Map<string, Suppression[]>();
  for (const s of sups) {
    let a = byFile.get(s.file);
    if (!a) byFile.set(s.file, (a = []));
    a.push(s);
  }
  return findings.filter((f) => {
    const cands = byFile.get(f.location.file);
    if (!cands) return true;
    let hidden = false;
    for (const s of cands) {
      const rule = s.rules.find((r) => r === f.ruleId || r === 'all');
      if (!rule) continue;
      if (s.kind === 'next' && !(s.range && f.location.line >= s.range[0] && f.location.line <= s.range[1])) continue;
      s.used.add(rule);
      hidden = true;
    }
    return !hidden;
  });
}

const NIX_RE = /^\s*unitlint:\s*(disable|disable-file)\s*=\s*([^\s].*?)\s*(?:--\s*(.*))?$/;

/** Binding line ranges of a Nix file: a suppression covers the next binding, whole. */
function bindingRanges(ast: Node): [number, number][] {
  const out: [number, number][] = [];
  const stack: unknown[] = [ast];
  while (stack.length) {
    const n = stack.pop();
    if (!n || typeof n !== 'object') continue;
    if (Array.isArray(n)) {
      for (const x of n) stack.push(x);
      continue;
    }
    const o = n as Record<string, unknown>;
    if ((o.kind === 'attr' || o.kind === 'inherit') && o.pos) {
      const p = o.pos as { line: number; endLine: number };
      out.push([p.line, p.endLine]);
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'pos' && v && typeof v === 'object') stack.push(v);
  }
  return out.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
}

/** Suppression comments in .nix files (`# unitlint: disable=RULE -- reason` before a binding). */
export function collectNixSuppressions(files: ReadonlyMap<string, ParsedNixFile>): Suppression[] {
  const out: Suppression[] = [];
  for (const [file, p] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let ranges: [number, number][] | undefined;
    for (const c of p.comments) {
      const m = NIX_RE.exec(c.text);
      if (!m) continue;
      const rules = m[2].split(',').map((r) => r.trim()).filter(Boolean);
      const location: Location = { file, line: c.line, column: c.column, endLine: c.line, endColumn: c.column + c.text.length + 1 };
      const s: Suppression = { file, kind: m[1] === 'disable' ? 'next' : 'file', rules, reason: m[3]?.trim() || undefined, location, used: new Set() };
      if (s.kind === 'next') {
        ranges ??= p.ast ? bindingRanges(p.ast) : [];
        const next = ranges.find((r) => r[0] > c.line);
        s.range = next ?? [c.line + 1, c.line + 1];
      }
      out.push(s);
    }
  }
  return out;
}
