/** The generated systemd catalog (src/catalog): real facts about systemd 252 and later releases. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  builtinUnits,
  catalogBaseVersion,
  directiveInfo,
  isKnownDistroUnit,
  knownSections,
  sectionKeys,
  sectionsDefiningKey,
  sectionsForUnitType,
  specialUnitReason,
  valueInfo,
} from '../src/catalog/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const unit = (name: string) => builtinUnits().find((u) => u.name === name);
const lines = (text: string, key: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(key + '='))
    .flatMap((l) => l.slice(key.length + 1).split(/\s+/))
    .filter(Boolean);

describe('directive catalog', () => {
  it('is based on systemd 252', () => {
    expect(catalogBaseVersion()).toBe(252);
  });

  it('knows systemd 252 directives with since null', () => {
    expect(directiveInfo('Service', 'RestartSec')).toEqual({ section: 'Service', key: 'RestartSec', type: 'SECONDS', since: null });
    expect(directiveInfo('Unit', 'After')).toMatchObject({ type: 'UNIT [...]', since: null });
    expect(directiveInfo('Service', 'ExitType')?.since).toBeNull();
    expect(directiveInfo('Install', 'WantedBy')?.since).toBeNull();
  });

  it('dates directives added after 252', () => {
    expect(directiveInfo('Service', 'RestartSteps')?.since).toBe(254);
    expect(directiveInfo('Service', 'RestartMaxDelaySec')?.since).toBe(254);
    expect(directiveInfo('Service', 'OpenFile')?.since).toBe(253);
    expect(directiveInfo('Service', 'MemoryZSwapMax')?.since).toBe(253);
    expect(directiveInfo('Service', 'ImportCredential')?.since).toBe(254);
    expect(directiveInfo('Unit', 'SurviveFinalKillSignal')?.since).toBe(255);
    expect(directiveInfo('Service', 'PrivatePIDs')?.since).toBe(257);
    expect(directiveInfo('Socket', 'PrivatePIDs')?.since).toBe(257);
    expect(directiveInfo('Service', 'RefreshOnReload')?.since).toBe(260);
    expect(directiveInfo('Install', 'UpheldBy')?.since).toBe(254);
  });

  it('keeps the start-limit settings in [Unit], with the old names also accepted in [Service]', () => {
    expect(directiveInfo('Service', 'StartLimitIntervalSec')).toBeUndefined();
    expect(directiveInfo('Service', 'StartLimitInterval')).toMatchObject({ since: null });
    expect(directiveInfo('Unit', 'StartLimitIntervalSec')).toMatchObject({ since: null });
    expect(sectionsDefiningKey('StartLimitBurst')).toEqual(['Service', 'Unit']);
    expect(sectionsDefiningKey('After')).toEqual(['Unit']);
  });

  it('records the cgroup-v1 settings removed later, with their replacement', () => {
    expect(directiveInfo('Service', 'MemoryLimit')).toMatchObject({ since: null, removed: 258, replacement: 'MemoryMax=' });
    expect(directiveInfo('Slice', 'CPUShares')).toMatchObject({ removed: 258, replacement: 'CPUWeight=' });
    expect(directiveInfo('Service', 'BlockIOWeight')).toMatchObject({ removed: 258, replacement: 'IOWeight=' });
    expect(directiveInfo('Service', 'MemoryMax')?.removed).toBeUndefined();
  });

  it('treats Type=notify-reload as a value, not a directive', () => {
    expect(valueInfo('Service', 'Type', 'notify-reload')).toEqual({ since: 253 });
    expect(valueInfo('Service', 'Type', 'notify')).toBeUndefined();
    expect(directiveInfo('Service', 'notify-reload')).toBeUndefined();
  });

  it('lists sections and keys', () => {
    expect(knownSections()).toEqual(['Automount', 'Install', 'Mount', 'Path', 'Scope', 'Service', 'Slice', 'Socket', 'Swap', 'Timer', 'Unit']);
    expect(sectionKeys('Install').sort()).toEqual(['Alias', 'Also', 'DefaultInstance', 'RequiredBy', 'UpheldBy', 'WantedBy']);
    expect(sectionKeys('Timer')).toContain('OnCalendar');
    expect(sectionKeys('Nope')).toEqual([]);
  });

  it('knows which sections each unit type reads (src/core/*.c .sections)', () => {
    expect(sectionsForUnitType('service')).toEqual(['Unit', 'Service', 'Install']);
    expect(sectionsForUnitType('.timer')).toEqual(['Unit', 'Timer', 'Install']);
    // systemd accepts an empty [Target] section, but knows no directive in it
    expect(sectionsForUnitType('target')).toEqual(['Unit', 'Target', 'Install']);
    expect(sectionKeys('Target')).toEqual([]);
    expect(sectionsForUnitType('bogus')).toEqual([]);
  });
});

describe('builtin units', () => {
  it('are sorted and come from systemd 252 packages', () => {
    const names = builtinUnits().map((u) => u.name);
    expect(names).toEqual([...names].sort());
    expect(unit('sysinit.target')?.path).toMatch(/^\/(usr\/)?lib\/systemd\/system\/sysinit\.target$/);
  });

  it('keep the real dependencies of the boot targets', () => {
    const sysinit = unit('sysinit.target')!;
    expect(lines(sysinit.text, 'After')).toContain('local-fs.target');
    expect(sysinit.text).not.toMatch(/^#/m);
    expect(sysinit.wants).toContain('systemd-journald.service');
    expect(lines(unit('basic.target')!.text, 'After')).toContain('sysinit.target');
    expect(lines(unit('basic.target')!.text, 'Requires')).toContain('sysinit.target');
    expect(lines(unit('multi-user.target')!.text, 'Requires')).toContain('basic.target');
    expect(unit('network-online.target')).toBeDefined();
    expect(unit('graphical.target')!.aliases).toContain('default.target');
  });

  it('explain units that exist without a file', () => {
    expect(specialUnitReason('-.slice')).toBeDefined();
    expect(specialUnitReason('init.scope')).toBeDefined();
    expect(specialUnitReason('dbus.service')).toMatch(/D-Bus/);
    expect(specialUnitReason('sysinit.target')).toBeUndefined();
  });

  it('know units of other Debian packages when known-units.json exists', () => {
    const present = fs.existsSync(path.join(root, 'src/catalog/known-units.json'));
    expect(isKnownDistroUnit('networking.service')).toBe(present);
    expect(isKnownDistroUnit('no-such-unit-anywhere.service')).toBe(false);
  });
});

describe('builtin user units (per-user service manager)', () => {
  const userUnit = (name: string) => builtinUnits('user').find((u) => u.name === name);
  const known = (name: string) => userUnit(name) !== undefined || specialUnitReason(name, 'user') !== undefined;
  const knownUnits = fs.existsSync(path.join(root, 'src/catalog/known-units.json'))
    ? (JSON.parse(fs.readFileSync(path.join(root, 'src/catalog/known-units.json'), 'utf8')) as { units: string[]; userUnits?: string[] })
    : undefined;

  it('are sorted, shipped under systemd/user, and are not the system units', () => {
    const names = builtinUnits('user').map((u) => u.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['default.target', 'basic.target', 'sockets.target', 'timers.target', 'paths.target']));
    expect(names).toEqual(expect.arrayContaining(['app.slice', 'session.slice', 'background.slice', 'systemd-tmpfiles-setup.service']));
    for (const u of builtinUnits('user')) expect(u.path).toMatch(/^\/(usr\/)?lib\/systemd\/user\/[^/]+$/);
    expect(names).not.toContain('sysinit.target');
    expect(names).not.toContain('multi-user.target');
  });

  it('keep the user basic.target and default.target, which differ from the system ones', () => {
    const basic = userUnit('basic.target')!;
    expect(basic.text).not.toMatch(/sysinit\.target/);
    expect(lines(basic.text, 'Wants')).toEqual(expect.arrayContaining(['sockets.target', 'timers.target', 'paths.target']));
    expect(unit('basic.target')!.text).toMatch(/sysinit\.target/);
    // default.target is a real unit in the user manager, not an alias of graphical.target
    expect(lines(userUnit('default.target')!.text, 'Requires')).toContain('basic.target');
    expect(userUnit('graphical.target')).toBeUndefined();
  });

  it('know the special(7) user units, shipped or not', () => {
    for (const n of ['default.target', 'exit.target', 'shutdown.target', 'sockets.target', 'timers.target', 'paths.target',
      'bluetooth.target', 'printer.target', 'smartcard.target', 'sound.target', 'graphical-session.target',
      'graphical-session-pre.target', 'xdg-desktop-autostart.target', '-.slice', 'app.slice', 'background.slice', 'session.slice'])
      expect(known(n), n).toBe(true);
    expect(specialUnitReason('-.slice', 'user')).toMatch(/user manager/);
    expect(specialUnitReason('init.scope', 'user')).toBeDefined();
    expect(specialUnitReason('sysinit.target', 'user')).toBeUndefined();
    expect(specialUnitReason('system.slice', 'user')).toBeUndefined();
    expect(known('sysinit.target')).toBe(false);
  });

  it('know units of other Debian packages for the user manager', () => {
    const listed = knownUnits?.userUnits?.includes('org.gnome.SettingsDaemon.Power.target') ?? false;
    expect(isKnownDistroUnit('org.gnome.SettingsDaemon.Power.target', 'user')).toBe(listed);
    expect(isKnownDistroUnit('org.gnome.SettingsDaemon.Power.target')).toBe(knownUnits?.units.includes('org.gnome.SettingsDaemon.Power.target') ?? false);
    expect(isKnownDistroUnit('dbus.socket', 'user')).toBe(knownUnits?.userUnits?.includes('dbus.socket') ?? false);
    expect(isKnownDistroUnit('networking.service', 'user')).toBe(false);
    expect(isKnownDistroUnit('no-such-unit-anywhere.service', 'user')).toBe(false);
  });

  it('leave the system scope as the default', () => {
    expect(builtinUnits('system')).toEqual(builtinUnits());
    expect(specialUnitReason('app.slice', 'system')).toBe(specialUnitReason('app.slice'));
    expect(specialUnitReason('-.slice')).toMatch(/PID 1/);
    expect(isKnownDistroUnit('networking.service', 'system')).toBe(isKnownDistroUnit('networking.service'));
  });
});

describe('gen-builtin-units.mjs', () => {
  const deb = '/tmp/debs252/udev_252.38-1~deb12u1_amd64.deb';
  const canRun = (() => {
    try {
      execFileSync('dpkg-query', ['-W', 'systemd'], { stdio: 'ignore' });
      return fs.existsSync(deb);
    } catch {
      return false;
    }
  })();

  it.skipIf(!canRun)('is deterministic and matches the committed builtin-units.json and builtin-user-units.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-builtin-'));
    try {
      const args = (tag: string) => [path.join(root, 'scripts/gen-builtin-units.mjs'), '--deb', deb, '--out', path.join(dir, `${tag}-system.json`), '--user-out', path.join(dir, `${tag}-user.json`)];
      execFileSync(process.execPath, args('a'), { stdio: 'ignore' });
      execFileSync(process.execPath, args('b'), { stdio: 'ignore' });
      for (const scope of ['system', 'user']) {
        const out = fs.readFileSync(path.join(dir, `a-${scope}.json`), 'utf8');
        expect(fs.readFileSync(path.join(dir, `b-${scope}.json`), 'utf8')).toBe(out);
        const committed = scope === 'system' ? 'builtin-units.json' : 'builtin-user-units.json';
        expect(out).toBe(fs.readFileSync(path.join(root, 'src/catalog', committed), 'utf8'));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gen-catalog.mjs', () => {
  it('is deterministic and matches the committed directives.json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-catalog-'));
    try {
      const a = path.join(dir, 'a.json');
      const b = path.join(dir, 'b.json');
      execFileSync(process.execPath, [path.join(root, 'scripts/gen-catalog.mjs'), a], { stdio: 'ignore' });
      execFileSync(process.execPath, [path.join(root, 'scripts/gen-catalog.mjs'), b], { stdio: 'ignore' });
      const out = fs.readFileSync(a, 'utf8');
      expect(fs.readFileSync(b, 'utf8')).toBe(out);
      expect(out).toBe(fs.readFileSync(path.join(root, 'src/catalog/directives.json'), 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cites a source for every post-252 entry', () => {
    const post = JSON.parse(fs.readFileSync(path.join(root, 'scripts/data/directives-post-252.json'), 'utf8'));
    for (const list of [post.directives, post.removed, post.values]) {
      expect(list.length).toBeGreaterThan(0);
      for (const e of list) expect(e.source, `${e.section}.${e.key}`).toMatch(/\S/);
    }
  });
});
