/**
 * The soak's arithmetic (soak/long-soak.ts): the least-squares slope of a series sampled over time, and the growth
 * of a series that moves with work in flight (fds, handles, the heap a collection leaves): its floor over time.
 */

export interface Point {
  readonly t: number;
  readonly v: number;
}

/** Slope of the least-squares line through the points (v per unit of t); 0 with fewer than two distinct times. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * The minimum over the last `fraction` of the points less the minimum over the first `fraction`: what stays open
 * when the least is in flight. A leak of one per event grows it by the events of the run; noise does not.
 */
export function floorGrowth(points: readonly Point[], fraction = 0.2): number {
  if (points.length === 0) return 0;
  const k = Math.max(1, Math.floor(points.length * fraction));
  const min = (ps: readonly Point[]): number => Math.min(...ps.map((p) => p.v));
  return min(points.slice(-k)) - min(points.slice(0, k));
}

/**
 * The least-squares slope through the least value of each of `windows` equal stretches of time (at each stretch's
 * middle). What work in flight adds is upward and passing, and drops out; what is kept raises every floor after it.
 */
export function floorSlope(points: readonly Point[], windows = 5): number {
  if (points.length === 0) return 0;
  const first = Math.min(...points.map((p) => p.t));
  const width = (Math.max(...points.map((p) => p.t)) - first) / windows;
  if (width === 0) return 0;
  const floors = new Map<number, number>();
  for (const p of points) {
    const w = Math.min(windows - 1, Math.floor((p.t - first) / width));
    floors.set(w, Math.min(floors.get(w) ?? Infinity, p.v));
  }
  return slope([...floors].map(([w, v]) => ({ t: first + (w + 0.5) * width, v })));
}

/** Nearest-rank percentile (p in 0..1) of the values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
