/**
 * Packages of the input: Debian source folders (debian/), built package trees (DEBIAN/ beside the
 * files), .deb archives, loose maintainer scripts (foo.postinst), RPM .spec files and Arch .install
 * files. Each package says what it ships, which units are its own, and which scripts run when it is
 * installed; src/analysis/packages.ts turns the scripts into start events.
 */
import type { Location } from '../../types.js';

export type PackageFormat = 'deb-source' | 'deb-tree' | 'deb' | 'deb-script' | 'rpm' | 'arch';

/** dh_installsystemd options in effect for one unit (debian/rules). */
export interface DhOptions {
  noStart: boolean;
  noEnable: boolean;
  restartAfterUpgrade: boolean;
  /** The debian/rules line that set them, when one did. */
  at?: Location;
}

export interface ScriptSource {
  /** 'postinst', '%post', 'post_install', … */
  kind: string;
  /** The file the text comes from (for a .deb: the virtual member path). */
  file: string;
  text: string;
  /** Lines of `text` that come from another place (a spec file's scriptlet starts at its %post line). */
  lineOffset: number;
  /** 1-based line of the `#DEBHELPER#` token (Debian source scripts), if the text has one. */
  debhelperLine?: number;
  /** True when the file does not exist: debhelper generates the whole script (no debian/postinst). */
  generated?: boolean;
}

export interface Package {
  name: string;
  format: PackageFormat;
  /** The folder or file that defines the package (debian/control, DEBIAN/control, the .deb, the .spec). */
  at: Location;
  /** The maintainer script that runs after unpacking on install (postinst, %post, post_install). */
  postinst?: ScriptSource;
  /** Units the package ships natively (unit names). */
  units: Set<string>;
  /** Host path → the input file with its content ('' when shipped but its content is not in the input). */
  shipped: Map<string, string>;
  /** Host folders whose content is shipped wholesale (globs in debian/*.install). */
  shippedDirs: string[];
  /** False when the input does not say what the package ships (a loose maintainer script, an Arch PKGBUILD). */
  shippedKnown: boolean;
  /** Debian source packages: dh_installsystemd's options per unit, and the debhelper compat level. */
  dh?: { options: (unit: string) => DhOptions; compat: number; rulesAt?: Location };
  /** Unit files of a Debian source folder installed under another name (debian/pkg.name.service). */
  unitFiles?: Map<string, string>;
}

/** Does the package ship this host path? */
export function ships(p: Package, hostPath: string): boolean {
  if (p.shipped.has(hostPath)) return true;
  return p.shippedDirs.some((d) => hostPath.startsWith(d.endsWith('/') ? d : d + '/'));
}
