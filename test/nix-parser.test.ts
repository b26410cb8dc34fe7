import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AttrName, Binding, Node, Pos, StringNode } from '../src/sources/nix/ast.js';
import { parseNix } from '../src/sources/nix/parser.js';

const parse = (text: string): Node => {
  const r = parseNix('/t.nix', text);
  expect(r.diagnostics).toEqual([]);
  return r.ast as Node;
};

const diag = (text: string) => {
  const r = parseNix('/t.nix', text);
  expect(r.ast).toBeUndefined();
  expect(r.diagnostics).toHaveLength(1);
  const d = r.diagnostics[0];
  return [d.message, d.line, d.column, d.endLine, d.endColumn] as const;
};

/** A compact S-expression of the tree, for shape tests. */
function sx(n: Node): string {
  const a = (x: AttrName): string => (x.kind === 'ident' ? x.name : x.kind === 'string' ? sx(x.node) : `\${${sx(x.expr)}}`);
  switch (n.type) {
    case 'Int':
    case 'Float': return String(n.value);
    case 'Var': return n.name;
    case 'String': return JSON.stringify(n.parts.map((p) => (typeof p === 'string' ? p : `\${${sx(p.expr)}}`)).join(''));
    case 'Path': return `path:${n.kind}:${n.parts.map((p) => (typeof p === 'string' ? p : `\${${sx(p.expr)}}`)).join('')}`;
    case 'SearchPath': return `<${n.path}>`;
    case 'Uri': return `uri:${n.value}`;
    case 'Select': return `(. ${sx(n.expr)} ${n.path.map(a).join('.')}${n.default ? ` or ${sx(n.default)}` : ''})`;
    case 'HasAttr': return `(? ${sx(n.expr)} ${n.path.map(a).join('.')})`;
    case 'Unary': return `(${n.op} ${sx(n.expr)})`;
    case 'Binary': return `(${n.op} ${sx(n.left)} ${sx(n.right)})`;
    case 'Call': return `(call ${sx(n.fn)} ${sx(n.arg)})`;
    case 'List': return `[${n.items.map(sx).join(' ')}]`;
    case 'If': return `(if ${sx(n.cond)} ${sx(n.then)} ${sx(n.else)})`;
    case 'Assert': return `(assert ${sx(n.cond)} ${sx(n.body)})`;
    case 'With': return `(with ${sx(n.env)} ${sx(n.body)})`;
    case 'Let': return `(let ${n.bindings.map(bx).join(' ')} ${sx(n.body)})`;
    case 'AttrSet': return `(${n.rec ? 'rec ' : ''}{${n.bindings.map(bx).join(' ')}})`;
    case 'Lambda': {
      const p = n.param;
      const param = p.kind === 'ident' ? p.name
        : `{${p.formals.map((f) => (f.default ? `${f.name}?${sx(f.default)}` : f.name)).join(',')}${p.ellipsis ? ',...' : ''}}${p.bind ? `@${p.bind}` : ''}`;
      return `(fn ${param} ${sx(n.body)})`;
    }
  }
  function bx(b: Binding): string {
    return b.kind === 'attr' ? `${b.path.map(a).join('.')}=${sx(b.value)}` : `inherit${b.from ? `(${sx(b.from)})` : ''}:${b.names.map(a).join(',')}`;
  }
}
const shape = (text: string): string => sx(parse(text));
const at = (p: Pos) => [p.line, p.column, p.endLine, p.endColumn];
const strOf = (text: string): StringNode => parse(text) as StringNode;

