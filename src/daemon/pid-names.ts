/**
 * The pid files' names, as keepalived's main() picks them once the network
 * namespace is entered: `-p`/`-r`/`-c` as given; else, with `instance NAME`,
 * /run/keepalived/keepalived_NAME.pid (make_pidfile_name); else in
 * /run/keepalived/ when a namespace (net_namespace or -s), instance or
 * use_pid_dir asks for the pid directory (use_pid_dir); else in /run.
 */
import type { GlobalDefs } from '../config/global/model.js';
import type { CliOptions } from './cli-options.js';

/** keepalived's KEEPALIVED_PID_DIR (RUNSTATEDIR "/" PACKAGE "/"). */
export const PID_DIR = '/run/keepalived/';
const RUN_DIR = '/run/';

export interface PidFileNames {
  readonly main: string;
  readonly vrrp: string;
  readonly checkers: string;
}

type Given = Pick<CliOptions, 'pidFile' | 'vrrpPidFile' | 'checkersPidFile' | 'namespace'>;

/** The network namespace the daemon runs in: -s wins over net_namespace (keepalived's override_namespace). */
export function runNamespace(o: Pick<CliOptions, 'namespace'>, g: Pick<GlobalDefs, 'networkNamespace'>): string | undefined {
  return o.namespace ?? g.networkNamespace;
}

/** Whether keepalived keeps its pid files in /run/keepalived/ (its use_pid_dir). */
export function usesPidDir(o: Pick<CliOptions, 'namespace'>, g: Pick<GlobalDefs, 'usePidDir'>): boolean {
  return g.usePidDir || o.namespace !== undefined;
}

export function pidFileNames(o: Given, g: Pick<GlobalDefs, 'instanceName' | 'usePidDir'>): PidFileNames {
  const name = (base: string): string => {
    if (g.instanceName !== undefined) return `${PID_DIR}${base}_${g.instanceName}.pid`;
    return `${usesPidDir(o, g) ? PID_DIR : RUN_DIR}${base}.pid`;
  };
  return {
    main: o.pidFile ?? name('keepalived'),
    vrrp: o.vrrpPidFile ?? name('vrrp'),
    checkers: o.checkersPidFile ?? name('checkers'),
  };
}
