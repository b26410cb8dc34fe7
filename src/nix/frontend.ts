/**
 * The Nix front end: reads the `.nix` files of the tree without running Nix, finds the hosts
 * (flake.nix `nixosConfigurations`, else one anonymous host for the modules outside any), evaluates
 * each host's modules statically and derives its units, what they serve and the reverse-proxy routes
 * its web servers configure.
 */
import path from 'node:path';
import type { Location } from '../types.js';
import type { ParsedNixFile } from '../sources/nix/ast.js';
import { parseNix } from '../sources/nix/parser.js';
import { duplicateAttrs } from './checks.js';
import { readTextFile } from '../sources/discover.js';
import { Evaluator, type StoreScript } from './eval.js';
import { evalHost, looksLikeModule, type Host, type HostSpec } from './modules.js';
import { deriveUnits, type VirtualUnit } from './systemd.js';
import { NOWHERE, Thunk, attrsOf, markerType, str, unknown, type AttrsV, type Value } from './value.js';
import { webServerRoutes, containerProvided, enabledServiceUnits, type NixProvided } from './webservers.js';
import type { ProxyRoute } from '../analysis/proxies.js';

export interface NixHost {
  host: Host;
  units: VirtualUnit[];
  provided: NixProvided[];
  routes: ProxyRoute[];
  scripts: Map<string, StoreScript>;
  /** Units that modules of nixpkgs (outside the tree) create for `services.<x>.enable = true`. */
  external: string[];
  evaluator: Evaluator;
  /** Every .nix file of the input (absolute paths, sorted). */
  files(): string[];
}

export interface NixProblem {
  location: Location;
  message: string;
  fix: string;
  /** Set for limits of the static reading (info), as opposed to errors in the input. */
  severity?: 'info';
}

export interface NixInput {
  files: Map<string, ParsedNixFile>;
  /** Set when the paths linted lie under a flake.nix that was read too (its folder). */
  flakeRoot?: string;
  hosts: NixHost[];
  problems: NixProblem[];
}

/** Reads and parses the .nix files (syntax errors become positioned problems). */
function parseAll(files: string[], problems: NixProblem[]): { parsed: Map<string, ParsedNixFile>; texts: Map<string, string> } {
  const parsed = new Map<string, ParsedNixFile>();
  const texts = new Map<string, string>();
  for (const f of files) {
    const r = readTextFile(f);
    if (!r.ok) {
      problems.push({ location: { file: f, line: 1, column: 1, endLine: 1, endColumn: 1 }, message: `${path.basename(f)}: ${r.message}; skipped.`, fix: 'Fix or remove the file; unitlint skipped it.' });
      continue;
    }
    texts.set(f, r.text);
    const p = parseNix(f, r.text);
    parsed.set(f, p);
    if (p.ast) {
      for (const d of duplicateAttrs(p.ast)) {
        p.diagnostics.push({
          message: `attribute '${d.name}' already defined at ${path.basename(f)}:${d.first.line}:${d.first.column}`,
          line: d.pos.line,
          column: d.pos.column,
          endLine: d.pos.endLine,
          endColumn: d.pos.endColumn,
        });
      }
      if (p.diagnostics.length) p.ast = undefined;
    }
    for (const d of p.diagnostics) {
      problems.push({
        location: { file: f, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn },
        message: `Nix syntax error: ${d.message}. Nix cannot evaluate ${path.basename(f)}, so no host that imports it can be built.`,
        fix: /conflict/.test(d.message) ? 'Resolve the merge conflict and remove the <<<<<<< / ======= / >>>>>>> markers.' : 'Correct the syntax (`nix-instantiate --parse FILE` shows the same error).',
      });
    }
  }
  return { parsed, texts };
}

