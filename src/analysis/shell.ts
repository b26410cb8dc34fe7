/**
 * Lazy loader of the bash grammar (web-tree-sitter + tree-sitter-bash's bundled wasm). Nothing heavy
 * happens at import time: call initShell() once (it is idempotent), then parseShell() synchronously.
 */
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import type { Parser as TSParser, Tree } from 'web-tree-sitter';

let parser: TSParser | undefined;
let loading: Promise<void> | undefined;

/** Loads web-tree-sitter and the bash grammar. Safe to call many times and concurrently. */
export async function initShell(): Promise<void> {
  if (parser) return;
  loading ??= (async () => {
    // Baseline (Liftoff) compilation only: V8 otherwise optimises the grammar's WebAssembly in the
    // background, and the process waits for that work at exit (~450 ms measured) — for parsing a few
    // dozen scripts, the optimised code would never pay off.
    v8.setFlagsFromString('--liftoff-only');
    const { Parser, Language } = await import('web-tree-sitter');
    const require = createRequire(import.meta.url);
    const coreWasm = require.resolve('web-tree-sitter/tree-sitter.wasm');
    const bashWasm = require.resolve('tree-sitter-bash/tree-sitter-bash.wasm');
    await Parser.init({ locateFile: () => coreWasm });
    const bash = await Language.load(bashWasm);
    const p = new Parser();
    p.setLanguage(bash);
    parser = p;
  })();
  try {
    await loading;
  } catch (err) {
    loading = undefined; // let a later call try again
    throw err;
  }
}

/** True once initShell() has finished. */
export function shellReady(): boolean {
  return parser !== undefined;
}

/** Parses a shell script. The caller owns the tree and should call tree.delete() when done. */
export function parseShell(text: string): Tree {
  if (!parser) throw new Error('unitlint: the shell parser is not initialised: call `await initShell()` first');
  const tree = parser.parse(text);
  if (!tree) throw new Error('unitlint: tree-sitter-bash could not parse the script');
  return tree;
}
