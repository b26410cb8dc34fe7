#!/usr/bin/env node
// Builds src/catalog/builtin-units.json: the unit files that systemd's own Debian packages ship, with their
// .wants/ and .requires/ links and alias symlinks, plus the systemd.special(7) units that exist without a file.
// Also builds src/catalog/builtin-user-units.json, the same for the per-user service manager: the units those
// packages ship under /lib/systemd/user or /usr/lib/systemd/user, and the special(7) user units.
//
// Usage: node scripts/gen-builtin-units.mjs [--deb FILE.deb ...] [--out PATH] [--user-out PATH]
//   Installed packages are read with `dpkg -L`: systemd, systemd-sysv, udev, and (if installed)
//   systemd-timesyncd, systemd-resolved, libpam-systemd, systemd-container.
//   --deb adds a package that is not installed (e.g. `apt-get download udev=<same version as systemd>`),
//   unpacked with `dpkg-deb -x` into a temporary folder. Only files under /lib/systemd/system or
//   /usr/lib/systemd/system (system manager) and /lib/systemd/user or /usr/lib/systemd/user (user manager)
//   are read.
// Needs dpkg, so it runs on Debian only; its output is committed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REQUIRED = ['systemd', 'systemd-sysv', 'udev'];
const OPTIONAL = ['systemd-timesyncd', 'systemd-resolved', 'libpam-systemd', 'systemd-container'];
const UNIT_DIRS = ['/lib/systemd/system', '/usr/lib/systemd/system'];
const USER_UNIT_DIRS = ['/lib/systemd/user', '/usr/lib/systemd/user'];
const ALL_UNIT_DIRS = [...UNIT_DIRS, ...USER_UNIT_DIRS];
const UNIT_SUFFIX = /\.(service|socket|target|timer|path|mount|automount|swap|slice|scope|device)$/;

// Every unit named in systemd.special(7) of systemd 252 (the man page shipped with Debian's systemd 252).
const SPECIAL_252 = [
  '-.mount', '-.slice', 'app.slice', 'background.slice', 'basic.target', 'blockdev@.target', 'bluetooth.target',
  'boot-complete.target', 'cryptsetup-pre.target', 'cryptsetup.target', 'ctrl-alt-del.target', 'dbus.service',
  'dbus.socket', 'default.target', 'display-manager.service', 'emergency.target', 'exit.target',
  'factory-reset.target', 'final.target', 'first-boot-complete.target', 'getty-pre.target', 'getty.target',
  'graphical-session-pre.target', 'graphical-session.target', 'graphical.target', 'halt.target', 'hibernate.target',
  'hybrid-sleep.target', 'init.scope', 'initrd-fs.target', 'initrd-root-device.target', 'initrd-root-fs.target',
  'initrd-usr-fs.target', 'initrd.target', 'integritysetup-pre.target', 'integritysetup.target', 'kbrequest.target',
  'kexec.target', 'local-fs-pre.target', 'local-fs.target', 'machine.slice', 'machines.target', 'multi-user.target',
  'network-online.target', 'network-pre.target', 'network.target', 'nss-lookup.target', 'nss-user-lookup.target',
  'paths.target', 'poweroff.target', 'printer.target', 'reboot.target', 'remote-cryptsetup.target',
  'remote-fs-pre.target', 'remote-fs.target', 'remote-veritysetup.target', 'rescue.target', 'rpcbind.target',
  'runlevel2.target', 'runlevel3.target', 'runlevel4.target', 'runlevel5.target', 'session.slice', 'shutdown.target',
  'sigpwr.target', 'sleep.target', 'slices.target', 'smartcard.target', 'sockets.target', 'sound.target',
  'suspend-then-hibernate.target', 'suspend.target', 'swap.target', 'sysinit.target', 'syslog.socket',
  'system-update-cleanup.service', 'system-update-pre.target', 'system-update.target', 'system.slice',
  'time-set.target', 'time-sync.target', 'timers.target', 'umount.target', 'usb-gadget.target', 'user.slice',
  'veritysetup-pre.target', 'veritysetup.target', 'xdg-desktop-autostart.target',
];

