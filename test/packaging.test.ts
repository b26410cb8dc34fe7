/**
 * Packages end to end: a .deb built here with dpkg-deb and linted as a file, Debian source folders with
 * dh_installsystemd options, and the front ends' models (what a package ships, which units are its own).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { loadPackages } from '../src/sources/packaging/index.js';
import { ships } from '../src/sources/packaging/model.js';

const hasDpkgDeb = (() => {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-pkg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(root: string, files: Record<string, string>, modes: Record<string, number> = {}): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
    if (modes[rel]) fs.chmodSync(p, modes[rel]);
  }
}

const AGENT_UNIT = `[Unit]
Description=Agent
StartLimitIntervalSec=60
StartLimitBurst=5

[Service]
ExecStart=/usr/bin/agent --config /etc/agent/agent.yaml
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
`;
const AGENT_YAML = `tls:
  cert: /etc/agent/certs/server.pem
  key: /etc/agent/certs/server.key
`;
/** The postinst dh_installsystemd 13 generates, as it lands in a built package. */
const DH_POSTINST = (before: string) => `#!/bin/sh
set -e
${before}
# Automatically added by dh_installsystemd/13.11.4
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ] ; then
	# The following line should be removed in trixie or trixie+1
	deb-systemd-helper unmask 'agent.service' >/dev/null || true
	if deb-systemd-helper --quiet was-enabled 'agent.service'; then
		deb-systemd-helper enable 'agent.service' >/dev/null || true
	else
		deb-systemd-helper update-state 'agent.service' >/dev/null || true
	fi
fi
# End automatically added section
# Automatically added by dh_installsystemd/13.11.4
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ] ; then
	if [ -z "\${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "$2" ]; then
			_dh_action=restart
		else
			_dh_action=start
		fi
		deb-systemd-invoke $_dh_action 'agent.service' >/dev/null || true
	fi
fi
# End automatically added section
`;

function buildDeb(name: string, postinstBefore: string): string {
  const root = path.join(tmp, `${name}-tree`);
  write(
    root,
    {
      'DEBIAN/control': `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Ops <ops@example.net>\nDescription: agent\n`,
      'DEBIAN/postinst': DH_POSTINST(postinstBefore),
      'lib/systemd/system/agent.service': AGENT_UNIT,
      'etc/agent/agent.yaml': AGENT_YAML,
    },
    { 'DEBIAN/postinst': 0o755 },
  );
  const out = path.join(tmp, 'debs', `${name}_1.0-1_all.deb`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], { stdio: 'ignore' });
  fs.rmSync(root, { recursive: true });
  return out;
}

