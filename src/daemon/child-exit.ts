/**
 * The exit statuses by which a child tells the parent not to restart it
 * (keepalived's lib/scheduler.h exit_code, report_child_status): the parent
 * then stops everything with "exited with permanent error … Terminating".
 * keepalived's KEEPALIVED_EXIT_FATAL (1) is left out: Node exits 1 on an
 * uncaught exception, a crash the parent must restart.
 */
export const CHILD_EXIT_CONFIG = 2;
export const CHILD_EXIT_MISSING_PERMISSION = 4;
/** A child ending where keepalived's crashes: Node's status for an uncaught exception, restarted. */
export const CHILD_EXIT_CRASH = 1;

/** keepalived's name for a permanent error status; undefined for any other status (the child is restarted). */
export function permanentError(status: number | null): string | undefined {
  if (status === CHILD_EXIT_CONFIG) return 'CONFIG';
  if (status === CHILD_EXIT_MISSING_PERMISSION) return 'missing permission';
  return undefined;
}
