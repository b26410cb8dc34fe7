/**
 * Unit names as systemd understands them (src/basic/unit-name.c, systemd.unit(5) "Specifiers").
 */

export const UNIT_TYPES = [
  'service', 'socket', 'target', 'device', 'mount', 'automount', 'swap', 'timer', 'path', 'slice', 'scope',
] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

const TYPE_SET = new Set<string>(UNIT_TYPES);
const VALID_CHARS = /^[A-Za-z0-9:_.\\-]+$/;
export const UNIT_NAME_MAX = 255;

export interface ParsedName {
  name: string;
  type: UnitType;
  /** Part before '@' (or the whole stem when not a template/instance). */
  prefix: string;
  /** undefined: plain unit; '': template (foo@.service); otherwise the instance. */
  instance: string | undefined;
}

export function unitType(name: string): UnitType | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const t = name.slice(dot + 1);
  return TYPE_SET.has(t) ? (t as UnitType) : undefined;
}

/** unit_name_is_valid(…, UNIT_NAME_ANY). */
export function parseUnitName(name: string): ParsedName | undefined {
  if (name.length === 0 || name.length > UNIT_NAME_MAX) return undefined;
  const type = unitType(name);
  if (!type) return undefined;
  const stem = name.slice(0, name.length - type.length - 1);
  if (stem.length === 0) return undefined;
  const at = stem.indexOf('@');
  if (at < 0) {
    if (!VALID_CHARS.test(stem)) return undefined;
    return { name, type, prefix: stem, instance: undefined };
  }
  if (at === 0) return undefined;
  const prefix = stem.slice(0, at);
  const instance = stem.slice(at + 1);
  if (!VALID_CHARS.test(prefix)) return undefined;
  // Instances may contain '@' too? systemd: instance chars are VALID_CHARS plus '@'.
  if (instance !== '' && !/^[A-Za-z0-9:_.\\@-]+$/.test(instance)) return undefined;
  return { name, type, prefix, instance };
}

export function isTemplate(name: string): boolean {
  return parseUnitName(name)?.instance === '';
}

/** foo@bar.service → foo@.service; undefined for non-instances. */
export function templateOf(name: string): string | undefined {
  const p = parseUnitName(name);
  if (!p || p.instance === undefined || p.instance === '') return undefined;
  return `${p.prefix}@.${p.type}`;
}

/** unit_name_unescape(): '-' → '/', "\xNN" → char. */
export function unescapeName(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})|-/g, (m, h: string | undefined) => (h ? String.fromCharCode(parseInt(h, 16)) : '/'));
}

/** unit_name_path_unescape(): '-' → '/', then \xNN, with a leading '/'. */
export function unescapePath(s: string): string {
  if (s === '-' || s === '') return '/';
  return '/' + unescapeName(s);
}

/** unit_name_path_escape(): the mount unit name for a path ("/var/lib" → "var-lib"). */
export function escapePath(path: string): string {
  const norm = path.replace(/\/+/g, '/').replace(/^\/|\/$/g, '');
  if (norm === '') return '-';
  let out = '';
  for (let i = 0; i < norm.length; i++) {
    const c = norm[i];
    if (c === '/') out += '-';
    else if (/[A-Za-z0-9:_]/.test(c) || (c === '.' && i > 0)) out += c;
    else out += '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
  }
  return out;
}

/** System-manager values of the path specifiers that do not depend on the host. */
const SYSTEM_PATH_SPECIFIERS: Record<string, string> = {
  t: '/run', S: '/var/lib', C: '/var/cache', L: '/var/log', E: '/etc', T: '/tmp', V: '/var/tmp', h: '/root', '%': '%',
};

/**
 * Expands the name specifiers (%n %N %p %P %i %I %j %J %f) and the system-manager path specifiers;
 * host-dependent ones (%H %m %b %u …) are left as they are.
 */
export function expandSpecifiers(value: string, unitName: string): string {
  if (!value.includes('%')) return value;
  const p = parseUnitName(unitName);
  const type = p?.type ?? '';
  const stem = p ? unitName.slice(0, unitName.length - type.length - 1) : unitName;
  const prefix = p?.prefix ?? stem;
  const instance = p?.instance ?? '';
  const dash = prefix.lastIndexOf('-');
  const j = dash >= 0 ? prefix.slice(dash + 1) : prefix;
  return value.replace(/%(.)/g, (m, c: string) => {
    switch (c) {
      case 'n': return unitName;
      case 'N': return stem;
      case 'p': return prefix;
      case 'P': return unescapeName(prefix);
      case 'i': return instance;
      case 'I': return unescapeName(instance);
      case 'j': return j;
      case 'J': return unescapeName(j);
      case 'f': return instance ? unescapePath(instance) : unescapePath(prefix);
      default: return SYSTEM_PATH_SPECIFIERS[c] ?? m;
    }
  });
}
