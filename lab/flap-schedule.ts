/**
 * When each of a set of flapping real servers is down: server i is down for `downMs` of every `periodMs`, its
 * window starting at i·period/count, so the flaps spread evenly over the period (lab/flapping-servers.ts follows it;
 * the soak counts from it the verdicts a checker should reach).
 */

export interface FlapSchedule {
  readonly count: number;
  readonly periodMs: number;
  readonly downMs: number;
}

export function isDown(s: FlapSchedule, server: number, elapsedMs: number): boolean {
  const phase = (elapsedMs - (server * s.periodMs) / s.count) % s.periodMs;
  return phase >= 0 && phase < s.downMs;
}

/** Down windows that begin in [fromMs, toMs) over all servers: each is one down and (once it ends) one up. */
export function downsStarting(s: FlapSchedule, fromMs: number, toMs: number): number {
  let n = 0;
  for (let i = 0; i < s.count; i++) {
    const first = (i * s.periodMs) / s.count;
    const k0 = Math.max(0, Math.ceil((fromMs - first) / s.periodMs));
    for (let k = k0; first + k * s.periodMs < toMs; k++) n++;
  }
  return n;
}
