/**
 * How long the parent waits before restarting a child that died, as keepalived 2.2.7's calc_restart_delay
 * (lib/scheduler.c): at once if the child had run a minute or more; otherwise the delay due (0 the first time),
 * the next one doubling from 1 s (1, 2, 4, 8, 16, 32, then 60 s). A child that has run a minute starts the
 * sequence again. Pure: the caller keeps the state and measures the uptime on its monotonic clock.
 */

/** A child that ran this long is restarted at once, and its sequence starts again. */
export const RESPAWN_RESET_US = 60_000_000;

export interface RespawnDelay {
  /** Seconds to wait before this restart. */
  readonly delayS: number;
  /** The delay due after the next death within a minute of a start. */
  readonly nextS: number;
}

/** `nextS`: the delay due now (0 at first); `uptimeUs`: how long the child ran since its last start. */
export function respawnDelay(nextS: number, uptimeUs: number): RespawnDelay {
  if (uptimeUs >= RESPAWN_RESET_US) return { delayS: 0, nextS: 0 };
  return { delayS: nextS, nextS: nextS === 0 ? 1 : nextS > 30 ? 60 : nextS * 2 };
}
