#!/usr/bin/env node
// Synthetic NixOS fleet for benchmarking unitlint's Nix front end.
//
// Usage: node bench/gen-nix.mjs N OUT [--hosts H] [--seed S]
//
// Writes a deterministic tree (same N, H and seed → byte-identical files) of N module files under
// OUT/modules, plus OUT/flake.nix (H hosts, default 10, as nixosConfigurations built with
// nixpkgs.lib.nixosSystem), OUT/hosts/<host>.nix (imports + `services.<x>.enable = true`),
// OUT/hosts/common.nix, and OUT/gen-nix.json (a manifest: the counts of each shape and of the
// deliberate problems). Module shapes, by share of N:
//   ~60 % service modules   modules/services/<group>/<x>.nix: `{ config, lib, pkgs, ... }: with lib;
//                           let cfg = config.services.<x>; in { options.services.<x> = { enable, port, … };
//                           config = mkIf cfg.enable { systemd.services.<x> = { after, wants, wantedBy,
//                           serviceConfig, preStart/postStart/script … }; }; }`. Some wait on another
//                           module's port in preStart (`until curl …; do sleep 1; done`, mostly ordered
//                           after it, some not), some wait on their own port in postStart (readiness),
//                           some read option-only files, some have a daily cleanup job (startAt), some
//                           bundle (import) the module they depend on.
//   ~15 % option-only       modules/options/<x>.nix: `options.fleet.<x> = { logLevel, dataDir, upstream, … }`,
//                           imported by and read (config.fleet.<x>.…) from the service modules that use them.
//   ~10 % nginx             modules/web/<x>.nix: services.nginx.virtualHosts with proxyPass to other
//                           modules' ports (config.services.<y>.port).
//    ~5 % oci-containers    modules/containers/<x>.nix: 1–2 containers (ports, dependsOn, environment).
//   ~10 % plain attrsets    modules/profiles/<x>.nix: config = mkMerge [ … ] with mkDefault/mkForce/
//                           optionals/optionalAttrs/map/listToAttrs/nameValuePair generating instances,
//                           a grouping target, an hourly timer job.
// Each module belongs to 1–3 hosts (option-only files: the hosts of their readers). A module that
// refers to another one (after/wants, a port, a unit it overrides) is only put on hosts that have the
// other one, and references go to earlier modules only, so the ordering graph has no cycles.
// Deliberate problems: about 1 in 100 modules orders after "networking.target" (unknown-unit), 1 in 100
// restarts forever (Restart=always, RestartSec=10, no start limit: restart-loop-unbounded), 1 in 200 has
// an unbounded wait in a oneshot without TimeoutStartSec (gate-without-timeout); 10 % of the
// cross-module waits are not ordered (health-gate-unordered); 30 % of containers keep the NixOS
// default RestartSec (restart-sec-tight).

import fs from 'node:fs';
import path from 'node:path';

// ---------- arguments ----------
const argv = process.argv.slice(2);
const pos = [];
let HOSTS = 10;
let SEED = 1;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--hosts') HOSTS = Number(argv[++i]);
  else if (argv[i] === '--seed') SEED = Number(argv[++i]);
  else if (argv[i] === '-h' || argv[i] === '--help') usage(0);
  else pos.push(argv[i]);
}
function usage(code) {
  (code ? process.stderr : process.stdout).write('usage: node bench/gen-nix.mjs N OUT [--hosts H] [--seed S]\n');
  process.exit(code);
}
if (pos.length !== 2) usage(2);
const N = Number(pos[0]);
const OUT = path.resolve(pos[1]);
if (!Number.isInteger(N) || N < 20) {
  process.stderr.write('gen-nix: N must be an integer ≥ 20\n');
  process.exit(2);
}
if (!Number.isInteger(HOSTS) || HOSTS < 1 || HOSTS > 99) {
  process.stderr.write('gen-nix: --hosts must be 1..99\n');
  process.exit(2);
}

// ---------- deterministic randomness (mulberry32) ----------
let seed = (SEED * 0x9e3779b9) >>> 0;
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;
function shuffle(xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}
/** k distinct random elements of xs (all of them when k ≥ xs.length). */
function sample(xs, k) {
  return shuffle([...xs]).slice(0, Math.min(k, xs.length));
}

