/**
 * The VRRP state machine's settings, built from the parsed configuration.
 * The config validation (config/vrrp/validate.ts, keepalived's
 * vrrp_complete_instance) has already applied the global vrrp_* defaults,
 * strict mode, the version, the derived state and priority, and the weights
 * dropped for sync-group members and address owners; this only maps the
 * model, adding what keepalived completes afterwards: the sync group's
 * tracked objects on each member (sync_group_tracking_init), the
 * interfaces the addresses, routes and rules live on, the VIP keys, and
 * the FIFO scripts' arguments.
 */
import type { Config } from '../../config/parse.js';
import type { GlobalDefs } from '../../config/global/model.js';
import { openedFifos, type OpenedFifo } from '../../config/global/opened-fifo.js';
import type { Script } from '../../config/scripts/index.js';
import type { VrrpInstance, VrrpSyncGroup } from '../../config/vrrp/index.js';
import { routeSpec, ruleSpec, type RouteSpec, type RuleSpec } from './routes.js';
import type { Family } from '../../base/inet.js';
import { type GarpSettings, type InstanceSettings, type NotifyScripts } from '../fsm/settings.js';
import { authDataFromPassword, VRRP_AUTH } from '../wire/packet.js';
import type { ReceiveSettings, UnicastChecksumCompat, UnicastPeer } from '../receive/check.js';
import { trackedObjects, type AddressInterface } from './tracking.js';
import { instanceVips, staticVip, type VipEntry } from './vips.js';
import { extraIfGarp } from './garp-extra-if.js';
import type { SyncGroupSettings } from '../fsm/sync-group.js';
import { TIMER_HZ } from '../fsm/timers.js';

export type { VipEntry } from './vips.js';

/** The notify scripts with their run-as identities (the FSM's actions carry argv only). */
export type NotifyScriptsWithUsers = Partial<Record<keyof NotifyScripts, Script>>;

/** How adverts are sent and received. */
export interface TransportSettings {
  /** unicast_peer given (unicast in effect). */
  unicast: boolean;
  unicastPeers: readonly UnicastPeer[];
  /** IPv4 default 255; undefined: left to the kernel (IPv6) or multicast. */
  unicastTtl?: number;
  /** The multicast destination (mcast_dst_ip or global vrrp_mcast_group4/6); undefined for unicast. */
  multicastDestination?: string;
  /** mcast_src_ip / unicast_src_ip. */
  sourceAddress?: string;
  trackSourceAddress: boolean;
  vrf?: string;
  kernelRxBufSize?: number;
}

/** Gratuitous ARP / NA pacing beyond the FSM's bursts. */
export interface GarpPacing {
  /** garp_extra_if (or the global vrrp_garp_extra_if) in µs; 0 = off. */
  extraIfUs: number;
  extraIfAll: boolean;
  /** Global vrrp_garp_interval / vrrp_gna_interval in µs (garp_group per interface overrides them). */
  garpIntervalUs: number;
  gnaIntervalUs: number;
}

export interface InstanceRunSettings {
  /** What the reducer (fsm.ts) takes. */
  readonly fsm: InstanceSettings;
  /** What the receive check (receive-check.ts) takes. */
  readonly receive: ReceiveSettings;
  /** The receive check's starting unicast checksum mode (old_unicast_checksum). */
  readonly unicastChecksumCompat: UnicastChecksumCompat;
  /** Each key of fsm.vips to its address, prefix, device, label and scope. */
  readonly vipTable: ReadonlyMap<string, VipEntry>;
  readonly transport: TransportSettings;
  readonly garpPacing: GarpPacing;
  readonly strict: boolean;
  /** Compare the advert's VIPs only when it is not from the known master (shouldCheckAddresses). */
  readonly skipCheckAdvAddr: boolean;
  /** accept / no_accept as completed (firewall rules). */
  readonly accept: boolean;
  readonly auth?: { readonly type: 'PASS' | 'AH'; readonly pass: string };
  readonly notifyScripts: NotifyScriptsWithUsers;
  readonly smtpAlert: boolean;
  readonly syncGroup?: string;
  readonly vmac?: { readonly ifname: string; readonly mac?: string; readonly xmitBase: boolean };
  /** use_vmac_addr: addresses on other interfaces or of the other family get VMACs of their own (with or without use_vmac). */
  readonly useVmacAddr: boolean;
  readonly ipvlan?: { readonly ifname: string; readonly address?: string; readonly prefixLen?: number; readonly mode: 'bridge' | 'private' | 'vepa' };
  /** virtual_routes and virtual_rules, set while MASTER. */
  readonly routes: readonly RouteSpec[];
  readonly rules: readonly RuleSpec[];
  readonly promoteSecondaries: boolean;
  /**
   * A fault of the configuration keepalived keeps the instance in for good
   * (num_config_faults); the FSM has no input for it, so the runner must not start the instance.
   */
  readonly configFault?: string;
}

