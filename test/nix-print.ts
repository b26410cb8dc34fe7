/**
 * Prints our Nix syntax tree in the normalized form of `nix-instantiate --parse` (Nix 2.8), so the
 * oracle test can compare the two outputs textually. It reproduces what Nix's parser does on top
 * of the syntax: operators turned into builtin calls (`(__sub 0 x)`, `(__lessThan b a)`),
 * calls flattened (`(f a b)`), dotted bindings merged into nested sets (Nix 2.8's `addAttr`),
 * attribute names sorted, `inherit (e) a` as `a = (e).a`, strings as concatenations, paths made
 * absolute, `<p>` as `(__findFile __nixPath "p")`, URIs as strings, floats as C++'s `%g`.
 *
 * Two things depend on the source text rather than on the tree, because Nix keeps a token-level
 * split the tree does not: the pieces of an ''indented string'' (each lexer token is its own
 * string in the concatenation: `''a''$b''` prints as `("a" + "$" + "b")`), and the pieces of a
 * path (`./a/${x}` prints as `(/base/a/ + x)`). For indented strings the printer re-lexes the
 * source with Nix's rules and checks that the joined pieces equal our tree's parts; a mismatch is
 * printed as `<<MISMATCH …>>` so the comparison fails.
 *
 * `normalizeNixOutput` sorts what Nix 2.8 prints in memory-address order (the bindings of a `let`
 * and a lambda's formals); apply it to both sides.
 */
import type { AttrName, Binding, Node, StringNode, StringPart, Interpolation } from '../src/sources/nix/ast.js';

export interface PrintOptions {
  /** The source text the tree was parsed from. */
  source: string;
  /** Folder of the file (Nix resolves relative paths against it). */
  baseDir: string;
  /** $HOME, for ~/ paths. */
  home: string;
}

export function printNix(node: Node, opts: PrintOptions): string {
  return new Printer(opts).show(node);
}

// ---------------------------------------------------------------------------------------------

/** Nix 2.8 `showId`: identifiers as they are, anything else quoted. Keywords are not quoted, except `if`. */
export function showId(s: string): string {
  if (s === '') return '""';
  if (s === 'if') return '"if"';
  if (!/^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s)) return showString(s);
  return s;
}

/** Nix 2.8 `showString`. */
export function showString(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c === '\\' || c === '"' || c === '$') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
  }
  return out + '"';
}

