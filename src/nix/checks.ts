/**
 * Checks Nix makes when it parses a file, beyond the grammar: an attribute defined twice in one set
 * or `let` (`a = x; a.c = 2;`, `a.b = 1; a.b = 2;`, `inherit a; a = 1;`) is an error ("attribute
 * 'a.c' already defined"); literal sets under the same name merge (`a = { b = 1; }; a.c = 2;`).
 */
import type { AttrName, Binding, Node, Pos, StringPart } from '../sources/nix/ast.js';

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

/** Every attribute defined twice, anywhere in the file (a walk over the typed children only). */
export function duplicateAttrs(ast: Node): DuplicateAttr[] {
  const out: DuplicateAttr[] = [];
  const stack: Node[] = [ast];
  const push = (n: Node | undefined) => {
    if (n) stack.push(n);
  };
  const pushParts = (parts: StringPart[]) => {
    for (const p of parts) if (typeof p !== 'string') stack.push(p.expr);
  };
  const pushNames = (names: AttrName[]) => {
    for (const a of names) if (a.kind === 'dynamic') stack.push(a.expr);
    else if (a.kind === 'string') pushParts(a.node.parts);
  };
  /** The values under a set whose bindings were checked through its parent. */
  const pushValues = (bindings: Binding[], nested: boolean) => {
    for (const b of bindings) {
      if (b.kind === 'inherit') {
        push(b.from);
        pushNames(b.names);
        continue;
      }
      pushNames(b.path);
      // A literal set under a binding was checked with its parent's trie: only its values remain.
      if (nested && b.value.type === 'AttrSet') pushValues(b.value.bindings, true);
      else push(b.value);
    }
  };
  while (stack.length) {
    const n = stack.pop()!;
    switch (n.type) {
      case 'AttrSet':
      case 'Let':
        checkBindings(n.bindings, new Map(), [], out);
        pushValues(n.bindings, true);
        if (n.type === 'Let') push(n.body);
        break;
      case 'String': case 'Path': pushParts(n.parts); break;
      case 'Select': push(n.expr); pushNames(n.path); push(n.default); break;
      case 'HasAttr': push(n.expr); pushNames(n.path); break;
      case 'List': for (const i of n.items) push(i); break;
      case 'Lambda':
        if (n.param.kind === 'pattern') for (const f of n.param.formals) push(f.default);
        push(n.body);
        break;
      case 'Call': push(n.fn); push(n.arg); break;
      case 'With': push(n.env); push(n.body); break;
      case 'If': push(n.cond); push(n.then); push(n.else); break;
      case 'Assert': push(n.cond); push(n.body); break;
      case 'Unary': push(n.expr); break;
      case 'Binary': push(n.left); push(n.right); break;
      default: break;
    }
  }
  return out.sort((a, b) => a.pos.offset - b.pos.offset);
}
