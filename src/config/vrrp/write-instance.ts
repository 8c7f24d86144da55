/**
 * vrrp_instance and vrrp_sync_group blocks back to text. What the model
 * marks as written (state, priority, version, family) is written only when
 * it was, so validation derives the rest again; settings an instance inherits
 * from global_defs are written when they differ from what it inherits.
 */
import type { GlobalDefs } from '../global/index.js';
import { block, quoteWord, scriptLine, seconds } from '../quote.js';
import type { Script } from '../scripts/index.js';
import type { DeepReadonly, TrackedDraft, VrrpInstance, VrrpSyncGroup } from './model.js';
import { addressLine, routeLine, ruleLine } from './write-ip.js';

const TIMER_HZ = 1_000_000;

const bool = (v: boolean): string => (v ? 'true' : 'false');

export function trackedBlock(keyword: string, list: readonly DeepReadonly<TrackedDraft>[]): string[] {
  if (!list.length) return [];
  return block(keyword, list.map((t) => `${quoteWord(t.name)} weight ${t.weight}${t.reverse ? ' reverse' : ''}`));
}

function trackLines(t: Pick<VrrpInstance, 'trackInterfaces' | 'trackScripts' | 'trackFiles' | 'trackProcesses' | 'trackBfds'>): string[] {
  return [
    ...trackedBlock('track_interface', t.trackInterfaces),
    ...trackedBlock('track_script', t.trackScripts),
    ...trackedBlock('track_file', t.trackFiles),
    ...trackedBlock('track_process', t.trackProcesses),
    ...trackedBlock('track_bfd', t.trackBfds),
  ];
}

function notifyLines(holder: Partial<Record<string, Script>>, keywords: readonly [string, string][]): string[] {
  return keywords.flatMap(([kw, field]) => (holder[field] ? [scriptLine(kw, holder[field]!)] : []));
}

const NOTIFY: [string, string][] = [
  ['notify_master', 'notifyMaster'],
  ['notify_backup', 'notifyBackup'],
  ['notify_fault', 'notifyFault'],
  ['notify_stop', 'notifyStop'],
  ['notify', 'notify'],
];

export function writeInstance(v: VrrpInstance, g: GlobalDefs, lvsSyncInterface: string | undefined): string[] {
  return block(`vrrp_instance ${quoteWord(v.name)}`, [
    ...familyLines(v),
    ...identityLines(v),
    ...vmacLines(v, g),
    ...unicastLines(v),
    ...addressLines(v),
    ...trackLines(v),
    ...behaviourLines(v),
    ...notifyLines(v as unknown as Partial<Record<string, Script>>, [...NOTIFY, ['notify_master_rx_lower_pri', 'notifyMasterRxLowerPri']]),
    ...(v.notifyDeleted ? [scriptLine('notify_deleted', v.notifyDeleted)] : v.notifyDeletedGiven ? ['notify_deleted'] : []),
    ...garpLines(v, g),
    ...(lvsSyncInterface !== undefined ? [`lvs_sync_daemon_interface ${quoteWord(lvsSyncInterface)}`] : []),
  ]);
}

/**
 * The version first (a `version 2` after IPv6 addresses is refused), then
 * native_ipv6, then the multicast destination, which also carries the family
 * when nothing else in the block does.
 */
function familyLines(v: VrrpInstance): string[] {
  const out: string[] = [];
  if (v.versionGiven !== undefined) out.push(`version ${v.versionGiven}`);
  if (v.nativeIpv6) out.push('native_ipv6');
  if (v.familyGiven !== undefined && v.mcastDstIp !== undefined) out.push(`mcast_dst_ip ${v.mcastDstIp}`);
  return out;
}

function identityLines(v: VrrpInstance): string[] {
  const out: string[] = [];
  if (v.stateGiven) out.push(`state ${v.state}`);
  if (v.interface !== undefined) out.push(`interface ${quoteWord(v.interface)}`);
  if (v.vrf !== undefined) out.push(`vrf ${quoteWord(v.vrf)}`);
  if (v.vrid) out.push(`virtual_router_id ${v.vrid}`);
  if (v.priorityGiven) out.push(`priority ${v.priority}`);
  if (v.advertInt !== TIMER_HZ) out.push(`advert_int ${seconds(v.advertInt)}`);
  if (v.authTypeGiven !== undefined || v.authPass !== undefined) {
    const auth = [...(v.authTypeGiven !== undefined ? [`auth_type ${v.authTypeGiven}`] : []), ...(v.authPass !== undefined ? [`auth_pass ${quoteWord(v.authPass)}`] : [])];
    out.push(...block('authentication', auth));
  }
  return out;
}

function unicastLines(v: VrrpInstance): string[] {
  const out: string[] = [];
  if (v.srcIp !== undefined) out.push(`${v.unicastConfigured ? 'unicast_src_ip' : 'mcast_src_ip'} ${v.srcIp}`);
  if (v.trackSrcIp) out.push('track_src_ip');
  if (!v.unicastConfigured) return out;
  const peers = v.unicastPeers.map((p) => [p.address, ...(p.minTtl !== 0 ? [`min_ttl ${p.minTtl}`] : []), ...(p.maxTtl !== 255 ? [`max_ttl ${p.maxTtl}`] : [])].join(' '));
  out.push(...block('unicast_peer', peers));
  if (v.unicastFaultNoPeer) out.push('unicast_fault_no_peer');
  if (v.checkUnicastSrc) out.push('check_unicast_src');
  if (v.oldUnicastChecksum !== undefined) out.push(v.oldUnicastChecksum === 'never' ? 'old_unicast_checksum never' : 'old_unicast_checksum');
  // Without peers keepalived drops unicast_ttl, and IPv4 gets 255 again.
  if (v.unicastTtl !== undefined && v.unicastPeers.length) out.push(`unicast_ttl ${v.unicastTtl}`);
  return out;
}

