/**
 * What the checker process does once the file is read (check_daemon.c
 * start_check): link_vsg_to_vs, then validate_check_config — defaults,
 * protocol/scheduler/forwarding fallbacks, duplicate and port checks,
 * quorum limits, per-checker timing — then the script-security pass. The
 * result is the model keepalived would run.
 */
import { ConfigErr } from '../diagnostics.js';
import type { GlobalDefs } from '../global/index.js';
import { checkScripts, type Script, type ScriptToCheck } from '../scripts/index.js';
import type { PassEnv } from '../subsystem.js';
import { formatTrio, sameSockAddr, sockAddrKey, type SockAddr } from './address.js';
import { finishConnection } from './checkers/common.js';
import type { CheckerDraft, CheckState, ForwardingDraft, RsDraft, VsDraft, VsgDraft } from './draft.js';
import type { Checker, Forwarding, RealServer, VirtualServer, VirtualServerGroup, VirtualServerKey } from './model.js';
import { SVC_FLAG } from './model.js';
import { DEFAULT_PERSISTENCE_TIMEOUT } from './virtual-server.js';

const DEFAULT_SCHEDULER = 'wlc';

/** A virtual server while it is validated: the draft plus what linking found. */
interface Linked {
  readonly vs: VsDraft;
  readonly group?: VsgDraft;
  /** Sequence number among the virtual servers of its group. */
  index: number;
}

const isFwmark = (v: Linked): boolean => v.vs.key.kind === 'fwmark' && v.vs.key.fwmark !== 0;
const groupHasFwmarks = (v: Linked): boolean => !!v.group?.entries.some((e) => e.kind === 'fwmark');
const groupHasAddresses = (v: Linked): boolean => !!v.group?.entries.some((e) => e.kind === 'range');

/** keepalived's FMT_VS. */
function vsName(v: Linked): string {
  const key = v.vs.key;
  if (key.kind === 'group') return `[${key.group}]:${v.index}`;
  if (key.kind === 'fwmark' && key.fwmark !== 0) return `FWM ${key.fwmark}`;
  return key.kind === 'address' ? formatTrio(key.addr, v.vs.protocol) : `[]:${v.vs.protocol ?? 'none'}:0`;
}

function linkGroups(state: CheckState, env: PassEnv): Linked[] {
  const linked: Linked[] = [];
  for (const vs of state.virtualServers) {
    if (vs.key.kind !== 'group') {
      linked.push({ vs, index: 0 });
      continue;
    }
    const groupName = vs.key.group;
    const group = state.groups.find((g) => g.name === groupName);
    const name = `[${groupName}]:0`;
    if (!group) {
      env.log(`Virtual server group ${groupName} specified but not configured - ignoring virtual server ${name}`);
      continue;
    }
    const groupFamily = group.haveIpv4 === group.haveIpv6 ? undefined : group.haveIpv4 ? 'inet' : 'inet6';
    if (group.haveIpv4 && group.haveIpv6 && vs.family !== undefined) {
      env.log(`${groupName}: virtual server group with IPv4 & IPv6 doesn't match virtual server ${name} - ignoring`);
      continue;
    }
    if ((group.haveIpv4 && vs.family === 'inet6') || (group.haveIpv6 && vs.family === 'inet')) {
      env.log(`${groupName}: address family doesn't match virtual server ${name} - ignoring`);
      continue;
    }
    if (groupFamily !== undefined) vs.family ??= groupFamily;
    else if (vs.family === undefined && group.fwmarkWithoutFamily)
      env.log(`${groupName}: Virtual server ${name} address family cannot be determined, defaulting to IPv4`);
    linked.push({ vs, group, index: 0 });
  }
  for (const g of state.groups) {
    let n = 0;
    for (const l of linked) if (l.vs.key.kind === 'group' && l.vs.key.group === g.name) l.index = n++;
  }
  return linked;
}

function forwarding(f: ForwardingDraft): Forwarding {
  return { method: f.method ?? 'NAT', tunnelType: f.tunnelType, tunnelPort: f.tunnelPort, tunnelChecksum: f.tunnelChecksum };
}

function withPort(a: SockAddr, port: number): SockAddr {
  return { ...a, port };
}

/** The checker's timing and connection, defaults taken from its real server (already resolved from the VS). */
function buildChecker(k: CheckerDraft, rs: RealServer): Checker {
  const alpha = k.alpha ?? rs.alpha;
  const delayLoopUs = k.delayLoopUs ?? rs.delayLoopUs;
  const timing = k.launched
    ? {
        alpha,
        delayLoopUs,
        warmupUs: k.warmupUs ?? rs.warmupUs ?? delayLoopUs,
        retry: k.retry ?? rs.retry ?? k.defaultRetry,
        delayBeforeRetryUs: k.delayBeforeRetryUs ?? rs.delayBeforeRetryUs ?? (k.defaultDelayBeforeRetryUs || delayLoopUs),
        logAllFailures: k.logAllFailures,
        loc: k.loc,
      }
    : { alpha, delayLoopUs: 0, warmupUs: 0, retry: 0, delayBeforeRetryUs: 0, logAllFailures: k.logAllFailures, loc: k.loc };
  return k.build(timing, k.connection && finishConnection(k.connection, rs.connectTimeoutUs));
}

