/**
 * Time spans as systemd.time(7) parses them (parse_sec / parse_time): "5", "5s", "1min 30s",
 * "1.5h", "100ms", "infinity". Returns milliseconds, Infinity for "infinity", undefined when invalid.
 */

const UNITS: Record<string, number> = {
  usec: 0.001, us: 0.001, 'µs': 0.001, μs: 0.001,
  msec: 1, ms: 1,
  seconds: 1000, second: 1000, sec: 1000, s: 1000,
  minutes: 60_000, minute: 60_000, min: 60_000, m: 60_000,
  hours: 3_600_000, hour: 3_600_000, hr: 3_600_000, h: 3_600_000,
  days: 86_400_000, day: 86_400_000, d: 86_400_000,
  weeks: 604_800_000, week: 604_800_000, w: 604_800_000,
  months: 2_629_800_000, month: 2_629_800_000, M: 2_629_800_000,
  years: 31_557_600_000, year: 31_557_600_000, y: 31_557_600_000,
};

const UNIT_NAMES = Object.keys(UNITS).sort((a, b) => b.length - a.length);

export function parseTimespan(input: string, defaultUnitMs = 1000): number | undefined {
  const s = input.trim();
  if (s === '') return undefined;
  if (s === 'infinity') return Infinity;
  let rest = s;
  let total = 0;
  let any = false;
  while (rest.length > 0) {
    rest = rest.replace(/^\s+/, '');
    if (rest.length === 0) break;
    const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)/.exec(rest);
    if (!m) return undefined;
    const n = Number(m[1]);
    rest = rest.slice(m[1].length).replace(/^\s+/, '');
    let mult = defaultUnitMs;
    let matched = false;
    for (const u of UNIT_NAMES) {
      if (rest.startsWith(u)) {
        const after = rest[u.length];
        if (after === undefined || after === ' ' || after === '\t' || /[0-9.]/.test(after)) {
          mult = UNITS[u];
          rest = rest.slice(u.length);
          matched = true;
          break;
        }
      }
    }
    if (!matched && rest.length > 0 && !/^[0-9. \t]/.test(rest)) return undefined;
    total += n * mult;
    any = true;
  }
  return any ? total : undefined;
}

/** A human rendering: 2.5 s, 100 ms, 10 min, infinity. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'infinity';
  if (ms < 1000) return `${trim(ms)} ms`;
  if (ms < 120_000) return `${trim(ms / 1000)} s`;
  if (ms < 7_200_000) return `${trim(ms / 60_000)} min`;
  return `${trim(ms / 3_600_000)} h`;
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/\.?0+$/, '');
}