/** A flake input as the static evaluator sees it: nixpkgs' lib, external NixOS modules, packages. */
function flakeInput(ev: Evaluator, name: string): AttrsV {
  const external = (mod: string): AttrsV => attrsOf(new Map([['_type', Thunk.of(str('unitlint-external-module'))], ['name', Thunk.of(str(mod))]]));
  const modules: AttrsV = { t: 'attrs', get: (k) => Thunk.of(external(`${name}.nixosModules.${k}`)), keys: () => [], open: NOWHERE };
  const perSystem = (v: Value): AttrsV => ({ t: 'attrs', get: () => Thunk.of(v), keys: () => [], open: NOWHERE });
  const m = new Map<string, Thunk>([
    ['lib', Thunk.of(ev.lib)],
    ['nixosModules', Thunk.of(modules)],
    ['nixosModule', Thunk.of(external(`${name}.nixosModule`))],
    ['legacyPackages', Thunk.of(perSystem(ev.pkgs))],
    ['packages', Thunk.of(perSystem(ev.pkgs))],
    ['outPath', Thunk.of(unknown(NOWHERE, `the source of flake input ${name}`))],
  ]);
  return { ...attrsOf(m), open: NOWHERE };
}

/** Hosts declared by a flake: nixosConfigurations.<name> = nixpkgs.lib.nixosSystem { modules = …; }. */
function flakeHosts(ev: Evaluator, file: string, problems: NixProblem[]): HostSpec[] {
  const flake = ev.importFile(file);
  if (flake.t !== 'attrs') return [];
  const outputs = flake.get('outputs')?.force();
  if (!outputs || outputs.t !== 'fn') return [];
  const declared = flake.get('inputs')?.force();
  const inputs = new Map<string, Thunk>();
  if (declared?.t === 'attrs') for (const k of declared.keys()) inputs.set(k, Thunk.of(flakeInput(ev, k)));
  const inputsV: AttrsV = {
    t: 'attrs',
    get: (k) => inputs.get(k) ?? (k === 'self' ? selfThunk : Thunk.of(flakeInput(ev, k))),
    keys: () => [...inputs.keys(), 'self'].sort(),
    open: NOWHERE,
  };
  let result: Value | undefined;
  const selfThunk = new Thunk(() => result ?? unknown(NOWHERE, 'self'));
  result = ev.apply(outputs, Thunk.of(inputsV), outputs.at ?? NOWHERE);
  if (result.t !== 'attrs') return [];
  const confs = result.get('nixosConfigurations')?.force();
  if (!confs || confs.t !== 'attrs') return [];
  const out: HostSpec[] = [];
  for (const name of confs.keys()) {
    const th = confs.get(name)!;
    const at = confs.keyAt?.(name) ?? th.at;
    const v = th.force();
    if (v.t !== 'attrs' || markerType(v) !== 'unitlint-nixos-system') {
      problems.push({
        location: at ?? { file, line: 1, column: 1, endLine: 1, endColumn: 1 },
        message: `nixosConfigurations.${name} could not be read statically (${v.t === 'unknown' ? v.why : 'not a nixosSystem call'}); its modules are linted as part of the anonymous host.`,
        fix: 'Build the host with nixpkgs.lib.nixosSystem { modules = [ … ]; } in flake.nix, or run `unitlint check --nix-eval .#HOST`.',
        severity: 'info',
      });
      continue;
    }
    const args = v.get('args')?.force();
    const mods = args?.t === 'attrs' ? args.get('modules')?.force() : undefined;
    const special = args?.t === 'attrs' ? args.get('specialArgs')?.force() : undefined;
    const modules = mods?.t === 'list' ? mods.items : [];
    const specialArgs = special?.t === 'attrs' ? special : undefined;
    const inputsArg = inputsV;
    const sa: AttrsV | undefined = specialArgs ?? attrsOf(new Map([['inputs', Thunk.of(inputsArg)]]));
    out.push({ name, at, modules, specialArgs: sa });
  }
  return out;
}

