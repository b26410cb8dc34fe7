/**
 * JUnit XML (read by GitLab, Jenkins, Azure Pipelines, CircleCI…): one <testsuite> per rule that ran,
 * one failed <testcase> per finding (named by its location), and one passing <testcase> for a rule
 * without findings, so that the report shows what was checked. The failure text is the whole message,
 * the fix and the rule page.
 */
import { headline } from './full.js';
import { RULE_DOCS_BASE, type Reporter } from './types.js';
import { xmlEscape } from './xml.js';

export const junitReporter: Reporter = (input) => {
  const byRule = new Map<string, typeof input.findings>();
  for (const r of input.rules) byRule.set(r.id, []);
  for (const f of input.findings) {
    let arr = byRule.get(f.ruleId);
    if (!arr) byRule.set(f.ruleId, (arr = []));
    arr.push(f);
  }
  const ids = [...byRule.keys()].sort();
  const seconds = (input.stats.durationMs / 1000).toFixed(3);
  const failures = input.findings.length;
  const tests = ids.reduce((n, id) => n + Math.max(1, byRule.get(id)!.length), 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="unitlint" tests="${tests}" failures="${failures}" errors="0" time="${seconds}">`];
  for (const id of ids) {
    const fs = byRule.get(id)!;
    out.push(`  <testsuite name="unitlint.${xmlEscape(id)}" tests="${Math.max(1, fs.length)}" failures="${fs.length}" errors="0" skipped="0">`);
    if (!fs.length) out.push(`    <testcase classname="unitlint.${xmlEscape(id)}" name="no findings"/>`);
    for (const f of fs) {
      const where = `${f.location.file}:${f.location.line}:${f.location.column}`;
      const body = `${f.message}\n\nFix: ${f.fix.description}\nDocs: ${RULE_DOCS_BASE}${f.ruleId}.md`;
      out.push(`    <testcase classname="unitlint.${xmlEscape(id)}" name="${xmlEscape(where)}" file="${xmlEscape(f.location.file)}" line="${f.location.line}">`);
      out.push(`      <failure type="${f.severity}" message="${xmlEscape(`${f.severity}: ${headline(f.message)}`)}">${xmlEscape(body)}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
};

export default junitReporter;