function smtpAlertDefault(g: GlobalDefs, fallback: boolean): boolean {
  return g.smtpAlertChecker ?? g.smtpAlert ?? fallback;
}

/** validate_check_config for one virtual server; undefined when it is dropped. */
function validateVirtualServer(l: Linked, env: PassEnv, g: GlobalDefs): VirtualServer | undefined {
  const vs = l.vs;
  // keepalived prints these without a line; ours says where the virtual server is
  const err = (m: string): void => env.report(ConfigErr.GeneralError, m, `virtual_server at ${vs.loc.file}:${vs.loc.line}`);
  if (vs.realServers.length === 0) {
    err(`Virtual server ${vsName(l)} has no real servers - ignoring`);
    return undefined;
  }
  if (vs.haSuspend && (isFwmark(l) || groupHasFwmarks(l))) {
    err(`Virtual server ${vsName(l)}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    vs.haSuspend = false;
  }
  if (groupHasAddresses(l) || (!l.group && !isFwmark(l))) {
    if (vs.protocol === undefined) {
      err(`Virtual server ${vsName(l)}: no protocol set - defaulting to UDP`);
      vs.protocol = 'udp';
    }
    if (vs.flags & SVC_FLAG.onePacket && vs.protocol !== 'udp') {
      err(`Virtual server ${vsName(l)}: one packet scheduling requires UDP - resetting`);
      vs.flags &= ~SVC_FLAG.onePacket;
    }
    if (!vs.persistenceTimeout && !l.group && !isFwmark(l) && vs.key.kind === 'address' && vs.key.addr.port === 0) {
      err(`Virtual server ${vsName(l)}: zero port only valid for persistent services - setting`);
      vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
    }
  }
  if (!vs.persistenceTimeout && l.group?.entries.some((e) => e.kind === 'range' && e.port === 0)) {
    err(`Virtual server ${vsName(l)}: zero port only valid for persistent services - setting`);
    vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
  }
  if (vs.protocol !== undefined && ((l.group && !groupHasAddresses(l) && groupHasFwmarks(l)) || (!l.group && isFwmark(l)))) {
    err(`Warning: Virtual server ${vsName(l)}: protocol specified for fwmark - protocol will be ignored`);
    vs.protocol = undefined;
  }
  if (vs.scheduler === undefined) {
    err(`Virtual server ${vsName(l)}: no scheduler set, setting default '${DEFAULT_SCHEDULER}'`);
    vs.scheduler = DEFAULT_SCHEDULER;
  }
  const vsSmtpAlert = vs.smtpAlert ?? smtpAlertDefault(g, false);
  const rsName = (r: { addr: SockAddr }): string => formatTrio(r.addr, vs.protocol);
  const settleForwarding = (f: ForwardingDraft): void => {
    if (f.method !== undefined) return;
    if (vs.forwarding.method === undefined) {
      err(`Virtual server ${vsName(l)}: no forwarding method set, setting default NAT`);
      vs.forwarding.method = 'NAT';
    }
    Object.assign(f, vs.forwarding);
  };

  const kept: RsDraft[] = [];
  // by key, not by comparing with each kept one: a virtual server may have thousands of real servers
  const keptAddresses = new Set<string>();
  let weightSum = 0;
  let sorryDuplicatesRs = false;
  for (const rs of vs.realServers) {
    const addressKey = sockAddrKey(rs.addr);
    if (keptAddresses.has(addressKey)) {
      err(`VS ${vsName(l)}: real server ${rsName(rs)} is duplicated - removing second rs`);
      continue;
    }
    keptAddresses.add(addressKey);
    kept.push(rs);
    settleForwarding(rs.forwarding);
    rs.alpha ??= vs.alpha;
    rs.inhibitOnFailure ??= vs.inhibitOnFailure;
    rs.retry ??= vs.retry;
    rs.connectTimeoutUs ??= vs.connectTimeoutUs;
    rs.delayLoopUs ??= vs.delayLoopUs;
    rs.warmupUs ??= vs.warmupUs;
    rs.delayBeforeRetryUs ??= vs.delayBeforeRetryUs;
    rs.weight ??= vs.weight;
    rs.smtpAlert ??= smtpAlertDefault(g, true);
    weightSum += rs.weight;
    if (vs.sorry && sameSockAddr(vs.sorry.addr, rs.addr)) {
      if (vs.sorry.inhibit !== rs.inhibitOnFailure) {
        err(`Virtual server ${vsName(l)}: real server ${rsName(rs)} matches sorry server, but inhibit setting differs, ${rs.inhibitOnFailure ? 'sett' : 'clear'}ing on sorry server`);
        vs.sorry.inhibit = rs.inhibitOnFailure;
      }
      sorryDuplicatesRs = true;
    }
  }
  if (vs.sorry) settleForwarding(vs.sorry.forwarding);

  if (vs.quorum > weightSum) {
    err(`Warning - quorum ${vs.quorum} for ${vsName(l)} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum) {
    const h = (vs.quorum - 1) >>> 0;
    err(`Virtual server ${vsName(l)}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
    vs.hysteresis = h;
  }
  settlePorts(l, kept, err, rsName);

  const realServers = kept.map((rs): RealServer => {
    const model: RealServer = {
      addr: rs.addr,
      weight: rs.weight!,
      forwarding: forwarding(rs.forwarding),
      upperThreshold: rs.upperThreshold,
      lowerThreshold: rs.lowerThreshold,
      inhibitOnFailure: rs.inhibitOnFailure!,
      alpha: rs.alpha!,
      retry: rs.retry,
      delayBeforeRetryUs: rs.delayBeforeRetryUs,
      warmupUs: rs.warmupUs,
      connectTimeoutUs: rs.connectTimeoutUs!,
      delayLoopUs: rs.delayLoopUs!,
      smtpAlert: rs.smtpAlert!,
      virtualhost: rs.virtualhost,
      snmpName: rs.snmpName,
      notifyUp: rs.notifyUp,
      notifyDown: rs.notifyDown,
      checkers: [],
      fileChecks: rs.fileChecks.map((f) => ({ trackFile: f.trackFile!, weight: f.weight!, reverse: f.reverse, loc: f.loc })),
      loc: rs.loc,
    };
    return { ...model, checkers: rs.checkers.map((k) => buildChecker(k, model)) };
  });

  const key: VirtualServerKey =
    vs.key.kind === 'group' ? { kind: 'group', group: vs.key.group, index: l.index } : vs.key.kind === 'fwmark' ? vs.key : { kind: 'address', addr: vs.key.addr };
  return {
    key,
    name: vsName(l),
    family: vs.family ?? 'inet',
    protocol: vs.protocol,
    scheduler: vs.scheduler,
    flags: vs.flags,
    forwarding: forwarding(vs.forwarding),
    persistenceTimeout: vs.persistenceTimeout,
    persistenceGranularity: vs.persistenceGranularity,
    persistenceEngine: vs.persistenceEngine,
    delayLoopUs: vs.delayLoopUs,
    connectTimeoutUs: vs.connectTimeoutUs,
    retry: vs.retry,
    delayBeforeRetryUs: vs.delayBeforeRetryUs,
    warmupUs: vs.warmupUs,
    haSuspend: vs.haSuspend,
    virtualhost: vs.virtualhost,
    snmpName: vs.snmpName,
    alpha: vs.alpha,
    omega: vs.omega,
    quorum: vs.quorum,
    hysteresis: vs.hysteresis,
    quorumUp: vs.quorumUp,
    quorumDown: vs.quorumDown,
    weight: vs.weight,
    inhibitOnFailure: vs.inhibitOnFailure,
    smtpAlert: vsSmtpAlert,
    sorryServer: vs.sorry && { addr: vs.sorry.addr, forwarding: forwarding(vs.sorry.forwarding), inhibit: vs.sorry.inhibit, duplicatesRealServer: sorryDuplicatesRs },
    realServers,
    loc: vs.loc,
  };
}

/** Unless NAT, real and sorry servers use the service's port (0 for fwmark services); keepalived corrects what it can. */
function settlePorts(l: Linked, servers: RsDraft[], err: (m: string) => void, rsName: (r: { addr: SockAddr }) => string): void {
  const vs = l.vs;
  const sorry = vs.sorry;
  const notNat = (f: ForwardingDraft): boolean => f.method !== 'NAT';
  if (l.group) {
    if (groupHasFwmarks(l)) {
      for (const rs of servers)
        if (notNat(rs.forwarding) && rs.addr.port)
          err(`WARNING - fwmark virtual server ${vsName(l)}, real server ${rsName(rs)} has port specified - port will be ignored`);
      if (sorry && notNat(sorry.forwarding) && sorry.addr.port)
        err(`WARNING - fwmark virtual server ${vsName(l)}, sorry server has port specified - port will be ignored`);
    }
    for (const e of l.group.entries) {
      if (e.kind !== 'range') continue;
      const entryText = e.start !== e.end ? `${e.start}-${e.end},${e.port}` : `${e.start},${e.port}`;
      for (const rs of servers)
        if (notNat(rs.forwarding) && rs.addr.port && rs.addr.port !== e.port)
          err(`virtual server ${vsName(l)}:[${entryText}] and real server ${rsName(rs)} ports don't match`);
      if (sorry && notNat(sorry.forwarding) && sorry.addr.port && sorry.addr.port !== e.port)
        err(`WARNING - virtual server ${vsName(l)}, sorry server has port specified - port will be ignored`);
    }
    return;
  }
  const vsPort = vs.key.kind === 'address' ? vs.key.addr.port : 0;
  const fwmark = isFwmark(l);
  for (const rs of servers) {
    if (!notNat(rs.forwarding)) {
      if (!fwmark && !rs.addr.port) rs.addr = withPort(rs.addr, vsPort);
      continue;
    }
    if (fwmark) {
      if (rs.addr.port) {
        err(`WARNING - fwmark virtual server ${vsName(l)}, real server ${rsName(rs)} has port specified - clearing`);
        rs.addr = withPort(rs.addr, 0);
      }
    } else if (!rs.addr.port) rs.addr = withPort(rs.addr, vsPort);
    else if (rs.addr.port !== vsPort) {
      err(`WARNING - virtual server ${vsName(l)} and real server ${rsName(rs)} ports don't match - resetting`);
      rs.addr = withPort(rs.addr, vsPort);
    }
  }
  if (sorry && notNat(sorry.forwarding)) {
    if (fwmark) {
      if (sorry.addr.port) {
        err(`WARNING - virtual server ${vsName(l)}, sorry server has port specified - clearing`);
        sorry.addr = withPort(sorry.addr, 0);
      }
    } else if (!sorry.addr.port) sorry.addr = withPort(sorry.addr, vsPort);
    else if (sorry.addr.port !== vsPort) {
      err(`WARNING - virtual server ${vsName(l)} and sorry server ports don't match - resetting`);
      sorry.addr = withPort(sorry.addr, vsPort);
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * check_check_script_security: misc scripts first, then each virtual
 * server's quorum scripts and its real servers' notify scripts. Scripts
 * keepalived would not run are removed (misc checkers with them).
 */
function checkScriptSecurity(servers: VirtualServer[], env: PassEnv, g: GlobalDefs): VirtualServer[] {
  if (servers.length === 0) return servers;
  const items: ScriptToCheck[] = [];
  for (const vs of servers)
    for (const rs of vs.realServers) for (const k of rs.checkers) if (k.type === 'MISC_CHECK') items.push({ script: k.script, role: 'misc' });
  const notify = (s: Script | undefined): void => {
    if (s) items.push({ script: s, role: 'notify' });
  };
  for (const vs of servers) {
    notify(vs.quorumUp);
    notify(vs.quorumDown);
    for (const rs of vs.realServers) {
      notify(rs.notifyUp);
      notify(rs.notifyDown);
    }
  }
  const verdicts = checkScripts(items, env, g, 'checker');
  const disabled = new Set(items.filter((_, i) => !verdicts[i]!.enabled).map((it) => it.script));
  if (disabled.size === 0) return servers;
  const keep = (s: Script | undefined): Script | undefined => (s && disabled.has(s) ? undefined : s);
  return servers.map((vs) => {
    const out: Mutable<VirtualServer> = { ...vs, quorumUp: keep(vs.quorumUp), quorumDown: keep(vs.quorumDown) };
    out.realServers = vs.realServers.map((rs) => ({
      ...rs,
      notifyUp: keep(rs.notifyUp),
      notifyDown: keep(rs.notifyDown),
      checkers: rs.checkers.filter((k) => k.type !== 'MISC_CHECK' || !disabled.has(k.script)),
    }));
    return out;
  });
}

function groupModel(g: VsgDraft): VirtualServerGroup {
  return { name: g.name, entries: g.entries, haveIpv4: g.haveIpv4, haveIpv6: g.haveIpv6, fwmarkWithoutFamily: g.fwmarkWithoutFamily, loc: g.loc };
}

export interface CheckResult {
  readonly groups: VirtualServerGroup[];
  readonly virtualServers: VirtualServer[];
}

export function validateCheckState(state: CheckState, env: PassEnv, g: GlobalDefs): CheckResult {
  const linked = state.virtualServers.length ? linkGroups(state, env) : [];
  const servers: VirtualServer[] = [];
  for (const l of linked) {
    const vs = validateVirtualServer(l, env, g);
    if (vs) servers.push(vs);
  }
  return { groups: state.groups.map(groupModel), virtualServers: checkScriptSecurity(servers, env, g) };
}