// ---------- helpers for Nix text ----------
/** A Nix string interpolation `${expr}` (kept out of JS template literals' way). */
const I = (expr) => '${' + expr + '}';
const q = (s) => JSON.stringify(s); // plain ASCII strings without `${`: JSON quoting is Nix quoting
const list = (xs) => (xs.length ? `[ ${xs.map(q).join(' ')} ]` : '[ ]');
const pad = (n, w = 4) => String(n).padStart(w, '0');

const WORDS = ['orders', 'billing', 'ingest', 'search', 'auth', 'catalog', 'media', 'notify', 'report', 'ledger',
  'quota', 'session', 'render', 'upload', 'export', 'audit', 'mailer', 'pricing', 'gateway', 'scheduler',
  'inventory', 'profile', 'feed', 'thumbs', 'geo', 'payments', 'fraud', 'metrics', 'chat', 'archive'];
const ROLES = ['api', 'worker', 'sync', 'indexer', 'daemon', 'web', 'relay', 'collector'];
const IMAGES = [
  ['redis', 'docker.io/library/redis:7.2', 6379],
  ['postgres', 'docker.io/library/postgres:16', 5432],
  ['grafana', 'docker.io/grafana/grafana:11.1.0', 3000],
  ['minio', 'quay.io/minio/minio:RELEASE.2024-06-13T22-53-53Z', 9000],
  ['meili', 'docker.io/getmeili/meilisearch:v1.8', 7700],
  ['nats', 'docker.io/library/nats:2.10', 4222],
];
const LOG_LEVELS = ['info', 'warn', 'debug', 'error'];

// ---------- plan: kinds, names, hosts, references ----------
const hostNames = Array.from({ length: HOSTS }, (_, i) => `host${String(i + 1).padStart(2, '0')}`);
const counts = {
  service: Math.round(N * 0.6),
  options: Math.round(N * 0.15),
  nginx: Math.round(N * 0.1),
  oci: Math.round(N * 0.05),
};
counts.plain = N - counts.service - counts.options - counts.nginx - counts.oci;
// Option-only files first (they are read, never read anything), then the rest interleaved.
const rest = shuffle([
  ...Array(counts.service).fill('service'),
  ...Array(counts.nginx).fill('nginx'),
  ...Array(counts.oci).fill('oci'),
  ...Array(counts.plain).fill('plain'),
]);
// Keep the first modules services, so every later module has something to refer to.
for (let i = 0, j = 0; i < 10 && j < rest.length; j++) {
  if (rest[j] === 'service') [rest[i], rest[j]] = [rest[j], rest[i]], i++;
}
const kinds = [...Array(counts.options).fill('options'), ...rest];

const modules = []; // { idx, kind, name, file, hosts:Set, imports:[idx], ... }
const services = []; // service modules in order
const byHost = new Map(hostNames.map((h) => [h, []])); // host → service modules on it (in order)
const nginxByHost = new Map(hostNames.map((h) => [h, []]));
const problems = { networkingTarget: 0, restartLoop: 0, oneshotUnboundedWait: 0, unorderedGate: 0, orderedGate: 0, ownReadiness: 0, vhostGate: 0, containerDefaultRestart: 0 };
let portNext = 20000;
const nextPort = () => {
  const p = portNext++;
  if (portNext > 60000) portNext = 20000;
  return p;
};

/** Hosts for a module that refers to the modules `targets` (all containing `primary`): ⊆ their common hosts. */
function hostsWithin(primary, targets, max = 3) {
  let common = new Set(hostNames);
  for (const t of targets) common = new Set([...common].filter((h) => t.hosts.has(h)));
  const extra = sample([...common].filter((h) => h !== primary), randInt(0, max - 1));
  return new Set([primary, ...extra]);
}
function freeHosts() {
  const k = pick([1, 1, 2, 2, 2, 3]);
  return new Set(sample(hostNames, k));
}
/** Up to k earlier service modules present on host h (preferring recent ones, as real stacks do). */
function earlierServices(h, k) {
  const xs = byHost.get(h);
  if (!xs.length) return [];
  const window = xs.slice(-40);
  return sample(window, k);
}

