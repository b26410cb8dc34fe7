#!/usr/bin/env node
// Builds src/catalog/directives.json from the two committed data files:
//   scripts/data/dump-configuration-items-252.txt  `/lib/systemd/systemd --dump-configuration-items` of systemd 252 (Debian 12)
//   scripts/data/directives-post-252.json          directives/values added or removed by later releases, each with its source
// Usage: node scripts/gen-catalog.mjs [output-path]   (default: src/catalog/directives.json)
// The output is deterministic: same inputs, byte-identical output.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BASE_VERSION = 252;
const dumpPath = path.join(root, 'scripts/data/dump-configuration-items-252.txt');
const postPath = path.join(root, 'scripts/data/directives-post-252.json');
const outPath = path.resolve(process.argv[2] ?? path.join(root, 'src/catalog/directives.json'));

// The sections each unit type reads: the `.sections = "Unit\0" "<Type>\0" "Install\0"` strings of the
// unit vtables in systemd's src/core/<type>.c. Verified against the NUL-separated strings compiled into
// /usr/lib/x86_64-linux-gnu/systemd/libsystemd-core-252.so. Note that target and device units also accept
// an (empty) [Target] / [Device] section: systemd knows no settings for them, so any key in it is unknown.
const UNIT_TYPE_SECTIONS = {
  automount: ['Unit', 'Automount', 'Install'],
  device: ['Unit', 'Device', 'Install'],
  mount: ['Unit', 'Mount', 'Install'],
  path: ['Unit', 'Path', 'Install'],
  scope: ['Unit', 'Scope', 'Install'],
  service: ['Unit', 'Service', 'Install'],
  slice: ['Unit', 'Slice', 'Install'],
  socket: ['Unit', 'Socket', 'Install'],
  swap: ['Unit', 'Swap', 'Install'],
  target: ['Unit', 'Target', 'Install'],
  timer: ['Unit', 'Timer', 'Install'],
};

function parseDump(text) {
  const sections = new Map();
  let current = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!line) continue;
    const head = /^\[([A-Za-z]+)\]$/.exec(line);
    if (head) {
      current = head[1];
      if (!sections.has(current)) sections.set(current, new Map());
      continue;
    }
    const item = /^([A-Za-z0-9]+)=(.*)$/.exec(line);
    if (!item || !current) throw new Error(`unexpected line in ${dumpPath}: ${JSON.stringify(line)}`);
    sections.get(current).set(item[1], item[2]);
  }
  return sections;
}

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function sortedObject(map, valueFn = (v) => v) {
  const out = {};
  for (const k of [...map.keys()].sort(byName)) out[k] = valueFn(map.get(k));
  return out;
}

const base = parseDump(fs.readFileSync(dumpPath, 'utf8'));
const post = JSON.parse(fs.readFileSync(postPath, 'utf8'));

/** section -> key -> info */
const sections = new Map();
const entry = (section, key) => {
  if (!sections.has(section)) sections.set(section, new Map());
  const s = sections.get(section);
  if (!s.has(key)) s.set(key, {});
  return s.get(key);
};

for (const [section, keys] of base) for (const [key, type] of keys) Object.assign(entry(section, key), { type, since: null });

for (const d of post.directives) {
  if (sections.get(d.section)?.has(d.key) && sections.get(d.section).get(d.key).since === null)
    throw new Error(`${d.section}.${d.key} is already known to systemd ${BASE_VERSION}`);
  if (typeof d.since !== 'number' || d.since <= BASE_VERSION) throw new Error(`bad since for ${d.section}.${d.key}`);
  if (!d.source) throw new Error(`no source for ${d.section}.${d.key}`);
  Object.assign(entry(d.section, d.key), { type: d.type, since: d.since });
}

for (const r of post.removed) {
  const e = sections.get(r.section)?.get(r.key);
  if (!e) throw new Error(`removal of unknown directive ${r.section}.${r.key}`);
  if (typeof r.removed !== 'number' || !r.source) throw new Error(`bad removal entry ${r.section}.${r.key}`);
  e.removed = r.removed;
  if (r.replacement) e.replacement = r.replacement;
}

const values = post.values
  .map((v) => {
    if (!sections.get(v.section)?.has(v.key)) throw new Error(`value for unknown directive ${v.section}.${v.key}`);
    return { section: v.section, key: v.key, value: v.value, since: v.since };
  })
  .sort((a, b) => byName(a.section, b.section) || byName(a.key, b.key) || byName(a.value, b.value));

const ignoredLegacy = {};
for (const { section, key } of post.ignoredLegacy252?.keys ?? []) (ignoredLegacy[section] ??= []).push(key);
for (const s of Object.keys(ignoredLegacy)) ignoredLegacy[s].sort(byName);

const catalog = {
  generatedBy: 'scripts/gen-catalog.mjs',
  inputs: ['scripts/data/dump-configuration-items-252.txt', 'scripts/data/directives-post-252.json'],
  baseVersion: BASE_VERSION,
  newestChecked: post.newestChecked,
  sections: sortedObject(sections, (keys) =>
    sortedObject(keys, (info) => {
      const o = { type: info.type, since: info.since };
      if (info.removed !== undefined) o.removed = info.removed;
      if (info.replacement !== undefined) o.replacement = info.replacement;
      return o;
    }),
  ),
  values,
  unitTypeSections: UNIT_TYPE_SECTIONS,
  ignoredLegacy: sortedObject(new Map(Object.entries(ignoredLegacy))),
};

fs.mkdirSync(path.dirname(outPath), { recursive: true });
fs.writeFileSync(outPath, JSON.stringify(catalog, null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), outPath) || outPath}`);
