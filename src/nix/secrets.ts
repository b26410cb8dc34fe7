/**
 * Secrets of NixOS hosts: which encrypted files a host decrypts (agenix `age.secrets.<n>.file`,
 * sops-nix `sops.secrets.<n>.sopsFile` / `sops.defaultSopsFile`), and who the tree says may decrypt
 * them (agenix's secrets.nix `"x.age".publicKeys`, sops' `.sops.yaml` creation_rules). Hosts are
 * matched to their key by name: a secrets.nix binding or a .sops.yaml anchor named like the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument, isAlias, isMap, isSeq, isScalar, LineCounter, type Node as YNode } from 'yaml';
import type { Location } from '../types.js';
import type { Binding, Node } from '../sources/nix/ast.js';
import type { Project } from '../model/load.js';
import { definedNames, liveDefs } from './modules.js';
import type { Value } from './value.js';

export interface HostSecret {
  tool: 'agenix' | 'sops';
  name: string;
  /** The encrypted file, absolute. */
  file: string;
  at: Location;
}

export interface Recipients {
  /** Absolute path of the encrypted file (agenix) or undefined (sops: matched by regex). */
  file?: string;
  /** Key strings allowed to decrypt. */
  keys: string[];
  /** True when the list could not be read completely. */
  open: boolean;
  at: Location;
}

export interface KeyBinding {
  /** Binding names that hold this key (let-binding names, attribute paths, YAML anchors). */
  names: string[];
  key: string;
  at: Location;
}



function pathOf(v: Value): string | undefined {
  if (v.t === 'path') return v.v;
  if (v.t === 'string' && !v.unknown && v.v.startsWith('/') && !v.v.startsWith('/nix/store')) return v.v;
  return undefined;
}

