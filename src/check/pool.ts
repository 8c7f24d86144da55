/**
 * One virtual server's pool as keepalived's checker keeps it (ipwrapper.c):
 * which real servers are alive with what effective weight, whether quorum
 * is up and whether the sorry server stands in for the pool. Transitions
 * replay init_service_vs, perform_svr_state, update_svr_wgt and
 * update_quorum_state one event at a time, since with hysteresis and the
 * sorry server the outcome depends on the path, not only on the end state.
 */
import { formatTrio } from '../config/check/address.js';
import { quorumBody, SHUTTING_DOWN_BODY } from './alert-mails.js';
import type { RealServer, VirtualServer } from '../config/check/model.js';
import { realWeight } from './destination.js';
import type { PoolEvent } from './events.js';
import { quorumThreshold, stepQuorum } from './quorum.js';

export interface PoolState {
  readonly quorumUp: boolean;
  /** The sorry server is in the pool instead of the alive real servers. */
  readonly sorryActive: boolean;
  /**
   * Standing in, but without its weight: an inhibited sorry server that is
   * also a real server, put in at start-up, is added over that real server's
   * weight-0 entry and the kernel keeps the entry as it was (EEXIST).
   */
  readonly sorryMuted: boolean;
  /** By index in `vs.realServers`. */
  readonly alive: readonly boolean[];
  readonly weights: readonly number[];
}

export interface PoolStep {
  readonly state: PoolState;
  readonly events: readonly PoolEvent[];
}

export const serverName = (vs: VirtualServer, rs: { addr: RealServer['addr'] }): string => formatTrio(rs.addr, vs.protocol);

/** Alpha checkers start failed: such a real server waits for its first success. */
export function startsAlive(rs: RealServer): boolean {
  return !rs.checkers.some((c) => c.alpha);
}

function aliveWeight(state: PoolState): number {
  return state.alive.reduce((sum, up, i) => (up ? sum + realWeight(state.weights[i]!) : sum), 0);
}

function updateQuorum(vs: VirtualServer, state: PoolState, init: boolean): PoolStep {
  const weightSum = aliveWeight(state);
  const step = stepQuorum(vs, state.quorumUp, weightSum);
  const sorry = vs.sorryServer;
  // at start-up a sorry server goes in even when quorum was never up
  const startDown = init && !step.up && !step.changed && sorry !== undefined && !state.sorryActive;
  if (!step.changed && !startDown) return { state, events: [] };
  const name = vs.name;
  const events: PoolEvent[] = [];
  const mail = vs.smtpAlert ? { mail: quorumBody(vs, step.up, init, step.threshold, weightSum) } : {};
  let { sorryActive, sorryMuted } = state;
  if (step.up) {
    const msg = `Gained quorum ${vs.quorum}+${vs.hysteresis}=${step.threshold} <= ${weightSum} for VS ${name}`;
    events.push({ type: 'quorum', vs: name, up: true, init, threshold: step.threshold, weightSum, msg, script: vs.quorumUp, ...mail });
    if (sorry && sorryActive) {
      events.push({ type: 'log', msg: `${sorry.inhibit ? 'Disabling' : 'Removing'} sorry server ${serverName(vs, sorry)} from VS ${name}` });
      events.push({ type: 'log', msg: `Adding alive servers to the pool for VS ${name}` });
      sorryActive = false;
      sorryMuted = false;
    }
  } else {
    const msg = `${init ? 'Starting with quorum down' : 'Lost quorum'} ${vs.quorum}-${vs.hysteresis}=${step.threshold} > ${weightSum} for VS ${name}`;
    events.push({ type: 'quorum', vs: name, up: false, init, threshold: step.threshold, weightSum, msg, script: vs.quorumDown, ...mail });
    if (sorry && !sorryActive) {
      events.push({ type: 'log', msg: `${sorry.inhibit ? 'Enabling' : 'Adding'} sorry server ${serverName(vs, sorry)} to VS ${name}` });
      events.push({ type: 'log', msg: `Removing alive servers from the pool for VS ${name}` });
      sorryActive = true;
      sorryMuted = init && sorry.inhibit && sorry.duplicatesRealServer;
    }
  }
  return { state: { ...state, quorumUp: step.up, sorryActive, sorryMuted }, events };
}

/**
 * init_service_vs on a fresh start: real servers not waiting for a first
 * check go in as alive (with rs_init_notifies, each says so as a change
 * would); quorum was computed before any of them was alive, so it starts
 * down (quorum ≥ 1) and is gained here if the weight allows.
 */
