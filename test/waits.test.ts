import { beforeAll, describe, expect, it } from 'vitest';
import { initShell, parseShell, shellReady } from '../src/analysis/shell.js';
import {
  networkUsesInCommand,
  networkUsesInScript,
  resourceOfTarget,
  waitsInCommand,
  waitsInScript,
} from '../src/analysis/waits.js';
import type { Resource, Wait } from '../src/analysis/types.js';

const UNB = 'no iteration limit or timeout';
const port = (p: number, host = 'localhost'): Resource => ({ kind: 'port', proto: 'tcp', host, port: p });

function w(resource: Resource, probe: string, bounded: boolean, bound: string, retried: boolean, line: number, column: number, text: string): Wait {
  return { resource, probe, bounded, bound, retried, pos: { line, column }, text };
}

// Runs before initShell(): vitest enters this suite first, and the other suite's beforeAll only after.
describe('before initShell()', () => {
  it('the *Script functions and parseShell throw a clear error', () => {
    expect(shellReady()).toBe(false);
    expect(() => waitsInScript('true')).toThrow(/initShell/);
    expect(() => networkUsesInScript('true')).toThrow(/initShell/);
    expect(() => parseShell('true')).toThrow(/initShell/);
    // a command without a shell script needs no parser
    expect(waitsInCommand(['curl', '--retry', '3', 'http://localhost:81/'])).toHaveLength(1);
    expect(() => waitsInCommand(['sh', '-c', 'true'])).toThrow(/initShell/);
  });
});

