/**
 * deb822 control files (debian/control, DEBIAN/control): paragraphs of `Field: value` lines, with
 * continuation lines that start with white space.
 */

/** Fields whose line breaks carry meaning (deb822 "multiline"); the others are folded onto one line. */
const MULTILINE = new Set(['description', 'conffiles', 'md5sums', 'checksums-sha1', 'checksums-sha256', 'files']);

export interface Paragraph {
  fields: Record<string, string>;
  /** 1-based line of the paragraph's first field. */
  line: number;
}

/**
 * Every paragraph. Multiline fields keep their lines ('\n', leading space removed); folded fields
 * are joined with spaces; a repeated field keeps its first value; `#` comment lines are skipped.
 */
export function parseParagraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  let cur: Paragraph | undefined;
  let key: string | undefined;
  text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .forEach((raw, i) => {
      if (/^\s*$/.test(raw)) {
        cur = undefined;
        key = undefined;
        return;
      }
      if (raw.startsWith('#')) return;
      if (/^[ \t]/.test(raw)) {
        if (!cur || key === undefined) return;
        const f = cur.fields;
        f[key] = MULTILINE.has(key.toLowerCase()) ? `${f[key]}\n${raw.slice(1)}` : `${f[key]} ${raw.trim()}`.trim();
        return;
      }
      const colon = raw.indexOf(':');
      if (colon <= 0) {
        key = undefined;
        return;
      }
      if (!cur) out.push((cur = { fields: {}, line: i + 1 }));
      key = raw.slice(0, colon).trim();
      if (key in cur.fields) {
        key = undefined; // a repeated field: the first one counts
        return;
      }
      cur.fields[key] = raw.slice(colon + 1).trim();
    });
  return out;
}

/** The first paragraph's fields (DEBIAN/control has one). */
export function parseControl(text: string): Record<string, string> {
  return parseParagraphs(text)[0]?.fields ?? {};
}