const USER_MANAGER = 'systemd.special(7): unit of the per-user service manager, shipped in /lib/systemd/user/, not a system unit';
// Why a special(7) unit may have no file under /lib/systemd/system; used only for the units not shipped here.
const SPECIAL_REASONS = {
  '-.mount': 'systemd.special(7): the root file system mount; PID 1 synthesizes it from /proc/self/mountinfo (systemd-fstab-generator adds the /etc/fstab options)',
  '-.slice': 'systemd.special(7): the root slice of the cgroup hierarchy; created by PID 1 itself as a perpetual unit (src/core/slice.c), always active',
  'init.scope': 'systemd.special(7): the scope PID 1 itself runs in; created by PID 1, always active',
  'system.slice': 'systemd.special(7): default slice of system services; created by PID 1 itself as a perpetual unit (slice_make_perpetual() in src/core/slice.c), no unit file is shipped',
  'dbus.service': 'systemd.special(7): provided by D-Bus (the dbus-daemon or dbus-broker package), not by systemd; Type=dbus services get Requires=/After= on dbus.socket',
  'dbus.socket': 'systemd.special(7): provided by D-Bus (the dbus-daemon or dbus-broker package), not by systemd; units with Type=dbus get Requires=/After= on it',
  'display-manager.service': 'systemd.special(7): alias the installed display manager (gdm3, lightdm, sddm …) creates via [Install] Alias=display-manager.service',
  'kbrequest.target': 'systemd.special(7): PID 1 starts it on the Alt+ArrowUp keyboard request; no file is shipped, the administrator may provide one (typically an alias of rescue.target)',
  'machines.target': 'systemd.special(7): shipped by the systemd-container package (systemd-nspawn / systemd-machined)',
  'app.slice': USER_MANAGER,
  'background.slice': USER_MANAGER,
  'session.slice': USER_MANAGER,
  'graphical-session.target': USER_MANAGER,
  'graphical-session-pre.target': USER_MANAGER,
  'xdg-desktop-autostart.target': USER_MANAGER,
  'syslog.socket': 'systemd.special(7): socket a syslog implementation is activated through',
  'system-update.target': 'systemd.special(7): offline-update target; systemd-system-update-generator redirects the boot to it when /system-update exists',
  'smartcard.target': 'systemd.special(7): started by udev when a smartcard reader shows up',
  'ctrl-alt-del.target': 'systemd.special(7): started by PID 1 on Ctrl+Alt+Del; an alias of reboot.target',
  'default.target': 'systemd.special(7): the boot target, an alias of graphical.target or multi-user.target',
  'runlevel2.target': 'systemd.special(7): SysV compatibility alias of multi-user.target',
  'runlevel3.target': 'systemd.special(7): SysV compatibility alias of multi-user.target',
  'runlevel4.target': 'systemd.special(7): SysV compatibility alias of multi-user.target',
  'runlevel5.target': 'systemd.special(7): SysV compatibility alias of graphical.target',
};

// Units that exist at run time without a shipped file: created by PID 1, by a generator in
// /lib/systemd/system-generators, or by another package that systemd's units refer to.
const GENERATED = {
  'tmp.mount': 'not in /lib/systemd/system on Debian 12 (a copy lives in /usr/share/systemd/tmp.mount); systemd-fstab-generator creates it when /etc/fstab mounts /tmp',
  'kernel-command-line.service': 'created by systemd-run-generator when systemd.run= is on the kernel command line',
  'kernel-command-line.target': 'created by systemd-run-generator (with kernel-command-line.service) when systemd.run= is on the kernel command line',
  'systemd-cryptsetup@.service': 'instances are written by systemd-cryptsetup-generator for each /etc/crypttab volume (only system-systemd\\x2dcryptsetup.slice is shipped)',
  'systemd-veritysetup@.service': 'instances are written by systemd-veritysetup-generator from /etc/veritytab and the kernel command line',
  'systemd-integritysetup@.service': 'instances are written by systemd-integritysetup-generator from /etc/integritytab',
};

// Every unit named under "UNITS MANAGED BY THE USER SERVICE MANAGER" (Special User Units, Special Passive User
// Units, Special User Slice Units) in systemd.special(7) of systemd 252.
const SPECIAL_USER_252 = [
  '-.slice', 'app.slice', 'background.slice', 'bluetooth.target', 'default.target', 'exit.target',
  'graphical-session-pre.target', 'graphical-session.target', 'paths.target', 'printer.target', 'session.slice',
  'shutdown.target', 'smartcard.target', 'sockets.target', 'sound.target', 'timers.target',
  'xdg-desktop-autostart.target',
];
// Why a user special(7) unit may have no file under /lib/systemd/user; used only for the units not shipped there.
const SPECIAL_USER_REASONS = {
  '-.slice': "systemd.special(7): the root slice of the user manager's slice hierarchy; created by the manager itself as a perpetual unit (slice_make_perpetual() in src/core/slice.c), always active",
};
// User-manager units that exist without a file shipped by systemd: created by the manager itself, or provided
// by another package.
const USER_GENERATED = {
  'init.scope': 'the scope the user manager (systemd --user) itself runs in; created unconditionally by the manager as a perpetual unit (scope_enumerate_perpetual() in src/core/scope.c), always active',
  'dbus.service': 'provided by D-Bus (Debian: dbus-user-session, or dbus-broker through Alias=dbus.service), not by systemd; Type=dbus user services get Requires=/After= on dbus.socket',
  'dbus.socket': 'provided by D-Bus (Debian: dbus-user-session), not by systemd; Type=dbus user services get Requires=/After= on it',
};

