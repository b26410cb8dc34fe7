/**
 * The generated catalog of systemd facts: which directives each section knows (and since which systemd
 * version), and systemd's own units. The data files sit next to this module (the build copies *.json
 * into dist/) and are read lazily, once.
 *
 * - directives.json    scripts/gen-catalog.mjs        (systemd 252 dump + later additions/removals)
 * - builtin-units.json scripts/gen-builtin-units.mjs  (unit files of Debian 12's systemd packages)
 * - builtin-user-units.json  scripts/gen-builtin-units.mjs  (the same for the per-user service manager)
 * - known-units.json   scripts/gen-known-units.mjs    (optional: unit names any Debian package ships, for the
 *                      system manager in `units` and the per-user manager in `userUnits`)
 */
import fs from 'node:fs';

/** Which service manager a unit belongs to: PID 1 ('system') or `systemd --user` ('user'). */
export type CatalogScope = 'system' | 'user';

export interface DirectiveInfo {
  section: string;
  key: string;
  /** The value syntax systemd's --dump-configuration-items reports, e.g. "BOOLEAN", "UNIT [...]", "OTHER". */
  type: string;
  /** null: known to systemd 252 (the base); a number: the systemd release that introduced it. */
  since: number | null;
  /** The first release that no longer accepts it (cgroup-v1 settings: 258). */
  removed?: number;
  /** What to use instead, e.g. "MemoryMax=". */
  replacement?: string;
}

export interface BuiltinUnitData {
  name: string;
  path: string;
  /** The unit file without comment and blank lines. Empty for masked units (shipped as a /dev/null link). */
  text: string;
  /** Units linked from the shipped <name>.wants/ folder (and those of its aliases); Wants= lines are in text. */
  wants: string[];
  /** Units linked from the shipped <name>.requires/ folder; Requires= lines are in text. */
  requires: string[];
  /** Shipped symlinks naming this unit, e.g. default.target for graphical.target. */
  aliases: string[];
}

interface DirectiveEntry {
  type: string;
  since: number | null;
  removed?: number;
  replacement?: string;
}
interface DirectivesFile {
  baseVersion: number;
  sections: Record<string, Record<string, DirectiveEntry>>;
  values: { section: string; key: string; value: string; since: number }[];
  unitTypeSections: Record<string, string[]>;
}
interface BuiltinUnitsFile {
  units: Record<string, { path: string; text: string; wants: string[]; requires: string[]; aliases: string[] }>;
  special: Record<string, string>;
}
interface KnownUnitsFile {
  units: string[];
  /** Absent in files generated before the user scope existed. */
  userUnits?: string[];
}