const optionMods = [];
let serviceNo = 0;
for (let idx = 0; idx < kinds.length; idx++) {
  const kind = kinds[idx];
  const word = WORDS[idx % WORDS.length];
  const m = { idx, kind, imports: [], hosts: new Set() };
  if (kind === 'options') {
    m.name = `${word}-settings-${pad(idx)}`;
    m.file = `modules/options/${m.name}.nix`;
    m.upstream = chance(0.5) ? `https://${word}-${pad(idx)}.vendor.example.com` : null;
    m.logLevel = pick(LOG_LEVELS);
    m.readers = [];
    optionMods.push(m);
  } else if (kind === 'service') {
    const s = serviceNo++;
    const role = ROLES[(idx >> 3) % ROLES.length];
    m.name = `${word}-${role}-${pad(idx)}`;
    m.pkg = `${word}-${role}`;
    m.file = `modules/services/${word}/${m.name}.nix`;
    m.port = nextPort();
    const primary = pick(hostNames);
    const deps = earlierServices(primary, pick([0, 1, 1, 2, 2, 3]));
    m.hosts = deps.length ? hostsWithin(primary, deps) : freeHosts();
    if (!m.hosts.has(primary) && deps.length) m.hosts.add(primary);
    m.deps = deps; // after + wants
    // A wait on another module's port in preStart (30 % of services with a dependency).
    m.gate = null;
    if (deps.length && chance(0.3)) {
      const ordered = chance(0.9);
      if (ordered) {
        m.gate = { target: deps[0], ordered: true };
        problems.orderedGate++;
      } else {
        // Waits on a module it is not ordered after: another one on its hosts, not among deps.
        const cand = byHost.get(primary).filter((t) => !deps.includes(t) && [...m.hosts].every((h) => t.hosts.has(h)));
        // Keep it a plain race: the target must not itself be ordered after this module (it cannot: it is earlier).
        if (cand.length) {
          m.gate = { target: pick(cand.slice(-40)), ordered: false };
          problems.unorderedGate++;
        } else {
          m.gate = { target: deps[0], ordered: true };
          problems.orderedGate++;
        }
      }
    }
    m.readiness = chance(0.2);
    if (m.readiness) problems.ownReadiness++;
    m.netTarget = s % 60 === 17; // services are 60 % of modules: 1 in 100 modules
    m.restartLoop = s % 60 === 43;
    m.oneshotWait = s % 120 === 88;
    if (m.netTarget) problems.networkingTarget++;
    if (m.restartLoop) problems.restartLoop++;
    if (m.oneshotWait) problems.oneshotUnboundedWait++;
    m.cleanup = chance(0.1);
    m.restartSec = pick([2, 5, 5, 10]);
    m.migrate = !m.oneshotWait && chance(0.08);
    // Read 0–2 option-only files (imported by this module).
    m.reads = sample(optionMods, pick([0, 0, 1, 1, 2]));
    for (const o of m.reads) {
      o.readers.push(m);
      m.imports.push(o);
    }
    // Bundle (import) the module it depends on, sometimes.
    if (deps.length && chance(0.15)) {
      m.imports.push(deps[0]);
      deps[0].bundledBy = deps[0].bundledBy ?? [];
      deps[0].bundledBy.push(m);
    }
    m.extraArgs = chance(0.3) ? ['--metrics', `--workers=${randInt(2, 16)}`] : [];
    services.push(m);
    for (const h of m.hosts) byHost.get(h).push(m);
  } else if (kind === 'nginx') {
    m.name = `${word}-site-${pad(idx)}`;
    m.file = `modules/web/${m.name}.nix`;
    const primary = pick(hostNames);
    const ups = earlierServices(primary, randInt(1, 3));
    m.hosts = ups.length ? hostsWithin(primary, ups, 2) : new Set([primary]);
    m.upstreams = ups;
    m.vhost = `${word}-${pad(idx)}.example.net`;
    m.acme = chance(0.5);
    for (const h of m.hosts) nginxByHost.get(h).push(m);
  } else if (kind === 'oci') {
    m.name = `${word}-stack-${pad(idx)}`;
    m.file = `modules/containers/${m.name}.nix`;
    m.hosts = freeHosts();
    const n = pick([1, 1, 2]);
    m.containers = [];
    for (let c = 0; c < n; c++) {
      const [img, ref, inner] = IMAGES[(idx + c) % IMAGES.length];
      const fixed = chance(0.7);
      if (!fixed) problems.containerDefaultRestart++;
      m.containers.push({ name: `${img}-${pad(idx)}${c ? `-${c}` : ''}`, image: ref, inner, port: nextPort(), fixed });
    }
  } else {
    m.name = `${word}-pool-${pad(idx)}`;
    m.file = `modules/profiles/${m.name}.nix`;
    const primary = pick(hostNames);
    const deps = earlierServices(primary, pick([0, 1, 2]));
    m.hosts = deps.length ? hostsWithin(primary, deps, 2) : freeHosts();
    m.deps = deps;
    m.shards = randInt(2, 6);
    m.pkg = `${word}-pool`;
    m.withMetrics = chance(0.5);
  }
  modules.push(m);
}

