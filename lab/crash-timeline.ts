/**
 * What one crash cycle of a VRRP pair did, read from two timelines kept during the run (soak/crash-cycles.ts):
 * the adverts on the wire (tcpdump's kernel timestamps) and the VIPs each node's kernel added and deleted
 * (`ip -ts monitor address` in each node). Node A is the MASTER that is killed (the whole daemon, or its VRRP
 * child alone) and comes back; node B its backup. Pure: every time is in ms on one clock (the realtime clock,
 * which both tools stamp with).
 */

export type Node = 'A' | 'B';

export interface WireAdvert {
  readonly t: number;
  readonly from: Node;
  readonly priority: number;
}

export interface VipEvent {
  readonly t: number;
  readonly node: Node;
  readonly address: string;
  readonly added: boolean;
}

/** One cycle's marks: A killed, A's daemon started again (absent when only its VRRP child was killed: its parent restarts it), the pair settled, the next cycle's kill (or the run's end). */
export interface CycleMarks {
  readonly killAt: number;
  readonly restartAt?: number;
  readonly settledAt: number;
  readonly endAt: number;
}

export interface CycleFigures {
  /** B's first advert after the kill less A's last before it; undefined when A was back as MASTER before B took over. */
  readonly takeoverMs?: number;
  /**
   * The longest time both nodes held one VIP, by the node it is due to: the one that let go late after a rightful
   * take (by a higher priority, or after the holder had been silent on the wire for `silentMs`: a stalled
   * MASTER), or the one that took a VIP from a MASTER it should have deferred to. A's VIPs left from before the
   * kill are not in it (leftoverMs counts them).
   */
  readonly overlapMs: Readonly<Record<Node, number>>;
  /** From A's restart (or its child's kill) until A's kernel no longer held what the dead daemon left; undefined when it was kept or its removal was lost. */
  readonly leftoverMs?: number;
  /**
   * The restarted daemon kept a VIP the dead one left: A's monitor shows no deletion of it before its re-addition
   * (which the kernel then refuses as a duplicate, silently) or the cycle's end.
   */
  readonly leftoverKept: boolean;
  /** A's monitor showed an addition of a leftover VIP it had not seen deleted: it lost the deletion, and the leftover's fate is unknown. */
  readonly leftoverLost: boolean;
  /** A's monitor stamped a leftover's deletion after A's first advert, which it preceded: its stamps lagged (the wait is not known, and B's adverts are counted from the restart). */
  readonly stampLagged: boolean;
  /** B's adverts on the wire between A's leftovers going and A's first advert: what the restarted node heard before it took over. */
  readonly heardBeforeTakingOver: number;
  /**
   * A advertised without having heard B since its leftovers went, though B had advertised within `silentMs`
   * before: the restarted node took over from a live MASTER it had not listened to.
   */
  readonly tookOverUnheard: boolean;
  /** From A's leftovers going to A's first advert: how long the restarted node waited as BACKUP. */
  readonly waitMs?: number;
  /** The longest time no node's kernel held one VIP. */
  readonly vipLessMs: number;
  /** The longest time without an advert from a MASTER (priority above 0) on the wire, from A's last advert before the kill. */
  readonly advertGapMs: number;
}

type Interval = readonly [number, number];

/** The intervals `node` held `address` in [from, to), from its events (held at `from` if its last event before was an addition). */
export function holds(events: readonly VipEvent[], node: Node, address: string, from: number, to: number): Interval[] {
  const mine = events.filter((e) => e.node === node && e.address === address).sort((x, y) => x.t - y.t);
  const out: Interval[] = [];
  let since = mine.filter((e) => e.t < from).at(-1)?.added ? from : undefined;
  for (const e of mine) {
    if (e.t < from || e.t >= to) continue;
    if (e.added && since === undefined) since = e.t;
    else if (!e.added && since !== undefined) {
      out.push([since, e.t]);
      since = undefined;
    }
  }
  if (since !== undefined) out.push([since, to]);
  return out;
}

interface Overlap {
  readonly ms: number;
  /** The node that held first; the other took the VIP at `takenAt`. */
  readonly holder: Node;
  readonly takenAt: number;
}

function overlaps(a: readonly Interval[], b: readonly Interval[]): Overlap[] {
  const out: Overlap[] = [];
  for (const [s1, e1] of a) {
    for (const [s2, e2] of b) {
      const ms = Math.min(e1, e2) - Math.max(s1, s2);
      if (ms > 0) out.push({ ms, holder: s1 <= s2 ? 'A' : 'B', takenAt: Math.max(s1, s2) });
    }
  }
  return out;
}

const other = (n: Node): Node => (n === 'A' ? 'B' : 'A');

/** Whose doing an overlap is: the holder's (it let go late) when the take was rightful, else the taker's. */
function dueTo(o: Overlap, adverts: readonly WireAdvert[], silentMs: number): Node {
  const before = (n: Node): WireAdvert | undefined => adverts.filter((x) => x.from === n && x.priority > 0 && x.t <= o.takenAt).at(-1);
  const holder = before(o.holder);
  const taker = before(other(o.holder));
  const rightful = !holder || o.takenAt - holder.t >= silentMs || (taker !== undefined && taker.priority > holder.priority);
  return rightful ? o.holder : other(o.holder);
}

