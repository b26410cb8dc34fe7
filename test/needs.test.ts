/** What certificate/key/secret files a unit needs: the extraction layer (src/analysis/needs.ts). */
import { describe, expect, it } from 'vitest';
import {
  configArgs,
  detectConfigFormat,
  isSecretPath,
  pathsInConfig,
  readConfigPaths,
  secretPathsInArgs,
  type ConfigPath,
} from '../src/analysis/needs.js';

/** [key, value, line, column, endColumn] per path, in order. */
const rows = (ps: ConfigPath[]) => ps.map((p) => [p.key, p.value, p.line, p.column, p.endColumn]);

/** Every reported span covers exactly the value in the text (for values written as they are). */
function spansMatch(text: string, ps: ConfigPath[]): void {
  const lines = text.split('\n');
  for (const p of ps) expect(lines[p.line - 1].slice(p.column - 1, p.endColumn - 1)).toBe(p.value);
}

describe('isSecretPath', () => {
  it.each([
    '/etc/agent/certs/server.pem',
    '/etc/relay/relay.crt',
    '/etc/relay/relay.cer',
    '/etc/cache/tls/cache.KEY',
    '/srv/app/keystore.jks',
    '/opt/app/conf/app.keystore',
    '/etc/x/client.p12',
    '/etc/x/client.pfx',
    '/etc/x/ca.der',
    '/etc/x/chain.p7b',
    '/etc/x/revoked.crl',
    '/etc/ssl/private/example.com.key',
    '/etc/letsencrypt/live/example.com/fullchain.pem',
    '/var/lib/samba/private/tls/key.pem',
    '/etc/pki/nssdb/cert9.db', // component rule: pki/
    '/etc/app/tls/server.pub', // tls/
    '/etc/app/secrets/token.txt', // secrets/
    '/run/secrets/db.password',
    '/etc/nginx/ssl/dhparam.bin',
    '/etc/app/keys/signing.asc',
    '/etc//ssl//x.pem',
    '/usr/lib/ssl/private/x.key', // Debian links /usr/lib/ssl/private to /etc/ssl/private
    '/usr/local/etc/ssl/site.pem',
  ])('%s → true', (p) => expect(isSecretPath(p)).toBe(true));

  it.each([
    ['', 'empty'],
    ['/', 'the root'],
    ['certs/server.pem', 'relative'],
    ['./server.pem', 'relative'],
    ['/etc/ssl/certs/ca-certificates.crt', 'system CA bundle (Debian)'],
    ['/etc/pki/tls/certs/ca-bundle.crt', 'system CA bundle (RHEL)'],
    ['/etc/ssl/cert.pem', 'system CA bundle link'],
    ['/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', 'system trust store'],
    ['/etc/ssl/certs/ssl-cert-snakeoil.pem', "ssl-cert's snake-oil certificate"],
    ['/etc/ssl/private/ssl-cert-snakeoil.key', "ssl-cert's snake-oil key"],
    ['/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt', 'package-shipped'],
    ['/usr/lib/python3/dist-packages/certifi/cacert.pem', 'package-shipped'],
    ['/nix/store/abc-cacert/etc/ssl/certs/ca-bundle.crt', 'store path'],
    ['/dev/stdin', 'device'],
    ['/proc/self/fd/3', 'proc'],
    ['/sys/kernel/x.pem', 'sysfs'],
    ['/run/credentials/web.service/tls.key', "systemd's credentials"],
    ['/etc/x/$HOST.pem', 'variable'],
    ['/etc/x/${HOST}/tls.pem', 'variable'],
    ['/etc/%i/tls.pem', 'systemd specifier'],
    ['/etc/ssl/*.pem', 'glob'],
    ['/etc/ssl/{a,b}.pem', 'brace pattern'],
    ['/etc/.../x.pem', 'ellipsis'],
    ['/etc/ssl/certs/', 'directory'],
    ['/etc/ssl/private', 'no extension: may be a directory'],
    ['/run/secrets/db_password', 'no extension: may be a directory'],
    ['/etc/ssl/openssl.cnf', 'configuration under ssl/'],
    ['/etc/tls/conf.d', 'a .d directory'],
    ['/etc/ssl/certs/5ed36f99.0', 'OpenSSL hash link'],
    ['/etc/ssl/private/site.key.dpkg-old', 'package-manager leftover'],
    ['/var/lib/private/myapp/state.db', "systemd's DynamicUser tree"],
    ['/etc/app/config.yaml', 'no secret directory, no secret extension'],
    ['/var/log/tls/x.log', 'log under tls/'],
  ])('%s → false (%s)', (p) => expect(isSecretPath(p)).toBe(false));

  it('never throws on odd input', () => {
    expect(isSecretPath(undefined as unknown as string)).toBe(false);
    expect(isSecretPath(42 as unknown as string)).toBe(false);
  });
});