export function loadNix(files: string[], inTree: (f: string) => boolean): NixInput {
  const problems: NixProblem[] = [];
  const { parsed, texts } = parseAll(files, problems);
  const makeEvaluator = () =>
    new Evaluator({
      parse: (f) => {
        let p = parsed.get(f);
        if (!p && inTree(f)) {
          const r = readTextFile(f);
          if (!r.ok) return undefined;
          texts.set(f, r.text);
          const np = parseNix(f, r.text);
          parsed.set(f, np);
          return np;
        }
        return p;
      },
      text: (f) => texts.get(f),
      inTree,
    });

  const specs: HostSpec[] = [];
  const flakes = files.filter((f) => path.basename(f) === 'flake.nix' && parsed.get(f)?.ast);
  const ev = makeEvaluator();
  for (const f of flakes) specs.push(...flakeHosts(ev, f, problems));

  const hosts: NixHost[] = [];
  const reached = new Set<string>(flakes);
  const build = (spec: HostSpec) => {
    // One evaluator for every host: imported files are evaluated once; module functions are applied
    // per host. Scripts written to the store are collected per host.
    ev.scripts = new Map();
    ev.resetBudget();
    try {
      const host = evalHost(ev, spec);
      for (const f of host.files) reached.add(f);
      for (const p of host.problems) {
        if (p.kind === 'missing') {
          problems.push({ location: p.at, message: `${p.message}: Nix cannot build ${spec.name ? `host ${spec.name}` : 'a configuration that imports it'}.`, fix: 'Correct the path in imports, or add the file.' });
        } else if (p.kind === 'outside') {
          problems.push({ location: p.at, message: `${p.message}; its definitions are not linted.`, fix: 'Lint a folder that contains every module the host imports.', severity: 'info' });
        }
      }
      const units = deriveUnits(host, ev);
      attachServesComments(units, parsed);
      const nixHost: NixHost = {
        host,
        units: mergeSameName(units),
        provided: containerProvided(host),
        routes: webServerRoutes(host),
        scripts: ev.scripts,
        external: enabledServiceUnits(host),
        evaluator: ev,
        files: () => [...parsed.keys()].sort(),
      };
      hosts.push(nixHost);
    } catch (e) {
      // The evaluator is bounded and returns unknowns, but input must never crash the run.
      const at = spec.at ?? { file: files[0] ?? '', line: 1, column: 1, endLine: 1, endColumn: 1 };
      problems.push({
        location: at,
        message: `unitlint could not evaluate ${spec.name ? `host ${spec.name}` : 'the modules outside any host'} statically (${e instanceof Error ? e.message : String(e)}); its units are not linted.`,
        fix: 'Report this input to unitlint; meanwhile `unitlint check --nix-eval .#HOST` lints the host through Nix.',
        severity: 'info',
      });
    }
  };
  for (const s of specs) build(s);

  // Modules no host reaches form one anonymous host (a module library, or a tree without a flake).
  const loose = [...parsed.entries()]
    .filter(([f, p]) => !reached.has(f) && p.ast && path.basename(f) !== 'flake.nix' && looksLikeModule(p.ast))
    .map(([f]) => f)
    .sort();
  if (loose.length) {
    build({ name: '', modules: loose.map((f) => Thunk.of({ t: 'path', v: f, at: { file: f, line: 1, column: 1, endLine: 1, endColumn: 1 } })) });
  }
  return { files: parsed, hosts, problems };
}

/**
 * `# unitlint: serves=…` comments inside a unit's definition (or on the line before it) belong to the
 * unit, as they do in a unit file: the health-gate analysis reads them from the unit's comments.
 */
function attachServesComments(units: VirtualUnit[], parsed: Map<string, ParsedNixFile>): void {
  for (const u of units) {
    for (const r of u.ranges ?? []) {
      const file = parsed.get(r.file);
      if (!file) continue;
      for (const c of file.comments) {
        if (!/^\s*unitlint:\s*serves\s*=/.test(c.text)) continue;
        if (c.line < r.line - 1 || c.line > r.endLine) continue;
        if (c.line === r.line - 1 && c.line !== u.at.line - 1) continue;
        u.parsed.comments.push({ text: `#${c.text}`, line: c.line, column: c.column });
      }
    }
  }
}

/** Definitions of one unit from several sources (an oci-container and systemd.services.<same>) form one unit. */
function mergeSameName(units: VirtualUnit[]): VirtualUnit[] {
  const by = new Map<string, VirtualUnit>();
  for (const u of units) {
    const key = `${u.scope}:${u.name}`;
    const prev = by.get(key);
    if (!prev) {
      by.set(key, u);
      continue;
    }
    for (const s of u.parsed.sections) {
      const ps = prev.parsed.sections.find((x) => x.name === s.name);
      if (ps) ps.assignments.push(...s.assignments);
      else prev.parsed.sections.push(s);
    }
    prev.links.push(...u.links);
    for (const [k, v] of u.unknowns) if (!prev.unknowns.has(k)) prev.unknowns.set(k, v);
    prev.masked = prev.masked ?? u.masked;
  }
  return [...by.values()];
}

export type { NixProvided };
