/**
 * Debian packages: source folders (debian/control, debian/<pkg>.postinst, debian/<pkg>.service,
 * debian/<pkg>.install, dh_installsystemd options in debian/rules), built package trees (DEBIAN/
 * beside the files), .deb archives (read by ./deb.ts) and loose maintainer scripts (foo.postinst).
 */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import type { Location } from '../../types.js';
import { readTextFile } from '../discover.js';
import type { DhOptions, Package } from './model.js';
import type { DebPackage } from './deb.js';
import { parseParagraphs } from './control.js';

const UNIT_TYPES = ['service', 'socket', 'target', 'mount', 'path', 'timer'];
const SCRIPTS = ['postinst', 'preinst', 'prerm', 'postrm'];
const FHS = ['etc', 'lib', 'usr', 'var', 'opt', 'srv', 'bin', 'sbin', 'run'];

function loc(file: string, line = 1): Location {
  return { file, line, column: 1, endLine: line, endColumn: 1 };
}

function read(file: string): string | undefined {
  const r = readTextFile(file);
  return r.ok ? r.text : undefined;
}

/** Paths the Debian front end wants from discovery. */
export function isDebianPath(p: string): boolean {
  const dir = path.basename(path.dirname(p));
  const base = path.basename(p);
  if (dir === 'debian' || dir === 'DEBIAN') return true;
  return SCRIPTS.some((s) => base.endsWith(`.${s}`)) || base.endsWith('.deb');
}

export interface DebianResult {
  packages: Package[];
  /** Unit files of debian/ folders installed under another name: path → unit name. */
  renames: Map<string, string>;
  problems: { location: Location; message: string }[];
}