describe('Nix parser: operators', () => {
  it('follows Nix precedence, tightest first: select, call, -, ?, ++, * /, + -, !, //, comparisons, ==, &&, ||, ->', () => {
    expect(shape('a + b * c')).toBe('(+ a (* b c))');
    expect(shape('a * b + c')).toBe('(+ (* a b) c)');
    expect(shape('a - b - c')).toBe('(- (- a b) c)');
    expect(shape('a ++ b ++ c')).toBe('(++ a (++ b c))');
    expect(shape('a // b // c')).toBe('(// a (// b c))');
    expect(shape('a -> b -> c')).toBe('(-> a (-> b c))');
    expect(shape('a || b && c')).toBe('(|| a (&& b c))');
    expect(shape('a == b && c != d')).toBe('(&& (== a b) (!= c d))');
    expect(shape('a < b == c')).toBe('(== (< a b) c)');
    expect(shape('a // b == c')).toBe('(== (// a b) c)');
    expect(shape('a ++ b * c')).toBe('(* (++ a b) c)');
    expect(shape('a ? b ++ c')).toBe('(++ (? a b) c)');
    expect(shape('-a ? b')).toBe('(? (- a) b)');
    expect(shape('-f x.y')).toBe('(- (call f (. x y)))');
    expect(shape('f a b c')).toBe('(call (call (call f a) b) c)');
    expect(shape('a -> b || c')).toBe('(-> a (|| b c))');
  });

  it('lets a prefix ! take everything that binds tighter than it (as bison does)', () => {
    expect(shape('!a + b')).toBe('(! (+ a b))');
    expect(shape('!a == b')).toBe('(== (! a) b)');
    expect(shape('!a // b')).toBe('(// (! a) b)');
    expect(shape('a * !b + c')).toBe('(* a (! (+ b c)))');
    expect(shape('!a ? b')).toBe('(! (? a b))');
    expect(shape('- -a')).toBe('(- (- a))');
  });

  it('reads a negative literal as negation, and `?` as left-associative', () => {
    expect(shape('-1')).toBe('(- 1)');
    expect(shape('1 - -1.5')).toBe('(- 1 (- 1.5))');
    expect(shape('f -1')).toBe('(- f 1)');
    expect(shape('a ? b ? c.d')).toBe('(? (? a b) c.d)');
  });

  it('rejects chained comparisons', () => {
    expect(diag('a == b == c')[0]).toMatch(/unexpected '=='.*do not chain/);
    expect(diag('a < b < c').slice(1)).toEqual([1, 7, 1, 8]);
  });

  it('selects: one Select node per path, `or` defaults, dynamic and quoted names', () => {
    expect(shape('a.b.c')).toBe('(. a b.c)');
    expect(shape('a.b or c.d or e')).toBe('(. a b or (. c d or e))');
    expect(shape('a.${x}."b c".or')).toBe('(. a ${x}."b c".or)');
    expect(shape('a ? b.${c}')).toBe('(? a b.${c})');
    expect(shape('{ or = 1; }.or')).toBe('(. ({or=1}) or)');
  });

  it('reads `or` as a variable where Nix does (`map or [ … ]`) and places the error of `[ or ]`', () => {
    expect(shape('fold or false')).toBe('(call (call fold or) false)');
    expect(shape('[ (x or) ]')).toBe('[(call x or)]');
    expect(diag('[ or ]')).toEqual(["unexpected 'or', expected ']'", 1, 3, 1, 5]);
  });
});

