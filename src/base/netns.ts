/**
 * Network and mount namespaces, through native/src/netns.c: the system calls of keepalived's
 * core/namespaces.c (set_namespaces, set_run_mount, unmount_run, socket_netns_name).
 * Each changes Node's main thread only (setns(2) and unshare(2) act per thread): the sockets the daemon
 * opens from JS and the processes it forks follow it; libuv's thread pool (DNS lookups, async file I/O)
 * does not, so nothing that must happen in the namespace may go through that pool.
 * Failures throw Errors with `code`, `errno` and `syscall`, as Node's.
 */
import { loadAddon } from './native.js';

interface NetnsAddon {
  netnsEnter(path: string): void;
  netnsSave(): number;
  netnsRestore(fd: number): void;
  netnsUnshareMounts(): void;
  netnsMountSlave(): void;
  netnsBind(source: string, target: string): void;
  netnsUnmount(target: string): void;
}

const addon = (): NetnsAddon => loadAddon<NetnsAddon>();

/** Enters the network namespace at `path` (`syscall` 'open': no such namespace; 'setns': not entered). */
export function enterNetworkNamespace(path: string): void {
  addon().netnsEnter(path);
}

/**
 * Runs `open` (which must open its socket synchronously, on this thread) in the network namespace at
 * `path`, then comes back: keepalived's socket_netns_name, for net_namespace_ipvs.
 */
export function inNetworkNamespace<T>(path: string, open: () => T): T {
  const native = addon();
  const home = native.netnsSave();
  try {
    native.netnsEnter(path);
  } catch (error) {
    native.netnsRestore(home);
    throw error;
  }
  try {
    return open();
  } finally {
    native.netnsRestore(home);
  }
}

/** A mount namespace of our own, whose mounts no longer propagate back (unshare, then every mount a slave). */
export const mountNamespace = {
  unshare: (): void => addon().netnsUnshareMounts(),
  makeSlave: (): void => addon().netnsMountSlave(),
  bind: (source: string, target: string): void => addon().netnsBind(source, target),
  unmount: (target: string): void => addon().netnsUnmount(target),
};
