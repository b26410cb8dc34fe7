/**
 * Arch Linux packages: an `.install` file (sourced by pacman, which then calls post_install NEW on a
 * fresh install and post_upgrade NEW OLD on an upgrade) beside its PKGBUILD. What the package ships
 * is not in the PKGBUILD in a form unitlint reads (package() runs arbitrary commands), except the
 * `backup=()` list of configuration files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Location } from '../../types.js';
import { readTextFile } from '../discover.js';
import type { Package } from './model.js';

export function isArchInstallPath(p: string): boolean {
  return p.endsWith('.install') && path.basename(path.dirname(p)) !== 'debian';
}

function loc(file: string, line = 1): Location {
  return { file, line, column: 1, endLine: line, endColumn: 1 };
}

export function loadArchInstall(file: string): Package | undefined {
  const r = readTextFile(file);
  if (!r.ok || !/(^|\n)\s*(function\s+)?post_install\s*(\(\s*\))?\s*\{/.test(r.text)) return undefined;
  const pkgbuild = path.join(path.dirname(file), 'PKGBUILD');
  let name = path.basename(file, '.install');
  const p: Package = { name, format: 'arch', at: loc(file), units: new Set(), shipped: new Map(), shippedDirs: [], shippedKnown: false };
  if (fs.existsSync(pkgbuild)) {
    const b = readTextFile(pkgbuild);
    if (b.ok) {
      const n = /^pkgname=\(?['"]?([A-Za-z0-9@._+-]+)/m.exec(b.text);
      if (n) name = p.name = n[1];
      const backup = /^backup=\(([^)]*)\)/m.exec(b.text);
      for (const w of backup?.[1].split(/\s+/) ?? []) {
        const f = w.replace(/^['"]|['"]$/g, '');
        if (f && !f.includes('$')) p.shipped.set('/' + f.replace(/^\/+/, ''), '');
      }
    }
  }
  p.postinst = { kind: 'post_install', file, text: r.text, lineOffset: 0 };
  return p;
}
