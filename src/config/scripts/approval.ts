/**
 * What script security lets a process run. keepalived execs the file it
 * checked (check_script_secure rewrites the script's path to it); we keep
 * that file beside the command as configured, per process and identity, so
 * the run-time gate can refuse anything the check did not pass.
 */
/** The process that checks (and runs) a script. */
export type ScriptSubsystem = 'parent' | 'vrrp' | 'checker';

export interface ScriptApproval {
  /** The process whose check passed it: the VRRP and checker children run only their own. */
  readonly subsystem: ScriptSubsystem;
  /** argv[0] as configured (a bare name, a path through symbolic links, or a `</file` test). */
  readonly command: string;
  readonly uid: number;
  readonly gid: number;
  /** What to execute: the checked file (PATH search and symbolic links resolved), or the `</file` test itself. */
  readonly file: string;
}
