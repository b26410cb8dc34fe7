import fs from 'node:fs';

/** unitlint's own version: package.json from the sources (src/), the compiled tree (dist/src/) or the bundle (dist/). */
export function toolVersion(): string {
  for (const rel of ['../../package.json', '../package.json', './package.json']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'unitlint') return pkg.version;
    } catch {
      /* try the next place */
    }
  }
  return '0.0.0';
}