describe('Nix parser: expressions', () => {
  it('lambdas: identifiers, patterns, defaults, ellipsis, @ on either side', () => {
    expect(shape('x: y: x')).toBe('(fn x (fn y x))');
    expect(shape('{ a, b ? 1, ... }: a')).toBe('(fn {a,b?1,...} a)');
    expect(shape('{ a, ... } @ args: a')).toBe('(fn {a,...}@args a)');
    expect(shape('args@{ a }: a')).toBe('(fn {a}@args a)');
    expect(shape('{ }: 1')).toBe('(fn {} 1)');
    expect(shape('{ a, }: a')).toBe('(fn {a} a)');
    expect(shape('{ f ? x: x }: f')).toBe('(fn {f?(fn x x)} f)');
    expect(diag('{ a, a }: a')).toEqual(["duplicate formal function argument 'a'", 1, 6, 1, 7]);
    expect(diag('{ ..., a }: a')[0]).toMatch(/^unexpected ','/);
  });

  it('let, with, assert, if, rec, inherit, legacy let', () => {
    expect(shape('let a = 1; inherit (x) b "c"; in a')).toBe('(let a=1 inherit(x):b,"c" a)');
    expect(shape('with a; assert b; if c then d else e')).toBe('(with a (assert b (if c d e)))');
    expect(shape('rec { a = 1; inherit b; }')).toBe('(rec {a=1 inherit:b})');
    expect(shape('let { body = 1; }')).toBe('(. (rec {body=1}) body)');
    expect(shape('if a then x: x else y')).toBe('(if a (fn x x) y)');
  });

  it('attribute sets: dotted, quoted and dynamic names', () => {
    expect(shape('{ a.b.c = 1; "a b" = 2; ${x} = 3; "${x}-y" = 4; ${"s"} = 5; }')).toBe(
      '({a.b.c=1 "a b"=2 ${x}=3 "${x}-y"=4 ${"s"}=5})',
    );
    const set = parse('{ a.${x} = 1; }');
    expect(set.type === 'AttrSet' && set.bindings[0].kind === 'attr' && set.bindings[0].path.map((p) => p.kind)).toEqual(['ident', 'dynamic']);
    expect(diag('let ${x} = 1; in 1')).toEqual(['dynamic attributes not allowed in let', 1, 5, 1, 9]);
    expect(diag('{ inherit ${x}; }')).toEqual(['dynamic attributes not allowed in inherit', 1, 11, 1, 13]);
    expect(diag('{ inherit "${x}"; }')[0]).toBe('dynamic attributes not allowed in inherit');
    expect(diag('{ if = 1; }')).toEqual(["unexpected 'if', expected an attribute name, 'inherit' or '}'", 1, 3, 1, 5]);
  });

  it('numbers: ints, floats as Nix lexes them (`1e3` is 1 then e3)', () => {
    expect(shape('[ 1 2.5 .5 1. 1.5e-3 2.5E+3 007 ]')).toBe('[1 2.5 0.5 1 0.0015 2500 7]');
    expect(shape('[ 1e3 ]')).toBe('[1 e3]');
    expect(shape('[ 9223372036854775807 ]')).toBe('[9223372036854776000]');
    expect(diag('9223372036854775808')[0]).toMatch(/^invalid integer/);
    expect(diag('1.0e400')[0]).toBe("invalid float '1.0e400'");
  });

  it('identifiers with dashes and primes; URIs and paths win the longest match, like flex', () => {
    expect(shape("a-b a' __x")).toBe("(call (call a-b a') __x)");
    expect(shape('a->b')).toBe('(> a- b)');
    expect(shape('x:x')).toBe('uri:x:x');
    expect(shape('x: x')).toBe('(fn x x)');
    expect(shape('a/b')).toBe('path:relative:a/b');
    expect(shape('a / b')).toBe('(/ a b)');
    expect(shape('1/2')).toBe('path:relative:1/2');
    expect(shape('a//b')).toBe('(// a b)');
    expect(shape('a.b.c:d')).toBe('uri:a.b.c:d');
  });
});

