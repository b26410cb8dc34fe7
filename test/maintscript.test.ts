/** The maintainer-script walk: which units start where, and which files are known to exist then. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initShell } from '../src/analysis/shell.js';
import { runMaintScript, type Scenario } from '../src/analysis/maintscript.js';

const FRESH: Scenario = { name: 'install', positional: ['postinst', 'configure', ''] };
const UPGRADE: Scenario = { name: 'upgrade', positional: ['postinst', 'configure', '1.0-1'] };

beforeAll(async () => {
  await initShell();
});

function starts(text: string, sc: Scenario = FRESH) {
  return runMaintScript(text, sc).starts.map((e) => ({ units: e.units, skipped: e.skipped.map((k) => k.unit), line: e.line, files: [...e.facts.keys()].sort(), dirs: [...e.prefixes.keys()] }));
}

describe('maintainer script walk', () => {
  it('follows case "$1" in configure) and sees files created before a start', () => {
    const r = starts(`#!/bin/sh
set -e
case "$1" in
  configure)
    openssl req -x509 -newkey rsa:2048 -nodes -keyout /etc/agent/server.key -out /etc/agent/server.pem -subj /CN=x
    ;;
  abort-upgrade) ;;
esac
systemctl start agent
`);
    expect(r).toEqual([{ units: ['agent.service'], skipped: [], line: 9, files: ['/etc/agent/server.key', '/etc/agent/server.pem'], dirs: [] }]);
  });

  it('keeps only what holds on every path after a branch', () => {
    const r = starts(`if [ "$X" = y ]; then touch /etc/a.pem; fi
systemctl restart a.service
`);
    expect(r[0].files).toEqual([]);
  });

  it('treats `[ -f X ] || exit 0` and `if [ ! -f X ]; then exit 0; fi` as guards', () => {
    const r = starts(`[ -f /etc/a/ca.pem ] || exit 0
if [ ! -e /etc/a/b.key ]; then
  echo missing >&2
  exit 0
fi
deb-systemd-helper enable a.service
deb-systemd-invoke start a.service
`);
    expect(r[0].files).toEqual(['/etc/a/b.key', '/etc/a/ca.pem']);
    expect(r[0].units).toEqual(['a.service']);
  });

  it('deb-systemd-invoke starts only enabled units', () => {
    const r = starts(`deb-systemd-invoke start x.service y.service\n`);
    expect(r[0]).toMatchObject({ units: [], skipped: ['x.service', 'y.service'] });
  });

  it('expands the dh_installsystemd blocks exactly: start on a fresh install, restart on upgrade', () => {
    const block = `if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ] || [ "$1" = "abort-deconfigure" ] || [ "$1" = "abort-remove" ] ; then
	deb-systemd-helper unmask 'agent.service' >/dev/null || true
	if deb-systemd-helper --quiet was-enabled 'agent.service'; then
		deb-systemd-helper enable 'agent.service' >/dev/null || true
	else
		deb-systemd-helper update-state 'agent.service' >/dev/null || true
	fi
fi
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
`;
    const fresh = runMaintScript(block, FRESH).starts;
    expect(fresh.map((e) => [e.action, e.units])).toEqual([['deb-systemd-invoke start', ['agent.service']]]);
    const up = runMaintScript(block, UPGRADE).starts;
    expect(up.map((e) => e.action)).toEqual(['deb-systemd-invoke restart']);
  });

  it('links into place inside a guard count on both paths (the snakeoil pattern)', () => {
    const r = starts(`if [ "$1" = configure ]; then
  if [ ! -e /etc/foo/ssl/cert.pem ]; then
    ln -s /etc/ssl/certs/ssl-cert-snakeoil.pem /etc/foo/ssl/cert.pem
  fi
fi
systemctl start foo
`);
    expect(r[0].files).toEqual(['/etc/foo/ssl/cert.pem']);
  });

  it('follows functions, variables and for loops', () => {
    const r = starts(`D=/etc/x
mk() { install -m 600 /usr/share/x/key.pem "$1"; }
for f in a b; do touch "$D/$f.crt"; done
mk $D/key.pem
invoke-rc.d x start
`);
    expect(r[0].files).toEqual(['/etc/x/a.crt', '/etc/x/b.crt', '/etc/x/key.pem']);
    expect(r[0].units).toEqual(['x.service']);
  });

  it('dpkg --compare-versions "$2" lt X is true on a fresh install', () => {
    const r = starts(`if dpkg --compare-versions "$2" lt 2.0; then touch /etc/x/a.pem; fi\nservice x restart\n`);
    expect(r[0].files).toEqual(['/etc/x/a.pem']);
  });

  it('certbot creates its live/ folder; redirects create files', () => {
    const r = starts(`certbot certonly --standalone -d example.org -n
cat > /etc/x/ca.pem <<EOF
x
EOT
systemctl enable --now x
`.replace('<<EOF', '<<EOT'));
    expect(r[0]).toMatchObject({ files: ['/etc/x/ca.pem'], dirs: ['/etc/letsencrypt/live/example.org'], units: ['x.service'] });
  });
});
