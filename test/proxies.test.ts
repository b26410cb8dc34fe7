/** Reverse-proxy routes read from nginx, Caddy, HAProxy and Traefik configuration (proxies.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../src/model/load.js';
import type { Resource } from '../src/analysis/types.js';
import { proxyRoutes } from '../src/analysis/proxies.js';

type Entry = string | Buffer | { link: string };

function tree(files: Record<string, Entry>): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-proxies-')));
  for (const [f, v] of Object.entries(files)) {
    const p = path.join(dir, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (typeof v === 'object' && !Buffer.isBuffer(v)) fs.symlinkSync(v.link, p);
    else fs.writeFileSync(p, v);
  }
  return dir;
}

const load = (dir: string) => loadProject([dir], { cwd: dir, ignore: [], builtins: false });

/** The routes of a tree, with `at` as "relative/file:line". */
function routes(files: Record<string, Entry>, root = '') {
  const dir = tree(files);
  const p = load(path.join(dir, root));
  return proxyRoutes(p).map((r) => ({
    host: r.host,
    port: r.port,
    scheme: r.scheme,
    upstream: r.upstream,
    proxyUnit: r.proxyUnit,
    at: `${path.relative(dir, r.at.file)}:${r.at.line}`,
  }));
}

const tcp = (host: string, port: number): Resource => ({ kind: 'port', proto: 'tcp', host, port });
const unix = (p: string): Resource => ({ kind: 'unix', path: p });
const R = (host: string, port: number, scheme: 'http' | 'https', upstream: Resource, proxyUnit: string, at: string) => ({ host, port, scheme, upstream, proxyUnit, at });

const NGINX_CONF = `user www-data;
events { worker_connections 768; }
http {
    include mime.types;
    upstream backend {
        server 127.0.0.1:9000 weight=2;
        server unix:/run/b.sock backup;
        server 10.0.0.5:80 down;
    }
    include /etc/nginx/sites-enabled/*;
}
`;

const CI_SITE = `server {
    listen 443 ssl http2;
    listen [::]:443 ssl;
    server_name ci.example.net CI.Example.Net.;
    location /api { proxy_pass http://127.0.0.1:9999; }
    location / {
        proxy_pass http://127.0.0.1:8443;   # the dashboard
    }
}
server {
    listen 80 default_server;
    server_name _;
    location / { proxy_pass http://unix:/run/app.sock:/; }
}
`;

