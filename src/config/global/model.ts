/**
 * The parent process's settings: global_defs and the root keywords read
 * outside it (net_namespace, instance, …). Defaults are keepalived 2.2.7's
 * (alloc_global_data / set_vrrp_defaults / init_global_data); times are in
 * the units keepalived stores them in, named in each field.
 */
import type { Location } from '../diagnostics.js';
import type { Script } from '../scripts/model.js';

/** A run-as identity for scripts and FIFOs. */
export interface ScriptIdentity {
  readonly uid: number;
  readonly gid: number;
}

export interface SmtpServer {
  /** As written (an address or a host name). */
  readonly host: string;
  /** The address it resolved to. */
  readonly address: string;
  readonly port: number;
}

/** Scheduling of one child process (vrrp_*, checker_*, bfd_* keywords). */
export interface ProcessTuning {
  /** nice value, -20..19. */
  readonly priority: number;
  readonly noSwap: boolean;
  /** SCHED_RR priority; undefined = not real-time. */
  readonly realtimePriority?: number;
  readonly cpuAffinity?: readonly number[];
  /** RLIMIT_RTTIME in µs. */
  readonly rlimitRttime: number;
}

export interface NotifyFifo {
  readonly name?: string;
  /** Who owns the FIFO (`notify_fifo NAME [user [group]]`). */
  readonly owner?: ScriptIdentity;
  /** The user and group the owner was named by, if it was: keepalived resolves names only, so they are written back. */
  readonly ownerNames?: { readonly user: string; readonly group?: string };
  /** Started with the FIFO name appended. */
  readonly script?: Script;
}

export interface LvsSyncDaemon {
  readonly interface: string;
  /** The VRRP instance whose state the sync daemon follows. */
  readonly vrrpInstance?: string;
  /** undefined → the instance's VRID. */
  readonly syncId?: number;
  readonly maxlen?: number;
  readonly port?: number;
  readonly ttl?: number;
  readonly group?: string;
  readonly loc: Location;
}

export interface LvsTimeouts {
  readonly tcp?: number;
  readonly tcpFin?: number;
  readonly udp?: number;
}

export type LvsFlushOnStop = 'none' | 'full' | 'vs';

export interface RxBufsPolicy {
  readonly mtu: boolean;
  readonly advert: boolean;
  /** An explicit size in bytes. */
  readonly size?: number;
}

export interface NetlinkBufs {
  readonly size?: number;
  readonly force: boolean;
}

export interface GlobalDefs {
  /* Root-level keywords (outside global_defs). */
  readonly networkNamespace?: string;
  /** '' = the default namespace. */
  readonly networkNamespaceIpvs?: string;
  readonly namespaceWithIpsets: boolean;
  readonly usePidDir: boolean;
  readonly instanceName?: string;
  /** Seconds to wait for children at shutdown. */
  readonly childWaitTime: number;
  readonly linkbeatUsePolling: boolean;

  /* Process names (process_names sets the three child names). */
  readonly processName?: string;
  readonly vrrpProcessName?: string;
  readonly checkerProcessName?: string;
  readonly bfdProcessName?: string;

  /* Identity, e-mail and SMTP. */
  /** Defaults to the host name. */
  readonly routerId: string;
  readonly notificationEmail: readonly string[];
  /** Defaults to `<user>@<host>` once an SMTP server is set. */
  readonly notificationEmailFrom?: string;
  readonly smtpServer?: SmtpServer;
  readonly smtpHeloName?: string;
  /** Seconds. */
  readonly smtpConnectTimeout: number;
  /** undefined = not configured (instances and virtual servers then use their own default). */
  readonly smtpAlert?: boolean;
  readonly smtpAlertVrrp?: boolean;
  readonly smtpAlertChecker?: boolean;
  readonly checkerLogAllFailures: boolean;
  readonly noEmailFaults: boolean;
  readonly noCheckerEmails: boolean;

  /* Parent scripts. */
  readonly startupScript?: Script;
  /** Seconds, 1..1000; 10 once a script is set. */
  readonly startupScriptTimeout: number;
  readonly shutdownScript?: Script;
  readonly shutdownScriptTimeout: number;

  /* Script security. */
  /** `script_user user [group]` as written. */
  readonly scriptUser?: { readonly user: string; readonly group?: string; readonly loc: Location };
  /**
   * The identity of scripts without `user [group]`: script_user, else
   * keepalived_script if it exists, else our own. Resolved at first use, as
   * keepalived does; 'unresolvable' stops every such script. undefined = no
   * script needed it.
   */
  readonly defaultScriptUser?: ScriptIdentity | 'unresolvable';
  readonly enableScriptSecurity: boolean;

