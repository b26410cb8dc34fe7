/**
 * Every folder in fixtures/ is a scenario: a tree of input files plus expect.json, which lists the
 * exact findings the scenario must produce (rule, severity, file, line; optionally unit and message
 * fragments) and the ones it must not produce. Any finding not listed fails the test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { validateConfig, defaultConfig } from '../src/config.js';
import type { Finding } from '../src/types.js';

import { FIXTURES_DIR, fixtureNames, readSpec } from './helpers.js';

const key = (f: { rule: string; severity: string; file: string; line: number }) => `${f.rule} ${f.severity} ${f.file}:${f.line}`;
const fkey = (f: Finding) => key({ rule: f.ruleId, severity: f.severity, file: f.location.file, line: f.location.line });

describe('fixtures', () => {
  for (const name of fixtureNames()) {
    it(name, async () => {
      const dir = path.join(FIXTURES_DIR, name);
      const spec = readSpec(name);
      const cfgFile = path.join(dir, 'unitlint.config.json');
      const config = spec.config
        ? validateConfig(spec.config, `${name}/expect.json#config`)
        : fs.existsSync(cfgFile)
          ? validateConfig(JSON.parse(fs.readFileSync(cfgFile, 'utf8')), cfgFile)
          : defaultConfig();
      const res = await lint({ paths: [dir], cwd: dir, config });
      expect(res.failures).toEqual([]);
      const actual = res.findings.map(fkey).sort();
      const wanted = spec.findings.map(key).sort();
      expect(actual, `findings of ${name}:\n${res.findings.map((f) => `${fkey(f)}  ${f.message.split('\n')[0]}`).join('\n')}`).toEqual(wanted);
      const used = new Set<Finding>();
      for (const e of spec.findings) {
        // Several findings can share a line (e.g. one drop-in line affecting many units): match by unit too.
        const f = res.findings.find((x) => !used.has(x) && fkey(x) === key(e) && (e.unit === undefined || x.unit === e.unit));
        expect(f, `${key(e)} for unit ${e.unit}`).toBeDefined();
        if (!f) continue;
        used.add(f);
        if (e.unit !== undefined) expect(f.unit, key(e)).toBe(e.unit);
        for (const m of e.message ?? []) expect(f.message, key(e)).toContain(m);
        if (e.related !== undefined) expect(f.related.length, `related of ${key(e)}`).toBe(e.related);
        expect(f.fix.description.length, `fix of ${key(e)}`).toBeGreaterThan(10);
      }
      for (const a of spec.absent ?? []) {
        const hit = res.findings.find((f) => f.ruleId === a.rule && (a.unit === undefined || f.unit === a.unit) && (a.file === undefined || f.location.file === a.file) && (a.line === undefined || f.location.line === a.line));
        expect(hit, `must not report ${a.rule} ${a.unit ?? a.file ?? ''}: ${a.why}`).toBeUndefined();
      }
    });
  }
});
