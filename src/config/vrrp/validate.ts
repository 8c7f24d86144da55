/**
 * What keepalived's VRRP process checks once the file is read, in its order
 * (start_vrrp → vrrp_complete_init → vrrp_complete_instance, sync groups,
 * VRID conflicts, sync-group tracking). keepalived stops at the first fatal
 * finding; from then on we only complete the model with keepalived's
 * defaults, silently, so the dumped model is still what keepalived would run.
 */
import { isLinkLocal6 } from '../../base/inet.js';
import { ConfigErr, type Location } from '../diagnostics.js';
import type { GlobalDefs } from '../global/index.js';
import { TIMER_HZ } from '../numbers.js';
import { checkScripts, type Script, type ScriptToCheck } from '../scripts/index.js';
import { parseGuessed } from '../sockaddr.js';
import type { PassEnv } from '../subsystem.js';
import { VRRP_PRIO_DFL, VRRP_PRIO_OWNER, type InstanceDraft, type IpAddressDraft, type SyncGroupDraft, type VrrpDraft } from './model.js';
import { addressVmac, needsAddressVmac, recordInstanceVmac, vmacName, vmacRegistry, type VmacRegistry } from './vmac-names.js';

const VRRP_DOWN_TIMER_ADVERTS = 3;
const TIMER_CENTI_HZ = 10_000;
const VRRP_MAX_ADDR = 255;
const DEFAULT_MTU = 1500;

interface Checker {
  readonly env: PassEnv;
  readonly g: GlobalDefs;
  readonly d: VrrpDraft;
  /** The VMACs named so far (instances complete in the file's order). */
  readonly vmacs: VmacRegistry;
  /** False once keepalived would have stopped checking. */
  reporting: boolean;
  report(cls: ConfigErr, message: string, loc?: Location): void;
  log(message: string): void;
  /** keepalived returns false here: no further diagnostics, and its VRRP process exits. */
  stop(): void;
}

export function validateVrrp(d: VrrpDraft, env: PassEnv, g: GlobalDefs): void {
  let lastReport = '';
  const k: Checker = {
    env,
    g,
    d,
    vmacs: vmacRegistry(d.instances),
    reporting: true,
    report(cls, message, loc) {
      if (!this.reporting) return;
      env.report(cls, message, undefined, loc);
      lastReport = message;
    },
    log(message) {
      if (this.reporting) env.log(message);
    },
    stop() {
      if (this.reporting) d.fatal = lastReport;
      this.reporting = false;
    },
  };

  if (d.missingInterfaces.length) {
    k.report(ConfigErr.BadIf, 'Non-existent interface specified in configuration', undefined);
    k.stop();
  }
  checkScriptSecurity(k);
  for (const v of d.instances) {
    if (!k.reporting) break;
    if (v.vrid === 0) {
      k.report(ConfigErr.GeneralError, `(${v.name}) the virtual router id must be set`, v.loc);
      k.stop();
    } else if (v.interface === undefined) {
      k.report(ConfigErr.GeneralError, `(${v.name}) Unknown interface!`, v.loc);
      k.stop();
    }
  }
  resolveSyncGroups(k);
  for (const v of d.instances) if (!completeInstance(k, v)) k.stop();
  checkVridConflicts(k);
  syncGroupTracking(k);
}

/** keepalived's check_vrrp_script_security: only when there is an instance. */
function checkScriptSecurity(k: Checker): void {
  const { d } = k;
  if (!d.instances.length || !k.reporting) return;
  const items: ScriptToCheck[] = [];
  const owners: (() => void)[] = [];
  for (const s of d.scripts) {
    items.push({ script: s.script!, role: 'track', name: s.name });
    owners.push(() => {
      d.scripts.splice(d.scripts.indexOf(s), 1);
      for (const t of [...d.instances, ...d.syncGroups]) t.trackScripts = t.trackScripts.filter((x) => x.name !== s.name);
    });
  }
  type NotifyHolder = Partial<Record<string, Script>>;
  const notifies = (holder: NotifyHolder, fields: string[]): void => {
    for (const f of fields) {
      const script = holder[f];
      if (!script) continue;
      items.push({ script, role: 'notify' });
      owners.push(() => delete holder[f]);
    }
  };
  for (const v of d.instances)
    notifies(v as unknown as NotifyHolder, ['notifyBackup', 'notifyMaster', 'notifyFault', 'notifyStop', 'notifyDeleted', 'notify', 'notifyMasterRxLowerPri']);
  for (const sg of d.syncGroups) notifies(sg as unknown as NotifyHolder, ['notifyBackup', 'notifyMaster', 'notifyFault', 'notifyStop', 'notify']);
  const verdicts = checkScripts(items, k.env, k.g, 'vrrp');
  verdicts.forEach((verdict, i) => {
    if (!verdict.enabled) owners[i]!();
  });
}

