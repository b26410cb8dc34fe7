/**
 * SARIF 2.1.0 output (GitHub code scanning, VS Code SARIF viewer, …): one run, every registered rule in
 * tool.driver.rules, paths relative to %SRCROOT% (the working directory).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Location, RuleMeta, Severity } from '../types.js';
import { headline } from './full.js';
import { RULE_DOCS_BASE, type Reporter } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SRCROOT = '%SRCROOT%';
export const FINGERPRINT_KEY = 'unitlint/v1';
const INFORMATION_URI = RULE_DOCS_BASE.replace(/\/blob\/.*$/, '');

type SarifLevel = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

/** `ordering-cycle` → `OrderingCycle`. */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/**
 * A relative POSIX path as a URI reference: every character outside RFC 3986 `pchar` (unreserved, sub-delims,
 * `@`) is percent-encoded as UTF-8, including `:` (a colon in the first segment would read as a scheme), `%`,
 * `#`, `?`, spaces and backslashes (systemd's `\x2d` escapes). Absolute paths become `file://` URIs.
 */
export function pathToUri(file: string): { uri: string; uriBaseId?: string } {
  // systemd's own units ("systemd:/lib/systemd/system/x") live on the host, not in the repository.
  if (file.startsWith('systemd:')) return { uri: pathToFileURL(file.slice('systemd:'.length)).href };
  if (path.isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const uri = file
    .split('/')
    .map((seg) =>
      seg.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=@]/gu, (ch) =>
        Array.from(Buffer.from(ch, 'utf8'), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
      ),
    )
    .join('/');
  return { uri, uriBaseId: SRCROOT };
}

/** Stable across edits that move lines: rule, unit, file and the headline only. */
export function fingerprint(f: Finding): string {
  return createHash('sha256')
    .update(JSON.stringify([f.ruleId, f.unit, f.location.file, headline(f.message)]))
    .digest('hex');
}

const pos = (n: number) => (Number.isFinite(n) && n >= 1 ? Math.trunc(n) : 1);

function physicalLocation(loc: Location) {
  const startLine = pos(loc.line);
  const endLine = Math.max(startLine, pos(loc.endLine));
  const startColumn = pos(loc.column);
  const endColumn = endLine === startLine ? Math.max(startColumn, pos(loc.endColumn)) : pos(loc.endColumn);
  return {
    artifactLocation: pathToUri(loc.file),
    region: { startLine, startColumn, endLine, endColumn },
  };
}

function ruleDescriptor(r: RuleMeta) {
  return {
    id: r.id,
    name: pascalCase(r.id),
    shortDescription: { text: r.summary },
    fullDescription: { text: r.summary },
    help: { text: r.docs, markdown: r.docs },
    helpUri: `${RULE_DOCS_BASE}${r.id}.md`,
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: { category: r.category, tags: [r.category] },
  };
}

export const sarifReporter: Reporter = (input) => {
  const rules = [...input.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const cwdUri = pathToFileURL(path.resolve(input.cwd)).href.replace(/\/*$/, '/');

  const results = input.findings.map((f) => {
    const ruleIndex = index.get(f.ruleId);
    return {
      ruleId: f.ruleId,
      ...(ruleIndex === undefined ? {} : { ruleIndex }),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [{ physicalLocation: physicalLocation(f.location) }],
      ...(f.related.length
        ? {
            relatedLocations: f.related.map((r, id) => ({
              id,
              physicalLocation: physicalLocation(r.location),
              message: { text: r.message },
            })),
          }
        : {}),
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(f) },
      properties: { fix: f.fix.description, unit: f.unit },
    };
  });

  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'unitlint',
            version: input.toolVersion,
            informationUri: INFORMATION_URI,
            rules: rules.map(ruleDescriptor),
          },
        },
        invocations: [{ executionSuccessful: true }],
        originalUriBaseIds: { [SRCROOT]: { uri: cwdUri } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
};

export default sarifReporter;
