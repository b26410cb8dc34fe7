/**
 * A service's effective restart policy and start-rate limit, computed like systemd 252/254:
 * Restart= (default no), RestartSec= (default 100ms), RestartSteps=/RestartMaxDelaySec= (254),
 * StartLimitIntervalSec= (default 10s; 0 disables) and StartLimitBurst= (default 5) in [Unit], with
 * the old [Service] aliases StartLimitInterval=/StartLimitBurst= still honoured.
 *
 * The limit (ratelimit_below()) trips when, counting from the first start of a window, a start
 * request arrives while `burst` starts have already been made within `interval`: with instant
 * failures the (burst+1)-th start comes after the first `burst` restart delays, so the limit trips
 * iff the sum of those delays ≤ interval. Run time before each failure only adds to the gaps.
 */
import type { Unit, Value } from './unit.js';
import { parseTimespan } from './time.js';

export const DEFAULT_RESTART_SEC_MS = 100;
const RESTART_MODES = new Set(['no', 'on-success', 'on-failure', 'on-abnormal', 'on-watchdog', 'on-abort', 'always']);
export const DEFAULT_START_LIMIT_INTERVAL_MS = 10_000;
export const DEFAULT_START_LIMIT_BURST = 5;

export interface RestartPolicy {
  restart: Value | undefined;
  mode: string;
  restartSecMs: number;
  restartSec: Value | undefined;
  steps: number;
  stepsAt: Value | undefined;
  maxDelayMs: number;
  maxDelayAt: Value | undefined;
  intervalMs: number;
  interval: Value | undefined;
  burst: number;
  burstAt: Value | undefined;
  /** The first `burst` restart delays. */
  delays: number[];
  /** Sum of `delays`: the least time `burst` restarts take. */
  cycleMs: number;
  /** Whether the start limit can ever stop the loop. */
  trips: boolean;
  /** Set when one of the settings is defined with a value unitlint cannot know (a NixOS option from outside the tree). */
  unknown: import('../types.js').Location | undefined;
}

export function restartPolicy(u: Unit): RestartPolicy {
  // An invalid Restart= value is ignored by systemd ("Failed to parse service restart specifier"): default no.
  const given = u.get('Service', 'Restart');
  const restart = given && RESTART_MODES.has(given.value) ? given : undefined;
  const mode = restart?.value ?? 'no';
  const restartSec = u.get('Service', 'RestartSec');
  const rs = restartSec ? parseTimespan(restartSec.value) : undefined;
  const restartSecMs = rs ?? DEFAULT_RESTART_SEC_MS;
  const stepsAt = u.get('Service', 'RestartSteps');
  const steps = stepsAt ? Math.max(0, Math.floor(Number(stepsAt.value)) || 0) : 0;
  const maxDelayAt = u.get('Service', 'RestartMaxDelaySec');
  const md = maxDelayAt ? parseTimespan(maxDelayAt.value) : undefined;
  const maxDelayMs = md ?? restartSecMs;
  const interval = u.getAny([['Unit', 'StartLimitIntervalSec'], ['Unit', 'StartLimitInterval'], ['Service', 'StartLimitInterval']]);
  const iv = interval ? parseTimespan(interval.value) : undefined;
  const intervalMs = iv ?? DEFAULT_START_LIMIT_INTERVAL_MS;
  const burstAt = u.getAny([['Unit', 'StartLimitBurst'], ['Service', 'StartLimitBurst']]);
  const b = burstAt ? Number(burstAt.value) : NaN;
  const burst = Number.isInteger(b) && b >= 0 ? b : DEFAULT_START_LIMIT_BURST;
  const delays: number[] = [];
  for (let k = 0; k < Math.min(burst, 10_000); k++) delays.push(restartDelay(k, restartSecMs, steps, maxDelayMs));
  const cycleMs = delays.reduce((a, x) => a + x, 0);
  const trips = intervalMs > 0 && burst > 0 && cycleMs <= intervalMs;
  const unknown = u.unknownAt('Service', 'Restart', 'RestartSec', 'RestartSteps', 'RestartMaxDelaySec', 'StartLimitInterval', 'StartLimitBurst') ??
    u.unknownAt('Unit', 'StartLimitIntervalSec', 'StartLimitInterval', 'StartLimitBurst');
  return { restart, mode, restartSecMs, restartSec, steps, stepsAt, maxDelayMs, maxDelayAt, intervalMs, interval, burst, burstAt, delays, cycleMs, trips, unknown };
}

/**
 * service_restart_usec_next() (systemd ≥ 254): the k-th restart (0-based) waits
 * RestartSec × (RestartMaxDelaySec / RestartSec)^(k / RestartSteps), and RestartMaxDelaySec once
 * k ≥ RestartSteps; without RestartSteps= (or with an infinite maximum) always RestartSec.
 */
export function restartDelay(k: number, baseMs: number, steps: number, maxMs: number): number {
  if (k < 1 || steps <= 0 || baseMs <= 0 || !Number.isFinite(maxMs) || baseMs >= maxMs) return baseMs;
  if (k >= steps) return maxMs;
  return baseMs * Math.pow(maxMs / baseMs, k / steps);
}
