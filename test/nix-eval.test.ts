/** The static Nix evaluator: what it resolves, and the explicit unknowns for what it cannot. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNix } from '../src/sources/nix/parser.js';
import { Evaluator } from '../src/nix/eval.js';
import { evalHost } from '../src/nix/modules.js';
import { Thunk, type Value } from '../src/nix/value.js';
import type { ParsedNixFile } from '../src/sources/nix/ast.js';

function evaluator(files: Record<string, string>): Evaluator {
  const parsed = new Map<string, ParsedNixFile>();
  for (const [f, t] of Object.entries(files)) parsed.set(f, parseNix(f, t));
  return new Evaluator({ parse: (f) => parsed.get(f), text: (f) => files[f], inTree: (f) => f in files });
}

/** A plain JS view of a value (unknown → '?'), forcing lists and sets. */
function js(v: Value, depth = 0): unknown {
  if (depth > 10) return '…';
  switch (v.t) {
    case 'null': return null;
    case 'bool': case 'int': case 'float': return v.v;
    case 'string': return v.unknown ? `~${v.v}` : v.v;
    case 'path': return `path:${v.v}`;
    case 'list': return [...v.items.map((i) => js(i.force(), depth + 1)), ...(v.open ? ['…?'] : [])];
    case 'attrs': {
      if (v.pkg !== undefined) return `pkg:${v.pkg}`;
      const o: Record<string, unknown> = {};
      for (const k of v.keys()) o[k] = js(v.get(k)!.force(), depth + 1);
      return o;
    }
    case 'fn': return 'fn';
    case 'unknown': return '?';
  }
}

function ev(src: string): unknown {
  const e = evaluator({ '/t/a.nix': src });
  return js(e.importFile('/t/a.nix'));
}

describe('static Nix evaluator', () => {
  it('resolves let, rec, with, inherit, // and ++', () => {
    expect(ev('let a = 1; b = a + 1; in { inherit a b; c = [ a ] ++ [ b ]; }')).toEqual({ a: 1, b: 2, c: [1, 2] });
    expect(ev('rec { a = 1; b = a * 3; }')).toEqual({ a: 1, b: 3 });
    expect(ev('let s = { x = 1; }; in with s; x')).toBe(1);
    expect(ev('let s = { x = 1; y = 2; }; in { inherit (s) y; } // { z = 3; }')).toEqual({ y: 2, z: 3 });
    expect(ev('{ a.b = 1; a.c = 2; }')).toEqual({ a: { b: 1, c: 2 } });
  });

  it('interpolates known values and keeps the known text around unknown ones', () => {
    expect(ev('let p = 8080; in "--listen 127.0.0.1:${toString p}"')).toBe('--listen 127.0.0.1:8080');
    const e = evaluator({ '/t/a.nix': '"x ${builtins.getEnv "HOME"} y"' });
    const v = e.importFile('/t/a.nix');
    expect(v.t === 'string' && v.unknown !== undefined && v.v).toBe('x __UNKNOWN__ y');
  });

  it('knows lib: optional(s), optionalAttrs, concatStringsSep, escapeShellArg(s), getExe, map/mapAttrs\'/nameValuePair/listToAttrs', () => {
    const withLib = (body: string) => {
      const e = evaluator({ '/t/m.nix': `{ lib, pkgs, ... }: ${body}` });
      const f = e.importFile('/t/m.nix');
      const args = new Map([['lib', Thunk.of(e.lib)], ['pkgs', Thunk.of(e.pkgs)]]);
      return js(e.apply(f, Thunk.of({ t: 'attrs', get: (k) => args.get(k), keys: () => [...args.keys()] }), { file: '', line: 0, column: 0, endLine: 0, endColumn: 0 }));
    };
    expect(withLib('lib.optional true "a" ++ lib.optionals false [ "b" ]')).toEqual(['a']);
    expect(withLib('{ x = 1; } // lib.optionalAttrs true { y = 2; }')).toEqual({ x: 1, y: 2 });
    expect(withLib('lib.concatStringsSep "," [ "a" "b" ]')).toBe('a,b');
    expect(withLib('lib.escapeShellArgs [ "a b" "c" ]')).toBe("'a b' c");
    expect(withLib('lib.getExe pkgs.curl')).toBe('/nix/store/unitlint-curl/bin/curl');
    expect(withLib('"${pkgs.prometheus}/bin/promtool"')).toBe('/nix/store/unitlint-prometheus/bin/promtool');
    expect(withLib('map (x: x * 2) [ 1 2 ]')).toEqual([2, 4]);
    expect(withLib('lib.mapAttrs\' (n: v: lib.nameValuePair "w-${n}" v) { a = 1; b = 2; }')).toEqual({ 'w-a': 1, 'w-b': 2 });
    expect(withLib('builtins.listToAttrs [ { name = "x"; value = 1; } ]')).toEqual({ x: 1 });
    expect(withLib('lib.mkIf true 1')).toMatchObject({ _type: 'if', condition: true, content: 1 });
  });

  it('never reports an unknown as a value: fetchers, <nixpkgs>, the environment, undefined names', () => {
    expect(ev('builtins.fetchurl "https://example.org"')).toBe('?');
    expect(ev('import <nixpkgs> { }')).toBe('?');
    expect(ev('let x = y; in x')).toBe('?');
    expect(ev('if builtins.getEnv "X" == "" then 1 else 2')).toBe('?');
    expect(ev('[ 1 ] ++ (builtins.fetchTarball "x")')).toEqual([1, '…?']);
  });

  it('does not loop: infinite recursion and runaway evaluation become unknowns', () => {
    expect(ev('let x = x; in x')).toBe('?');
    expect(ev('let f = n: f (n + 1); in f 0')).toBe('?');
  });
});

