/**
 * Oracle for ordering cycles: systemd itself. Each ordering fixture is copied, every unit with
 * [Install] WantedBy= is enabled (linked into the target's .wants/ folder, as `systemctl enable` does),
 * and `systemd-analyze verify` builds the boot transaction for graphical.target and for each unit.
 * systemd must report a cycle exactly when unitlint does, through the same units.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { defaultConfig } from '../src/config.js';
import { FIXTURES_DIR } from './helpers.js';

const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;
const CASES = fs.readdirSync(FIXTURES_DIR).filter((n) => n.startsWith('ordering-cycle') || n === 'templates-instances' || n === 'requires-without-after');

function copyEnabled(src: string): { dir: string; units: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-cycles-'));
  const units: string[] = [];
  const walk = (from: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const p = path.join(from, e.name);
      if (e.isDirectory() && !e.name.endsWith('.wants') && !e.name.endsWith('.d')) walk(p);
      else if (e.isDirectory()) {
        fs.cpSync(p, path.join(dir, e.name), { recursive: true, verbatimSymlinks: true });
      } else if (/\.(service|socket|target|timer|path|mount)$/.test(e.name)) {
        if (e.isSymbolicLink() && fs.readlinkSync(p) === '/dev/null') {
          fs.rmSync(path.join(dir, e.name), { force: true });
          fs.symlinkSync('/dev/null', path.join(dir, e.name));
          continue;
        }
        if (fs.existsSync(path.join(dir, e.name)) && fs.lstatSync(path.join(dir, e.name)).isSymbolicLink()) continue;
        const text = fs.readFileSync(p, 'utf8');
        fs.writeFileSync(path.join(dir, e.name), text);
        if (!e.name.includes('@.')) units.push(e.name);
        for (const m of text.matchAll(/^WantedBy=(.+)$/gm)) {
          for (const t of m[1].trim().split(/\s+/)) {
            fs.mkdirSync(path.join(dir, `${t}.wants`), { recursive: true });
            const link = path.join(dir, `${t}.wants`, e.name);
            if (!fs.existsSync(link)) fs.symlinkSync(`../${e.name}`, link);
          }
        }
      }
    }
  };
  walk(src);
  return { dir, units };
}

function systemdCycles(dir: string, units: string[]): string[][] {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', 'graphical.target', ...units], {
    encoding: 'utf8',
    env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
  });
  const cycles: string[][] = [];
  let cur: string[] | undefined;
  for (const line of r.stderr.split('\n')) {
    const found = /Found ordering cycle on (\S+)\/start/.exec(line);
    if (found) cycles.push((cur = [found[1]]));
    const dep = /Found dependency on (\S+)\/start/.exec(line);
    if (dep && cur) cur.push(dep[1]);
  }
  return cycles;
}

describe.skipIf(!hasSystemd)('ordering cycles agree with systemd-analyze verify', () => {
  for (const name of CASES) {
    it(name, async () => {
      const { dir, units } = copyEnabled(path.join(FIXTURES_DIR, name));
      const theirs = systemdCycles(dir, units);
      const res = await lint({ paths: [path.join(FIXTURES_DIR, name)], cwd: FIXTURES_DIR, config: defaultConfig() });
      const ours = res.findings.filter((f) => f.ruleId === 'ordering-cycle');
      expect(ours.length > 0, `systemd found ${JSON.stringify(theirs)}`).toBe(theirs.length > 0);
      // systemd prints the path its search happened to take (it may run through units of other
      // packages installed on this machine, e.g. dbus.socket); ours shows a shortest cycle. They must
      // agree on the input's units.
      for (const c of theirs) {
        const inputUnits = c.filter((u) => units.includes(u) || u.includes('@'));
        const covered = ours.some((f) => inputUnits.every((u) => f.message.includes(u)));
        expect(covered, `systemd's cycle ${c.join(' → ')} is not in our findings`).toBe(true);
      }
    });
  }
});
