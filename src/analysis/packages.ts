/**
 * What the packages' install scripts do to units: each package's postinst (or %post, or post_install)
 * walked for a fresh install, with the `#DEBHELPER#` token of a Debian source script expanded into
 * the blocks dh_installsystemd generates for the package's units (enable, then start — or restart on
 * upgrade — as its options in debian/rules say). Positions are mapped back to the input: a line of a
 * generated block maps to the `#DEBHELPER#` line (or to debian/rules when debhelper writes the whole
 * script).
 */
import type { Location } from '../types.js';
import type { Project } from '../model/load.js';
import type { Unit } from '../model/unit.js';
import type { DhOptions, Package, ScriptSource } from '../sources/packaging/model.js';
import { runMaintScript, type Fact, type Scenario, type StartEvent } from './maintscript.js';

export interface MappedFact {
  how: Fact['how'];
  text: string;
  location: Location;
}

export interface PackageStart {
  pkg: Package;
  script: ScriptSource;
  /** The unit the command starts. */
  unit: string;
  action: string;
  /** The command as written (for a generated block: the generated command). */
  text: string;
  location: Location;
  /** Set when the command comes from a block debhelper generates: what generated it. */
  generated?: string;
  /** Files known to exist at that point (exact paths) and folders created as a whole. */
  facts: Map<string, MappedFact>;
  prefixes: Map<string, MappedFact>;
  scenario: Scenario['name'];
}

const cache = new WeakMap<Project, Map<Package, PackageStart[]>>();

/**
 * The unit starts of the packages' install scripts (fresh install). Needs initShell() first.
 * With `only`, a script is walked only when it can start one of those units: its text names one (or
 * its stem), or its #DEBHELPER# block would; parsing and walking every script of a large tree costs
 * far more than this textual check.
 */
export function packageStarts(project: Project, only?: ReadonlySet<string>): PackageStart[] {
  let byPkg = cache.get(project);
  if (!byPkg) cache.set(project, (byPkg = new Map()));
  const out: PackageStart[] = [];
  for (const pkg of project.packages ?? []) {
    const script = pkg.postinst;
    if (!script) continue;
    let starts = byPkg.get(pkg);
    if (!starts) {
      if (only && !mayStart(pkg, script, only)) continue;
      starts = scriptStarts(pkg, script, project);
      byPkg.set(pkg, starts);
    }
    out.push(...(only ? starts.filter((s) => only.has(project.resolve(s.unit)?.name ?? s.unit)) : starts));
  }
  return out;
}

function mayStart(pkg: Package, script: ScriptSource, only: ReadonlySet<string>): boolean {
  for (const u of only) {
    if (script.debhelperLine !== undefined && pkg.format === 'deb-source' && pkg.units.has(u)) return true;
    const stem = u.replace(/\.service$/, '');
    if (script.text.includes(stem)) return true;
  }
  return false;
}

function scenarioOf(pkg: Package): { scenario: Scenario; entry?: { name: string; args: string[] } } {
  if (pkg.format === 'rpm') return { scenario: { name: 'install', positional: ['%post', '1'] } };
  if (pkg.format === 'arch') return { scenario: { name: 'install', positional: [pkg.postinst!.file] }, entry: { name: 'post_install', args: ['1.0-1'] } };
  return { scenario: { name: 'install', positional: ['postinst', 'configure', ''] } };
}

function hasInstallSection(u: Unit | undefined): boolean {
  return !!u?.sources().some((s) => s.parsed.sections.some((sec) => sec.name === 'Install'));
}