/** vrrp_sync_set_group for every group; groups without members are dropped. */
function resolveSyncGroups(k: Checker): void {
  const { d } = k;
  for (const sg of [...d.syncGroups]) {
    if (!sg.members) {
      k.report(ConfigErr.GeneralError, `Sync group ${sg.name} has no virtual router(s). removing`, sg.loc);
      d.syncGroups.splice(d.syncGroups.indexOf(sg), 1);
      continue;
    }
    let state: 'INIT' | 'MASTER' | 'BACKUP' = 'INIT';
    for (const name of sg.members) {
      const v = d.instances.find((i) => i.name === name);
      if (!v) {
        k.report(ConfigErr.GeneralError, `Virtual router ${name} specified in sync group ${sg.name} doesn't exist - ignoring`, sg.membersLoc);
        continue;
      }
      if (v.syncGroup !== undefined) {
        k.report(ConfigErr.GeneralError, `Virtual router ${name} cannot exist in more than one sync group; ignoring ${sg.name}`, sg.membersLoc);
        continue;
      }
      v.syncGroup = sg.name;
      sg.instances.push(name);
      // As parsed: a state or priority not written does not count yet.
      const wantsBackup = v.stateGiven && v.state === 'BACKUP';
      const owner = v.stateGiven && v.state === 'MASTER' && v.priorityGiven && v.priority === VRRP_PRIO_OWNER;
      if (state === 'MASTER' && wantsBackup)
        k.report(ConfigErr.GeneralError, `Sync group ${sg.name} has some member(s) as address owner and some not as address owner. This won't work.`, sg.loc);
      if (state !== 'BACKUP') state = owner ? 'MASTER' : 'BACKUP';
    }
    if (!sg.instances.length) {
      k.report(ConfigErr.GeneralError, `Sync group ${sg.name}, no matching virtual router found in group declaration - removing`, sg.loc);
      d.syncGroups.splice(d.syncGroups.indexOf(sg), 1);
      continue;
    }
    if (sg.instances.length === 1)
      k.report(ConfigErr.GeneralError, `Sync group ${sg.name} has only 1 virtual router(s) - this probably isn't what you want`, sg.loc);
  }
}

/** printf's %f and %.2f. */
const fixed = (us: number, places: number): string => (us / TIMER_HZ).toFixed(places);

function addressText(a: IpAddressDraft): string {
  return a.prefixLen === (a.family === 'inet' ? 32 : 128) ? a.address : `${a.address}/${a.prefixLen}`;
}

