/**
 * The exit statuses by which a child tells the parent not to restart it
 * (keepalived's lib/scheduler.h exit_code, report_child_status): the parent
 * then stops everything with "exited with permanent error … Terminating".
 * keepalived's KEEPALIVED_EXIT_FATAL (1) is Node's status for an uncaught
 * exception, a crash the parent must restart: our children say FATAL with a
 * status Node never uses, and the parent exits 1 as keepalived's does.
 */
export const CHILD_EXIT_CONFIG = 2;
export const CHILD_EXIT_MISSING_PERMISSION = 4;
export const CHILD_EXIT_FATAL = 11;
/** A child ending where keepalived's crashes: Node's status for an uncaught exception, restarted. */
export const CHILD_EXIT_CRASH = 1;
/** keepalived's KEEPALIVED_EXIT_FATAL: the daemon's status after a child's FATAL exit. */
const KEEPALIVED_EXIT_FATAL = 1;

/** A permanent error: keepalived's name for it and the status the daemon exits with. */
export interface PermanentError {
  readonly name: string;
  readonly daemonStatus: number;
}

/** The permanent error a child's exit status says; undefined for any other status (the child is restarted). */
export function permanentError(status: number | null): PermanentError | undefined {
  if (status === CHILD_EXIT_CONFIG) return { name: 'CONFIG', daemonStatus: status };
  if (status === CHILD_EXIT_MISSING_PERMISSION) return { name: 'missing permission', daemonStatus: status };
  if (status === CHILD_EXIT_FATAL) return { name: 'FATAL', daemonStatus: KEEPALIVED_EXIT_FATAL };
  return undefined;
}
