/**
 * The checker process's configuration: SSL, virtual_server_group,
 * virtual_server with its real/sorry servers and health checkers, read as
 * keepalived 2.2.7 reads them and validated as its checker process does.
 */
import type { Keyword } from '../engine.js';
import type { GlobalDefs } from '../global/index.js';
import type { PassEnv } from '../subsystem.js';
import { newCheckCtx } from './context.js';
import type { CheckState } from './draft.js';
import type { CheckConfig } from './model.js';
import { sslKeyword } from './ssl.js';
import { validateCheckState } from './validate.js';
import { virtualServerKeyword } from './virtual-server.js';
import { virtualServerGroupKeyword } from './vsg.js';

export type * from './model.js';
export { SVC_FLAG } from './model.js';

export type CheckDraft = { -readonly [K in keyof CheckConfig]: CheckConfig[K] };

/** What the keywords read, per draft, until validation turns it into the model. */
const stateOf = new WeakMap<CheckDraft, CheckState>();

function state(d: CheckDraft): CheckState {
  let s = stateOf.get(d);
  if (!s) {
    s = { sslRequired: false, groups: [], virtualServers: [], checkers: [] };
    stateOf.set(d, s);
  }
  return s;
}

export function newCheckDraft(): CheckDraft {
  return { sslRequired: false, groups: [], virtualServers: [], rsInitNotifies: false };
}

export function checkRootKeywords(d: CheckDraft, env: PassEnv, g: GlobalDefs): Keyword[] {
  const c = newCheckCtx(state(d), env, g);
  return [sslKeyword(c), virtualServerGroupKeyword(c), virtualServerKeyword(c)];
}

export function validateCheck(d: CheckDraft, env: PassEnv, g: GlobalDefs): void {
  const s = state(d);
  const { groups, virtualServers } = validateCheckState(s, env, g);
  d.ssl = s.ssl;
  d.sslRequired = s.sslRequired;
  d.groups = groups;
  d.virtualServers = virtualServers;
  d.rsInitNotifies = g.rsInitNotifies;
}