describe('pathsInConfig: YAML', () => {
  const text = [
    'listen: 127.0.0.1:12443', // 1
    'tls:', // 2
    '  ca_file: /etc/agent/certs/ca.pem', // 3
    '  cert_file: "/etc/agent/certs/server.pem"', // 4
    "  key_file: '/etc/agent/certs/server.key'", // 5
    'servers:', // 6
    '  - name: a', // 7
    '    certs:', // 8
    '      - /srv/a.pem', // 9
    '      - /srv/b.pem   # /srv/comment.pem', // 10
    '  - name: b', // 11
    '    cmd: /usr/bin/foo --config /etc/foo.conf', // 12
    'base: &base /etc/anchor.pem', // 13
    'copy: *base', // 14
    'block: |', // 15
    '  /etc/block.pem', // 16
    'url: https://example.com/x.pem', // 17
    '---', // 18
    'second: /etc/second.pem', // 19
    '',
  ].join('\n');

  it('reports nested maps, lists and documents with exact positions', () => {
    const ps = pathsInConfig('/etc/agent/agent.yaml', text);
    expect(rows(ps)).toEqual([
      ['tls.ca_file', '/etc/agent/certs/ca.pem', 3, 12, 35],
      ['tls.cert_file', '/etc/agent/certs/server.pem', 4, 15, 42],
      ['tls.key_file', '/etc/agent/certs/server.key', 5, 14, 41],
      ['servers[0].certs[0]', '/srv/a.pem', 9, 9, 19],
      ['servers[0].certs[1]', '/srv/b.pem', 10, 9, 19],
      ['servers[1].cmd', '/usr/bin/foo', 12, 10, 22],
      ['servers[1].cmd', '/etc/foo.conf', 12, 32, 45],
      ['base', '/etc/anchor.pem', 13, 13, 28],
      ['block', '/etc/block.pem', 16, 3, 17],
      ['second', '/etc/second.pem', 19, 9, 24],
    ]);
    spansMatch(text, ps);
  });

  it('line-scans a malformed file, with problems, and does not throw', () => {
    const bad = ['tls:', '  cert: /etc/bad/cert.pem', '  key: [unclosed /etc/bad/key.pem', '  # key: /etc/bad/comment.pem', 'other: "oops', ''].join('\n');
    const r = readConfigPaths('/etc/bad/bad.yml', bad);
    expect(r.format).toBe('lines');
    expect(r.problems.length).toBeGreaterThan(0);
    expect(rows(r.paths)).toEqual([
      ['cert', '/etc/bad/cert.pem', 2, 9, 26],
      ['key', '/etc/bad/key.pem', 3, 18, 34],
    ]);
    expect(() => pathsInConfig('/x.yaml', ':\n- [\n  {{{\n\t"')).not.toThrow();
  });

  it('an empty file has no paths', () => {
    expect(pathsInConfig('/etc/x/empty.yaml', '')).toEqual([]);
  });
});

