/**
 * The VRRP process's configuration model. Each type is declared once as the
 * mutable draft the keyword handlers fill; the model is its deep-readonly
 * view, frozen by the parser. Times are in µs as keepalived keeps them.
 */
import type { Family } from '../../base/inet.js';
import type { Location } from '../diagnostics.js';
import type { Script } from '../scripts/index.js';

/** keepalived's default priority, and the address owner's (vrrp.h). */
export const VRRP_PRIO_DFL = 100;
export const VRRP_PRIO_OWNER = 255;

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** An entry of virtual_ipaddress, virtual_ipaddress_excluded or static_ipaddress. */
export interface IpAddressDraft {
  address: string;
  family: Family;
  prefixLen: number;
  /** Interface from `dev`; for VIPs without one, the instance's interface once validated. */
  dev?: string;
  broadcast?: string;
  /** Scope number (rt_scopes); IPv6 addresses never carry one. */
  scope?: number;
  label?: string;
  peer?: string;
  home: boolean;
  nodad: boolean;
  mngtmpaddr: boolean;
  noprefixroute: boolean;
  autojoin: boolean;
  noTrack: boolean;
  /** Seconds, or 'forever'; IPv6 default: 0 for /128, forever otherwise. */
  preferredLft?: number | 'forever';
  useVmac: boolean;
  /** The VMAC of its own it goes on (its use_vmac or the instance's use_vmac_addr), once validated. */
  vmac?: string;
  trackGroup?: string;
  loc: Location;
}

export interface NexthopDraft {
  via?: string;
  dev?: string;
  weight?: number;
  onlink: boolean;
  realms?: number;
  encap?: EncapDraft;
}

export interface EncapDraft {
  type: 'ip' | 'ip6' | 'mpls' | 'ila';
  /** The encapsulation's own words as written (id, dst, src, tos/tc, ttl/hoplimit, flags, labels, locator). */
  fields: Record<string, string>;
}

/** An entry of virtual_routes or static_routes (`ip route` syntax). */
export interface IpRouteDraft {
  family: Family;
  /** Destination as written (address[/len] or default/any/all). */
  dst: string;
  type?: string;
  from?: string;
  src?: string;
  via?: string;
  dev?: string;
  table: number;
  protocol?: number;
  scope?: number;
  metric?: number;
  tos?: number;
  realms?: number;
  onlink: boolean;
  encap?: EncapDraft;
  /** Route metrics (mtu, advmss, rtt, …) by `ip route` name. */
  metrics: Record<string, number | string>;
  /** Metrics given with `lock`. */
  locked: string[];
  /** 'add' / 'append' / 'prepend' (keepalived's traditional default). */
  mode: 'prepend' | 'add' | 'append';
  nexthops: NexthopDraft[];
  noTrack: boolean;
  trackGroup?: string;
  loc: Location;
}

/** An entry of virtual_rules or static_rules (`ip rule` syntax). */
export interface IpRuleDraft {
  family: Family;
  from?: string;
  to?: string;
  not: boolean;
  priority: number;
  /** Whether the preference was written (keepalived otherwise assigns a decreasing one). */
  priorityGiven: boolean;
  action: 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
  table?: number;
  gotoTarget?: number;
  l3mdev: boolean;
  tos?: number;
  fwmark?: number;
  fwmask?: number;
  realms?: number;
  suppressPrefixLength?: number;
  suppressGroup?: number;
  iif?: string;
  oif?: string;
  tunnelId?: string;
  uidRange?: { start: number; end: number };
  protocol?: number;
  ipProto?: number;
  sport?: { start: number; end: number };
  dport?: { start: number; end: number };
  noTrack: boolean;
  trackGroup?: string;
  loc: Location;
}

export interface TrackedDraft {
  name: string;
  weight: number;
  reverse: boolean;
  loc: Location;
}

export interface UnicastPeerDraft {
  address: string;
  minTtl: number;
  maxTtl: number;
}