describe('nginx', () => {
  it('reads nginx.conf with its includes: upstream blocks, unix upstreams, default_server, listen ssl', () => {
    expect(
      routes({
        'etc/nginx/nginx.conf': NGINX_CONF,
        'etc/nginx/sites-available/app.conf': `server {\n  server_name app.example.net;\n  location / { proxy_pass http://backend; }\n}\n`,
        'etc/nginx/sites-available/unused.conf': `server { server_name unused.example.net; location / { proxy_pass http://127.0.0.1:1; } }\n`,
        // an absolute link target is looked up in the tree
        'etc/nginx/sites-enabled/app.conf': { link: '/etc/nginx/sites-available/app.conf' },
        'etc/nginx/sites-enabled/ci.conf': CI_SITE,
      }),
    ).toEqual([
      R('app.example.net', 80, 'http', tcp('127.0.0.1', 9000), 'nginx.service', 'etc/nginx/nginx.conf:6'),
      R('app.example.net', 80, 'http', unix('/run/b.sock'), 'nginx.service', 'etc/nginx/nginx.conf:7'),
      R('ci.example.net', 443, 'https', tcp('127.0.0.1', 8443), 'nginx.service', 'etc/nginx/sites-enabled/ci.conf:7'),
      R('', 80, 'http', unix('/run/app.sock'), 'nginx.service', 'etc/nginx/sites-enabled/ci.conf:13'),
    ]);
  });

  it('says how and where', () => {
    const dir = tree({ 'etc/nginx/sites-enabled/ci.conf': CI_SITE });
    const [r] = proxyRoutes(load(dir));
    expect(r.how).toBe('nginx server_name ci.example.net → proxy_pass http://127.0.0.1:8443');
    expect(r.at).toEqual({ file: path.join(dir, 'etc/nginx/sites-enabled/ci.conf'), line: 7, column: 9, endLine: 7, endColumn: 42 });
  });

  it('reads sites-enabled/ without nginx.conf; sites-available/ only through its links or when there is no sites-enabled/', () => {
    expect(
      routes({
        'etc/nginx/sites-available/ci.conf': `server { listen 8080; server_name ci.example.net; location / { proxy_pass http://localhost:3000/; } }\n`,
        'etc/nginx/sites-available/off.conf': `server { server_name off.example.net; location / { proxy_pass http://127.0.0.1:1; } }\n`,
        'etc/nginx/sites-enabled/ci.conf': { link: '../sites-available/ci.conf' },
      }),
    ).toEqual([R('ci.example.net', 8080, 'http', tcp('localhost', 3000), 'nginx.service', 'etc/nginx/sites-available/ci.conf:1')]);
    expect(
      routes({
        'nginx/sites-available/a.conf': `server {\n  server_name a.example.net;\n  location / { proxy_pass https://127.0.0.1:8443; }\n}\n`,
      }),
    ).toEqual([R('a.example.net', 80, 'http', tcp('127.0.0.1', 8443), 'nginx.service', 'nginx/sites-available/a.conf:3')]);
  });

  it('follows relative and absolute includes inside blocks; missing listen = 80; prefers location /; upstreams shared across files', () => {
    expect(
      routes({
        'etc/nginx/conf.d/upstreams.conf': `upstream app {\n  server 127.0.0.1:7000;\n}\n`,
        'etc/nginx/conf.d/site.conf': `server {
  server_name site.example.net;
  location /static { root /srv; }
  location @fallback { proxy_pass http://127.0.0.1:1; }
  location / {
    include snippets/proxy.conf;
  }
}
server {
  server_name other.example.net;
  location /api/ { include /etc/nginx/snippets/app.conf; }
}
`,
        'etc/nginx/snippets/proxy.conf': `proxy_set_header Host $host;\nproxy_pass http://127.0.0.1:6000;\n`,
        'etc/nginx/snippets/app.conf': `proxy_pass http://app;\n`,
      }),
    ).toEqual([
      R('site.example.net', 80, 'http', tcp('127.0.0.1', 6000), 'nginx.service', 'etc/nginx/snippets/proxy.conf:2'),
      R('other.example.net', 80, 'http', tcp('127.0.0.1', 7000), 'nginx.service', 'etc/nginx/conf.d/upstreams.conf:2'),
    ]);
  });

  it('skips variables, stream blocks and servers without proxy_pass', () => {
    expect(
      routes({
        'etc/nginx/nginx.conf': `http {
  server { listen 80; server_name redirect.example.net; return 301 https://$host$request_uri; }
  server { server_name var.example.net; location / { proxy_pass http://$backend; } }
}
stream { server { listen 5432; proxy_pass 127.0.0.1:5433; } }
`,
      }),
    ).toEqual([]);
  });
});

describe('Caddy', () => {
  it('reads site blocks: several addresses, https by default, :port catch-alls, unix upstreams, to, snippets skipped', () => {
    expect(
      routes({
        'etc/caddy/Caddyfile': `{
  email admin@example.net
}
(common) {
  reverse_proxy 127.0.0.1:1
}
ci.example.net { reverse_proxy 127.0.0.1:8443 }
https://a.example, b.example {
  handle /api/* {
    reverse_proxy localhost:9000
  }
  handle {
    reverse_proxy localhost:3000
  }
}
:8080 {
  reverse_proxy unix//run/app.sock
}
http://c.example:8081 {
  # two upstreams
  reverse_proxy {
    to 127.0.0.1:5000 127.0.0.1:5001
  }
}
d.example:8443 {
  reverse_proxy /api/* 127.0.0.1:9001
}
`,
      }),
    ).toEqual([
      R('ci.example.net', 443, 'https', tcp('127.0.0.1', 8443), 'caddy.service', 'etc/caddy/Caddyfile:7'),
      R('a.example', 443, 'https', tcp('localhost', 3000), 'caddy.service', 'etc/caddy/Caddyfile:13'),
      R('b.example', 443, 'https', tcp('localhost', 3000), 'caddy.service', 'etc/caddy/Caddyfile:13'),
      R('', 8080, 'http', unix('/run/app.sock'), 'caddy.service', 'etc/caddy/Caddyfile:17'),
      R('c.example', 8081, 'http', tcp('127.0.0.1', 5000), 'caddy.service', 'etc/caddy/Caddyfile:22'),
      R('c.example', 8081, 'http', tcp('127.0.0.1', 5001), 'caddy.service', 'etc/caddy/Caddyfile:22'),
      R('d.example', 8443, 'https', tcp('127.0.0.1', 9001), 'caddy.service', 'etc/caddy/Caddyfile:26'),
    ]);
  });

  it('reads a single-site Caddyfile without braces, and *.caddy files; a file of bare directives is no site', () => {
    expect(
      routes({
        'Caddyfile': `ci.example.net\n\nreverse_proxy :8443\n`,
        'etc/caddy/sites/git.caddy': `git.example.net {\n\treverse_proxy http://127.0.0.1:3000\n}\n`,
        'etc/caddy/snippets/proxy.caddy': `reverse_proxy 127.0.0.1:1\n`,
      }),
    ).toEqual([
      R('ci.example.net', 443, 'https', tcp('localhost', 8443), 'caddy.service', 'Caddyfile:3'),
      R('git.example.net', 443, 'https', tcp('127.0.0.1', 3000), 'caddy.service', 'etc/caddy/sites/git.caddy:2'),
    ]);
  });
});

