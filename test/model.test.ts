/** The unit model and the boot graph: drop-ins, masks, aliases, instances, implicit edges. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject, loadProjects } from '../src/model/load.js';
import { buildGraph } from '../src/graph/build.js';
import { restartPolicy, restartDelay } from '../src/model/restart.js';

function tree(files: Record<string, string | { link: string }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-model-'));
  for (const [f, v] of Object.entries(files)) {
    const p = path.join(dir, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === 'string') fs.writeFileSync(p, v);
    else fs.symlinkSync(v.link, p);
  }
  return dir;
}
const load = (dir: string) => loadProject([dir], { cwd: dir, ignore: [] });

describe('drop-ins', () => {
  it('apply in lexical order of file name across name, template, prefix and type folders; a drop-in sets the effective value and its provenance', () => {
    const dir = tree({
      'lib/systemd/system/foo-bar@.service': '[Service]\nExecStart=/bin/a\nRestartSec=1\nEnvironment=A=1\n',
      'etc/systemd/system/foo-bar@x.service.d/20-name.conf': '[Service]\nRestartSec=20\n',
      'etc/systemd/system/foo-bar@.service.d/10-template.conf': '[Service]\nRestartSec=10\nEnvironment=\nEnvironment=B=2\n',
      'etc/systemd/system/foo-.service.d/30-prefix.conf': '[Service]\nRestartSec=30\n',
      'etc/systemd/system/service.d/05-type.conf': '[Service]\nRestartSec=5\n',
      'etc/systemd/system/multi-user.target.wants/foo-bar@x.service': { link: '/lib/systemd/system/foo-bar@.service' },
    });
    const p = load(dir);
    const u = p.units.get('foo-bar@x.service')!;
    expect(u.template).toBe('foo-bar@.service');
    expect(u.dropins.map((d) => path.basename(d.file))).toEqual(['05-type.conf', '10-template.conf', '20-name.conf', '30-prefix.conf']);
    const rs = u.get('Service', 'RestartSec')!;
    expect(rs.value).toBe('30');
    expect(path.basename(rs.at.file)).toBe('30-prefix.conf');
    // Environment=: the empty assignment in a drop-in resets the list
    expect(u.list('Service', 'Environment').map((v) => v.value)).toEqual(['B=2']);
  });

  it('cannot reset dependency lists (After= accumulates even after an empty assignment)', () => {
    const dir = tree({ 'a.service': '[Unit]\nAfter=b.service\n[Service]\nExecStart=/bin/a\n', 'a.service.d/x.conf': '[Unit]\nAfter=\nAfter=c.service\n' });
    const g = buildGraph(load(dir));
    expect(g.hasDirectOrder('b.service', 'a.service')).toBe(true);
    expect(g.hasDirectOrder('c.service', 'a.service')).toBe(true);
  });

  it('a drop-in folder for a unit the tree lacks makes a partial unit', () => {
    const p = load(tree({ 'nginx.service.d/override.conf': '[Service]\nRestart=always\n' }));
    const u = p.units.get('nginx.service')!;
    expect(u.partial).toBe(true);
    expect(u.get('Service', 'Restart')?.value).toBe('always');
  });

  it('prefers /etc over /lib for the same unit name', () => {
    const p = load(tree({ 'lib/systemd/system/a.service': '[Service]\nExecStart=/bin/lib\n', 'etc/systemd/system/a.service': '[Service]\nExecStart=/bin/etc\n' }));
    expect(p.units.get('a.service')!.get('Service', 'ExecStart')?.value).toBe('/bin/etc');
  });
});

describe('masks, aliases, links, instances', () => {
  it('a link to /dev/null masks the unit; masked units add no edges', () => {
    const dir = tree({ 'a.service': '[Unit]\nBefore=b.service\n[Service]\nExecStart=/bin/a\n', 'etc/a.service': { link: '/dev/null' } });
    const p = load(dir);
    expect(p.units.get('a.service')!.masked).toBeTruthy();
    expect(buildGraph(p).hasDirectOrder('a.service', 'b.service')).toBe(false);
  });

  it('aliases from symlinks and Alias= resolve to the unit', () => {
    const p = load(tree({
      'real.service': '[Service]\nExecStart=/bin/r\n[Install]\nAlias=nick.service\n',
      'other.service': { link: 'real.service' },
    }));
    expect(p.resolve('nick.service')?.name).toBe('real.service');
    expect(p.resolve('other.service')?.name).toBe('real.service');
  });

  it('.wants/ links are Wants= of the folder owner; targets order after what they want', () => {
    const g = buildGraph(load(tree({
      'app.service': '[Service]\nExecStart=/bin/app\n',
      'multi-user.target.wants/app.service': { link: '../app.service' },
    })));
    expect(g.depsFrom('multi-user.target').some((e) => e.kind === 'wants' && e.to === 'app.service')).toBe(true);
    const e = g.orderEdgesBetween('app.service', 'multi-user.target');
    expect(e).toHaveLength(1);
    expect(e[0].prov.implicit).toMatch(/a target orders itself after the units it pulls in/);
  });

  it('instances expand specifiers per instance', () => {
    const p = load(tree({
      'w@.service': '[Unit]\nAfter=prep-%i.service\n[Service]\nExecStart=/bin/w %I\n',
      'batch.service': '[Unit]\nWants=w@a-b.service\n[Service]\nExecStart=/bin/b\n',
    }));
    const u = p.units.get('w@a-b.service')!;
    expect(u.get('Service', 'ExecStart')?.value).toBe('/bin/w a/b');
    expect(buildGraph(p).hasDirectOrder('prep-a-b.service', 'w@a-b.service')).toBe(true);
  });

  it('puts user-manager units in their own project', () => {
    const ps = loadProjects([tree({
      'usr/lib/systemd/user/agent.service': '[Service]\nExecStart=/bin/agent\n[Install]\nWantedBy=default.target\n',
      'lib/systemd/system/daemon.service': '[Service]\nExecStart=/bin/d\n',
    })], { cwd: '/', ignore: [] });
    expect(ps.map((p) => [p.scope, p.inputUnits().map((u) => u.name)])).toEqual([['system', ['daemon.service']], ['user', ['agent.service']]]);
    const g = buildGraph(ps[1]);
    expect(g.hasDirectOrder('sysinit.target', 'agent.service')).toBe(false);
    expect(g.hasDirectOrder('basic.target', 'agent.service')).toBe(true);
  });

  it('a link to a unit file outside the tree is a unit whose content we do not see, not an error', () => {
    const p = load(tree({ 'etc/systemd/system/agent.service': { link: '/nonexistent/lib/systemd/system/agent.service' } }));
    expect(p.problems).toEqual([]);
    expect(p.units.get('agent.service')?.partial).toBe(true);
  });

  it('keeps the backslashes of escaped unit names (fast-glob must not turn them into slashes)', () => {
    const p = load(tree({ 'system-systemd\\x2dcryptsetup.slice': '[Unit]\nDescription=x\n', 'srv-a\\x2db.mount': '[Mount]\nWhat=/dev/sdb\nWhere=/srv/a-b\n' }));
    expect(p.problems).toEqual([]);
    expect(p.inputUnits().map((u) => u.name)).toEqual(['srv-a\\x2db.mount', 'system-systemd\\x2dcryptsetup.slice']);
  });

  it('skips D-Bus activation files and XML that end in .service', () => {
    const p = load(tree({
      'usr/share/dbus-1/system-services/org.x.service': '[D-BUS Service]\nName=org.x\nExec=/bin/x\n',
      'avahi/ssh.service': '<?xml version="1.0"?>\n<service-group/>\n',
    }));
    expect(p.inputUnits()).toEqual([]);
    expect(p.problems).toEqual([]);
  });
});

describe('implicit dependencies (systemd 252)', () => {
  const g = buildGraph(load(tree({
    'web.socket': '[Socket]\nListenStream=80\n',
    'web.service': '[Service]\nExecStart=/bin/web\n',
    'bus.service': '[Service]\nType=dbus\nBusName=org.x\nExecStart=/bin/bus\nPrivateTmp=yes\nStateDirectory=bus\n',
    'early.service': '[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/e\nStandardOutput=null\nStandardError=null\n',
    'nightly.timer': '[Timer]\nOnCalendar=daily\n',
    'nightly.service': '[Service]\nType=oneshot\nExecStart=/bin/n\n',
  })));
  const why = (a: string, b: string) => g.orderEdgesBetween(a, b).map((e) => e.prov.implicit ?? e.prov.directive);
  it('services: After=sysinit.target basic.target, Before=shutdown.target, journal, slice', () => {
    expect(why('sysinit.target', 'web.service')[0]).toMatch(/DefaultDependencies=yes/);
    expect(why('basic.target', 'web.service')).toHaveLength(1);
    expect(why('web.service', 'shutdown.target')).toHaveLength(1);
    expect(why('systemd-journald.socket', 'web.service')[0]).toMatch(/journal/);
    expect(why('system.slice', 'web.service')).toHaveLength(1);
  });
  it('a socket is ordered before its service and before sockets.target', () => {
    expect(why('web.socket', 'web.service')[0]).toMatch(/triggers the unit of the same name/);
    expect(why('web.socket', 'sockets.target')).toHaveLength(1);
  });
  it('Type=dbus, PrivateTmp=, StateDirectory=', () => {
    expect(why('dbus.socket', 'bus.service')[0]).toMatch(/Type=dbus/);
    expect(why('systemd-tmpfiles-setup.service', 'bus.service')[0]).toMatch(/PrivateTmp/);
    expect(why('systemd-remount-fs.service', 'bus.service')[0]).toMatch(/StateDirectory/);
  });
  it('DefaultDependencies=no removes the defaults; no journal edge when not logging to it', () => {
    expect(why('sysinit.target', 'early.service')).toEqual([]);
    expect(why('basic.target', 'early.service')).toEqual([]);
    expect(why('systemd-journald.socket', 'early.service')).toEqual([]);
  });
  it('timers with OnCalendar= are after time-set/time-sync and before their service', () => {
    expect(why('time-sync.target', 'nightly.timer')).toHaveLength(1);
    expect(why('nightly.timer', 'nightly.service')).toHaveLength(1);
    expect(why('nightly.timer', 'timers.target')).toHaveLength(1);
  });
});

describe('restart arithmetic', () => {
  it('RestartSteps grows geometrically from RestartSec to RestartMaxDelaySec (systemd 254)', () => {
    expect(restartDelay(0, 1000, 3, 60_000)).toBe(1000);
    expect(restartDelay(1, 1000, 3, 60_000)).toBeCloseTo(1000 * Math.cbrt(60), 6);
    expect(restartDelay(3, 1000, 3, 60_000)).toBe(60_000);
    expect(restartDelay(5, 1000, 0, 60_000)).toBe(1000);
  });
  it('treats an invalid Restart= value as systemd does: ignored, so no restarts', () => {
    const p = load(tree({ 'a.service': '[Service]\nExecStart=/bin/a\nRestart=sometimes\nRestartSec=30\n' }));
    expect(restartPolicy(p.units.get('a.service')!).mode).toBe('no');
  });

  it('computes whether the start limit can trip, honouring [Service] compat names and their order', () => {
    const p = load(tree({
      'a.service': '[Unit]\nStartLimitIntervalSec=5\n[Service]\nExecStart=/bin/a\nRestart=always\nRestartSec=2\nStartLimitInterval=60\n',
    }));
    const pol = restartPolicy(p.units.get('a.service')!);
    expect(pol.intervalMs).toBe(60_000); // the later [Service] StartLimitInterval= wins
    expect(pol.trips).toBe(true);
  });
});
