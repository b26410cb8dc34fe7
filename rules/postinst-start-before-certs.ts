import { defineRule } from '../src/engine/rule.js';
import type { Location, RelatedLocation } from '../src/types.js';
import { packageStarts, type PackageStart } from '../src/analysis/packages.js';
import { metBy, pulledIn, unitNeeds, unitsAtRisk, type Need } from '../src/analysis/startneeds.js';
import { assignmentLocation } from '../src/model/unit.js';

function when(s: PackageStart): string {
  if (s.pkg.format === 'rpm') return 'on a fresh install (%post with $1 = 1)';
  if (s.pkg.format === 'arch') return 'on a fresh install (post_install)';
  return 'on a fresh install (postinst configure, no old version)';
}

function list(paths: string[]): string {
  return paths.length <= 1 ? paths.join('') : `${paths.slice(0, -1).join(', ')} and ${paths[paths.length - 1]}`;
}

export default defineRule({
  meta: {
    id: 'postinst-start-before-certs',
    severity: 'error',
    category: 'packaging',
    summary: 'A maintainer script starts a unit before the certificate, key or secret files it needs exist',
    docs: `
## What it finds

A package's install script — a Debian \`postinst\` (including the block \`#DEBHELPER#\` expands to), an
RPM \`%post\` scriptlet or an Arch \`post_install\` — that starts or restarts a service whose
certificate, key or secret files do not exist at that point of a fresh install.

unitlint walks the script in execution order for a fresh install (\`postinst configure\` with no old
version: \`case "$1"\`, \`[ -z "$2" ]\` and \`dpkg --compare-versions "$2" lt …\` are decided, other
branches are followed both ways). It knows what dh_installsystemd generates: the unit is enabled
(if it has an \`[Install]\` section and \`--no-enable\` is not given), then \`deb-systemd-invoke start\`
starts it — only an enabled unit, and not at all with \`--no-start\`.

What a service needs: paths ending in \`.pem\`, \`.crt\`, \`.key\`, \`.p12\` … or under \`ssl/\`, \`tls/\`,
\`certs/\`, \`private/\` named by its \`ExecStart=\` arguments, its \`Environment=\`, \`LoadCredential=\`,
and the values of the configuration files its command line names (\`--config X\`, \`-c X\`: YAML,
JSON, TOML, INI) when the input has them. Units the started unit pulls in (\`Wants=\`, \`Requires=\`)
count too. A need is met when the package ships the file, the script creates it earlier on the same
path (\`openssl req -out\`, \`make-ssl-cert\`, \`cp\`, \`install\`, \`ln -s\`, \`touch\`, \`certbot\`, a
\`>\` redirection), a guard tests it (\`[ -f X ] || exit 0\`), the unit's own \`ExecStartPre=\`
creates it, or the unit has \`ConditionPathExists=\`/\`AssertPathExists=\` for it.

## Why it bites

The service exits at once ("no such file"). With \`Restart=on-failure\` systemd restarts it, and with
a start limit that cannot trip (see \`restart-loop-unbounded\`) it restarts forever — thousands of
restarts per host, until someone creates the certificates by hand. The package install itself may
fail too (\`deb-systemd-invoke\` returns the start's failure to dpkg when \`|| true\` is missing).

## How to fix

Create the files before the start, guard the start, or do not start at install time:

\`\`\`sh
#!/bin/sh
set -e
case "$1" in
  configure)
    if [ ! -e /etc/agent/certs/server.pem ]; then
      make-ssl-cert generate-default-snakeoil
      ln -s /etc/ssl/certs/ssl-cert-snakeoil.pem /etc/agent/certs/server.pem
      ln -s /etc/ssl/private/ssl-cert-snakeoil.key /etc/agent/certs/server.key
    fi
    ;;
esac
#DEBHELPER#
\`\`\`

Or build with \`dh_installsystemd --no-start\` (debian/rules) and document the setup step; or add
\`ConditionPathExists=/etc/agent/certs/server.pem\` to the unit's \`[Unit]\` section, so that a missing
certificate skips the start instead of starting a crash loop.
`,
  },
  check(ctx) {
    const atRisk = unitsAtRisk(ctx.project);
    if (!atRisk.size) return;
    const seen = new Set<string>();
    for (const s of packageStarts(ctx.project, atRisk)) {
      const root = ctx.project.resolve(s.unit);
      if (!root || root.masked) continue;
      for (const { unit: u, via } of pulledIn(root, ctx.project)) {
        if (u.type !== 'service' || u.instance === '') continue;
        const missing: Need[] = unitNeeds(u, ctx.project).filter((n) => !metBy(n, s, u, ctx.project));
        if (!missing.length) continue;
        const key = `${s.location.file}:${s.location.line}:${u.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const w = ctx.where;
        const chain = via.length ? ` (pulled in by ${[...via, u.name].join(' → ')})` : '';
        const items = missing.map((n) => `${n.path} (${n.how}, ${w(n.location)}${n.via ? `, named by ${w(n.via.location)}` : ''})`);
        const gen = s.generated ? `, in ${s.generated}` : '';
        const related: RelatedLocation[] = [];
        if (u.fragment) {
          const exec = u.get('Service', 'ExecStart');
          related.push({ message: `${u.name} is defined here`, location: exec ? assignmentLocation(exec.at) : { file: u.fragment.file, line: 1, column: 1, endLine: 1, endColumn: 1 } });
        }
        for (const n of missing) {
          if (n.via && !related.some((r) => r.location.file === n.via!.location.file && r.location.line === n.via!.location.line)) related.push(n.via);
          related.push({ message: `${u.name} needs ${n.path} (${n.how})`, location: n.location });
        }
        const dhAt: Location | undefined = s.generated ? s.pkg.dh?.options(s.unit).at ?? s.pkg.dh?.rulesAt : undefined;
        if (dhAt) related.push({ message: 'dh_installsystemd options for this package', location: dhAt });
        const restart = u.get('Service', 'Restart')?.value;
        const loop = restart && restart !== 'no' ? ` With Restart=${restart} it is restarted into the same failure until the start limit stops it (see restart-loop-unbounded).` : '';
        ctx.report({
          unit: u.name,
          location: s.location,
          message:
            `${w(s.location)} (\`${s.text}\`${s.text.includes('$') ? `, here ${s.action} ${s.unit}` : ''}${gen}) starts ${s.unit}${chain} ${when(s)}, but ${u.name} needs ${missing.length === 1 ? 'a file that does not' : 'files that do not'} exist at that point: ${items.join('; ')}. ` +
            `${s.pkg.shippedKnown ? `Package ${s.pkg.name} does not ship ${missing.length === 1 ? 'it' : 'them'}` : `Nothing in the input has ${missing.length === 1 ? 'it' : 'them'} (what package ${s.pkg.name} ships is not in the input)`}, the script neither creates nor tests ${missing.length === 1 ? 'it' : 'them'} before this line, and the unit has no ConditionPathExists= for ${missing.length === 1 ? 'it' : 'them'}: the service fails at once.${loop}`,
          related,
          fix:
            `Create ${list(missing.map((n) => n.path))} in the ${s.script.kind} before the start (make-ssl-cert, openssl req -out …, or a link to the snakeoil pair), or guard the start ([ -f ${missing[0].path} ] || exit 0), ` +
            `or do not start at install time (${s.pkg.format === 'deb-source' ? 'dh_installsystemd --no-start in debian/rules' : s.pkg.format === 'rpm' ? 'drop the systemctl start from %post' : 'do not start the unit from the script'}), ` +
            `or add ConditionPathExists=${missing[0].path} to [Unit] in ${u.name} so that a missing file skips the start instead of a crash loop.`,
        });
      }
    }
  },
});
