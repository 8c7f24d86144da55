/**
 * The parent entering the configured network namespace, as keepalived's
 * main() with core/namespaces.c (set_namespaces, set_run_mount,
 * clear_namespaces) and pidfile.c (create_pid_dir, remove_pid_dir): the pid
 * directory is made, the namespace /run/netns/NAME entered, and in a mount
 * namespace of the daemon's own /run/keepalived/NAME is mounted on
 * /run/keepalived, so that each namespace's daemon has its own pid files.
 * Only Node's main thread changes namespace; the children forked from it
 * start inside both, as keepalived's forked children do.
 */
import * as fs from 'node:fs';
import type { Logger } from '../base/logger.js';
import { enterNetworkNamespace, mountNamespace } from '../base/netns.js';
import { namespaceFailure } from '../config/global/validate.js';
import { PID_DIR } from './pid-names.js';

/** keepalived's netns_dir (RUNSTATEDIR "/netns/"), where `ip netns add` mounts each namespace. */
const NETNS_DIR = '/run/netns/';
export const SANDBOX_HINT =
  'keepalived-ts.service does not allow entering a network namespace: install /usr/share/doc/keepalived-ts/samples/net-namespace.conf ' +
  'as /etc/systemd/system/keepalived-ts.service.d/net-namespace.conf, then systemctl daemon-reload';
/** keepalived makes its pid directories rwxr-xr-x whatever the umask. */
const DIRECTORY_MODE = 0o755;

export interface NamespacePorts {
  enter(path: string): void;
  mounts: typeof mountNamespace;
  mkdir(dir: string): void;
  rmdir(dir: string): void;
}

const hostPorts: NamespacePorts = {
  enter: enterNetworkNamespace,
  mounts: mountNamespace,
  mkdir: (dir) => {
    const umask = process.umask(0o022);
    try {
      fs.mkdirSync(dir, { mode: DIRECTORY_MODE });
    } finally {
      process.umask(umask);
    }
  },
  rmdir: (dir) => fs.rmdirSync(dir),
};

const errnoOf = (error: unknown): number => Math.abs((error as NodeJS.ErrnoException).errno ?? 0);
const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;
/** keepalived's `(errno) 'strerror'`: the addon's messages end with strerror's text, Node's start with the code. */
const describe = (error: unknown): string => `(${errnoOf(error)}) '${/^[\w ]+ E\w+: (.*)$/.exec((error as Error).message)?.[1] ?? codeOf(error) ?? ''}'`;

/** What the parent undoes when it stops (keepalived's clear_namespaces, then remove_pid_dir). */
export interface RunDirectories {
  release(): void;
}

/** mkdir that, as keepalived's, takes an existing directory as made; false after logging the failure. */
function makeDirectory(dir: string, log: Logger, ports: NamespacePorts): boolean {
  try {
    ports.mkdir(dir);
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') {
      log.info(`Unable to create directory ${dir}`);
      return false;
    }
  }
  return true;
}

/**
 * Before the pid files: makes the pid directory when it is used, then
 * enters `namespace` if one is set. Undefined when the namespace cannot be
 * entered (logged in keepalived's words: keepalived then stops, status 0).
 */
export function enterNamespaces(
  opts: { usePidDir: boolean; namespace: string | undefined; underSystemd?: boolean },
  log: Logger,
  ports: NamespacePorts = hostPorts,
): RunDirectories | undefined {
  const pidDir = PID_DIR.replace(/\/$/, '');
  const pidDirMade = opts.usePidDir && makeDirectory(pidDir, log, ports);
  let mounted: string | undefined;
  const release = (): void => {
    if (mounted !== undefined) {
      try {
        ports.mounts.unmount(pidDir);
      } catch (error) {
        log.info(`unmount of ${pidDir} failed - errno ${errnoOf(error)}`);
      }
      removeDirectory(mounted, log, ports);
    }
    if (pidDirMade) removeDirectory(pidDir, log, ports);
  };
  if (opts.namespace === undefined) return { release };

  const path = NETNS_DIR + opts.namespace;
  try {
    ports.enter(path);
  } catch (error) {
    log.info(namespaceFailure(path, error));
    log.error(`Unable to set network namespace ${opts.namespace} - exiting`);
    // ours, not keepalived's: our unit's sandbox refuses setns until its drop-in allows it
    if (opts.underSystemd && codeOf(error) === 'EPERM') log.error(SANDBOX_HINT);
    release();
    return undefined;
  }
  const own = PID_DIR + opts.namespace;
  if (!makeDirectory(own, log, ports)) return { release };
  try {
    ports.mounts.unshare();
  } catch (error) {
    log.info(`mount unshare failed ${describe(error)}`);
    return { release };
  }
  try {
    ports.mounts.makeSlave();
  } catch (error) {
    log.info(`Mount slave failed, error ${describe(error)}`);
  }
  try {
    ports.mounts.bind(own, pidDir);
  } catch (error) {
    log.info(`Mount failed, error ${describe(error)}`);
  }
  mounted = own;
  return { release };
}

/** keepalived leaves a directory something else still uses (ENOTEMPTY, EBUSY) without a word. */
function removeDirectory(dir: string, log: Logger, ports: NamespacePorts): void {
  try {
    ports.rmdir(dir);
  } catch (error) {
    const code = codeOf(error);
    if (code !== 'ENOTEMPTY' && code !== 'EBUSY') log.info(`unlink of ${dir} failed - error ${describe(error)}`);
  }
}