export function loadDebian(paths: string[], debs: DebPackage[]): DebianResult {
  const res: DebianResult = { packages: [], renames: new Map(), problems: [] };
  const set = new Set(paths);
  const claimed = new Set<string>();
  for (const p of paths) {
    if (path.basename(p) === 'control' && path.basename(path.dirname(p)) === 'debian') sourceFolder(path.dirname(p), set, claimed, res);
  }
  const trees = new Set<string>();
  for (const p of paths) {
    if (path.basename(path.dirname(p)) === 'DEBIAN' && (path.basename(p) === 'control' || SCRIPTS.includes(path.basename(p)))) trees.add(path.dirname(p));
  }
  for (const d of [...trees].sort()) builtTree(d, claimed, res);
  for (const deb of debs) res.packages.push(fromDeb(deb));
  for (const p of paths) {
    if (claimed.has(p)) continue;
    const base = path.basename(p);
    const dir = path.basename(path.dirname(p));
    if (dir === 'debian' || dir === 'DEBIAN' || !base.endsWith('.postinst')) continue;
    const text = read(p);
    if (text === undefined) continue;
    res.packages.push({
      name: base.slice(0, -'.postinst'.length),
      format: 'deb-script',
      at: loc(p),
      postinst: { kind: 'postinst', file: p, text, lineOffset: 0 },
      units: new Set(),
      shipped: new Map(),
      shippedDirs: [],
      shippedKnown: false,
    });
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Source folders

interface DhCall {
  packages: string[];
  units: string[];
  name?: string;
  noStart?: boolean;
  noEnable?: boolean;
  restart?: boolean;
  at: Location;
}

/** dh_installsystemd (and the older dh_systemd_start/enable) calls in debian/rules. */
function dhCalls(rulesFile: string, text: string): DhCall[] {
  const out: DhCall[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const first = i;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + lines[++i];
    const code = line.replace(/(^|\s)#.*$/, '');
    const m = /(?:^|[\s;&|(])(dh_installsystemd|dh_systemd_start|dh_systemd_enable)(?=\s|$)(.*)$/.exec(code);
    if (!m) continue;
    const call: DhCall = { packages: [], units: [], at: { file: rulesFile, line: first + 1, column: code.indexOf(m[1]) + 1, endLine: first + 1, endColumn: code.indexOf(m[1]) + 1 + m[1].length } };
    const words = m[2].split(/[;&|]/)[0].trim().split(/\s+/).filter(Boolean);
    for (let k = 0; k < words.length; k++) {
      const w = words[k];
      if (w === '--no-start') call.noStart = true;
      else if (w === '--no-enable') call.noEnable = true;
      else if (w === '--restart-after-upgrade' || w === '-R') call.restart = true;
      else if (w === '--no-restart-after-upgrade' || w === '--no-restart-on-upgrade') call.restart = false;
      else if (w.startsWith('--name=')) call.name = w.slice(7);
      else if (w === '--name') call.name = words[++k];
      else if (w.startsWith('-p') && w.length > 2) call.packages.push(w.slice(2));
      else if (w.startsWith('--package=')) call.packages.push(w.slice(10));
      else if (w === '-p' || w === '--package') call.packages.push(words[++k] ?? '');
      else if (!w.startsWith('-') && !w.startsWith('$') && new RegExp(`\\.(${UNIT_TYPES.join('|')})$`).test(w)) call.units.push(w);
    }
    out.push(call);
  }
  return out;
}

function sourceFolder(dir: string, paths: Set<string>, claimed: Set<string>, res: DebianResult): void {
  const controlFile = path.join(dir, 'control');
  const control = read(controlFile);
  if (control === undefined) return;
  const stanzas = parseParagraphs(control);
  const pkgs = stanzas.filter((s) => s.fields.Package).map((s) => ({ name: s.fields.Package.trim(), line: s.line }));
  if (!pkgs.length) {
    res.problems.push({ location: loc(controlFile), message: 'debian/control names no binary package (no Package: field); its maintainer scripts are not analysed.' });
    return;
  }
  const src = stanzas.find((s) => s.fields.Source);
  const compatFile = read(path.join(dir, 'compat'));
  const compatDep = /debhelper-compat\s*\(\s*=\s*(\d+)\s*\)/.exec(src?.fields['Build-Depends'] ?? '');
  const compat = compatDep ? Number(compatDep[1]) : compatFile && /^\s*(\d+)/.test(compatFile) ? Number(/^\s*(\d+)/.exec(compatFile)![1]) : 13;
  const rulesFile = path.join(dir, 'rules');
  const rulesText = read(rulesFile);
  const calls = rulesText ? dhCalls(rulesFile, rulesText) : [];
  const dhLine = rulesText ? rulesText.split('\n').findIndex((l) => /^\s*dh\s+\$@/.test(l)) : -1;
  const rulesAt = rulesText ? loc(rulesFile, dhLine >= 0 ? dhLine + 1 : 1) : undefined;
  const names = new Set(pkgs.map((p) => p.name));
  const files = [...paths].filter((p) => path.dirname(p) === dir);
  for (const f of files) claimed.add(f);

  pkgs.forEach((pkg, idx) => {
    const main = idx === 0;
    /** debian/<pkg>.<what>, or debian/<what> for the first package. */
    const own = (what: string): string | undefined => {
      const a = path.join(dir, `${pkg.name}.${what}`);
      if (paths.has(a) || fs.existsSync(a)) return a;
      const b = path.join(dir, what);
      return main && (paths.has(b) || fs.existsSync(b)) ? b : undefined;
    };
    const p: Package = {
      name: pkg.name,
      format: 'deb-source',
      at: loc(controlFile, pkg.line),
      units: new Set(),
      shipped: new Map(),
      shippedDirs: [],
      shippedKnown: true,
      unitFiles: new Map(),
    };
    // Unit files: debian/<pkg>[@].<type>, debian/<pkg>.<name>.<type>, debian/<type> (first package).
    for (const f of files) {
      const base = path.basename(f);
      for (const t of UNIT_TYPES) {
        let unit: string | undefined;
        if (base === `${pkg.name}.${t}` || base === `${pkg.name}@.${t}`) unit = base;
        else if (main && base === t) unit = `${pkg.name}.${t}`;
        else if (base.startsWith(`${pkg.name}.`) && base.endsWith(`.${t}`)) {
          const rest = base.slice(pkg.name.length + 1, -(t.length + 1));
          // debian/<other-pkg>.service belongs to the other package
          if (rest && !names.has(`${pkg.name}.${rest}`)) unit = `${rest}.${t}`;
        }
        if (!unit) continue;
        p.units.add(unit);
        p.unitFiles!.set(unit, f);
        p.shipped.set(`/lib/systemd/system/${unit}`, f);
        if (unit !== base) res.renames.set(f, unit);
      }
    }
    // What the package ships: debian/<pkg>.install lines (src… dest-dir, or one path kept as is).
    const install = own('install');
    if (install) {
      const text = read(install) ?? '';
      for (const raw of text.split('\n')) {
        const line = raw.replace(/(^|\s)#.*$/, '').trim();
        if (!line || line.startsWith('#!')) continue;
        const arrow = /^(\S+)\s+=>\s+(\S+)$/.exec(line); // dh-exec / compat 14 rename
        if (arrow) {
          addShipped(p, '/' + arrow[2].replace(/^\/+/, ''), path.resolve(path.dirname(dir), arrow[1]));
          continue;
        }
        const words = line.split(/\s+/);
        const srcs = words.length > 1 ? words.slice(0, -1) : words;
        const dest = words.length > 1 ? words[words.length - 1] : undefined;
        for (const s of srcs) {
          const glob = /[*?[]/.test(s);
          if (dest === undefined) {
            const host = '/' + s.replace(/^debian\/tmp\//, '').replace(/^\/+/, '');
            if (glob) p.shippedDirs.push(path.posix.dirname(host));
            else addShipped(p, host, path.resolve(path.dirname(dir), s));
            continue;
          }
          const destDir = '/' + dest.replace(/^\/+|\/+$/g, '');
          if (glob) p.shippedDirs.push(destDir);
          else addShipped(p, `${destDir}/${path.basename(s)}`, path.resolve(path.dirname(dir), s));
        }
      }
    }
    const links = own('links');
    if (links) {
      for (const raw of (read(links) ?? '').split('\n')) {
        const w = raw.trim().split(/\s+/);
        if (w.length === 2 && !w[0].startsWith('#')) p.shipped.set('/' + w[1].replace(/^\/+/, ''), '');
      }
    }
    // A built staging folder (debian/<pkg>/…): everything in it is shipped.
    const staging = path.join(dir, pkg.name);
    if (fs.existsSync(staging)) {
      for (const f of listTree(staging)) {
        if (f.rel.startsWith('DEBIAN/')) continue;
        p.shipped.set('/' + f.rel, f.abs);
        const m = /^(?:usr\/)?lib\/systemd\/system\/([^/]+)$/.exec(f.rel);
        if (m) p.units.add(m[1]);
      }
    }
    for (const [host] of p.shipped) {
      const m = /^\/(?:usr\/)?lib\/systemd\/system\/([^/]+)$/.exec(host);
      if (m && new RegExp(`\\.(${UNIT_TYPES.join('|')})$`).test(m[1])) p.units.add(m[1]);
    }
    // dh_installsystemd options per unit: the call naming the unit (or its --name), else one for the package.
    const forPkg = calls.filter((c) => !c.packages.length || c.packages.includes(pkg.name));
    const defaults: DhOptions = { noStart: false, noEnable: false, restartAfterUpgrade: compat >= 10 };
    const options = (unit: string): DhOptions => {
      const stem = unit.replace(/\.[a-z]+$/, '');
      const c = forPkg.find((x) => x.units.includes(unit) || x.name === stem) ?? forPkg.find((x) => !x.units.length && !x.name);
      if (!c) return defaults;
      return { noStart: !!c.noStart, noEnable: !!c.noEnable, restartAfterUpgrade: c.restart ?? defaults.restartAfterUpgrade, at: c.at };
    };
    p.dh = { options, compat, rulesAt };
    // The postinst: debian/<pkg>.postinst (with its #DEBHELPER# token), or the one debhelper generates.
    const postinst = own('postinst');
    if (postinst) {
      const text = read(postinst) ?? '';
      const tok = text.split('\n').findIndex((l) => l.includes('#DEBHELPER#'));
      p.postinst = { kind: 'postinst', file: postinst, text, lineOffset: 0, debhelperLine: tok >= 0 ? tok + 1 : undefined };
    } else {
      const file = rulesAt?.file ?? [...p.unitFiles!.values()][0] ?? controlFile;
      p.postinst = { kind: 'postinst', file, text: '#!/bin/sh\nset -e\n#DEBHELPER#\n', lineOffset: 0, debhelperLine: 3, generated: true };
    }
    res.packages.push(p);
  });
}

function addShipped(p: Package, host: string, src: string): void {
  p.shipped.set(host, src);
  // A folder installed as a whole ships what it contains.
  try {
    if (fs.statSync(src).isDirectory()) {
      for (const f of listTree(src)) p.shipped.set(`${host}/${f.rel}`, f.abs);
    }
  } catch {
    /* built at package build time; not in the tree */
  }
}

function listTree(dir: string): { rel: string; abs: string }[] {
  return fg
    .sync('**/*', { cwd: dir, dot: true, onlyFiles: true, followSymbolicLinks: false, suppressErrors: true })
    .sort()
    .map((rel) => ({ rel, abs: path.join(dir, rel) }));
}

// ---------------------------------------------------------------------------------------------
// Built trees and archives

/** The folder holding a built package's files: DEBIAN/'s parent, or its one child that looks like a root. */
function treeRoot(pkgDir: string): string {
  let kids: string[] = [];
  try {
    kids = fs.readdirSync(pkgDir).filter((k) => k !== 'DEBIAN');
  } catch {
    return pkgDir;
  }
  if (kids.some((k) => FHS.includes(k))) return pkgDir;
  const dirs = kids.filter((k) => {
    try {
      return fs.statSync(path.join(pkgDir, k)).isDirectory() && fs.readdirSync(path.join(pkgDir, k)).some((x) => FHS.includes(x));
    } catch {
      return false;
    }
  });
  return dirs.length === 1 ? path.join(pkgDir, dirs[0]) : pkgDir;
}

function builtTree(debianDir: string, claimed: Set<string>, res: DebianResult): void {
  const pkgDir = path.dirname(debianDir);
  const controlFile = path.join(debianDir, 'control');
  const control = read(controlFile);
  const name = (control && parseParagraphs(control)[0]?.fields.Package?.trim()) || path.basename(pkgDir);
  const root = treeRoot(pkgDir);
  const p: Package = { name, format: 'deb-tree', at: loc(control !== undefined ? controlFile : debianDir), units: new Set(), shipped: new Map(), shippedDirs: [], shippedKnown: true };
  for (const f of listTree(root)) {
    if (f.abs.startsWith(debianDir + path.sep)) continue;
    p.shipped.set('/' + f.rel, f.abs);
    const m = /^(?:usr\/)?lib\/systemd\/system\/([^/]+)$/.exec(f.rel);
    if (m) p.units.add(m[1]);
  }
  for (const s of SCRIPTS) claimed.add(path.join(debianDir, s));
  const postinst = path.join(debianDir, 'postinst');
  const text = read(postinst);
  if (text !== undefined) p.postinst = { kind: 'postinst', file: postinst, text, lineOffset: 0 };
  res.packages.push(p);
}

function fromDeb(deb: DebPackage): Package {
  const p: Package = { name: deb.control.Package ?? path.basename(deb.file).replace(/_.*$/, ''), format: 'deb', at: loc(deb.file), units: new Set(), shipped: new Map(), shippedDirs: [], shippedKnown: true };
  for (const m of deb.members) {
    if (m.type === 'dir') continue;
    p.shipped.set(m.path, m.text !== undefined ? `${deb.file}${m.path}` : '');
    const u = /^\/(?:usr\/)?lib\/systemd\/system\/([^/]+)$/.exec(m.path);
    if (u) p.units.add(u[1]);
  }
  const text = deb.controlFiles.postinst;
  if (text !== undefined) p.postinst = { kind: 'postinst', file: `${deb.file}/DEBIAN/postinst`, text, lineOffset: 0 };
  return p;
}
