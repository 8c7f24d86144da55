/**
 * Scripts named in the configuration (notify_*, vrrp_script, misc_path,
 * quorum_up/down, …): their argv and run-as user, parsed the way keepalived's
 * notify_script_init does, and checked later by the script-security rules.
 */
import type { Ctx } from '../engine.js';
import type { Location } from '../diagnostics.js';
import type { PassEnv } from '../subsystem.js';

export interface Script {
  readonly argv: readonly string[];
  /** The run-as user/group as written (`user [[:]group]`); undefined → the default script user. */
  readonly user?: string;
  readonly group?: string;
  readonly loc: Location;
}

/**
 * The script of a quoted keyword line (`notify_master "/path arg" [user [group]]`).
 * `kind` names it in keepalived's messages (e.g. "notify", "misc").
 */
export function parseScript(ctx: Ctx, _env: PassEnv, _kind: string): Script | undefined {
  const s = ctx.scriptWords();
  if (!s || s.argv.length === 0) return undefined;
  return { argv: s.argv, user: s.user, group: s.group, loc: ctx.loc };
}