describe('HAProxy', () => {
  it('reads frontends (bind, host ACLs, use_backend, default_backend) and backends', () => {
    expect(
      routes({
        'etc/haproxy/haproxy.cfg': `global
  daemon
defaults
  mode http
frontend https-in
  bind *:443 ssl crt /etc/ssl/x.pem
  acl host_ci hdr(host) -i ci.example.net
  acl host_git hdr(host) -i git.example.net
  acl is_api path_beg /api
  use_backend api if host_ci is_api
  use_backend ci if host_ci
  use_backend git if host_git || { hdr(host) -i gitlab.example.net }
  default_backend web
frontend http-in
  bind :80
  use_backend ci if { hdr(host) -i ci.example.net:80 }
backend ci
  server s1 127.0.0.1:8443 check
  server s2 127.0.0.1:8444 check disabled
backend api
  server a1 127.0.0.1:9000
backend git
  server g1 unix@/run/git.sock
backend web
  server w1 127.0.0.1:8080 check
  server w2 10.0.0.9
`,
      }),
    ).toEqual([
      R('ci.example.net', 443, 'https', tcp('127.0.0.1', 8443), 'haproxy.service', 'etc/haproxy/haproxy.cfg:18'),
      R('git.example.net', 443, 'https', unix('/run/git.sock'), 'haproxy.service', 'etc/haproxy/haproxy.cfg:23'),
      R('gitlab.example.net', 443, 'https', unix('/run/git.sock'), 'haproxy.service', 'etc/haproxy/haproxy.cfg:23'),
      R('', 443, 'https', tcp('127.0.0.1', 8080), 'haproxy.service', 'etc/haproxy/haproxy.cfg:25'),
      R('ci.example.net', 80, 'http', tcp('127.0.0.1', 8443), 'haproxy.service', 'etc/haproxy/haproxy.cfg:18'),
    ]);
  });

  it('in TCP mode (the default) only SNI names a host; listen sections route to their own servers', () => {
    expect(
      routes({
        'haproxy/edge.cfg': `frontend tls
  bind :443
  tcp-request inspect-delay 5s
  acl sni_ci req.ssl_sni -i ci.example.net
  acl h hdr(host) -i ignored.example.net
  use_backend ci if sni_ci
  use_backend other if h
backend ci
  server c 127.0.0.1:8443
backend other
  server o 127.0.0.1:1
listen web
  mode http
  bind 127.0.0.1:8000
  server w 127.0.0.1:8001
`,
      }),
    ).toEqual([
      R('ci.example.net', 443, 'https', tcp('127.0.0.1', 8443), 'haproxy.service', 'haproxy/edge.cfg:9'),
      R('', 8000, 'http', tcp('127.0.0.1', 8001), 'haproxy.service', 'haproxy/edge.cfg:15'),
    ]);
  });
});

describe('Traefik', () => {
  it('reads YAML routers and services, with entry points from the static configuration', () => {
    expect(
      routes({
        'etc/traefik/traefik.yml': `entryPoints:\n  web:\n    address: ":80"\n  websecure:\n    address: ":8443"\n    http:\n      tls: {}\n`,
        'etc/traefik/dynamic/ci.yml': `http:
  routers:
    ci:
      rule: Host(\`ci.example.net\`) && PathPrefix(\`/\`)
      service: ci@file
      entryPoints: [websecure]
    dash:
      rule: Host(\`traefik.example.net\`)
      service: api@internal
    anywhere:
      rule: PathPrefix(\`/metrics\`)
      service: ci
      entryPoints:
        - web
  services:
    ci:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:8443
          - url: "http://unix:/ignored"
`,
      }),
    ).toEqual([
      R('ci.example.net', 8443, 'https', tcp('127.0.0.1', 8443), 'traefik.service', 'etc/traefik/dynamic/ci.yml:19'),
      R('', 80, 'http', tcp('127.0.0.1', 8443), 'traefik.service', 'etc/traefik/dynamic/ci.yml:19'),
    ]);
  });

  it('reads TOML; without a static configuration web is 80 and websecure 443', () => {
    expect(
      routes({
        'traefik/dynamic/git.toml': `# git
[http.routers.git]
  rule = "Host(\`git.example.net\`) || Host(\`gitlab.example.net\`)"
  service = "git"
  tls = {}
[http.services.git.loadBalancer]
  [[http.services.git.loadBalancer.servers]]
    url = "http://127.0.0.1:3000"
`,
        'traefik/dynamic/web.toml': `[http.routers.web]\nrule = 'Host("web.example.net")'\nservice = "web"\nentryPoints = ["web"]\n[http.services.web.loadBalancer]\nservers = [{ url = "http://localhost:8080" }]\n`,
      }),
    ).toEqual([
      R('git.example.net', 443, 'https', tcp('127.0.0.1', 3000), 'traefik.service', 'traefik/dynamic/git.toml:8'),
      R('gitlab.example.net', 443, 'https', tcp('127.0.0.1', 3000), 'traefik.service', 'traefik/dynamic/git.toml:8'),
      R('web.example.net', 80, 'http', tcp('localhost', 8080), 'traefik.service', 'traefik/dynamic/web.toml:6'),
    ]);
  });
});