// Units systemd.special(7) of newer releases adds; not known to 252. Versions from the "Added in version N."
// notes of systemd.special(7) shipped with Debian's systemd 262.1.
const SPECIAL_NEWER = {
  'soft-reboot.target': 254, 'capsule.slice': 255, 'capsule@.target': 255, 'storage-target-mode.target': 255,
  'ssh-access.target': 256, 'tpm2.target': 256, 'factory-reset-now.target': 258, 'imports-pre.target': 258,
  'imports.target': 258, 'remote-integritysetup.target': 258,
};

function parseArgs(argv) {
  const debs = [];
  let out = path.join(root, 'src/catalog/builtin-units.json');
  let userOut = path.join(root, 'src/catalog/builtin-user-units.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--deb') debs.push(path.resolve(argv[++i]));
    else if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else if (argv[i] === '--user-out') userOut = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return { debs, out, userOut };
}

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
function installedVersion(pkg) {
  try {
    const [status, version] = sh('dpkg-query', ['-W', '-f=${db:Status-Status}\t${Version}', pkg]).split('\t');
    return status === 'installed' ? version : null;
  } catch {
    return null;
  }
}

/** @returns {{ installPath: string, realPath: string }[]} */
function installedFiles(pkg) {
  return sh('dpkg', ['-L', pkg])
    .split('\n')
    .filter((p) => ALL_UNIT_DIRS.some((d) => p.startsWith(d + '/')))
    .map((p) => ({ installPath: p, realPath: p }));
}

function debFiles(deb) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-deb-'));
  sh('dpkg-deb', ['-x', deb, dir]);
  const pkg = sh('dpkg-deb', ['-f', deb, 'Package']).trim();
  const version = sh('dpkg-deb', ['-f', deb, 'Version']).trim();
  const files = [];
  for (const d of ALL_UNIT_DIRS) {
    const walk = (rel) => {
      const abs = path.join(dir, d, rel);
      for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
        const r = path.posix.join(rel, e.name);
        files.push({ installPath: path.posix.join(d, r), realPath: path.join(dir, d, r) });
        if (e.isDirectory()) walk(r);
      }
    };
    if (fs.existsSync(path.join(dir, d))) walk('');
  }
  return { pkg, version, files, dir };
}