  /* Notify FIFOs. */
  readonly notifyFifo: NotifyFifo;
  readonly vrrpNotifyFifo: NotifyFifo;
  readonly lvsNotifyFifo: NotifyFifo;
  readonly vrrpNotifyPriorityChanges: boolean;
  readonly fifoWriteVrrpStatesOnReload: boolean;

  /* VRRP. */
  readonly dynamicInterfaces: boolean;
  readonly allowIfChanges: boolean;
  /** For static addresses and routes without `dev`. */
  readonly defaultInterface?: string;
  readonly disableLocalIgmp: boolean;
  readonly vrrpMcastGroup4: string;
  readonly vrrpMcastGroup6: string;
  /** µs; 0 = no second burst. */
  readonly vrrpGarpMasterDelay: number;
  readonly vrrpGarpMasterRepeat: number;
  /** Seconds; 0 = off. */
  readonly vrrpGarpMasterRefresh: number;
  readonly vrrpGarpMasterRefreshRepeat: number;
  /** µs; undefined = vrrpGarpMasterDelay. */
  readonly vrrpGarpLowerPrioDelay?: number;
  /** undefined = vrrpGarpMasterRepeat. */
  readonly vrrpGarpLowerPrioRepeat?: number;
  readonly vrrpDownTimerAdverts: number;
  /** µs between gratuitous ARPs; 0 = no pacing. */
  readonly vrrpGarpInterval: number;
  /** µs between unsolicited NAs; 0 = no pacing. */
  readonly vrrpGnaInterval: number;
  /** Seconds; 0 = off. */
  readonly vrrpGarpExtraIf: number;
  readonly vrrpGarpExtraIfAll: boolean;
  readonly vrrpLowerPrioNoAdvert: boolean;
  readonly vrrpHigherPrioSendAdvert: boolean;
  readonly vrrpVersion: 2 | 3;
  readonly vrrpCheckUnicastSrc: boolean;
  readonly vrrpSkipCheckAdvAddr: boolean;
  readonly vrrpStrict: boolean;
  /** µs; 0 = none. */
  readonly vrrpStartupDelay: number;
  readonly logUnknownVrids: boolean;
  readonly vmacPrefix?: string;
  readonly vmacAddrPrefix?: string;
  readonly vrrpRxBufsPolicy: RxBufsPolicy;
  readonly vrrpRxBufsMultiplier: number;
  readonly vrrpNetlinkCmdRcvBufs: NetlinkBufs;
  readonly vrrpNetlinkMonitorRcvBufs: NetlinkBufs;
  /** SO_RCVBUF(FORCE) of the vrrp_track_process connector socket. */
  readonly processMonitorRcvBufs: NetlinkBufs;

  /* Firewall (this build has nftables only; vrrp_iptables falls back to it). */
  /** undefined = no firewall rules. */
  readonly vrrpNftablesTable?: string;
  readonly vrrpNftablesPriority: number;
  readonly vrrpNftablesIfindex: boolean;
  readonly ipvsNftablesTable?: string;
  readonly ipvsNftablesPriority: number;
  readonly ipvsNftablesStartFwmark: number;
  readonly nftablesCounters: boolean;

  /* LVS. */
  readonly lvsTimeouts: LvsTimeouts;
  readonly lvsFlush: boolean;
  readonly lvsFlushOnStop: LvsFlushOnStop;
  readonly lvsSyncDaemon?: LvsSyncDaemon;
  readonly lvsNetlinkCmdRcvBufs: NetlinkBufs;
  readonly lvsNetlinkMonitorRcvBufs: NetlinkBufs;
  readonly rsInitNotifies: boolean;

  /* Child process scheduling. */
  readonly vrrpProcess: ProcessTuning;
  readonly checkerProcess: ProcessTuning;
  readonly bfdProcess: ProcessTuning;
  /** -1 = off; 0 = not set (keepalived suggests setting it). */
  readonly maxAutoPriority: number;
  /** µs. */
  readonly minAutoPriorityDelay: number;

  /* SNMP and D-Bus. */
  readonly snmpSocket?: string;
  readonly enableTraps: boolean;
  readonly enableSnmpVrrp: boolean;
  readonly enableSnmpRfcv2: boolean;
  readonly enableSnmpRfcv3: boolean;
  readonly enableSnmpChecker: boolean;
  readonly enableDbus: boolean;
  readonly dbusServiceName?: string;