/** C++ `ostream << double` (printf `%g`, precision 6). */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, ex] = x.toExponential(5).split('e');
  const e = Number(ex);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (e < -4 || e >= 6) return `${strip(mant)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return strip(x.toFixed(5 - e));
}

/** Nix's `canonPath` (no symlinks). */
function canonPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

const PATH_CHAR = /[a-zA-Z0-9._+-]/;

/** Length of Nix's PATH regex `[PATH_CHAR]*(/[PATH_CHAR]+)+/?` at the start of `s`, or -1. */
function matchPathRe(s: string, i: number): number {
  const m = /^[a-zA-Z0-9._+-]*(?:\/[a-zA-Z0-9._+-]+)+\/?/.exec(s.slice(i));
  return m ? m[0].length : -1;
}

/** Nix's INPATH tokens: the longest of PATH, PATH_SEG (`[PATH_CHAR]*\/`) and `[PATH_CHAR]+`. */
function splitInPath(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    let run = i;
    while (run < s.length && PATH_CHAR.test(s[run])) run++;
    let len = run - i;
    if (s[run] === '/') len = Math.max(len, run - i + 1);
    len = Math.max(len, matchPathRe(s, i));
    if (len <= 0) throw new Error(`cannot split path piece ${JSON.stringify(s)} at ${i}`);
    out.push(s.slice(i, i + len));
    i += len;
  }
  return out;
}

type Elem = { str: string } | { expr: Node } | { path: string };

/** Values of attributes while emulating Nix 2.8's `addAttr` (dotted paths merged into nested sets). */
interface PAttrs {
  kind: 'attrs';
  rec: boolean;
  attrs: Map<string, { inherited: boolean; value: PVal }>;
  dyn: { name: string; value: PVal }[];
}
type PVal = PAttrs | { kind: 'node'; node: Node } | { kind: 'text'; text: string };

class Printer {
  constructor(private readonly o: PrintOptions) {}

  show(n: Node): string {
    const call = this.callParts(n);
    if (call) return `(${call.join(' ')})`;
    switch (n.type) {
      case 'Int': return BigInt(this.o.source.slice(n.pos.offset, n.pos.endOffset)).toString();
      case 'Float': return formatFloat(n.value);
      case 'String': return this.showStringNode(n);
      case 'Path': return this.showPath(n.parts, n.kind);
      case 'Uri': return showString(n.value);
      case 'Var': return n.name;
      case 'Select': {
        let s = `(${this.show(n.expr)}).${this.attrPath(n.path)}`;
        if (n.default) s += ` or (${this.show(n.default)})`;
        return s;
      }
      case 'HasAttr': return `((${this.show(n.expr)}) ? ${this.attrPath(n.path)})`;
      case 'AttrSet': return this.showAttrs(this.attrsOf(n.bindings, n.rec));
      case 'List': return `[ ${n.items.map((i) => `(${this.show(i)}) `).join('')}]`;
      case 'Lambda': {
        let s = '(';
        const p = n.param;
        if (p.kind === 'pattern') {
          const items = p.formals.map((f) => (f.default ? `${f.name} ? ${this.show(f.default)}` : f.name));
          if (p.ellipsis) items.push('...');
          s += `{ ${items.join(', ')} }`;
          if (p.bind !== undefined) s += ` @ ${p.bind}`;
        } else {
          s += p.name;
        }
        return `${s}: ${this.show(n.body)})`;
      }
      case 'Let': {
        const a = this.attrsOf(n.bindings, false);
        let s = '(let ';
        for (const [name, d] of sortedEntries(a.attrs)) {
          s += d.inherited ? `inherit ${showId(name)}; ` : `${showId(name)} = ${this.val(d.value)}; `;
        }
        return `${s}in ${this.show(n.body)})`;
      }
      case 'With': return `(with ${this.show(n.env)}; ${this.show(n.body)})`;
      case 'If': return `(if ${this.show(n.cond)} then ${this.show(n.then)} else ${this.show(n.else)})`;
      case 'Assert': return `assert ${this.show(n.cond)}; ${this.show(n.body)}`;
      case 'Unary': return `(! ${this.show(n.expr)})`;
      case 'Binary': {
        const l = this.show(n.left);
        const r = this.show(n.right);
        switch (n.op) {
          case '<=': return `(! (__lessThan ${r} ${l}))`;
          case '>=': return `(! (__lessThan ${l} ${r}))`;
          default: return `(${l} ${n.op} ${r})`;
        }
      }
      case 'Call':
      case 'SearchPath':
        throw new Error('unreachable');
    }
  }

  /** Nodes that Nix represents as a call (ExprCall), as their printed pieces. */
  private callParts(n: Node): string[] | undefined {
    switch (n.type) {
      case 'Call': return [...(this.callParts(n.fn) ?? [this.show(n.fn)]), this.show(n.arg)];
      case 'SearchPath': return ['__findFile', '__nixPath', showString(n.path)];
      case 'Unary': return n.op === '-' ? ['__sub', '0', this.show(n.expr)] : undefined;
      case 'Binary':
        switch (n.op) {
          case '-': return ['__sub', this.show(n.left), this.show(n.right)];
          case '*': return ['__mul', this.show(n.left), this.show(n.right)];
          case '/': return ['__div', this.show(n.left), this.show(n.right)];
          case '<': return ['__lessThan', this.show(n.left), this.show(n.right)];
          case '>': return ['__lessThan', this.show(n.right), this.show(n.left)];
        }
    }
    return undefined;
  }

  private concat(elems: Elem[]): string {
    const one = (e: Elem): string => ('str' in e ? showString(e.str) : 'path' in e ? e.path : this.show(e.expr));
    return `(${elems.map(one).join(' + ')})`;
  }

  private showStringNode(n: StringNode): string {
    if (n.indented) return this.showIndString(n);
    if (n.parts.length === 0) return '""';
    if (n.parts.length === 1 && typeof n.parts[0] === 'string') return showString(n.parts[0]);
    return this.concat(n.parts.map((p) => (typeof p === 'string' ? { str: p } : { expr: p.expr })));
  }

  /** An indented string: Nix's token split and `stripIndentation`, from the source; checked against our parts. */
  private showIndString(n: StringNode): string {
    const es = this.nixIndStringElems(n);
    const merged: StringPart[] = [];
    for (const e of es) {
      if ('str' in e) {
        if (!e.str) continue;
        if (typeof merged[merged.length - 1] === 'string') merged[merged.length - 1] += e.str;
        else merged.push(e.str);
      } else merged.push((e as { interp: Interpolation }).interp);
    }
    const same = merged.length === n.parts.length && merged.every((p, i) => p === n.parts[i]);
    if (!same) {
      const dump = (ps: StringPart[]): string => JSON.stringify(ps.map((p) => (typeof p === 'string' ? p : '${…}')));
      return `<<MISMATCH ours=${dump(n.parts)} nix=${dump(merged)}>>`;
    }
    if (es.length === 0) return '""';
    if (es.length === 1 && 'str' in es[0]) return showString(es[0].str);
    return this.concat(es.map((e) => ('str' in e ? { str: e.str } : { expr: (e as { interp: Interpolation }).interp.expr })));
  }

  private nixIndStringElems(n: StringNode): ({ str: string } | { interp: Interpolation })[] {
    const s = this.o.source;
    let q = n.pos.offset + 2;
    {
      // ''(\ *\n)?  — the opening token takes a first line of only spaces.
      let r = q;
      while (s[r] === ' ') r++;
      if (s[r] === '\n') q = r + 1;
    }
    // Tokens: ind (subject to stripping), esc (not), interp.
    type Tok = { kind: 'ind' | 'esc'; s: string } | { kind: 'interp'; interp: Interpolation };
    const toks: Tok[] = [];
    const lex = (from: number, to: number): void => {
      let i = from;
      while (i < to) {
        if (s.startsWith("''$", i)) {
          toks.push({ kind: 'ind', s: '$' });
          i += 3;
        } else if (s.startsWith("'''", i)) {
          toks.push({ kind: 'ind', s: "''" });
          i += 3;
        } else if (s.startsWith("''\\", i)) {
          const c = s[i + 3];
          toks.push({ kind: 'esc', s: c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c });
          i += 4;
        } else {
          // ([^$']|\$[^{']|'[^'$])+
          let j = i;
          for (;;) {
            const c = s[j];
            if (j >= to) break;
            if (c !== '$' && c !== "'") j++;
            else if (c === '$' && s[j + 1] !== '{' && s[j + 1] !== "'" && j + 1 < s.length) j += 2;
            else if (c === "'" && s[j + 1] !== "'" && s[j + 1] !== '$' && j + 1 < s.length) j += 2;
            else break;
          }
          if (j > i) {
            toks.push({ kind: 'ind', s: s.slice(i, j) });
            i = j;
          } else {
            toks.push({ kind: 'ind', s: s[i] }); // a lone $ or '
            i++;
          }
        }
      }
    };
    for (const p of n.parts) {
      if (typeof p === 'string') continue;
      lex(q, p.pos.offset);
      toks.push({ kind: 'interp', interp: p });
      q = p.pos.endOffset;
    }
    lex(q, n.pos.endOffset - 2);
    if (toks.length === 0) return [];
    // stripIndentation, as in Nix 2.8's parser.y.
    let atStart = true;
    let minIndent = 1000000;
    let cur = 0;
    for (const t of toks) {
      if (t.kind !== 'ind') {
        if (atStart) {
          atStart = false;
          minIndent = Math.min(minIndent, cur);
        }
        continue;
      }
      for (const c of t.s) {
        if (atStart) {
          if (c === ' ') cur++;
          else if (c === '\n') cur = 0;
          else {
            atStart = false;
            minIndent = Math.min(minIndent, cur);
          }
        } else if (c === '\n') {
          atStart = true;
          cur = 0;
        }
      }
    }
    const out: ({ str: string } | { interp: Interpolation })[] = [];
    atStart = true;
    let dropped = 0;
    toks.forEach((t, idx) => {
      // Escapes are text here (they only counted as content for the minimum indentation).
      if (t.kind === 'interp') {
        atStart = false;
        dropped = 0;
        out.push({ interp: t.interp });
        return;
      }
      let s2 = '';
      for (const c of t.s) {
        if (atStart) {
          if (c === ' ') {
            if (dropped++ >= minIndent) s2 += c;
          } else if (c === '\n') {
            dropped = 0;
            s2 += c;
          } else {
            atStart = false;
            dropped = 0;
            s2 += c;
          }
        } else {
          s2 += c;
          if (c === '\n') atStart = true;
        }
      }
      if (idx === toks.length - 1) {
        const p = s2.lastIndexOf('\n');
        if (p >= 0 && /^ *$/.test(s2.slice(p + 1))) s2 = s2.slice(0, p + 1);
      }
      out.push({ str: s2 });
    });
    return out;
  }

  /** A path: Nix's first token made absolute, the rest as strings. */
  private showPath(parts: StringPart[], kind: 'relative' | 'absolute' | 'home'): string {
    const first = parts[0] as string;
    let len: number;
    if (kind === 'home') {
      const m = /^~(?:\/[a-zA-Z0-9._+-]+)+\/?/.exec(first);
      len = m ? m[0].length : 2;
    } else {
      len = matchPathRe(first, 0);
      if (len < 0) len = first.length; // [PATH_CHAR]*/ before ${
    }
    const tok = first.slice(0, len);
    let abs: string;
    if (kind === 'home') abs = this.o.home + tok.slice(1);
    else {
      abs = canonPath(tok.startsWith('/') ? tok : `${this.o.baseDir}/${tok}`);
      if (tok.endsWith('/') && tok.length > 1) abs += '/';
    }
    const elems: Elem[] = [{ path: abs }];
    const pieces = (s: string): void => {
      for (const t of splitInPath(s)) elems.push({ str: t });
    };
    if (len < first.length) pieces(first.slice(len));
    for (const p of parts.slice(1)) {
      if (typeof p === 'string') pieces(p);
      else elems.push({ expr: p.expr });
    }
    return elems.length === 1 ? abs : this.concat(elems);
  }

  /** The static name of an attribute, or undefined when it is computed. */
  private staticName(a: AttrName): string | undefined {
    if (a.kind === 'ident') return a.name;
    const s = a.kind === 'string' ? a.node : a.expr;
    if (s.type !== 'String') return undefined;
    if (!s.indented) {
      if (s.parts.length === 0) return '';
      return s.parts.length === 1 && typeof s.parts[0] === 'string' ? s.parts[0] : undefined;
    }
    const es = this.nixIndStringElems(s);
    if (es.length === 0) return '';
    return es.length === 1 && 'str' in es[0] ? es[0].str : undefined;
  }

  private dynName(a: AttrName): string {
    return `"\${${this.show(a.kind === 'string' ? a.node : (a as { expr: Node }).expr)}}"`;
  }

  private attrPath(path: AttrName[]): string {
    return path.map((a) => {
      const s = this.staticName(a);
      return s === undefined ? this.dynName(a) : showId(s);
    }).join('.');
  }

  private attrsOf(bindings: Binding[], rec: boolean): PAttrs {
    const set: PAttrs = { kind: 'attrs', rec, attrs: new Map(), dyn: [] };
    const dup = (what: string): never => {
      throw new Error(`attribute '${what}' already defined`);
    };
    for (const b of bindings) {
      if (b.kind === 'inherit') {
        for (const a of b.names) {
          const name = this.staticName(a) as string;
          if (set.attrs.has(name)) dup(name);
          if (b.from) set.attrs.set(name, { inherited: false, value: { kind: 'text', text: `(${this.show(b.from)}).${showId(name)}` } });
          else set.attrs.set(name, { inherited: true, value: { kind: 'node', node: { type: 'Var', name, pos: a.pos } } });
        }
        continue;
      }
      const value: PVal = b.value.type === 'AttrSet' ? this.attrsOf(b.value.bindings, b.value.rec) : { kind: 'node', node: b.value };
      let cur = set;
      const path = b.path;
      for (let i = 0; i < path.length - 1; i++) {
        const name = this.staticName(path[i]);
        if (name === undefined) {
          const nested: PAttrs = { kind: 'attrs', rec: false, attrs: new Map(), dyn: [] };
          cur.dyn.push({ name: this.dynName(path[i]), value: nested });
          cur = nested;
          continue;
        }
        const j = cur.attrs.get(name);
        if (j) {
          if (j.inherited || j.value.kind !== 'attrs') dup(name);
          cur = j.value as PAttrs;
        } else {
          const nested: PAttrs = { kind: 'attrs', rec: false, attrs: new Map(), dyn: [] };
          cur.attrs.set(name, { inherited: false, value: nested });
          cur = nested;
        }
      }
      const last = path[path.length - 1];
      const name = this.staticName(last);
      if (name === undefined) {
        cur.dyn.push({ name: this.dynName(last), value });
        continue;
      }
      const j = cur.attrs.get(name);
      if (!j) {
        cur.attrs.set(name, { inherited: false, value });
        continue;
      }
      // Both sets: merge (Nix 2.8 merges the static attributes only).
      if (j.value.kind === 'attrs' && value.kind === 'attrs') {
        for (const [k, v] of value.attrs) {
          if (j.value.attrs.has(k)) dup(k);
          j.value.attrs.set(k, v);
        }
      } else dup(name);
    }
    return set;
  }

  private val(v: PVal): string {
    if (v.kind === 'attrs') return this.showAttrs(v);
    if (v.kind === 'text') return v.text;
    return this.show(v.node);
  }

  private showAttrs(a: PAttrs): string {
    let s = a.rec ? 'rec { ' : '{ ';
    for (const [name, d] of sortedEntries(a.attrs)) {
      s += d.inherited ? `inherit ${showId(name)} ; ` : `${showId(name)} = ${this.val(d.value)}; `;
    }
    for (const d of a.dyn) s += `${d.name} = ${this.val(d.value)}; `;
    return s + '}';
  }
}

/** std::string order (bytes of UTF-8, i.e. code points). */
function sortedEntries<V>(m: Map<string, V>): [string, V][] {
  return [...m.entries()].sort(([a], [b]) => cmpCodePoints(a, b));
}

function cmpCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d) return d;
  }
  return x.length - y.length;
}

// ---------------------------------------------------------------------------------------------
// Normalization of printed output

/**
 * Nix 2.8 prints the bindings of `let` and the formals of a lambda in the order of its symbols'
 * memory addresses, which is not reproducible. This sorts both (textually, after normalizing
 * their insides), so that two printed forms that differ only in that order compare equal.
 */
export function normalizeNixOutput(s: string): string {
  return new Normalizer(s).run();
}

class Normalizer {
  private i = 0;
  constructor(private readonly s: string) {}

  run(): string {
    const out = this.seq(() => this.i >= this.s.length);
    return out;
  }

  /** Copies text until `stop()`, normalizing `(let …` and formals on the way. */
  private seq(stop: () => boolean): string {
    const s = this.s;
    let out = '';
    while (!stop()) {
      if (this.i >= s.length) throw new Error('normalizer: unexpected end');
      if (s.startsWith('(let ', this.i)) {
        out += this.letBindings();
        continue;
      }
      if (s.startsWith('({ ', this.i)) {
        const f = this.formals();
        if (f !== undefined) {
          out += f;
          continue;
        }
      }
      out += this.atom();
    }
    return out;
  }

  /** One character, or a whole string literal / `"${…}"` / bracketed group. */
  private atom(): string {
    const s = this.s;
    const c = s[this.i];
    if (c === '"' && s.startsWith('"${', this.i)) {
      this.i += 3;
      const inner = this.seq(() => this.s.startsWith('}"', this.i));
      this.i += 2;
      return '"${' + inner + '}"';
    }
    if (c === '"') {
      let j = this.i + 1;
      while (s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      const lit = s.slice(this.i, j + 1);
      this.i = j + 1;
      return lit;
    }
    if (c === '(' || c === '[' || c === '{') {
      const close = c === '(' ? ')' : c === '[' ? ']' : '}';
      this.i++;
      const inner = this.seq(() => this.s[this.i] === close);
      this.i++;
      return c + inner + close;
    }
    this.i++;
    return c;
  }

  /** `(let b1; b2; in body)` with the bindings sorted. */
  private letBindings(): string {
    this.i += 5;
    const items: string[] = [];
    while (!(this.s.startsWith('in ', this.i) && !this.s.startsWith('in = ', this.i))) {
      items.push(this.seq(() => this.s.startsWith('; ', this.i)) + '; ');
      this.i += 2;
    }
    items.sort();
    return '(let ' + items.join('');
  }

  /** `({ a, b ? 1, ... }` with the formals sorted (ellipsis last), when this is a lambda. */
  private formals(): string | undefined {
    const save = this.i;
    this.i += 3;
    const items: string[] = [];
    let ok = true;
    try {
      if (!this.s.startsWith(' }', this.i)) {
        for (;;) {
          items.push(this.seq(() => this.s.startsWith(', ', this.i) || this.s.startsWith(' }', this.i) || ';=)]}'.includes(this.s[this.i])));
          if (this.s.startsWith(', ', this.i)) {
            this.i += 2;
            continue;
          }
          if (this.s.startsWith(' }', this.i)) break;
          ok = false;
          break;
        }
      }
    } catch {
      ok = false;
    }
    if (ok && this.s.startsWith(' }', this.i) && (this.s.startsWith(': ', this.i + 2) || this.s.startsWith(' @ ', this.i + 2))) {
      this.i += 2;
      const ell = items.filter((x) => x === '...');
      const rest = items.filter((x) => x !== '...').sort();
      return '({ ' + [...rest, ...ell].join(', ') + ' }';
    }
    this.i = save;
    return undefined;
  }
}
