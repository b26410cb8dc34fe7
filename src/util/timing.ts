/**
 * Phase timings for performance work: with UNITLINT_TIMINGS=1 in the environment, every lap() adds the
 * time since the previous lap to a named bucket, and report() prints the buckets to stderr.
 */
const enabled = !!process.env.UNITLINT_TIMINGS;
const buckets = new Map<string, number>();
let last = performance.now();

export function lap(name: string): void {
  if (!enabled) return;
  const now = performance.now();
  buckets.set(name, (buckets.get(name) ?? 0) + now - last);
  last = now;
}

export function resetTimings(): void {
  last = performance.now();
}

export function reportTimings(): void {
  if (!enabled) return;
  for (const [k, v] of buckets) process.stderr.write(`unitlint timing: ${k.padEnd(36)} ${v.toFixed(1)} ms\n`);
  buckets.clear();
}