/** The dh_installsystemd blocks for a package, as the autoscripts read (debhelper 13). */
export function debhelperBlock(pkg: Package, project: Project): string {
  const units = [...pkg.units].filter((u) => !u.includes('@')).sort();
  const lines: string[] = [];
  const cfg = (u: string): DhOptions => pkg.dh?.options(u) ?? { noStart: false, noEnable: false, restartAfterUpgrade: true };
  const guard = `if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ] ; then`;
  for (const u of units) {
    if (!hasInstallSection(project.resolve(u))) continue;
    if (cfg(u).noEnable) {
      lines.push(guard, `if deb-systemd-helper debian-installed '${u}'; then`, `deb-systemd-helper unmask '${u}' >/dev/null || true`, `if deb-systemd-helper --quiet was-enabled '${u}'; then`, `deb-systemd-helper enable '${u}' >/dev/null || true`, 'fi', 'fi', `deb-systemd-helper update-state '${u}' >/dev/null || true`, 'fi');
    } else {
      lines.push(`deb-systemd-helper unmask '${u}' >/dev/null || true`, `if deb-systemd-helper --quiet was-enabled '${u}'; then`, `deb-systemd-helper enable '${u}' >/dev/null || true`, 'else', `deb-systemd-helper update-state '${u}' >/dev/null || true`, 'fi');
    }
  }
  // One start block per distinct set of options (dh_installsystemd runs once per call in debian/rules).
  const groups = new Map<string, string[]>();
  for (const u of units) {
    const o = cfg(u);
    const k = `${o.noStart}/${o.restartAfterUpgrade}`;
    groups.set(k, [...(groups.get(k) ?? []), u]);
  }
  for (const [k, us] of groups) {
    const [noStart, restart] = k.split('/').map((x) => x === 'true');
    const list = us.map((u) => `'${u}'`).join(' ');
    if (restart) {
      lines.push(guard, `if [ -z "\${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then`, 'systemctl --system daemon-reload >/dev/null || true');
      if (noStart) lines.push('if [ -n "$2" ]; then', `deb-systemd-invoke restart ${list} >/dev/null || true`, 'fi');
      else lines.push('if [ -n "$2" ]; then', '_dh_action=restart', 'else', '_dh_action=start', 'fi', `deb-systemd-invoke $_dh_action ${list} >/dev/null || true`);
      lines.push('fi', 'fi');
    } else if (!noStart) {
      lines.push(guard, `if [ -z "\${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then`, 'systemctl --system daemon-reload >/dev/null || true', `deb-systemd-invoke start ${list} >/dev/null || true`, 'fi', 'fi');
    }
  }
  return lines.join('\n');
}

function scriptStarts(pkg: Package, script: ScriptSource, project: Project): PackageStart[] {
  let text = script.text;
  let blockLines = 0;
  const tok = script.debhelperLine;
  if (tok !== undefined && pkg.format === 'deb-source') {
    const all = text.split('\n');
    const block = debhelperBlock(pkg, project);
    const b = block ? block.split('\n') : [':'];
    blockLines = b.length;
    text = [...all.slice(0, tok - 1), ...b, ...all.slice(tok)].join('\n');
  }
  const generatedAt = script.generated ? pkg.dh?.rulesAt : undefined;
  const map = (line: number, column: number): { location: Location; generated?: string } => {
    if (tok !== undefined && blockLines && line >= tok && line < tok + blockLines) {
      const gen = script.generated
        ? `the postinst debhelper writes for ${pkg.name} (there is no debian/${pkg.name}.postinst): dh_installsystemd's block`
        : `the dh_installsystemd block that #DEBHELPER# (line ${tok}) expands to`;
      const at = generatedAt ?? { file: script.file, line: tok, column: 1, endLine: tok, endColumn: 12 };
      return { location: at, generated: gen };
    }
    const l = tok !== undefined && blockLines && line >= tok + blockLines ? line - blockLines + 1 : line;
    const real = l + script.lineOffset;
    return { location: { file: script.file, line: real, column, endLine: real, endColumn: column + 1 } };
  };
  const mapFact = (f: Fact): MappedFact => ({ how: f.how, text: f.text, location: map(f.line, f.column).location });
  const { scenario, entry } = scenarioOf(pkg);
  let starts: StartEvent[];
  try {
    starts = runMaintScript(text, scenario, {
      nativeUnits: pkg.units,
      entry,
      env: { DPKG_MAINTSCRIPT_PACKAGE: pkg.name, DPKG_MAINTSCRIPT_NAME: 'postinst' },
    }).starts;
  } catch {
    return [];
  }
  const out: PackageStart[] = [];
  for (const e of starts) {
    const m = map(e.line, e.column);
    const lineText = text.split('\n')[e.line - 1] ?? '';
    const endColumn = m.generated ? m.location.endColumn : e.column + lineText.slice(e.column - 1).trimEnd().length;
    const location = m.generated ? m.location : { ...m.location, endColumn };
    const facts = new Map([...e.facts].map(([k, f]) => [k, mapFact(f)]));
    const prefixes = new Map([...e.prefixes].map(([k, f]) => [k, mapFact(f)]));
    for (const unit of e.units) out.push({ pkg, script, unit, action: e.action, text: m.generated ? `${e.action} ${unit}` : e.text, location, generated: m.generated, facts, prefixes, scenario: scenario.name });
  }
  return out;
}
