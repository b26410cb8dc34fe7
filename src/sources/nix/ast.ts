/**
 * Syntax tree of the Nix language, with positions. Produced by parser.ts, read by the partial
 * evaluator (src/nix/). Positions are 1-based lines and columns; `endColumn` is exclusive;
 * offsets are 0-based UTF-16 indices into the source text.
 */

export interface Pos {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  offset: number;
  endOffset: number;
}

interface Base {
  pos: Pos;
}

export interface IntNode extends Base { type: 'Int'; value: number }
export interface FloatNode extends Base { type: 'Float'; value: number }
/** A string ("…" or ''…''): literal parts are already unescaped (and, for indented strings, de-indented). */
export interface StringNode extends Base { type: 'String'; parts: StringPart[]; indented: boolean }
export type StringPart = string | Interpolation;
export interface Interpolation extends Base { type: 'Interpolation'; expr: Node }
/** ./x, /x, ~/x, x/y (with possible ${…} parts). `text` is the raw source of the path. */
export interface PathNode extends Base { type: 'Path'; parts: StringPart[]; kind: 'relative' | 'absolute' | 'home' }
/** <nixpkgs>, <nixpkgs/lib> */
export interface SearchPathNode extends Base { type: 'SearchPath'; path: string }
export interface UriNode extends Base { type: 'Uri'; value: string }
export interface VarNode extends Base { type: 'Var'; name: string }
/** e.path[0].path[1]… `or` default */
export interface SelectNode extends Base { type: 'Select'; expr: Node; path: AttrName[]; default?: Node }
/** e ? a.b */
export interface HasAttrNode extends Base { type: 'HasAttr'; expr: Node; path: AttrName[] }
export interface AttrSetNode extends Base { type: 'AttrSet'; rec: boolean; bindings: Binding[] }
export interface ListNode extends Base { type: 'List'; items: Node[] }
export interface LambdaNode extends Base { type: 'Lambda'; param: LambdaParam; body: Node }
export interface CallNode extends Base { type: 'Call'; fn: Node; arg: Node }
export interface LetNode extends Base { type: 'Let'; bindings: Binding[]; body: Node }
export interface WithNode extends Base { type: 'With'; env: Node; body: Node }
export interface IfNode extends Base { type: 'If'; cond: Node; then: Node; else: Node }
export interface AssertNode extends Base { type: 'Assert'; cond: Node; body: Node }
export interface UnaryNode extends Base { type: 'Unary'; op: '!' | '-'; expr: Node }
export type BinaryOp =
  | '+' | '-' | '*' | '/' | '++' | '//'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||' | '->';
export interface BinaryNode extends Base { type: 'Binary'; op: BinaryOp; left: Node; right: Node }

export type Node =
  | IntNode | FloatNode | StringNode | PathNode | SearchPathNode | UriNode | VarNode
  | SelectNode | HasAttrNode | AttrSetNode | ListNode | LambdaNode | CallNode | LetNode
  | WithNode | IfNode | AssertNode | UnaryNode | BinaryNode;

/** One element of an attribute path: `a`, `"a b"`, `${expr}`. */
export type AttrName =
  | { kind: 'ident'; name: string; pos: Pos }
  | { kind: 'string'; node: StringNode; pos: Pos }
  | { kind: 'dynamic'; expr: Node; pos: Pos };

export type Binding =
  /** a.b.c = value; */
  | { kind: 'attr'; path: AttrName[]; value: Node; pos: Pos }
  /** inherit a b; / inherit (from) a b; */
  | { kind: 'inherit'; from?: Node; names: AttrName[]; pos: Pos };

export type LambdaParam =
  | { kind: 'ident'; name: string; pos: Pos }
  /** { a, b ? default, ... } @ bind  (bind may also come first: args @ { … }) */
  | { kind: 'pattern'; formals: Formal[]; ellipsis: boolean; bind?: string; pos: Pos };

export interface Formal { name: string; default?: Node; pos: Pos }

export interface Comment {
  /** Text without the comment markers (`#` or `/* … *\/`). */
  text: string;
  line: number;
  column: number;
  block: boolean;
}

export interface NixDiagnostic {
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface ParsedNixFile {
  file: string;
  /** Undefined when the file has a syntax error. */
  ast: Node | undefined;
  comments: Comment[];
  diagnostics: NixDiagnostic[];
}
