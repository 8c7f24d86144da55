/**
 * The FIFO a notify_fifo, vrrp_notify_fifo or lvs_notify_fifo keyword makes a keepalived process open
 * (vrrp_complete_init, check_notify_fifo): its path, owner, and the script it starts with the FIFO name
 * appended to the script's arguments. Both child processes build theirs with this.
 */
import type { NotifyFifo, ScriptIdentity } from './model.js';

export interface OpenedFifo<Which extends string> {
  readonly which: Which;
  readonly path: string;
  readonly owner?: ScriptIdentity;
  /** The FIFO script's argv with the FIFO name appended, as keepalived starts it. */
  readonly script?: { readonly argv: readonly string[]; readonly uid: number; readonly gid: number };
}

/** The FIFOs among `fifos` that are configured (have a name), in the order given. */
export function openedFifos<Which extends string>(fifos: readonly (readonly [Which, NotifyFifo])[]): OpenedFifo<Which>[] {
  return fifos.flatMap(([which, fifo]) => {
    const path = fifo.name;
    if (path === undefined) return [];
    return [
      {
        which,
        path,
        ...(fifo.owner === undefined ? {} : { owner: fifo.owner }),
        ...(fifo.script === undefined ? {} : { script: { argv: [...fifo.script.argv, path], uid: fifo.script.uid, gid: fifo.script.gid } }),
      },
    ];
  });
}
