/**
 * The keyword handlers' view of the checker pass: the state being built and
 * keepalived's "act on the last one" accessors.
 */
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';
import type { CheckerDraft, CheckState, RsDraft, VsDraft } from './draft.js';
import { newRsDraft, newVsDraft } from './draft.js';

export interface CheckCtx {
  readonly state: CheckState;
  readonly env: PassEnv;
  readonly global: GlobalDefs;
  /** The last virtual server (a stand-in when none could be created). */
  vs(): VsDraft;
  /** The last real server of the last virtual server (or a stand-in). */
  rs(): RsDraft;
  /** The last queued checker, keepalived's CHECKER_GET_CURRENT. */
  checker(): CheckerDraft | undefined;
  queue(c: CheckerDraft): void;
  /** Remove the last checker again (dequeue_new_checker). */
  dequeue(): void;
}

export function newCheckCtx(state: CheckState, env: PassEnv, global: GlobalDefs): CheckCtx {
  const noLoc = { file: '', line: 0 };
  let standInVs: VsDraft | undefined;
  let standInRs: RsDraft | undefined;
  const vs = (): VsDraft =>
    state.virtualServers[state.virtualServers.length - 1] ??
    (standInVs ??= newVsDraft({ kind: 'fwmark', fwmark: 0 }, noLoc));
  return {
    state,
    env,
    global,
    vs,
    rs() {
      const v = vs();
      return v.realServers[v.realServers.length - 1] ?? (standInRs ??= newRsDraft(v, { family: 'inet', address: '0.0.0.0', port: 0 }, noLoc));
    },
    checker: () => state.checkers[state.checkers.length - 1],
    queue(c) {
      state.checkers.push(c);
      c.rs.checkers.push(c);
    },
    dequeue() {
      const c = state.checkers.pop();
      if (!c) return;
      const i = c.rs.checkers.lastIndexOf(c);
      if (i >= 0) c.rs.checkers.splice(i, 1);
    },
  };
}