// A few services wait on a virtual host of an earlier nginx module on their hosts, ordered after
// nginx and the upstream (the gate is answered through the proxy).
for (const m of services) {
  if (m.gate || !chance(0.05)) continue;
  const [h] = m.hosts;
  const sites = nginxByHost.get(h).filter((s) => s.idx < m.idx && [...m.hosts].every((x) => s.hosts.has(x)));
  if (!sites.length) continue;
  m.vhostGate = pick(sites);
  problems.vhostGate++;
}

// Option-only files: on the hosts of their readers; unread ones go on one host directly.
for (const o of optionMods) {
  for (const r of o.readers) for (const h of r.hosts) o.hosts.add(h);
  if (!o.hosts.size) o.hosts.add(pick(hostNames));
}

// ---------- module text ----------
function serviceModule(m) {
  const x = m.name;
  const L = [];
  L.push('{ config, lib, pkgs, ... }:');
  L.push('with lib;');
  L.push('let');
  L.push(`  cfg = config.services.${x};`);
  m.reads.forEach((o, i) => L.push(`  shared${i} = config.fleet.${o.name};`));
  if (m.gate) L.push(`  upstreamPort = config.services.${m.gate.target.name}.port;`);
  L.push('in');
  L.push('{');
  if (m.imports.length) {
    L.push('  imports = [');
    for (const t of m.imports) L.push(`    ${path.posix.relative(path.posix.dirname(m.file), t.file).replace(/^(?!\.)/, './')}`);
    L.push('  ];');
    L.push('');
  }
  L.push(`  options.services.${x} = {`);
  L.push(`    enable = mkEnableOption "the ${m.pkg} service (${x})";`);
  L.push('    port = mkOption {');
  L.push('      type = types.port;');
  L.push(`      default = ${m.port};`);
  L.push(`      description = "Port ${x} listens on (loopback).";`);
  L.push('    };');
  L.push('    extraArgs = mkOption {');
  L.push('      type = types.listOf types.str;');
  L.push(`      default = ${list(m.extraArgs)};`);
  L.push('    };');
  L.push('  };');
  L.push('');
  L.push('  config = mkIf cfg.enable {');
  L.push(`    systemd.services.${x} = {`);
  L.push(`      description = "${m.pkg} (${x})";`);
  L.push('      wantedBy = [ "multi-user.target" ];');
  const after = ['network.target'];
  const wants = [];
  const upstreamRead = m.reads.find((o) => o.upstream);
  if (upstreamRead) {
    after.push('network-online.target');
    wants.push('network-online.target');
  }
  if (m.netTarget) after.push('networking.target');
  for (const d of m.deps) {
    after.push(`${d.name}.service`);
    wants.push(`${d.name}.service`);
  }
  if (m.vhostGate) {
    after.push('nginx.service');
    wants.push('nginx.service');
    for (const u of m.vhostGate.upstreams) if (!after.includes(`${u.name}.service`)) after.push(`${u.name}.service`);
    if (!after.includes('network-online.target')) {
      after.push('network-online.target');
      wants.push('network-online.target');
    }
  }
  L.push(`      after = ${list(after)};`);
  if (wants.length) L.push(`      wants = ${list(wants)};`);
  if (!m.restartLoop && m.restartSec > 2) {
    L.push('      startLimitIntervalSec = 300;');
    L.push('      startLimitBurst = 5;');
  }
  if (m.reads.length) {
    L.push('      environment = {');
    m.reads.forEach((o, i) => {
      L.push(`        ${o.name.replace(/-/g, '_').toUpperCase()}_LOG_LEVEL = shared${i}.logLevel;`);
    });
    L.push('      };');
  }
  L.push('      serviceConfig = {');
  let exec = `${I(`pkgs.${m.pkg}`)}/bin/${m.pkg} --listen 127.0.0.1:${I('toString cfg.port')}`;
  m.reads.forEach((o, i) => {
    exec += ` --data-dir ${I(`shared${i}.dataDir`)}`;
    if (o.upstream) exec += ` --upstream ${I(`shared${i}.upstream`)}`;
  });
  exec += ` ${I('escapeShellArgs cfg.extraArgs')}`;
  L.push(`        ExecStart = "${exec}";`);
  L.push('        DynamicUser = true;');
  L.push(`        StateDirectory = "${x}";`);
  if (m.restartLoop) {
    L.push('        Restart = "always";');
    L.push('        RestartSec = 10;');
  } else {
    L.push(`        Restart = ${q(m.restartSec === 10 ? 'always' : 'on-failure')};`);
    L.push(`        RestartSec = ${m.restartSec};`);
  }
  if (m.gate || m.vhostGate) L.push('        TimeoutStartSec = 300;');
  L.push('      };');
  if (m.gate) {
    L.push('      preStart = \'\'');
    if (m.idx % 2) {
      L.push(`        until ${I('pkgs.curl')}/bin/curl -fsS http://127.0.0.1:${I('toString upstreamPort')}/health; do`);
      L.push('          sleep 1');
      L.push('        done');
    } else {
      L.push(`        while ! ${I('pkgs.netcat')}/bin/nc -z 127.0.0.1 ${I('toString upstreamPort')}; do`);
      L.push('          sleep 1');
      L.push('        done');
    }
    L.push('      \'\';');
  } else if (m.vhostGate) {
    L.push('      preStart = \'\'');
    L.push(`        until ${I('pkgs.curl')}/bin/curl -fsS https://${m.vhostGate.vhost}/healthz; do sleep 2; done`);
    L.push('      \'\';');
  }
  if (m.readiness) {
    L.push('      postStart = \'\'');
    L.push(`        until ${I('pkgs.curl')}/bin/curl -fsS http://127.0.0.1:${I('toString cfg.port')}/ready; do sleep 1; done`);
    L.push('      \'\';');
  }
  L.push('    };');
  if (m.cleanup) {
    L.push('');
    L.push(`    systemd.services.${x}-cleanup = {`);
    L.push('      startAt = "daily";');
    L.push('      serviceConfig = {');
    L.push('        Type = "oneshot";');
    L.push(`        StateDirectory = "${x}";`);
    L.push('      };');
    L.push('      script = \'\'');
    L.push(`        ${I('pkgs.findutils')}/bin/find /var/lib/${x} -name '*.tmp' -mtime +7 -delete`);
    L.push('      \'\';');
    L.push('    };');
  }
  if (m.migrate) {
    L.push('');
    L.push(`    systemd.services.${x}-migrate = {`);
    L.push(`      requiredBy = [ "${x}.service" ];`);
    L.push(`      before = [ "${x}.service" ];`);
    L.push('      serviceConfig = {');
    L.push('        Type = "oneshot";');
    L.push('        RemainAfterExit = true;');
    L.push('      };');
    L.push('      script = \'\'');
    L.push('        for i in $(seq 1 30); do');
    L.push(`          ${I(`pkgs.${m.pkg}`)}/bin/${m.pkg}-migrate --check && break`);
    L.push('          sleep 2');
    L.push('        done');
    L.push(`        ${I(`pkgs.${m.pkg}`)}/bin/${m.pkg}-migrate --apply`);
    L.push('      \'\';');
    L.push('    };');
  }
  if (m.oneshotWait) {
    // Deliberate: an unbounded wait in a oneshot with no TimeoutStartSec (its own port: not a gate on another unit).
    L.push('');
    L.push(`    systemd.services.${x}-seed = {`);
    L.push('      wantedBy = [ "multi-user.target" ];');
    L.push(`      after = [ "${x}.service" ];`);
    L.push(`      requires = [ "${x}.service" ];`);
    L.push('      serviceConfig.Type = "oneshot";');
    L.push('      script = \'\'');
    L.push(`        until ${I('pkgs.curl')}/bin/curl -fsS http://127.0.0.1:${I('toString cfg.port')}/health; do`);
    L.push('          sleep 2');
    L.push('        done');
    L.push(`        ${I('pkgs.curl')}/bin/curl -fsS -X POST http://127.0.0.1:${I('toString cfg.port')}/seed`);
    L.push('      \'\';');
    L.push('    };');
  }
  L.push('  };');
  L.push('}');
  return L.join('\n') + '\n';
}