describe('Nix parser: strings', () => {
  it('unescapes \\n \\t \\r \\\\ \\" \\$ \\${ and any other \\x; $${ is literal', () => {
    expect(strOf('"a\\nb\\tc\\rd\\\\e\\"f\\$g\\${h}\\qi"').parts).toEqual(['a\nb\tc\rd\\e"f$g${h}qi']);
    expect(strOf('"$${x} $x $"').parts).toEqual(['$${x} $x $']);
    expect(strOf('"a\r\nb\rc"').parts).toEqual(['a\nb\nc']);
    expect(strOf('""').parts).toEqual([]);
  });

  it('interpolates, with nested braces and strings inside', () => {
    const s = strOf('"a${ { b = "}"; }.b }c${"d${e}"}"');
    expect(s.parts.map((p) => (typeof p === 'string' ? p : p.expr.type))).toEqual(['a', 'Select', 'c', 'String']);
    expect(shape('"x${y}"')).toBe('"x${y}"');
  });

  it('indented strings: strips the smallest indentation of non-blank lines', () => {
    expect(strOf("''\n    a\n      b\n    c\n  ''").parts).toEqual(['a\n  b\nc\n']);
    // blank and whitespace-only lines do not count; a line with an interpolation does
    expect(strOf("''\n    a\n\n  \n    b\n  ''").parts).toEqual(['a\n\n\nb\n']);
    const s = strOf("''\n  ${x}\n    b\n''");
    expect(s.parts.map((p) => (typeof p === 'string' ? p : '<x>'))).toEqual(['<x>', '\n  b\n']);
    // tabs are not indentation
    expect(strOf("''\n\ta\n  b\n''").parts).toEqual(['\ta\n  b\n']);
    // text on the first line: its indentation (none) is the minimum
    expect(strOf("''a\n    b\n  ''").parts).toEqual(['a\n    b\n']);
    expect(strOf("''  a\n  b''").parts).toEqual(['a\nb']);
    // a first line of only spaces is dropped, the last line's spaces too
    expect(strOf("''   \n  x\n  ''").parts).toEqual(['x\n']);
    expect(strOf("''\n  x\n     ''").parts).toEqual(['x\n']);
    expect(strOf("''''").parts).toEqual([]);
  });

  it("indented strings: ''$ ''' ''\\n ''\\t ''\\r ''\\x, $${ and lone quotes", () => {
    expect(strOf("''a''$b'''c''\\nd''\\te''\\rf''\\xg''").parts).toEqual(["a$b''c\nd\te\rfxg"]);
    expect(strOf("''$${x} $y 'z' $''").parts).toEqual(["$${x} $y 'z' $"]);
    // escapes count as content for the minimum indentation, but are stripped like text
    expect(strOf("''\n  ''\\   a\n   b\n  ''").parts).toEqual(['   a\n b\n']);
    expect(strOf("''\n  a\n  ''\\n  ''$ '''\n  ''").parts).toEqual(["a\n\n$ ''\n"]);
  });
});

describe('Nix parser: paths', () => {
  it('reads every kind of path, search path and URI', () => {
    expect(shape('[ ./x ../x /abs/x ~/x a/b ./. <nixpkgs> <nixpkgs/lib> https://x.org/a?b=c ]')).toBe(
      '[path:relative:./x path:relative:../x path:absolute:/abs/x path:home:~/x path:relative:a/b path:relative:./. <nixpkgs> <nixpkgs/lib> uri:https://x.org/a?b=c]',
    );
  });

  it('paths with interpolation', () => {
    const p = parse('./modules/${name}.nix');
    expect(p.type === 'Path' && p.parts.map((x) => (typeof x === 'string' ? x : 'I'))).toEqual(['./modules/', 'I', '.nix']);
    expect(shape('./${a}/b/${c}d')).toBe('path:relative:./${a}/b/${c}d');
    expect(shape('~/${a}')).toBe('path:home:~/${a}');
    expect(shape('a/${b}')).toBe('path:relative:a/${b}');
    expect(shape('./a//b${c}')).toBe('path:relative:./a//b${c}');
  });

  it('rejects trailing slashes and // (as Nix does)', () => {
    expect(diag('./a/')).toEqual(["path './a/' has a trailing slash", 1, 1, 1, 5]);
    expect(diag('x ./a/${b}/ y')[0]).toBe("path './a/${b}/' has a trailing slash");
    expect(diag('./a//b')).toEqual(["unexpected '//' in path './a//b'", 1, 4, 1, 6]);
  });
});