export type VrrpState = 'MASTER' | 'BACKUP';

export interface VmacDraft {
  /** Interface name of the macvlan; generated (vrrp.VRID) when not configured. */
  ifname?: string;
  mac?: string;
}

export interface IpvlanDraft {
  /** Interface name of the ipvlan; generated (vrrp.VRID) when not configured. */
  ifname?: string;
  /** The address put on the ipvlan (and the advert source unless one is configured), with its prefix. */
  address?: string;
  prefixLen?: number;
  mode: 'bridge' | 'private' | 'vepa';
}

export interface InstanceDraft {
  name: string;
  loc: Location;
  /** Initial state: from `state`, else derived from the priority. */
  state: VrrpState;
  stateGiven: boolean;
  interface?: string;
  interfaceLoc?: Location;
  vrf?: string;
  vrid: number;
  priority: number;
  priorityGiven: boolean;
  /** µs */
  advertInt: number;
  version: 2 | 3;
  versionGiven?: 2 | 3;
  family: Family;
  familyGiven?: Family;
  auth?: { type: 'PASS' | 'AH'; pass: string };
  authTypeGiven?: 'PASS' | 'AH';
  authPass?: string;
  vips: IpAddressDraft[];
  evips: IpAddressDraft[];
  vroutes: IpRouteDraft[];
  vrules: IpRuleDraft[];
  trackInterfaces: TrackedDraft[];
  trackScripts: TrackedDraft[];
  trackFiles: TrackedDraft[];
  trackProcesses: TrackedDraft[];
  trackBfds: TrackedDraft[];
  dontTrackPrimary: boolean;
  unicastPeers: UnicastPeerDraft[];
  /** Whether any unicast keyword was used (unicast_peer, unicast_src_ip, …). */
  unicastConfigured: boolean;
  /** Unicast in effect: peers were given. */
  unicast: boolean;
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  /** unicast_ttl; IPv4 default 255, IPv6 left to the kernel. */
  unicastTtl?: number;
  /** mcast_src_ip / unicast_src_ip. */
  srcIp?: string;
  mcastDstIp?: string;
  trackSrcIp: boolean;
  nopreempt: boolean;
  /** µs */
  preemptDelay: number;
  accept?: boolean;
  strictMode?: boolean;
  skipCheckAdvAddr: boolean;
  debug: number;
  notifyMaster?: Script;
  notifyBackup?: Script;
  notifyFault?: Script;
  notifyStop?: Script;
  notifyDeleted?: Script;
  notifyDeletedGiven: boolean;
  notify?: Script;
  notifyMasterRxLowerPri?: Script;
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  /** µs */
  garpMasterDelay: number;
  garpMasterRepeat: number;
  /** seconds */
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  /** µs */
  garpLowerPrioDelay?: number;
  garpLowerPrioRepeat?: number;
  /** garp_extra_if seconds; undefined → global vrrp_garp_extra_if. */
  garpExtraIf?: number;
  garpExtraIfAll: boolean;
  downTimerAdverts: number;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  kernelRxBufSize?: number;
  vmac?: VmacDraft;
  useVmacAddr: boolean;
  vmacXmitBase: boolean;
  ipvlan?: IpvlanDraft;
  promoteSecondaries: boolean;
  linkbeatUsePolling: boolean;
  oldUnicastChecksum?: 'config' | 'never';
  nativeIpv6: boolean;
  /** The sync group this instance belongs to, once groups are resolved. */
  syncGroup?: string;
}

export interface SyncGroupDraft {
  name: string;
  loc: Location;
  /** Member names as written; undefined when no `group` block was given. */
  members?: string[];
  membersLoc?: Location;
  /** Members that exist, once resolved. */
  instances: string[];
  trackInterfaces: TrackedDraft[];
  trackScripts: TrackedDraft[];
  trackFiles: TrackedDraft[];
  trackProcesses: TrackedDraft[];
  trackBfds: TrackedDraft[];
  notifyMaster?: Script;
  notifyBackup?: Script;
  notifyFault?: Script;
  notifyStop?: Script;
  notify?: Script;
  smtpAlert?: boolean;
  trackingWeight: boolean;
  notifyPriorityChanges?: boolean;
}

