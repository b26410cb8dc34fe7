/**
 * What certificate, key and secret files a unit needs: the extraction layer under the
 * postinst-start-before-certs rule.
 *
 * - isSecretPath(): is this absolute path a certificate / key / secret file that a host (or a
 *   package's scripts) must provide — not a well-known system file, not a pseudo-file, not a pattern?
 * - pathsInConfig(): every absolute path that a configuration file's values name, with its position
 *   (YAML, JSON, TOML, INI, directive languages such as nginx/apache/sshd/redis, else a line scan).
 * - configArgs(): the configuration files a command line names (`--config X`, `-c X`, …).
 * - secretPathsInArgs(): the secret paths among a command line's words (`--tls-key=/x.key`, …).
 *
 * Everything here is pure (no file system access) and never throws on odd input.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { parse as parseToml, TomlError } from 'smol-toml';
import { unsafe as iniUnsafe } from 'ini';

// =============================================================================================
// isSecretPath
// =============================================================================================

/**
 * Extensions of certificate, key and key-store files (compared in lower case). The brief's list
 * (.pem .crt .cer .key .p12 .pfx .der .jks .keystore) plus their close kin: PKCS#7 bundles (.p7b,
 * .p7c), PKCS#8 keys (.pk8, .p8), Java/BouncyCastle stores (.truststore, .bks) and CRLs (.crl, which
 * a TLS server configured with one refuses to start without).
 */
export const SECRET_EXTENSIONS: ReadonlySet<string> = new Set([
  'pem', 'crt', 'cer', 'key', 'p12', 'pfx', 'der', 'jks', 'keystore',
  'p7b', 'p7c', 'pk8', 'p8', 'truststore', 'bks', 'crl',
]);

/** Directory names that hold certificates, keys or secrets (compared in lower case). */
export const SECRET_DIRS: ReadonlySet<string> = new Set([
  'ssl', 'tls', 'certs', 'cert', 'certificates', 'private', 'secrets', 'secret', 'pki', 'keys', 'keystore', 'keystores',
]);

/**
 * Extensions that, under a SECRET_DIRS directory, name something other than key material:
 * configuration, code, documentation, logs and run-time files, archives, package-manager leftovers
 * and backups. (Only the directory rule consults this list; a `.pem` is a `.pem` wherever it is.)
 */
const NOT_SECRET_EXTENSIONS: ReadonlySet<string> = new Set([
  'conf', 'cnf', 'cfg', 'cf', 'ini', 'yaml', 'yml', 'json', 'toml', 'xml', 'hcl', 'properties', 'env',
  'sh', 'bash', 'py', 'pl', 'rb', 'js', 'lua', 'php', 'so', 'a', 'd', 'service', 'socket', 'timer', 'target', 'mount', 'path',
  'md', 'rst', 'html', 'htm', 'log', 'pid', 'sock', 'lock', 'tmp', 'swp',
  'gz', 'xz', 'bz2', 'zst', 'tar', 'tgz', 'zip', 'deb', 'rpm',
  'sample', 'example', 'dist', 'tmpl', 'template', 'in', 'bak', 'old', 'orig', 'new', 'save',
  'dpkg-old', 'dpkg-new', 'dpkg-dist', 'dpkg-bak', 'dpkg-tmp', 'ucf-old', 'ucf-new', 'ucf-dist', 'rpmnew', 'rpmsave', 'pacnew', 'pacsave',
]);

/**
 * Well-known files that every Debian/RPM/Arch host has, or that another package creates by design
 * (a package that uses them depends on that package, which is configured first): the system CA
 * bundles and the ssl-cert package's snake-oil pair.
 */
export const WELL_KNOWN_FILES: ReadonlySet<string> = new Set([
  '/etc/ssl/certs/ca-certificates.crt', // Debian/Ubuntu/Arch (ca-certificates)
  '/etc/ssl/cert.pem', // Arch, Alpine, BSD-style link to the bundle
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/certs/ca-bundle.crt', // RHEL/Fedora
  '/etc/pki/tls/certs/ca-bundle.trust.crt',
  '/etc/pki/tls/cert.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/ssl/certs/ssl-cert-snakeoil.pem', // Debian ssl-cert (its postinst runs make-ssl-cert)
  '/etc/ssl/private/ssl-cert-snakeoil.key',
]);

/**
 * Trees that never hold a host's own secret file: pseudo file systems, systemd's credential
 * directory (systemd fills it from LoadCredential= before the service starts), the system trust
 * stores, and package-shipped trees (/usr/share, /usr/lib, /nix/store …: public files that exist as
 * soon as their package is unpacked).
 */
const NOT_SECRET_TREES: readonly string[] = [
  '/dev/', '/proc/', '/sys/', '/run/credentials/',
  '/etc/pki/ca-trust/', '/etc/ca-certificates/', '/etc/ssl/certs/java/',
  '/usr/share/', '/usr/lib/', '/usr/lib32/', '/usr/lib64/', '/usr/libexec/', '/lib/', '/lib32/', '/lib64/',
  '/usr/bin/', '/usr/sbin/', '/bin/', '/sbin/', '/nix/store/',
];

/** Debian's OPENSSLDIR links into /etc/ssl: /usr/lib/ssl/{certs,private} are /etc/ssl/{certs,private}. */
const USR_LIB_SSL = /^\/usr\/lib\/ssl\/(certs|private)\//;

