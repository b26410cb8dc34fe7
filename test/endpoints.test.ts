/** What units serve (endpoints.ts) and how Exec lines split (exec.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../src/model/load.js';
import { wordLocation } from '../src/model/unit.js';
import type { Assignment } from '../src/sources/unitfile/parser.js';
import type { Resource } from '../src/analysis/types.js';
import { execCommands, parseExecValue } from '../src/analysis/exec.js';
import { describeResource, providedBy, resourceFromUrl, sameResource } from '../src/analysis/endpoints.js';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-endpoints-'));
  for (const [f, v] of Object.entries(files)) {
    const p = path.join(dir, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, v);
  }
  return dir;
}
const load = (dir: string) => loadProject([dir], { cwd: dir, ignore: [] });

function served(files: Record<string, string>, unit: string) {
  const p = load(tree(files));
  const u = p.units.get(unit);
  if (!u) throw new Error(`no unit ${unit}`);
  return providedBy(u, p).map((x) => ({ resource: x.resource, how: x.how }));
}
/** What a service with this ExecStart= (and optional extra [Service] lines) serves. */
const exec = (line: string, extra = '') => served({ 'x.service': `[Service]\n${extra}ExecStart=${line}\n` }, 'x.service');

const tcp = (host: string, port: number): Resource => ({ kind: 'port', proto: 'tcp', host, port });
const udp = (host: string, port: number): Resource => ({ kind: 'port', proto: 'udp', host, port });
const unix = (p: string): Resource => ({ kind: 'unix', path: p });
const host = (name: string, port: number, scheme: string): Resource => ({ kind: 'host', name, port, scheme });

describe('parseExecValue', () => {
  const at = { key: 'ExecStart', value: '', section: 'Service', file: '/x.service', line: 3, column: 1, endLine: 3, endColumn: 1, valueColumn: 11, keyEndColumn: 10 } as Assignment;
  const parse = (v: string) => parseExecValue(v, { ...at, value: v });

  it('splits words, removes quotes and interprets C escapes', () => {
    const [c] = parse(`/usr/bin/app --name "two words" 'single q' a\\tb`);
    expect(c.argv).toEqual(['/usr/bin/app', '--name', 'two words', 'single q', 'a\tb']);
    expect(c.offsets).toEqual([0, 13, 20, 32, 43]);
    expect(c.ends).toEqual([12, 19, 31, 42, 47]);
    expect(c.prefixes).toBe('');
    expect(c.ignoreFailure).toBe(false);
  });

  it('reads the prefixes: -, @ (argv0), :, +, !, !!, each at most once', () => {
    const [a] = parse('-/bin/true');
    expect([a.argv, a.ignoreFailure, a.prefixes, a.offsets[0]]).toEqual([['/bin/true'], true, '-', 1]);
    const [b] = parse('@-/usr/sbin/daemon my-daemon --flag');
    expect([b.argv, b.argv0, b.ignoreFailure, b.prefixes]).toEqual([['/usr/sbin/daemon', '--flag'], 'my-daemon', true, '@-']);
    const [c] = parse(':+/bin/echo $HOME');
    expect([c.argv, c.noEnvExpand, c.prefixes]).toEqual([['/bin/echo', '$HOME'], true, ':+']);
    const [d] = parse('!!/bin/x');
    expect([d.argv, d.prefixes]).toEqual([['/bin/x'], '!!']);
    // '+' and '!' exclude each other: the second one is part of the path
    const [e] = parse('+!/bin/x');
    expect([e.argv, e.prefixes]).toEqual([['!/bin/x'], '+']);
    // a prefix inside quotes still counts (systemd looks at the unquoted word); the offset skips the quote
    const [f] = parse('"-/bin/with space" arg');
    expect([f.argv, f.ignoreFailure, f.offsets[0]]).toEqual([['/bin/with space', 'arg'], true, 2]);
  });

  it('separates commands on a lone ";"; "\\;" is a literal ";" argument', () => {
    const cmds = parse('/bin/a 1 ; /bin/b 2 \\; 3 ;  -/bin/c');
    expect(cmds.map((c) => c.argv)).toEqual([['/bin/a', '1'], ['/bin/b', '2', ';', '3'], ['/bin/c']]);
    expect(cmds[2].ignoreFailure).toBe(true);
    expect(cmds[1].offsets).toEqual([11, 18, 20, 23]);
    // ';' attached to a word, or quoted in the middle, is an ordinary character
    expect(parse('/bin/sh -c "a; b" x; ";"').map((c) => c.argv)).toEqual([['/bin/sh', '-c', 'a; b', 'x;', ';']]);
    // a leading or doubled separator makes no empty command
    expect(parse('; /bin/a ; ; /bin/b ;').map((c) => c.argv)).toEqual([['/bin/a'], ['/bin/b']]);
  });

  it('keeps environment references as written and drops a command whose path is empty', () => {
    expect(parse('/bin/app --port $PORT ${HOST}:80').map((c) => c.argv)).toEqual([['/bin/app', '--port', '$PORT', '${HOST}:80']]);
    expect(parse('- ; /bin/ok').map((c) => c.argv)).toEqual([['/bin/ok']]);
  });

  it('execCommands: specifiers expanded per word, reset by an empty assignment, offsets into the raw value', () => {
    const p = load(tree({
      'w@.service': '[Service]\nExecStartPre=/bin/old\nExecStartPre=\nExecStartPre=/bin/prep %i ; /bin/prep2\nExecStart=/bin/w --sock %t/w-%i.sock\n',
      'main.service': '[Unit]\nWants=w@a.service\n[Service]\nExecStart=/bin/m\n',
    }));
    const u = p.units.get('w@a.service')!;
    expect(execCommands(u, 'ExecStartPre').map((c) => c.argv)).toEqual([['/bin/prep', 'a'], ['/bin/prep2']]);
    const [s] = execCommands(u, 'ExecStart');
    expect(s.argv).toEqual(['/bin/w', '--sock', '/run/w-a.sock']);
    expect(wordLocation(s.at, s.offsets[2], s.ends[2])).toMatchObject({ line: 5, column: 25, endColumn: 37 });
  });
});

