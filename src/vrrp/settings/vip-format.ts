/**
 * An address as keepalived 2.2.7's format_ipaddress (vrrp_ipaddress.c)
 * prints it: in keepalived.data's VIP lists and the "Restoring deleted
 * static address" line.
 */
import type { VipEntry } from './vips.js';

/** rt_scopes' built-in names (rttables.c rtscope_default); other numbers print as numbers. */
const SCOPE_NAMES: Readonly<Record<number, string>> = { 0: 'global', 255: 'nowhere', 254: 'host', 253: 'link', 200: 'site' };

/** format_ipaddress: `ADDR[/LEN][ brd B] dev IF[@BASE][ use_vmac] scope S[ label L]…[ set]`. */
export function formatVip(vip: VipEntry, opts: { vmacIfname?: string; baseIfname?: string; set: boolean }): string {
  const a = vip.config;
  const full = vip.family === 'inet' ? 32 : 128;
  let out = vip.prefixLen === full ? vip.address : `${vip.address}/${vip.prefixLen}`;
  if (vip.family === 'inet' && a.broadcast !== undefined && a.broadcast !== '0.0.0.0') out += ` brd ${a.broadcast}`;
  out += ` dev ${vip.device}`;
  if (opts.vmacIfname !== undefined && vip.device === opts.vmacIfname && opts.baseIfname !== undefined) out += `@${opts.baseIfname}`;
  if (vip.useVmac) out += ' use_vmac';
  out += ` scope ${SCOPE_NAMES[vip.scope] ?? String(vip.scope)}`;
  if (vip.label !== undefined) out += ` label ${vip.label}`;
  if (a.peer !== undefined) out += ` peer ${a.peer}/${vip.prefixLen}`;
  if (a.home) out += ' home';
  if (a.nodad) out += ' -nodad';
  if (a.mngtmpaddr) out += ' mngtmpaddr';
  if (a.noprefixroute) out += ' noprefixroute';
  if (a.autojoin) out += ' autojoin';
  if (a.noTrack) out += ' no_track';
  if (a.trackGroup !== undefined) out += ` track_group ${a.trackGroup}`;
  if (vip.family === 'inet6') {
    const lft = a.preferredLft ?? (vip.prefixLen === 128 ? 0 : 'forever');
    if (lft === 0) out += ' deprecated';
    else if (lft === 'forever') out += ' preferred_lft forever';
    else out += ` preferred_lft ${lft}`;
  }
  if (opts.set) out += ' set';
  return out;
}
