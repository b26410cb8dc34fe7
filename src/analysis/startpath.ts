/**
 * What holds a service's start job open — and so what every unit ordered After= it waits for
 * (systemd.service(5), "Type=" and the Exec*= settings):
 *
 * | phase          | holds the start job                                                        |
 * |----------------|-----------------------------------------------------------------------------|
 * | ExecCondition= | always                                                                      |
 * | ExecStartPre=  | always                                                                      |
 * | ExecStart=     | Type=oneshot (every command), forking (until the parent exits), notify and  |
 * |                | notify-reload (until READY=1), dbus (until the bus name appears);           |
 * |                | not for simple, exec, idle (the job ends at fork/exec)                      |
 * | ExecStartPost= | always (runs after the main process counts as started, before the job ends) |
 *
 * The effective start timeout: TimeoutStartSec= (or TimeoutSec=), else 90 s (DefaultTimeoutStartSec),
 * except Type=oneshot, whose start timeout is disabled unless set; `infinity` and `0` disable it.
 */
import type { Unit, Value } from '../model/unit.js';
import { parseTimespan } from '../model/time.js';

export type StartPhase = 'ExecCondition' | 'ExecStartPre' | 'ExecStart' | 'ExecStartPost';
export const START_PHASES: StartPhase[] = ['ExecCondition', 'ExecStartPre', 'ExecStart', 'ExecStartPost'];

const SERVICE_TYPES = new Set(['simple', 'exec', 'forking', 'oneshot', 'dbus', 'notify', 'notify-reload', 'idle']);

export function serviceType(u: Unit): { type: string; at: Value | undefined } {
  const t = u.get('Service', 'Type');
  if (t && SERVICE_TYPES.has(t.value)) return { type: t.value, at: t };
  if (u.get('Service', 'BusName')) return { type: 'dbus', at: undefined };
  if (u.list('Service', 'ExecStart').length === 0) return { type: 'oneshot', at: undefined };
  return { type: 'simple', at: undefined };
}

/** Whether commands of this phase keep the unit's start job running. */
export function phaseHoldsStartJob(phase: StartPhase, type: string): boolean {
  if (phase !== 'ExecStart') return true;
  return type === 'oneshot' || type === 'forking' || type === 'notify' || type === 'notify-reload' || type === 'dbus';
}

export interface StartTimeout {
  /** Milliseconds; Infinity when disabled. */
  ms: number;
  at: Value | undefined;
  /** In words: "TimeoutStartSec=600 (a.service:7)", "90 s (systemd's default)", "none (Type=oneshot)". */
  text: string;
}

export function startTimeout(u: Unit, where: (v: Value) => string): StartTimeout {
  const v = u.getAny([['Service', 'TimeoutSec'], ['Service', 'TimeoutStartSec']]);
  const ms = v ? parseTimespan(v.value) : undefined;
  if (v && ms !== undefined) {
    const off = ms === 0 || ms === Infinity;
    return { ms: off ? Infinity : ms, at: v, text: `${v.at.key}=${v.value} (${where(v)})${off ? ', i.e. no timeout' : ''}` };
  }
  if (serviceType(u).type === 'oneshot') return { ms: Infinity, at: undefined, text: 'none (Type=oneshot disables the start timeout unless TimeoutStartSec= is set)' };
  return { ms: 90_000, at: undefined, text: "90 s (systemd's default TimeoutStartSec=)" };
}
