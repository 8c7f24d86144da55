/**
 * The checker process's configuration as keepalived runs it after
 * validate_check_config: every default resolved (VS → RS → checker), ports
 * inherited, ignored servers removed. Timers are in microseconds, as
 * keepalived keeps them. This is what the IPVS programming and the health
 * checkers are driven from.
 */
import type { Family } from '../../base/inet.js';
import type { Location } from '../diagnostics.js';
import type { Script } from '../scripts/index.js';
import type { ServiceProtocol, SockAddr } from './address.js';

export type { Family } from '../../base/inet.js';
export type { ServiceProtocol, SockAddr } from './address.js';

/** IPVS service flags keepalived sets from the configuration (IP_VS_SVC_F_*). */
export const SVC_FLAG = {
  persistent: 0x1,
  hashed: 0x2,
  onePacket: 0x4,
  sched1: 0x8,
  sched2: 0x10,
  sched3: 0x20,
} as const;

export type ForwardingMethod = 'NAT' | 'DR' | 'TUN';

/** `lvs_method` with its tunnel options (kept for every method, as keepalived does; IPVS uses them for TUN). */
export interface Forwarding {
  readonly method: ForwardingMethod;
  readonly tunnelType: 'ipip' | 'gue' | 'gre';
  /** gue port; 0 otherwise. */
  readonly tunnelPort: number;
  readonly tunnelChecksum: 'nocsum' | 'csum' | 'remcsum';
}

export interface SslContext {
  readonly password?: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly loc: Location;
}

export type VsgEntry =
  | {
      readonly kind: 'range';
      readonly family: Family;
      /** First and last address of the range (equal for a single address). */
      readonly start: string;
      readonly end: string;
      /** 0 = no port (persistence will be forced). */
      readonly port: number;
      readonly loc: Location;
    }
  | { readonly kind: 'fwmark'; readonly fwmark: number; readonly family?: Family; readonly loc: Location };

export interface VirtualServerGroup {
  readonly name: string;
  readonly entries: readonly VsgEntry[];
  readonly haveIpv4: boolean;
  readonly haveIpv6: boolean;
  readonly fwmarkWithoutFamily: boolean;
  readonly loc: Location;
}

export type VirtualServerKey =
  | { readonly kind: 'address'; readonly addr: SockAddr }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  /** `index`: the VS's sequence number among the virtual servers of that group. */
  | { readonly kind: 'group'; readonly group: string; readonly index: number };

export interface Connection {
  /**
   * Destination: connect_ip / connect_port, else the real server's address and
   * its port as written (keepalived copies it before ports are inherited).
   * undefined: connect_ip was rejected and the check cannot connect.
   */
  readonly dst?: SockAddr;
  readonly bindAddress?: { readonly family: Family; readonly address: string };
  /** 0 = any. */
  readonly bindPort: number;
  readonly bindInterface?: string;
  /** SO_MARK for the check's socket; 0 = none. */
  readonly fwmark: number;
  readonly connectTimeoutUs: number;
}

/** The timing every checker ends up with, defaults resolved. */
export interface CheckerTiming {
  readonly alpha: boolean;
  readonly delayLoopUs: number;
  readonly warmupUs: number;
  readonly retry: number;
  readonly delayBeforeRetryUs: number;
  readonly logAllFailures: boolean;
  readonly loc: Location;
}

export interface HttpUrl {
  readonly path: string;
  /** MD5 of the body, 32 lowercase hex digits. */
  readonly digest?: string;
  /** Accepted status codes as inclusive ranges (default 200-299). */
  readonly statusCodes: readonly (readonly [number, number])[];
  readonly virtualhost?: string;
  readonly regex?: {
    readonly pattern: string;
    readonly options: readonly string[];
    readonly noMatch: boolean;
    readonly minOffset: number;
    /** One beyond the last acceptable offset; 0 = no limit. */
    readonly maxOffset: number;
    readonly useStack: boolean;
  };
  readonly loc: Location;
}