export function startPool(
  vs: VirtualServer,
  alive: readonly boolean[] = vs.realServers.map(startsAlive),
  weights: readonly number[] = vs.realServers.map((rs) => rs.weight),
  rsInitNotifies = false,
): PoolStep {
  const state: PoolState = { quorumUp: false, sorryActive: false, sorryMuted: false, alive, weights };
  const quorum = updateQuorum(vs, state, true);
  const notifies = rsInitNotifies ? vs.realServers.flatMap((rs, i) => (alive[i] ? [startedAlive(vs, rs)] : [])) : [];
  return { state: quorum.state, events: [...notifies, ...quorum.events] };
}

/** init_service_rs with rs_init_notifies: do_rs_notifies for a real server that goes in alive (notify_up, the FIFO line; no log, no mail). */
export function startedAlive(vs: VirtualServer, rs: RealServer): PoolEvent {
  return { type: 'real-server', vs: vs.name, server: serverName(vs, rs), alive: true, ...(rs.notifyUp ? { script: rs.notifyUp } : {}) };
}

/**
 * init_service_vs's quorum pass on a pool a reload carried over: quorum
 * settings or the alive weight may have changed, and a sorry server new to
 * a pool without quorum goes in.
 */
export function settlePool(vs: VirtualServer, state: PoolState): PoolStep {
  return updateQuorum(vs, state, true);
}

const replace = <T>(list: readonly T[], i: number, value: T): T[] => list.map((x, j) => (j === i ? value : x));

/** perform_svr_state: real server `index` is now alive or not. */
export function setAlive(vs: VirtualServer, state: PoolState, index: number, alive: boolean): PoolStep {
  const rs = vs.realServers[index];
  if (!rs || state.alive[index] === alive) return { state, events: [] };
  const inhibit = rs.inhibitOnFailure;
  const verb = alive ? (inhibit ? 'Enabling' : 'Adding') : inhibit ? 'Disabling' : 'Removing';
  const msg = `${verb} service ${serverName(vs, rs)} ${inhibit ? 'of' : alive ? 'to' : 'from'} VS ${vs.name}`;
  const event: PoolEvent = { type: 'real-server', vs: vs.name, server: serverName(vs, rs), alive, msg, script: alive ? rs.notifyUp : rs.notifyDown };
  const next = updateQuorum(vs, { ...state, alive: replace(state.alive, index, alive) }, false);
  return { state: next.state, events: [event, ...next.events] };
}

/** update_svr_wgt: a new effective weight (misc_dynamic, track files) for real server `index`. */
export function setWeight(vs: VirtualServer, state: PoolState, index: number, weight: number): PoolStep {
  const rs = vs.realServers[index];
  const old = state.weights[index];
  if (!rs || old === undefined) return { state, events: [] };
  const weighted = { ...state, weights: replace(state.weights, index, weight) };
  if (realWeight(old) === realWeight(weight)) return { state: weighted, events: [] };
  const active = state.alive[index] ? 'active' : 'inactive';
  const msg = `Changing weight from ${realWeight(old)} to ${realWeight(weight)} for ${active} service ${serverName(vs, rs)} of VS ${vs.name}`;
  const next = updateQuorum(vs, weighted, false);
  return { state: next.state, events: [{ type: 'log', msg }, ...next.events] };
}

/**
 * clear_service_vs on SIGTERM: every real server is shut down (logged);
 * notifies run only with omega, for those alive in the pool, then quorum down.
 */
export function stopPool(vs: VirtualServer, state: PoolState): readonly PoolEvent[] {
  const events: PoolEvent[] = [];
  vs.realServers.forEach((rs, i) => {
    const alive = state.alive[i]!;
    const inPool = rs.inhibitOnFailure || (alive && !state.sorryActive);
    events.push({ type: 'log', msg: `Shutting down ${rs.inhibitOnFailure && !alive ? '(inhibited) ' : ''}service ${serverName(vs, rs)} from VS ${vs.name}` });
    if (vs.omega && inPool && alive) {
      events.push({ type: 'real-server', vs: vs.name, server: serverName(vs, rs), alive: false, script: rs.notifyDown, ...(rs.smtpAlert ? { mail: SHUTTING_DOWN_BODY } : {}) });
    }
  });
  if (vs.omega) {
    const threshold = quorumThreshold(vs, true);
    events.push({ type: 'quorum', vs: vs.name, up: false, init: false, threshold, weightSum: 0, script: vs.quorumDown, ...(vs.smtpAlert ? { mail: SHUTTING_DOWN_BODY } : {}) });
  }
  return events;
}