export interface VrrpScriptDraft {
  name: string;
  loc: Location;
  script?: Script;
  /** µs */
  interval: number;
  /** µs; 0 → the interval */
  timeout: number;
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  /** `user USER [GROUP]` in the block (overrides the script's default user). */
  user?: { user: string; group?: string };
  initFail: boolean;
}

export interface TrackProcessDraft {
  name: string;
  loc: Location;
  process?: string;
  params?: string[];
  paramMatch: 'none' | 'exact' | 'initial' | 'partial';
  weight: number;
  weightReverse: boolean;
  quorum: number;
  quorumMax: number;
  /** µs */
  terminateDelay: number;
  /** µs */
  forkDelay: number;
  fullCommand: boolean;
}

export interface StaticTrackGroupDraft {
  name: string;
  members?: string[];
  instances: string[];
  loc: Location;
}

export interface GarpGroupDraft {
  /** µs */
  garpInterval?: number;
  /** µs */
  gnaInterval?: number;
  interfaces: string[];
  loc: Location;
}

export interface LinkbeatInterfaceDraft {
  name: string;
  type?: 'MII' | 'ETHTOOL' | 'IOCTL';
}

export interface UpDownDelayDraft {
  name: string;
  /** µs */
  down: number;
  /** µs */
  up: number;
}

/** A bfd_instance as the VRRP process sees it: its name and weight. */
export interface VrrpTrackedBfdDraft {
  name: string;
  weight: number;
  weightReverse: boolean;
}

export interface VrrpDraft {
  instances: InstanceDraft[];
  syncGroups: SyncGroupDraft[];
  scripts: VrrpScriptDraft[];
  trackProcesses: TrackProcessDraft[];
  trackedBfds: VrrpTrackedBfdDraft[];
  staticAddresses: IpAddressDraft[];
  staticRoutes: IpRouteDraft[];
  staticRules: IpRuleDraft[];
  staticTrackGroups: StaticTrackGroupDraft[];
  garpGroups: GarpGroupDraft[];
  linkbeatInterfaces: LinkbeatInterfaceDraft[];
  upDownDelays: UpDownDelayDraft[];
  /** Interfaces that were named but do not exist (keepalived stops the VRRP checks on any). */
  missingInterfaces: string[];
  /** The error keepalived's VRRP process exits on (KEEPALIVED_EXIT_CONFIG) instead of running, if any. */
  fatal?: string;
  /** lvs_sync_daemon_interface given in an instance (deprecated): interface and instance. */
  lvsSyncDaemon?: { interface: string; instance: string };
}

export type VrrpConfig = DeepReadonly<VrrpDraft>;
export type VrrpInstance = DeepReadonly<InstanceDraft>;
export type VrrpSyncGroup = DeepReadonly<SyncGroupDraft>;
export type VrrpScript = DeepReadonly<VrrpScriptDraft>;
export type TrackProcess = DeepReadonly<TrackProcessDraft>;
export type IpAddress = DeepReadonly<IpAddressDraft>;
export type IpRoute = DeepReadonly<IpRouteDraft>;
export type IpRule = DeepReadonly<IpRuleDraft>;

export function newVrrpDraft(): VrrpDraft {
  return {
    instances: [],
    syncGroups: [],
    scripts: [],
    trackProcesses: [],
    trackedBfds: [],
    staticAddresses: [],
    staticRoutes: [],
    staticRules: [],
    staticTrackGroups: [],
    garpGroups: [],
    linkbeatInterfaces: [],
    upDownDelays: [],
    missingInterfaces: [],
  };
}
