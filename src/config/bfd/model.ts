/**
 * bfd_instance blocks. keepalived reads them in three processes: the BFD
 * process builds the sessions, the checker keeps the names for BFD_CHECK
 * (the VRRP process's names and weights for track_bfd live in the VRRP model).
 * Times are in µs, as keepalived stores them.
 */
import type { Location } from '../diagnostics.js';

export interface BfdInstance {
  readonly name: string;
  readonly neighbor: string;
  readonly source?: string;
  /** µs. */
  readonly minRx: number;
  readonly minTx: number;
  readonly idleTx: number;
  readonly multiplier: number;
  readonly passive: boolean;
  /** TTL (IPv4) or hop limit (IPv6) sent; 255 / 64 by default. */
  readonly ttl: number;
  /** -1 = any; 0 = directly connected only. */
  readonly maxHops: number;
  /** Which processes hear about state changes (`vrrp` / `checker`; neither named → both). */
  readonly vrrp: boolean;
  readonly checker: boolean;
  readonly loc: Location;
}

/** A BFD instance as the checker knows it, for BFD_CHECK. */
export interface CheckerTrackedBfd {
  readonly name: string;
  readonly loc: Location;
}

export interface BfdConfig {
  readonly instances: readonly BfdInstance[];
  readonly checkerTracked: readonly CheckerTrackedBfd[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type BfdInstanceDraft = Mutable<Omit<BfdInstance, 'neighbor'>> & { neighbor?: string };

export interface BfdDraft {
  instances: BfdInstance[];
  checkerTracked: CheckerTrackedBfd[];
}

export function newBfdDraft(): BfdDraft {
  return { instances: [], checkerTracked: [] };
}

/** The bfd_instance keywords only the BFD process reads; the others accept and ignore them. */
export const BFD_SESSION_KEYWORDS: readonly string[] = ['source_ip', 'neighbor_ip', 'neighbour_ip', 'min_rx', 'min_tx', 'idle_tx', 'multiplier', 'passive', 'ttl', 'hoplimit', 'max_hops'];

/** Longest instance name (keepalived's BFD_INAME_MAX - 1). */
export const BFD_NAME_MAX = 31;
export const BFD_DEFAULTS = {
  minRx: 10_000,
  minTx: 10_000,
  idleTx: 1_000_000,
  multiplier: 5,
  ttlIpv4: 255,
  hopLimitIpv6: 64,
} as const;
