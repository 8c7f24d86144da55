/**
 * Changes to the IPVS table: what each one is, the genl request that carries
 * it, and what it does to a table (`apply`, the kernel's semantics, used by
 * tests and by the fake kernel).
 */
import type { IpvsRequest } from './genl.js';
import { destinationId, serviceId, type Destination, type Service, type Table, type TableEntry } from './table.js';

export type IpvsOp =
  | { readonly op: 'add-service' | 'edit-service' | 'delete-service'; readonly service: Service }
  | { readonly op: 'add-dest' | 'edit-dest' | 'delete-dest'; readonly service: Service; readonly dest: Destination };

export function opToRequest(op: IpvsOp): IpvsRequest {
  switch (op.op) {
    case 'add-service':
      return { cmd: 'NEW_SERVICE', service: op.service };
    case 'edit-service':
      return { cmd: 'SET_SERVICE', service: op.service };
    case 'delete-service':
      return { cmd: 'DEL_SERVICE', service: op.service };
    case 'add-dest':
      return { cmd: 'NEW_DEST', service: op.service, dest: op.dest };
    case 'edit-dest':
      return { cmd: 'SET_DEST', service: op.service, dest: op.dest };
    case 'delete-dest':
      return { cmd: 'DEL_DEST', service: op.service, dest: op.dest };
  }
}

/** The errno the kernel answers a refused op with. */
export type OpErrno = 'EEXIST' | 'ESRCH' | 'ENOENT';

export interface Applied {
  readonly table: Table;
  readonly refused: readonly { readonly op: IpvsOp; readonly errno: OpErrno }[];
}

function applyDestOp(entry: TableEntry, op: Extract<IpvsOp, { dest: Destination }>): TableEntry | OpErrno {
  const id = destinationId(op.dest);
  const at = entry.destinations.findIndex((d) => destinationId(d) === id);
  const destinations = [...entry.destinations];
  if (op.op === 'add-dest') {
    if (at >= 0) return 'EEXIST';
    destinations.push(op.dest);
  } else {
    if (at < 0) return 'ENOENT';
    if (op.op === 'edit-dest') destinations[at] = op.dest;
    else destinations.splice(at, 1);
  }
  return { service: entry.service, destinations };
}

/** One op as the kernel performs it; an errno when the kernel would refuse it. */
function applyOne(table: Table, op: IpvsOp): Table | OpErrno {
  const id = serviceId(op.service.key);
  const at = table.findIndex((e) => serviceId(e.service.key) === id);
  if (op.op === 'add-service') return at >= 0 ? 'EEXIST' : [...table, { service: op.service, destinations: [] }];
  if (at < 0) return 'ESRCH';
  // Deleting a service takes its destinations with it.
  if (op.op === 'delete-service') return table.filter((_, i) => i !== at);
  const entry = table[at]!;
  const next = 'dest' in op ? applyDestOp(entry, op) : { service: op.service, destinations: entry.destinations };
  return typeof next === 'string' ? next : table.map((e, i) => (i === at ? next : e));
}

export function apply(table: Table, ops: readonly IpvsOp[]): Applied {
  const refused: { op: IpvsOp; errno: OpErrno }[] = [];
  let current = table;
  for (const op of ops) {
    const result = applyOne(current, op);
    if (typeof result === 'string') refused.push({ op, errno: result });
    else current = result;
  }
  return { table: current, refused };
}
