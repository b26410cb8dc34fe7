/**
 * Word splitting as systemd's extract_first_word() does it (src/basic/extract-word.c): white space
 * separates words, single and double quotes group (and are removed when unquoting), a backslash
 * escapes the next character. Offsets let rules point at one word of a list.
 */

export interface Word {
  text: string;
  /** Offset of the word's first character in the value (0-based). */
  start: number;
  /** Offset just past the word's last character. */
  end: number;
}

export interface SplitOptions {
  /** Remove quotes (EXTRACT_UNQUOTE). Default true. */
  unquote?: boolean;
  /** Interpret C escapes like \n, \t, \x41 (EXTRACT_CUNESCAPE). Default false: the backslash is dropped and the next char kept. */
  cunescape?: boolean;
  /** Keep backslashes as they are (EXTRACT_RETAIN_ESCAPE, used for unit-name lists). */
  retainEscape?: boolean;
}

const SEP = new Set([' ', '\t', '\n', '\r']);

const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };

export function splitWords(value: string, opts: SplitOptions = {}): Word[] {
  const unquote = opts.unquote ?? true;
  const words: Word[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && SEP.has(value[i])) i++;
    if (i >= n) break;
    const start = i;
    let text = '';
    let quote: string | null = null;
    while (i < n) {
      const c = value[i];
      if (c === '\\') {
        if (i + 1 >= n) {
          if (opts.retainEscape) text += c;
          i++;
          break;
        }
        const nx = value[i + 1];
        if (opts.retainEscape) {
          text += c + nx;
          i += 2;
          continue;
        }
        if (opts.cunescape) {
          if (nx === 'x' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 2, i + 4))) {
            text += String.fromCharCode(parseInt(value.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          if (nx in C_ESCAPES) {
            text += C_ESCAPES[nx];
            i += 2;
            continue;
          }
        }
        text += nx;
        i += 2;
        continue;
      }
      if (quote) {
        if (c === quote) {
          quote = null;
          if (!unquote) text += c;
          i++;
          continue;
        }
        text += c;
        i++;
        continue;
      }
      if ((c === '"' || c === "'") && unquote) {
        quote = c;
        i++;
        continue;
      }
      if (SEP.has(c)) break;
      text += c;
      i++;
    }
    words.push({ text, start, end: i });
  }
  return words;
}

/** Splits a unit-name list (After=, Wants=, …) like config_parse_unit_deps. */
export function splitUnitList(value: string): Word[] {
  return splitWords(value, { unquote: false, retainEscape: true });
}