export interface SyncGroupRunSettings {
  readonly fsm: SyncGroupSettings;
  /** Member instance names, in the group's declaration order. */
  readonly members: readonly string[];
  readonly notifyScripts: NotifyScriptsWithUsers;
  readonly smtpAlert: boolean;
}

/** notify_fifo / vrrp_notify_fifo: the VRRP process writes every line to both. */
export type FifoSettings = OpenedFifo<'notify_fifo' | 'vrrp_notify_fifo'>;

/** The global_defs nftables keywords the VRRP firewall reads (firewall/options.ts completes them). */
export type NftGlobals = Pick<GlobalDefs, 'vrrpNftablesTable' | 'vrrpNftablesPriority' | 'vrrpNftablesIfindex' | 'nftablesCounters' | 'disableLocalIgmp'>;

export interface VrrpRunSettings {
  readonly instances: readonly InstanceRunSettings[];
  readonly syncGroups: readonly SyncGroupRunSettings[];
  readonly fifos: readonly FifoSettings[];
  readonly fifoWriteStatesOnReload: boolean;
  /** no_email_faults: no e-mail for a FAULT. */
  readonly noEmailFaults: boolean;
  /** vrrp_startup_delay, µs. */
  readonly startupDelayUs: number;
  /** Instances that could not be mapped (and are left out), and other remarks. */
  readonly problems: readonly string[];
  readonly nftables: NftGlobals;
  /** static_ipaddress, static_routes, static_rules: set while the process runs. */
  readonly statics: StaticSettings;
}

export interface StaticSettings {
  readonly addresses: readonly VipEntry[];
  readonly routes: readonly RouteSpec[];
  readonly rules: readonly RuleSpec[];
}

export function vrrpSettingsFromConfig(config: Config): VrrpRunSettings {
  const { vrrp, global: g } = config;
  const problems: string[] = [];
  const instances: InstanceRunSettings[] = [];
  // the links the VRRP process creates (keepalived's is_ours)
  const ours = new Set(vrrp.instances.flatMap((v) => [v.vmac?.ifname, v.ipvlan?.ifname, ...[...v.vips, ...v.evips].map((a) => a.vmac)].filter((n) => n !== undefined)));
  for (const v of vrrp.instances) {
    const group = v.syncGroup === undefined ? undefined : vrrp.syncGroups.find((sg) => sg.name === v.syncGroup);
    const built = instanceSettings(config, v, group, problems, ours);
    if (built) instances.push(built);
  }
  const mapped = new Set(instances.map((i) => i.fsm.name));
  const syncGroups = vrrp.syncGroups.flatMap((sg): SyncGroupRunSettings[] => {
    const members = sg.instances.filter((n) => mapped.has(n));
    if (!members.length) return [];
    const notifyScripts = commonScripts(sg);
    return [
      {
        fsm: { name: sg.name, notify: argvs(notifyScripts) },
        members,
        notifyScripts,
        smtpAlert: sg.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false,
      },
    ];
  });
  const fifos: FifoSettings[] = openedFifos([
    ['notify_fifo', g.notifyFifo],
    ['vrrp_notify_fifo', g.vrrpNotifyFifo],
  ]);
  return {
    instances,
    syncGroups,
    fifos,
    fifoWriteStatesOnReload: g.fifoWriteVrrpStatesOnReload,
    noEmailFaults: g.noEmailFaults,
    startupDelayUs: g.vrrpStartupDelay,
    problems,
    statics: { addresses: vrrp.staticAddresses.map(staticVip), routes: vrrp.staticRoutes.map(routeSpec), rules: vrrp.staticRules.map(ruleSpec) },
    nftables: {
      vrrpNftablesTable: g.vrrpNftablesTable,
      vrrpNftablesPriority: g.vrrpNftablesPriority,
      vrrpNftablesIfindex: g.vrrpNftablesIfindex,
      nftablesCounters: g.nftablesCounters,
      disableLocalIgmp: g.disableLocalIgmp,
    },
  };
}

/**
 * vrrp_static_track.c static_track_group_init: an instance named by a track_group tracks the interface of each
 * static address, the device of each static route and the iif of each static rule in that group (no_track ones
 * aside), in that order.
 */
