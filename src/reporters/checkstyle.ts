/**
 * Checkstyle XML (the format Jenkins' warnings-ng, reviewdog, GitLab code-quality converters and many CI
 * systems read): one <file> per file with findings, one <error> per finding, severity error|warning|info,
 * `source` = unitlint.RULE. The message carries the headline, the fix and the rule page.
 */
import { headline } from './full.js';
import { RULE_DOCS_BASE, type Reporter } from './types.js';
import { xmlEscape } from './xml.js';

export const checkstyleReporter: Reporter = (input) => {
  const byFile = new Map<string, typeof input.findings>();
  for (const f of input.findings) {
    let arr = byFile.get(f.location.file);
    if (!arr) byFile.set(f.location.file, (arr = []));
    arr.push(f);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<checkstyle version="4.3">`];
  for (const [file, fs] of byFile) {
    out.push(`  <file name="${xmlEscape(file)}">`);
    for (const f of fs) {
      const msg = `${headline(f.message)} Fix: ${f.fix.description} (${RULE_DOCS_BASE}${f.ruleId}.md)`;
      out.push(`    <error line="${f.location.line}" column="${f.location.column}" severity="${f.severity}" message="${xmlEscape(msg)}" source="unitlint.${xmlEscape(f.ruleId)}"/>`);
    }
    out.push('  </file>');
  }
  out.push('</checkstyle>');
  return out.join('\n') + '\n';
};

export default checkstyleReporter;
