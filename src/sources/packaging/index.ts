/**
 * The packaging front end: finds the packages of the input (Debian source folders, built trees,
 * .deb archives, loose maintainer scripts, RPM specs, Arch .install files) and what they ship.
 * .deb archives are read before the synchronous load (readArchives), through ./deb.ts, which is
 * imported only when the input has one.
 */
import path from 'node:path';
import type { Location } from '../../types.js';
import type { DiscoveredEntry } from '../discover.js';
import { setVirtualFiles } from '../vfs.js';
import { isDebianPath, loadDebian } from './debian.js';
import { isSpecPath, loadSpec } from './rpm.js';
import { isArchInstallPath, loadArchInstall } from './arch.js';
import type { Package } from './model.js';
import type { DebPackage } from './deb.js';

export type { Package } from './model.js';

export function isPackagingPath(p: string): boolean {
  return isDebianPath(p) || isSpecPath(p) || isArchInstallPath(p) || path.basename(p) === 'PKGBUILD';
}

export interface Archives {
  debs: DebPackage[];
  problems: { location: Location; message: string }[];
}

const NO_ARCHIVES: Archives = { debs: [], problems: [] };

/** Reads the .deb files (async: the decompression libraries load lazily) and serves their members. */
export async function readArchives(files: string[]): Promise<Archives> {
  if (!files.length) {
    setVirtualFiles([]);
    return NO_ARCHIVES;
  }
  const { readDeb } = await import('./deb.js');
  const out: Archives = { debs: [], problems: [] };
  for (const f of [...new Set(files)].sort()) {
    try {
      out.debs.push(await readDeb(f));
    } catch (e) {
      out.problems.push({ location: { file: f, line: 1, column: 1, endLine: 1, endColumn: 1 }, message: `${path.basename(f)}: ${(e as Error).message}; the package is not analysed.` });
    }
  }
  const virtual: [string, string][] = [];
  for (const d of out.debs) {
    for (const m of d.members) if (m.text !== undefined) virtual.push([`${d.file}${m.path}`, m.text]);
    for (const [k, v] of Object.entries(d.controlFiles)) virtual.push([`${d.file}/DEBIAN/${k}`, v]);
  }
  setVirtualFiles(virtual);
  return out;
}

/** Unit-file entries inside the archives, for the unit loader. */
export function archiveUnitEntries(archives: Archives): DiscoveredEntry[] {
  const out: DiscoveredEntry[] = [];
  for (const d of archives.debs) {
    for (const m of d.members) {
      if (!/^\/(etc|run|lib|usr\/lib)\/systemd\/(system|user)\//.test(m.path)) continue;
      if (m.type === 'file' && m.text !== undefined) out.push({ path: `${d.file}${m.path}`, symlink: false });
      else if (m.type === 'symlink' && m.linkTarget) out.push({ path: `${d.file}${m.path}`, symlink: true, linkTarget: m.linkTarget });
    }
  }
  return out;
}

export interface PackagingInput {
  packages: Package[];
  /** debian/<pkg>.<name>.service and friends: path → the unit name it installs as. */
  renames: Map<string, string>;
  problems: { location: Location; message: string }[];
}

export function loadPackages(paths: string[], archives: Archives = NO_ARCHIVES): PackagingInput {
  const deb = loadDebian(paths.filter(isDebianPath), archives.debs);
  const packages = [...deb.packages];
  for (const p of paths) {
    if (isSpecPath(p)) {
      const pkg = loadSpec(p);
      if (pkg) packages.push(pkg);
    } else if (isArchInstallPath(p)) {
      const pkg = loadArchInstall(p);
      if (pkg) packages.push(pkg);
    }
  }
  packages.sort((a, b) => (a.at.file < b.at.file ? -1 : a.at.file > b.at.file ? 1 : a.at.line - b.at.line));
  return { packages, renames: deb.renames, problems: [...archives.problems, ...deb.problems] };
}
