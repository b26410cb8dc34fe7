/**
 * Fix hints in NixOS terms. Rules write their fix hints in unit-file terms (`After=x`,
 * `StartLimitBurst=5` in [Unit]); for a finding in a .nix file the engine appends the same settings
 * written as NixOS options of the unit (`systemd.services.app.after = [ "x" ];`).
 */
import { sectionsDefiningKey } from '../catalog/index.js';
import { parseUnitName } from '../model/names.js';
import { typeSection } from '../model/directives.js';

const LIST_OPTIONS: Record<string, string> = {
  After: 'after', Before: 'before', Wants: 'wants', Requires: 'requires', Requisite: 'requisite', BindsTo: 'bindsTo',
  PartOf: 'partOf', Upholds: 'upholds', Conflicts: 'conflicts', OnFailure: 'onFailure', OnSuccess: 'onSuccess',
  WantedBy: 'wantedBy', RequiredBy: 'requiredBy', UpheldBy: 'upheldBy',
};
const SCALAR_OPTIONS: Record<string, string> = {
  StartLimitIntervalSec: 'startLimitIntervalSec', StartLimitBurst: 'startLimitBurst', Description: 'description',
};
const KIND: Record<string, string> = { service: 'services', socket: 'sockets', timer: 'timers', target: 'targets', path: 'paths', slice: 'slices' };
const CONFIG: Record<string, string> = { Service: 'serviceConfig', Socket: 'socketConfig', Timer: 'timerConfig', Path: 'pathConfig', Slice: 'sliceConfig', Unit: 'unitConfig' };

function nixValue(v: string): string {
  if (/^\d+$/.test(v)) return v;
  if (v === 'true' || v === 'false' || v === 'yes' || v === 'no') return v === 'yes' ? 'true' : v === 'no' ? 'false' : v;
  return JSON.stringify(v);
}

/** The settings named in a fix hint (`Key=Value`), as NixOS options of the unit; undefined when none. */
export function nixFixHint(fix: string, unit: string | null): string | undefined {
  // Only what the fix asks to add or set: not alternatives in parentheses, "If …" sentences, removals.
  const main = fix.replace(/\([^)]*\)/g, '').split(/(?<=\.)\s+(?=If\b)/)[0];
  const out: string[] = [];
  for (const m of main.matchAll(/\b([A-Z][A-Za-z]+)=([^\s,;()"]+?)(?=[\s,;()"]|\.(?:\s|$)|$)/g)) {
    const [, key, value] = m;
    const before = main.slice(Math.max(0, m.index - 12), m.index);
    if (/\b(drop|remove|delete|invert)\s+$/i.test(before)) continue;
    // The unit the setting goes into: "… in X.service" / "… to the [Unit] section of X.service" later
    // in the same sentence; else the finding's unit.
    const rest = main.slice(m.index + m[0].length).split(/\.(?:\s|$)|;/)[0];
    const owner = /(?:^|\s)(?:in|of)\s+(\S+?\.(?:service|socket|timer|target|path|slice))\b/.exec(rest)?.[1] ?? unit;
    const pn = owner ? parseUnitName(owner) : undefined;
    const kind = pn ? KIND[pn.type] : undefined;
    const stem = pn && owner ? owner.slice(0, owner.length - pn.type.length - 1) : undefined;
    const prefix = kind && stem ? `systemd.${kind}.${/^[A-Za-z_][\w'-]*$/.test(stem) ? stem : JSON.stringify(stem)}.` : '';
    let text: string | undefined;
    if (LIST_OPTIONS[key]) text = `${prefix}${LIST_OPTIONS[key]} = [ ${JSON.stringify(value)} ];`;
    else if (SCALAR_OPTIONS[key]) text = `${prefix}${SCALAR_OPTIONS[key]} = ${nixValue(value)};`;
    else {
      const secs = sectionsDefiningKey(key);
      if (!secs.length) continue;
      const own = pn ? typeSection(pn.type) : 'Service';
      const sec = secs.includes('Unit') ? 'Unit' : secs.includes(own) ? own : secs[0];
      const opt = CONFIG[sec];
      if (!opt) continue;
      text = `${prefix}${opt}.${key} = ${nixValue(value)};`;
    }
    if (!out.includes(text)) out.push(text);
  }
  return out.length ? out.join(' ') : undefined;
}