function optionsModule(m) {
  const L = [];
  L.push('{ lib, ... }:');
  L.push('with lib;');
  L.push('{');
  L.push(`  options.fleet.${m.name} = {`);
  L.push('    logLevel = mkOption {');
  L.push('      type = types.enum [ "debug" "info" "warn" "error" ];');
  L.push(`      default = ${q(m.logLevel)};`);
  L.push('    };');
  L.push('    dataDir = mkOption {');
  L.push('      type = types.path;');
  L.push(`      default = "/var/lib/${m.name}";`);
  L.push('    };');
  L.push('    upstream = mkOption {');
  L.push('      type = types.str;');
  L.push(`      default = ${q(m.upstream ?? 'http://127.0.0.1:9')};`);
  L.push(`      description = "Where ${m.name.split('-')[0]} sends its data.";`);
  L.push('    };');
  L.push('    retention = mkOption {');
  L.push('      type = types.ints.positive;');
  L.push(`      default = ${7 + (m.idx % 30)};`);
  L.push('    };');
  L.push('  };');
  L.push('}');
  return L.join('\n') + '\n';
}

function nginxModule(m) {
  const L = [];
  L.push('{ config, lib, ... }:');
  L.push('let');
  m.upstreams.forEach((u, i) => L.push(`  port${i} = config.services.${u.name}.port;`));
  L.push('in');
  L.push('{');
  L.push('  services.nginx = {');
  L.push('    enable = true;');
  L.push('    recommendedProxySettings = true;');
  L.push(`    virtualHosts.${q(m.vhost)} = {`);
  L.push('      forceSSL = true;');
  if (m.acme) L.push('      enableACME = true;');
  else {
    L.push(`      sslCertificate = "/var/lib/certs/${m.vhost}/cert.pem";`);
    L.push(`      sslCertificateKey = "/var/lib/certs/${m.vhost}/key.pem";`);
  }
  const paths = ['/', '/api/', '/ws/'];
  m.upstreams.forEach((u, i) => {
    if (i === 2) {
      L.push(`      locations.${q(paths[i])} = {`);
      L.push(`        proxyPass = "http://127.0.0.1:${I(`toString port${i}`)}";`);
      L.push('        proxyWebsockets = true;');
      L.push('      };');
    } else L.push(`      locations.${q(paths[i])}.proxyPass = "http://127.0.0.1:${I(`toString port${i}`)}";`);
  });
  L.push('    };');
  L.push('  };');
  L.push('}');
  return L.join('\n') + '\n';
}

