/**
 * Who a script runs as: keepalived's set_uid_gid, and the default script
 * user (script_user, else keepalived_script, else ourselves), resolved once
 * at first use and remembered for the rest of the configuration.
 */
import { ConfigErr } from '../diagnostics.js';
import type { GlobalDefs, GlobalDraft, ScriptIdentity } from '../global/model.js';
import type { PassEnv } from '../subsystem.js';

export const DEFAULT_SCRIPT_USER = 'keepalived_script';

/** A user and optional group by name (getpwnam/getgrnam); logs and yields undefined when either is missing. */
export function lookupIdentity(env: PassEnv, user: string, group?: string): ScriptIdentity | undefined {
  const pw = env.sys.user(user);
  if (!pw) {
    env.log(`Script user '${user}' does not exist`);
    return undefined;
  }
  if (group === undefined) return { uid: pw.uid, gid: pw.gid };
  const gid = env.sys.group(group);
  if (gid === undefined) {
    env.log(`Script group '${group}' does not exist`);
    return undefined;
  }
  return { uid: pw.uid, gid };
}

/** `script_user user [group]`: fixes the default; a failure stops every script without its own user. */
export function setGlobalScriptUser(global: GlobalDraft, env: PassEnv, user: string, group?: string): boolean {
  const id = lookupIdentity(env, user, group);
  global.defaultScriptUser = id ?? 'unresolvable';
  return id !== undefined;
}

/**
 * The identity of a script written without `user [group]`. The first call
 * decides, as keepalived's get_default_script_user: keepalived_script if it
 * exists, else our own uid/gid - unless script security is on, when a missing
 * keepalived_script is an error and every such script is refused.
 */
export function defaultScriptIdentity(global: GlobalDefs, env: PassEnv): ScriptIdentity | undefined {
  // Resolved lazily during parsing (the draft is still mutable), like keepalived's static state.
  const draft = global as GlobalDraft;
  if (draft.defaultScriptUser === undefined) {
    const found = lookupIdentity(env, DEFAULT_SCRIPT_USER);
    if (!found && draft.enableScriptSecurity) {
      env.report(
        ConfigErr.GeneralError,
        `Unable to set default user ${DEFAULT_SCRIPT_USER} for script`,
        `create the user '${DEFAULT_SCRIPT_USER}' or set 'script_user' in global_defs`,
      );
      draft.defaultScriptUser = 'unresolvable';
    } else {
      draft.defaultScriptUser = found ?? { uid: env.sys.uid, gid: env.sys.gid };
    }
  }
  return draft.defaultScriptUser === 'unresolvable' ? undefined : draft.defaultScriptUser;
}