describe('pathsInConfig: JSON', () => {
  it('reports nested objects and arrays; escaped slashes span what is written', () => {
    const text = [
      '{', // 1
      '  "tls": {"cert": "/etc/j/cert.pem",', // 2
      '    "keys": ["/etc/j/a.key", "/etc/j/b.key"]},', // 3
      '  "esc": "\\/etc\\/j\\/esc.pem", "n": 1', // 4
      '}',
    ].join('\n');
    const r = readConfigPaths('/etc/j/c.json', text);
    expect(r.format).toBe('json');
    expect(rows(r.paths)).toEqual([
      ['tls.cert', '/etc/j/cert.pem', 2, 20, 35],
      ['tls.keys[0]', '/etc/j/a.key', 3, 15, 27],
      ['tls.keys[1]', '/etc/j/b.key', 3, 31, 43],
      ['esc', '/etc/j/esc.pem', 4, 11, 28],
    ]);
    spansMatch(text, r.paths.slice(0, 3));
  });

  it('detects JSON by content under another name', () => {
    expect(rows(pathsInConfig('/etc/docker/daemon.conf', '{"tlscert": "/etc/docker/cert.pem"}'))).toEqual([['tlscert', '/etc/docker/cert.pem', 1, 14, 34]]);
  });

  it('line-scans broken JSON (what the YAML parser also rejects; it forgives `"k": }` and trailing commas)', () => {
    const r = readConfigPaths('/etc/x.json', '{"cert": "/etc/x/cert.pem",\n "key": "/etc/x/key.pem}');
    expect(r.format).toBe('lines');
    expect(r.problems.length).toBeGreaterThan(0);
    expect(rows(r.paths)).toEqual([
      ['cert', '/etc/x/cert.pem', 1, 11, 26],
      ['key', '/etc/x/key.pem', 2, 10, 24],
    ]);
  });
});

describe('pathsInConfig: TOML', () => {
  const text = [
    '# comment /etc/t/root.pem', // 1
    'title = "x"', // 2
    'cert = "/etc/t/root.pem"', // 3
    '', // 4
    '[tls]', // 5
    'cert = "/etc/t/cert.pem"', // 6
    "key = '/etc/t/key.pem'", // 7
    'cas = [', // 8
    '  "/etc/t/ca1.pem",', // 9
    '  "/etc/t/ca2.pem",', // 10
    ']', // 11
    '', // 12
    '[[servers]]', // 13
    'cert = "/etc/t/same.pem"', // 14
    '', // 15
    '[[servers]]', // 16
    'cert = "/etc/t/same.pem"', // 17
    'inline = { key = "/etc/t/inline.key" }', // 18
    '',
  ].join('\n');

  it('reports tables, arrays and arrays of tables, located in the text', () => {
    const r = readConfigPaths('/etc/t/config.toml', text);
    expect(r.format).toBe('toml');
    expect(rows(r.paths)).toEqual([
      ['cert', '/etc/t/root.pem', 3, 9, 24], // not the comment on line 1
      ['tls.cert', '/etc/t/cert.pem', 6, 9, 24],
      ['tls.key', '/etc/t/key.pem', 7, 8, 22],
      ['tls.cas[0]', '/etc/t/ca1.pem', 9, 4, 18],
      ['tls.cas[1]', '/etc/t/ca2.pem', 10, 4, 18],
      ['servers[0].cert', '/etc/t/same.pem', 14, 9, 24],
      ['servers[1].cert', '/etc/t/same.pem', 17, 9, 24], // the second occurrence, not the first again
      ['servers[1].inline.key', '/etc/t/inline.key', 18, 19, 36],
    ]);
    spansMatch(text, r.paths);
  });

  it('line-scans malformed TOML', () => {
    const r = readConfigPaths('/etc/t/bad.toml', '[tls]\ncert = "/etc/t/cert.pem"\nkey = /etc/t/key.pem\n');
    expect(r.format).toBe('lines');
    expect(r.problems).toEqual([expect.objectContaining({ line: 3 })]);
    expect(rows(r.paths)).toEqual([
      ['cert', '/etc/t/cert.pem', 2, 9, 24],
      ['key', '/etc/t/key.pem', 3, 7, 21],
    ]);
  });
});