function trackGroupDevices(config: Config, instance: string): string[] {
  const { vrrp } = config;
  const groups = new Set(vrrp.staticTrackGroups.filter((t) => t.members?.includes(instance)).map((t) => t.name));
  const inGroup = (e: { trackGroup?: string; noTrack: boolean }): boolean => e.trackGroup !== undefined && groups.has(e.trackGroup) && !e.noTrack;
  return [
    ...vrrp.staticAddresses.filter(inGroup).flatMap((a) => (a.dev === undefined ? [] : [a.dev])),
    ...vrrp.staticRoutes.filter(inGroup).flatMap((r) => (r.dev === undefined ? [] : [r.dev])),
    ...vrrp.staticRules.filter(inGroup).flatMap((r) => (r.iif === undefined ? [] : [r.iif])),
  ];
}

function instanceSettings(config: Config, v: VrrpInstance, group: VrrpSyncGroup | undefined, problems: string[], ours: ReadonlySet<string>): InstanceRunSettings | undefined {
  const g = config.global;
  if (v.interface === undefined) {
    problems.push(`(${v.name}) has no interface - not started`);
    return undefined;
  }
  if (v.vrid === 0) {
    problems.push(`(${v.name}) has no virtual_router_id - not started`);
    return undefined;
  }
  const primary = v.interface;
  const vmacDevice = v.vmac?.ifname;
  const vips = instanceVips(v, primary, vmacDevice);
  for (const key of vips.duplicates) problems.push(`(${v.name}) address ${key} given twice - using it once`);
  const addressInterfaces: AddressInterface[] = [...vips.table.values()].map((e) => ({ device: e.device, noTrack: e.config.noTrack }));
  const notifyScripts = instanceScripts(v);
  const strict = v.strictMode ?? g.vrrpStrict;

  const fsm: InstanceSettings = {
    name: v.name,
    interface: primary,
    family: v.family,
    version: v.version,
    vrid: v.vrid,
    priority: v.priority,
    initialState: v.state,
    advertIntUs: v.advertInt,
    downTimerAdverts: v.downTimerAdverts,
    preempt: !v.nopreempt,
    preemptDelayUs: v.preemptDelay,
    ...(v.srcIp === undefined ? {} : { sourceAddress: v.srcIp }),
    vips: vips.keys,
    ...(v.vroutes.length > 0 || v.vrules.length > 0 ? { routing: true as const } : {}),
    garp: garpSettings(v, config, vips.table.values(), ours),
    lowerPrioNoAdvert: v.lowerPrioNoAdvert ?? (strict || g.vrrpLowerPrioNoAdvert),
    higherPrioSendAdvert: v.higherPrioSendAdvert ?? (!strict && g.vrrpHigherPrioSendAdvert),
    notify: argvs(notifyScripts),
    notifyDeleted: v.notifyDeletedGiven,
    notifyPriorityChanges: v.notifyPriorityChanges ?? group?.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
    tracked: trackedObjects(v, group, addressInterfaces, primary, vmacDevice, trackGroupDevices(config, v.name)),
    dontTrackPrimary: v.dontTrackPrimary,
  };

  const unicastPeers = v.unicast ? v.unicastPeers.map((p) => ({ address: p.address, minTtl: p.minTtl, maxTtl: p.maxTtl })) : [];
  const receive: ReceiveSettings = {
    name: v.name,
    family: v.family,
    version: v.version,
    vrid: v.vrid,
    authType: v.auth === undefined ? VRRP_AUTH.none : v.auth.type === 'AH' ? VRRP_AUTH.ah : VRRP_AUTH.pass,
    authData: authDataFromPassword(v.auth?.pass ?? ''),
    advertIntUs: v.advertInt,
    virtualAddresses: vips.advertised,
    unicastPeers,
    checkUnicastSource: g.vrrpCheckUnicastSrc || v.checkUnicastSrc,
    multicastGroup4: g.vrrpMcastGroup4,
  };

  const transport: TransportSettings = {
    unicast: v.unicast,
    unicastPeers,
    ...(v.unicastTtl === undefined ? {} : { unicastTtl: v.unicastTtl }),
    ...(v.unicast ? {} : { multicastDestination: v.mcastDstIp ?? multicastGroup(config, v.family) }),
    ...(v.srcIp === undefined ? {} : { sourceAddress: v.srcIp }),
    trackSourceAddress: v.trackSrcIp,
    ...(v.vrf === undefined ? {} : { vrf: v.vrf }),
    ...(v.kernelRxBufSize === undefined ? {} : { kernelRxBufSize: v.kernelRxBufSize }),
  };

  const configFault = configFaultOf(v);
  return {
    fsm,
    receive,
    unicastChecksumCompat: v.oldUnicastChecksum ?? 'none',
    vipTable: vips.table,
    transport,
    garpPacing: {
      ...extraIfConfigured(v, config),
      garpIntervalUs: g.vrrpGarpInterval,
      gnaIntervalUs: g.vrrpGnaInterval,
    },
    strict,
    skipCheckAdvAddr: v.skipCheckAdvAddr,
    accept: v.accept ?? (v.priority === 255 || !strict),
    ...(v.auth === undefined ? {} : { auth: { type: v.auth.type, pass: v.auth.pass } }),
    notifyScripts,
    smtpAlert: v.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false,
    ...(v.syncGroup === undefined ? {} : { syncGroup: v.syncGroup }),
    ...(v.vmac === undefined
      ? {}
      : {
          vmac: {
            ifname: v.vmac.ifname ?? `${g.vmacPrefix ?? 'vrrp'}.${v.vrid}`,
            ...(v.vmac.mac === undefined ? {} : { mac: v.vmac.mac }),
            xmitBase: v.vmacXmitBase,
          },
        }),
    useVmacAddr: v.useVmacAddr,
    ...(v.ipvlan === undefined ? {} : { ipvlan: { ...v.ipvlan, ifname: v.ipvlan.ifname ?? `${g.vmacPrefix ?? 'vrrp'}.${v.vrid}` } }),
    routes: v.vroutes.map(routeSpec),
    rules: v.vrules.map(ruleSpec),
    promoteSecondaries: v.promoteSecondaries,
    ...(configFault === undefined ? {} : { configFault }),
  };
}

