/**
 * keepalived's pacing of gratuitous ARPs and unsolicited NAs
 * (vrrp_send_link_update, send_gratuitous_arp, ndisc_send_unsolicited_na,
 * vrrp_arp_thread). A burst is `repeat` rounds over the VIPs in order, each
 * round one announcement per VIP. Without vrrp_garp_interval (IPv4) or
 * vrrp_gna_interval (IPv6) all go out at once. With one, each send on an
 * interface (or garp_group) holds the next one back by the interval; a VIP
 * held back is only marked pending, so its later rounds fold into the one
 * pending send, as keepalived's per-address flag does.
 */
import type { Family } from '../base/inet.js';
import type { Clock } from '../base/clock.js';
import type { AnnouncePort, InterfaceInfo } from '../vrrp/ports.js';
import type { VipEntry } from '../vrrp/settings/vips.js';

export interface AnnouncePacing {
  /** The interval for this family on the interface, in µs; 0: no pacing. */
  intervalUs: number;
  /** Interfaces with the same group share one pace (a garp_group); otherwise name the interface. */
  group: string;
}

export type PacingLookup = (family: Family, iface: InterfaceInfo) => AnnouncePacing;

/** A send that failed: keepalived logs it and goes on with the rest. */
export type AnnounceErrorHandler = (error: unknown, vip: VipEntry, iface: InterfaceInfo) => void;

interface Pending {
  vip: VipEntry;
  iface: InterfaceInfo;
  active: () => boolean;
}

const always = (): boolean => true;

export class AnnounceQueue {
  /** Per family and pacing group: the earliest time the next announcement may go. */
  private readonly nextUs = new Map<string, number>();
  /**
   * By VIP key, in the order bursts first held them back, each burst's in
   * its list order. (keepalived walks instances in configuration order;
   * bursts come in the order their instances became MASTER.)
   */
  private readonly pending = new Map<string, Pending>();
  private cancelTimer: (() => void) | undefined;
  private timerDueUs = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly port: AnnouncePort,
    private readonly pacing: PacingLookup,
    private readonly onError: AnnounceErrorHandler,
  ) {}

  /**
   * `repeat` rounds over `vips` on `iface`. `active` is asked before a
   * held-back announcement goes out: keepalived drops those of an instance
   * no longer MASTER or a VIP no longer installed.
   */
  enqueue(vips: readonly VipEntry[], iface: InterfaceInfo, repeat: number, active: () => boolean = always): void {
    const heldBack = new Set<VipEntry>();
    let wake = Infinity;
    for (let round = 0; round < repeat; round++) {
      for (const vip of vips) {
        const { intervalUs, slot } = this.paceOf(vip, iface);
        const next = this.nextUs.get(slot);
        if (intervalUs > 0 && next !== undefined && this.clock.nowUs() < next) {
          heldBack.add(vip);
          wake = Math.min(wake, next);
        } else {
          this.send(vip, iface, intervalUs, slot);
        }
      }
    }
    // In list order, whichever round held them back: keepalived's thread walks the VIP list.
    for (const vip of vips) if (heldBack.has(vip)) this.pending.set(vip.key, { vip, iface, active });
    if (wake < Infinity) this.wakeAt(wake);
  }

  /** Forget everything held back (at shutdown). */
  clear(): void {
    this.pending.clear();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerDueUs = Infinity;
  }

  private paceOf(vip: VipEntry, iface: InterfaceInfo): { intervalUs: number; slot: string } {
    const { intervalUs, group } = this.pacing(vip.family, iface);
    return { intervalUs, slot: `${vip.family} ${group}` };
  }

  private send(vip: VipEntry, iface: InterfaceInfo, intervalUs: number, slot: string): void {
    try {
      this.port.announce(vip, iface);
    } catch (error) {
      this.onError(error, vip, iface);
    }
    // A failed send holds the next one back too, as in keepalived.
    if (intervalUs > 0) this.nextUs.set(slot, this.clock.nowUs() + intervalUs);
  }

  private wakeAt(dueUs: number): void {
    if (dueUs >= this.timerDueUs) return;
    this.cancelTimer?.();
    this.timerDueUs = dueUs;
    this.cancelTimer = this.clock.at(dueUs, () => this.drain());
  }

  /** Send each held-back VIP whose pace allows it now; wake again for the rest. */
  private drain(): void {
    this.cancelTimer = undefined;
    this.timerDueUs = Infinity;
    let earliest = Infinity;
    for (const [key, { vip, iface, active }] of this.pending) {
      if (!active()) {
        this.pending.delete(key);
        continue;
      }
      const { intervalUs, slot } = this.paceOf(vip, iface);
      const next = this.nextUs.get(slot) ?? 0;
      if (intervalUs > 0 && this.clock.nowUs() < next) {
        earliest = Math.min(earliest, next);
        continue;
      }
      this.pending.delete(key);
      this.send(vip, iface, intervalUs, slot);
    }
    if (earliest < Infinity) this.wakeAt(earliest);
  }
}