  /* Files and housekeeping. */
  /** File creation mask; undefined = keepalived's default (IXUSR|IRWXG|IRWXO). */
  readonly umask?: number;
  readonly randomSeed?: number;
  readonly includeCheck?: readonly string[];
  /** `reload_check_config [LOGFILE]`; '/dev/null' without a file. */
  readonly reloadCheckConfig?: string;
  readonly reloadTimeFile?: string;
  readonly reloadRepeat: boolean;
  /** `reload_file [PATH]`; 'default' = /run/keepalived.reload. */
  readonly reloadFile?: string;
  readonly configSaveDir?: string;
  readonly tmpConfigDirectory?: string;
  readonly dataUseInstance: boolean;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Nested settings the keyword handlers fill in place. */
type NestedDraft = {
  notificationEmail: string[];
  notifyFifo: Mutable<NotifyFifo>;
  vrrpNotifyFifo: Mutable<NotifyFifo>;
  lvsNotifyFifo: Mutable<NotifyFifo>;
  vrrpProcess: Mutable<ProcessTuning>;
  checkerProcess: Mutable<ProcessTuning>;
  bfdProcess: Mutable<ProcessTuning>;
  lvsTimeouts: Mutable<LvsTimeouts>;
  vrrpRxBufsPolicy: Mutable<RxBufsPolicy>;
  vrrpNetlinkCmdRcvBufs: Mutable<NetlinkBufs>;
  vrrpNetlinkMonitorRcvBufs: Mutable<NetlinkBufs>;
  processMonitorRcvBufs: Mutable<NetlinkBufs>;
  lvsNetlinkCmdRcvBufs: Mutable<NetlinkBufs>;
  lvsNetlinkMonitorRcvBufs: Mutable<NetlinkBufs>;
};

export type GlobalDraft = Omit<Mutable<GlobalDefs>, keyof NestedDraft> & NestedDraft;

/** RLIMIT_RTTIME default (µs). */
export const RT_RLIMIT_DEFAULT = 10000;
export const DEFAULT_NFTABLES_TABLE = 'keepalived';
export const DEFAULT_NFTABLES_IPVS_TABLE = 'keepalived_ipvs';
export const DEFAULT_IPVS_NF_START_FWMARK = 1000;
export const DEFAULT_SMTP_CONNECT_TIMEOUT = 30;

const tuning = (): Mutable<ProcessTuning> => ({ priority: 0, noSwap: false, rlimitRttime: RT_RLIMIT_DEFAULT });

export function newGlobalDraft(): GlobalDraft {
  return {
    namespaceWithIpsets: false,
    usePidDir: false,
    childWaitTime: 5,
    linkbeatUsePolling: false,
    routerId: '',
    notificationEmail: [],
    smtpConnectTimeout: DEFAULT_SMTP_CONNECT_TIMEOUT,
    checkerLogAllFailures: false,
    noEmailFaults: false,
    noCheckerEmails: false,
    startupScriptTimeout: 0,
    shutdownScriptTimeout: 0,
    enableScriptSecurity: false,
    notifyFifo: {},
    vrrpNotifyFifo: {},
    lvsNotifyFifo: {},
    vrrpNotifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
    dynamicInterfaces: false,
    allowIfChanges: false,
    disableLocalIgmp: false,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpMasterDelay: 5_000_000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpDownTimerAdverts: 3,
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpGarpExtraIf: 0,
    vrrpGarpExtraIfAll: false,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpVersion: 2,
    vrrpCheckUnicastSrc: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    vrrpStartupDelay: 0,
    logUnknownVrids: false,
    vrrpRxBufsPolicy: { mtu: false, advert: false },
    vrrpRxBufsMultiplier: 3,
    vrrpNetlinkCmdRcvBufs: { force: false },
    vrrpNetlinkMonitorRcvBufs: { force: false },
    processMonitorRcvBufs: { force: false },
    vrrpNftablesPriority: -1,
    vrrpNftablesIfindex: false,
    ipvsNftablesPriority: -1,
    ipvsNftablesStartFwmark: DEFAULT_IPVS_NF_START_FWMARK,
    nftablesCounters: false,
    lvsTimeouts: {},
    lvsFlush: false,
    lvsFlushOnStop: 'none',
    lvsNetlinkCmdRcvBufs: { force: false },
    lvsNetlinkMonitorRcvBufs: { force: false },
    rsInitNotifies: false,
    vrrpProcess: tuning(),
    checkerProcess: tuning(),
    bfdProcess: tuning(),
    maxAutoPriority: 0,
    minAutoPriorityDelay: 1_000_000,
    enableTraps: false,
    enableSnmpVrrp: false,
    enableSnmpRfcv2: false,
    enableSnmpRfcv3: false,
    enableSnmpChecker: false,
    enableDbus: false,
    reloadRepeat: false,
    dataUseInstance: false,
  };
}