function readJson<T>(name: string): T {
  return JSON.parse(fs.readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as T;
}

let directivesCache: DirectivesFile | undefined;
function directives(): DirectivesFile {
  return (directivesCache ??= readJson<DirectivesFile>('directives.json'));
}

const BUILTIN_FILES: Record<CatalogScope, string> = { system: 'builtin-units.json', user: 'builtin-user-units.json' };
const builtinCache: Partial<Record<CatalogScope, BuiltinUnitsFile>> = {};
function builtin(scope: CatalogScope): BuiltinUnitsFile {
  return (builtinCache[scope] ??= readJson<BuiltinUnitsFile>(BUILTIN_FILES[scope]));
}

let knownCache: Record<CatalogScope, Set<string>> | null | undefined;
function known(scope: CatalogScope): Set<string> | null {
  if (knownCache === undefined) {
    try {
      const f = readJson<KnownUnitsFile>('known-units.json');
      knownCache = { system: new Set(f.units), user: new Set(f.userUnits ?? []) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      knownCache = null;
    }
  }
  return knownCache === null ? null : knownCache[scope];
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** What systemd knows about `key` in `[section]`; undefined if no systemd version (252 or later) has it there. */
export function directiveInfo(section: string, key: string): DirectiveInfo | undefined {
  const s = directives().sections;
  if (!has(s, section) || !has(s[section], key)) return undefined;
  const e = s[section][key];
  const info: DirectiveInfo = { section, key, type: e.type, since: e.since };
  if (e.removed !== undefined) info.removed = e.removed;
  if (e.replacement !== undefined) info.replacement = e.replacement;
  return info;
}

/** All keys known in that section, in any version (sorted); [] for an unknown section. */
export function sectionKeys(section: string): string[] {
  const s = directives().sections;
  return has(s, section) ? Object.keys(s[section]) : [];
}

/** The sections that have directives: Automount, Install, Mount, Path, Scope, Service, Slice, Socket, Swap, Timer, Unit. */
export function knownSections(): string[] {
  return Object.keys(directives().sections);
}

/**
 * The sections systemd reads for a unit type ("service" or ".service"), from the unit vtables in
 * src/core/*.c: [Unit], the type's own section and [Install]. Target and device units have a [Target] /
 * [Device] section that systemd accepts but that has no settings. [] for an unknown type.
 */
export function sectionsForUnitType(type: string): string[] {
  const t = type.replace(/^\./, '');
  const m = directives().unitTypeSections;
  return has(m, t) ? [...m[t]] : [];
}

/** The sections in which `key` is a directive, e.g. 'After' -> ['Unit'], 'ExecStart' -> ['Service']. */
export function sectionsDefiningKey(key: string): string[] {
  const s = directives().sections;
  return Object.keys(s).filter((sec) => has(s[sec], key));
}

/** For values that later releases added to an existing directive (Type=notify-reload: 253). */
export function valueInfo(section: string, key: string, value: string): { since: number } | undefined {
  const v = directives().values.find((x) => x.section === section && x.key === key && x.value === value);
  return v ? { since: v.since } : undefined;
}

const builtinLists: Partial<Record<CatalogScope, BuiltinUnitData[]>> = {};
/**
 * The unit files shipped by systemd's Debian packages, sorted by name: those of the system manager
 * (/lib/systemd/system) or, with 'user', those of the per-user manager (/usr/lib/systemd/user).
 */
export function builtinUnits(scope: CatalogScope = 'system'): BuiltinUnitData[] {
  let builtinList = builtinLists[scope];
  if (!builtinList) {
    const units = builtin(scope).units;
    builtinList = builtinLists[scope] = Object.keys(units)
      .sort()
      .map((name) => {
        const u = units[name];
        return { name, path: u.path, text: u.text, wants: [...u.wants], requires: [...u.requires], aliases: [...u.aliases] };
      });
  }
  return builtinList.map((u) => ({ ...u, wants: [...u.wants], requires: [...u.requires], aliases: [...u.aliases] }));
}

/**
 * Why a unit exists without a shipped file: systemd.special(7) units that PID 1, another package or the
 * user manager provides (-.slice, init.scope, dbus.service, …), and units generators create. With 'user',
 * the same for the per-user manager (-.slice, init.scope, dbus.socket from dbus-user-session, …).
 */
export function specialUnitReason(name: string, scope: CatalogScope = 'system'): string | undefined {
  const s = builtin(scope).special;
  return has(s, name) ? s[name] : undefined;
}

/**
 * Whether any Debian package ships a unit file of that name (known-units.json) for that manager:
 * /lib/systemd/system for 'system', /usr/lib/systemd/user for 'user'. False if that file is absent.
 */
export function isKnownDistroUnit(name: string, scope: CatalogScope = 'system'): boolean {
  return known(scope)?.has(name) ?? false;
}

/** The systemd version the catalog's `since: null` refers to. */
export function catalogBaseVersion(): number {
  return directives().baseVersion;
}

/**
 * Units a NixOS system has that neither systemd nor Debian ships: the base system's own services and
 * the names nixpkgs' modules give the units they generate (acme-<cert>.service, podman-<name>.service,
 * network-addresses-<if>.service, …). A reference to one of these from a NixOS host is not unknown.
 */
const NIXOS_UNITS = new Set([
  'network-setup.service', 'network-local-commands.service', 'dhcpcd.service', 'firewall.service', 'nftables.service',
  'resolvconf.service', 'nscd.service', 'nix-daemon.service', 'nix-daemon.socket', 'nix-gc.service', 'nix-gc.timer',
  'nix-optimise.service', 'nix-optimise.timer', 'nixos-upgrade.service', 'nixos-upgrade.timer', 'post-resume.service',
  'post-resume.target', 'pre-sleep.service', 'post-boot.service', 'suid-sgid-wrappers.service', 'mount-pstore.service',
  'prepare-kexec.service', 'save-hwclock.service', 'polkit.service', 'dbus.service', 'dbus.socket', 'audit.service',
  'logrotate.service', 'logrotate-checkconf.service', 'sshd.service', 'sshd.socket', 'userborn.service', 'acme-setup.service',
  'acme-fixperms.service', 'acme-lockfiles.service', 'podman.service', 'podman.socket', 'docker.service', 'docker.socket',
  'nginx-config-reload.service', 'postgresql.service', 'postgresql-setup.service', 'mysql.service', 'tailscaled.service',
  'fail2ban.service', 'chronyd.service', 'systemd-timesyncd.service', 'home-manager.service', 'reload-systemd-vconsole-setup.service',
  'ldconfig.service', 'network-pre.target', 'nss-user-lookup.target', 'acme-finished.target', 'container-getty@.service',
  'container@.service', 'kresd@.service', 'vault.service', 'consul.service', 'caddy.service', 'traefik.service', 'grafana.service',
  'prometheus.service', 'loki.service', 'promtail.service', 'gitea.service', 'forgejo.service', 'hydra-init.service',
  'postgresql.target', 'mysql.target', 'redis.target', 'nixos-activation.service', 'agenix.target', 'sops-install-secrets-for-users.service',
  'systemd-tmpfiles-resetup.service', 'network-interfaces.target', 'setup-network.target',
]);
const NIXOS_PATTERNS = [
  /^network-(addresses|link)-.+\.service$/, /^acme-(selfsigned-|order-renew-)?.+\.(service|timer)$/, /^acme-finished-.+\.target$/,
  /^(podman|docker)-.+\.service$/, /^phpfpm-.+\.service$/, /^redis-.+\.service$/, /^container@.+\.service$/, /^wireguard-.+\.(service|target)$/,
  /^wg-quick-.+\.service$/, /^openvpn-.+\.service$/, /^prometheus-.+-exporter\.service$/, /^restic-backups-.+\.(service|timer)$/,
  /^borgbackup-job-.+\.(service|timer)$/, /^systemd-networkd-wait-online@.+\.service$/, /^unit-script-.+$/,
];

export function isKnownNixosUnit(name: string): boolean {
  return NIXOS_UNITS.has(name) || NIXOS_PATTERNS.some((r) => r.test(name));
}
