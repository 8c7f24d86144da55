/**
 * Desired table vs the kernel's (dumped) table → the fewest ops that make
 * the kernel's equal to the desired one, adopting whatever already matches.
 * Order: services are created before their destinations; within a kept
 * service new destinations come first and removals last, so a service never
 * runs empty mid-change; unwanted services go last (the kernel drops their
 * destinations with them). Pass as `actual` only the part of the kernel table
 * keepalived-ts owns: every service in it that is not desired is deleted.
 * Duplicate keys: the first occurrence counts.
 */
import type { IpvsOp } from './ops.js';
import {
  destinationId,
  indexBy,
  sameDestinationSettings,
  sameServiceSettings,
  serviceId,
  type Destination,
  type Service,
  type Table,
} from './table.js';

function reconcileDestinations(service: Service, desired: readonly Destination[], actual: readonly Destination[]): IpvsOp[] {
  const want = indexBy(desired, destinationId);
  const have = indexBy(actual, destinationId);
  const adds: IpvsOp[] = [];
  const edits: IpvsOp[] = [];
  for (const [id, dest] of want) {
    const current = have.get(id);
    if (!current) adds.push({ op: 'add-dest', service, dest });
    else if (!sameDestinationSettings(current, dest)) edits.push({ op: 'edit-dest', service, dest });
  }
  const deletes: IpvsOp[] = [...have].filter(([id]) => !want.has(id)).map(([, dest]) => ({ op: 'delete-dest', service, dest }));
  return [...adds, ...edits, ...deletes];
}

export function reconcile(desired: Table, actual: Table): IpvsOp[] {
  const want = indexBy(desired, (e) => serviceId(e.service.key));
  const have = indexBy(actual, (e) => serviceId(e.service.key));
  const ops: IpvsOp[] = [];
  for (const [id, entry] of want) {
    const current = have.get(id);
    if (!current) ops.push({ op: 'add-service', service: entry.service });
    else if (!sameServiceSettings(current.service, entry.service)) ops.push({ op: 'edit-service', service: entry.service });
    ops.push(...reconcileDestinations(entry.service, entry.destinations, current?.destinations ?? []));
  }
  for (const [id, entry] of have) if (!want.has(id)) ops.push({ op: 'delete-service', service: entry.service });
  return ops;
}