function stripText(text) {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^\s*[#;]/.test(l))
    .join('\n');
}

const { debs, out, userOut } = parseArgs(process.argv.slice(2));
const packages = [];
/** @type {{ installPath: string, realPath: string, pkg: string }[]} */
const files = [];
const cleanup = [];
for (const deb of debs) {
  const d = debFiles(deb);
  cleanup.push(d.dir);
  packages.push({ name: d.pkg, version: d.version, from: `deb ${path.basename(deb)}` });
  for (const f of d.files) files.push({ ...f, pkg: d.pkg });
}
for (const pkg of [...REQUIRED, ...OPTIONAL]) {
  if (packages.some((p) => p.name === pkg)) continue;
  const version = installedVersion(pkg);
  if (!version) {
    if (REQUIRED.includes(pkg)) console.warn(`warning: ${pkg} is neither installed nor given with --deb`);
    continue;
  }
  packages.push({ name: pkg, version, from: 'installed (dpkg -L)' });
  for (const f of installedFiles(pkg)) files.push({ ...f, pkg });
}
packages.sort((a, b) => (a.name < b.name ? -1 : 1));
const systemdVersion = packages.find((p) => p.name === 'systemd')?.version;
if (!systemdVersion) throw new Error('systemd package not found');

const sortedUnique = (xs) => [...new Set(xs)].sort();

/**
 * The units, drop-ins and special units of one service manager, from the files under `dirs`.
 * @param {string[]} dirs the unit folders of that manager (/lib/systemd/system …)
 * @param {string[]} specialList the special(7) units of that manager
 * @param {Record<string, string>} specialReasons why a special unit that is not shipped exists anyway
 * @param {Record<string, string>} generated units that exist at run time without a shipped file
 */
function buildScope(dirs, specialList, specialReasons, generated) {
  // Pass 1: regular unit files, alias symlinks, masked (/dev/null) symlinks, drop-ins.
  const units = new Map(); // name -> data
  const aliasOf = new Map(); // alias name -> canonical name
  const links = []; // { dir: 'sysinit.target', kind: 'wants'|'requires', unit: 'x.service' }
  const dropins = new Map(); // 'foo.service' -> [{ path, text }]
  const rel = (p) => dirs.map((d) => (p.startsWith(d + '/') ? p.slice(d.length + 1) : null)).find((x) => x !== null);
  for (const f of files) {
    const r = rel(f.installPath);
    if (r === undefined) continue; // a file of the other manager
    const parts = r.split('/');
    const st = fs.lstatSync(f.realPath);
    if (parts.length === 1) {
      if (st.isDirectory() || !UNIT_SUFFIX.test(r)) continue;
      if (st.isSymbolicLink()) {
        const target = fs.readlinkSync(f.realPath);
        if (target === '/dev/null') units.set(r, { path: f.installPath, text: '', wants: [], requires: [], aliases: [], masked: true, package: f.pkg });
        else aliasOf.set(r, path.posix.basename(target));
        continue;
      }
      units.set(r, { path: f.installPath, text: stripText(fs.readFileSync(f.realPath, 'utf8')), wants: [], requires: [], aliases: [], package: f.pkg });
    } else if (parts.length === 2) {
      const m = /^(.+)\.(wants|requires|d)$/.exec(parts[0]);
      if (!m || st.isDirectory()) continue;
      if (m[2] === 'd') {
        if (!parts[1].endsWith('.conf')) continue;
        if (!dropins.has(m[1])) dropins.set(m[1], []);
        dropins.get(m[1]).push({ path: f.installPath, text: stripText(fs.readFileSync(f.realPath, 'utf8')) });
      } else links.push({ dir: m[1], kind: m[2], unit: parts[1] });
    }
  }
  const canonical = (name) => {
    const seen = new Set();
    while (aliasOf.has(name) && !seen.has(name)) {
      seen.add(name);
      name = aliasOf.get(name);
    }
    return name;
  };
  for (const [alias] of aliasOf) {
    const c = canonical(alias);
    if (!units.has(c)) throw new Error(`alias ${alias} points at ${c}, which no package ships`);
    units.get(c).aliases.push(alias);
  }
  // A .wants/ folder of an alias (runlevel3.target.wants/) belongs to the unit the alias names.
  for (const l of links) {
    const owner = units.get(canonical(l.dir)) ?? units.get(l.dir);
    if (!owner) throw new Error(`${l.dir}.${l.kind}/${l.unit}: no unit ${l.dir}`);
    owner[l.kind].push(l.unit);
  }

  const unitsOut = {};
  for (const name of [...units.keys()].sort()) {
    const u = units.get(name);
    const o = { path: u.path, package: u.package, text: u.text, wants: sortedUnique(u.wants), requires: sortedUnique(u.requires), aliases: sortedUnique(u.aliases) };
    if (u.masked) o.masked = true;
    unitsOut[name] = o;
  }
  const dropinsOut = {};
  for (const name of [...dropins.keys()].sort()) dropinsOut[name] = dropins.get(name).sort((a, b) => (a.path < b.path ? -1 : 1));

  const known = (name) => units.has(name) || aliasOf.has(name);
  const special = {};
  for (const name of specialList) {
    if (known(name)) continue;
    const why = specialReasons[name];
    if (!why) throw new Error(`systemd.special(7) unit ${name} is not shipped in ${dirs.join(' or ')} and has no reason`);
    special[name] = why;
  }
  for (const [name, why] of Object.entries(generated)) if (!known(name)) special[name] = why;
  const specialOut = {};
  for (const k of Object.keys(special).sort()) specialOut[k] = special[k];
  return { units: unitsOut, dropins: dropinsOut, special: specialOut };
}

const COMMENT =
  'text: the unit file without comment and blank lines. wants/requires: the units linked from the shipped <name>.wants/ and <name>.requires/ folders (including those of its aliases); the Wants=/Requires= lines are in text. aliases: shipped symlinks naming this unit. masked: shipped as a symlink to /dev/null.';
function write(file, doc) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file) || file}: ${Object.keys(doc.units).length} units, ${Object.keys(doc.special).length} special`);
}

const system = buildScope(UNIT_DIRS, SPECIAL_252, SPECIAL_REASONS, GENERATED);
const newerOut = {};
for (const k of Object.keys(SPECIAL_NEWER).sort()) newerOut[k] = { since: SPECIAL_NEWER[k], source: `systemd.special(7): Added in version ${SPECIAL_NEWER[k]}.` };
write(out, {
  generatedBy: 'scripts/gen-builtin-units.mjs',
  systemdVersion,
  packages,
  $comment: COMMENT,
  ...system,
  specialSinceNewer: newerOut,
});

const user = buildScope(USER_UNIT_DIRS, SPECIAL_USER_252, SPECIAL_USER_REASONS, USER_GENERATED);
write(userOut, {
  generatedBy: 'scripts/gen-builtin-units.mjs',
  scope: 'user',
  systemdVersion,
  packages,
  $comment: `Units of the per-user service manager (systemd --user) shipped under ${USER_UNIT_DIRS.join(' or ')} by the packages above. ${COMMENT} special: systemd.special(7) user units (and units the user manager has anyway) that no file of these packages provides.`,
  ...user,
});
for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