describe('proxyRoutes', () => {
  it('names the unit the configuration location implies when the project has it', () => {
    expect(
      routes({
        'etc/systemd/system/nginx-internal.service': `[Service]\nExecStart=/usr/sbin/nginx -c /etc/nginx-internal/nginx.conf\n`,
        'etc/nginx-internal/nginx.conf': `http { server { server_name int.example.net; location / { proxy_pass http://127.0.0.1:81; } } }\n`,
        'etc/nginx-other/nginx.conf': `http { server { server_name other.example.net; location / { proxy_pass http://127.0.0.1:82; } } }\n`,
      }),
    ).toEqual([
      R('int.example.net', 80, 'http', tcp('127.0.0.1', 81), 'nginx-internal.service', 'etc/nginx-internal/nginx.conf:1'),
      R('other.example.net', 80, 'http', tcp('127.0.0.1', 82), 'nginx.service', 'etc/nginx-other/nginx.conf:1'),
    ]);
  });

  it('skips malformed and binary files without throwing', () => {
    const bad = routes({
      'etc/nginx/nginx.conf': `http {\n  server {\n    server_name a.example.net;\n    location / { proxy_pass http://127.0.0.1:1; }\n  \n`,
      'etc/nginx/sites-enabled/bin': Buffer.from([0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x00, 0x7b, 0xff, 0xfe]),
      'etc/nginx/sites-enabled/quote': `server { server_name "q.example.net; location / { proxy_pass http://127.0.0.1:2; } }\n`,
      'etc/nginx/sites-enabled/deep': '{'.repeat(50_000),
      'etc/caddy/Caddyfile': `ci.example.net {\n  reverse_proxy 127.0.0.1:3\n`,
      'etc/caddy/x/extra.caddy': `}\n}\n{ {\n`,
      'etc/haproxy/haproxy.cfg': `frontend\n  bind\n  use_backend if { hdr(host) -i\nbackend\n  server\n\u0001\u0002`,
      'etc/traefik/bad.yml': `http:\n  routers: [\n    ci: {\n`,
      'etc/traefik/alias.yml': `a: &a [*a]\nhttp: { routers: { r: { rule: "Host(\`x.example\`)", service: s } }, services: { s: { loadBalancer: { servers: *a } } } }\n`,
      'etc/traefik/bad.toml': `[http.routers.r\nrule = "Host(\`y.example\`)\nservice = = 1\n[[[\n`,
    });
    expect(bad).toEqual([]);
  });

  it('never reads outside the roots', () => {
    const outside = tree({ 'site.conf': `server { server_name out.example.net; location / { proxy_pass http://127.0.0.1:1; } }\n` });
    expect(
      routes({
        'etc/nginx/sites-enabled/out': { link: path.join(outside, 'site.conf') },
        'etc/nginx/nginx.conf': `http { include ../../../../${path.basename(outside)}/site.conf; include ${outside}/site.conf; }\n`,
      }),
    ).toEqual([]);
    // a root that is one file: its includes are outside the root
    const dir = tree({
      'etc/nginx/nginx.conf': `http { include sites/*.conf; server { server_name main.example.net; location / { proxy_pass http://127.0.0.1:2; } } }\n`,
      'etc/nginx/sites/a.conf': `server { server_name a.example.net; location / { proxy_pass http://127.0.0.1:3; } }\n`,
    });
    const file = path.join(dir, 'etc/nginx/nginx.conf');
    const p = loadProject([file], { cwd: dir, ignore: [], builtins: false });
    expect(proxyRoutes(p).map((r) => r.host)).toEqual(['main.example.net']);
  });

  it('is computed once per project', () => {
    const p = load(tree({ 'etc/nginx/sites-enabled/ci.conf': CI_SITE }));
    expect(proxyRoutes(p)).toBe(proxyRoutes(p));
  });
});
