/**
 * What a SIGHUP reload of the checker keeps (ipwrapper.c clear_diff_services,
 * clear_diff_rs, migrate_checkers; check_api.c's per-type compare):
 * - virtual servers are matched old ↔ new by what the kernel knows them by:
 *   address + protocol, fwmark, or group (+ protocol), each with its family;
 * - real servers by address and port within a matched virtual server;
 * - checkers of a matched real server by their check: an identical checker
 *   keeps running as it is; one whose check is the same but whose timing
 *   changed (delay_loop, retry, alpha, …) starts anew from its
 *   predecessor's state; any other is new.
 * Pure: the checker process and the IPVS sync act on the plan.
 */
import { sameSockAddr } from '../config/check/address.js';
import type { Checker, RealServer, VirtualServer, VirtualServerGroup, VsgEntry } from '../config/check/model.js';
import type { TrackFile } from '../config/track-file.js';
import type { CheckerRunState } from './scheduler.js';

/** The identity clear_diff_services compares (vs_iseq), with the protocol of a group's services. */
export function virtualServerMatchKey(vs: VirtualServer): string {
  const key = vs.key;
  if (key.kind === 'fwmark') return `fwmark/${vs.family}/${key.fwmark}`;
  if (key.kind === 'group') return `group/${key.group}/${vs.protocol ?? ''}`;
  return `address/${vs.protocol ?? ''}/${key.addr.family}/${key.addr.address}/${key.addr.port}`;
}

/**
 * For each item of `next`, the index of the item of `old` it continues, or
 * undefined when it is new; each old item continues at most one new one,
 * the first still unmatched (configurations do not repeat an identity).
 */
function matchBy<T>(old: readonly T[], next: readonly T[], same: (a: T, b: T) => boolean): (number | undefined)[] {
  const taken = new Set<number>();
  return next.map((n) => {
    const o = old.findIndex((x, k) => !taken.has(k) && same(x, n));
    if (o < 0) return undefined;
    taken.add(o);
    return o;
  });
}

/** By index in `next`: the old virtual server it continues. */
export function matchVirtualServers(old: readonly VirtualServer[], next: readonly VirtualServer[]): (number | undefined)[] {
  return matchBy(old, next, (a, b) => virtualServerMatchKey(a) === virtualServerMatchKey(b));
}

/** rs_iseq: by index in `next.realServers`, the real server of `old` it continues. */
export function matchRealServers(old: VirtualServer, next: VirtualServer): (number | undefined)[] {
  return matchBy(old.realServers, next.realServers, (a, b) => sameSockAddr(a.addr, b.addr));
}

/** Where in the configuration a value was written: never part of what it means. */
const IGNORED = new Set(['loc']);
/** The timing every checker has (CheckerTiming): a change of these keeps the check's state. */
const TIMING = new Set(['alpha', 'delayLoopUs', 'warmupUs', 'retry', 'delayBeforeRetryUs', 'logAllFailures']);

function equalIgnoring(a: unknown, b: unknown, ignored: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equalIgnoring(x, b[i], ignored));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)].filter((k) => !ignored.has(k) && (ra[k] !== undefined || rb[k] !== undefined)));
  for (const k of keys) if (!equalIgnoring(ra[k], rb[k], ignored)) return false;
  return true;
}

/** The same track files (name, file, init): their watcher can go on as it is. */
export function sameTrackFiles(a: readonly TrackFile[], b: readonly TrackFile[]): boolean {
  return equalIgnoring(a, b, IGNORED);
}

/** The same checker in every setting: its scheduler may run on undisturbed. */
export function sameChecker(a: Checker, b: Checker): boolean {
  return equalIgnoring(a, b, IGNORED);
}

/**
 * The same check (the type's compare in keepalived: connection, URLs,
 * script, …), timing (and a MISC_CHECK's timeout) aside: the new checker
 * takes over the old one's state.
 * Stricter than keepalived's compare, which overlooks a few settings of the
 * probe itself (an HTTP_GET's protocol version, a UDP_CHECK's payload).
 */
export function sameCheck(a: Checker, b: Checker): boolean {
  // compare_misc_check looks at the script and misc_dynamic only
  const ignored = a.type === 'MISC_CHECK' ? [...IGNORED, ...TIMING, 'timeoutUs'] : [...IGNORED, ...TIMING];
  return a.type === b.type && equalIgnoring(a, b, new Set(ignored));
}

/** What becomes of one checker of a new real server. */
export type CheckerPlan =
  /** The old checker `from` (index in the old real server's checkers) goes on running. */
  | { readonly kind: 'keep'; readonly from: number }
  /** A new checker takes over old checker `from`'s state. */
  | { readonly kind: 'migrate'; readonly from: number }
  | { readonly kind: 'new' };

/**
 * By index in `next.checkers`. `old` undefined: the real server is new.
 * Identical checkers are paired first, then checks that only changed timing,
 * each old checker at most once, in configuration order.
 */