/** The secrets a host decrypts at activation. */
export function hostSecrets(project: Project): HostSecret[] {
  const h = project.nix?.host;
  if (!h) return [];
  const out: HostSecret[] = [];
  for (const { name } of definedNames(h, ['age', 'secrets'])) {
    const d = liveDefs(h.defs(['age', 'secrets', name, 'file'])).pop();
    const f = d && pathOf(d.value);
    if (d && f) out.push({ tool: 'agenix', name, file: f, at: d.at });
  }
  const def = liveDefs(h.defs(['sops', 'defaultSopsFile'])).pop();
  for (const { name, at } of definedNames(h, ['sops', 'secrets'])) {
    const d = liveDefs(h.defs(['sops', 'secrets', name, 'sopsFile'])).pop() ?? def;
    const f = d && pathOf(d.value);
    if (d && f) out.push({ tool: 'sops', name, file: f, at: d === def ? at : d.at });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// agenix secrets.nix

export interface AgenixRules {
  file: string;
  entries: Recipients[];
  keys: KeyBinding[];
}

/** Key bindings of a secrets.nix: `let web1 = "ssh-ed25519 …"; hosts = { db = "…"; }; in …`. */
function keyBindings(ast: Node, file: string, ev: (n: Node) => Value): KeyBinding[] {
  const out: KeyBinding[] = [];
  const visit = (bindings: Binding[], prefix: string[]) => {
    for (const b of bindings) {
      if (b.kind !== 'attr') continue;
      const nm = b.path.map((p) => (p.kind === 'ident' ? p.name : '?')).filter((x) => x !== '?');
      if (!nm.length) continue;
      const full = [...prefix, ...nm];
      if (b.value.type === 'AttrSet') {
        visit(b.value.bindings, full);
        continue;
      }
      if (b.value.type === 'String') {
        const v = ev(b.value);
        if (v.t === 'string' && !v.unknown && /^(ssh-|age1|ecdsa-)/.test(v.v.trim())) {
          out.push({ names: [full[full.length - 1], full.join('.')], key: v.v.trim(), at: { file, line: b.pos.line, column: b.pos.column, endLine: b.pos.endLine, endColumn: b.pos.endColumn } });
        }
      }
    }
  };
  let n: Node = ast;
  for (let i = 0; i < 10; i++) {
    if (n.type === 'Let') {
      visit(n.bindings, []);
      n = n.body;
    } else if (n.type === 'With' || n.type === 'Assert') n = n.body;
    else if (n.type === 'Lambda') n = n.body;
    else break;
  }
  return out;
}

export function readAgenixRules(project: Project): AgenixRules[] {
  const input = project.nix;
  if (!input) return [];
  const out: AgenixRules[] = [];
  for (const f of input.files()) {
    if (path.basename(f) !== 'secrets.nix') continue;
    const parsed = input.evaluator.host.parse(f);
    if (!parsed?.ast) continue;
    const v = input.evaluator.importFile(f);
    if (v.t !== 'attrs') continue;
    const entries: Recipients[] = [];
    for (const k of v.keys()) {
      if (!k.endsWith('.age')) continue;
      const e = v.get(k)!.force();
      const at = v.keyAt?.(k) ?? { file: f, line: 1, column: 1, endLine: 1, endColumn: 1 };
      if (e.t !== 'attrs') continue;
      const pk = e.get('publicKeys')?.force();
      const keys: string[] = [];
      let open = pk?.t !== 'list' || !!pk.open;
      if (pk?.t === 'list') {
        for (const th of pk.items) {
          const x = th.force();
          if (x.t === 'string' && !x.unknown) keys.push(x.v.trim());
          else if (x.t === 'list') for (const y of x.items) { const z = y.force(); if (z.t === 'string') keys.push(z.v.trim()); else open = true; }
          else open = true;
        }
      }
      entries.push({ file: path.resolve(path.dirname(f), k), keys, open, at });
    }
    if (!entries.length) continue;
    const root = parsed.ast;
    const ev = input.evaluator;
    const keys = keyBindings(root, f, (n) => ev.evalString(n.type === 'String' ? n.parts : [], ev.rootEnv(), f, { file: f, line: n.pos.line, column: n.pos.column, endLine: n.pos.endLine, endColumn: n.pos.endColumn }));
    out.push({ file: f, entries, keys });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// sops .sops.yaml

export interface SopsRule {
  regex: RegExp;
  regexText: string;
  keys: string[];
  at: Location;
}

export interface SopsConfig {
  file: string;
  rules: SopsRule[];
  keys: KeyBinding[];
}

export function readSopsConfigs(roots: string[]): SopsConfig[] {
  const out: SopsConfig[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (depth > 8) return;
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) {
      if (e.name === '.git' || e.name === 'node_modules' || e.name === 'result') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if ((e.name === '.sops.yaml' || e.name === '.sops.yml') && !seen.has(p)) {
        seen.add(p);
        const c = readSops(p);
        if (c) out.push(c);
      }
    }
  };
  for (const r of roots) {
    try {
      if (fs.statSync(r).isDirectory()) walk(r, 0);
    } catch {
      /* missing root: reported elsewhere */
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

function readSops(file: string): SopsConfig | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  if (doc.errors.length) return undefined;
  const loc = (n: YNode | null | undefined): Location => {
    const r = n?.range;
    const p = lc.linePos(r ? r[0] : 0);
    const q = lc.linePos(r ? r[1] : 0);
    return { file, line: p.line, column: p.col, endLine: q.line, endColumn: q.col };
  };
  const keys: KeyBinding[] = [];
  const scalarKeys = (n: unknown): string[] => {
    const out: string[] = [];
    const visit = (x: unknown, d: number) => {
      if (d > 10) return;
      if (isScalar(x)) {
        const v = String(x.value ?? '').trim();
        for (const k of v.split(',').map((s) => s.trim()).filter(Boolean)) out.push(k);
      } else if (isSeq(x)) for (const i of x.items) visit(i, d + 1);
      else if (isAlias(x)) out.push(...(anchors.get(x.source) ?? []));
    };
    visit(n, 0);
    return out;
  };
  const anchors = new Map<string, string[]>();
  // Every anchored scalar anywhere (keys: - &host_web1 age1…) is a named key.
  const collect = (x: unknown, d: number) => {
    if (d > 12) return;
    if (isScalar(x) && x.anchor) {
      const v = String(x.value ?? '').trim();
      anchors.set(x.anchor, [v]);
      keys.push({ names: [x.anchor], key: v, at: loc(x) });
    } else if (isSeq(x)) for (const i of x.items) collect(i, d + 1);
    else if (isMap(x)) for (const it of x.items) collect(it.value, d + 1);
  };
  collect(doc.contents, 0);
  const rules: SopsRule[] = [];
  const cr = isMap(doc.contents) ? doc.contents.get('creation_rules', true) : undefined;
  if (isSeq(cr)) {
    for (const r of cr.items) {
      if (!isMap(r)) continue;
      const re = r.get('path_regex', true);
      const reText = isScalar(re) ? String(re.value) : '';
      let regex: RegExp;
      try {
        regex = new RegExp(reText);
      } catch {
        continue;
      }
      const ks: string[] = [];
      const age = r.get('age', true);
      if (age) ks.push(...scalarKeys(age));
      const kg = r.get('key_groups', true);
      if (isSeq(kg)) for (const g of kg.items) if (isMap(g)) { const a = g.get('age', true); if (a) ks.push(...scalarKeys(a)); }
      rules.push({ regex, regexText: reText, keys: ks, at: loc(isScalar(re) ? re : r) });
    }
  }
  return { file, rules, keys };
}

/** The key bindings whose name matches the host's name (web1, host_web1, web1_host, hosts.web1, …). */
export function keysForHost(keys: KeyBinding[], host: string): KeyBinding[] {
  const h = host.toLowerCase().replace(/[-_]/g, '');
  if (!h) return [];
  return keys.filter((k) =>
    k.names.some((n) => {
      const parts = n.toLowerCase().split(/[._\-:]/).filter(Boolean);
      const flat = n.toLowerCase().replace(/[-_]/g, '');
      return flat === h || parts.includes(host.toLowerCase()) || parts.join('') === h;
    }),
  );
}