describe('module system', () => {
  function host(files: Record<string, string>, roots: string[]) {
    const e = evaluator(files);
    return evalHost(e, { name: 'h', modules: roots.map((f) => Thunk.of({ t: 'path', v: f })) });
  }

  it('merges definitions with priorities, list order and types.lines', () => {
    const h = host({
      '/t/a.nix': '{ lib, ... }: { x.list = [ "a" ]; x.s = lib.mkDefault "default"; x.script = "one"; x.after = lib.mkBefore [ "first" ]; }',
      '/t/b.nix': '{ lib, ... }: { x.list = [ "b" ]; x.s = "plain"; x.script = "two"; x.after = [ "second" ]; x.f = lib.mkForce 1; }',
      '/t/c.nix': '{ ... }: { x.f = 2; }',
    }, ['/t/a.nix', '/t/b.nix', '/t/c.nix']);
    expect(js(h.merged(['x', 'list']))).toEqual(['a', 'b']);
    expect(js(h.merged(['x', 's']))).toBe('plain');
    expect(js(h.merged(['x', 'f']))).toBe(1);
    expect(js(h.merged(['x', 'after']))).toEqual(['first', 'second']);
  });

  it('reads option defaults declared in another module through config', () => {
    const h = host({
      '/t/opts.nix': '{ lib, ... }: { options.services.app.port = lib.mkOption { type = lib.types.port; default = 8443; }; }',
      '/t/use.nix': '{ config, ... }: let cfg = config.services.app; in { out = "port ${toString cfg.port}"; }',
    }, ['/t/opts.nix', '/t/use.nix']);
    expect(js(h.merged(['out']))).toBe('port 8443');
  });

  it('reads each module\'s options through config even when every module guards itself with mkIf', () => {
    // Regression: evaluating mkIf conditions while the definitions were being collected read a
    // half-built config, and every module after the first saw its own options as unknown.
    const mod = (n: string, port: number) =>
      `{ config, lib, ... }: let cfg = config.services.${n}; in { options.services.${n} = { enable = lib.mkEnableOption "${n}"; port = lib.mkOption { default = ${port}; }; }; config = lib.mkIf cfg.enable { out.${n} = "listen ${'$'}{toString cfg.port}"; }; }`;
    const h = host({
      '/t/x.nix': mod('x', 8001),
      '/t/y.nix': mod('y', 8002),
      '/t/host.nix': '{ ... }: { imports = [ ./x.nix ./y.nix ]; services.x.enable = true; services.y.enable = true; services.y.port = 9999; }',
    }, ['/t/host.nix']);
    expect(js(h.merged(['out']))).toEqual({ x: 'listen 8001', y: 'listen 9999' });
    expect(h.conditionRanges().map((r) => [r.text, r.holds()])).toEqual([['cfg.enable', true], ['cfg.enable', true]]);
  });

  it('follows imports and treats mkIf as active, recording its condition', () => {
    const h = host({
      '/t/root.nix': '{ ... }: { imports = [ ./mod.nix ]; }',
      '/t/mod.nix': '{ config, lib, ... }: { options.services.m.enable = lib.mkEnableOption "m"; config = lib.mkIf config.services.m.enable { y = 1; }; }',
    }, ['/t/root.nix']);
    expect(h.files).toEqual(['/t/root.nix', '/t/mod.nix']);
    expect(js(h.merged(['y']))).toBe(1);
    expect(h.defs(['y'])[0].conds.map((c) => c.text)).toEqual(['config.services.m.enable']);
  });
});