/** The garp_* settings as completed (the instance's own, else the global vrrp_garp_*; strict mode already applied). */
/** garp_extra_if as configured: the instance's own, else the global vrrp_garp_extra_if (with its `all`). */
function extraIfConfigured(v: VrrpInstance, config: Config): { extraIfUs: number; extraIfAll: boolean } {
  const g = config.global;
  return { extraIfUs: (v.garpExtraIf ?? g.vrrpGarpExtraIf) * TIMER_HZ, extraIfAll: v.garpExtraIfAll || (v.garpExtraIf === undefined && g.vrrpGarpExtraIfAll) };
}

function garpSettings(v: VrrpInstance, config: Config, vips: Iterable<VipEntry>, ours: ReadonlySet<string>): GarpSettings {
  const g = config.global;
  const { extraIfUs, extraIfAll } = extraIfConfigured(v, config);
  const own = v.vmac?.ifname ?? v.ipvlan?.ifname ?? v.interface ?? '';
  const extraIf = extraIfGarp(vips, { intervalUs: extraIfUs, all: extraIfAll, own, xmitBase: v.vmacXmitBase, ours });
  return {
    masterDelayUs: v.garpMasterDelay,
    masterRepeat: v.garpMasterRepeat,
    masterRefreshUs: v.garpMasterRefresh * TIMER_HZ,
    masterRefreshRepeat: v.garpMasterRefreshRepeat,
    lowerPrioDelayUs: v.garpLowerPrioDelay ?? g.vrrpGarpLowerPrioDelay ?? g.vrrpGarpMasterDelay,
    lowerPrioRepeat: v.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat,
    extraIfUs: extraIf.intervalUs,
    extraIfVips: extraIf.vips,
  };
}

function multicastGroup(config: Config, family: Family): string {
  return family === 'inet' ? config.global.vrrpMcastGroup4 : config.global.vrrpMcastGroup6;
}

/** What keepalived counts in num_config_faults for the instance: it stays in FAULT. */
function configFaultOf(v: VrrpInstance): string | undefined {
  if (v.unicastConfigured && !v.unicast && v.unicastFaultNoPeer) return 'unicast_fault_no_peer without any unicast peers';
  if (v.ipvlan) {
    if (v.family === 'inet' && v.ipvlan.address === undefined) return 'IPv4 ipvlan without a source address';
  }
  return undefined;
}

/** The notify scripts instances and sync groups both have. */
function commonScripts(n: Pick<VrrpInstance & VrrpSyncGroup, 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify'>): NotifyScriptsWithUsers {
  const out: NotifyScriptsWithUsers = {};
  if (n.notifyMaster) out.master = n.notifyMaster;
  if (n.notifyBackup) out.backup = n.notifyBackup;
  if (n.notifyFault) out.fault = n.notifyFault;
  if (n.notifyStop) out.stop = n.notifyStop;
  if (n.notify) out.generic = n.notify;
  return out;
}

function instanceScripts(v: VrrpInstance): NotifyScriptsWithUsers {
  const out = commonScripts(v);
  if (v.notifyDeleted) out.deleted = v.notifyDeleted;
  if (v.notifyMasterRxLowerPri) out.masterRxLowerPri = v.notifyMasterRxLowerPri;
  return out;
}

function argvs(scripts: NotifyScriptsWithUsers): NotifyScripts {
  const out: NotifyScripts = {};
  for (const [role, script] of Object.entries(scripts) as [keyof NotifyScripts, Script | undefined][]) {
    if (script) out[role] = script.argv;
  }
  return out;
}