export type Checker =
  | (CheckerTiming & {
      readonly type: 'HTTP_GET' | 'SSL_GET';
      readonly connection: Connection;
      readonly httpProtocol: '1.0' | '1.0C' | '1.1';
      readonly virtualhost?: string;
      readonly enableSni: boolean;
      readonly fastRecovery: boolean;
      readonly urls: readonly HttpUrl[];
    })
  | (CheckerTiming & { readonly type: 'TCP_CHECK' | 'PING_CHECK'; readonly connection: Connection })
  | (CheckerTiming & { readonly type: 'SMTP_CHECK'; readonly connection: Connection; readonly heloName: string })
  | (CheckerTiming & {
      readonly type: 'DNS_CHECK';
      readonly connection: Connection;
      readonly queryType: string;
      readonly name: string;
    })
  | (CheckerTiming & {
      readonly type: 'UDP_CHECK';
      readonly connection: Connection;
      /** Hex of the payload sent; undefined = empty datagram. */
      readonly payload?: string;
      readonly requireReply: boolean;
      readonly replyData?: string;
      /** Hex mask of `x` wildcard nibbles in require_reply (f = wildcard). */
      readonly replyMask?: string;
      readonly minReplyLength: number;
      readonly maxReplyLength: number;
    })
  | (CheckerTiming & {
      readonly type: 'MISC_CHECK';
      readonly script: Script;
      /** misc_timeout; 0 = the virtual server's delay_loop. */
      readonly timeoutUs: number;
      readonly dynamic: boolean;
    })
  | { readonly type: 'BFD_CHECK'; readonly bfd: string; readonly alpha: boolean; readonly loc: Location };

/** FILE_CHECK: a track_file whose value adjusts the real server's weight. */
export interface FileCheck {
  readonly trackFile: string;
  readonly weight: number;
  readonly reverse: boolean;
  readonly loc: Location;
}

export interface RealServer {
  readonly addr: SockAddr;
  readonly weight: number;
  readonly forwarding: Forwarding;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  readonly inhibitOnFailure: boolean;
  readonly alpha: boolean;
  readonly retry?: number;
  readonly delayBeforeRetryUs?: number;
  readonly warmupUs?: number;
  readonly connectTimeoutUs: number;
  readonly delayLoopUs: number;
  readonly smtpAlert: boolean;
  readonly virtualhost?: string;
  readonly snmpName?: string;
  readonly notifyUp?: Script;
  readonly notifyDown?: Script;
  readonly checkers: readonly Checker[];
  readonly fileChecks: readonly FileCheck[];
  readonly loc: Location;
}

export interface SorryServer {
  readonly addr: SockAddr;
  readonly forwarding: Forwarding;
  readonly inhibit: boolean;
  /** The sorry server is also one of the real servers. */
  readonly duplicatesRealServer: boolean;
}

export interface VirtualServer {
  readonly key: VirtualServerKey;
  /** keepalived's name for it in logs: `[10.0.0.1]:tcp:80`, `FWM 1`, `[group]:0`. */
  readonly name: string;
  readonly family: Family;
  /** undefined for fwmark services (the kernel ignores the protocol). */
  readonly protocol?: ServiceProtocol;
  readonly scheduler: string;
  /** SVC_FLAG bits from hashed, ops, flag-N, sh-… and mh-… (persistence adds `persistent` when programmed). */
  readonly flags: number;
  readonly forwarding: Forwarding;
  /** Seconds; 0 = not persistent. */
  readonly persistenceTimeout: number;
  /** IPv4 netmask text or IPv6 prefix length; undefined = a single address (/32, /128). */
  readonly persistenceGranularity?: string | number;
  readonly persistenceEngine?: string;
  readonly delayLoopUs: number;
  readonly connectTimeoutUs: number;
  readonly retry?: number;
  readonly delayBeforeRetryUs?: number;
  readonly warmupUs?: number;
  readonly haSuspend: boolean;
  readonly virtualhost?: string;
  readonly snmpName?: string;
  readonly alpha: boolean;
  readonly omega: boolean;
  readonly quorum: number;
  readonly hysteresis: number;
  readonly quorumUp?: Script;
  readonly quorumDown?: Script;
  /** Default real-server weight. */
  readonly weight: number;
  readonly inhibitOnFailure: boolean;
  readonly smtpAlert: boolean;
  readonly sorryServer?: SorryServer;
  readonly realServers: readonly RealServer[];
  readonly loc: Location;
}

export interface CheckConfig {
  readonly ssl?: SslContext;
  /** Some SSL_GET checker needs an SSL context (auto-generated when no SSL block). */
  readonly sslRequired: boolean;
  readonly groups: readonly VirtualServerGroup[];
  readonly virtualServers: readonly VirtualServer[];
  /** global_defs rs_init_notifies: a real server that starts alive runs its notify_up and FIFO line, as a change would. */
  readonly rsInitNotifies: boolean;
}