describe('Nix parser: positions', () => {
  it('spans every node (1-based lines and columns, exclusive end, 0-based offsets)', () => {
    const e = parse('f (a + b) c');
    expect(e.type).toBe('Call');
    expect(e.pos).toEqual({ line: 1, column: 1, endLine: 1, endColumn: 12, offset: 0, endOffset: 11 });
    if (e.type !== 'Call' || e.fn.type !== 'Call') throw new Error();
    expect(at(e.fn.pos)).toEqual([1, 1, 1, 10]); // `f (a + b)`: the parentheses belong to the call
    expect(at(e.fn.arg.pos)).toEqual([1, 4, 1, 9]); // `a + b` itself
    expect(at(e.arg.pos)).toEqual([1, 11, 1, 12]);
  });

  it('bindings span `a.b = value;`, names span themselves', () => {
    const src = '{\n  a.b = 1;\n  "c d" = x: x;\n  inherit (y) e;\n  ${f} = 2;\n}';
    const set = parse(src);
    if (set.type !== 'AttrSet') throw new Error();
    expect(at(set.pos)).toEqual([1, 1, 6, 2]);
    const [b1, b2, b3, b4] = set.bindings;
    expect(at(b1.pos)).toEqual([2, 3, 2, 11]);
    if (b1.kind !== 'attr' || b2.kind !== 'attr' || b3.kind !== 'inherit' || b4.kind !== 'attr') throw new Error();
    expect(b1.path.map((p) => at(p.pos))).toEqual([[2, 3, 2, 4], [2, 5, 2, 6]]);
    expect(at(b1.value.pos)).toEqual([2, 9, 2, 10]);
    expect(at(b2.path[0].pos)).toEqual([3, 3, 3, 8]);
    expect(at(b2.value.pos)).toEqual([3, 11, 3, 15]);
    expect(at(b3.pos)).toEqual([4, 3, 4, 17]);
    expect(at(b3.names[0].pos)).toEqual([4, 15, 4, 16]);
    expect(at((b3.from as Node).pos)).toEqual([4, 12, 4, 13]);
    expect(at(b4.path[0].pos)).toEqual([5, 3, 5, 7]);
  });

  it('lambda parameters and formals', () => {
    const f = parse('{ a, b ? 1, ... } @ args: a');
    if (f.type !== 'Lambda' || f.param.kind !== 'pattern') throw new Error();
    expect(at(f.param.pos)).toEqual([1, 1, 1, 25]);
    expect(f.param.formals.map((x) => at(x.pos))).toEqual([[1, 3, 1, 4], [1, 6, 1, 11]]);
    const g = parse('x: x');
    if (g.type !== 'Lambda') throw new Error();
    expect(at(g.param.pos)).toEqual([1, 1, 1, 2]);
    expect(at(g.pos)).toEqual([1, 1, 1, 5]);
  });

  it('strings, interpolations, selects and multi-line nodes', () => {
    const s = parse('"a${b}"');
    if (s.type !== 'String' || typeof s.parts[1] === 'string') throw new Error();
    expect(at(s.pos)).toEqual([1, 1, 1, 8]);
    expect(at(s.parts[1].pos)).toEqual([1, 3, 1, 7]);
    expect(at(s.parts[1].expr.pos)).toEqual([1, 5, 1, 6]);
    const i = parse("x: ''\n  a ${x}\n''");
    if (i.type !== 'Lambda') throw new Error();
    expect(at(i.body.pos)).toEqual([1, 4, 3, 3]);
    const sel = parse('a.b.c or d');
    expect(at(sel.pos)).toEqual([1, 1, 1, 11]);
  });

  it('counts \\r\\n and lone \\r as line ends', () => {
    const e = parse('[\r\n  a\r  b\n]');
    if (e.type !== 'List') throw new Error();
    expect(e.items.map((x) => at(x.pos))).toEqual([[2, 3, 2, 4], [3, 3, 3, 4]]);
  });
});

describe('Nix parser: comments', () => {
  it('collects line and block comments without their markers, not those inside strings', () => {
    const r = parseNix('/t.nix', '# top\n{ a = /* b */ 1; # c\n  s = "# no"; t = \'\'\n    # no\n  \'\';\n} /* multi\nline */');
    expect(r.comments).toEqual([
      { text: ' top', line: 1, column: 1, block: false },
      { text: ' b ', line: 2, column: 7, block: true },
      { text: ' c', line: 2, column: 18, block: false },
      { text: ' multi\nline ', line: 6, column: 3, block: true },
    ]);
  });

  it('records each comment once, also around tokens read ahead', () => {
    const r = parseNix('/t.nix', 'x /* 1 */ : { /* 2 */ a /* 3 */ , b }: /* 4 */ x');
    expect(r.diagnostics).toEqual([]);
    expect(r.comments.map((c) => c.text)).toEqual([' 1 ', ' 2 ', ' 3 ', ' 4 ']);
  });
});

