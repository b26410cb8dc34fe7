/**
 * Checks Nix makes when it parses a file, beyond the grammar: an attribute defined twice in one set
 * or `let` (`a = x; a.c = 2;`, `a.b = 1; a.b = 2;`, `inherit a; a = 1;`) is an error ("attribute
 * 'a.c' already defined"); literal sets under the same name merge (`a = { b = 1; }; a.c = 2;`).
 */
import type { AttrName, Binding, Node, Pos } from '../sources/nix/ast.js';

export interface DuplicateAttr {
  name: string;
  pos: Pos;
  first: Pos;
}

interface TrieNode {
  /** Set when the attribute holds a value that cannot merge (not a literal set). */
  leaf?: Pos;
  /** Where the attribute was first defined. */
  at: Pos;
  children: Map<string, TrieNode>;
}

function staticName(a: AttrName): string | undefined {
  if (a.kind === 'ident') return a.name;
  if (a.kind === 'string' && a.node.parts.every((p) => typeof p === 'string')) return a.node.parts.join('');
  return undefined;
}

function checkBindings(bindings: Binding[], trie: Map<string, TrieNode>, prefix: string[], out: DuplicateAttr[]): void {
  for (const b of bindings) {
    if (b.kind === 'inherit') {
      for (const n of b.names) {
        const k = staticName(n);
        if (k === undefined) continue;
        const prev = trie.get(k);
        if (prev) out.push({ name: [...prefix, k].join('.'), pos: n.pos, first: prev.at });
        else trie.set(k, { leaf: n.pos, at: n.pos, children: new Map() });
      }
      continue;
    }
    let level = trie;
    const names: string[] = [];
    let ok = true;
    for (let i = 0; i < b.path.length; i++) {
      const k = staticName(b.path[i]);
      if (k === undefined) {
        ok = false;
        break;
      }
      names.push(k);
      const last = i === b.path.length - 1;
      const prev = level.get(k);
      const mergeable = !last || b.value.type === 'AttrSet';
      if (prev && (prev.leaf || !mergeable)) {
        out.push({ name: [...prefix, ...names].join('.'), pos: b.path[i].pos, first: prev.at });
        ok = false;
        break;
      }
      let node = prev;
      if (!node) {
        node = { at: b.path[i].pos, children: new Map() };
        if (!mergeable) node.leaf = b.path[i].pos;
        level.set(k, node);
      }
      level = node.children;
    }
    if (!ok) continue;
    if (b.value.type === 'AttrSet') checkBindings(b.value.bindings, level, [...prefix, ...names], out);
  }
}

/** Every attribute defined twice, anywhere in the file. */
export function duplicateAttrs(ast: Node): DuplicateAttr[] {
  const out: DuplicateAttr[] = [];
  const stack: unknown[] = [ast];
  const seen = new Set<unknown>();
  while (stack.length) {
    const n = stack.pop();
    if (!n || typeof n !== 'object' || seen.has(n)) continue;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const x of n) stack.push(x);
      continue;
    }
    const o = n as { type?: string; bindings?: Binding[] };
    if ((o.type === 'AttrSet' || o.type === 'Let') && o.bindings) {
      checkBindings(o.bindings, new Map(), [], out);
      // Nested literal sets were checked as part of their parent; their inner sets are visited below
      // too, which is harmless: a set checked alone reports only its own duplicates — but avoid
      // reporting twice by marking literal values of bindings as seen.
      for (const b of o.bindings) if (b.kind === 'attr' && b.value.type === 'AttrSet') markNested(b.value, seen, stack);
    }
    for (const [k, v] of Object.entries(n as object)) if (k !== 'pos' && v && typeof v === 'object') stack.push(v);
  }
  return out.sort((a, b) => a.pos.offset - b.pos.offset);
}

/** A literal set checked through its parent: skip its own check, but visit what its values hold. */
function markNested(set: Node & { type: 'AttrSet' }, seen: Set<unknown>, stack: unknown[]): void {
  seen.add(set);
  for (const b of set.bindings) {
    if (b.kind === 'attr') {
      if (b.value.type === 'AttrSet') markNested(b.value, seen, stack);
      else stack.push(b.value);
    } else if (b.from) stack.push(b.from);
  }
}
