/**
 * Files that exist only inside archives of the input (a .deb's members): the readers of the tree
 * (readTextFile, findInTree) look here before the file system. A member of /x/foo.deb is addressed as
 * /x/foo.deb/etc/foo/foo.conf, so that findings and sysroot lookups read like paths of an unpacked tree.
 */
const files = new Map<string, string>();
const dirs = new Map<string, Set<string>>();

/** Replaces the overlay (one lint run's archives). */
export function setVirtualFiles(entries: Iterable<[string, string]>): void {
  files.clear();
  dirs.clear();
  for (const [p, text] of entries) {
    files.set(p, text);
    let child = p;
    for (let d = parent(p); d; child = d, d = parent(d)) {
      let set = dirs.get(d);
      if (!set) dirs.set(d, (set = new Set()));
      const name = child.slice(d.length + 1);
      if (set.has(name)) break;
      set.add(name);
    }
  }
}

function parent(p: string): string | undefined {
  const i = p.lastIndexOf('/');
  return i > 0 ? p.slice(0, i) : undefined;
}

export function hasVirtualFiles(): boolean {
  return files.size > 0;
}

export function virtualText(p: string): string | undefined {
  return files.get(p);
}

/** The names in a virtual folder (undefined when the folder is not virtual). */
export function virtualDir(p: string): string[] | undefined {
  const s = dirs.get(p.replace(/\/+$/, ''));
  return s ? [...s].sort() : undefined;
}