describe('Nix parser: syntax errors', () => {
  it('reports one positioned diagnostic and no tree', () => {
    expect(diag('{ a = 1;')).toEqual(["unexpected end of file, expected '}'", 1, 9, 1, 9]);
    expect(diag('{ a = 1 }')).toEqual(["unexpected '}', expected ';'", 1, 9, 1, 10]);
    expect(diag('let a = 1; a')).toEqual(["unexpected end of file, expected '='", 1, 13, 1, 13]);
    expect(diag('x:\n  "abc\n')).toEqual(['unterminated string', 2, 3, 2, 4]);
    expect(diag("''abc")).toEqual(['unterminated indented string', 1, 1, 1, 3]);
    expect(diag('1 /* x')).toEqual(['unterminated comment', 1, 3, 1, 5]);
    expect(diag('if a then b')).toEqual(["unexpected end of file, expected 'else'", 1, 12, 1, 12]);
    expect(diag('"${a"')).toEqual(['unterminated string', 1, 5, 1, 6]);
    expect(diag('a & b')).toEqual(["unexpected '&' (did you mean '&&'?)", 1, 3, 1, 4]);
    expect(diag('a\u00a0b')[0]).toBe('unexpected character U+00A0');
    expect(diag('[ -1 ]')).toEqual(["unexpected '-' (a negative number in a list needs parentheses: [ (-1) ])", 1, 3, 1, 4]);
    expect(diag('{ a }')).toEqual(["unexpected end of file, expected ':' or '@'", 1, 6, 1, 6]);
    expect(diag('1 2 )')).toEqual(["unexpected ')', expected end of file", 1, 5, 1, 6]);
  });

  it('names unresolved merge-conflict markers', () => {
    const text = '{\n  a = 1;\n<<<<<<< HEAD\n  b = 2;\n=======\n  b = 3;\n>>>>>>> feature\n}\n';
    expect(diag(text)).toEqual(["unexpected '<<<<<<<' (an unresolved merge-conflict marker?)", 3, 1, 3, 8]);
    expect(diag('[\n1\n=======\n2\n]')).toEqual(["unexpected '=======' (an unresolved merge-conflict marker?)", 3, 1, 3, 8]);
    expect(diag('[\n1\n>>>>>>> x\n]')).toEqual(["unexpected '>>>>>>>' (an unresolved merge-conflict marker?)", 3, 1, 3, 8]);
    // inside an indented string the marker is text; the error it causes later still names it
    expect(diag("''\n<<<<<<< HEAD\na\n=======\nb''\n>>>>>>> x\n")).toEqual(["unexpected '<<<<<<<' (an unresolved merge-conflict marker?)", 2, 1, 2, 8]);
    // a ======= heading inside a string is fine, and not blamed for an unrelated error
    expect(parseNix('/t.nix', "''\nTitle\n=======\n''").diagnostics).toEqual([]);
    expect(diag("''\nTitle\n=======\n'' +")).toEqual(['unexpected end of file, expected an expression', 4, 5, 4, 5]);
  });

  it('does not overflow the stack on deep nesting', () => {
    const deep = '('.repeat(100000) + '1' + ')'.repeat(100000);
    const d = diag(deep);
    expect(d[0]).toMatch(/nested too deeply/);
    expect(diag('-'.repeat(100000) + '1')[0]).toMatch(/nested too deeply/);
    expect(diag('1' + ' ++ 1'.repeat(100000))[0]).toMatch(/nested too deeply/);
    expect(diag('['.repeat(5000) + ']'.repeat(5000))[0]).toMatch(/nested too deeply/);
    expect(diag('"${'.repeat(5000))[0]).toMatch(/nested too deeply/);
    // moderately deep input is fine
    expect(parse('('.repeat(300) + '1' + ')'.repeat(300)).type).toBe('Int');
    expect(parse('1' + ' + 1'.repeat(100000)).type).toBe('Binary');
  });

  it('never throws, whatever the input (every prefix of the samples)', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'nix-samples');
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(parseNix(f, text).diagnostics).toEqual([]);
      for (let i = 0; i < text.length; i += 13) {
        const r = parseNix(f, text.slice(0, i));
        expect(r.ast === undefined ? r.diagnostics.length : 0).toBe(r.ast === undefined ? 1 : 0);
        const cut = parseNix(f, text.slice(i));
        expect(cut.diagnostics.length).toBeLessThanOrEqual(1);
      }
    }
  });
});
