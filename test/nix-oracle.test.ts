/**
 * Oracle test: our Nix parser against Nix itself. For every `*.nix` under fixtures/ and
 * test/nix-samples/, and for a table of small expressions, `nix-instantiate --parse` prints its
 * normalized form of the syntax tree; test/nix-print.ts prints ours the same way; the two must be
 * identical. The only normalization (applied to both sides, see `normalizeNixOutput`) sorts the
 * bindings of `let` and the formals of lambdas, which Nix 2.8 prints in memory-address order.
 * Expressions Nix rejects as syntax errors must give a diagnostic here too.
 *
 * Skipped when nix-instantiate is not installed (.ci/run installs it when it can).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNix } from '../src/sources/nix/parser.js';
import { normalizeNixOutput, printNix } from './nix-print.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** nix-instantiate is installed and can parse (not just present). */
function hasNix(): boolean {
  try {
    return execFileSync('nix-instantiate', ['--parse', '-E', '1 + 2'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() === '(1 + 2)';
  } catch {
    return false;
  }
}
const NIX = hasNix();

function nixFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) out = out.concat(nixFiles(p));
    else if (e.endsWith('.nix')) out.push(p);
  }
  return out;
}

interface NixResult {
  ok: boolean;
  out: string;
}

/** `nix-instantiate --parse FILE`, a few at a time. */
const queue: (() => void)[] = [];
let running = 0;
function nixParse(file: string): Promise<NixResult> {
  return new Promise((resolve) => {
    const run = (): void => {
      running++;
      execFile('nix-instantiate', ['--parse', file], { env: { ...process.env, NIX_PATH: '' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        running--;
        queue.shift()?.();
        if (err) resolve({ ok: false, out: String(stderr) });
        else resolve({ ok: true, out: String(stdout).replace(/\n$/, '') });
      });
    };
    if (running < 8) run();
    else queue.push(run);
  });
}

function ours(file: string): { ok: boolean; out: string } {
  const text = readFileSync(file, 'utf8');
  const r = parseNix(file, text);
  if (!r.ast) return { ok: false, out: r.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n') };
  return { ok: true, out: printNix(r.ast, { source: text, baseDir: dirname(realpathSync(file)), home: homedir() }) };
}

async function compare(file: string, mustParse = false): Promise<void> {
  const [nix, me] = [await nixParse(file), ours(file)];
  const label = relative(root, file);
  if (mustParse) expect(nix.ok ? '' : nix.out, `${label}: the sample must be valid Nix`).toBe('');
  if (!nix.ok) {
    expect(me.ok ? `parsed, but Nix says: ${nix.out}` : 'error', `${label}: Nix rejects it`).toBe('error');
    return;
  }
  expect(me.ok ? 'parsed' : me.out, `${label}: Nix parses it`).toBe('parsed');
  expect(normalizeNixOutput(me.out), label).toBe(normalizeNixOutput(nix.out));
}

describe.skipIf(!NIX)('Nix parser against nix-instantiate --parse', () => {
  const files = [...nixFiles(join(root, 'fixtures')), ...nixFiles(join(root, 'test', 'nix-samples'))];

  it('has samples', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  const samples = join(root, 'test', 'nix-samples');
  for (const f of files) {
    it(relative(root, f), async () => {
      await compare(f, f.startsWith(samples));
    });
  }

  // Small expressions: precedence, tokens, strings, paths, errors. Free variables come from `with`.
  const tmp = NIX ? mkdtempSync(join(tmpdir(), 'unitlint-nix-oracle-')) : '';
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  const cases: string[] = [
    // precedence and associativity
    'a + b * c', 'a * b + c', 'a - b - c', 'a / b / c', 'a ++ b ++ c', 'a // b // c', 'a -> b -> c',
    'a && b || c && d', 'a || b && c', 'a == b && c != d', 'a < b == c', 'a <= b', 'a >= b', 'a > b',
    '!a', '!a + b', '!a == b', '!a // b', '!a && b', '! !a', '-a', '- -a', '-a.b', '-f x', '-a ? b', '-a ++ b',
    'a + !b', 'a * -b', 'a - -b', 'a ? b.c', 'a ? b + 1', 'a ? "b c" && x', 'a ? ${x}', 'f a b c', '(f a) b', '(a - b) c',
    'a.b.c', 'a.b or c', 'a.b or c.d or e', 'a.${x}.c', 'a."b c"', 'a.${"lit"}', 'x or', '(x or y)', 'f x or y',
    'a // b == c', 'a ++ b * c', 'a * b ++ c', '!a ? b', 'a -> b || c', '-1', '-1.5', '- 2', '1 - -1',
    'if a then b else c', 'if a then b else if c then d else e', 'assert a; b', 'with a; b', 'x: y: x y',
    '{ a, b ? 1, ... }: a', '{ a, ... } @ args: a', 'args @ { a }: a', '{ }: 1', '{ ... }: 1', '{ a, }: a',
    'let a = 1; b = a; in b', 'let a.b = 1; a.c = 2; in a', 'let inherit (x) a b; in a', 'let { body = 1; }',
    'rec { a = 1; b = a; }', '{ a.b.c = 1; a.b.d = 2; }', '{ a = { b = 1; }; a.c = 2; }', '{ "a b" = 1; "if" = 2; "" = 3; }',
    '{ ${x} = 1; "${x}y" = 2; ${"s"} = 3; }', '{ inherit a b; inherit (x) c "d"; }', '{ or = 1; }.or',
    '[ ]', '[ 1 2.5 .5 1. 1.5e-3 1e3 00.5 0.1 100000.0 1000000.0 123456789012 ]', 'a-b', "a'", '__curPos',
    // tokens
    'x:x', 'a/b', '1/2', 'a.b:c', '<nixpkgs>', '<nixpkgs/lib>', 'https://x.org/a?b=c&d=e', './.', '../a',
    './a/b/../c', '/abs/x', '~/x', '~/${x}', './a/${x}', './${x}/b/${x}c', 'a/${x}.nix', './a${x}', './a//b${x}',
    'a->b', 'a+b', 'a//b', '{a=1;}', '[a b]',
    // strings
    '"a${x}b"', '"${x}"', '""', '"\\n\\t\\r\\\\\\"\\$\\${x} \\q $${x} $x $"', '"a${"b${x}"}c"', '"${ { a = "}"; }.a }"',
    "''a''", "''''", "''\n  a\n    b\n  ''", "''\n  a\n  ''\\n  ''$ '''\n  ''", "''\n\ta\n  ''", "''   \n  x\n''", "''  x\n  y''",
    "''\r\n  a\r\n    b\r\n  ''", '"a\r\nb\rc"', "''\n  ${x}\n  ''", "''\n  a ${x}\n    b\n  ''", "''\n\n  a\n\n  ''", "''a'$b$''", "''''\\ x''", "''$${x}''",
    // syntax errors
    '[ -1 ]', '{ a = 1 }', '{ a = 1;', '"abc', "''abc", '/* x', 'a ==', 'a == b == c', 'a < b < c', 'a ? b ? c',
    '{ a, a }: a', '{ a } @ a: a', 'let ${x} = 1; in 1', '{ inherit ${x}; }', './a/', './a//b', '{ ..., a }: a',
    '<<<<<<< HEAD\n1\n=======\n2\n>>>>>>> b\n', 'if a then b', '{ if = 1; }', 'x: x: ', '1e', '~', 'a & b', 'a $ b',
  ];
  cases.forEach((c, i) => {
    it(`expression ${JSON.stringify(c)}`, async () => {
      const f = join(tmp, `case${i}.nix`);
      writeFileSync(f, `{ a, b, c, d, e, f, x, y, args, ... }: with a; (\n${c}\n)\n`);
      await compare(f);
    });
  });
});