describe('units of a host', () => {
  it('masks systemd\'s own unit with enable = false and keeps it a drop-in otherwise', async () => {
    const { loadProjects } = await import('../src/model/load.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixunits-'));
    fs.writeFileSync(path.join(dir, 'configuration.nix'), `{ ... }: {
      systemd.services.systemd-networkd-wait-online.enable = false;
      systemd.services.systemd-journald.serviceConfig.RestartSec = 5;
    }`);
    const host = loadProjects([dir], { cwd: dir, ignore: [] }).find((p) => p.nix)!;
    const wait = host.resolve('systemd-networkd-wait-online.service')!;
    expect(wait.masked?.line).toBe(2);
    const journald = host.resolve('systemd-journald.service')!;
    expect(journald.fragment?.builtin).toBe(true);
    expect(journald.dropins.length).toBe(1);
    expect(journald.get('Service', 'RestartSec')?.value).toBe('5');
  });
});

describe('units NixOS derives', () => {
  async function hostOf(src: string) {
    const { loadProjects } = await import('../src/model/load.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixderive-'));
    fs.writeFileSync(path.join(dir, 'configuration.nix'), src);
    return loadProjects([dir], { cwd: dir, ignore: [] }).find((p) => p.nix && p.scope === 'system')!;
  }
  const vals = (u: { list(s: string, k: string): { value: string }[] } | undefined, s: string, k: string) => (u ? u.list(s, k).map((v) => v.value) : []);

  it('oci-containers: <backend>-<name>.service with dependsOn, image pull ordering, Restart=always, TimeoutStartSec=0 and published ports', async () => {
    const p = await hostOf(`{ ... }: {
      virtualisation.oci-containers.backend = "docker";
      virtualisation.oci-containers.containers.web = { image = "nginx"; ports = [ "8080:80" ]; dependsOn = [ "db" ]; };
      virtualisation.oci-containers.containers.db = { image = "postgres"; autoStart = false; };
    }`);
    const web = p.resolve('docker-web.service')!;
    expect(vals(web, 'Unit', 'Requires')).toEqual(['docker-db.service']);
    expect(vals(web, 'Unit', 'After')).toEqual(['network-online.target', 'docker.service', 'docker.socket', 'docker-db.service']);
    expect(web.get('Service', 'Restart')?.value).toBe('always');
    expect(web.get('Service', 'TimeoutStartSec')?.value).toBe('0');
    expect(p.nix!.provided.map((x) => [x.unit, x.provided.resource])).toEqual([['docker-web.service', { kind: 'port', proto: 'tcp', host: '', port: 8080 }]]);
    expect(p.resolve('multi-user.target')!.links.map((l) => l.target)).toContain('docker-web.service');
    expect(p.resolve('multi-user.target')!.links.map((l) => l.target)).not.toContain('docker-db.service');
  });

  it('sockets, startAt timers, environment and scripts', async () => {
    const p = await hostOf(`{ pkgs, ... }: {
      systemd.sockets.app = { listenStreams = [ "/run/app.sock" "127.0.0.1:9000" ]; wantedBy = [ "sockets.target" ]; };
      systemd.services.app = {
        environment.MODE = "prod";
        startAt = [ "daily" "weekly" ];
        preStart = "mkdir -p /var/lib/app";
        script = "exec \${pkgs.app}/bin/app";
        scriptArgs = "--fast";
      };
    }`);
    expect(vals(p.resolve('app.socket'), 'Socket', 'ListenStream')).toEqual(['/run/app.sock', '127.0.0.1:9000']);
    expect(vals(p.resolve('app.timer'), 'Timer', 'OnCalendar')).toEqual(['daily', 'weekly']);
    const app = p.resolve('app.service')!;
    expect(vals(app, 'Service', 'Environment')[0]).toBe('"MODE=prod"');
    expect(app.get('Service', 'ExecStart')?.value).toBe('/nix/store/unitlint-unit-script-app-start/bin/unit-script-app-start --fast');
    expect(p.nix!.scripts.get('/nix/store/unitlint-unit-script-app-pre-start/bin/unit-script-app-pre-start')?.text).toBe('set -e\nmkdir -p /var/lib/app');
  });
});

