/**
 * Skew time and master-down interval in microseconds, with keepalived's
 * unsigned 32-bit integer arithmetic (vrrp.h VRRP_TIMER_SKEW_CALC,
 * VRRP_MS_DOWN_TIMER) so that both implementations time out on the same
 * microsecond. RFC 3768 §6.1 / RFC 5798 §6.1.
 */
import type { VrrpVersion } from '../wire/packet.js';

/** keepalived keeps every timer in µs. */
export const TIMER_HZ = 1_000_000;
export const TIMER_CENTI_HZ = 10_000;
/** keepalived's `down_timer_adverts` default: the RFC's 3 × Master_Adver_Interval. */
export const DEFAULT_DOWN_TIMER_ADVERTS = 3;

/**
 * Skew for a priority weight (256 − priority, or 1 for the minimum skew).
 * v2: weight/256 s, independent of the interval. v3: (weight × MAI)/256 with
 * MAI truncated to whole centiseconds and 10000/256 reduced to 625/16.
 */
function skewFor(version: VrrpVersion, weight: number, masterAdverIntUs: number): number {
  if (version === 3) {
    return Math.floor((weight * Math.floor(masterAdverIntUs / TIMER_CENTI_HZ) * 625) / 16);
  }
  return Math.floor((weight * TIMER_HZ) / 256);
}

/** Skew_Time for our effective priority, in µs. */
export function skewTimeUs(version: VrrpVersion, effectivePriority: number, masterAdverIntUs: number): number {
  return skewFor(version, 256 - effectivePriority, masterAdverIntUs);
}

/** The smallest skew (priority 255), used when a sync group holds an instance in backup. */
export function minimumSkewUs(version: VrrpVersion, masterAdverIntUs: number): number {
  return skewFor(version, 1, masterAdverIntUs);
}

/** Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time, in µs. */
export function masterDownIntervalUs(
  version: VrrpVersion,
  effectivePriority: number,
  masterAdverIntUs: number,
  downTimerAdverts = DEFAULT_DOWN_TIMER_ADVERTS,
): number {
  // keepalived's sum is an unsigned 32-bit int: 100 adverts × 255 s wraps there, so it wraps here too
  return (downTimerAdverts * masterAdverIntUs + skewTimeUs(version, effectivePriority, masterAdverIntUs)) >>> 0;
}

/** The v2 header's 8-bit interval: whole seconds, truncated as keepalived's uint8 cast does. */
export function v2AdvertIntervalField(advertIntUs: number): number {
  return Math.floor(advertIntUs / TIMER_HZ) & 0xff;
}

/** The v3 header's 12-bit interval: whole centiseconds. */
export function v3AdvertIntervalField(advertIntUs: number): number {
  return Math.floor(advertIntUs / TIMER_CENTI_HZ) & 0x0fff;
}

/** The Master_Adver_Interval a backup adopts from a v3 advert (RFC 5798 §6.4.2). */
export function masterAdverIntFromV3Us(advertIntervalCs: number): number {
  return (advertIntervalCs & 0x0fff) * TIMER_CENTI_HZ;
}

/** Whether a v2 advert's interval equals ours (keepalived drops the advert otherwise). */
export function v2IntervalMatches(advertIntUs: number, advertIntervalSec: number): boolean {
  return advertIntUs === advertIntervalSec * TIMER_HZ;
}