describe('.deb files', () => {
  it.skipIf(!hasDpkgDeb)('reports a built package whose postinst starts the agent before its certificates exist', async () => {
    const deb = buildDeb('agent', '');
    const res = await lint({ paths: [deb], cwd: tmp });
    const f = res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs');
    expect(f.map((x) => `${x.location.file}:${x.location.line} ${x.unit}`)).toEqual(['debs/agent_1.0-1_all.deb/DEBIAN/postinst:24 agent.service']);
    expect(f[0].message).toContain('deb-systemd-invoke start');
    expect(f[0].message).toContain('/etc/agent/certs/server.pem');
    expect(f[0].message).toContain('debs/agent_1.0-1_all.deb/etc/agent/agent.yaml:2');
    // The unit inside the archive is linted like any other unit file.
    expect(res.findings.filter((x) => x.ruleId === 'syntax-error')).toEqual([]);
  });

  it.skipIf(!hasDpkgDeb)('stays quiet when the postinst creates the certificate first', async () => {
    const deb = buildDeb('agent-ok', `if [ "$1" = configure ] && [ ! -e /etc/agent/certs/server.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=agent -keyout /etc/agent/certs/server.key -out /etc/agent/certs/server.pem
fi`);
    const res = await lint({ paths: [deb], cwd: tmp });
    expect(res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs')).toEqual([]);
  });

  it('reports a .deb that cannot be read and goes on', async () => {
    const bad = path.join(tmp, 'bad', 'broken_1_all.deb');
    write(path.dirname(bad), { 'broken_1_all.deb': 'not an archive' });
    const res = await lint({ paths: [path.dirname(bad)], cwd: tmp });
    const f = res.findings.filter((x) => x.location.file === 'bad/broken_1_all.deb');
    expect(f.length).toBe(1);
    expect(f[0].message).toContain('not analysed');
  });
});

describe('loose maintainer scripts', () => {
  it('<pkg>.postinst anywhere is walked; the unit is found by name in the tree', async () => {
    const dir = path.join(tmp, 'loose');
    write(dir, {
      'scripts/agent.postinst': '#!/bin/sh\nset -e\n[ "$1" = configure ] || exit 0\ninvoke-rc.d agent restart\n',
      'scripts/agent.prerm': '#!/bin/sh\ninvoke-rc.d agent stop\n',
      'units/agent.service': AGENT_UNIT.replace('--config /etc/agent/agent.yaml', '--tls-key /etc/agent/private/agent.key'),
    });
    const res = await lint({ paths: [dir], cwd: dir });
    const f = res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs');
    expect(f.map((x) => `${x.location.file}:${x.location.line} ${x.unit}`)).toEqual(['scripts/agent.postinst:4 agent.service']);
    expect(f[0].message).toContain('invoke-rc.d agent restart');
    expect(f[0].message).toContain('what package agent ships is not in the input');
  });
});

describe('Debian source folders', () => {
  function source(name: string, files: Record<string, string>): string {
    const dir = path.join(tmp, name);
    write(dir, {
      'debian/control': `Source: ${name}\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: ${name}\nArchitecture: any\nDescription: x\n`,
      'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
      ...files,
    });
    return dir;
  }

  it('a package without debian/postinst: the generated script is located at debian/rules', async () => {
    const dir = source('gen', { 'debian/gen.service': AGENT_UNIT.replace('--config /etc/agent/agent.yaml', '--cert /etc/gen/tls/gen.pem') });
    const res = await lint({ paths: [dir], cwd: dir });
    const f = res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs');
    expect(f.map((x) => `${x.location.file}:${x.location.line}`)).toEqual(['debian/rules:3']);
    expect(f[0].message).toContain('there is no debian/gen.postinst');
  });

  it('--no-enable: deb-systemd-invoke does not start a unit nothing enabled', async () => {
    const dir = source('noenable', {
      'debian/noenable.service': AGENT_UNIT.replace('--config /etc/agent/agent.yaml', '--cert /etc/x/tls/x.pem'),
      'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n\noverride_dh_installsystemd:\n\tdh_installsystemd --no-enable\n',
    });
    const res = await lint({ paths: [dir], cwd: dir });
    expect(res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs')).toEqual([]);
  });

  it('--no-restart-after-upgrade still starts on a fresh install; debian/<pkg>.<name>.service installs as <name>.service', async () => {
    const dir = source('multi', {
      'debian/multi.helper.service': AGENT_UNIT.replace('--config /etc/agent/agent.yaml', '--key /etc/multi/private/helper.key'),
      'debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n\noverride_dh_installsystemd:\n\tdh_installsystemd --no-restart-after-upgrade\n',
    });
    const res = await lint({ paths: [dir], cwd: dir });
    const f = res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs');
    expect(f.map((x) => x.unit)).toEqual(['helper.service']);
    expect(f[0].message).toContain('deb-systemd-invoke start helper.service');
  });

  it('models what a source package ships (debian/*.install, debian/*.links)', () => {
    const dir = source('ships', {
      'debian/ships.install': 'conf/ships.yaml etc/ships/\nextra/* usr/share/ships/\nbin/shipsd usr/bin/\n',
      'debian/ships.links': 'etc/ssl/certs/ssl-cert-snakeoil.pem etc/ships/server.pem\n',
      'conf/ships.yaml': 'a: 1\n',
    });
    const files = ['debian/control', 'debian/rules', 'debian/ships.install', 'debian/ships.links'].map((f) => path.join(dir, f));
    const { packages } = loadPackages(files);
    expect(packages.map((p) => p.name)).toEqual(['ships']);
    const p = packages[0];
    expect(p.shipped.get('/etc/ships/ships.yaml')).toBe(path.join(dir, 'conf/ships.yaml'));
    expect(ships(p, '/etc/ships/server.pem')).toBe(true);
    expect(ships(p, '/usr/share/ships/anything.txt')).toBe(true);
    expect(ships(p, '/etc/ships/other.pem')).toBe(false);
  });
});

// A real Debian postinst (postgresql-common, from the corpus built by
// /work/shared/corpus/make-debian-corpus.sh /tmp/corpus): it creates root.crt before it starts
// postgresql.service. With a drop-in that makes the service need root.crt and a key nobody creates,
// only the key is reported.
const PG = '/tmp/corpus/pkgs/postgresql-common';
describe.skipIf(!fs.existsSync(path.join(PG, 'DEBIAN/postinst')))('a real postinst (postgresql-common)', () => {
  it('stays quiet about the certificate it creates first, and reports the key it does not', async () => {
    const dir = path.join(tmp, 'pg');
    fs.cpSync(PG, dir, { recursive: true });
    write(dir, {
      'root/etc/systemd/system/postgresql.service.d/ssl.conf': '[Service]\nEnvironment=PGSSLROOTCERT=/etc/postgresql-common/root.crt PGSSLKEY=/etc/postgresql-common/private/client.key\n',
    });
    const res = await lint({ paths: [dir], cwd: dir });
    const f = res.findings.filter((x) => x.ruleId === 'postinst-start-before-certs');
    expect(f.map((x) => x.unit)).toEqual(['postgresql.service']);
    expect(f[0].message).toContain('/etc/postgresql-common/private/client.key');
    expect(f[0].message).not.toContain('root.crt');
  });
});