/** Characters that make a string a pattern, a template or a variable reference rather than a path. */
const NOT_CONCRETE = /[$%*?{}[\]<>`\0\n\r\t]/;

/** `name.ext` where ext is 1–16 letters/digits/-/_ and not a number (OpenSSL hash links `5ed36f99.0`, `.r0`). */
function fileExtension(base: string): string | undefined {
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  const ext = base.slice(dot + 1).toLowerCase();
  if (!/^[a-z0-9_-]{1,16}$/.test(ext) || /^r?\d+$/.test(ext)) return undefined;
  return ext;
}

/**
 * True for an absolute path to a certificate, key or secret file. Decision table, first match wins:
 *
 * | # | the path …                                                                   | result |
 * |---|------------------------------------------------------------------------------|--------|
 * | 1 | is not absolute (does not start with `/`), or is `/` alone                   | false  |
 * | 2 | contains `$ % * ? { } [ ] < >`, a back-quote, a control character or a `...` | false  |
 * |   | component (a variable, a systemd specifier, a glob, a placeholder)           |        |
 * | 3 | ends in `/`, or its last component is `.` or `..` (a directory)              | false  |
 * | 4 | is one of WELL_KNOWN_FILES (system CA bundles, ssl-cert's snake-oil pair)    | false  |
 * | 5 | is under /dev, /proc, /sys, /run/credentials, a system trust store           | false  |
 * |   | (/etc/pki/ca-trust, /etc/ca-certificates, /etc/ssl/certs/java) or a          |        |
 * |   | package-shipped tree (/usr/share, /usr/lib*, /lib*, /usr/bin, /nix/store …), |        |
 * |   | except /usr/lib/ssl/{certs,private}/ (Debian links them to /etc/ssl)         |        |
 * | 6 | has a SECRET_EXTENSIONS extension (.pem .crt .cer .key .p12 .pfx .der .jks   | true   |
 * |   | .keystore .p7b .p7c .pk8 .p8 .truststore .bks .crl), in any case             |        |
 * | 7 | has a directory component in SECRET_DIRS (ssl tls certs cert certificates    | true   |
 * |   | private secrets secret pki keys keystore(s), any case) and a last component  |        |
 * |   | with a file extension (not a number, not NOT_SECRET_EXTENSIONS: .conf .json  |        |
 * |   | .sh .d .bak .dpkg-old …); `private` right under /var/{lib,cache,log} is      |        |
 * |   | systemd's DynamicUser= tree and does not count                               |        |
 * | 8 | anything else (extension-less names such as /run/secrets/db_password too:    | false  |
 * |   | from the path alone they cannot be told from directories)                    |        |
 *
 * Paths are compared after collapsing repeated `/` and dropping `/./`; `..` is not resolved.
 */
export function isSecretPath(p: string): boolean {
  if (typeof p !== 'string' || !p.startsWith('/') || p.length < 2) return false; // 1
  if (NOT_CONCRETE.test(p)) return false; // 2
  if (p.endsWith('/')) return false; // 3
  const norm = p.replace(/\/+/g, '/').replace(/\/(\.\/)+/g, '/');
  const parts = norm.split('/').slice(1);
  const base = parts[parts.length - 1] ?? '';
  if (base === '' || base === '.' || base === '..') return false; // 3
  if (parts.some((c) => /^\.{3,}$/.test(c))) return false; // 2: an ellipsis, `/etc/.../x.pem`
  if (WELL_KNOWN_FILES.has(norm)) return false; // 4
  if (!USR_LIB_SSL.test(norm) && NOT_SECRET_TREES.some((t) => norm.startsWith(t))) return false; // 5
  const ext = fileExtension(base);
  if (ext && SECRET_EXTENSIONS.has(ext)) return true; // 6
  if (!ext || NOT_SECRET_EXTENSIONS.has(ext)) return false; // 7 needs a file-like last component
  for (let i = 0; i < parts.length - 1; i++) {
    const c = parts[i].toLowerCase();
    if (!SECRET_DIRS.has(c)) continue;
    if (c === 'private' && i === 2 && parts[0] === 'var' && ['lib', 'cache', 'log'].includes(parts[1])) continue;
    return true; // 7
  }
  return false; // 8
}

// =============================================================================================
// Absolute paths inside strings
// =============================================================================================

/**
 * An absolute path inside a string: a `/` at the start or after white space, a quote, `=`, `:`, `,`,
 * an opening bracket or `>`, not followed by another `/` (so `http://host/p` yields nothing), up to
 * white space, a quote, `,`, `;`, a closing bracket or `<`. A trailing `.` or `:` is dropped.
 */
const PATH_IN_TEXT = /(?<![^\s"'=:,([{<>])\/(?!\/)[^\s"'`,;)\]}<>]+/g;

interface Word {
  path: string;
  /** Offset of the path in the string it was found in. */
  offset: number;
}

function pathsInText(s: string): Word[] {
  const out: Word[] = [];
  if (!s.includes('/')) return out;
  const quotes = quoteCounter(s);
  PATH_IN_TEXT.lastIndex = 0;
  for (let m = PATH_IN_TEXT.exec(s); m; m = PATH_IN_TEXT.exec(s)) {
    const path = m[0].replace(/[.:]+$/, '');
    const before = s[m.index - 1];
    const after = s[m.index + m[0].length];
    if (path.length < 2) continue;
    if (before === '<' && after === '>') continue; // a closing tag, </name>
    // A shell-style concatenation, `/a/"$X"/b.pem`: the part after a closing quote, or the part
    // before an opening one, is not a whole path.
    if ((before === '"' || before === "'") && quotes(before, m.index - 1) % 2 === 1) continue;
    if ((after === '"' || after === "'") && quotes(after, m.index + m[0].length) % 2 === 0) continue;
    out.push({ path, offset: m.index });
  }
  return out;
}

/** How many `"` or `'` occur in s before `end`, for increasing `end`s (linear over a whole line). */
function quoteCounter(s: string): (quote: string, end: number) => number {
  let at = 0;
  let double = 0;
  let single = 0;
  return (quote, end) => {
    for (; at < end && at < s.length; at++) {
      if (s[at] === '"') double++;
      else if (s[at] === "'") single++;
    }
    return quote === '"' ? double : single;
  };
}

/**
 * The paths a configuration value names: the whole value when it is one absolute path without white
 * space (`/srv/x,y.pem` stays whole), else every absolute path inside it (`-c /etc/x.conf`,
 * `cert=/a.pem,key=/b.key`, `["/a", "/b"]`).
 */
function valuePaths(value: string): Word[] {
  const t = value.trim();
  if (t.startsWith('/') && !t.startsWith('//') && t.length >= 2 && !/\s/.test(t)) return [{ path: t, offset: value.indexOf(t) }];
  return pathsInText(value);
}

// =============================================================================================
// pathsInConfig
// =============================================================================================

export interface ConfigPath {
  /** The absolute path as the configuration means it (quotes removed, escapes decoded). */
  value: string;
  /**
   * Dotted key path: `tls.cert_file`, `server.ssl_certificate`, `servers[0].cert` (sequence items and
   * TOML arrays get `[i]`), `mysqld.ssl-key` (INI section.key). '' when the line scan found no key.
   */
  key: string;
  /** 1-based line of the path's first character. */
  line: number;
  /** 1-based column of its first character (UTF-16 code units, like every column in unitlint). */
  column: number;
  /**
   * Exclusive end column, on the same line: column + value.length, unless the value is written
   * differently (JSON's `\/` escapes: the span covers what is written).
   */
  endColumn: number;
}

export interface ConfigProblem {
  line: number;
  message: string;
}

/**
 * How a file was read: 'yaml', 'json' (through the YAML parser: JSON is YAML 1.2), 'toml', 'ini'
 * (`[section]` + `key = value`, shell-style KEY=value files too), 'directives' (`name args…;` with
 * `{ }` blocks or `<Tag>` sections: nginx, apache, bind, sshd, redis, squid …), 'lines' (a line scan
 * for absolute paths), 'binary' (nothing read).
 */
export type ConfigFormat = 'yaml' | 'json' | 'toml' | 'ini' | 'directives' | 'lines' | 'binary';

export interface ConfigPaths {
  /** The reader that produced `paths` (the line scan after a parse failure). */
  format: ConfigFormat;
  paths: ConfigPath[];
  /** Parse errors (the file was then line-scanned) and read limits hit. */
  problems: ConfigProblem[];
}

/** Larger files are line-scanned instead of parsed: a parser's tree of a multi-megabyte file is not worth it. */
const MAX_PARSE = 4 * 1024 * 1024;
/** Bound on nesting and on the number of nodes visited in one file (YAML aliases can multiply nodes). */
const MAX_DEPTH = 128;
const MAX_NODES = 200_000;
/** Parse errors kept per file. */
const MAX_PROBLEMS = 20;

/**
 * Every absolute path named by a value of a configuration file, in file order (mostly: TOML follows
 * its parsed order). Never throws: a malformed file gives what a line scan finds.
 */
export function pathsInConfig(file: string, text: string): ConfigPath[] {
  return readConfigPaths(file, text).paths;
}

/** pathsInConfig() with the format used and the problems met. Never throws. */
export function readConfigPaths(file: string, text: string): ConfigPaths {
  try {
    return read(file, text);
  } catch (e) {
    try {
      return { format: 'lines', paths: scanLines(text), problems: [{ line: 1, message: `unreadable: ${errorMessage(e)}` }] };
    } catch {
      return { format: 'lines', paths: [], problems: [{ line: 1, message: `unreadable: ${errorMessage(e)}` }] };
    }
  }
}

function errorMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function read(file: string, rawText: string): ConfigPaths {
  const text = typeof rawText === 'string' ? rawText.replace(/^\uFEFF/, '') : '';
  if (text.slice(0, 8192).includes('\0')) return { format: 'binary', paths: [], problems: [] };
  if (text.length > MAX_PARSE) {
    return { format: 'lines', paths: scanLines(text), problems: [{ line: 1, message: `larger than ${MAX_PARSE} characters: line scan only` }] };
  }
  const format = detectConfigFormat(file, text);
  const problems: ConfigProblem[] = [];
  switch (format) {
    case 'yaml':
    case 'json': {
      const r = yamlPaths(text, problems);
      if (r) return { format, paths: r, problems };
      break;
    }
    case 'toml': {
      const r = tomlPaths(text, problems);
      if (r) return { format, paths: r, problems };
      // A file sniffed as TOML that TOML rejects is read as INI (its superset for our purpose).
      if (!/\.toml$/i.test(file)) return { format: 'ini', paths: iniPaths(text), problems: [] };
      break;
    }
    case 'ini':
      return { format, paths: iniPaths(text), problems };
    case 'directives':
      return { format, paths: directivePaths(text), problems };
    default:
      break;
  }
  return { format: 'lines', paths: scanLines(text), problems };
}

const COMMENT_LINE = /^\s*(#|;|\/\/)/;

/**
 * The format of a configuration file, by extension, then by content: .yaml/.yml → yaml, .json →
 * json, .toml → toml, .ini/.cnf → ini; any other name (.conf, .cfg, no extension …) by the shape of
 * its first 400 meaningful lines:
 *
 * - a `#!` script → lines;
 * - first line `{` or a JSON-looking `[` → json;
 * - `{ }` blocks or `<Tag>` sections, with directive lines outnumbering `key = value` → directives;
 * - `[section]` + `key = value` lines ≥ 60% → ini (toml when it has `[[tables]]` or `key = [` arrays);
 * - `key: value`, `- item`, `---` lines ≥ 60% → yaml;
 * - `name value` / `key = value` lines ≥ 50% → directives;
 * - else → lines (a line scan).
 */
export function detectConfigFormat(file: string, text: string): ConfigFormat {
  const base = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1) : '';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'json') return 'json';
  if (ext === 'toml') return 'toml';
  if (ext === 'ini' || ext === 'cnf') return 'ini';
  if (text.startsWith('#!')) return 'lines'; // a script, not a configuration file
  let n = 0;
  let sections = 0;
  let assigns = 0;
  let yamlish = 0;
  let blocks = 0;
  let directives = 0;
  let tomlish = 0;
  let first: string | undefined;
  let start = 0;
  while (start <= text.length && n < 400) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end);
    start = end + 1;
    const t = raw.trim();
    if (!t || COMMENT_LINE.test(t)) continue;
    n++;
    first ??= t;
    if (/^\[\[[^\]]+\]\]\s*(#.*)?$/.test(t)) {
      sections++;
      tomlish++;
    } else if (/^\[[^\]]+\]\s*([;#].*)?$/.test(t)) sections++;
    else if (/^<\/?[A-Za-z][\w.:-]*(\s[^>]*)?>$/.test(t) || /\{$/.test(t) || /^\};?$/.test(t)) blocks++;
    else if (/^---(\s|$)/.test(t) || /^-(\s|$)/.test(t)) yamlish++;
    else if (/^["']?[A-Za-z0-9_][\w.\-/ ]*["']?\s*:(\s|$)/.test(t)) yamlish++;
    else if (/^[\w.\-@$[\]]+( [\w.\-@]+){0,3}\s*=/.test(t)) {
      assigns++;
      if (/=\s*(\[|"""|''')/.test(t)) tomlish++;
    } else if (/^[\w.\-@/!]+(\s+\S|;?$)/.test(t)) directives++;
  }
  if (n === 0 || first === undefined) return 'lines';
  if (first.startsWith('{') || /^\[\s*($|[{["\d\-\]]|true\b|false\b|null\b)/.test(first)) return 'json';
  if (blocks > 0 && blocks + directives >= assigns) return 'directives';
  if (sections + assigns >= 0.6 * n) return tomlish > 0 ? 'toml' : 'ini';
  if (yamlish >= 0.6 * n) return 'yaml';
  if (directives + assigns + sections + blocks >= 0.5 * n) return 'directives';
  return 'lines';
}

/** 1-based line and column of an offset, by binary search over the line starts. */
function positioner(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}

function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const joinKey = (a: string, b: string): string => (a ? `${a}.${b}` : b);

// ---------------------------------------------------------------------------------------------
// YAML and JSON: the `yaml` package gives every node's source range.

/**
 * Whether a YAML/JSON text nests deeper than MAX_DEPTH: `[`/`{` (quotes not considered) or `- `
 * markers and indentation. The `yaml` parser recurses per level; thousands of levels exhaust the
 * stack, and V8 then aborts the process (a failed regular-expression compilation is fatal), so such
 * a file is line-scanned instead.
 */
function nestsTooDeep(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) return true;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return /^[ \t?:-]{512}/m.test(text);
}

function yamlPaths(text: string, problems: ConfigProblem[]): ConfigPath[] | undefined {
  if (nestsTooDeep(text)) {
    problems.push({ line: 1, message: `nested more than ${MAX_DEPTH} levels deep: line scan only` });
    return undefined;
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  let bad = false;
  for (const doc of list) {
    for (const err of doc.errors ?? []) {
      bad = true;
      if (problems.length < MAX_PROBLEMS) problems.push({ line: lc.linePos(err.pos?.[0] ?? 0).line, message: errorMessage(err) });
    }
  }
  if (bad) return undefined;
  const out: ConfigPath[] = [];
  const budget = { left: MAX_NODES };
  const walk = (node: unknown, key: string, depth: number): void => {
    if (node == null || depth > MAX_DEPTH || budget.left-- <= 0) return;
    if (isAlias(node)) return; // the anchored node is reported where it is written
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : pair.key == null ? '' : '?';
        if (k === '<<') continue; // merge key: an alias, reported at its anchor
        walk(pair.value, joinKey(key, k), depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${key}[${i}]`, depth + 1));
    } else if (isScalar(node) && typeof node.value === 'string') {
      const range = node.range;
      if (!range) return;
      const source = text.slice(range[0], range[1]);
      let cursor = 0;
      for (const w of valuePaths(node.value)) {
        // The value as written: plain scalars are the value itself; quoted and block scalars hold it
        // inside quotes or indentation. Escaped paths (JSON "\/etc") fall back to the node's start.
        let written = w.path;
        let at = source.indexOf(written, cursor);
        if (at < 0 && source.includes('\\/')) {
          written = w.path.replace(/\//g, '\\/'); // JSON's optional escape: "\/etc\/x.pem"
          at = source.indexOf(written, cursor);
        }
        if (at < 0) {
          written = w.path;
          at = source.indexOf(written);
        }
        if (at >= 0) cursor = at + written.length;
        const pos = lc.linePos(range[0] + Math.max(at, 0));
        out.push({ value: w.path, key, line: pos.line, column: pos.col, endColumn: pos.col + written.length });
      }
    }
  };
  for (const doc of list) walk(doc.contents, '', 0);
  if (budget.left <= 0) problems.push({ line: 1, message: `more than ${MAX_NODES} nodes: the rest was not read` });
  return out;
}

// ---------------------------------------------------------------------------------------------
// TOML: smol-toml gives values but no positions; each value is located in the text.

function tomlPaths(text: string, problems: ConfigProblem[]): ConfigPath[] | undefined {
  let data: unknown;
  try {
    data = parseToml(text, { maxDepth: MAX_DEPTH });
  } catch (e) {
    problems.push({ line: e instanceof TomlError && e.line > 0 ? e.line : 1, message: errorMessage(e) });
    return undefined;
  }
  const found: { key: string; word: Word }[] = [];
  const budget = { left: MAX_NODES };
  const walk = (v: unknown, key: string, depth: number): void => {
    if (depth > MAX_DEPTH || budget.left-- <= 0) return;
    if (typeof v === 'string') {
      for (const w of valuePaths(v)) found.push({ key, word: w });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${key}[${i}]`, depth + 1));
    } else if (v && typeof v === 'object' && !(v instanceof Date)) {
      // A table (smol-toml builds them without a prototype); dates are TomlDate, a Date.
      for (const [k, x] of Object.entries(v)) walk(x, joinKey(key, k), depth + 1);
    }
  };
  walk(data, '', 0);
  const locate = locator(text);
  return found.map(({ key, word }) => {
    const pos = locate(word.path, lastKeyName(key));
    return { value: word.path, key, line: pos.line, column: pos.column, endColumn: pos.column + word.path.length };
  });
}

/** `servers[0].tls.cert` → `cert`; `certs[1]` → `certs`. */
function lastKeyName(key: string): string {
  const k = key.replace(/(\[\d+\])+$/, '');
  return k.slice(k.lastIndexOf('.') + 1);
}

/** Characters that may precede / follow a path for an occurrence to be that path and not part of a longer one. */
const BEFORE_PATH = /[\s"'=:,([{<>]/;
const AFTER_PATH = /[\s"'`,;)\]}<>#]/;

/**
 * Finds where a value (known from a parser without positions) is written: the first not yet used
 * occurrence on a non-comment line that has the key before it, else the first not yet used
 * occurrence on a non-comment line, else the first occurrence anywhere, else line 1.
 */
function locator(text: string): (value: string, key: string) => { line: number; column: number } {
  const lines = splitLines(text);
  const comment = lines.map((l) => COMMENT_LINE.test(l));
  /** Occurrences per path: every path the text shows, found in one pass; others are searched for when asked. */
  const index = new Map<string, { n: number; i: number }[]>();
  lines.forEach((line, n) => {
    if (!line.includes('/')) return;
    for (const w of pathsInText(line)) {
      const list = index.get(w.path);
      if (list) list.push({ n, i: w.offset });
      else index.set(w.path, [{ n, i: w.offset }]);
    }
  });
  const search = (value: string): { n: number; i: number }[] => {
    const at: { n: number; i: number }[] = [];
    lines.forEach((line, n) => {
      for (let i = line.indexOf(value); i >= 0; i = line.indexOf(value, i + 1)) {
        const before = i === 0 ? ' ' : line[i - 1];
        const after = i + value.length >= line.length ? ' ' : line[i + value.length];
        if (BEFORE_PATH.test(before) && AFTER_PATH.test(after)) at.push({ n, i });
      }
    });
    return at;
  };
  const used = new Set<string>();
  const firstFree = new Map<string, number>();
  const take = (o: { n: number; i: number }) => {
    used.add(`${o.n}:${o.i}`);
    return { line: o.n + 1, column: o.i + 1 };
  };
  return (value, key) => {
    let found = index.get(value);
    if (!found) index.set(value, (found = search(value)));
    let start = firstFree.get(value) ?? 0;
    while (start < found.length && (used.has(`${found[start].n}:${found[start].i}`) || comment[found[start].n])) start++;
    firstFree.set(value, start);
    // The first free occurrence with the key before it on its line, among the next few.
    for (let c = start; c < found.length && c < start + 64; c++) {
      const o = found[c];
      if (comment[o.n] || used.has(`${o.n}:${o.i}`)) continue;
      const k = key ? lines[o.n].indexOf(key) : -1;
      if (k >= 0 && k < o.i) return take(o);
    }
    if (start < found.length) return take(found[start]);
    return found.length ? { line: found[0].n + 1, column: found[0].i + 1 } : { line: 1, column: 1 };
  };
}

// ---------------------------------------------------------------------------------------------
// INI: walked line by line as the `ini` package's decode() does (`[section]`, `key = value`, `;`/`#`
// comment lines), each raw value decoded by the package's own unsafe() (quotes, inline `;`/`#`
// comments, `\;` escapes): exact positions, and repeated keys all kept.

function iniPaths(text: string): ConfigPath[] {
  const out: ConfigPath[] = [];
  const lines = splitLines(text);
  let section = '';
  let last: { key: string; indent: number } | undefined;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (!line.trim() || /^\s*[;#]/.test(line)) continue;
    const sec = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(line);
    if (sec) {
      section = iniUnsafe(sec[1]);
      last = undefined;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (last && indent > last.indent) {
      // A continuation line (Python configparser, fail2ban): more indented than its key.
      for (const w of pathsInText(line)) push(out, w.path, last.key, n, w.offset);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) {
      // A bare line (`!includedir /etc/mysql/conf.d/`, `skip-name-resolve`): its paths, keyed by its first word.
      const name = /^\s*(\S+)/.exec(line)?.[1] ?? '';
      last = { key: name.startsWith('/') ? section : joinKey(section, name), indent };
      // A line that is a path itself (a list of files) is keyed by its section alone.
      const key = name.startsWith('/') ? section : joinKey(section, name);
      for (const w of pathsInText(line)) push(out, w.path, key, n, w.offset);
      continue;
    }
    const key = iniUnsafe(line.slice(0, eq)).replace(/\[\]$/, '').replace(/^export\s+/, '');
    last = { key: joinKey(section, key), indent };
    const raw = line.slice(eq + 1);
    const value: unknown = iniUnsafe(raw);
    if (typeof value !== 'string') continue;
    let cursor = 0;
    for (const w of valuePaths(value)) {
      let at = raw.indexOf(w.path, cursor);
      if (at < 0) at = raw.length - raw.trimStart().length;
      else cursor = at + w.path.length;
      push(out, w.path, joinKey(section, key), n, eq + 1 + at);
    }
  }
  return out;
}

function push(out: ConfigPath[], value: string, key: string, lineIndex: number, col0: number): void {
  out.push({ value, key, line: lineIndex + 1, column: col0 + 1, endColumn: col0 + 1 + value.length });
}

// ---------------------------------------------------------------------------------------------
// Directive languages: `name arg…` statements ended by `;` or the end of the line, `{ }` blocks
// (nginx, bind, haproxy-less …) and `<Tag …>` sections (apache, proftpd). The key is the enclosing
// block names and the directive name: `http.server.ssl_certificate`, `VirtualHost.SSLCertificateFile`.

interface Token {
  text: string;
  /** 0-based column of the text (inside the quotes for a quoted token). */
  col: number;
  kind: 'word' | 'quoted' | '{' | '}' | ';';
}

function tokenize(line: string, from: number): Token[] {
  const out: Token[] = [];
  let i = from;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break; // comment to the end of the line
    if (c === '{' || c === '}' || c === ';') {
      out.push({ text: c, col: i, kind: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      // Kept as written (escapes too), so that columns stay exact: paths seldom hold escapes.
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
      out.push({ text: line.slice(i + 1, Math.min(j, line.length)), col: i + 1, kind: 'quoted' });
      i = j + 1;
      continue;
    }
    let j = i;
    let inVar = 0;
    while (j < line.length) {
      const d = line[j];
      if (d === ' ' || d === '\t' || d === '\r' || d === ';') break;
      if (d === '$' && line[j + 1] === '{') inVar++;
      else if (d === '}' && inVar > 0) inVar--;
      else if ((d === '{' || d === '}') && inVar === 0) break;
      j++;
    }
    out.push({ text: line.slice(i, j), col: i, kind: 'word' });
    i = j;
  }
  return out;
}

function directivePaths(text: string): ConfigPath[] {
  const out: ConfigPath[] = [];
  const lines = splitLines(text);
  const stack: string[] = [];
  let inComment = false;
  let pendingName = ''; // the name of a statement that ended with its line: a `{` on the next line opens it
  const emit = (tokens: Token[], key: string, n: number, skipFirst: boolean): void => {
    tokens.forEach((t, i) => {
      if (t.kind !== 'word' && t.kind !== 'quoted') return;
      if (i === 0 && skipFirst) {
        // `name=value` as one word: the value's paths.
        const eq = t.text.indexOf('=');
        if (eq < 0 || t.text.startsWith('/')) return;
        for (const w of pathsInText(t.text.slice(eq))) push(out, w.path, key, n, t.col + eq + w.offset);
        return;
      }
      for (const w of t.kind === 'quoted' ? valuePaths(t.text) : pathsInText(t.text)) push(out, w.path, key, n, t.col + w.offset);
    });
  };
  const statement = (tokens: Token[], n: number): string => {
    if (!tokens.length) return '';
    const head = tokens[0].text;
    // A line that is a path itself (/etc/shells, ld.so.conf): no name.
    const isPath = head.startsWith('/') && !head.startsWith('//');
    const name = isPath ? '' : head.replace(/[:=].*$/, '');
    emit(tokens, [...stack, name].filter(Boolean).join('.'), n, !isPath);
    return name;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    let from = 0;
    if (inComment) {
      const end = line.indexOf('*/');
      if (end < 0) continue;
      inComment = false;
      from = end + 2;
    }
    const trimmed = line.trim();
    if (from === 0 && trimmed.startsWith('/*')) {
      const end = line.indexOf('*/', line.indexOf('/*') + 2);
      if (end < 0) {
        inComment = true;
        continue;
      }
      from = end + 2;
    }
    if (from === 0) {
      const close = /^\s*<\/([A-Za-z][\w.:-]*)\s*>/.exec(line);
      if (close) {
        const at = stack.lastIndexOf(close[1]);
        if (at >= 0) stack.length = at;
        continue;
      }
      const open = /^\s*<([A-Za-z][\w.:-]*)(\s[^>]*)?>\s*$/.exec(line);
      if (open) {
        if (stack.length < MAX_DEPTH) stack.push(open[1]);
        const argsAt = line.indexOf(open[1]) + open[1].length;
        emit(tokenize(line.slice(0, line.lastIndexOf('>')), argsAt), stack.join('.'), n, false);
        continue;
      }
    }
    const tokens = tokenize(line, from);
    let current: Token[] = [];
    for (const t of tokens) {
      if (t.kind === ';') {
        statement(current, n);
        current = [];
        pendingName = '';
      } else if (t.kind === '{') {
        const name = current.length ? statement(current, n) : pendingName;
        if (stack.length < MAX_DEPTH) stack.push(name);
        current = [];
        pendingName = '';
      } else if (t.kind === '}') {
        statement(current, n);
        current = [];
        stack.pop();
        pendingName = '';
      } else current.push(t);
    }
    if (current.length) pendingName = statement(current, n);
    else if (tokens.length) pendingName = '';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The line scan: unknown formats and parse failures.

/**
 * Every absolute path on every line that is not a comment line (`#`, `;`, `//`), keyed by the
 * `key:` / `key =` right before it, else the line's first `key:` / `key =` / word ('' when none).
 */
function scanLines(text: string): ConfigPath[] {
  const out: ConfigPath[] = [];
  const lines = splitLines(text);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (!line.includes('/') || COMMENT_LINE.test(line)) continue;
    const lineKey = /^[\s{[,]*(?:-\s+)?["']?([\w.\-@]+)["']?\s*[:=]/.exec(line)?.[1] ?? /^\s*([A-Za-z_][\w.\-@]*)\s+\S/.exec(line)?.[1] ?? '';
    for (const w of pathsInText(line)) {
      // The `key:` / `key =` right before the path (`{"a": "/x", "b": "/y"}`), else the line's.
      const key = /([\w.\-@]+)["']?\s*[:=]\s*["']?$/.exec(line.slice(Math.max(0, w.offset - 256), w.offset))?.[1] ?? lineKey;
      push(out, w.path, key, n, w.offset);
    }
  }
  return out;
}

// =============================================================================================
// configArgs
// =============================================================================================

/** Long option names (compared lower-cased, without `-`, `_`, `.`) whose value is a configuration file. */
const CONFIG_OPTIONS: ReadonlySet<string> = new Set([
  'config', 'conf', 'configfile', 'conffile', 'cfg', 'cfgfile', 'configuration', 'settings', 'settingsfile',
  'defaultsfile', 'defaultsextrafile', 'fpmconfig', 'ini', 'usefile',
]);

/** Extensions that mark a word as a configuration file (positional arguments, and `-c` of unknown programs). */
const CONFIG_EXT = /\.(conf|ya?ml|toml|json|ini|cfg|cnf)$/i;

/** Programs whose `-c WORD` is code, a command or a setting, never a configuration file. */
const C_IS_NOT_CONFIG = /^(sh|bash|dash|zsh|ksh|mksh|ash|busybox|fish|csh|tcsh|su|runuser|sudo|doas|python[\d.]*|perl[\d.]*|ruby[\d.]*|node|nodejs|php[\d.]*|lua[\d.]*|luajit|tclsh[\d.]*|expect|flock|script|watch|chpst|postgres|postmaster|curl|wget)$/;

/** Programs whose `-c FILE` is their configuration file whatever its name (`monit -c /etc/monit/monitrc`). */
const C_IS_CONFIG = /^(nginx|named|unbound|nsd|knotd|kea-dhcp[46]|kea-dhcp-ddns|kea-ctrl-agent|mosquitto|monit|supervisord|gunicorn|ntpd|ntpsec|dovecot|proftpd|wpa_supplicant|icecast2?|uwsgi|coredns|freeradius|radiusd|pgbouncer|stubby|fluent-bit|td-agent-bit|filebeat|metricbeat|auditbeat|heartbeat|packetbeat|journalbeat)$/;

/** Other short options that name the configuration file, for the programs known to use them. */
const SHORT_CONFIG: readonly [RegExp, string][] = [
  [/^(haproxy|lighttpd|squid|keepalived|rsyslogd|syslog-ng|chronyd|sshd|apache2|httpd|slapd|tor|kamailio|opensips)$/, '-f'],
  [/^(dnsmasq|collectd|exim4?|stubby)$/, '-C'],
  [/^(smbd|nmbd|winbindd|samba)$/, '-s'],
  [/^php-fpm[\d.]*$/, '-y'],
  [/^dhcpd$/, '-cf'],
];

/** Programs whose positional argument is their configuration file whatever its position and name. */
const POSITIONAL_CONFIG = /^(redis-server|redis-sentinel|valkey-server|valkey-sentinel|keydb-server|stunnel4?|hostapd|privoxy|logrotate|openvpn|uwsgi|vsftpd)$/;

function absFile(v: string | undefined): v is string {
  return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && v.length >= 2 && !v.endsWith('/') && !/\s/.test(v);
}

const progName = (argv0: string): string => (argv0 ?? '').slice((argv0 ?? '').lastIndexOf('/') + 1).toLowerCase();

/**
 * The configuration files a command line names. argv[0] is the program (a path or a name); the words
 * are already split. Only absolute paths count (a relative one depends on the working directory).
 * Decision table, per word:
 *
 * | form                                                               | counts when                              |
 * |--------------------------------------------------------------------|------------------------------------------|
 * | `--NAME X`, `--NAME=X`, `-NAME X`, `-NAME=X` (Go flags), NAME one   | always (X absolute, not ending in `/`)   |
 * | of config, conf, config-file, config_file, configfile, config.file,|                                          |
 * | conf-file, conffile, cfg, cfgfile, configuration, settings,        |                                          |
 * | settings-file, defaults-file, defaults-extra-file, fpm-config,     |                                          |
 * | ini, use-file (compared without case, `-`, `_`, `.`)               |                                          |
 * | `-c X`, `-cX`                                                      | the program is known to take its config  |
 * |                                                                    | by -c (nginx, named, unbound, monit …),  |
 * |                                                                    | or X ends in .conf/.yaml/.yml/.toml/     |
 * |                                                                    | .json/.ini/.cfg/.cnf; never for shells,  |
 * |                                                                    | interpreters, su/sudo, flock, curl,      |
 * |                                                                    | postgres (-c is code or a setting there) |
 * | `-c config_file=X` / `hba_file=` / `ident_file=` (postgres)        | the program is postgres/postmaster       |
 * | `-f X` / `-C X` / `-y X` / `-cf X` (and attached `-fX` …)           | only for programs known to use that      |
 * |                                                                    | letter (haproxy/sshd/squid -f, dnsmasq   |
 * |                                                                    | -C, php-fpm -y, dhcpd -cf …)             |
 * | a positional word ending in .conf .yaml .yml .toml .json .ini .cfg | it follows argv[0], `--`, another        |
 * | .cnf                                                               | non-option word or a `--opt=value` word  |
 * |                                                                    | (after a bare `-x` it may be -x's value: |
 * |                                                                    | `--log /var/log/x.json` is not a config) |
 * | any positional absolute path                                       | for programs that take their config as a |
 * |                                                                    | positional argument (redis-server,       |
 * |                                                                    | stunnel, hostapd, privoxy, openvpn …),   |
 * |                                                                    | when it has a config extension or is the |
 * |                                                                    | first positional                         |
 *
 * Not handled: wrappers (`env`, `start-stop-daemon --exec … --`, `sh -c "…"`) — the caller unwraps
 * them; configuration directories (`--config-dir`, `-F`); response files (`@file`).
 * `index` is the word that holds the path; `offset` is where the path starts in it when it is not the
 * whole word (`--config=X`, `-cX`, `config_file=X`).
 */
export function configArgs(argv: string[]): { path: string; index: number; offset?: number }[] {
  const out: { path: string; index: number; offset?: number }[] = [];
  if (!Array.isArray(argv) || argv.length < 2) return out;
  const prog = progName(argv[0]);
  const shortOptions: string[] = [];
  if (!C_IS_NOT_CONFIG.test(prog)) shortOptions.push('-c');
  for (const [re, opt] of SHORT_CONFIG) if (re.test(prog) && !shortOptions.includes(opt)) shortOptions.push(opt);
  const cAlways = C_IS_CONFIG.test(prog);
  const isPostgres = /^(postgres|postmaster)$/.test(prog);
  const positional = POSITIONAL_CONFIG.test(prog);
  const add = (path: string | undefined, index: number, offset?: number): void => {
    if (!absFile(path) || out.some((o) => o.index === index && o.path === path)) return;
    out.push(offset ? { path, index, offset } : { path, index });
  };
  let endOfOptions = false;
  let positionals = 0;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i];
    if (typeof w !== 'string') continue;
    if (!endOfOptions && w === '--') {
      endOfOptions = true;
      continue;
    }
    if (!endOfOptions && w.startsWith('-') && w.length > 1) {
      const long = /^--?([A-Za-z][\w.-]*)(?:=(.*))?$/s.exec(w);
      const name = long?.[1] ?? '';
      if (long && (w.startsWith('--') || name.length > 2) && CONFIG_OPTIONS.has(name.toLowerCase().replace(/[-_.]/g, ''))) {
        if (long[2] !== undefined) add(long[2], i, w.indexOf('=') + 1);
        else {
          add(argv[i + 1], i + 1);
          i++;
        }
        continue;
      }
      if (isPostgres && w === '-c') {
        const m = /^(config_file|hba_file|ident_file)=(.*)$/s.exec(argv[i + 1] ?? '');
        if (m) add(m[2], i + 1, m[1].length + 1);
        i++;
        continue;
      }
      for (const opt of shortOptions) {
        const attached = w.startsWith(opt) && w.length > opt.length && w[opt.length] === '/';
        if (w !== opt && !attached) continue;
        const value = attached ? w.slice(opt.length) : argv[i + 1];
        const ok = opt !== '-c' || cAlways || CONFIG_EXT.test(value ?? '');
        if (ok) add(value, attached ? i : i + 1, attached ? opt.length : undefined);
        if (!attached) i++;
        break;
      }
      continue;
    }
    positionals++;
    if (!absFile(w)) continue;
    const prev = argv[i - 1] ?? '';
    const free = i === 1 || endOfOptions || !prev.startsWith('-') || prev.includes('=') || prev === '--';
    if (positional && (CONFIG_EXT.test(w) || positionals === 1)) add(w, i);
    else if (free && CONFIG_EXT.test(w)) add(w, i);
  }
  return out;
}

// =============================================================================================
// secretPathsInArgs
// =============================================================================================

/**
 * The secret paths (isSecretPath) among a command line's argument words (argv[0], the program, is
 * not one): a whole word (`/etc/x/key.pem`), the value of `--opt=VALUE` / `-Dprop=VALUE` /
 * `key=VALUE`, and each item of a comma-separated list (`cert=/a.pem,key=/b.key`,
 * `--ca=/a.pem,/b.pem`); only when no item is one, the whole word or value with its commas.
 * `offset` is where the path starts in the word when it is not the whole word.
 */
export function secretPathsInArgs(argv: string[]): { path: string; index: number; offset?: number }[] {
  const out: { path: string; index: number; offset?: number }[] = [];
  if (!Array.isArray(argv)) return out;
  for (let i = 1; i < argv.length; i++) {
    const w = argv[i];
    if (typeof w !== 'string' || !w.includes('/')) continue;
    const found: { path: string; index: number; offset?: number }[] = [];
    let start = 0;
    for (const item of w.split(',')) {
      const begin = start;
      start += item.length + 1;
      // The item itself, or what follows one of its `=` signs.
      const candidates = [0];
      for (let k = item.indexOf('='); k >= 0; k = item.indexOf('=', k + 1)) candidates.push(k + 1);
      for (const c of candidates) {
        const v = item.slice(c);
        if (!isSecretPath(v)) continue;
        const offset = begin + c;
        found.push(offset ? { path: v, index: i, offset } : { path: v, index: i });
        break;
      }
    }
    if (found.length) {
      out.push(...found);
      continue;
    }
    // No item is one: the whole word, or the whole value after `=`, with its commas (`/srv/a,b.pem`).
    const eq = w.indexOf('=');
    if (isSecretPath(w)) out.push({ path: w, index: i });
    else if (eq >= 0 && isSecretPath(w.slice(eq + 1))) out.push({ path: w.slice(eq + 1), index: i, offset: eq + 1 });
  }
  return out;
}