function ociModule(m) {
  const L = [];
  L.push('{ config, lib, pkgs, ... }:');
  L.push('{');
  L.push('  virtualisation.oci-containers.backend = "podman";');
  L.push('  virtualisation.oci-containers.containers = {');
  m.containers.forEach((c, i) => {
    L.push(`    ${c.name} = {`);
    L.push(`      image = ${q(c.image)};`);
    L.push(`      ports = [ "127.0.0.1:${c.port}:${c.inner}" ];`);
    L.push(`      volumes = [ "/var/lib/${c.name}:/data" ];`);
    L.push(`      environment = { TZ = "UTC"; INSTANCE = ${q(c.name)}; };`);
    if (i > 0) L.push(`      dependsOn = [ ${q(m.containers[0].name)} ];`);
    L.push('    };');
  });
  L.push('  };');
  for (const c of m.containers) {
    if (!c.fixed) continue;
    L.push('');
    L.push(`  systemd.services.podman-${c.name} = {`);
    L.push('    startLimitIntervalSec = 300;');
    L.push('    startLimitBurst = 5;');
    L.push('    serviceConfig.RestartSec = 5;');
    L.push('  };');
  }
  L.push('}');
  return L.join('\n') + '\n';
}

function plainModule(m) {
  const x = m.name;
  const L = [];
  L.push('{ config, lib, pkgs, ... }:');
  L.push('let');
  L.push('  inherit (lib) mkMerge mkDefault mkForce optionals optionalAttrs listToAttrs nameValuePair;');
  L.push(`  shards = [ ${Array.from({ length: m.shards }, (_, i) => `"${String.fromCharCode(97 + i)}"`).join(' ')} ];`);
  L.push(`  withMetrics = ${m.withMetrics};`);
  L.push(`  deps = ${list(m.deps.map((d) => `${d.name}.service`))};`);
  L.push(`  mkWorker = shard: nameValuePair "${x}-${I('shard')}" {`);
  L.push(`    description = "${m.pkg} shard ${I('shard')}";`);
  L.push('    wantedBy = [ "multi-user.target" ];');
  L.push(`    partOf = [ "${x}.target" ];`);
  L.push('    after = [ "network.target" ] ++ deps ++ optionals (shard != "a") [ "' + x + '-a.service" ];');
  L.push('    wants = deps;');
  L.push('    environment.SHARD = shard;');
  L.push('    serviceConfig = {');
  L.push(`      ExecStart = "${I(`pkgs.${m.pkg}`)}/bin/${m.pkg} --shard ${I('shard')}";`);
  L.push('      Restart = mkDefault "on-failure";');
  L.push('      RestartSec = 2;');
  L.push('      DynamicUser = true;');
  L.push('      MemoryMax = mkDefault "512M";');
  L.push('    };');
  L.push('  };');
  L.push('in');
  L.push('{');
  L.push('  config = mkMerge [');
  L.push('    { systemd.services = listToAttrs (map mkWorker shards); }');
  L.push('    {');
  L.push(`      systemd.targets.${x} = {`);
  L.push('        wantedBy = [ "multi-user.target" ];');
  L.push(`        wants = map (s: "${x}-${I('s')}.service") shards;`);
  L.push('      };');
  L.push(`      systemd.services.${x}-a.serviceConfig.MemoryMax = mkForce "1G";`);
  L.push('    }');
  L.push('    (optionalAttrs withMetrics {');
  L.push(`      systemd.services.${x}-metrics = {`);
  L.push('        startAt = "hourly";');
  L.push('        serviceConfig.Type = "oneshot";');
  L.push(`        script = "${I(`pkgs.${m.pkg}`)}/bin/${m.pkg}-stats --push /run/${x}/metrics";`);
  L.push('      };');
  L.push('    })');
  if (m.deps.length) {
    // Tunes a unit of another module (present on every host this one is on).
    L.push(`    { systemd.services.${m.deps[0].name}.serviceConfig.Nice = mkDefault 5; }`);
  }
  L.push('  ];');
  L.push('}');
  return L.join('\n') + '\n';
}