describe('hosts from a flake', () => {
  it('reads nixosConfigurations built with nixpkgs.lib.nixosSystem', async () => {
    const { loadNix } = await import('../src/nix/frontend.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-flake-'));
    fs.writeFileSync(path.join(dir, 'flake.nix'), '{ inputs.nixpkgs.url = "x"; outputs = { nixpkgs, ... }: { nixosConfigurations = nixpkgs.lib.genAttrs [ "a" "b" ] (n: nixpkgs.lib.nixosSystem { modules = [ ./common.nix { networking.hostName = n; } ]; }); }; }');
    fs.writeFileSync(path.join(dir, 'common.nix'), '{ ... }: { systemd.services.x.after = [ "network.target" ]; }');
    fs.writeFileSync(path.join(dir, 'loose.nix'), '{ ... }: { systemd.services.y.after = [ "network.target" ]; }');
    const nix = loadNix([path.join(dir, 'flake.nix'), path.join(dir, 'common.nix'), path.join(dir, 'loose.nix')], (f) => f.startsWith(dir));
    expect(nix.hosts.map((h) => h.host.name)).toEqual(['a', 'b', '']);
    expect(nix.hosts.map((h) => h.units.map((u) => u.name))).toEqual([['x.service'], ['x.service'], ['y.service']]);
    expect(js(nix.hosts[1].host.merged(['networking', 'hostName']))).toBe('b');
  });
});

describe('linting a folder below the flake', () => {
  it('reads the enclosing flake for its hosts and reports only within the folder', async () => {
    const { lint } = await import('../src/engine/lint.js');
    const root = path.resolve(import.meta.dirname, '../fixtures/nix-fleet');
    const res = await lint({ paths: [path.join(root, 'modules')], cwd: root });
    expect(res.findings.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`)).toEqual([
      'unknown-unit modules/common.nix:7',
      'restart-loop-unbounded modules/common.nix:10',
    ]);
    // The module is linted as part of hosts web1 and db1 (both import it), not as an anonymous host.
    expect(res.projects.filter((p) => p.project.nix).map((p) => p.project.host)).toEqual(['db1', 'web1']);
  });
});

describe('serves comments in .nix files', () => {
  it('reads # unitlint: serves= inside a unit definition, as in a unit file', async () => {
    const { lint } = await import('../src/engine/lint.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unitlint-nixserves-'));
    fs.writeFileSync(path.join(dir, 'configuration.nix'), `{ pkgs, ... }: {
  systemd.services.gate = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.Type = "oneshot";
    serviceConfig.TimeoutStartSec = 600;
    script = "until \${pkgs.curl}/bin/curl -fsS https://ci.example.net/; do sleep 1; done";
  };
  systemd.services.dashboard = {
    # unitlint: serves=ci.example.net -- behind the company proxy
    after = [ "gate.service" ];
    serviceConfig.ExecStart = "\${pkgs.dash}/bin/dash";
  };
}
`);
    const res = await lint({ paths: [dir], cwd: dir });
    const f = res.findings.find((x) => x.ruleId === 'health-gate-cycle');
    expect(f?.location).toMatchObject({ file: 'configuration.nix', line: 6 });
    expect(f?.message).toContain('served by dashboard.service (comment serves=ci.example.net, configuration.nix:9)');
  });
});
