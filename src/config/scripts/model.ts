/**
 * A script named in the configuration (notify_*, vrrp_script, misc_path,
 * quorum_up/down, startup_script, notify_fifo_script, …): its argv and the
 * identity it runs as, as keepalived's notify_script_init builds them.
 */
import type { Location } from '../diagnostics.js';

export interface Script {
  readonly argv: readonly string[];
  /** The run-as user/group as written after the command (`user [group]`), if any. */
  readonly user?: string;
  readonly group?: string;
  /** The resolved run-as identity (the written user, else the default script user). */
  readonly uid: number;
  readonly gid: number;
  readonly loc: Location;
}