// ---------- hosts and flake ----------
function relFromHost(file) {
  return `../${file}`;
}
function hostFile(h, hostIdx) {
  const mods = modules.filter((m) => m.hosts.has(h));
  // A module bundled by (imported from) another module on this host is not imported directly.
  const direct = mods.filter((m) => {
    if (m.kind === 'options') return !m.readers.some((r) => r.hosts.has(h));
    return !(m.bundledBy ?? []).some((b) => b.hosts.has(h));
  });
  const L = [];
  L.push('{ config, lib, pkgs, ... }:');
  L.push('{');
  L.push('  imports = [');
  L.push('    ./common.nix');
  for (const m of direct) L.push(`    ${relFromHost(m.file)}`);
  L.push('  ];');
  L.push('');
  L.push(`  networking.hostName = ${q(h)};`);
  if (hostIdx % 3 === 0) L.push('  services.postgresql.enable = true;');
  L.push('');
  for (const m of mods) {
    if (m.kind !== 'service') continue;
    L.push(`  services.${m.name}.enable = true;`);
    if ((m.idx + hostIdx) % 23 === 0) L.push(`  services.${m.name}.extraArgs = [ "--region" "${h}" ];`);
  }
  L.push('}');
  return { text: L.join('\n') + '\n', modules: mods.length, direct: direct.length };
}