describe('pathsInConfig: INI', () => {
  it('reports section.key with exact positions; comments are skipped', () => {
    const text = [
      '# relay configuration', // 1
      '[tls]', // 2
      'certificate = /etc/relay/relay.crt', // 3
      'key = "/etc/relay/relay.key" ; quoted', // 4
      '; certificate = /etc/relay/no.pem', // 5
      '# certificate = /etc/relay/no.pem', // 6
      '[server]', // 7
      'args = --cert=/etc/relay/a.pem --key /etc/relay/b.key', // 8
      '  /etc/relay/continued.pem', // 9
      'key = /etc/relay/second.key', // 10
      'key = /etc/relay/third.key', // 11
      '',
    ].join('\n');
    const r = readConfigPaths('/etc/relay/relay.conf', text);
    expect(r.format).toBe('ini');
    expect(rows(r.paths)).toEqual([
      ['tls.certificate', '/etc/relay/relay.crt', 3, 15, 35],
      ['tls.key', '/etc/relay/relay.key', 4, 8, 28],
      ['server.args', '/etc/relay/a.pem', 8, 15, 31],
      ['server.args', '/etc/relay/b.key', 8, 38, 54],
      ['server.args', '/etc/relay/continued.pem', 9, 3, 27],
      ['server.key', '/etc/relay/second.key', 10, 7, 28],
      ['server.key', '/etc/relay/third.key', 11, 7, 27], // repeated keys are all kept
    ]);
    spansMatch(text, r.paths);
  });

  it('reads shell-style KEY=value files (/etc/default)', () => {
    const text = '# defaults\nDAEMON_OPTS="-c /etc/foo/foo.conf --tls-key=/etc/foo/tls/k.key"\nexport CERT=/etc/foo/c.pem\nENABLED=yes\n';
    const r = readConfigPaths('/etc/default/foo', text);
    expect(r.format).toBe('ini');
    expect(rows(r.paths)).toEqual([
      ['DAEMON_OPTS', '/etc/foo/foo.conf', 2, 17, 34],
      ['DAEMON_OPTS', '/etc/foo/tls/k.key', 2, 45, 63],
      ['CERT', '/etc/foo/c.pem', 3, 13, 27],
    ]);
  });

  it('reads MySQL-style .cnf files with bare lines', () => {
    const text = '[mysqld]\nssl-cert = /etc/mysql/certs/server-cert.pem\nskip-name-resolve\n!includedir /etc/mysql/conf.d/\n';
    expect(rows(pathsInConfig('/etc/mysql/my.cnf', text))).toEqual([
      ['mysqld.ssl-cert', '/etc/mysql/certs/server-cert.pem', 2, 12, 44],
      ['mysqld.!includedir', '/etc/mysql/conf.d/', 4, 13, 31],
    ]);
  });
});