/** keepalived's vrrp_complete_instance; false when keepalived gives up on the configuration. */
function completeInstance(k: Checker, v: InstanceDraft): boolean {
  const { g } = k;
  const err = (m: string): void => k.report(ConfigErr.GeneralError, m, v.loc);
  const strict = (v.strictMode ??= g.vrrpStrict);

  v.family = v.familyGiven ?? 'inet';
  let version = v.versionGiven;
  if (v.family === 'inet6') {
    if (version === 2 && strict) {
      err(`(${v.name}) cannot use IPv6 with VRRP version 2; setting version 3`);
      version = 3;
    } else version ??= 3;
  }
  v.version = version ?? g.vrrpVersion;
  if (v.family === 'inet' && v.unicastTtl === undefined) v.unicastTtl = 255;

  let ok = true;
  if (!v.vips.length) {
    if (v.version === 3 || strict) {
      err(`(${v.name}) No VIP specified; at least one is required`);
      ok = false;
    } else err(`(${v.name}) No VIP specified; at least one is sensible`);
  }
  // keepalived gives up here; the rest only completes the model, quietly
  if (!ok) k.stop();

  if (!v.priorityGiven) v.priority = v.stateGiven && v.state === 'MASTER' ? VRRP_PRIO_OWNER : VRRP_PRIO_DFL;
  if (!v.stateGiven) v.state = v.priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP';
  else if (strict && (v.state === 'MASTER') !== (v.priority === VRRP_PRIO_OWNER)) {
    err(`(${v.name}) State MASTER must match being address owner`);
    v.state = v.priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP';
  }

  const authType = v.authTypeGiven;
  if (authType) {
    if (strict) err(`(${v.name}) Strict mode does not support authentication. Ignoring.`);
    else if (v.version === 3) err(`(${v.name}) VRRP version 3 does not support authentication. Ignoring.`);
    else if (!v.authPass) err(`(${v.name}) Authentication specified but no password given. Ignoring`);
    else if (v.family === 'inet6' && authType === 'AH') err(`(${v.name}) Cannot use AH authentication with IPv6. ignoring`);
    else {
      if (authType === 'AH' && v.state === 'MASTER' && v.priority !== VRRP_PRIO_OWNER) {
        err(`(${v.name}) Initial state master is incompatible with AH authentication - clearing`);
        v.state = 'BACKUP';
      }
      v.auth = { type: authType, pass: v.authPass };
    }
  }

  if (v.unicastConfigured) {
    if (v.unicastPeers.length) v.unicast = true;
    else if (v.unicastFaultNoPeer) k.log(`(${v.name}) Cannot use unicast without any peers - going to fault state`);
    else
      k.report(
        ConfigErr.Deprecated,
        `(${v.name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`,
        v.loc,
      );
  }
  if (strict && v.vmac?.mac !== undefined) {
    err(`(${v.name}): cannot specify MAC address with strict mode - clearing`);
    delete v.vmac.mac;
  }
  if (v.family === 'inet6' && !v.unicast && v.vips.length) {
    const first = parseGuessed(v.vips[0]!.address);
    if (first && (first.family !== 'inet6' || !isLinkLocal6(first.bytes))) {
      if (strict) err(`(${v.name}) the first IPv6 VIP address must be link local`);
      else k.log(`(${v.name}) the first IPv6 VIP address should be link local`);
    }
  }
  if (v.vrf !== undefined && (v.interface !== undefined || !v.unicast)) {
    err(`(${v.name}) vrf can only be specified with${v.interface !== undefined ? 'out interface' : ' unicast'} - clearing`);
    delete v.vrf;
  }

  const header = v.family === 'inet' ? 14 + 20 + 8 + (v.version === 2 ? 8 + (v.auth?.type === 'AH' ? 24 : 0) : 0) : 14 + 40 + 8;
  const maxAddr = Math.min(VRRP_MAX_ADDR, Math.floor((DEFAULT_MTU - header) / (v.family === 'inet' ? 4 : 16)));
  if (v.vips.length > maxAddr) {
    err(`(${v.name}) Number of VIPs (${v.vips.length}) exceeds maximum/space available in packet (max ${maxAddr} addresses) - excess moved to eVIPs`);
    v.evips.push(...v.vips.splice(maxAddr));
  }

  if (v.priority === VRRP_PRIO_OWNER && v.nopreempt) {
    err(`(${v.name}) nopreempt is incompatible with priority ${VRRP_PRIO_OWNER}. resetting nopreempt`);
    v.nopreempt = false;
  }
  if (v.state === 'MASTER') {
    if (v.nopreempt) {
      err(`(${v.name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      v.nopreempt = false;
    }
    if (v.preemptDelay) {
      err(`(${v.name}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      v.preemptDelay = 0;
    }
  }
  if (v.preemptDelay) {
    if (strict) {
      err(`(${v.name}) preempt_delay is incompatible with strict mode - resetting`);
      v.preemptDelay = 0;
    }
    if (v.nopreempt) {
      err(`(${v.name}) preempt_delay is incompatible with nopreempt mode - resetting`);
      v.preemptDelay = 0;
    }
  }
  if (v.downTimerAdverts !== VRRP_DOWN_TIMER_ADVERTS && strict) {
    err(`(${v.name}) down_timer_adverts is incompatible with strict mode - resetting`);
    v.downTimerAdverts = VRRP_DOWN_TIMER_ADVERTS;
  }

  v.accept ??= v.priority === VRRP_PRIO_OWNER ? true : !strict;
  if (v.accept && v.priority !== VRRP_PRIO_OWNER && strict && v.version === 2) {
    err(`(${v.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
    v.accept = false;
  }

  if (!v.unicast && v.mcastDstIp === undefined) v.mcastDstIp = v.family === 'inet' ? g.vrrpMcastGroup4 : g.vrrpMcastGroup6;
  else if (v.unicast && v.mcastDstIp !== undefined) {
    err(`(${v.name}) multicast destination specified with unicast - ignoring`);
    delete v.mcastDstIp;
  }

  if (v.garpLowerPrioRepeat === undefined) v.garpLowerPrioRepeat = strict ? 0 : (g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat);
  else if (strict && v.garpLowerPrioRepeat) {
    err(`(${v.name}) Strict mode requires no repeat garps. resetting`);
    v.garpLowerPrioRepeat = 0;
  }
  if (v.garpLowerPrioDelay === undefined) v.garpLowerPrioDelay = strict ? 0 : (g.vrrpGarpLowerPrioDelay ?? g.vrrpGarpMasterDelay);
  else if (strict && v.garpLowerPrioDelay) {
    err(`(${v.name}) Strict mode requires no repeat garp delay. resetting`);
    v.garpLowerPrioDelay = 0;
  }
  if (v.lowerPrioNoAdvert === undefined) v.lowerPrioNoAdvert = strict ? true : g.vrrpLowerPrioNoAdvert;
  else if (strict && !v.lowerPrioNoAdvert) {
    err(`(${v.name}) Strict mode requires no lower priority advert. resetting`);
    v.lowerPrioNoAdvert = true;
  }
  if (v.higherPrioSendAdvert === undefined) v.higherPrioSendAdvert = strict ? false : g.vrrpHigherPrioSendAdvert;
  else if (strict && v.higherPrioSendAdvert) {
    err(`(${v.name}) strict mode requires higher_prio_send_advert to be clear. resetting`);
    v.higherPrioSendAdvert = false;
  }
  v.smtpAlert ??= g.smtpAlertVrrp ?? g.smtpAlert ?? false;
  if (v.notifyPriorityChanges === undefined) {
    const sg = k.d.syncGroups.find((s) => s.name === v.syncGroup);
    v.notifyPriorityChanges = sg?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges;
  }

  if (v.version === 2) {
    if (v.advertInt % TIMER_HZ) {
      err(`(${v.name}) VRRPv2 advertisement interval ${fixed(v.advertInt, 6)}s must be an integer. rounding`);
      v.advertInt = Math.max(TIMER_HZ, Math.floor((v.advertInt + TIMER_HZ / 2) / TIMER_HZ) * TIMER_HZ);
    }
  } else if (v.advertInt >= 4096 * TIMER_CENTI_HZ) {
    err(`(${v.name}) VRRPv3 advertisement interval ${fixed(v.advertInt, 2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
    v.advertInt = 4095 * TIMER_CENTI_HZ;
  } else if (v.advertInt % TIMER_CENTI_HZ) {
    err(`(${v.name}) VRRPv3 advertisement interval ${fixed(v.advertInt, 6)}s must be in units of 10ms - rounding`);
    v.advertInt = Math.max(TIMER_CENTI_HZ, Math.floor((v.advertInt + TIMER_CENTI_HZ / 2) / TIMER_CENTI_HZ) * TIMER_CENTI_HZ);
  }

  if (v.srcIp === undefined) v.trackSrcIp = false;

  if (v.vmac || v.ipvlan) {
    if (v.vmac) {
      v.vmac.ifname ??= vmacName(k.vmacs, g.vmacPrefix ?? 'vrrp', v.vrid, v.family);
      recordInstanceVmac(k.vmacs, v);
      if (strict && v.vmacXmitBase) {
        err(`(${v.name}) xmit_base is incompatible with strict mode - resetting`);
        v.vmacXmitBase = false;
      }
    }
    if (v.ipvlan) {
      v.ipvlan.ifname ??= vmacName(k.vmacs, g.vmacPrefix ?? 'vrrp', v.vrid, v.family);
      recordInstanceVmac(k.vmacs, v);
    }
    if (v.promoteSecondaries) {
      err(`(${v.name}) promote_secondaries is automatically set for vmacs - ignoring`);
      v.promoteSecondaries = false;
    }
  }
  if (v.ipvlan) {
    if (v.family === 'inet' && v.ipvlan.address === undefined)
      err(`(${v.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`);
    else if (v.ipvlan.address !== undefined && parseGuessed(v.ipvlan.address)?.family !== v.family)
      err(`(${v.name}) IPv4 ipvlan address family does not match instance. setting instance to fault state`);
  }

  if (v.interface !== undefined) {
    v.trackInterfaces = v.trackInterfaces.filter((t) => {
      if (t.name !== v.interface) return true;
      err(`(${v.name}) Ignoring track_interface ${t.name} since own interface`);
      return false;
    });
  }
  if (v.vmacXmitBase && !v.vmac) {
    err(`(${v.name}) vmac_xmit_base is only valid with a vmac`);
    v.vmacXmitBase = false;
  }

  for (const a of [...v.vips, ...v.evips]) {
    if (a.useVmac) {
      a.useVmac = false;
      if ((a.dev === undefined || a.dev === v.interface) && v.vmac && a.family === v.family)
        err(`(${v.name}) use_vmac specified for VIP/eVIP ${addressText(a)} and vrrp instance`);
      else if (((a.dev !== undefined && a.dev !== v.interface) || a.family !== v.family) && v.useVmacAddr)
        err(`(${v.name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP ${addressText(a)}`);
      else a.useVmac = true;
    }
    const parent = a.dev ?? v.interface;
    if (parent !== undefined && needsAddressVmac(v, a)) a.vmac = addressVmac(k.vmacs, v, a.family, parent, g.vmacAddrPrefix ?? g.vmacPrefix ?? 'vrrp');
    a.dev ??= v.interface;
  }
  if (v.garpExtraIf === undefined) {
    v.garpExtraIf = g.vrrpGarpExtraIf;
    if (g.vrrpGarpExtraIfAll) v.garpExtraIfAll = true;
  }

  if (!v.vips.length && ok) {
    if (v.version === 3 || v.family === 'inet6' || strict) {
      err(`(${v.name}) No VIP specified; at least one is required`);
      ok = false;
      k.stop();
    } else k.report(ConfigErr.Warning, `(${v.name}) No VIP specified; at least one is sensible`, v.loc);
  }

  const sg = k.d.syncGroups.find((s) => s.name === v.syncGroup);
  const syncNoWeight = sg !== undefined && !sg.trackingWeight;
  if (syncNoWeight || v.priority === VRRP_PRIO_OWNER) {
    const why = syncNoWeight ? 'SYNC group' : 'address owner';
    const why2 = syncNoWeight ? 'SYNC group' : 'address_owner';
    v.trackInterfaces = v.trackInterfaces.filter((t) => {
      if (!t.weight) return true;
      err(`(${v.name}) ignoring ${t.name} tracked interface ${syncNoWeight ? 'weight ' : ''}due to ${why}`);
      if (!syncNoWeight) return false;
      t.weight = 0;
      return true;
    });
    v.trackScripts = v.trackScripts.filter((t) => {
      if (!t.weight) return true;
      err(`(${v.name}) ignoring tracked script ${t.name} with weights due to ${why2}`);
      return false;
    });
    v.trackFiles = v.trackFiles.filter((t) => {
      if (t.weight === 1) {
        err(`(${v.name}) ignoring weight from tracked file ${t.name} due to ${why2}. specify weight 0`);
        t.weight = 0;
        return true;
      }
      if (!t.weight) return true;
      err(`(${v.name}) ignoring tracked file ${t.name} with weight ${t.weight} due to ${why2}`);
      return false;
    });
    v.trackBfds = v.trackBfds.filter((t) => {
      if (!t.weight) return true;
      err(`(${v.name}) ignoring tracked bfd ${t.name} with weight ${t.weight} due to ${why2}`);
      return false;
    });
  }
  return ok;
}

/** check_vrid_conflicts: the same VRID, family and interface (multicast) or addresses and peers (unicast). */
function checkVridConflicts(k: Checker): void {
  const list = k.d.instances;
  let hadError = false;
  for (let a = 0; a < list.length; a++) {
    for (let b = a + 1; b < list.length; b++) {
      const v = list[a]!;
      const w = list[b]!;
      if (v.family !== w.family || v.vrid !== w.vrid || v.unicast !== w.unicast) continue;
      if (v.unicast) {
        if (v.interface !== undefined && w.interface !== undefined && v.interface !== w.interface) continue;
        // Without configured source addresses keepalived compares the interfaces' addresses, which we do not know.
        if (v.srcIp === undefined || w.srcIp === undefined || v.srcIp !== w.srcIp) continue;
        if (!v.unicastPeers.some((p) => w.unicastPeers.some((q) => q.address === p.address))) continue;
        k.report(ConfigErr.GeneralError, `(${v.name}) duplicate VRID conflict with ${w.name} VRID ${v.vrid}`, w.loc);
        hadError = true;
        continue;
      }
      if (v.interface === undefined || v.interface !== w.interface) continue;
      if (v.mcastDstIp !== w.mcastDstIp) continue;
      if (!k.env.sys.interfaceExists(v.interface)) continue;
      k.report(ConfigErr.GeneralError, `${v.name} and ${w.name} both use VRID ${v.vrid} with IPv${v.family === 'inet' ? 4 : 6} on interface ${v.interface}`, w.loc);
      hadError = true;
    }
  }
  if (hadError) k.stop();
}

/** sync_group_tracking_init: a group with an address owner cannot carry weights. */
function syncGroupTracking(k: Checker): void {
  for (const sg of k.d.syncGroups) {
    const members = sg.instances.map((n) => k.d.instances.find((i) => i.name === n)).filter((i): i is InstanceDraft => i !== undefined);
    if (!members.length) continue;
    const owner = members.some((i) => i.priority === VRRP_PRIO_OWNER);
    if (owner) clearGroupWeights(k, sg);
    for (const t of sg.trackInterfaces)
      for (const v of members)
        if (v.trackInterfaces.some((x) => x.name === t.name) || (v.interface === t.name && !v.dontTrackPrimary))
          k.report(ConfigErr.GeneralError, `(${v.name}) track_interface ${t.name} is configured on VRRP instance and sync group. Remove vrrp instance or sync group config`, t.loc);
    sg.smtpAlert ??= k.g.smtpAlertVrrp ?? k.g.smtpAlert ?? false;
  }
}

function clearGroupWeights(k: Checker, sg: SyncGroupDraft): void {
  const say = (what: string, name: string, tail: string): void =>
    k.report(ConfigErr.GeneralError, `(${sg.name}) Cannot have weighted track ${what} '${name}' with member having priority ${VRRP_PRIO_OWNER} - ${tail}`, sg.loc);
  for (const t of sg.trackScripts) if (t.weight) (say('script', t.name, 'clearing weight'), (t.weight = 0));
  for (const t of sg.trackFiles) if (t.weight) (say('file', t.name, 'setting weight 0'), (t.weight = 0));
  for (const t of sg.trackProcesses) if (t.weight) (say('process', t.name, 'setting weight 0'), (t.weight = 0));
  for (const t of sg.trackBfds) if (t.weight) (say('bfd', t.name, 'setting weight 0'), (t.weight = 0));
  for (const t of sg.trackInterfaces) if (t.weight) (say('interface', t.name, 'clearing weight'), (t.weight = 0));
}