const COMMON = `{ config, lib, pkgs, ... }:
{
  time.timeZone = "UTC";
  services.openssh.enable = true;
  networking.firewall.allowedTCPPorts = [ 22 80 443 ];
  security.acme = {
    acceptTerms = true;
    defaults.email = "ops@example.net";
  };

  # Every host runs the node exporter.
  systemd.services.node-exporter-local = {
    description = "Node exporter";
    wantedBy = [ "multi-user.target" ];
    after = [ "network.target" ];
    startLimitIntervalSec = 300;
    startLimitBurst = 5;
    serviceConfig = {
      ExecStart = "${I('pkgs.prometheus-node-exporter')}/bin/node_exporter --web.listen-address=127.0.0.1:9100";
      Restart = "on-failure";
      RestartSec = 5;
      DynamicUser = true;
    };
  };
}
`;

function flake() {
  const L = [];
  L.push('{');
  L.push(`  description = "Synthetic fleet: ${HOSTS} hosts, ${N} modules (bench/gen-nix.mjs, seed ${SEED})";`);
  L.push('');
  L.push('  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";');
  L.push('');
  L.push('  outputs = { self, nixpkgs, ... }:');
  L.push('    let');
  L.push('      mkHost = name: nixpkgs.lib.nixosSystem {');
  L.push('        system = "x86_64-linux";');
  L.push('        specialArgs = { inherit self; };');
  L.push(`        modules = [ ./hosts/${I('name')}.nix ];`);
  L.push('      };');
  L.push('    in {');
  L.push('      nixosConfigurations = {');
  for (const h of hostNames) L.push(`        ${h} = mkHost ${q(h)};`);
  L.push('      };');
  L.push('    };');
  L.push('}');
  return L.join('\n') + '\n';
}

// ---------- write ----------
fs.rmSync(OUT, { recursive: true, force: true });
const write = (rel, text) => {
  const p = path.join(OUT, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
};
for (const m of modules) {
  const text =
    m.kind === 'service' ? serviceModule(m) :
    m.kind === 'options' ? optionsModule(m) :
    m.kind === 'nginx' ? nginxModule(m) :
    m.kind === 'oci' ? ociModule(m) : plainModule(m);
  write(m.file, text);
}
write('hosts/common.nix', COMMON);
const perHost = {};
hostNames.forEach((h, i) => {
  const r = hostFile(h, i);
  write(`hosts/${h}.nix`, r.text);
  perHost[h] = { modules: r.modules, importedDirectly: r.direct };
});
write('flake.nix', flake());
const hostsPerModule = [0, 0, 0, 0];
for (const m of modules) if (m.kind !== 'options') hostsPerModule[Math.min(m.hosts.size, 3)]++;
const manifest = {
  generator: 'bench/gen-nix.mjs',
  modules: N,
  hosts: HOSTS,
  seed: SEED,
  kinds: counts,
  services: { units: services.length, withCleanupTimer: services.filter((s) => s.cleanup).length, withMigrate: services.filter((s) => s.migrate).length, bundling: services.filter((s) => s.imports.some((t) => t.kind === 'service')).length, readingOptions: services.filter((s) => s.reads.length).length },
  containers: modules.filter((m) => m.kind === 'oci').reduce((a, m) => a + m.containers.length, 0),
  plainInstances: modules.filter((m) => m.kind === 'plain').reduce((a, m) => a + m.shards, 0),
  hostsPerModule: { one: hostsPerModule[1], two: hostsPerModule[2], three: hostsPerModule[3] },
  perHost,
  deliberate: problems,
};
write('gen-nix.json', JSON.stringify(manifest, null, 2) + '\n');
process.stdout.write(`gen-nix: ${N} modules, ${HOSTS} hosts → ${OUT}\n`);