describe('pathsInConfig: directive languages', () => {
  it('nginx: blocks give the key path; comments are skipped', () => {
    const text = [
      'server {', // 1
      '    listen 443 ssl;', // 2
      '    # ssl_certificate /etc/no.pem;', // 3
      '    ssl_certificate /etc/nginx/ssl/server.crt;', // 4
      '    ssl_certificate_key "/etc/nginx/ssl/server.key";', // 5
      '    location / { root /var/www/html; }', // 6
      '}', // 7
      'http', // 8
      '{', // 9
      '  ssl_trusted_certificate /etc/nginx/ca.pem; include /etc/nginx/x.conf;', // 10
      '}', // 11
      '',
    ].join('\n');
    const r = readConfigPaths('/etc/nginx/sites-available/default', text);
    expect(r.format).toBe('directives');
    expect(rows(r.paths)).toEqual([
      ['server.ssl_certificate', '/etc/nginx/ssl/server.crt', 4, 21, 46],
      ['server.ssl_certificate_key', '/etc/nginx/ssl/server.key', 5, 26, 51],
      ['server.location.root', '/var/www/html', 6, 23, 36],
      ['http.ssl_trusted_certificate', '/etc/nginx/ca.pem', 10, 27, 44],
      ['http.include', '/etc/nginx/x.conf', 10, 54, 71],
    ]);
    spansMatch(text, r.paths);
  });

  it('apache: <Tag> sections give the key path', () => {
    const text = [
      '<IfModule mod_ssl.c>',
      '\t<VirtualHost _default_:443>',
      '\t\tSSLCertificateFile\t/etc/ssl/certs/site.pem',
      '\t\tSSLCertificateKeyFile "/etc/ssl/private/site.key"',
      '\t</VirtualHost>',
      '</IfModule>',
      'SSLCACertificateFile /etc/apache2/ca.crt',
    ].join('\n');
    expect(rows(pathsInConfig('/etc/apache2/sites-available/default-ssl.conf', text))).toEqual([
      ['IfModule.VirtualHost.SSLCertificateFile', '/etc/ssl/certs/site.pem', 3, 22, 45],
      ['IfModule.VirtualHost.SSLCertificateKeyFile', '/etc/ssl/private/site.key', 4, 26, 51],
      ['SSLCACertificateFile', '/etc/apache2/ca.crt', 7, 22, 41],
    ]);
  });

  it('bind: // and /* */ comments, quoted values', () => {
    const text = [
      'options {',
      '  directory "/var/cache/bind"; // /etc/no.pem',
      '};',
      '/* block',
      '  /etc/no.pem',
      '*/',
      'tls local { cert-file "/etc/bind/tls.crt"; key-file "/etc/bind/tls.key"; };',
    ].join('\n');
    expect(rows(pathsInConfig('/etc/bind/named.conf.options', text))).toEqual([
      ['options.directory', '/var/cache/bind', 2, 14, 29],
      ['tls.cert-file', '/etc/bind/tls.crt', 7, 24, 41],
      ['tls.key-file', '/etc/bind/tls.key', 7, 54, 71],
    ]);
  });

  it('sshd-style `Name value` lines', () => {
    const text = '# comment\nPort 22\nHostKey /etc/ssh/ssh_host_ed25519_key\nHostCertificate /etc/ssh/host-cert.pub\n';
    expect(rows(pathsInConfig('/etc/ssh/sshd_config', text))).toEqual([
      ['HostKey', '/etc/ssh/ssh_host_ed25519_key', 3, 9, 38],
      ['HostCertificate', '/etc/ssh/host-cert.pub', 4, 17, 39],
    ]);
  });
});

describe('pathsInConfig: other files', () => {
  it('line-scans scripts and unknown formats, skipping comment lines, URLs and shell concatenations', () => {
    const text = '#!/bin/sh\n# /etc/no.pem\ncp /etc/x/a.pem /etc/x/"$NAME"/b.pem\nurl=https://example.com/c.pem\n';
    const r = readConfigPaths('/etc/x/hook', text);
    expect(r.format).toBe('lines');
    expect(rows(r.paths)).toEqual([['cp', '/etc/x/a.pem', 3, 4, 16]]);
  });

  it('binary files give nothing', () => {
    expect(readConfigPaths('/etc/x/blob', 'abc\0def /etc/x.pem')).toEqual({ format: 'binary', paths: [], problems: [] });
  });

  it('detects formats by extension, then by content', () => {
    expect(detectConfigFormat('/x/a.yml', '')).toBe('yaml');
    expect(detectConfigFormat('/x/a.toml', '')).toBe('toml');
    expect(detectConfigFormat('/x/my.cnf', '')).toBe('ini');
    expect(detectConfigFormat('/x/cloud.cfg', 'users:\n  - default\ndisable_root: true\n')).toBe('yaml');
    expect(detectConfigFormat('/x/a.conf', '[a]\nb = 1\n[[c]]\nd = "x"\n')).toBe('toml');
    expect(detectConfigFormat('/x/a.conf', '[Journal]\nStorage=auto\n')).toBe('ini');
    expect(detectConfigFormat('/x/a.conf', 'events {\n worker_connections 768;\n}\n')).toBe('directives');
    expect(detectConfigFormat('/x/a.conf', 'port 6379\nbind 127.0.0.1\n')).toBe('directives');
    expect(detectConfigFormat('/x/a', '#!/bin/sh\nexit 0\n')).toBe('lines');
  });

  it('never throws, whatever the input', () => {
    const junk = ['', '\n\n', '{', '[', '[[', '<', '</a>', '}}}}', '"', "'''", 'a = """', '- - - [', '\uFEFF{"a": "/x.pem"}', 'x'.repeat(100_000), '{'.repeat(5000), '['.repeat(5000) + ']'.repeat(5000)];
    for (const t of junk) for (const f of ['/a.yaml', '/a.json', '/a.toml', '/a.ini', '/a.conf', '/a']) expect(() => pathsInConfig(f, t)).not.toThrow();
    expect(rows(pathsInConfig('/a.json', '\uFEFF{"a": "/x.pem"}'))).toEqual([['a', '/x.pem', 1, 8, 14]]);
  });
});