describe('providedBy: ExecStart options', () => {
  it('--port N, --port=N, and the long-option family', () => {
    expect(exec('/usr/bin/app --port 8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart --port 8080' }]);
    expect(exec('/usr/bin/app --port=8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart --port=8080' }]);
    expect(exec('/usr/bin/app --http-port 3000 --metrics-port=9102')).toEqual([
      { resource: tcp('', 3000), how: 'ExecStart --http-port 3000' },
      { resource: tcp('', 9102), how: 'ExecStart --metrics-port=9102' },
    ]);
  });

  it('--listen, --bind, --bind-address, --address with host:port, URLs and unix sockets', () => {
    expect(exec('/usr/bin/deploy-dashboard --listen 127.0.0.1:8443')).toEqual([{ resource: tcp('127.0.0.1', 8443), how: 'ExecStart --listen 127.0.0.1:8443' }]);
    expect(exec('/usr/bin/app --listen=:8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart --listen=:8080' }]);
    expect(exec('/usr/bin/app --bind 0.0.0.0:9000')).toEqual([{ resource: tcp('0.0.0.0', 9000), how: 'ExecStart --bind 0.0.0.0:9000' }]);
    expect(exec('/usr/bin/app --bind-address [::1]:9000')).toEqual([{ resource: tcp('::1', 9000), how: 'ExecStart --bind-address [::1]:9000' }]);
    expect(exec('/usr/bin/app --address=127.0.0.1:7000')).toEqual([{ resource: tcp('127.0.0.1', 7000), how: 'ExecStart --address=127.0.0.1:7000' }]);
    expect(exec('/usr/bin/app --listen http://0.0.0.0:8080')).toEqual([{ resource: tcp('0.0.0.0', 8080), how: 'ExecStart --listen http://0.0.0.0:8080' }]);
    expect(exec('/usr/bin/app --listen unix:/run/app/app.sock')).toEqual([{ resource: unix('/run/app/app.sock'), how: 'ExecStart --listen unix:/run/app/app.sock' }]);
    expect(exec('/usr/bin/app --unix-socket=/run//app/ --socket %t/app2.sock')).toEqual([
      { resource: unix('/run/app'), how: 'ExecStart --unix-socket=/run//app/' },
      { resource: unix('/run/app2.sock'), how: 'ExecStart --socket /run/app2.sock' },
    ]);
  });

  it('prometheus-style --web.listen-address, Go-style -addr, Spring -Dserver.port, ASP.NET --urls', () => {
    expect(exec('/usr/bin/node_exporter --web.listen-address=:9100 --collector.textfile.directory=/var/lib/ne')).toEqual([
      { resource: tcp('', 9100), how: 'ExecStart --web.listen-address=:9100' },
    ]);
    expect(exec('/usr/local/bin/svc -addr :7070 -v')).toEqual([{ resource: tcp('', 7070), how: 'ExecStart -addr :7070' }]);
    expect(exec('/usr/bin/java -Dserver.port=8081 -jar /srv/app.jar')).toEqual([{ resource: tcp('', 8081), how: 'ExecStart -Dserver.port=8081' }]);
    expect(exec('/usr/bin/dotnet /srv/api.dll --urls http://127.0.0.1:5000;http://[::1]:5000')).toEqual([
      { resource: tcp('127.0.0.1', 5000), how: 'ExecStart --urls http://127.0.0.1:5000;http://[::1]:5000' },
      { resource: tcp('::1', 5000), how: 'ExecStart --urls http://127.0.0.1:5000;http://[::1]:5000' },
    ]);
  });

  it('--host/--port pairs (uvicorn), and a host name that is not local makes the pair a connection', () => {
    expect(exec('/srv/venv/bin/uvicorn app:app --host 127.0.0.1 --port 8000 --uds /run/api.sock')).toEqual([
      { resource: tcp('127.0.0.1', 8000), how: 'ExecStart --host 127.0.0.1 --port 8000' },
      { resource: unix('/run/api.sock'), how: 'ExecStart --uds /run/api.sock' },
    ]);
    expect(exec('/usr/bin/worker --host db.internal --port 5432')).toEqual([]);
  });

  it('bare wildcard host:port arguments count; a specific address as a positional does not (it may be the upstream)', () => {
    expect(exec('/usr/bin/tcp-proxy 0.0.0.0:8080 127.0.0.1:9000')).toEqual([{ resource: tcp('0.0.0.0', 8080), how: 'ExecStart 0.0.0.0:8080' }]);
    expect(exec('/usr/bin/relay [::]:53 :8053')).toEqual([
      { resource: tcp('::', 53), how: 'ExecStart [::]:53' },
      { resource: tcp('', 8053), how: 'ExecStart :8053' },
    ]);
    // the value of an unknown option is not a positional
    expect(exec('/usr/bin/relay --to :9000')).toEqual([]);
  });

  it('-l :8080 anywhere, but -p only for programs where it means a port', () => {
    expect(exec('/usr/bin/thing -l :8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart -l :8080' }]);
    expect(exec('/usr/bin/thing -l 8080')).toEqual([]);
    expect(exec('/usr/bin/ssh -p 2222 backup@host')).toEqual([]);
    expect(exec('/usr/local/bin/mystery -p 8080')).toEqual([]);
    expect(exec('/usr/sbin/sshd -D -p 2222')).toEqual([{ resource: tcp('', 2222), how: 'ExecStart -p 2222' }]);
    // sshd: ListenAddress without a port listens on Port
    expect(exec('/usr/sbin/sshd -D -p 2222 -o ListenAddress=127.0.0.1')).toEqual([
      { resource: tcp('127.0.0.1', 2222), how: 'ExecStart -p 2222 -o ListenAddress=127.0.0.1' },
    ]);
    expect(exec('/usr/bin/memcached -u memcache -l 127.0.0.1 -p 11211 -U 0 -s /run/memcached.sock')).toEqual([
      { resource: tcp('127.0.0.1', 11211), how: 'ExecStart -l 127.0.0.1 -p 11211' },
      { resource: unix('/run/memcached.sock'), how: 'ExecStart -s /run/memcached.sock' },
    ]);
    expect(exec('/srv/venv/bin/gunicorn -w 4 -b unix:/run/gunicorn.sock -b 127.0.0.1:8000 app:wsgi')).toEqual([
      { resource: unix('/run/gunicorn.sock'), how: 'ExecStart -b unix:/run/gunicorn.sock' },
      { resource: tcp('127.0.0.1', 8000), how: 'ExecStart -b 127.0.0.1:8000' },
    ]);
  });

  it('client programs and client-side option names are left alone', () => {
    expect(exec('/usr/bin/curl --connect-timeout 5 http://0.0.0.0:8080/')).toEqual([]);
    expect(exec('/usr/bin/app --db-port 5432 --upstream-address 127.0.0.1:9000 --advertise-address 10.0.0.1:80')).toEqual([]);
    expect(exec('/usr/bin/app --socket-mode 0660')).toEqual([]);
    expect(exec('/usr/bin/app --redis-port 6379 --listen-port 8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart --listen-port 8080' }]);
  });
});

