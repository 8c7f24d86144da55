/**
 * What the checker keywords build while the file is read: keepalived's
 * structures with their "not set" markers (here: undefined), resolved into
 * the model by validate.ts. Like keepalived, handlers act on the *last*
 * virtual server, real server and checker; when the block they belong to
 * was rejected, keepalived writes to whatever came before (or to memory it
 * does not own) — we give such blocks a detached stand-in.
 */
import type { Location } from '../diagnostics.js';
import type { Script } from '../scripts/index.js';
import type { SockAddr } from './address.js';
import type {
  Checker,
  CheckerTiming,
  Connection,
  Family,
  ForwardingMethod,
  ServiceProtocol,
  SslContext,
  VsgEntry,
} from './model.js';
import { TIMER_HZ } from '../numbers.js';

export interface ForwardingDraft {
  /** undefined: not set (keepalived's IP_VS_CONN_F_FWD_MASK). */
  method?: ForwardingMethod;
  tunnelType: 'ipip' | 'gue' | 'gre';
  tunnelPort: number;
  tunnelChecksum: 'nocsum' | 'csum' | 'remcsum';
}

/** A checker's conn_opts_t; an address left undefined is keepalived's AF_UNSPEC. */
export interface ConnectionDraft {
  dstAddr?: { family: Family; address: string };
  dstPort: number;
  bindAddr?: { family: Family; address: string };
  bindPort: number;
  bindInterface?: string;
  fwmark: number;
  connectTimeoutUs?: number;
}

export interface CheckerTimingDraft {
  alpha?: boolean;
  delayLoopUs?: number;
  warmupUs?: number;
  retry?: number;
  delayBeforeRetryUs?: number;
  logAllFailures: boolean;
}

export interface CheckerDraft extends CheckerTimingDraft {
  readonly type: Checker['type'];
  /** Checkers that are scheduled (all but BFD_CHECK) get the timing defaults. */
  readonly launched: boolean;
  defaultRetry: number;
  /** 0: the checker's delay_loop. */
  defaultDelayBeforeRetryUs: number;
  connection?: ConnectionDraft;
  readonly rs: RsDraft;
  readonly vs: VsDraft;
  readonly loc: Location;
  /** The model checker, once timing and connection are resolved. */
  build(timing: CheckerTiming, connection: Connection | undefined): Checker;
}

export interface RsDraft {
  addr: SockAddr;
  weight?: number;
  forwarding: ForwardingDraft;
  upperThreshold: number;
  lowerThreshold: number;
  inhibitOnFailure?: boolean;
  alpha?: boolean;
  retry?: number;
  delayBeforeRetryUs?: number;
  warmupUs?: number;
  connectTimeoutUs?: number;
  delayLoopUs?: number;
  smtpAlert?: boolean;
  virtualhost?: string;
  snmpName?: string;
  notifyUp?: Script;
  notifyDown?: Script;
  checkers: CheckerDraft[];
  fileChecks: FileCheckDraft[];
  bfdNames: string[];
  readonly loc: Location;
}

export interface FileCheckDraft {
  trackFile?: string;
  /** undefined: the track_file's own weight. */
  weight?: number;
  reverse: boolean;
  readonly loc: Location;
}

export interface SorryDraft {
  addr: SockAddr;
  forwarding: ForwardingDraft;
  inhibit: boolean;
}

export type VsKeyDraft =
  | { readonly kind: 'address'; addr: SockAddr }
  | { readonly kind: 'fwmark'; readonly fwmark: number }
  | { readonly kind: 'group'; readonly group: string };

export interface VsDraft {
  readonly key: VsKeyDraft;
  family?: Family;
  protocol?: ServiceProtocol;
  scheduler?: string;
  flags: number;
  forwarding: ForwardingDraft;
  persistenceTimeout: number;
  persistenceGranularity?: string | number;
  persistenceEngine?: string;
  delayLoopUs: number;
  connectTimeoutUs: number;
  retry?: number;
  delayBeforeRetryUs?: number;
  warmupUs?: number;
  haSuspend: boolean;
  virtualhost?: string;
  snmpName?: string;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp?: Script;
  quorumDown?: Script;
  weight: number;
  inhibitOnFailure: boolean;
  smtpAlert?: boolean;
  sorry?: SorryDraft;
  realServers: RsDraft[];
  readonly loc: Location;
}

export interface VsgDraft {
  readonly name: string;
  entries: VsgEntry[];
  haveIpv4: boolean;
  haveIpv6: boolean;
  fwmarkWithoutFamily: boolean;
  readonly loc: Location;
}

/** Everything read in the checker pass, before validation. */
export interface CheckState {
  ssl?: { -readonly [K in keyof SslContext]: SslContext[K] };
  sslRequired: boolean;
  groups: VsgDraft[];
  virtualServers: VsDraft[];
  /** keepalived's checkers_queue: keyword handlers act on its last entry. */
  checkers: CheckerDraft[];
}

export const DEFAULT_DELAY_LOOP_US = 60 * TIMER_HZ;
export const DEFAULT_CONNECT_TIMEOUT_US = 5 * TIMER_HZ;

export function newForwarding(): ForwardingDraft {
  return { tunnelType: 'ipip', tunnelPort: 0, tunnelChecksum: 'nocsum' };
}

export function newVsDraft(key: VsKeyDraft, loc: Location): VsDraft {
  return {
    key,
    family: key.kind === 'address' ? key.addr.family : undefined,
    flags: 0,
    forwarding: newForwarding(),
    persistenceTimeout: 0,
    delayLoopUs: DEFAULT_DELAY_LOOP_US,
    connectTimeoutUs: DEFAULT_CONNECT_TIMEOUT_US,
    haSuspend: false,
    alpha: false,
    omega: false,
    quorum: 1,
    hysteresis: 0,
    weight: 1,
    inhibitOnFailure: false,
    realServers: [],
    loc,
  };
}

export function newRsDraft(vs: VsDraft, addr: SockAddr, loc: Location): RsDraft {
  return {
    addr,
    forwarding: { ...vs.forwarding },
    upperThreshold: 0,
    lowerThreshold: 0,
    checkers: [],
    fileChecks: [],
    bfdNames: [],
    loc,
  };
}
