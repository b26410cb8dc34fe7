/**
 * File discovery with fast-glob. Sources are pluggable: each front end (unit files now; Nix modules
 * and maintainer scripts later) names the globs it wants and gets back the entries that matched.
 */
import fs from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { hasVirtualFiles, virtualText } from './vfs.js';

export interface DiscoveredEntry {
  /** Absolute path. */
  path: string;
  /** True for symbolic links (their target is in `linkTarget`, possibly dangling). */
  symlink: boolean;
  linkTarget?: string;
}

export interface DiscoverOptions {
  ignore: string[];
  /** Keeps only the walked files a front end reads (files named on the command line are always kept). */
  accept?: (path: string) => boolean;
}

export const DEFAULT_IGNORES = ['**/.git/**', '**/node_modules/**', '**/.direnv/**', '**/result/**'];

export interface DiscoverProblem {
  path: string;
  message: string;
}

/**
 * Expands the user's paths (files or folders) into matching entries, sorted by path. Symbolic links
 * to folders are not followed (no link loops); links to files are reported as links.
 */
export function discover(
  roots: string[],
  patterns: string[],
  opts: DiscoverOptions,
): { entries: DiscoveredEntry[]; problems: DiscoverProblem[] } {
  const seen = new Set<string>();
  const entries: DiscoveredEntry[] = [];
  const problems: DiscoverProblem[] = [];
  const ignore = [...DEFAULT_IGNORES, ...opts.ignore];
  for (const root of roots) {
    const abs = path.resolve(root);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch (e) {
      problems.push({ path: abs, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      continue;
    }
    if (!st.isDirectory()) {
      let isDir = false;
      if (st.isSymbolicLink()) {
        try {
          isDir = fs.statSync(abs).isDirectory();
        } catch {
          /* dangling */
        }
      }
      if (!isDir) {
        add(abs, st.isSymbolicLink());
        continue;
      }
    }
    const found = fg.sync(patterns, {
      cwd: abs,
      dot: true,
      onlyFiles: false,
      followSymbolicLinks: false,
      ignore,
      // Not `absolute: true`: fast-glob then turns every backslash into a slash, and systemd's escaped
      // unit names are full of them (system-systemd\x2dcryptsetup.slice, dev-disk-by\x2duuid-….swap).
      absolute: false,
      objectMode: true,
      suppressErrors: true,
    });
    for (const e of found) {
      const full = path.join(abs, e.path);
      if (e.dirent.isDirectory() || (opts.accept && !opts.accept(full))) continue;
      add(full, e.dirent.isSymbolicLink());
    }
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, problems };

  function add(p: string, symlink: boolean) {
    if (seen.has(p)) return;
    seen.add(p);
    const e: DiscoveredEntry = { path: p, symlink };
    if (symlink) {
      try {
        e.linkTarget = fs.readlinkSync(p);
      } catch (err) {
        problems.push({ path: p, message: `cannot read link: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
        return;
      }
      try {
        fs.statSync(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
          problems.push({ path: p, message: `${path.basename(p)}: symbolic link loop (${e.linkTarget} leads back to itself); skipped` });
          return;
        }
        // dangling links are normal in a repository (they point into the host's /lib/systemd/system)
      }
    }
    entries.push(e);
  }
}

export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

/** Reads a text file defensively: unreadable, binary, huge, link loops → a message, never a throw. */
export function readTextFile(p: string): ReadResult {
  if (hasVirtualFiles()) {
    const v = virtualText(p);
    if (v !== undefined) return { ok: true, text: v };
  }
  let buf: Buffer;
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { ok: false, message: 'is a folder, not a file' };
    if (st.size > MAX_FILE_BYTES) return { ok: false, message: `file is too large (${st.size} bytes; the limit is ${MAX_FILE_BYTES})` };
    buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = fs.readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off < st.size) buf = buf.subarray(0, off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { ok: false, message: 'symbolic link loop' };
    if (code === 'ENOENT') return { ok: false, message: 'dangling symbolic link or missing file' };
    if (code === 'EACCES') return { ok: false, message: 'permission denied' };
    if (code === 'EISDIR') return { ok: false, message: 'is a folder, not a file' };
    return { ok: false, message: `cannot read (${code ?? String(e)})` };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (buf.includes(0)) return { ok: false, message: 'binary file (contains NUL bytes)' };
  return { ok: true, text: buf.toString('utf8') };
}