export function planCheckers(old: RealServer | undefined, next: RealServer): CheckerPlan[] {
  if (!old) return next.checkers.map(() => ({ kind: 'new' }));
  const kept = matchBy(old.checkers, next.checkers, sameChecker);
  const taken = new Set(kept.filter((k): k is number => k !== undefined));
  return next.checkers.map((c, i) => {
    const k = kept[i];
    if (k !== undefined) return { kind: 'keep', from: k };
    const m = old.checkers.findIndex((o, j) => !taken.has(j) && sameCheck(o, c));
    if (m < 0) return { kind: 'new' };
    taken.add(m);
    return { kind: 'migrate', from: m };
  });
}

/** A BFD_CHECK is not scheduled here: it is never planned to run or counted. */
export type ScheduledState = CheckerRunState | undefined;

/**
 * Where each checker of a real server starts after a reload
 * (migrate_checkers, check_new_rs_state): by index in `next.checkers`,
 * undefined for a BFD_CHECK. `previous`: each planned old checker's state
 * (by index in the old checkers); `wasAlive`: the real server before the
 * reload (ignored for a new one).
 *
 * - a kept checker goes on from where it is;
 * - a migrated one takes up its predecessor's verdict once that one has run,
 *   and its retry count, capped one short of the new `retry`;
 * - a new checker starts up with no retries counted, except on a new real
 *   server, where an alpha checker starts down;
 * - on a real server with a failed checker, or down with no checker run yet,
 *   every checker that has not run (kept ones aside) needs one failure only,
 *   and an alpha one starts down.
 */
export function reloadedCheckerStates(
  next: RealServer,
  plans: readonly CheckerPlan[],
  previous: (from: number) => CheckerRunState | undefined,
  matched: boolean,
  wasAlive: boolean,
): ScheduledState[] {
  const states: ScheduledState[] = next.checkers.map((c, i) => {
    if (c.type === 'BFD_CHECK') return undefined;
    const plan = plans[i] ?? { kind: 'new' };
    if (!matched) return { up: !c.alpha, hasRun: false, retryIt: 0 };
    const before = plan.kind === 'new' ? undefined : previous(plan.from);
    if (!before) return { up: true, hasRun: false, retryIt: 0 };
    if (plan.kind === 'keep') return before;
    const retryIt = before.retryIt && c.retry ? Math.min(before.retryIt, c.retry - 1) : 0;
    const up = before.hasRun ? before.up : true;
    return { up, hasRun: before.hasRun, retryIt, ...(before.weight === undefined ? {} : { weight: before.weight }) };
  });
  if (!matched) return states;
  const run = states.filter((s): s is CheckerRunState => s !== undefined && s.hasRun);
  const failed = run.some((s) => !s.up);
  if (!failed && (wasAlive || run.length > 0)) return states;
  return states.map((s, i) => {
    const c = next.checkers[i]!;
    if (!s || s.hasRun || plans[i]?.kind === 'keep' || c.type === 'BFD_CHECK') return s;
    return { ...s, up: c.alpha ? false : s.up, retryIt: c.retry };
  });
}

/** A group entry as keepalived names it in its reload lines. */
function entryName(e: VsgEntry, vs: VirtualServer): string {
  if (e.kind === 'fwmark') return `${e.fwmark}`;
  const start = `[${e.start}]:${vs.protocol ?? 'none'}:${e.port}`;
  return e.start === e.end ? start : `${start}-${e.end}`;
}

const sameEntry = (a: VsgEntry, b: VsgEntry): boolean =>
  a.kind === 'fwmark' ? b.kind === 'fwmark' && a.fwmark === b.fwmark : b.kind === 'range' && a.family === b.family && a.start === b.start && a.end === b.end && a.port === b.port;

/**
 * clear_diff_vsge and sync_service_vsg_entry: the lines for the entries a
 * reload takes out of, and puts into, a matched virtual server's group.
 */
export function groupEntryChanges(
  oldVs: VirtualServer,
  oldGroups: readonly VirtualServerGroup[],
  nextVs: VirtualServer,
  nextGroups: readonly VirtualServerGroup[],
): { removed: string[]; added: string[] } {
  if (oldVs.key.kind !== 'group' || nextVs.key.kind !== 'group') return { removed: [], added: [] };
  const name = oldVs.key.group;
  const nextName = nextVs.key.group;
  const before = oldGroups.find((g) => g.name === name)?.entries ?? [];
  const after = nextGroups.find((g) => g.name === nextName)?.entries ?? [];
  const removed = before
    .filter((e) => !after.some((n) => sameEntry(e, n)))
    .map((e) => `VS [${entryName(e, oldVs)}] in group ${name} no longer exists`);
  const added = after
    .filter((e) => !before.some((o) => sameEntry(o, e)))
    .map((e) => (e.kind === 'fwmark' ? `VS [FWM ${e.fwmark}] added into group ${name}` : `VS [${entryName(e, nextVs)}] added into group ${name}`));
  return { removed, added };
}