function addressLines(v: VrrpInstance): string[] {
  const out: string[] = [];
  if (v.vips.length) out.push(...block('virtual_ipaddress', v.vips.map(addressLine)));
  if (v.evips.length) out.push(...block('virtual_ipaddress_excluded', v.evips.map(addressLine)));
  if (v.vroutes.length) out.push(...block('virtual_routes', v.vroutes.map(routeLine)));
  if (v.vrules.length) out.push(...block('virtual_rules', v.vrules.map(ruleLine)));
  return out;
}

function behaviourLines(v: VrrpInstance): string[] {
  const out: string[] = [];
  if (v.dontTrackPrimary) out.push('dont_track_primary');
  if (v.nopreempt) out.push('nopreempt');
  if (v.preemptDelay) out.push(`preempt_delay ${seconds(v.preemptDelay)}`);
  if (v.accept !== undefined) out.push(v.accept ? 'accept' : 'no_accept');
  if (v.strictMode !== undefined) out.push(`strict_mode ${bool(v.strictMode)}`);
  if (v.skipCheckAdvAddr) out.push('skip_check_adv_addr');
  if (v.debug) out.push(`debug ${v.debug}`);
  if (v.smtpAlert !== undefined) out.push(`smtp_alert ${bool(v.smtpAlert)}`);
  if (v.notifyPriorityChanges !== undefined) out.push(`notify_priority_changes ${bool(v.notifyPriorityChanges)}`);
  if (v.lowerPrioNoAdvert !== undefined) out.push(`lower_prio_no_advert ${bool(v.lowerPrioNoAdvert)}`);
  if (v.higherPrioSendAdvert !== undefined) out.push(`higher_prio_send_advert ${bool(v.higherPrioSendAdvert)}`);
  if (v.kernelRxBufSize !== undefined) out.push(`kernel_rx_buf_size ${v.kernelRxBufSize}`);
  if (v.promoteSecondaries) out.push('promote_secondaries');
  if (v.linkbeatUsePolling) out.push('linkbeat_use_polling');
  return out;
}

function garpLines(v: VrrpInstance, g: GlobalDefs): string[] {
  const out: string[] = [];
  if (v.garpMasterDelay !== g.vrrpGarpMasterDelay) out.push(`garp_master_delay ${v.garpMasterDelay / TIMER_HZ}`);
  if (v.garpMasterRepeat !== g.vrrpGarpMasterRepeat) out.push(`garp_master_repeat ${v.garpMasterRepeat}`);
  if (v.garpMasterRefresh !== g.vrrpGarpMasterRefresh) out.push(`garp_master_refresh ${v.garpMasterRefresh}`);
  if (v.garpMasterRefreshRepeat !== g.vrrpGarpMasterRefreshRepeat) out.push(`garp_master_refresh_repeat ${v.garpMasterRefreshRepeat}`);
  if (v.garpLowerPrioDelay !== undefined) out.push(`garp_lower_prio_delay ${v.garpLowerPrioDelay / TIMER_HZ}`);
  if (v.garpLowerPrioRepeat !== undefined) out.push(`garp_lower_prio_repeat ${v.garpLowerPrioRepeat}`);
  if (v.garpExtraIf !== undefined) out.push(`garp_extra_if${v.garpExtraIfAll ? ' all' : ''} ${v.garpExtraIf}`);
  if (v.downTimerAdverts !== g.vrrpDownTimerAdverts) out.push(`down_timer_adverts ${v.downTimerAdverts}`);
  return out;
}

/**
 * Before the addresses and routes: with dynamic_interfaces their `dev` names
 * are created as they are read, and a vmac or ipvlan name that exists is refused.
 * use_ipvlan before use_vmac: an ipvlan name is refused once a vmac has one.
 */
function vmacLines(v: VrrpInstance, g: GlobalDefs): string[] {
  const out: string[] = [];
  if (v.ipvlan) out.push(['use_ipvlan', ...(v.ipvlan.ifname !== undefined ? [quoteWord(v.ipvlan.ifname)] : []), ...(v.ipvlan.address !== undefined ? [`${v.ipvlan.address}/${v.ipvlan.prefixLen}`] : []), v.ipvlan.mode].join(' '));
  if (v.vmac) {
    // The generated name is derived again; writing it would make it a configured one.
    const generated = `${g.vmacPrefix ?? 'vrrp'}.${v.vrid}`;
    const name = v.vmac.ifname !== undefined && v.vmac.ifname !== generated ? [quoteWord(v.vmac.ifname)] : [];
    const mac = v.vmac.mac !== undefined ? [v.vmac.mac.replace(/:VRID$/, '')] : [];
    out.push(['use_vmac', ...name, ...mac].join(' '));
  }
  if (v.useVmacAddr) out.push('use_vmac_addr');
  if (v.vmacXmitBase) out.push('vmac_xmit_base');
  return out;
}

export function writeSyncGroup(sg: VrrpSyncGroup): string[] {
  return block(`vrrp_sync_group ${quoteWord(sg.name)}`, [
    ...(sg.members ? block('group', sg.members.map(quoteWord)) : []),
    ...trackLines(sg),
    ...notifyLines(sg as unknown as Partial<Record<string, Script>>, NOTIFY),
    ...(sg.smtpAlert !== undefined ? [`smtp_alert ${bool(sg.smtpAlert)}`] : []),
    ...(sg.trackingWeight ? ['sync_group_tracking_weight'] : []),
    ...(sg.notifyPriorityChanges !== undefined ? [`notify_priority_changes ${bool(sg.notifyPriorityChanges)}`] : []),
  ]);
}
