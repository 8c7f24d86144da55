/**
 * The pools after a SIGHUP reload, as keepalived's clear_diff_services and
 * init_services leave them, with the events they produce on the way:
 * 1. each old virtual server in order: one no longer configured is removed
 *    (its alive real servers notified down, its quorum down); a matched one
 *    carries its quorum state and sorry server over, its real servers no
 *    longer configured are removed, the others keep their alive state and
 *    effective weight and then take the health their checkers now give;
 * 2. each new virtual server in order: a new one starts as at start-up; a
 *    matched one takes its new weights (logged when they change), gets its
 *    new real servers (alive unless waiting for a first check, quietly, as
 *    at start-up) and a quorum pass.
 * The IPVS table then follows from the pools (desiredTable); the IPVS sync
 * brings the kernel to it by diff. Pure.
 */
import { quorumBody, REMOVING_BODY } from './alert-mails.js';
import type { CheckConfig, RealServer, VirtualServer } from '../config/check/model.js';
import { realWeight } from './destination.js';
import type { CheckerState, CheckerStep } from './desired.js';
import type { PoolEvent } from './events.js';
import { quorumThreshold } from './quorum.js';
import { serverName, setAlive, settlePool, startedAlive, startPool, startsAlive, type PoolState } from './pool.js';
import { groupEntryChanges, matchRealServers, matchVirtualServers } from './reload-match.js';
import { sameSockAddr } from '../config/check/address.js';

/** A real server's health as its (carried over) checkers and FILE_CHECKs make it. */
export interface ServerHealth {
  readonly alive: boolean;
  /** Effective weight (configured + dynamic MISC_CHECK + FILE_CHECK). */
  readonly weight: number;
}

/** By index in the new configuration: virtual server, then real server. Missing: as the IPVS sync alone knows. */
export type ReloadHealth = readonly (readonly (ServerHealth | undefined)[] | undefined)[];

/** A real server in IPVS (keepalived's rs->set): serving, or held at weight 0 by inhibit_on_failure. */
const inPool = (rs: RealServer, state: PoolState, i: number): boolean => rs.inhibitOnFailure || (state.alive[i]! && !state.sorryActive);

/** clear_service_rs without stopping: the line, and the down notify of a server that was alive in the pool. */
function removeServer(vs: VirtualServer, state: PoolState, i: number, events: PoolEvent[]): void {
  const rs = vs.realServers[i]!;
  if (!inPool(rs, state, i)) return;
  const alive = state.alive[i]!;
  const server = serverName(vs, rs);
  events.push({ type: 'log', msg: `Removing ${rs.inhibitOnFailure && !alive ? '(inhibited) ' : ''}service ${server} from VS ${vs.name}` });
  if (alive) events.push({ type: 'real-server', vs: vs.name, server, alive: false, ...(rs.notifyDown ? { script: rs.notifyDown } : {}), ...(rs.smtpAlert ? { mail: REMOVING_BODY } : {}) });
}

/**
 * update_vs_notifies after real servers left: the old virtual server's quorum
 * is down once what stays alive weighs too little (no sorry server goes in).
 */
function quorumAfterRemoval(vs: VirtualServer, state: PoolState, staying: (i: number) => boolean, events: PoolEvent[]): void {
  if (!state.quorumUp) return;
  const weightSum = vs.realServers.reduce((sum, _, i) => (staying(i) && state.alive[i] ? sum + realWeight(state.weights[i]!) : sum), 0);
  const threshold = quorumThreshold(vs, true);
  if (weightSum !== 0 && weightSum >= threshold) return;
  const mail = vs.smtpAlert ? { mail: quorumBody(vs, false, false, threshold, weightSum) } : {};
  events.push({ type: 'quorum', vs: vs.name, up: false, init: false, threshold, weightSum, ...(vs.quorumDown ? { script: vs.quorumDown } : {}), ...mail });
}

