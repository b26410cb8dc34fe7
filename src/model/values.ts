/**
 * Value syntax of the settings whose values systemd parses strictly, for systemd 252 (values added by
 * later releases come from the catalog's `values` list). A value systemd cannot parse makes it log
 * "Failed to parse …, ignoring" and keep the default.
 */
import { directiveInfo, valueInfo } from '../catalog/index.js';
import { parseBoolean } from './unit.js';
import { parseTimespan } from './time.js';

const ACTIONS = ['none', 'reboot', 'reboot-force', 'reboot-immediate', 'poweroff', 'poweroff-force', 'poweroff-immediate', 'exit', 'exit-force'];
const JOB_MODES = ['fail', 'replace', 'replace-irreversibly', 'isolate', 'flush', 'ignore-dependencies', 'ignore-requirements'];
const OUTPUTS = ['inherit', 'null', 'tty', 'journal', 'kmsg', 'journal+console', 'kmsg+console', 'socket'];
const OUTPUT_PREFIXES = ['file:', 'append:', 'truncate:', 'fd:'];

interface Enum {
  values: string[];
  /** Only in these sections (Type= of a [Mount] is a file system type, not a service type). */
  sections?: string[];
  /** Also accepts any boolean. */
  boolean?: boolean;
  prefixes?: string[];
  /** What systemd calls it in its log line. */
  what: string;
  /** The value in effect when the setting is ignored. */
  def?: string;
}

/** Keys with enumerated values, by key (the same key means the same thing in every section it exists in). */
export const ENUMS: Record<string, Enum> = {
  Type: { sections: ['Service'], values: ['simple', 'exec', 'forking', 'oneshot', 'dbus', 'notify', 'idle'], what: 'service type', def: 'simple' },
  Restart: { sections: ['Service'], values: ['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always'], what: 'service restart specifier', def: 'no' },
  KillMode: { values: ['control-group', 'mixed', 'process', 'none'], what: 'kill mode specification', def: 'control-group' },
  NotifyAccess: { sections: ['Service'], values: ['none', 'main', 'exec', 'all'], what: 'notify access specifier' },
  ExitType: { sections: ['Service'], values: ['main', 'cgroup'], what: 'exit type', def: 'main' },
  StandardOutput: { values: OUTPUTS, prefixes: OUTPUT_PREFIXES, what: 'output specifier', def: 'journal' },
  StandardError: { values: OUTPUTS, prefixes: OUTPUT_PREFIXES, what: 'output specifier', def: 'inherit' },
  StandardInput: { values: ['null', 'tty', 'tty-force', 'tty-fail', 'data', 'socket'], prefixes: ['file:', 'fd:'], what: 'input specifier', def: 'null' },
  ProtectSystem: { values: ['full', 'strict'], boolean: true, what: 'protect system value', def: 'no' },
  ProtectHome: { values: ['read-only', 'tmpfs'], boolean: true, what: 'protect home value', def: 'no' },
  OOMPolicy: { values: ['continue', 'stop', 'kill'], what: 'OOM policy' },
  TimeoutStartFailureMode: { sections: ['Service'], values: ['terminate', 'abort', 'kill'], what: 'timeout failure mode', def: 'terminate' },
  TimeoutStopFailureMode: { sections: ['Service'], values: ['terminate', 'abort', 'kill'], what: 'timeout failure mode', def: 'terminate' },
  DevicePolicy: { values: ['auto', 'closed', 'strict'], what: 'device policy', def: 'auto' },
  CollectMode: { values: ['inactive', 'inactive-or-failed'], what: 'garbage collection mode', def: 'inactive' },
  OnFailureJobMode: { values: JOB_MODES, what: 'job mode', def: 'replace' },
  OnSuccessJobMode: { values: JOB_MODES, what: 'job mode', def: 'replace' },
  StartLimitAction: { values: ACTIONS, what: 'emergency action', def: 'none' },
  FailureAction: { values: ACTIONS, what: 'emergency action', def: 'none' },
  SuccessAction: { values: ACTIONS, what: 'emergency action', def: 'none' },
  JobTimeoutAction: { values: ACTIONS, what: 'emergency action', def: 'none' },
};

export interface ValueProblem {
  /** systemd's own words for the value kind ("boolean value", "service type", …). */
  what: string;
  /** The accepted values, for enumerations. */
  accepted?: string[];
  def?: string;
}

/** Why systemd would reject `value` for `[section] key=`, or undefined when it parses (or we cannot tell). */
const kinds = new Map<string, Enum | 'BOOLEAN' | 'SECONDS' | 'UNSIGNED' | null>();

/** What kind of value [section] key= takes, memoised (most keys are free-form: null). */
function kindOf(section: string, key: string): Enum | 'BOOLEAN' | 'SECONDS' | 'UNSIGNED' | null {
  const k = section + '\0' + key;
  let v = kinds.get(k);
  if (v === undefined) {
    const e = ENUMS[key];
    if (e && (!e.sections || e.sections.includes(section))) v = e;
    else {
      const t = directiveInfo(section, key)?.type;
      v = t === 'BOOLEAN' || t === 'SECONDS' || t === 'UNSIGNED' ? t : null;
    }
    kinds.set(k, v);
  }
  return v;
}

export function checkValue(section: string, key: string, value: string): ValueProblem | undefined {
  if (value === '' || value.includes('%')) return undefined; // reset, or specifiers resolved at load time
  const kind = kindOf(section, key);
  if (kind === null) return undefined;
  // A value a later release added (PrivateTmp=disconnected in 257, …): unknown-directive judges the version.
  if (valueInfo(section, key, value)) return undefined;
  if (typeof kind === 'object') {
    const e = kind;
    if (e.values.includes(value) || (e.boolean && parseBoolean(value) !== undefined)) return undefined;
    if (e.prefixes?.some((p) => value.startsWith(p))) return undefined;
    if (valueInfo(section, key, value)) return undefined; // a value of a later release (unknown-directive judges the version)
    return { what: e.what, accepted: e.boolean ? ['yes', 'no', ...e.values] : e.values, def: e.def };
  }
  if (kind === 'BOOLEAN' && parseBoolean(value) === undefined) return { what: 'boolean value', accepted: ['yes', 'no'] };
  if (kind === 'SECONDS' && parseTimespan(value) === undefined) return { what: 'sec value' };
  if (kind === 'UNSIGNED' && !/^\+?[0-9]+$/.test(value)) return { what: 'unsigned value' };
  return undefined;
}