describe('providedBy: known programs', () => {
  it('python -m http.server [port] (default 8000), with --bind', () => {
    expect(exec('/usr/bin/python3 -m http.server 8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart -m http.server 8080' }]);
    expect(exec('/usr/bin/python3 -m http.server --directory /srv/www')).toEqual([{ resource: tcp('', 8000), how: 'ExecStart -m http.server (default port 8000)' }]);
    expect(exec('/usr/bin/python3.11 -u -m http.server 9000 --bind 127.0.0.1')).toEqual([
      { resource: tcp('127.0.0.1', 9000), how: 'ExecStart -m http.server 9000 --bind 127.0.0.1' },
    ]);
  });

  it('php -S, socat *-LISTEN, nc -l [-p]', () => {
    expect(exec('/usr/bin/php -S 127.0.0.1:8000 -t /srv/www')).toEqual([{ resource: tcp('127.0.0.1', 8000), how: 'ExecStart -S 127.0.0.1:8000' }]);
    expect(exec('/usr/bin/socat TCP-LISTEN:8080,fork,reuseaddr TCP:10.0.0.5:80')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart TCP-LISTEN:8080,fork,reuseaddr' }]);
    expect(exec('/usr/bin/socat -d -d TCP4-LISTEN:2222,bind=127.0.0.1,fork UNIX-CONNECT:/run/x.sock')).toEqual([
      { resource: tcp('127.0.0.1', 2222), how: 'ExecStart TCP4-LISTEN:2222,bind=127.0.0.1,fork' },
    ]);
    expect(exec('/usr/bin/socat UNIX-LISTEN:/run/proxy.sock,fork,mode=660 TCP:127.0.0.1:80')).toEqual([{ resource: unix('/run/proxy.sock'), how: 'ExecStart UNIX-LISTEN:/run/proxy.sock,fork,mode=660' }]);
    expect(exec('/usr/bin/socat UDP-RECVFROM:5353,fork STDOUT')).toEqual([{ resource: udp('', 5353), how: 'ExecStart UDP-RECVFROM:5353,fork' }]);
    expect(exec('/bin/nc -l -p 8080 -e /bin/cat')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart -l -p 8080' }]);
    expect(exec('/bin/nc -lk 127.0.0.1 7000')).toEqual([{ resource: tcp('127.0.0.1', 7000), how: 'ExecStart -lk 127.0.0.1 7000' }]);
    expect(exec('/usr/bin/ncat -lu 5000')).toEqual([{ resource: udp('', 5000), how: 'ExecStart -lu 5000' }]);
    expect(exec('/bin/nc -lU /run/nc.sock')).toEqual([{ resource: unix('/run/nc.sock'), how: 'ExecStart -lU /run/nc.sock' }]);
    expect(exec('/bin/nc -z 127.0.0.1 8080')).toEqual([]);
  });

  it('redis-server and postgres only with an explicit port; caddy --from serves a site', () => {
    expect(exec('/usr/bin/redis-server /etc/redis/redis.conf')).toEqual([]);
    expect(exec('/usr/bin/redis-server /etc/redis/redis.conf --port 6380 --bind "127.0.0.1 -::1" --unixsocket /run/redis/r.sock')).toEqual([
      { resource: tcp('127.0.0.1', 6380), how: 'ExecStart --port 6380 --bind 127.0.0.1 -::1' },
      { resource: tcp('::1', 6380), how: 'ExecStart --port 6380 --bind 127.0.0.1 -::1' },
      { resource: unix('/run/redis/r.sock'), how: 'ExecStart --unixsocket /run/redis/r.sock' },
    ]);
    expect(exec('/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main')).toEqual([]);
    expect(exec('/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg -p 5433 -k /run/postgresql')).toEqual([
      { resource: tcp('localhost', 5433), how: 'ExecStart -p 5433' },
      { resource: unix('/run/postgresql/.s.PGSQL.5433'), how: 'ExecStart -p 5433 -k /run/postgresql' },
    ]);
    expect(exec('/usr/bin/caddy reverse-proxy --from ci.example.net --to 127.0.0.1:8443')).toEqual([
      { resource: host('ci.example.net', 443, 'https'), how: 'ExecStart --from ci.example.net' },
    ]);
    expect(exec('/usr/bin/caddy file-server --root /srv --listen :8080')).toEqual([{ resource: tcp('', 8080), how: 'ExecStart --listen :8080' }]);
  });

  it('docker run -p, ssh -L, systemd-socket-activate -l, Django runserver', () => {
    expect(exec('/usr/bin/docker run --rm --name web -p 127.0.0.1:8080:80 -p 5353:53/udp -v /srv:/srv nginx:1.27 -p 1')).toEqual([
      { resource: tcp('127.0.0.1', 8080), how: 'ExecStart -p 127.0.0.1:8080:80' },
      { resource: udp('', 5353), how: 'ExecStart -p 5353:53/udp' },
    ]);
    expect(exec('/usr/bin/autossh -M 0 -N -L 5432:db.internal:5432 -L 0.0.0.0:6379:cache:6379 bastion')).toEqual([
      { resource: tcp('localhost', 5432), how: 'ExecStart -L 5432:db.internal:5432' },
      { resource: tcp('0.0.0.0', 6379), how: 'ExecStart -L 0.0.0.0:6379:cache:6379' },
    ]);
    expect(exec('/usr/bin/systemd-socket-activate -l 2000 --listen=/run/echo.sock /usr/bin/echo-server')).toEqual([
      { resource: tcp('', 2000), how: 'ExecStart -l 2000' },
      { resource: unix('/run/echo.sock'), how: 'ExecStart --listen=/run/echo.sock' },
    ]);
    expect(exec('/srv/venv/bin/python /srv/app/manage.py runserver 0:8000')).toEqual([{ resource: tcp('0.0.0.0', 8000), how: 'ExecStart runserver 0:8000' }]);
  });

  it('sees through wrappers and sh -c scripts', () => {
    expect(exec('/usr/bin/env NODE_ENV=production /usr/bin/node /srv/app/server.js --port 3000')).toEqual([
      { resource: tcp('', 3000), how: 'ExecStart --port 3000' },
    ]);
    expect(exec('/usr/bin/authbind --deep /usr/bin/runuser -u app -- /usr/bin/http-server /srv -p 80 -a 0.0.0.0')).toEqual([
      { resource: tcp('0.0.0.0', 80), how: 'ExecStart -p 80 -a 0.0.0.0' },
    ]);
    expect(exec(`/bin/sh -c 'cd /srv/app && exec bundle exec puma -b tcp://127.0.0.1:9292 -e production'`)).toEqual([
      { resource: tcp('127.0.0.1', 9292), how: 'ExecStart -b tcp://127.0.0.1:9292' },
    ]);
    expect(exec(`/bin/bash -c 'exec /usr/bin/app --port \${PORT:-8080}'`)).toEqual([{ resource: tcp('', 8080), how: 'ExecStart --port ${PORT:-8080}' }]);
    expect(exec(`/bin/sh -c 'exec /usr/bin/app --port \${PORT:-8080}'`, 'Environment=PORT=9090\n')).toEqual([
      { resource: tcp('', 9090), how: 'ExecStart --port ${PORT:-8080} (PORT=9090)' },
    ]);
    expect(exec(`/bin/sh -c 'until nc -z 127.0.0.1 9000; do sleep 1; done'`)).toEqual([]);
  });
});

describe('providedBy: templates and masks', () => {
  it('instances serve (with their specifiers), templates and masked units do not', () => {
    const p = load(tree({
      'etc/systemd/system/web@.service': '[Service]\nExecStart=/usr/bin/web --port %i\n',
      'etc/systemd/system/multi-user.target.wants/web@8081.service': '',
      'etc/systemd/system/old.socket': '[Socket]\nListenStream=9999\n',
    }));
    expect(providedBy(p.resolve('web@8081.service')!, p).map((x) => x.how)).toEqual(['ExecStart --port 8081']);
    expect(providedBy(p.units.get('web@.service')!, p)).toEqual([]);
    const dir = tree({ 'old.socket': '[Socket]\nListenStream=9999\n' });
    fs.symlinkSync('/dev/null', path.join(dir, 'etc-old.socket'));
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.renameSync(path.join(dir, 'etc-old.socket'), path.join(dir, 'etc', 'old.socket'));
    const q = load(dir);
    expect(providedBy(q.units.get('old.socket')!, q)).toEqual([]);
  });
});

describe('providedBy: environment', () => {
  it('PORT= and *_PORT= from Environment=, with HOST= paired; client-side names ignored', () => {
    expect(exec('/usr/bin/node /srv/app/index.js', 'Environment=NODE_ENV=production PORT=3000\n')).toEqual([
      { resource: tcp('', 3000), how: 'Environment PORT=3000' },
    ]);
    expect(exec('/usr/bin/app', 'Environment=HOST=127.0.0.1 "PORT=4000" DB_PORT=5432 REDIS_HOST=cache REDIS_PORT=6379\n')).toEqual([
      { resource: tcp('127.0.0.1', 4000), how: 'Environment HOST=127.0.0.1 PORT=4000' },
    ]);
    expect(exec('/usr/bin/app', 'Environment=API_HOST=api.example.com API_PORT=443\n')).toEqual([]);
  });

  it('*_ADDR=, *_LISTEN=, *_BIND= with host:port, URLs or unix paths; an empty Environment= resets', () => {
    expect(exec('/usr/bin/app', 'Environment=OLD_PORT=1\nEnvironment=\nEnvironment=HTTP_ADDR=:8080 GRPC_LISTEN=unix:/run/app/grpc.sock ADMIN_BIND=http://127.0.0.1:9001\n')).toEqual([
      { resource: tcp('', 8080), how: 'Environment HTTP_ADDR=:8080' },
      { resource: unix('/run/app/grpc.sock'), how: 'Environment GRPC_LISTEN=unix:/run/app/grpc.sock' },
      { resource: tcp('127.0.0.1', 9001), how: 'Environment ADMIN_BIND=http://127.0.0.1:9001' },
    ]);
  });

  it('$PORT / ${PORT} in ExecStart resolve through Environment=; the variable is not reported twice', () => {
    expect(exec('/usr/bin/app --port ${PORT} --listen 127.0.0.1:${ADMIN}', 'Environment=PORT=8080 ADMIN=9000\n')).toEqual([
      { resource: tcp('', 8080), how: 'ExecStart --port ${PORT} (PORT=8080)' },
      { resource: tcp('127.0.0.1', 9000), how: 'ExecStart --listen 127.0.0.1:${ADMIN} (ADMIN=9000)' },
    ]);
    // an unknown variable stays unresolved: nothing is guessed
    expect(exec('/usr/bin/app --port ${NOPE}')).toEqual([]);
    // ':' turns expansion off
    expect(exec(':/usr/bin/app --port ${PORT}', 'Environment=PORT=8080\n')).toEqual([{ resource: tcp('', 8080), how: 'Environment PORT=8080' }]);
  });

  it('EnvironmentFile= in the input tree (later files override Environment=; "-" optional, missing files ignored)', () => {
    const files = {
      'etc/systemd/system/api.service':
        '[Service]\nEnvironment=LISTEN_PORT=1111\nEnvironmentFile=/etc/default/api\nEnvironmentFile=-/etc/default/missing\nExecStart=/usr/bin/api $API_OPTS\n',
      'etc/default/api': '# api settings\nexport LISTEN_PORT=8443\nAPI_OPTS="--socket /run/api/api.sock --verbose"\n',
    };
    expect(served(files, 'api.service')).toEqual([
      { resource: unix('/run/api/api.sock'), how: 'ExecStart $API_OPTS (API_OPTS=--socket /run/api/api.sock --verbose)' },
      { resource: tcp('', 8443), how: 'EnvironmentFile /etc/default/api: LISTEN_PORT=8443' },
    ]);
    const p = load(tree(files));
    const prov = providedBy(p.units.get('api.service')!, p);
    expect(path.relative(p.cwd, prov[1].at.file)).toBe(path.join('etc', 'default', 'api'));
    expect(prov[1].at.line).toBe(2);
    expect(prov[0].at).toMatchObject({ line: 5, column: 24, endColumn: 33 });
  });
});

describe('providedBy: sockets and serves= comments', () => {
  it('every Listen*= form, in order; BindIPv6Only=ipv6-only; an empty Listen*= resets', () => {
    const out = served({
      'app.socket': [
        '[Socket]',
        'ListenStream=1',
        'ListenStream=',
        'ListenStream=8080',
        'ListenStream=127.0.0.1:8081',
        'ListenStream=[::1]:8082',
        'ListenStream=%t/app.sock',
        'ListenStream=@app-abstract',
        'ListenDatagram=0.0.0.0:514',
        'ListenDatagram=/run/app.dgram',
        'ListenSequentialPacket=/run/app.seq',
        'ListenFIFO=/run/app.fifo',
        'ListenStream=vsock:2:1234',
        '',
      ].join('\n'),
    }, 'app.socket');
    expect(out).toEqual([
      { resource: tcp('', 8080), how: 'ListenStream=8080' },
      { resource: tcp('127.0.0.1', 8081), how: 'ListenStream=127.0.0.1:8081' },
      { resource: tcp('::1', 8082), how: 'ListenStream=[::1]:8082' },
      { resource: unix('/run/app.sock'), how: 'ListenStream=/run/app.sock' },
      { resource: unix('@app-abstract'), how: 'ListenStream=@app-abstract' },
      { resource: udp('0.0.0.0', 514), how: 'ListenDatagram=0.0.0.0:514' },
      { resource: unix('/run/app.dgram'), how: 'ListenDatagram=/run/app.dgram' },
      { resource: unix('/run/app.seq'), how: 'ListenSequentialPacket=/run/app.seq' },
      { resource: { kind: 'file', path: '/run/app.fifo' }, how: 'ListenFIFO=/run/app.fifo' },
    ]);
    expect(served({ 'v6.socket': '[Socket]\nListenStream=443\nBindIPv6Only=ipv6-only\n' }, 'v6.socket')).toEqual([
      { resource: tcp('::', 443), how: 'ListenStream=443 (BindIPv6Only=ipv6-only)' },
    ]);
  });

  it('# unitlint: serves= in the fragment and drop-ins, several per comment', () => {
    const files = {
      'etc/systemd/system/dash.service': '[Unit]\nDescription=CI dashboard\n# unitlint: serves=https://ci.example.net -- published by the proxy\n[Service]\nExecStart=/usr/bin/ci-dashboard --listen 127.0.0.1:8443\n',
      'etc/systemd/system/dash.service.d/10-more.conf': '; unitlint: serves=tcp://127.0.0.1:9090, unix:/run/dash.sock, status.example.net:8080, udp://:5353\n[Service]\nNice=5\n',
    };
    expect(served(files, 'dash.service')).toEqual([
      { resource: tcp('127.0.0.1', 8443), how: 'ExecStart --listen 127.0.0.1:8443' },
      { resource: host('ci.example.net', 443, 'https'), how: 'comment serves=https://ci.example.net' },
      { resource: tcp('127.0.0.1', 9090), how: 'comment serves=tcp://127.0.0.1:9090' },
      { resource: unix('/run/dash.sock'), how: 'comment serves=unix:/run/dash.sock' },
      { resource: host('status.example.net', 8080, ''), how: 'comment serves=status.example.net:8080' },
      { resource: udp('', 5353), how: 'comment serves=udp://:5353' },
    ]);
    const p = load(tree(files));
    const prov = providedBy(p.units.get('dash.service')!, p);
    expect(prov[1].at).toMatchObject({ line: 3, column: 1 });
    expect(path.basename(prov[2].at.file)).toBe('10-more.conf');
    expect(served({ 'x.target': '[Unit]\n# unitlint: serves=ci.example.net\n' }, 'x.target')).toEqual([
      { resource: host('ci.example.net', 0, ''), how: 'comment serves=ci.example.net' },
    ]);
  });
});

describe('sameResource', () => {
  const cases: [Resource, Resource, boolean][] = [
    [tcp('localhost', 8080), tcp('0.0.0.0', 8080), true],
    [tcp('127.0.0.1', 8080), tcp('::', 8080), true],
    [tcp('::1', 8080), tcp('', 8080), true],
    [tcp('localhost', 8080), tcp('127.0.0.1', 8080), true],
    [tcp('127.0.0.1', 8080), tcp('::1', 8080), true],
    [tcp('127.0.0.2', 8080), tcp('localhost', 8080), true],
    [tcp('0.0.0.0', 8080), tcp('127.0.0.1', 8080), true],
    [tcp('127.0.0.1', 8080), tcp('127.0.0.1', 8081), false],
    [udp('127.0.0.1', 53), tcp('', 53), false],
    [udp('127.0.0.1', 53), udp('', 53), true],
    [tcp('10.0.0.5', 8080), tcp('', 8080), false],
    [tcp('ci.example.net', 443), tcp('', 443), false],
    [tcp('127.0.0.1', 8080), tcp('10.0.0.5', 8080), false],
    [tcp('10.0.0.5', 8080), tcp('10.0.0.5', 8080), true],
    [host('ci.example.net', 443, 'https'), host('ci.example.net', 443, 'https'), true],
    [host('ci.example.net', 443, 'https'), host('ci.example.net', 0, ''), true],
    [host('ci.example.net', 443, 'https'), host('ci.example.net', 80, 'http'), false],
    [host('ci.example.net', 443, 'https'), host('other.example.net', 443, 'https'), false],
    [host('ci.example.net', 443, 'https'), tcp('', 443), false],
    [tcp('ci.example.net', 443), host('ci.example.net', 443, 'https'), true],
    [host('localhost', 8080, 'http'), tcp('0.0.0.0', 8080), true],
    [unix('/run//x.sock'), unix('/run/x.sock'), true],
    [unix('/var/run/x.sock'), unix('/run/x.sock'), true],
    [unix('/run/x.sock'), unix('/run/y.sock'), false],
    [{ kind: 'file', path: '/run/x.sock' }, unix('/run/x.sock'), true],
    [{ kind: 'file', path: '/run/ready/' }, { kind: 'file', path: '/run/ready' }, true],
    [{ kind: 'unit', name: 'db.service' }, { kind: 'unit', name: 'db.service' }, true],
    [{ kind: 'unit', name: 'db' }, { kind: 'unit', name: 'db.service' }, true],
    [{ kind: 'unit', name: 'db.socket' }, { kind: 'unit', name: 'db.service' }, false],
  ];
  it.each(cases.map(([w, p, want]) => [describeResource(w), describeResource(p), want, w, p] as const))('%s waited, %s provided → %s', (_a, _b, want, w, p) => {
    expect(sameResource(w, p)).toBe(want);
  });

  it('URLs: https default port, local names become ports', () => {
    expect(resourceFromUrl('https://CI.example.net/health')).toEqual(host('ci.example.net', 443, 'https'));
    expect(resourceFromUrl('http://ci.example.net:8080')).toEqual(host('ci.example.net', 8080, 'http'));
    expect(resourceFromUrl('http://localhost:8080/healthz')).toEqual(tcp('localhost', 8080));
    expect(resourceFromUrl('http://[::1]/')).toEqual(tcp('::1', 80));
    expect(sameResource(resourceFromUrl('https://ci.example.net/x')!, host('ci.example.net', 443, 'https'))).toBe(true);
  });

  it('describeResource', () => {
    expect([tcp('127.0.0.1', 8080), tcp('', 80), udp('::1', 53), host('ci.example.net', 443, 'https'), host('ci.example.net', 8443, 'https'), unix('/run/x.sock'), { kind: 'unit', name: 'x.service' } as Resource, { kind: 'file', path: '/run/x' } as Resource].map(describeResource))
      .toEqual(['tcp 127.0.0.1:8080', 'tcp *:80', 'udp [::1]:53', 'https://ci.example.net', 'https://ci.example.net:8443', 'unix /run/x.sock', 'unit x.service', 'file /run/x']);
  });
});