/** The longest stretch of [from, to) that no interval covers. */
function longestUncovered(intervals: readonly Interval[], from: number, to: number): number {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  let longest = 0;
  let covered = from;
  for (const [s, e] of sorted) {
    if (s > covered) longest = Math.max(longest, Math.min(s, to) - covered);
    covered = Math.max(covered, e);
    if (covered >= to) break;
  }
  return Math.max(longest, to - covered);
}

/**
 * What became of a VIP A held when it was killed: deleted (when, on the monitor's stamp), kept, or lost from view.
 * Read in the order A's monitor printed its events, which is the kernel's: its stamps are taken as it prints and
 * lag under load, so a deletion can be stamped after an advert it preceded, but never printed after the re-addition
 * it preceded. A kept VIP shows no event: the kernel refuses the restarted daemon's addition as a duplicate.
 */
function leftoverFate(events: readonly VipEvent[], vip: string, killAt: number, endAt: number): number | 'kept' | 'lost' {
  const next = events.find((e) => e.node === 'A' && e.address === vip && e.t > killAt && e.t < endAt);
  if (!next) return 'kept';
  return next.added ? 'lost' : next.t;
}

/** `silentMs`: a MASTER silent this long let its backup take over by the rules (3 × advert_int). */
export function cycleFigures(adverts: readonly WireAdvert[], events: readonly VipEvent[], vips: readonly string[], m: CycleMarks, silentMs: number): CycleFigures {
  const lastA = adverts.filter((a) => a.from === 'A' && a.priority > 0 && a.t < m.killAt).at(-1);
  const start = lastA?.t ?? m.killAt;
  const window = adverts.filter((a) => a.t >= start && a.t < m.endAt && a.priority > 0);
  const firstB = window.find((a) => a.from === 'B');
  const firstABack = window.find((a) => a.from === 'A' && a.t > m.killAt);
  const takeoverMs = firstB && (!firstABack || firstB.t < firstABack.t) ? firstB.t - start : undefined;
  const back = m.restartAt ?? m.killAt;

  const overlapMs: Record<Node, number> = { A: 0, B: 0 };
  let vipLessMs = 0;
  let leftGone: number | undefined = back;
  let leftoverKept = false;
  let leftoverLost = false;
  for (const vip of vips) {
    const a = holds(events, 'A', vip, start, m.endAt);
    const b = holds(events, 'B', vip, start, m.endAt);
    // A's hold from before the kill is the dead daemon's leftover; what A adds after it is the restarted one's
    const leftover = a[0] && a[0][0] <= m.killAt ? a[0] : undefined;
    const fresh = leftover ? a.slice(1) : a;
    for (const o of overlaps(fresh, b)) {
      const n = dueTo(o, adverts, silentMs);
      overlapMs[n] = Math.max(overlapMs[n], o.ms);
    }
    vipLessMs = Math.max(vipLessMs, longestUncovered([...a, ...b], start, m.endAt));
    if (leftover) {
      const fate = leftoverFate(events, vip, m.killAt, m.endAt);
      if (fate === 'kept') leftoverKept = true;
      else if (fate === 'lost') leftoverLost = true;
      if (typeof fate === 'number' && leftGone !== undefined) leftGone = Math.max(leftGone, fate);
      else leftGone = undefined;
    }
  }
  // printed before A's re-addition yet stamped after A's first advert (the two go together): the stamp lagged
  const stampLagged = leftGone !== undefined && firstABack !== undefined && leftGone > firstABack.t;
  const heardFrom = stampLagged ? back : (leftGone ?? back);
  const heardBeforeTakingOver = window.filter((x) => x.from === 'B' && x.t >= heardFrom && (!firstABack || x.t < firstABack.t)).length;
  const lastBBefore = firstABack && window.filter((x) => x.from === 'B' && x.t < firstABack.t).at(-1);
  const tookOverUnheard = heardBeforeTakingOver === 0 && lastBBefore !== undefined && firstABack!.t - lastBBefore.t < silentMs;
  let advertGapMs = 0;
  for (let i = 1; i < window.length; i++) advertGapMs = Math.max(advertGapMs, window[i]!.t - window[i - 1]!.t);
  const lastInWindow = window.at(-1)?.t ?? start;
  advertGapMs = Math.max(advertGapMs, Math.min(m.settledAt, m.endAt) - lastInWindow);
  return {
    ...(takeoverMs !== undefined ? { takeoverMs } : {}),
    overlapMs,
    ...(leftGone !== undefined ? { leftoverMs: leftGone - back } : {}),
    leftoverKept,
    leftoverLost,
    stampLagged,
    heardBeforeTakingOver,
    tookOverUnheard,
    ...(leftGone !== undefined && firstABack && !stampLagged ? { waitMs: firstABack.t - leftGone } : {}),
    vipLessMs,
    advertGapMs,
  };
}
