import path from 'node:path';
import { defineRule } from '../src/engine/rule.js';
import type { RelatedLocation } from '../src/types.js';
import { hostSecrets, keysForHost, readAgenixRules, readSopsConfigs } from '../src/nix/secrets.js';

export default defineRule({
  meta: {
    id: 'agenix-missing-recipient',
    severity: 'error',
    category: 'nix',
    summary: "A NixOS host decrypts a secret that is not encrypted to the host's key (agenix secrets.nix, sops-nix .sops.yaml)",
    docs: `
## What it finds

A host of the flake (\`nixosConfigurations.<host>\`) that decrypts an agenix secret
(\`age.secrets.<name>.file = ./secrets/x.age\`) while the tree's \`secrets.nix\` does not list the host's
key among \`"x.age".publicKeys\`; and the same for sops-nix: a host's \`sops.secrets\` file whose
\`.sops.yaml\` creation rule does not list the host's age key.

A host is matched to its key by name: the \`secrets.nix\` binding (\`let web1 = "ssh-ed25519 …";\`, or
\`hosts.web1\`) or the \`.sops.yaml\` anchor (\`&web1\`, \`&host_web1\`) named like the flake attribute
or \`networking.hostName\`. When no key is named like the host, unitlint cannot judge and stays quiet.

## Why it bites

The secret is encrypted only to the keys listed when it was (re-)encrypted. On a host that is not a
recipient, activation cannot decrypt it: \`/run/agenix/<name>\` (or \`/run/secrets/<name>\`) is missing,
and every unit that reads it fails at start — with \`Restart=\` set, it flaps until the start limit, or
forever.

## How to fix

Add the host's key to the secret's recipients and re-encrypt (\`agenix -r\`, or
\`sops updatekeys FILE\`), or stop decrypting the secret on that host.

## Example

\`\`\`nix
# secrets.nix
let
  web1 = "ssh-ed25519 AAAA…web1";
  db1 = "ssh-ed25519 AAAA…db1";
in {
  "db-password.age".publicKeys = [ db1 ];
}

# hosts/web1.nix
age.secrets.db-password.file = ../secrets/db-password.age;
\`\`\`

web1 decrypts \`db-password.age\`, which is encrypted to db1 only: add \`web1\` to its publicKeys and
run \`agenix -r\`.
`,
  },
  check(ctx) {
    const { project } = ctx;
    const nix = project.nix;
    if (!nix || project.scope !== 'system') return;
    const secrets = hostSecrets(project);
    if (!secrets.length) return;
    const hn = nix.host.merged(['networking', 'hostName']);
    const hostNames = [nix.host.name, hn.t === 'string' && !hn.unknown ? hn.v : ''].filter(Boolean);
    if (!hostNames.length) return;
    const label = nix.host.name ? `host ${nix.host.name}` : `host ${hostNames[0]}`;

    const agenix = secrets.some((s) => s.tool === 'agenix') ? readAgenixRules(project) : [];
    for (const s of secrets.filter((x) => x.tool === 'agenix')) {
      for (const rules of agenix) {
        const entry = rules.entries.find((e) => e.file === s.file);
        const hostKeys = hostNames.flatMap((n) => keysForHost(rules.keys, n));
        if (!hostKeys.length) continue;
        const rel = ctx.relPath(rules.file);
        if (!entry) {
          if (path.dirname(s.file) !== path.dirname(rules.file) && !s.file.startsWith(path.dirname(rules.file) + path.sep)) continue;
          ctx.report({
            unit: null,
            location: s.at,
            related: [{ message: `${rel} lists the recipients of the secrets next to it`, location: { file: rules.file, line: 1, column: 1, endLine: 1, endColumn: 1 } }],
            message:
              `${label} decrypts ${ctx.relPath(s.file)} (age.secrets.${s.name}.file, ${ctx.where(s.at)}), but ${rel} has no entry for ${path.basename(s.file)}, so nothing says it is encrypted to ${label}'s key (${hostKeys[0].names[0]}, ${ctx.where(hostKeys[0].at)}). ` +
              `If it is not, activation cannot decrypt it: /run/agenix/${s.name} is missing and every unit that reads it fails at start.`,
            fix: `Add "${path.basename(s.file)}".publicKeys = [ ${hostKeys[0].names[0]} … ]; to ${rel} and run agenix -r.`,
          });
          continue;
        }
        if (entry.open) continue;
        if (hostKeys.some((k) => entry.keys.includes(k.key))) continue;
        const related: RelatedLocation[] = [
          { message: `"${path.basename(s.file)}".publicKeys`, location: entry.at },
          { message: `${label}'s key (${hostKeys[0].names[0]})`, location: hostKeys[0].at },
        ];
        ctx.report({
          unit: null,
          location: s.at,
          related,
          message:
            `${label} decrypts ${ctx.relPath(s.file)} (age.secrets.${s.name}.file, ${ctx.where(s.at)}), but its recipients in ${rel} (${ctx.where(entry.at)}) do not include ${label}'s key ` +
            `${hostKeys[0].names[0]} (${ctx.where(hostKeys[0].at)}). Activation on ${hostNames[0]} cannot decrypt it: /run/agenix/${s.name} is missing and every unit that reads it fails at start (with Restart=, it flaps).`,
          fix: `Add ${hostKeys[0].names[0]} to "${path.basename(s.file)}".publicKeys in ${rel} and re-encrypt with agenix -r (or stop decrypting ${s.name} on ${hostNames[0]}).`,
        });
      }
    }

    const sopsSecrets = secrets.filter((x) => x.tool === 'sops');
    if (!sopsSecrets.length) return;
    for (const conf of readSopsConfigs(project.roots)) {
      const hostKeys = hostNames.flatMap((n) => keysForHost(conf.keys, n));
      if (!hostKeys.length) continue;
      const base = path.dirname(conf.file);
      const seen = new Set<string>();
      for (const s of sopsSecrets) {
        if (!s.file.startsWith(base + path.sep)) continue;
        const rel = path.relative(base, s.file).split(path.sep).join('/');
        const rule = conf.rules.find((r) => r.regex.test(rel));
        if (!rule) continue;
        if (hostKeys.some((k) => rule.keys.includes(k.key))) continue;
        const k = `${s.file}:${s.at.line}`;
        if (seen.has(k)) continue;
        seen.add(k);
        ctx.report({
          unit: null,
          location: s.at,
          related: [
            { message: `creation rule path_regex: ${rule.regexText}`, location: rule.at },
            { message: `${label}'s key (&${hostKeys[0].names[0]})`, location: hostKeys[0].at },
          ],
          message:
            `${label} decrypts ${ctx.relPath(s.file)} (sops secret ${s.name}, ${ctx.where(s.at)}), but the .sops.yaml creation rule that matches it (path_regex ${rule.regexText}, ${ctx.where(rule.at)}) does not list ${label}'s age key ` +
            `&${hostKeys[0].names[0]} (${ctx.where(hostKeys[0].at)}). sops-install-secrets cannot decrypt it on ${hostNames[0]}, and every unit that reads /run/secrets/${s.name} fails at start.`,
          fix: `Add *${hostKeys[0].names[0]} to that creation rule's age keys and run sops updatekeys ${rel}.`,
        });
      }
    }
  },
});
