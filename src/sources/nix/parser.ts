/**
 * A hand-written parser for the Nix language (as of Nix 2.x), producing the positioned syntax tree
 * of ast.ts. It follows Nix's own lexer (flex, longest match) and grammar (bison) closely:
 *
 *  - tokens: `a-b'` is one identifier, `a/b` and `1/2` are paths, `x:y` is a URI, `1.` is a float
 *    but `1e3` is the integer 1 followed by the identifier `e3`, `<nixpkgs>` is a search path;
 *  - operators with Nix's precedence and associativity (from the tightest):
 *    `.` select, application, unary `-`, `?`, `++` (right), `* /`, `+ -`, `!`, `//` (right),
 *    `< <= > >=` (none), `== !=` (none), `&&`, `||`, `->` (right);
 *    a prefix `!` takes everything that binds tighter than itself (`!a + b` is `!(a + b)`);
 *  - strings with `${…}` interpolation, indented strings with Nix's indentation stripping,
 *    paths with interpolation (`./${x}.nix`), `or` as a function name (`map or [ … ]`).
 *
 * It never throws: a syntax error gives `ast: undefined` and one positioned diagnostic.
 * Positions: lines and columns are 1-based, `endColumn` is exclusive, offsets are 0-based
 * UTF-16 indices. A line ends at `\n`, `\r\n` or a lone `\r`.
 */
import type {
  AttrName, AttrSetNode, Binding, BinaryOp, Comment, Formal, Interpolation, LambdaParam, NixDiagnostic,
  Node, ParsedNixFile, PathNode, Pos, StringNode, StringPart,
} from './ast.js';

// ---------------------------------------------------------------------------------------------
// Tokens

const T_EOF: number = 0;
const T_ID: number = 1;
const T_INT: number = 2;
const T_FLOAT: number = 3;
const T_STR: number = 4; // "
const T_IND: number = 5; // ''
const T_PATH: number = 6; // the first segment of a path; the parser reads the rest
const T_HPATH: number = 7; // ~/…
const T_SPATH: number = 8; // <nixpkgs>
const T_URI: number = 9;
const T_IF: number = 10;
const T_THEN: number = 11;
const T_ELSE: number = 12;
const T_ASSERT: number = 13;
const T_WITH: number = 14;
const T_LET: number = 15;
const T_IN: number = 16;
const T_REC: number = 17;
const T_INHERIT: number = 18;
const T_OR_KW: number = 19;
const T_ELLIPSIS: number = 20;
const T_EQ: number = 21;
const T_NEQ: number = 22;
const T_LEQ: number = 23;
const T_GEQ: number = 24;
const T_AND: number = 25;
const T_OR: number = 26;
const T_IMPL: number = 27;
const T_UPDATE: number = 28;
const T_CONCAT: number = 29;
const T_DOLLAR_CURLY: number = 30;
const T_LBRACE: number = 31;
const T_RBRACE: number = 32;
const T_LBRACK: number = 33;
const T_RBRACK: number = 34;
const T_LPAREN: number = 35;
const T_RPAREN: number = 36;
const T_SEMI: number = 37;
const T_COLON: number = 38;
const T_AT: number = 39;
const T_COMMA: number = 40;
const T_DOT: number = 41;
const T_QUESTION: number = 42;
const T_ASSIGN: number = 43;
const T_LT: number = 44;
const T_GT: number = 45;
const T_PLUS: number = 46;
const T_MINUS: number = 47;
const T_STAR: number = 48;
const T_SLASH: number = 49;
const T_NOT: number = 50;
/** An invalid character or an unterminated comment; `errMsg` says which. */
const T_ERROR: number = 51;
const T_COUNT: number = 52;

const KEYWORDS = new Map<string, number>([
  ['if', T_IF], ['then', T_THEN], ['else', T_ELSE], ['assert', T_ASSERT], ['with', T_WITH], ['let', T_LET],
  ['in', T_IN], ['rec', T_REC], ['inherit', T_INHERIT], ['or', T_OR_KW],
]);

/** Binding power of the binary operators (0: not a binary operator). `!` sits at 7, unary `-` at 12. */
const PREC = new Int8Array(T_COUNT);
PREC[T_IMPL] = 1;
PREC[T_OR] = 2;
PREC[T_AND] = 3;
PREC[T_EQ] = PREC[T_NEQ] = 4;
PREC[T_LT] = PREC[T_GT] = PREC[T_LEQ] = PREC[T_GEQ] = 5;
PREC[T_UPDATE] = 6;
PREC[T_PLUS] = PREC[T_MINUS] = 8;
PREC[T_STAR] = PREC[T_SLASH] = 9;
PREC[T_CONCAT] = 10;
PREC[T_QUESTION] = 11;
const PREC_NOT = 7;
const PREC_NEGATE = 12;
/** 1: right-associative, 2: non-associative. */
const ASSOC = new Int8Array(T_COUNT);
ASSOC[T_IMPL] = ASSOC[T_UPDATE] = ASSOC[T_CONCAT] = 1;
// `?` is declared non-associative in Nix's grammar, but its right side is an attribute path, not
// an expression, so `a ? b ? c` parses (as `(a ? b) ? c`).
ASSOC[T_EQ] = ASSOC[T_NEQ] = ASSOC[T_LT] = ASSOC[T_GT] = ASSOC[T_LEQ] = ASSOC[T_GEQ] = 2;
const OP_NAME: (BinaryOp | undefined)[] = [];
OP_NAME[T_IMPL] = '->';
OP_NAME[T_OR] = '||';
OP_NAME[T_AND] = '&&';
OP_NAME[T_EQ] = '==';
OP_NAME[T_NEQ] = '!=';
OP_NAME[T_LT] = '<';
OP_NAME[T_GT] = '>';
OP_NAME[T_LEQ] = '<=';
OP_NAME[T_GEQ] = '>=';
OP_NAME[T_UPDATE] = '//';
OP_NAME[T_PLUS] = '+';
OP_NAME[T_MINUS] = '-';
OP_NAME[T_STAR] = '*';
OP_NAME[T_SLASH] = '/';
OP_NAME[T_CONCAT] = '++';

/** Tokens that can start an argument of a function application (Nix's `expr_select`). */
const STARTS_SELECT = new Uint8Array(T_COUNT);
for (const t of [T_ID, T_INT, T_FLOAT, T_STR, T_IND, T_PATH, T_HPATH, T_SPATH, T_URI, T_LPAREN, T_LBRACE, T_LBRACK, T_REC]) STARTS_SELECT[t] = 1;

// ---------------------------------------------------------------------------------------------
// Character classes

