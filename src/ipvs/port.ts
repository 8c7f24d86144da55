/**
 * The IPVS port: what the daemon asks of the kernel's IPVS table. The real
 * implementation speaks generic netlink (netlink-port.ts); the fake runs the
 * same port logic against an in-memory kernel (lab/fakes/ipvs.ts).
 */
import type { DaemonKey, SyncDaemon } from './genl-sync-daemon.js';
import type { IpvsOp, OpErrno } from './ops.js';
import type { Service, Table } from './table.js';

/** Something the kernel refused or never answered, with what was being done. */
export interface PortFailure {
  /** `add-dest [10.99.1.11]:80 to VS [10.99.1.100]:tcp:80`, `dump services`, `flush`, … */
  readonly action: string;
  /** The op, when the failure is one of `apply`'s. */
  readonly op?: IpvsOp;
  /** The kernel's errno name (`EINVAL`); absent when the transport failed (timeout, bad reply). */
  readonly errno?: string;
  readonly message: string;
}

export interface ApplyReport {
  /** Ops the kernel acknowledged. */
  readonly done: readonly IpvsOp[];
  /** Ops refused because their goal already held (EEXIST on add, ENOENT/ESRCH on delete): success, as keepalived counts them. */
  readonly tolerated: readonly { readonly op: IpvsOp; readonly errno: OpErrno }[];
  readonly failures: readonly PortFailure[];
}

export type DumpReport =
  | {
      readonly ok: true;
      readonly table: Table;
      /** Replies that did not decode; what they described is missing from `table`. */
      readonly malformed: readonly string[];
    }
  | { readonly ok: false; readonly failure: PortFailure };

export interface IpvsPort {
  /** Every service in the kernel with its destinations (owned or not: the caller filters). */
  dump(): Promise<DumpReport>;
  /** Sends the ops in order, one acknowledged request each; a failure does not stop the rest. */
  apply(ops: readonly IpvsOp[]): Promise<ApplyReport>;
  /** Removes every service in the kernel, owned or not (keepalived's lvs_flush). */
  flush(): Promise<PortFailure | undefined>;
  /** IPVS_CMD_NEW_DAEMON: starts the connection-sync thread of that state (EEXIST when it runs already). */
  startDaemon(daemon: SyncDaemon): Promise<PortFailure | undefined>;
  /** IPVS_CMD_DEL_DAEMON: stops it (ESRCH when none runs). */
  stopDaemon(daemon: DaemonKey): Promise<PortFailure | undefined>;
  close(): void;
}

/** Removes the given (owned) services; the kernel drops their destinations with them. */
export function deleteServices(port: IpvsPort, services: readonly Service[]): Promise<ApplyReport> {
  return port.apply(services.map((service) => ({ op: 'delete-service', service })));
}
