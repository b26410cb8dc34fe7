// Helpers shared by the benchmark scripts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A short hash of the compiled code under ROOT/dist (others may rebuild dist/ while a bench runs). */
export function distHash(root) {
  const h = crypto.createHash('sha256');
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|json)$/.test(e.name)) h.update(p.slice(root.length)).update(fs.readFileSync(p));
    }
  };
  walk(path.join(root, 'dist'));
  return h.digest('hex').slice(0, 12);
}

/**
 * Self and inclusive time per function of a CPU profile, plus self time per group.
 * dt: Map node id → sampled ms; byId: node id → node; parent: node id → parent id.
 */
export function aggregateProfile(dt, byId, parent, fnKey, groupKey, skip = () => false) {
  const self = new Map();
  const incl = new Map();
  const groups = new Map();
  let total = 0;
  for (const [id, ms] of dt) {
    const n = byId.get(id);
    if (skip(n)) continue;
    total += ms;
    self.set(fnKey(n), (self.get(fnKey(n)) ?? 0) + ms);
    groups.set(groupKey(n), (groups.get(groupKey(n)) ?? 0) + ms);
    const seen = new Set();
    for (let x = id; x != null; x = parent.get(x)) {
      const k = fnKey(byId.get(x));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + ms);
    }
  }
  return { self, incl, groups, total };
}

/** The sample tree of a .cpuprofile: nodes by id, each node's parent, and sampled ms per node. */
export function profileSamples(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map();
  prof.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0) / 1000));
  return { byId, parent, dt };
}

/** A profile URL shortened: the package path inside node_modules, or the path inside ROOT. */
export function shortUrl(root, u) {
  if (!u) return '';
  const s = u.replace(/^file:\/\//, '');
  const nm = s.lastIndexOf('node_modules/');
  if (nm >= 0) return s.slice(nm + 13);
  if (s.startsWith(root)) return s.slice(root.length + 1);
  return s;
}