describe('waits (health-gate probes)', () => {
  beforeAll(async () => {
    await initShell();
    await initShell(); // idempotent
  });

  describe('loops', () => {
    it('until curl …; do sleep 1; done is an unbounded retried wait', () => {
      expect(waitsInScript('until curl -sf http://127.0.0.1:8080/health; do sleep 1; done')).toEqual([
        w(port(8080, '127.0.0.1'), 'curl', false, UNB, true, 1, 7, 'curl -sf http://127.0.0.1:8080/health'),
      ]);
    });

    it('while ! nc -z host port (multi-line)', () => {
      expect(waitsInScript('#!/bin/sh\nset -e\nwhile ! nc -z localhost 5432\ndo\n  sleep 1\ndone\n')).toEqual([
        w(port(5432), 'nc -z', false, UNB, true, 3, 9, 'nc -z localhost 5432'),
      ]);
    });

    it('while true; do probe && break; sleep; done', () => {
      expect(waitsInScript('while true; do nc -zv db.example.com 5432 && break; sleep 2; done')).toEqual([
        w({ kind: 'host', name: 'db.example.com', port: 5432, scheme: 'tcp' }, 'nc -z', false, UNB, true, 1, 16, 'nc -zv db.example.com 5432'),
      ]);
    });

    it('while true; do if probe; then break; fi; sleep; done', () => {
      expect(waitsInScript('while true; do if curl -sf http://localhost:81/; then break; fi; sleep 1; done')).toEqual([
        w(port(81), 'curl', false, UNB, true, 1, 19, 'curl -sf http://localhost:81/'),
      ]);
    });

    it('for i in $(seq 1 30) is bounded by 30 iterations', () => {
      expect(waitsInScript('for i in $(seq 1 30); do curl -fs http://localhost:9000/ && break; sleep 1; done; exit 1')).toEqual([
        w(port(9000), 'curl', true, '30 iterations', true, 1, 26, 'curl -fs http://localhost:9000/'),
      ]);
    });

    it('for i in {1..10} with [ -S sock ] && exit 0', () => {
      expect(waitsInScript('for i in {1..10}; do [ -S /run/foo.sock ] && exit 0; sleep 1; done')).toEqual([
        w({ kind: 'unix', path: '/run/foo.sock' }, 'test -S', true, '10 iterations', true, 1, 22, '[ -S /run/foo.sock ]'),
      ]);
    });

    it('c-style for and a literal list of numbers are counters', () => {
      expect(waitsInScript('for ((i=0; i<15; i++)); do test -e /run/ready && break; sleep 1; done')).toEqual([
        w({ kind: 'file', path: '/run/ready' }, 'test -e', true, '15 iterations', true, 1, 28, 'test -e /run/ready'),
      ]);
      expect(waitsInScript('for i in 1 2 3 4 5; do nc -z localhost 6 && break; sleep 1; done')[0]).toMatchObject({ bounded: true, bound: '5 iterations', retried: true });
    });

    it('a counter in the while condition bounds the loop', () => {
      expect(waitsInScript('i=0\nwhile [ $i -lt 20 ]; do pg_isready -h db -p 5433 && break; i=$((i+1)); sleep 1; done')).toEqual([
        w({ kind: 'host', name: 'db', port: 5433, scheme: 'postgres' }, 'pg_isready', true, 'counter limit 20', true, 2, 25, 'pg_isready -h db -p 5433'),
      ]);
    });

    it('a counter checked in the body with exit bounds the loop', () => {
      const script = [
        'attempt=0',
        'while ! curl -sf http://localhost:14/; do',
        '  attempt=$((attempt + 1))',
        '  if [ "$attempt" -ge 10 ]; then',
        '    echo "gave up" >&2',
        '    exit 1',
        '  fi',
        '  sleep 2',
        'done',
      ].join('\n');
      expect(waitsInScript(script)).toEqual([w(port(14), 'curl', true, 'counter limit 10', true, 2, 9, 'curl -sf http://localhost:14/')]);
      expect(waitsInScript('n=0; until redis-cli ping; do n=$((n+1)); [ "$n" -ge 30 ] && exit 1; sleep 1; done')).toEqual([
        w(port(6379, '127.0.0.1'), 'redis-cli', true, 'counter limit 30', true, 1, 12, 'redis-cli ping'),
      ]);
      expect(waitsInScript('while [ $SECONDS -lt 60 ]; do nc -z localhost 10 && exit 0; sleep 1; done; exit 1')[0]).toMatchObject({ bounded: true, bound: 'counter limit 60' });
    });

    it('a comparison that is not a counter does not bound the loop', () => {
      // the probe's output compared with 200: polls forever
      expect(waitsInScript('while [ "$(curl -s -o /dev/null -w %{http_code} http://localhost:5/)" -ne 200 ]; do sleep 1; done')).toEqual([
        w(port(5), 'curl', false, UNB, true, 1, 12, 'curl -s -o /dev/null -w %{http_code} http://localhost:5/'),
      ]);
      // $i is never incremented
      expect(waitsInScript('until nc -z localhost 12 || [ $i -gt 3 ]; do sleep 1; done')[0]).toMatchObject({ bounded: false, retried: true });
    });

    it('a probe whose failure exits the loop is not retried by it', () => {
      expect(waitsInScript('set -e\nwhile true; do curl -f http://localhost:2/ || exit 1; sleep 1; done')).toEqual([
        w(port(2), 'curl', true, 'single attempt', false, 2, 16, 'curl -f http://localhost:2/'),
      ]);
    });

    it('loops over data retry nothing', () => {
      expect(waitsInScript('for h in a b; do curl http://localhost:2/; sleep 1; done')[0]).toMatchObject({ retried: false, bounded: true });
      expect(waitsInScript('while read line; do curl http://localhost:1/; done < /etc/x')[0]).toMatchObject({ retried: false });
    });

    it('a probe with its own retries inside an unbounded loop is unbounded', () => {
      expect(waitsInScript('until curl --retry 3 http://localhost:5/; do sleep 1; done')[0]).toMatchObject({ retried: true, bounded: false, bound: UNB });
    });
  });

  describe('timeout wrapping', () => {
    it('timeout 60 sh -c "until …" bounds the loop; positions inside the quoted script', () => {
      expect(waitsInScript('timeout 60 sh -c "until nc -z localhost 80; do sleep 1; done"')).toEqual([
        w(port(80), 'nc -z', true, 'timeout 60', true, 1, 25, 'nc -z localhost 80'),
      ]);
    });

    it('a timeout around each attempt inside the loop does not bound the loop', () => {
      expect(waitsInScript('until timeout 1 bash -c "</dev/tcp/127.0.0.1/5432"; do sleep 1; done')).toEqual([
        w(port(5432, '127.0.0.1'), '/dev/tcp', false, UNB, true, 1, 26, '</dev/tcp/127.0.0.1/5432'),
      ]);
    });

    it('timeout N around a probe that would wait forever bounds it', () => {
      expect(waitsInCommand(['timeout', '--signal=KILL', '90s', 'wait-for-it', 'localhost:84', '-t', '0'])).toEqual([
        w(port(84), 'wait-for-it', true, 'timeout 90s', true, 1, 27, 'wait-for-it localhost:84 -t 0'),
      ]);
    });
  });

  describe('probes', () => {
    it('bash /dev/tcp redirection', () => {
      expect(waitsInScript('until </dev/tcp/127.0.0.1/5432; do sleep 1; done')).toEqual([
        w(port(5432, '127.0.0.1'), '/dev/tcp', false, UNB, true, 1, 7, '</dev/tcp/127.0.0.1/5432'),
      ]);
      expect(waitsInScript('exec 3<>/dev/tcp/10.0.0.5/443')[0].resource).toEqual({ kind: 'host', name: '10.0.0.5', port: 443, scheme: 'tcp' });
    });

    it('curl --unix-socket, nc -U', () => {
      expect(waitsInScript('curl -sf --unix-socket /run/docker.sock http://x/_ping')).toEqual([
        w({ kind: 'unix', path: '/run/docker.sock' }, 'curl', true, 'single attempt', false, 1, 1, 'curl -sf --unix-socket /run/docker.sock http://x/_ping'),
      ]);
      expect(waitsInScript('nc -U /run/x.sock </dev/null')[0]).toMatchObject({ resource: { kind: 'unix', path: '/run/x.sock' }, probe: 'nc -U' });
    });

    it('pg_isready defaults and unix directories', () => {
      expect(waitsInScript('until pg_isready -q; do sleep 1; done')[0].resource).toEqual(port(5432));
      expect(waitsInScript('until pg_isready -h /run/postgresql; do sleep 1; done')[0].resource).toEqual({ kind: 'unix', path: '/run/postgresql/.s.PGSQL.5432' });
    });

    it('redis-cli and mysqladmin', () => {
      expect(waitsInScript('redis-cli -s /run/redis/redis.sock ping')[0].resource).toEqual({ kind: 'unix', path: '/run/redis/redis.sock' });
      expect(waitsInScript('sudo -u redis redis-cli -h 127.0.0.1 -p 6380 ping')).toEqual([
        w(port(6380, '127.0.0.1'), 'redis-cli', true, 'single attempt', false, 1, 15, 'redis-cli -h 127.0.0.1 -p 6380 ping'),
      ]);
      expect(waitsInScript('until mysqladmin ping -h 127.0.0.1 -P 3307 --silent; do sleep 1; done')).toEqual([
        w(port(3307, '127.0.0.1'), 'mysqladmin ping', false, UNB, true, 1, 7, 'mysqladmin ping -h 127.0.0.1 -P 3307 --silent'),
      ]);
      expect(waitsInScript('mysqladmin -S /run/mysqld/mysqld.sock ping')[0].resource).toEqual({ kind: 'unix', path: '/run/mysqld/mysqld.sock' });
    });

    it('test -S / [[ -e ]] file probes', () => {
      expect(waitsInScript('until [[ -e /run/a && -S /run/b ]]; do sleep 1; done')).toEqual([
        w({ kind: 'file', path: '/run/a' }, 'test -e', false, UNB, true, 1, 7, '[[ -e /run/a && -S /run/b ]]'),
        w({ kind: 'unix', path: '/run/b' }, 'test -S', false, UNB, true, 1, 7, '[[ -e /run/a && -S /run/b ]]'),
      ]);
    });

    it('systemctl is-active / start / restart / --no-block', () => {
      expect(waitsInScript('while ! systemctl is-active --quiet foo; do sleep 1; done')).toEqual([
        w({ kind: 'unit', name: 'foo.service' }, 'systemctl is-active', false, UNB, true, 1, 9, 'systemctl is-active --quiet foo'),
      ]);
      expect(waitsInScript('systemctl start bar.socket\nsystemctl --no-block start baz')).toEqual([
        w({ kind: 'unit', name: 'bar.socket' }, 'systemctl start', true, "bar.socket's TimeoutStartSec", true, 1, 1, 'systemctl start bar.socket'),
      ]);
      expect(waitsInCommand(['-/usr/bin/systemctl', 'restart', 'nginx'])).toEqual([
        w({ kind: 'unit', name: 'nginx.service' }, 'systemctl restart', true, "nginx.service's TimeoutStartSec", true, 1, 2, '/usr/bin/systemctl restart nginx'),
      ]);
      expect(waitsInScript('systemctl --wait start job')[0]).toMatchObject({ bounded: false, retried: true });
    });

    it('ss | grep and lsof -i', () => {
      expect(waitsInScript('until ss -ltn | grep -q ":8080 "; do sleep 1; done')).toEqual([
        w({ kind: 'port', proto: 'tcp', host: '', port: 8080 }, 'ss | grep', false, UNB, true, 1, 7, 'ss -ltn | grep -q ":8080 "'),
      ]);
      expect(waitsInScript('until lsof -i :3000; do sleep 1; done')[0]).toMatchObject({ resource: { kind: 'port', proto: 'tcp', host: '', port: 3000 }, probe: 'lsof -i' });
    });

    it('curl --retry, wget --tries / --retry-connrefused', () => {
      expect(waitsInCommand(['/usr/bin/curl', '--retry', '5', '--retry-connrefused', '-sf', 'http://127.0.0.1:8080/health'])).toEqual([
        w(port(8080, '127.0.0.1'), 'curl', true, '--retry 5', true, 1, 1, '/usr/bin/curl --retry 5 --retry-connrefused -sf http://127.0.0.1:8080/health'),
      ]);
      expect(waitsInScript('wget -q --tries=5 -O- http://localhost:8000/ready')[0]).toMatchObject({ retried: true, bounded: true, bound: '--tries=5' });
      expect(waitsInScript('wget --retry-connrefused http://localhost:7/')[0]).toMatchObject({ retried: true, bound: '--tries=20 (default)' });
      expect(waitsInScript('wget -t 0 http://localhost:8/')[0]).toMatchObject({ retried: true, bounded: false });
      expect(waitsInScript('wget -qO- http://localhost:9/')[0]).toMatchObject({ retried: false });
    });

    it('wait-for-it (default -t 15, -t 0) and the command it runs', () => {
      expect(waitsInCommand(['/usr/bin/wait-for-it', 'db:5432', '--', 'curl', 'http://localhost:1/'])).toEqual([
        w({ kind: 'host', name: 'db', port: 5432, scheme: 'tcp' }, 'wait-for-it', true, '-t 15 (default)', true, 1, 1, '/usr/bin/wait-for-it db:5432'),
        w(port(1), 'curl', true, 'single attempt', false, 1, 33, 'curl http://localhost:1/'),
      ]);
      expect(waitsInCommand(['wait-for-it.sh', '-h', 'localhost', '-p', '80', '-t', '0'])).toEqual([
        w(port(80), 'wait-for-it', false, '-t 0 (no timeout)', true, 1, 1, 'wait-for-it.sh -h localhost -p 80 -t 0'),
      ]);
    });

    it('dockerize -wait (default -timeout 10s)', () => {
      const t = 'dockerize -wait tcp://db:5432 -wait http://localhost:80/x -timeout 30s';
      expect(waitsInCommand(t.split(' '))).toEqual([
        w({ kind: 'host', name: 'db', port: 5432, scheme: 'tcp' }, 'dockerize -wait', true, '-timeout 30s', true, 1, 1, t),
        w(port(80), 'dockerize -wait', true, '-timeout 30s', true, 1, 1, t),
      ]);
      expect(waitsInCommand(['dockerize', '-wait', 'unix:///run/a.sock'])[0]).toMatchObject({ resource: { kind: 'unix', path: '/run/a.sock' }, bound: '-timeout 10s (default)' });
    });
  });

  describe('variables and functions', () => {
    it('resolves earlier assignments', () => {
      expect(waitsInScript('PORT=8080; HOST=localhost\nuntil curl -s "http://$HOST:$PORT/"; do sleep 1; done')).toEqual([
        w(port(8080), 'curl', false, UNB, true, 2, 7, 'curl -s "http://$HOST:$PORT/"'),
      ]);
      expect(waitsInScript('until curl -s http://localhost:${PORT:-8081}/; do sleep 1; done')[0].resource).toEqual(port(8081));
    });

    it('skips a probe whose target is unresolved (never guesses)', () => {
      expect(waitsInScript('until curl http://localhost:$PORT/; do sleep 1; done')).toEqual([]);
      expect(waitsInScript('curl https://$(hostname)/')).toEqual([]);
      // not exported: the child shell does not see P
      expect(waitsInScript("P=99; bash -c 'curl localhost:$P'")).toEqual([]);
      expect(waitsInScript("export P=99; bash -c 'curl localhost:$P'")[0].resource).toEqual(port(99));
    });

    it('analyses a function at its call, with its arguments', () => {
      expect(waitsInScript('wait_port() {\n  until nc -z 127.0.0.1 "$1"; do sleep 1; done\n}\nwait_port 6379')).toEqual([
        w(port(6379, '127.0.0.1'), 'nc -z', false, UNB, true, 2, 9, 'nc -z 127.0.0.1 "$1"'),
      ]);
      // a loop that calls a function: the function's probe is retried
      expect(waitsInScript('check() { curl -sf http://localhost:3/; }\nuntil check; do sleep 1; done')[0]).toMatchObject({ retried: true, pos: { line: 1, column: 11 } });
      // a function never called here still counts
      expect(waitsInScript('never() { until nc -z localhost 4; do sleep 1; done; }')[0]).toMatchObject({ retried: true, resource: port(4) });
    });

    it('sh -c with positional arguments', () => {
      expect(waitsInScript("sh -c 'nc -z localhost $1' _ 8080")).toEqual([w(port(8080), 'nc -z', true, 'single attempt', false, 1, 8, 'nc -z localhost $1')]);
    });
  });

  describe('waitsInCommand: shells and positions', () => {
    it('/bin/sh -ec "…" on one line: columns in the joined command line', () => {
      expect(waitsInCommand(['/bin/sh', '-ec', 'until nc -z localhost 80; do sleep 1; done'])).toEqual([
        w(port(80), 'nc -z', false, UNB, true, 1, 19, 'nc -z localhost 80'),
      ]);
    });

    it('timeout 30 bash -c with a multi-line script keeps the script lines', () => {
      expect(waitsInCommand(['timeout', '30', 'bash', '-c', 'set -e\nuntil curl -sf http://localhost:80/; do\n  sleep 1\ndone'])).toEqual([
        w(port(80), 'curl', true, 'timeout 30', true, 2, 7, 'curl -sf http://localhost:80/'),
      ]);
      expect(waitsInCommand(['/bin/bash', '-c', 'for i in $(seq 1 10); do\n  curl -sf http://127.0.0.1:80/ && exit 0\n  sleep 1\ndone\nexit 1'])).toEqual([
        w(port(80, '127.0.0.1'), 'curl', true, '10 iterations', true, 2, 3, 'curl -sf http://127.0.0.1:80/'),
      ]);
    });

    it('env VAR=… and @ prefixes', () => {
      expect(waitsInCommand(['env', 'PORT=83', 'sh', '-c', 'until nc -z localhost $PORT; do sleep 1; done'])[0]).toMatchObject({ resource: port(83), pos: { line: 1, column: 25 } });
      expect(waitsInCommand(['@/bin/sh', 'myname', '-c', 'until nc -z localhost 82; do sleep 1; done'])[0]).toMatchObject({ resource: port(82), pos: { line: 1, column: 26 } });
    });
  });

  describe('non-waits', () => {
    it('a single curl is reported with retried=false', () => {
      expect(waitsInScript('curl -sf http://localhost:15/ >/dev/null 2>&1 || exit 1')).toEqual([
        w(port(15), 'curl', true, 'single attempt', false, 1, 1, 'curl -sf http://localhost:15/'),
      ]);
    });

    it('echo of a URL, a URL in a comment, a listener', () => {
      expect(waitsInScript('echo http://localhost:80/ # curl http://localhost:81/\n# until nc -z localhost 1; do sleep 1; done')).toEqual([]);
      expect(waitsInScript('ncat -l 16')).toEqual([]);
      expect(waitsInCommand(['/usr/bin/echo', 'http://localhost:80/'])).toEqual([]);
    });

    it('sh running a script file cannot be seen', () => {
      expect(waitsInCommand(['/bin/sh', '/usr/lib/x/wait.sh'])).toEqual([]);
    });
  });

  describe('network uses', () => {
    it('finds git, apt-get, pip, docker pull, npm, curl to non-local hosts', () => {
      const s =
        'git clone https://github.com/a/b.git /srv/b && apt-get update && pip install -r r.txt\n' +
        'docker pull quay.io/x/y:1; git fetch origin; git clone git@gitlab.com:a/b\n' +
        'npm ci; pip3 install --no-index foo; curl https://localhost/; curl -fsSL https://ci.example.net/x';
      expect(networkUsesInScript(s)).toEqual([
        { host: 'github.com', command: 'git clone https://github.com/a/b.git /srv/b', pos: { line: 1, column: 1 } },
        { host: '', command: 'apt-get update', pos: { line: 1, column: 48 } },
        { host: '', command: 'pip install -r r.txt', pos: { line: 1, column: 66 } },
        { host: 'quay.io', command: 'docker pull quay.io/x/y:1', pos: { line: 2, column: 1 } },
        { host: '', command: 'git fetch origin', pos: { line: 2, column: 28 } },
        { host: 'gitlab.com', command: 'git clone git@gitlab.com:a/b', pos: { line: 2, column: 46 } },
        { host: '', command: 'npm ci', pos: { line: 3, column: 1 } },
        { host: 'ci.example.net', command: 'curl -fsSL https://ci.example.net/x', pos: { line: 3, column: 63 } },
      ]);
    });

    it('networkUsesInCommand, through sh -c too', () => {
      expect(networkUsesInCommand(['/usr/bin/curl', '-fsSL', 'https://ci.example.net/x'])).toEqual([
        { host: 'ci.example.net', command: '/usr/bin/curl -fsSL https://ci.example.net/x', pos: { line: 1, column: 1 } },
      ]);
      expect(networkUsesInCommand(['/bin/sh', '-c', 'dnf -y install foo && podman pull registry.example.org/a/b'])).toEqual([
        { host: '', command: 'dnf -y install foo', pos: { line: 1, column: 12 } },
        { host: 'registry.example.org', command: 'podman pull registry.example.org/a/b', pos: { line: 1, column: 34 } },
      ]);
      expect(networkUsesInCommand(['git', 'clone', '/srv/local.git'])).toEqual([]);
    });
  });

  describe('resourceOfTarget', () => {
    it('parses URLs, host:port and unix paths', () => {
      expect(resourceOfTarget('http://127.0.0.1:8080/health')).toEqual(port(8080, '127.0.0.1'));
      expect(resourceOfTarget('https://ci.example.net')).toEqual({ kind: 'host', name: 'ci.example.net', port: 443, scheme: 'https' });
      expect(resourceOfTarget('HTTP://Example.COM:8443/x')).toEqual({ kind: 'host', name: 'example.com', port: 8443, scheme: 'http' });
      expect(resourceOfTarget('redis://:pw@localhost/0')).toEqual(port(6379));
      expect(resourceOfTarget('postgres://u@db.local/x')).toEqual({ kind: 'host', name: 'db.local', port: 5432, scheme: 'postgres' });
      expect(resourceOfTarget('[::1]:80')).toEqual(port(80, '::1'));
      expect(resourceOfTarget('0.0.0.0:9')).toEqual(port(9, '0.0.0.0'));
      expect(resourceOfTarget('unix:///run/x.sock')).toEqual({ kind: 'unix', path: '/run/x.sock' });
      expect(resourceOfTarget('/run/x.sock')).toEqual({ kind: 'unix', path: '/run/x.sock' });
      expect(resourceOfTarget('foo')).toBeUndefined();
      expect(resourceOfTarget('tcp://db')).toBeUndefined();
      expect(resourceOfTarget('localhost:99999')).toBeUndefined();
    });
  });

  it('parses 1,000 small scripts well under a second', () => {
    const scripts = Array.from(
      { length: 1000 },
      (_, i) => `#!/bin/sh\nset -e\nPORT=${8000 + i}\nuntil curl -sf "http://localhost:$PORT/health"; do\n  sleep 1\ndone\n[ -S /run/x${i}.sock ] && echo ok\n`,
    );
    const t0 = performance.now();
    let n = 0;
    for (const s of scripts) n += waitsInScript(s).length;
    const ms = performance.now() - t0;
    console.log(`waitsInScript: ${(ms / 1000).toFixed(3)} ms per script (${ms.toFixed(0)} ms for 1,000)`);
    expect(n).toBe(2000);
    expect(ms).toBeLessThan(2000);
  });
});
