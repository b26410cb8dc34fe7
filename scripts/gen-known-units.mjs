#!/usr/bin/env node
// Builds src/catalog/known-units.json: the names of the unit files that any Debian package of this
// machine's release ships in /lib/systemd/system or /usr/lib/systemd/system, so that the linter knows
// networking.service (ifupdown) or ssh.service (openssh-server) are real units. `userUnits` lists, the same
// way, the units any package ships for the per-user manager in /lib/systemd/user or /usr/lib/systemd/user
// (org.gnome.SettingsDaemon.Power.target from gnome-settings-daemon-common, dbus.socket from dbus-user-session).
//
// Needs apt-file with fresh Contents indices:
//   apt-get update && apt-get install -y apt-file && apt-file update
// Usage: node scripts/gen-known-units.mjs [output-path]   (default: src/catalog/known-units.json)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outPath = path.resolve(process.argv[2] ?? path.join(root, 'src/catalog/known-units.json'));
const PATTERN = '^/(usr/)?lib/systemd/system/[^/]+\\.(service|socket|target|timer|path|mount|automount|swap|slice)$';
const USER_PATTERN = PATTERN.replace('/system/', '/user/');
const MAX_BYTES = 400 * 1024;

const osRelease = Object.fromEntries(
  fs
    .readFileSync('/etc/os-release', 'utf8')
    .split('\n')
    .map((l) => /^([A-Z_]+)=("?)(.*)\2$/.exec(l))
    .filter(Boolean)
    .map((m) => [m[1], m[3]]),
);
const debianVersion = fs.existsSync('/etc/debian_version') ? fs.readFileSync('/etc/debian_version', 'utf8').trim() : undefined;

/** @returns {Map<string, Set<string>>} unit name -> set of packages */
function search(pattern) {
  let listing;
  try {
    listing = execFileSync('apt-file', ['search', '-x', pattern], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    console.error('apt-file search failed; run `apt-get install -y apt-file && apt-file update` first.');
    throw e;
  }
  const byName = new Map();
  for (const line of listing.split('\n')) {
    const m = /^([^:]+): (\S+)$/.exec(line.trim());
    if (!m) continue;
    const name = path.posix.basename(m[2]);
    if (!byName.has(name)) byName.set(name, new Set());
    byName.get(name).add(m[1]);
  }
  if (byName.size === 0) throw new Error(`apt-file found no unit files for ${pattern}; is \`apt-file update\` done?`);
  return byName;
}

const byName = search(PATTERN);
const byUserName = search(USER_PATTERN);
const names = [...byName.keys()].sort();
const userNames = [...byUserName.keys()].sort();
const doc = {
  generatedBy: 'scripts/gen-known-units.mjs',
  debianRelease: `${osRelease.PRETTY_NAME ?? 'Debian'}${debianVersion ? ` (debian_version ${debianVersion})` : ''}`,
  source: `apt-file search -x '${PATTERN}' over the Contents indices of the configured Debian suites`,
  units: names,
  packages: Object.fromEntries(names.map((n) => [n, [...byName.get(n)].sort()])),
  userSource: `apt-file search -x '${USER_PATTERN}' (units of the per-user service manager)`,
  userUnits: userNames,
  userPackages: Object.fromEntries(userNames.map((n) => [n, [...byUserName.get(n)].sort()])),
};
let text = JSON.stringify(doc, null, 1) + '\n';
if (Buffer.byteLength(text) > MAX_BYTES) {
  delete doc.packages;
  delete doc.userPackages;
  text = JSON.stringify(doc, null, 1) + '\n';
}
fs.mkdirSync(path.dirname(outPath), { recursive: true });
fs.writeFileSync(outPath, text);
console.log(`wrote ${path.relative(process.cwd(), outPath) || outPath}: ${names.length} system and ${userNames.length} user unit names, ${Buffer.byteLength(text)} bytes`);