describe('configArgs', () => {
  it.each<[string, string[], { path: string; index: number; offset?: number }[]]>([
    ['--config X', ['/usr/bin/agent', '--config', '/etc/agent/agent.yaml'], [{ path: '/etc/agent/agent.yaml', index: 2 }]],
    ['--config=X', ['/usr/bin/agent', '--config=/etc/agent/agent.yaml'], [{ path: '/etc/agent/agent.yaml', index: 1, offset: 9 }]],
    ['--conf X', ['caddy', 'run', '--conf', '/etc/caddy/Caddyfile'], [{ path: '/etc/caddy/Caddyfile', index: 3 }]],
    ['--config-file X', ['etcd', '--config-file', '/etc/etcd/etcd.conf.yml'], [{ path: '/etc/etcd/etcd.conf.yml', index: 2 }]],
    ['--configfile=X', ['x', '--configfile=/etc/x/x'], [{ path: '/etc/x/x', index: 1, offset: 13 }]],
    ['--config.file=X', ['/usr/bin/prometheus', '--config.file=/etc/prometheus/prometheus.yml'], [{ path: '/etc/prometheus/prometheus.yml', index: 1, offset: 14 }]],
    ['--settings X', ['x', '--settings', '/etc/x/settings.json'], [{ path: '/etc/x/settings.json', index: 2 }]],
    ['--defaults-file=X', ['mysqld', '--defaults-file=/etc/mysql/debian.cnf'], [{ path: '/etc/mysql/debian.cnf', index: 1, offset: 16 }]],
    ['-config X (Go)', ['consul', 'agent', '-config-file', '/etc/consul.d/consul.hcl'], [{ path: '/etc/consul.d/consul.hcl', index: 3 }]],
    ['-config=X (Go)', ['vault', 'server', '-config=/etc/vault.d/vault.hcl'], [{ path: '/etc/vault.d/vault.hcl', index: 2, offset: 8 }]],
    ['-c X, known program', ['/usr/sbin/nginx', '-c', '/etc/nginx/nginx.conf', '-g', 'daemon off;'], [{ path: '/etc/nginx/nginx.conf', index: 2 }]],
    ['-c X, known program, any name', ['/usr/bin/monit', '-c', '/etc/monit/monitrc'], [{ path: '/etc/monit/monitrc', index: 2 }]],
    ['-c X, config extension', ['/usr/sbin/relayd', '-c', '/etc/relay/relay.conf'], [{ path: '/etc/relay/relay.conf', index: 2 }]],
    ['-cX attached', ['/usr/sbin/unbound', '-c/etc/unbound/unbound.conf'], [{ path: '/etc/unbound/unbound.conf', index: 1, offset: 2 }]],
    ['-c X, unknown program, no config extension', ['/usr/bin/tool', '-c', '/var/lib/tool/cache'], []],
    ['sh -c is a command', ['/bin/sh', '-c', '/etc/x.conf'], []],
    ['curl -c is a cookie jar', ['/usr/bin/curl', '-c', '/tmp/cookies.txt', '-f', '/etc/x.conf'], []],
    ['postgres -c config_file=', ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main', '-c', 'config_file=/etc/postgresql/15/main/postgresql.conf'], [{ path: '/etc/postgresql/15/main/postgresql.conf', index: 4, offset: 12 }]],
    ['haproxy -f', ['/usr/sbin/haproxy', '-Ws', '-f', '/etc/haproxy/haproxy.cfg', '-p', '/run/haproxy.pid'], [{ path: '/etc/haproxy/haproxy.cfg', index: 3 }]],
    ['sshd -f', ['/usr/sbin/sshd', '-D', '-f', '/etc/ssh/sshd_config'], [{ path: '/etc/ssh/sshd_config', index: 3 }]],
    ['-f of an unknown program', ['/usr/bin/tool', '-f', '/etc/tool/tool.conf'], []],
    ['dnsmasq -C', ['/usr/sbin/dnsmasq', '-k', '-C', '/etc/dnsmasq.conf'], [{ path: '/etc/dnsmasq.conf', index: 3 }]],
    ['php-fpm -y', ['/usr/sbin/php-fpm8.2', '--nodaemonize', '-y', '/etc/php/8.2/fpm/php-fpm.conf'], [{ path: '/etc/php/8.2/fpm/php-fpm.conf', index: 3 }]],
    ['redis-server positional', ['/usr/bin/redis-server', '/etc/redis/redis.conf', '--supervised', 'systemd'], [{ path: '/etc/redis/redis.conf', index: 1 }]],
    ['stunnel positional, any name', ['/usr/bin/stunnel4', '/etc/stunnel/tls'], [{ path: '/etc/stunnel/tls', index: 1 }]],
    ['positional with a config extension', ['/usr/bin/foo', 'run', '/etc/foo/foo.yaml'], [{ path: '/etc/foo/foo.yaml', index: 2 }]],
    ['positional after an option that may take it', ['/usr/bin/foo', '--log', '/var/log/foo.json'], []],
    ['relative paths do not count', ['/usr/bin/foo', '--config', 'foo.yaml', 'bar.conf'], []],
    ['a directory does not count', ['/usr/bin/foo', '--config', '/etc/foo/'], []],
    ['after --', ['/usr/bin/foo', '--', '/etc/foo/foo.toml'], [{ path: '/etc/foo/foo.toml', index: 2 }]],
  ])('%s', (_name, argv, expected) => expect(configArgs(argv)).toEqual(expected));

  it('never throws', () => {
    expect(configArgs([])).toEqual([]);
    expect(configArgs(['x', '--config'])).toEqual([]);
    expect(configArgs(undefined as unknown as string[])).toEqual([]);
  });
});

describe('secretPathsInArgs', () => {
  it('finds whole words, --opt=VALUE values and comma-separated items', () => {
    expect(
      secretPathsInArgs([
        '/usr/bin/x', // 0: the program, never
        '--tls-cert', // 1
        '/etc/x/cert.pem', // 2
        '--tls-key=/etc/x/key.pem', // 3
        'cert=/a/b.pem,key=/a/c.key', // 4
        '--ca=/a/x.pem,/a/y.pem', // 5
        '-Djavax.net.ssl.keyStore=/etc/x/ks.jks', // 6
        '/etc/ssl/certs/ca-certificates.crt', // 7: well known
        '--cert=$CERT', // 8: a variable
        '--log=/var/log/x.log', // 9: not a secret
        '/srv/a,b.pem', // 10: no item is one: the whole word
      ]),
    ).toEqual([
      { path: '/etc/x/cert.pem', index: 2 },
      { path: '/etc/x/key.pem', index: 3, offset: 10 },
      { path: '/a/b.pem', index: 4, offset: 5 },
      { path: '/a/c.key', index: 4, offset: 18 },
      { path: '/a/x.pem', index: 5, offset: 5 },
      { path: '/a/y.pem', index: 5, offset: 14 },
      { path: '/etc/x/ks.jks', index: 6, offset: 25 },
      { path: '/srv/a,b.pem', index: 10 },
    ]);
  });

  it('ignores argv[0] and odd input', () => {
    expect(secretPathsInArgs(['/etc/x/key.pem'])).toEqual([]);
    expect(secretPathsInArgs(undefined as unknown as string[])).toEqual([]);
  });
});
