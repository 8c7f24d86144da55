/**
 * garp_extra_if (vrrp_garp_extra_if) as data: while MASTER, every so many
 * seconds one gratuitous ARP / unsolicited NA for the first address on each
 * VMAC of ours that does not send the adverts (or on each such interface with
 * `all`). keepalived 2.2.7 turns the interval off when there is nothing to
 * send on (end of vrrp_complete_instance) and picks the addresses in
 * vrrp_send_vmac_update (vrrp.c). Pure.
 */
import type { VipEntry } from './vips.js';

export interface ExtraIfGarp {
  /** 0: off. */
  readonly intervalUs: number;
  /** The VIP keys announced each time: the first on each interface that qualifies. */
  readonly vips: readonly string[];
}

/**
 * `own`: the instance's interface as keepalived's vrrp->ifp (its VMAC or
 * ipvlan when it has one); `ours`: the links the VRRP process creates;
 * `xmitBase`: with vmac_xmit_base the instance's own VMAC is announced too.
 */
export function extraIfGarp(
  vips: Iterable<VipEntry>,
  o: { intervalUs: number; all: boolean; own: string; xmitBase: boolean; ours: ReadonlySet<string> },
): ExtraIfGarp {
  const entries = [...vips];
  const extra = entries.filter((e) => e.device !== o.own);
  const extraVmac = extra.some((e) => o.ours.has(e.device));
  const extraIf = extra.some((e) => !o.ours.has(e.device));
  if (o.intervalUs === 0 || (!extraIf && !extraVmac) || (!extraVmac && !o.all)) return { intervalUs: 0, vips: [] };
  const devices = new Set<string>();
  const keys: string[] = [];
  for (const e of entries) {
    if (!o.ours.has(e.device) && !o.all) continue;
    if (e.device === o.own && !o.xmitBase) continue;
    if (devices.has(e.device)) continue;
    devices.add(e.device);
    keys.push(e.key);
  }
  return { intervalUs: o.intervalUs, vips: keys };
}