export function reloadCheckers(old: CheckConfig, oldState: CheckerState, next: CheckConfig, health: ReloadHealth = []): CheckerStep {
  const events: PoolEvent[] = [];
  const vsMatch = matchVirtualServers(old.virtualServers, next.virtualServers);
  const newOf = new Map<number, number>();
  vsMatch.forEach((o, n) => o !== undefined && newOf.set(o, n));
  const pools: (PoolState | undefined)[] = next.virtualServers.map(() => undefined);
  const rsMatches: (number | undefined)[][] = next.virtualServers.map(() => []);

  old.virtualServers.forEach((oldVs, o) => {
    const before = oldState[o]!;
    const n = newOf.get(o);
    if (n === undefined) {
      const key = oldVs.key;
      events.push({ type: 'log', msg: key.kind === 'group' ? `Removing Virtual Server Group [${key.group}]` : `Removing Virtual Server ${oldVs.name}` });
      oldVs.realServers.forEach((_, i) => removeServer(oldVs, before, i, events));
      quorumAfterRemoval(oldVs, before, () => false, events);
      return;
    }
    const vs = next.virtualServers[n]!;
    const groups = groupEntryChanges(oldVs, old.groups, vs, next.groups);
    for (const msg of groups.removed) events.push({ type: 'log', msg });
    const match = matchRealServers(oldVs, vs);
    rsMatches[n] = match;
    const oldOf = new Map<number, number>();
    match.forEach((j, i) => j !== undefined && oldOf.set(j, i));
    // the sorry server stays in as it was when it is the same server
    const sorrySame = oldVs.sorryServer !== undefined && vs.sorryServer !== undefined && sameSockAddr(oldVs.sorryServer.addr, vs.sorryServer.addr);
    let pool: PoolState = {
      quorumUp: before.quorumUp,
      sorryActive: sorrySame && before.sorryActive,
      sorryMuted: sorrySame && before.sorryMuted,
      // new real servers join in the second pass
      alive: match.map((j) => (j === undefined ? false : before.alive[j]!)),
      weights: match.map((j, i) => (j === undefined ? vs.realServers[i]!.weight : before.weights[j]!)),
    };
    oldVs.realServers.forEach((oldRs, j) => {
      const i = oldOf.get(j);
      if (i === undefined) {
        events.push({ type: 'log', msg: `service ${serverName(oldVs, oldRs)} no longer exist` });
        removeServer(oldVs, before, j, events);
        return;
      }
      // migrate_checkers: the carried checkers may say otherwise now
      const alive = health[n]?.[i]?.alive;
      if (alive === undefined || alive === pool.alive[i]) return;
      const step = setAlive(vs, pool, i, alive);
      pool = step.state;
      events.push(...step.events);
    });
    if (oldVs.realServers.length > 0) quorumAfterRemoval(oldVs, before, (j) => oldOf.has(j), events);
    const oldSorry = oldVs.sorryServer;
    if (oldSorry && !sorrySame && (before.sorryActive || oldSorry.inhibit)) {
      events.push({ type: 'log', msg: `Removing sorry server ${serverName(oldVs, oldSorry)} from VS ${oldVs.name}` });
    }
    pools[n] = pool;
  });

  next.virtualServers.forEach((vs, n) => {
    const got = health[n];
    const carried = pools[n];
    if (!carried) {
      const alive = vs.realServers.map((rs, i) => got?.[i]?.alive ?? startsAlive(rs));
      const weights = vs.realServers.map((rs, i) => got?.[i]?.weight ?? rs.weight);
      const step = startPool(vs, alive, weights, next.rsInitNotifies);
      pools[n] = step.state;
      events.push(...step.events);
      return;
    }
    const oldVs = old.virtualServers[vsMatch[n]!]!;
    const match = rsMatches[n]!;
    const alive = [...carried.alive];
    const weights = [...carried.weights];
    vs.realServers.forEach((rs, i) => {
      const j = match[i];
      if (j === undefined) {
        alive[i] = got?.[i]?.alive ?? startsAlive(rs);
        weights[i] = got?.[i]?.weight ?? rs.weight;
        if (alive[i] && next.rsInitNotifies) events.push(startedAlive(vs, rs));
        return;
      }
      // init_service_rs → update_svr_wgt: the new configured weight, dynamic parts carried
      const weight = got?.[i]?.weight ?? carried.weights[i]! - oldVs.realServers[j]!.weight + rs.weight;
      const from = realWeight(carried.weights[i]!);
      const to = realWeight(weight);
      weights[i] = weight;
      if (from === to) return;
      const state = alive[i] ? 'active' : 'inactive';
      events.push({ type: 'log', msg: `Changing weight from ${from} to ${to} for ${state} service ${serverName(vs, rs)} of VS ${vs.name}` });
    });
    for (const msg of groupEntryChanges(oldVs, old.groups, vs, next.groups).added) events.push({ type: 'log', msg });
    const step = settlePool(vs, { ...carried, alive, weights });
    pools[n] = step.state;
    events.push(...step.events);
  });

  return { state: pools.map((p) => p!), events };
}
