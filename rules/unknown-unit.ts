import { defineRule } from '../src/engine/rule.js';
import { builtinUnits, isKnownDistroUnit, isKnownNixosUnit, specialUnitReason } from '../src/catalog/index.js';
import { DEP_KEYS_UNIT } from '../src/model/load.js';
import { parseUnitName, templateOf, unitType } from '../src/model/names.js';
import { wordLocation, type Unit } from '../src/model/unit.js';
import type { Assignment } from '../src/sources/unitfile/parser.js';
import { splitUnitList } from '../src/sources/unitfile/words.js';
import { globToRegExp } from '../src/config.js';
import { editDistance } from '../src/util/text.js';
import type { Location } from '../src/types.js';

/** Types whose units are generated at run time (udev devices, fstab mounts, implicit slices, scopes). */
const GENERATED_TYPES = new Set(['device', 'mount', 'automount', 'swap', 'slice', 'scope']);

interface Ref {
  name: string;
  key: string;
  location: Location;
}

const UNIT_KEYS = new Set<string>(DEP_KEYS_UNIT);
const INSTALL_KEYS = new Set(['WantedBy', 'RequiredBy', 'UpheldBy', 'Also']);
const TYPE_KEYS: Record<string, [string, string, boolean]> = {
  service: ['Service', 'Sockets', true],
  socket: ['Socket', 'Service', false],
  timer: ['Timer', 'Unit', false],
  path: ['Path', 'Unit', false],
};

function references(u: Unit): Ref[] {
  const out: Ref[] = [];
  const add = (key: string, assigns: Assignment[], list: boolean) => {
    const effective = list ? assigns : assigns.slice(-1);
    for (const a of effective) {
      if (a.value === '') continue;
      // In a template, names built from %i and friends are only known per instance.
      if (u.instance === '' && /%[iIjJf]/.test(a.value)) continue;
      for (const w of splitUnitList(u.expandValue(a.value))) {
        if (w.text.includes('%')) continue;
        out.push({ name: w.text, key, location: wordLocation(a, w.start, w.end) });
      }
    }
  };
  for (const [k, assigns] of u.section('Unit')) if (UNIT_KEYS.has(k)) add(k, assigns, true);
  for (const [k, assigns] of u.section('Install')) if (INSTALL_KEYS.has(k)) add(k, assigns, true);
  const tk = TYPE_KEYS[u.type];
  if (tk) add(tk[1], u.assignments(tk[0], tk[1]), tk[2]);
  for (const l of u.links) {
    if (!l.location.file.startsWith('systemd:')) out.push({ name: l.target, key: `${u.name}.${l.kind}/`, location: l.location });
  }
  return out;
}

const INFLECTIONS = ['ing', 'ed', 'd', 's'];

/**
 * A candidate the reference is probably a typo of. Deliberately tight, because real unit names from
 * other distributions and packages are often near each other (iptables/nftables, virtlxcd/virtlogd):
 * for targets, two edits (names of 6+ characters) or an inflected form (networking.target →
 * network.target); for other types, one edit from one of systemd's own units, or from an input unit
 * when the name is long (8+ characters: ipset/ipsec are both real); a difference of case always.
 */