const C_ID_START = 1; // [a-zA-Z_]
const C_ID = 2; // [a-zA-Z0-9_'-]
const C_PATH = 4; // [a-zA-Z0-9._+-]
const C_SCHEME = 8; // [a-zA-Z0-9+.-]
const C_URI = 16; // [a-zA-Z0-9%/?:@&=+$,_.!~*'-]
const C_DIGIT = 32;
const CC = new Uint8Array(128);
{
  const set = (chars: string, bits: number): void => {
    for (let i = 0; i < chars.length; i++) CC[chars.charCodeAt(i)] |= bits;
  };
  let letters = '';
  for (let c = 65; c <= 90; c++) letters += String.fromCharCode(c) + String.fromCharCode(c + 32);
  const digits = '0123456789';
  set(letters + '_', C_ID_START);
  set(letters + digits + "_'-", C_ID);
  set(letters + digits + '._+-', C_PATH);
  set(letters + digits + '+.-', C_SCHEME);
  set(letters + digits + "%/?:@&=+$,-_.!~*'", C_URI);
  set(digits, C_DIGIT);
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_HASH = 35;
const CH_DOLLAR = 36;
const CH_AMP = 38;
const CH_QUOTE = 39;
const CH_STAR = 42;
const CH_PLUS = 43;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_COLON = 58;
const CH_LT = 60;
const CH_EQ = 61;
const CH_GT = 62;
const CH_BACKSLASH = 92;
const CH_LBRACE = 123;
const CH_PIPE = 124;
const CH_RBRACE = 125;
const CH_TILDE = 126;

/** Deepest nesting of expressions before the parser gives up (keeps well inside the JS stack). */
const MAX_DEPTH = 500;

const INT64_MAX = 9223372036854775807n;

class NixSyntaxError {
  constructor(readonly message: string, readonly start: number, readonly end: number) {}
}

/** Parses one Nix file. Never throws. */
export function parseNix(file: string, text: string): ParsedNixFile {
  const p = new Parser(text);
  let ast: Node | undefined;
  const diagnostics: NixDiagnostic[] = [];
  try {
    ast = p.parseFile();
  } catch (e) {
    ast = undefined;
    let err: NixSyntaxError;
    if (e instanceof NixSyntaxError) err = e;
    else if (e instanceof RangeError) err = new NixSyntaxError('expression nested too deeply', p.ts, p.te);
    else err = new NixSyntaxError(`internal parser error: ${e instanceof Error ? e.message : String(e)}`, p.ts, p.te);
    err = p.preferConflictMarker(err);
    const a = p.lineCol(err.start);
    const b = p.lineCol(Math.max(err.end, err.start));
    diagnostics.push({ message: err.message, line: a.line, column: a.column, endLine: b.line, endColumn: b.column });
  }
  return { file, ast, comments: p.comments, diagnostics };
}

class Parser {
  readonly text: string;
  readonly n: number;
  readonly comments: Comment[] = [];
  /** Offsets where lines start. */
  private readonly lineStarts: number[];
  private lastLine = 0;
  /** Comments before this offset have been recorded. */
  private commentMark = 0;
  private depth = 0;

  // The current token.
  tk = T_EOF;
  ts = 0;
  te = 0;
  /** Identifier text (T_ID) or the message of a T_ERROR. */
  tv = '';
  /** End of the last consumed token. */
  private last = 0;
  /** End of the token found by the last `peek`. */
  private peekEnd = 0;
  // The last token read (a one-entry cache: a peeked token is read again when the parser moves on).
  private cFrom = -1;
  private cTk = 0;
  private cTs = 0;
  private cTe = 0;
  private cTv = '';
  /** No comment was skipped before the cached token (so reading it again records nothing). */
  private cClean = false;

  constructor(text: string) {
    this.text = text;
    this.n = text.length;
    const ls = [0];
    let i = text.indexOf('\n');
    if (text.indexOf('\r') < 0) {
      while (i >= 0) {
        ls.push(i + 1);
        i = text.indexOf('\n', i + 1);
      }
    } else {
      for (let j = 0; j < this.n; j++) {
        const c = text.charCodeAt(j);
        if (c === CH_LF) ls.push(j + 1);
        else if (c === CH_CR && text.charCodeAt(j + 1) !== CH_LF) ls.push(j + 1);
      }
    }
    this.lineStarts = ls;
  }

  // -------------------------------------------------------------------------------------------
  // Positions

  private lineIndex(off: number): number {
    const ls = this.lineStarts;
    let i = this.lastLine;
    if (ls[i] <= off) {
      if (i + 1 >= ls.length || off < ls[i + 1]) return i;
      if (i + 2 >= ls.length || off < ls[i + 2]) return (this.lastLine = i + 1);
    }
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    return (this.lastLine = lo);
  }

  lineCol(off: number): { line: number; column: number } {
    const i = this.lineIndex(off);
    return { line: i + 1, column: off - this.lineStarts[i] + 1 };
  }

  private pos(start: number, end: number): Pos {
    const ls = this.lineStarts;
    const i = this.lineIndex(start);
    const ls0 = ls[i];
    if (i + 1 >= ls.length || end < ls[i + 1]) {
      return { line: i + 1, column: start - ls0 + 1, endLine: i + 1, endColumn: end - ls0 + 1, offset: start, endOffset: end };
    }
    const j = this.lineIndex(end);
    return { line: i + 1, column: start - ls0 + 1, endLine: j + 1, endColumn: end - ls[j] + 1, offset: start, endOffset: end };
  }

  // -------------------------------------------------------------------------------------------
  // Errors

  private fail(message: string, start: number, end: number): never {
    throw new NixSyntaxError(message, start, end);
  }

  private describe(): string {
    if (this.tk === T_EOF) return 'end of file';
    let s = this.text.slice(this.ts, Math.min(this.te, this.ts + 40));
    if (this.te > this.ts + 40) s += '…';
    if (this.tk === T_STR) return "'\"'";
    return `'${s}'`;
  }

  /** Fails on the current token. */
  private unexpected(expected?: string): never {
    if (this.tk === T_ERROR) this.fail(this.tv, this.ts, this.te);
    const exp = expected ? `, expected ${expected}` : '';
    if (this.tk === T_EOF) this.fail(`unexpected end of file${exp}`, this.n, this.n);
    this.fail(`unexpected ${this.describe()}${exp}`, this.ts, this.te);
  }

  private expect(tk: number, what: string): void {
    if (this.tk !== tk) this.unexpected(what);
    this.advance();
  }

  /**
   * When the file has an unresolved merge-conflict marker (`<<<<<<<` or `>>>>>>>` at the start of
   * a line) at or before the error, report that instead: the error is most likely its consequence,
   * even when the marker itself was read as the text of a string.
   */
  preferConflictMarker(err: NixSyntaxError): NixSyntaxError {
    const m = /^(<{7}|>{7})(?=[ \t\r\n]|$)/m.exec(this.text);
    if (!m) return err;
    const anywhere = err.start >= this.n || err.message.startsWith('unterminated');
    if (m.index > err.start && !anywhere) return err;
    return new NixSyntaxError(`unexpected '${m[1]}' (an unresolved merge-conflict marker?)`, m.index, m.index + 7);
  }

  // -------------------------------------------------------------------------------------------
  // Lexer: reads the token at `p` in Nix's default state. `record` keeps the comments skipped.

  private advance(): void {
    this.last = this.te;
    this.scan(this.te, true);
  }

  /** Moves to the token at `p` (used after strings and paths, which the parser reads itself). */
  private resume(p: number): void {
    this.last = p;
    this.scan(p, true);
  }

  /** The kind of the token at `p`, without moving; its end goes to `peekEnd`. */
  private peek(p: number): number {
    const { tk, ts, te, tv } = this;
    this.scan(p, false);
    const k = this.tk;
    this.peekEnd = this.te;
    this.tk = tk;
    this.ts = ts;
    this.te = te;
    this.tv = tv;
    return k;
  }

  private addComment(start: number, end: number, block: boolean): void {
    if (start < this.commentMark) return;
    this.commentMark = end;
    const { line, column } = this.lineCol(start);
    const text = block ? this.text.slice(start + 2, end - 2) : this.text.slice(start + 1, end);
    this.comments.push({ text, line, column, block });
  }

  private scan(p: number, record: boolean): void {
    if (p === this.cFrom && (this.cClean || !record)) {
      this.tk = this.cTk;
      this.ts = this.cTs;
      this.te = this.cTe;
      this.tv = this.cTv;
      return;
    }
    const from = p;
    this.lex(p, record);
    this.cFrom = from;
    this.cTk = this.tk;
    this.cTs = this.ts;
    this.cTe = this.te;
    this.cTv = this.tv;
    this.cClean = this.clean;
  }

  private clean = true;
  /**
   * [plainFrom, plainTo) is a run of path characters not followed by `/` or `:`: no token starting
   * inside it is a path or a URI. (Saves scanning `a.b.c.d` again at every name and dot.)
   */
  private plainFrom = 0;
  private plainTo = 0;

  private lex(p: number, record: boolean): void {
    const s = this.text;
    const n = this.n;
    let c = 0;
    this.clean = true;
    for (;;) {
      if (p >= n) {
        this.tk = T_EOF;
        this.ts = this.te = n;
        return;
      }
      c = s.charCodeAt(p);
      if (c === CH_SPACE || c === CH_LF || c === CH_TAB || c === CH_CR) {
        p++;
        continue;
      }
      if (c === CH_HASH) {
        let e = p + 1;
        while (e < n) {
          const d = s.charCodeAt(e);
          if (d === CH_LF || d === CH_CR) break;
          e++;
        }
        if (record) this.addComment(p, e, false);
        this.clean = false;
        p = e;
        continue;
      }
      if (c === CH_SLASH && s.charCodeAt(p + 1) === CH_STAR) {
        const e = s.indexOf('*/', p + 2);
        if (e < 0) return this.error('unterminated comment', p, p + 2);
        if (record) this.addComment(p, e + 2, true);
        this.clean = false;
        p = e + 2;
        continue;
      }
      break;
    }
    this.ts = p;
    const c1 = p + 1 < n ? s.charCodeAt(p + 1) : 0;
    if (c < 128 && CC[c] & C_ID_START) return this.scanWord(p);
    if (c < 128 && CC[c] & C_DIGIT) return this.scanNumber(p);
    switch (c) {
      case CH_DQUOTE: return this.tok(T_STR, p + 1);
      case CH_QUOTE:
        if (c1 === CH_QUOTE) return this.tok(T_IND, p + 2);
        return this.error("unexpected \"'\"", p, p + 1);
      case CH_DOT: {
        const pe = this.pathStart(p);
        if (pe > 0) return this.tok(T_PATH, pe);
        if (c1 === CH_DOT && s.charCodeAt(p + 2) === CH_DOT) return this.tok(T_ELLIPSIS, p + 3);
        if (c1 < 128 && CC[c1] & C_DIGIT) return this.tok(T_FLOAT, this.exponent(this.digits(p + 1)));
        return this.tok(T_DOT, p + 1);
      }
      case CH_SLASH: {
        if (c1 === CH_SLASH) return this.tok(T_UPDATE, p + 2);
        const pe = this.pathStart(p);
        if (pe > 0) return this.tok(T_PATH, pe);
        return this.tok(T_SLASH, p + 1);
      }
      case CH_MINUS: {
        const pe = this.pathStart(p);
        if (pe > 0) return this.tok(T_PATH, pe);
        if (c1 === CH_GT) return this.tok(T_IMPL, p + 2);
        return this.tok(T_MINUS, p + 1);
      }
      case CH_PLUS: {
        const pe = this.pathStart(p);
        if (pe > 0) return this.tok(T_PATH, pe);
        if (c1 === CH_PLUS) return this.tok(T_CONCAT, p + 2);
        return this.tok(T_PLUS, p + 1);
      }
      case CH_TILDE: {
        if (c1 === CH_SLASH) {
          const e = this.slashSegments(p + 1);
          if (e > 0) return this.tok(T_HPATH, e);
          if (s.charCodeAt(p + 2) === CH_DOLLAR && s.charCodeAt(p + 3) === CH_LBRACE) return this.tok(T_HPATH, p + 2);
        }
        return this.error("unexpected '~'", p, p + 1);
      }
      case CH_LT: {
        if (this.atLineStart(p) && this.conflictMarker(p, CH_LT)) return;
        // <nixpkgs>, <nixpkgs/lib>
        let e = p + 1;
        while (e < n && s.charCodeAt(e) < 128 && CC[s.charCodeAt(e)] & C_PATH) e++;
        if (e > p + 1) {
          for (;;) {
            if (s.charCodeAt(e) !== CH_SLASH) break;
            let f = e + 1;
            while (f < n && s.charCodeAt(f) < 128 && CC[s.charCodeAt(f)] & C_PATH) f++;
            if (f === e + 1) break;
            e = f;
          }
          if (s.charCodeAt(e) === CH_GT) return this.tok(T_SPATH, e + 1);
        }
        if (c1 === CH_EQ) return this.tok(T_LEQ, p + 2);
        return this.tok(T_LT, p + 1);
      }
      case CH_GT:
        if (this.atLineStart(p) && this.conflictMarker(p, CH_GT)) return;
        if (c1 === CH_EQ) return this.tok(T_GEQ, p + 2);
        return this.tok(T_GT, p + 1);
      case CH_EQ:
        if (this.atLineStart(p) && this.conflictMarker(p, CH_EQ)) return;
        if (c1 === CH_EQ) return this.tok(T_EQ, p + 2);
        return this.tok(T_ASSIGN, p + 1);
      case CH_BANG:
        if (c1 === CH_EQ) return this.tok(T_NEQ, p + 2);
        return this.tok(T_NOT, p + 1);
      case CH_AMP:
        if (c1 === CH_AMP) return this.tok(T_AND, p + 2);
        return this.error("unexpected '&' (did you mean '&&'?)", p, p + 1);
      case CH_PIPE:
        if (this.atLineStart(p) && this.conflictMarker(p, CH_PIPE)) return;
        if (c1 === CH_PIPE) return this.tok(T_OR, p + 2);
        return this.error("unexpected '|' (did you mean '||'?)", p, p + 1);
      case CH_DOLLAR:
        if (c1 === CH_LBRACE) return this.tok(T_DOLLAR_CURLY, p + 2);
        return this.error("unexpected '$'", p, p + 1);
      case CH_LBRACE: return this.tok(T_LBRACE, p + 1);
      case CH_RBRACE: return this.tok(T_RBRACE, p + 1);
      case 91: return this.tok(T_LBRACK, p + 1);
      case 93: return this.tok(T_RBRACK, p + 1);
      case 40: return this.tok(T_LPAREN, p + 1);
      case 41: return this.tok(T_RPAREN, p + 1);
      case 59: return this.tok(T_SEMI, p + 1);
      case CH_COLON: return this.tok(T_COLON, p + 1);
      case 64: return this.tok(T_AT, p + 1);
      case 44: return this.tok(T_COMMA, p + 1);
      case 63: return this.tok(T_QUESTION, p + 1);
      case CH_STAR: return this.tok(T_STAR, p + 1);
    }
    const cp = s.codePointAt(p) ?? c;
    const w = cp > 0xffff ? 2 : 1;
    const shown = cp < 32 || cp === 127 || (cp >= 0x80 && cp <= 0x9f) || cp === 0xfeff || cp === 0xa0
      ? `character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
      : `'${String.fromCodePoint(cp)}'`;
    return this.error(`unexpected ${shown}`, p, p + w);
  }

  private tok(kind: number, end: number): void {
    this.tk = kind;
    this.te = end;
  }

  private error(message: string, start: number, end: number): void {
    this.tk = T_ERROR;
    this.ts = start;
    this.te = end;
    this.tv = message;
  }

  private atLineStart(p: number): boolean {
    if (p === 0) return true;
    const c = this.text.charCodeAt(p - 1);
    return c === CH_LF || c === CH_CR;
  }

  /** `<<<<<<<`, `=======`, `>>>>>>>`, `|||||||` at the start of a line. */
  private conflictMarker(p: number, c: number): boolean {
    const s = this.text;
    for (let i = 1; i < 7; i++) if (s.charCodeAt(p + i) !== c) return false;
    const d = s.charCodeAt(p + 7);
    if (p + 7 < this.n && d !== CH_SPACE && d !== CH_TAB && d !== CH_LF && d !== CH_CR) return false;
    this.error(`unexpected '${s.slice(p, p + 7)}' (an unresolved merge-conflict marker?)`, p, p + 7);
    return true;
  }

  private digits(p: number): number {
    const s = this.text;
    while (p < this.n) {
      const c = s.charCodeAt(p);
      if (c < 48 || c > 57) break;
      p++;
    }
    return p;
  }

  /** An optional `[Ee][+-]?[0-9]+` at `p`. */
  private exponent(p: number): number {
    const s = this.text;
    const c = s.charCodeAt(p);
    if (c !== 69 && c !== 101) return p;
    let q = p + 1;
    const d = s.charCodeAt(q);
    if (d === CH_PLUS || d === CH_MINUS) q++;
    const e = this.digits(q);
    return e > q ? e : p;
  }

  /** End of `(/[PATH_CHAR]+)+/?` at `p`, or -1. */
  private slashSegments(p: number): number {
    const s = this.text;
    const n = this.n;
    let end = -1;
    while (p < n && s.charCodeAt(p) === CH_SLASH) {
      let q = p + 1;
      while (q < n) {
        const c = s.charCodeAt(q);
        if (c >= 128 || !(CC[c] & C_PATH)) break;
        q++;
      }
      if (q === p + 1) break;
      end = p = q;
    }
    if (end < 0) return -1;
    if (s.charCodeAt(end) === CH_SLASH) end++;
    return end;
  }

  private pathCharsEnd(p: number): number {
    const s = this.text;
    while (p < this.n) {
      const c = s.charCodeAt(p);
      if (c >= 128 || !(CC[c] & C_PATH)) break;
      p++;
    }
    return p;
  }

  /**
   * The first token of a path at `p`: Nix's PATH (`[PATH_CHAR]*(/[PATH_CHAR]+)+/?`), or
   * `[PATH_CHAR]*` and a slash directly followed by `${`. Returns its end, or -1. (The `${`
   * counts for the longest match, as in Nix's lexer: see `pathMatchLength`.)
   */
  private pathStart(p: number): number {
    if (p >= this.plainFrom && p < this.plainTo) return -1;
    const q = this.pathCharsEnd(p);
    const c = this.text.charCodeAt(q);
    if (c !== CH_SLASH) {
      if (c !== CH_COLON) {
        this.plainFrom = p;
        this.plainTo = q;
      }
      return -1;
    }
    const e = this.slashSegments(q);
    if (e > 0) return e;
    if (this.text.charCodeAt(q + 1) === CH_DOLLAR && this.text.charCodeAt(q + 2) === CH_LBRACE) return q + 1;
    return -1;
  }

  /** The length the lexer compares for a path starting at `p` (a `${` after a bare segment counts). */
  private pathMatchLength(p: number, end: number): number {
    if (end < 0) return -1;
    const s = this.text;
    if (s.charCodeAt(end - 1) === CH_SLASH && s.charCodeAt(end) === CH_DOLLAR && this.slashSegments(this.pathCharsEnd(p)) < 0) return end - p + 2;
    return end - p;
  }

  /** End of a URI at `p`, or -1. */
  private uriEnd(p: number): number {
    const s = this.text;
    const n = this.n;
    let q = p + 1;
    while (q < n && s.charCodeAt(q) < 128 && CC[s.charCodeAt(q)] & C_SCHEME) q++;
    if (s.charCodeAt(q) !== CH_COLON) return -1;
    let e = q + 1;
    while (e < n && s.charCodeAt(e) < 128 && CC[s.charCodeAt(e)] & C_URI) e++;
    return e > q + 1 ? e : -1;
  }

  /** An identifier or keyword — or a path or URI, whichever is longest (as flex does). */
  private scanWord(p: number): void {
    const s = this.text;
    const n = this.n;
    let e = p + 1;
    while (e < n) {
      const c = s.charCodeAt(e);
      if (c >= 128 || !(CC[c] & C_ID)) break;
      e++;
    }
    const c2 = e < n ? s.charCodeAt(e) : 0;
    if ((c2 === CH_SLASH || c2 === CH_DOT || c2 === CH_PLUS || c2 === CH_COLON) && !(p >= this.plainFrom && p < this.plainTo)) {
      const pe = this.pathStart(p);
      const pl = this.pathMatchLength(p, pe);
      const ue = this.uriEnd(p);
      let best = e - p;
      let kind = T_ID;
      let end = e;
      if (pl > best) {
        best = pl;
        kind = T_PATH;
        end = pe;
      }
      if (ue > 0 && ue - p > best) {
        kind = T_URI;
        end = ue;
      }
      if (kind !== T_ID) return this.tok(kind, end);
    }
    const len = e - p;
    const w = s.slice(p, e);
    if (len >= 2 && len <= 7) {
      const k = KEYWORDS.get(w);
      if (k !== undefined) return this.tok(k, e);
    }
    this.tv = w;
    this.tok(T_ID, e);
  }

  private scanNumber(p: number): void {
    const s = this.text;
    const ie = this.digits(p);
    let fe = -1;
    if (s.charCodeAt(p) !== 48) {
      if (s.charCodeAt(ie) === CH_DOT) fe = this.exponent(this.digits(ie + 1));
    } else if (ie === p + 1 && s.charCodeAt(ie) === CH_DOT) {
      const d = this.digits(ie + 1);
      if (d > ie + 1) fe = this.exponent(d);
    }
    const pe = this.pathStart(p);
    const pl = this.pathMatchLength(p, pe);
    if (pl > ie - p && pl > fe - p) return this.tok(T_PATH, pe);
    if (fe > ie) return this.tok(T_FLOAT, fe);
    this.tok(T_INT, ie);
  }

  // -------------------------------------------------------------------------------------------
  // Grammar

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nested too deeply (more than ${MAX_DEPTH} levels)`, this.ts, this.te);
  }

  parseFile(): Node {
    this.scan(0, true);
    const e = this.parseExpr();
    if (this.tk !== T_EOF) this.unexpected('end of file');
    return e;
  }

  /** Nix's `expr_function`: lambdas, assert, with, let, and below them if and the operators. */
  private parseExpr(): Node {
    this.enter();
    let r: Node;
    switch (this.tk) {
      case T_ID: {
        const k = this.peek(this.te);
        if (k === T_COLON || k === T_AT) r = this.parseLambda();
        else r = this.parseIf();
        break;
      }
      case T_LBRACE:
        r = this.isFormals() ? this.parseLambda() : this.parseIf();
        break;
      case T_ASSERT: {
        const start = this.ts;
        this.advance();
        const cond = this.parseExpr();
        this.expect(T_SEMI, "';'");
        const body = this.parseExpr();
        r = { type: 'Assert', cond, body, pos: this.pos(start, this.last) };
        break;
      }
      case T_WITH: {
        const start = this.ts;
        this.advance();
        const env = this.parseExpr();
        this.expect(T_SEMI, "';'");
        const body = this.parseExpr();
        r = { type: 'With', env, body, pos: this.pos(start, this.last) };
        break;
      }
      case T_LET: {
        if (this.peek(this.te) === T_LBRACE) {
          r = this.parseIf();
          break;
        }
        const start = this.ts;
        this.advance();
        const bindings = this.parseBindings(T_IN, true);
        this.advance();
        const body = this.parseExpr();
        r = { type: 'Let', bindings, body, pos: this.pos(start, this.last) };
        break;
      }
      default:
        r = this.parseIf();
    }
    this.depth--;
    return r;
  }

  /** After `{`: a lambda's formals (`{ a, b ? 1, ... }:`) rather than an attribute set? */
  private isFormals(): boolean {
    const k1 = this.peek(this.te);
    if (k1 === T_ELLIPSIS) return true;
    if (k1 === T_RBRACE) {
      const k2 = this.peek(this.peekEnd);
      return k2 === T_COLON || k2 === T_AT;
    }
    if (k1 === T_ID) {
      const k2 = this.peek(this.peekEnd);
      return k2 === T_COMMA || k2 === T_QUESTION || k2 === T_RBRACE;
    }
    return false;
  }

  /** `x: body`, `{ formals } [@ x]: body`, `x @ { formals }: body` */
  private parseLambda(): Node {
    const start = this.ts;
    let param: LambdaParam;
    if (this.tk === T_ID) {
      const name = this.tv;
      const namePos = this.pos(this.ts, this.te);
      this.advance();
      if (this.tk === T_AT) {
        this.advance();
        if (this.tk !== T_LBRACE) this.unexpected("'{'");
        const f = this.parseFormals();
        if (f.formals.some((x) => x.name === name)) this.fail(`duplicate formal function argument '${name}'`, namePos.offset, namePos.endOffset);
        param = { kind: 'pattern', formals: f.formals, ellipsis: f.ellipsis, bind: name, pos: this.pos(start, this.last) };
      } else {
        param = { kind: 'ident', name, pos: namePos };
      }
    } else {
      const f = this.parseFormals();
      let bind: string | undefined;
      if (this.tk === T_AT) {
        this.advance();
        if (this.tk !== T_ID) this.unexpected('an identifier');
        bind = this.tv;
        if (f.formals.some((x) => x.name === bind)) this.fail(`duplicate formal function argument '${bind}'`, this.ts, this.te);
        this.advance();
      }
      param = { kind: 'pattern', formals: f.formals, ellipsis: f.ellipsis, bind, pos: this.pos(start, this.last) };
    }
    if (this.tk !== T_COLON) this.unexpected(param.kind === 'pattern' && param.bind === undefined ? "':' or '@'" : "':'");
    this.advance();
    const body = this.parseExpr();
    return { type: 'Lambda', param, body, pos: this.pos(start, this.last) };
  }

  private parseFormals(): { formals: Formal[]; ellipsis: boolean } {
    this.advance(); // {
    const formals: Formal[] = [];
    let ellipsis = false;
    let names: Set<string> | undefined;
    for (;;) {
      if (this.tk === T_RBRACE) break;
      if (this.tk === T_ELLIPSIS) {
        ellipsis = true;
        this.advance();
        if (this.tk !== T_RBRACE) this.unexpected("'}' ('...' must come last)");
        break;
      }
      if (this.tk !== T_ID) this.unexpected(formals.length ? "a parameter name or '...'" : "a parameter name, '...' or '}'");
      const start = this.ts;
      const name = this.tv;
      if (formals.length) {
        names ??= new Set(formals.map((f) => f.name));
        if (names.has(name)) this.fail(`duplicate formal function argument '${name}'`, this.ts, this.te);
        names.add(name);
      }
      this.advance();
      let def: Node | undefined;
      if (this.tk === T_QUESTION) {
        this.advance();
        def = this.parseExpr();
      }
      formals.push({ name, default: def, pos: this.pos(start, this.last) });
      if (this.tk === T_COMMA) {
        this.advance();
        continue;
      }
      if (this.tk !== T_RBRACE) this.unexpected("',' or '}'");
      break;
    }
    this.advance(); // }
    return { formals, ellipsis };
  }

  private parseIf(): Node {
    if (this.tk !== T_IF) return this.parseOp(0);
    const start = this.ts;
    this.advance();
    const cond = this.parseExpr();
    this.expect(T_THEN, "'then'");
    const then = this.parseExpr();
    this.expect(T_ELSE, "'else'");
    const els = this.parseExpr();
    return { type: 'If', cond, then, else: els, pos: this.pos(start, this.last) };
  }

  /** Operators by precedence climbing; `minPrec` is the weakest operator this call may take. */
  private parseOp(minPrec: number): Node {
    const start = this.ts;
    let left: Node;
    if (this.tk === T_NOT) {
      this.enter();
      this.advance();
      const e = this.parseOp(PREC_NOT + 1);
      left = { type: 'Unary', op: '!', expr: e, pos: this.pos(start, this.last) };
      this.depth--;
    } else if (this.tk === T_MINUS) {
      this.enter();
      this.advance();
      const e = this.parseOp(PREC_NEGATE + 1);
      left = { type: 'Unary', op: '-', expr: e, pos: this.pos(start, this.last) };
      this.depth--;
    } else {
      left = this.parseApp();
    }
    for (;;) {
      const tk = this.tk;
      const prec = PREC[tk];
      if (prec === 0 || prec < minPrec) break;
      this.advance();
      if (tk === T_QUESTION) {
        const path = this.parseAttrPath();
        left = { type: 'HasAttr', expr: left, path, pos: this.pos(start, this.last) };
      } else {
        this.enter();
        const right = this.parseOp(ASSOC[tk] === 1 ? prec : prec + 1);
        this.depth--;
        left = { type: 'Binary', op: OP_NAME[tk] as BinaryOp, left, right, pos: this.pos(start, this.last) };
      }
      if (ASSOC[tk] === 2 && PREC[this.tk] === prec) {
        this.fail(`unexpected ${this.describe()} (comparison operators do not chain: add parentheses)`, this.ts, this.te);
      }
    }
    return left;
  }

  /** Function application: `f a b`, left-associative. */
  private parseApp(): Node {
    const start = this.ts;
    let fn = this.parseSelect();
    for (;;) {
      const tk = this.tk;
      if (!STARTS_SELECT[tk] && !(tk === T_LET && this.peek(this.te) === T_LBRACE)) break;
      const arg = this.parseSelect();
      fn = { type: 'Call', fn, arg, pos: this.pos(start, this.last) };
    }
    return fn;
  }

  /** `e.a.b`, `e.a.b or d`, and the legacy `e or` (a call of a function named `or`). */
  private parseSelect(): Node {
    const start = this.ts;
    const e = this.parseSimple();
    if (this.tk === T_DOT) {
      this.advance();
      const path = this.parseAttrPath();
      if (this.tk === T_OR_KW) {
        this.advance();
        this.enter();
        const def = this.parseSelect();
        this.depth--;
        return { type: 'Select', expr: e, path, default: def, pos: this.pos(start, this.last) };
      }
      return { type: 'Select', expr: e, path, default: undefined, pos: this.pos(start, this.last) };
    }
    if (this.tk === T_OR_KW) {
      const orPos = this.pos(this.ts, this.te);
      this.advance();
      return { type: 'Call', fn: e, arg: { type: 'Var', name: 'or', pos: orPos }, pos: this.pos(start, this.last) };
    }
    return e;
  }

  private parseSimple(): Node {
    const start = this.ts;
    switch (this.tk) {
      case T_ID: {
        const name = this.tv;
        this.advance();
        return { type: 'Var', name, pos: this.pos(start, this.last) };
      }
      case T_INT: {
        const raw = this.text.slice(this.ts, this.te);
        let value = Number(raw);
        if (value > Number.MAX_SAFE_INTEGER) {
          const big = BigInt(raw);
          if (big > INT64_MAX) this.fail(`invalid integer '${raw}' (larger than 2^63 - 1)`, this.ts, this.te);
          value = Number(big);
        }
        this.advance();
        return { type: 'Int', value, pos: this.pos(start, this.last) };
      }
      case T_FLOAT: {
        const raw = this.text.slice(this.ts, this.te);
        const value = Number(raw);
        if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(raw.replace(/[eE].*$/, '')))) this.fail(`invalid float '${raw}'`, this.ts, this.te);
        this.advance();
        return { type: 'Float', value, pos: this.pos(start, this.last) };
      }
      case T_STR: return this.parseString();
      case T_IND: return this.parseIndString();
      case T_PATH:
      case T_HPATH:
        return this.parsePath();
      case T_SPATH: {
        const path = this.text.slice(this.ts + 1, this.te - 1);
        this.advance();
        return { type: 'SearchPath', path, pos: this.pos(start, this.last) };
      }
      case T_URI: {
        const value = this.text.slice(this.ts, this.te);
        this.advance();
        return { type: 'Uri', value, pos: this.pos(start, this.last) };
      }
      case T_LPAREN: {
        this.advance();
        const e = this.parseExpr();
        if (this.tk !== T_RPAREN) this.unexpected("')'");
        this.advance();
        return e;
      }
      case T_LBRACE: return this.parseAttrSet(start, false);
      case T_REC: {
        this.advance();
        if (this.tk !== T_LBRACE) this.unexpected("'{'");
        return this.parseAttrSet(start, true);
      }
      case T_LET: {
        // Legacy `let { …; body = e; }`: Nix reads it as `(rec { … }).body`.
        const letPos = this.pos(this.ts, this.te);
        this.advance();
        if (this.tk !== T_LBRACE) this.unexpected("'{'");
        const set = this.parseAttrSet(start, true);
        return { type: 'Select', expr: set, path: [{ kind: 'ident', name: 'body', pos: letPos }], pos: set.pos };
      }
      case T_LBRACK: {
        this.advance();
        const items: Node[] = [];
        while (this.tk !== T_RBRACK) {
          if (this.tk === T_MINUS) this.fail("unexpected '-' (a negative number in a list needs parentheses: [ (-1) ])", this.ts, this.te);
          if (!STARTS_SELECT[this.tk] && this.tk !== T_LET) this.unexpected("']'");
          this.enter();
          items.push(this.parseSelect());
          this.depth--;
        }
        this.advance();
        return { type: 'List', items, pos: this.pos(start, this.last) };
      }
    }
    this.unexpected('an expression');
  }

  private parseAttrSet(start: number, rec: boolean): AttrSetNode {
    this.advance(); // {
    const bindings = this.parseBindings(T_RBRACE, false);
    this.advance(); // }
    return { type: 'AttrSet', rec, bindings, pos: this.pos(start, this.last) };
  }

  /** Bindings up to `close` (`}` or `in`), which is left as the current token. */
  private parseBindings(close: number, isLet: boolean): Binding[] {
    const out: Binding[] = [];
    const closeName = close === T_IN ? "'in'" : "'}'";
    for (;;) {
      const tk = this.tk;
      if (tk === close) return out;
      const start = this.ts;
      if (tk === T_INHERIT) {
        this.advance();
        let from: Node | undefined;
        if (this.tk === T_LPAREN) {
          this.advance();
          from = this.parseExpr();
          if (this.tk !== T_RPAREN) this.unexpected("')'");
          this.advance();
        }
        const names: AttrName[] = [];
        for (;;) {
          const t = this.tk;
          if (t === T_ID || t === T_OR_KW) {
            names.push({ kind: 'ident', name: t === T_ID ? this.tv : 'or', pos: this.pos(this.ts, this.te) });
            this.advance();
          } else if (t === T_STR) {
            const s = this.parseString();
            if (!isStatic(s)) this.fail('dynamic attributes not allowed in inherit', s.pos.offset, s.pos.endOffset);
            names.push({ kind: 'string', node: s, pos: s.pos });
          } else if (t === T_DOLLAR_CURLY) {
            this.fail('dynamic attributes not allowed in inherit', this.ts, this.te);
          } else break;
        }
        if (this.tk !== T_SEMI) this.unexpected("an attribute name or ';'");
        this.advance();
        out.push({ kind: 'inherit', from, names, pos: this.pos(start, this.last) });
        continue;
      }
      if (tk !== T_ID && tk !== T_OR_KW && tk !== T_STR && tk !== T_DOLLAR_CURLY) {
        if (tk === T_EOF) this.unexpected(closeName);
        this.unexpected(`an attribute name, 'inherit' or ${closeName}`);
      }
      const path = this.parseAttrPath();
      if (isLet) {
        const a = path[0];
        if ((a.kind === 'dynamic' && !(a.expr.type === 'String' && isStatic(a.expr))) || (a.kind === 'string' && !isStatic(a.node))) {
          this.fail('dynamic attributes not allowed in let', a.pos.offset, a.pos.endOffset);
        }
      }
      if (this.tk !== T_ASSIGN) this.unexpected(path.length === 1 && close === T_RBRACE ? "'=' or '.'" : "'='");
      this.advance();
      const value = this.parseExpr();
      if (this.tk !== T_SEMI) this.unexpected("';'");
      this.advance();
      out.push({ kind: 'attr', path, value, pos: this.pos(start, this.last) });
    }
  }

  /** `a.b."c d".${e}`: the current token starts the first name. */
  private parseAttrPath(): AttrName[] {
    const path: AttrName[] = [];
    for (;;) {
      const t = this.tk;
      if (t === T_ID || t === T_OR_KW) {
        path.push({ kind: 'ident', name: t === T_ID ? this.tv : 'or', pos: this.pos(this.ts, this.te) });
        this.advance();
      } else if (t === T_STR) {
        const s = this.parseString();
        path.push({ kind: 'string', node: s, pos: s.pos });
      } else if (t === T_DOLLAR_CURLY) {
        const start = this.ts;
        this.advance();
        const expr = this.parseExpr();
        if (this.tk !== T_RBRACE) this.unexpected("'}'");
        this.advance();
        path.push({ kind: 'dynamic', expr, pos: this.pos(start, this.last) });
      } else {
        this.unexpected('an attribute name');
      }
      if (this.tk !== T_DOT) return path;
      this.advance();
    }
  }

  /** `${ expr }` at `p` inside a string or path; returns it, the scanner is after the `}`. */
  private parseInterpolation(p: number): Interpolation {
    this.resume(p + 2);
    const expr = this.parseExpr();
    if (this.tk !== T_RBRACE) this.unexpected("'}'");
    return { type: 'Interpolation', expr, pos: this.pos(p, this.te) };
  }

  /** A "…" string; the current token is its opening quote. */
  private parseString(): StringNode {
    const s = this.text;
    const n = this.n;
    const start = this.ts;
    this.enter();
    const parts: StringPart[] = [];
    let buf = '';
    let q = start + 1;
    let run = q;
    for (;;) {
      if (q >= n) this.fail('unterminated string', start, start + 1);
      const c = s.charCodeAt(q);
      if (c === CH_DQUOTE) break;
      if (c === CH_BACKSLASH) {
        if (q + 1 >= n) this.fail('unterminated string', start, start + 1);
        buf += s.slice(run, q);
        const d = s.charCodeAt(q + 1);
        buf += d === 110 ? '\n' : d === 114 ? '\r' : d === 116 ? '\t' : s[q + 1];
        q += 2;
        run = q;
      } else if (c === CH_DOLLAR) {
        const d = s.charCodeAt(q + 1);
        if (d === CH_LBRACE) {
          buf += s.slice(run, q);
          if (buf) parts.push(buf);
          buf = '';
          parts.push(this.parseInterpolation(q));
          q = run = this.te;
        } else if (d === CH_DOLLAR) {
          q += 2; // `$${` is a literal `$${`
        } else {
          q++;
        }
      } else if (c === CH_CR) {
        buf += s.slice(run, q) + '\n';
        q += s.charCodeAt(q + 1) === CH_LF ? 2 : 1;
        run = q;
      } else {
        q++;
      }
    }
    buf += s.slice(run, q);
    if (buf) parts.push(buf);
    this.depth--;
    this.resume(q + 1);
    return { type: 'String', parts, indented: false, pos: this.pos(start, q + 1) };
  }

  /** An ''indented'' string; the current token is its opening `''`. */
  private parseIndString(): StringNode {
    const s = this.text;
    const n = this.n;
    const start = this.ts;
    this.enter();
    let q = start + 2;
    // `''` followed by spaces and a newline: the first line is dropped.
    {
      let r = q;
      while (s.charCodeAt(r) === CH_SPACE) r++;
      if (s.charCodeAt(r) === CH_LF) q = r + 1;
    }
    // Items: text (subject to indentation stripping), escapes (not), interpolations.
    const kinds: number[] = []; // 0 text, 1 escape, 2 interpolation
    const vals: (string | Interpolation)[] = [];
    let run = q;
    let text = '';
    const flush = (end: number): void => {
      text += s.slice(run, end);
      if (text) {
        kinds.push(0);
        vals.push(text);
        text = '';
      }
    };
    let end: number;
    for (;;) {
      if (q >= n) this.fail('unterminated indented string', start, start + 2);
      const c = s.charCodeAt(q);
      if (c === CH_QUOTE && s.charCodeAt(q + 1) === CH_QUOTE) {
        const d = s.charCodeAt(q + 2);
        if (d === CH_DOLLAR) {
          text += s.slice(run, q) + '$';
          q += 3;
          run = q;
        } else if (d === CH_QUOTE) {
          text += s.slice(run, q) + "''";
          q += 3;
          run = q;
        } else if (d === CH_BACKSLASH) {
          if (q + 3 >= n) this.fail('unterminated indented string', start, start + 2);
          flush(q);
          const e = s.charCodeAt(q + 3);
          kinds.push(1);
          vals.push(e === 110 ? '\n' : e === 114 ? '\r' : e === 116 ? '\t' : s[q + 3]);
          q += 4;
          run = q;
        } else {
          flush(q);
          end = q + 2;
          break;
        }
      } else if (c === CH_DOLLAR && s.charCodeAt(q + 1) === CH_LBRACE) {
        flush(q);
        kinds.push(2);
        vals.push(this.parseInterpolation(q));
        q = run = this.te;
      } else if (c === CH_DOLLAR && s.charCodeAt(q + 1) === CH_DOLLAR) {
        q += 2; // `$${` is literal
      } else {
        q++;
      }
    }
    const parts = stripIndentation(kinds, vals);
    this.depth--;
    this.resume(end);
    return { type: 'String', parts, indented: true, pos: this.pos(start, end) };
  }

  /** `//` inside a path (Nix reads `./a//b` as two pieces and accepts that only next to a `${…}`). */
  private badPath(start: number, at: number): never {
    let e = at;
    while (e < this.n && (this.text.charCodeAt(e) === CH_SLASH || (this.text.charCodeAt(e) < 128 && CC[this.text.charCodeAt(e)] & C_PATH))) e++;
    this.fail(`unexpected '//' in path '${this.text.slice(start, e)}'`, at - 1, at + 1);
  }

  /** A path; the current token is its first segment. Reads the rest (more segments, `${…}`). */
  private parsePath(): PathNode {
    const s = this.text;
    const start = this.ts;
    const kind: PathNode['kind'] = s.charCodeAt(start) === CH_TILDE ? 'home' : s.charCodeAt(start) === CH_SLASH ? 'absolute' : 'relative';
    const parts: StringPart[] = [];
    let q = this.te;
    let run = start;
    let slash = s.charCodeAt(q - 1) === CH_SLASH;
    // Nix's grammar allows at most one more piece before the first `${`, and none without one.
    let pieces = 0;
    let interpolated = false;
    let firstPiece = -1;
    this.enter();
    for (;;) {
      if (s.charCodeAt(q) === CH_DOLLAR && s.charCodeAt(q + 1) === CH_LBRACE) {
        if (q > run) parts.push(s.slice(run, q));
        parts.push(this.parseInterpolation(q));
        interpolated = true;
        q = run = this.te;
        slash = false;
        continue;
      }
      // Nix's INPATH token: the longest of PATH, PATH_SEG and [PATH_CHAR]+.
      const a = this.pathCharsEnd(q);
      let e = a;
      if (s.charCodeAt(a) === CH_SLASH) e = Math.max(a + 1, this.slashSegments(a));
      if (e === q) break;
      if (!interpolated) {
        if (++pieces > 1) this.badPath(start, q);
        firstPiece = q;
      }
      slash = s.charCodeAt(e - 1) === CH_SLASH;
      q = e;
    }
    if (slash) this.fail(`path '${s.slice(start, q)}' has a trailing slash`, start, q);
    if (!interpolated && pieces) this.badPath(start, firstPiece);
    if (q > run) parts.push(s.slice(run, q));
    this.depth--;
    this.resume(q);
    return { type: 'Path', parts, kind, pos: this.pos(start, q) };
  }
}

/** A string without interpolation (what Nix accepts as a static attribute name). */
function isStatic(s: StringNode): boolean {
  return s.parts.length === 0 || (s.parts.length === 1 && typeof s.parts[0] === 'string');
}

/**
 * Nix's indentation stripping (parser.y `stripIndentation`): the smallest indentation (in spaces)
 * of the lines that are not whitespace-only is removed from every line; a last line of only spaces
 * is dropped. Interpolations and escapes (`''\n`, `''\ `…) end a line's indentation when the
 * minimum is computed; when stripping, an escape's text is treated like the text around it (an
 * escaped space at the start of a line is dropped like any other), as Nix does.
 */
function stripIndentation(kinds: number[], vals: (string | Interpolation)[]): StringPart[] {
  const count = kinds.length;
  if (count === 0) return [];
  let atStart = true;
  let minIndent = 1000000;
  let cur = 0;
  for (let i = 0; i < count; i++) {
    if (kinds[i] !== 0) {
      if (atStart) {
        atStart = false;
        if (cur < minIndent) minIndent = cur;
      }
      continue;
    }
    const t = vals[i] as string;
    for (let j = 0; j < t.length; j++) {
      const c = t.charCodeAt(j);
      if (atStart) {
        if (c === CH_SPACE) cur++;
        else if (c === CH_LF) cur = 0;
        else {
          atStart = false;
          if (cur < minIndent) minIndent = cur;
        }
      } else if (c === CH_LF) {
        atStart = true;
        cur = 0;
      }
    }
  }
  const parts: StringPart[] = [];
  let buf = '';
  atStart = true;
  let dropped = 0;
  for (let i = 0; i < count; i++) {
    const k = kinds[i];
    if (k === 2) {
      atStart = false;
      dropped = 0;
      if (buf) parts.push(buf);
      buf = '';
      parts.push(vals[i] as Interpolation);
      continue;
    }
    const t = vals[i] as string;
    let out = '';
    let seg = 0;
    for (let j = 0; j < t.length; j++) {
      const c = t.charCodeAt(j);
      if (atStart) {
        if (c === CH_SPACE) {
          if (dropped++ < minIndent) {
            out += t.slice(seg, j);
            seg = j + 1;
          }
        } else if (c === CH_LF) {
          dropped = 0;
        } else {
          atStart = false;
          dropped = 0;
        }
      } else if (c === CH_LF) {
        atStart = true;
      }
    }
    out += t.slice(seg);
    if (i === count - 1) {
      // The last line, if only spaces, is dropped.
      const nl = out.lastIndexOf('\n');
      if (nl >= 0) {
        let j = nl + 1;
        while (j < out.length && out.charCodeAt(j) === CH_SPACE) j++;
        if (j === out.length) out = out.slice(0, nl + 1);
      }
    }
    buf += out;
  }
  if (buf) parts.push(buf);
  return parts;
}