export function nearMiss(stem: string, type: string, candidates: string[], isBuiltin: (name: string) => boolean): string | undefined {
  const lower = stem.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const cs = c.slice(0, c.length - type.length - 1);
    if (cs === stem) continue;
    const lc = cs.toLowerCase();
    let d: number;
    if (lc === lower) d = 0;
    else if (type === 'target' && INFLECTIONS.some((x) => lower === lc + x)) d = 1;
    else {
      const max = type === 'target'
        ? (stem.length >= 6 ? 2 : 1)
        : stem.length >= (isBuiltin(c) ? 4 : 8) ? 1 : 0;
      d = editDistance(lower, lc, max);
      if (d > max) continue;
    }
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

function consequence(key: string, unit: string, name: string): string {
  if (key === 'After' || key === 'Before') return `the ordering is against nothing, so ${unit} does not wait for what it meant to.`;
  if (key === 'WantedBy' || key === 'RequiredBy' || key === 'UpheldBy') return `enabling ${unit} links it into ${name}.${key === 'WantedBy' ? 'wants' : key === 'RequiredBy' ? 'requires' : 'upholds'}/, which nothing starts, so ${unit} does not start at boot.`;
  if (key === 'OnFailure' || key === 'OnSuccess') return `nothing runs when ${unit} ${key === 'OnFailure' ? 'fails' : 'succeeds'}.`;
  if (key === 'Conflicts') return 'the conflict is with nothing.';
  return `the dependency pulls in nothing, so what ${unit} needs is not started for it.`;
}

/**
 * agenix-install-secrets.service and sops-install-secrets.service exist only when secrets are installed
 * by a unit instead of the activation script: with systemd-sysusers or userborn (and, for sops-nix,
 * sops.useSystemdActivation). Undefined when the name is not one of them or the mode is on.
 */
function secretInstallUnit(name: string, project: import('../src/model/load.js').Project): { tool: string; when: string } | undefined {
  const tool = name === 'agenix-install-secrets.service' ? 'agenix' : name === 'sops-install-secrets.service' ? 'sops-nix' : undefined;
  if (!tool || !project.nix) return undefined;
  // Newer agenix (age.installationMode) always has the unit when the host has secrets.
  if (tool === 'agenix' && project.nix.host.defs(['age', 'installationMode']).length) return undefined;
  const on = (p: string[]) => {
    const v = project.nix!.host.merged(p);
    return v.t === 'bool' ? v.v : v.t === 'unknown' && v.at.line > 0 ? undefined : false;
  };
  const modes = [on(['systemd', 'sysusers', 'enable']), on(['services', 'userborn', 'enable'])];
  if (tool === 'sops-nix') modes.push(on(['sops', 'useSystemdActivation']));
  if (modes.some((m) => m !== false)) return undefined; // on, or not known
  return {
    tool,
    when: tool === 'agenix' ? 'systemd.sysusers.enable or services.userborn.enable' : 'systemd.sysusers.enable, services.userborn.enable or sops.useSystemdActivation'
  };
}

export default defineRule({
  meta: {
    id: 'unknown-unit',
    severity: 'error',
    category: 'references',
    summary: 'A dependency names a unit that neither the input nor systemd defines (a near miss, or an undefined target)',
    docs: `
## What it finds

A unit name in \`After=\`, \`Wants=\`, \`Requires=\`, \`WantedBy=\`, \`Sockets=\`, \`Unit=\`, a \`.wants/\`
link, … that no file in the input defines and that systemd does not ship:

- **error** when it is a near miss of a unit that does exist (\`networking.target\` →
  \`network.target\`, \`network-online.service\` → \`network-online.target\`), when it is an undefined
  \`.target\`, or when it is not a valid unit name at all (\`After=network\`, without a suffix);
- **error** on a NixOS host ordered on \`agenix-install-secrets.service\` or
  \`sops-install-secrets.service\` while secrets are installed by the activation script (neither
  \`systemd.sysusers.enable\` nor \`services.userborn.enable\` — nor, for sops-nix,
  \`sops.useSystemdActivation\` — is on, and no \`age.installationMode\` of newer agenix is set): the
  unit does not exist, the ordering is against nothing;
- **warning**, only with \`"strict": true\` in the configuration, for any other unit nobody defines. A
  repository rarely holds every unit it references (\`postgresql.service\` comes from a package), so
  by default these are not reported.

Known without being in the input: systemd's own units and the special units of systemd.special(7),
unit files shipped by Debian packages, on NixOS hosts the units NixOS and its modules generate
(\`acme-<cert>.service\`, \`podman-<name>.service\`, the \`<x>.service\` of \`services.<x>.enable\`, …),
generated units (\`.device\`, \`.mount\`, \`.swap\`, \`.slice\`,
\`.scope\`), instances of templates, and whatever you list in \`knownUnits\` in the configuration
(globs allowed: \`"knownUnits": ["myapp-*.service"]\`).

## Why it bites

systemd does not complain about a dependency on a unit that does not exist: \`After=\` on a missing
unit orders against nothing, \`Wants=\` pulls in nothing. \`After=networking.target\` (a real mistake
found in several NixOS modules) means the service starts without waiting for the network at all.

## How to fix

Use the suggested name; if the unit really exists on your hosts, add it to \`knownUnits\`.

## Example

\`\`\`ini
[Unit]
After=networking.target
\`\`\`

There is no \`networking.target\`: write \`After=network.target\` (or \`network-online.target\` with
\`Wants=network-online.target\` if the service needs a configured network).
`,
  },
  check(ctx) {
    const { project, config } = ctx;
    const knownGlobs = config.knownUnits.map(globToRegExp);
    const defined = (n: string): boolean => {
      const u = project.units.get(n);
      if (u && u.origin !== 'referenced') return true;
      if (project.aliasOf.has(n)) return true;
      if (specialUnitReason(n, project.scope) !== undefined || isKnownDistroUnit(n, project.scope)) return true;
      if (project.nix && isKnownNixosUnit(n)) return true;
      if (knownGlobs.some((g) => g.test(n))) return true;
      const t = templateOf(n);
      if (t && (t !== n) && defined(t)) return true;
      return false;
    };
    // Suggestions are only needed for names nobody defines: build the candidate lists on first need.
    let lists: { candidates: string[]; builtinNames: Set<string>; byType: Map<string, string[]>; byStem: Map<string, string[]> } | undefined;
    const suggestions = () => {
      if (lists) return lists;
      const candidates = [
        ...new Set<string>([
          ...[...project.units.values()].filter((u) => u.origin !== 'referenced').map((u) => u.name),
          ...project.aliasOf.keys(),
          ...builtinUnits(project.scope).map((b) => b.name),
        ]),
      ]
        .filter((c) => parseUnitName(c)?.instance !== '')
        .sort();
      const builtinNames = new Set(builtinUnits(project.scope).map((b) => b.name));
      const byType = new Map<string, string[]>();
      for (const c of candidates) {
        const t = c.slice(c.lastIndexOf('.') + 1);
        (byType.get(t) ?? byType.set(t, []).get(t)!).push(c);
      }
      const byStem = new Map<string, string[]>();
      for (const c of candidates) {
        const stem = c.slice(0, c.lastIndexOf('.'));
        let a = byStem.get(stem);
        if (!a) byStem.set(stem, (a = []));
        a.push(c);
      }
      lists = { candidates, builtinNames, byType, byStem };
      return lists;
    };
    const seen = new Set<string>();
    for (const u of project.inputUnits()) {
      if (u.template) continue;
      for (const r of references(u)) {
        const key = `${r.location.file}:${r.location.line}:${r.location.column}:${r.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const pn = parseUnitName(r.name);
        if (!pn) {
          const { byStem } = suggestions();
          const guess = byStem.get(r.name)?.find((c) => c.endsWith('.target')) ?? byStem.get(r.name)?.[0];
          ctx.report({
            unit: u.name,
            location: r.location,
            message: `"${r.name}" in ${r.key}= is not a valid unit name${unitType(r.name) ? '' : ' (a unit name needs a type suffix such as .service or .target)'}; systemd ignores this dependency ("Failed to add dependency on ${r.name}").${guess ? ` Did you mean ${guess}?` : ''}`,
            fix: guess ? `Write ${guess}.` : 'Write the full unit name, with its suffix.',
          });
          continue;
        }
        const secretsMode = project.nix ? secretInstallUnit(r.name, project) : undefined;
        if (secretsMode) {
          ctx.report({
            unit: u.name,
            location: r.location,
            message:
              `${r.key}=${r.name} (${ctx.where(r.location)}): ${r.name} exists only when ${secretsMode.when} is true. ` +
              `This host does not turn that on, so ${secretsMode.tool} decrypts its secrets in the activation script, before any unit starts, and no such unit exists: ${consequence(r.key, u.name, r.name)}`,
            fix: `Drop ${r.name} from ${r.key}= (in activation-script mode the secrets are in place before units start), or turn on ${secretsMode.when} on this host.`,
          });
          continue;
        }
        if (defined(r.name) || r.name === u.name) continue;
        const stem = pn.name.slice(0, pn.name.length - pn.type.length - 1);
        const { byType, byStem, builtinNames } = suggestions();
        const sameType = byType.get(pn.type) ?? [];
        let guess = nearMiss(stem, pn.type, sameType, (c) => builtinNames.has(c));
        if (!guess) guess = byStem.get(stem)?.find((c) => c !== r.name && (project.units.get(c)?.builtin || c.endsWith('.target')));
        const isTarget = pn.type === 'target';
        if (guess || isTarget) {
          const gu = guess ? project.units.get(guess) : undefined;
          const related = gu?.fragment && !gu.fragment.builtin ? [{ message: `${guess} is defined here`, location: { file: gu.fragment.file, line: 1, column: 1, endLine: 1, endColumn: 1 } }] : [];
          ctx.report({
            unit: u.name,
            location: r.location,
            related,
            message:
              `${r.key}=${r.name} (${ctx.where(r.location)}) names a unit that neither the input nor systemd defines` +
              (guess ? ` — did you mean ${guess}?` : '.') +
              ` systemd accepts the reference silently: ${consequence(r.key, u.name, r.name)}`,
            fix: guess
              ? `Write ${guess}.`
              : `Use an existing target (network.target, network-online.target, multi-user.target, …), define ${r.name} in the tree, or add it to knownUnits in the configuration if your hosts provide it.`,
          });
          continue;
        }
        if (GENERATED_TYPES.has(pn.type) || !config.strict) continue;
        ctx.report({
          unit: u.name,
          severity: 'warning',
          location: r.location,
          message: `${r.key}=${r.name}: no unit of that name is defined in the input, shipped by systemd, or listed in knownUnits.`,
          fix: `Check the spelling; if ${r.name} comes from a package on your hosts, add it to knownUnits in the configuration.`,
        });
      }
    }
  },
});
