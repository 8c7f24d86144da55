/**
 * Effective priority and FAULT conditions from what an instance tracks
 * (keepalived vrrp_track.c, track_file.c). keepalived keeps a running total
 * updated by deltas; here the same total is recomputed from the statuses,
 * which gives the same number without drifting when events are replayed.
 */
import { binaryStatus, fileValue, type BinaryTrackKind, type TrackedObject, type TrackStatus } from './track.js';

export const PRIORITY_OWNER = 255;
/** The priority of a stop/FAULT advert: "release the master role now". */
export const PRIORITY_STOP = 0;
/** A track_file status at or below this puts the instance in FAULT. */
export const FILE_FAULT_STATUS = -254;
const FILE_MAX_STATUS = 253;

export type FaultCause =
  | { kind: BinaryTrackKind; name: string }
  | { kind: 'file'; name: string; status: number }
  | { kind: 'no-address' };

export interface TrackingVerdict {
  faults: FaultCause[];
  /** Weight-0 scripts with no result yet: keepalived holds the instance out of BACKUP until they report. */
  awaitingScripts: string[];
  /** Σ of the weight adjustments (before clamping). */
  adjustment: number;
}

/** clamp(base + adjustment, 1, 254); an address owner (255) is never adjusted. */
export function effectivePriority(basePriority: number, adjustment: number): number {
  if (basePriority === PRIORITY_OWNER) return PRIORITY_OWNER;
  return Math.min(PRIORITY_OWNER - 1, Math.max(1, basePriority + adjustment));
}

/**
 * `hasSourceAddress`: the instance has an address to send from (configured,
 * or the interface's primary); without one keepalived keeps it in FAULT.
 */
export function evaluateTracking(
  tracked: readonly TrackedObject[],
  status: TrackStatus,
  hasSourceAddress: boolean,
): TrackingVerdict {
  const verdict: TrackingVerdict = { faults: [], awaitingScripts: [], adjustment: 0 };
  for (const object of tracked) {
    const { kind } = object;
    if (kind === 'file') addFile(verdict, object, fileValue(status, object.name));
    else addBinary(verdict, object, kind, binaryStatus(status, kind, object.name));
  }
  if (!hasSourceAddress) verdict.faults.push({ kind: 'no-address' });
  return verdict;
}

function addBinary(verdict: TrackingVerdict, object: TrackedObject, kind: BinaryTrackKind, up: boolean | undefined): void {
  if (object.weight === 0) {
    if (up === undefined) verdict.awaitingScripts.push(object.name);
    // reverse turns "FAULT while down" into "FAULT while up"
    else if (up === object.reverse) verdict.faults.push({ kind, name: object.name });
    return;
  }
  // a script that has not reported adjusts nothing yet
  if (up === undefined) return;
  const sign = object.reverse ? -1 : 1;
  // a positive weight is earned while up, a negative one paid while down
  if (up && object.weight > 0) verdict.adjustment += object.weight * sign;
  if (!up && object.weight < 0) verdict.adjustment += object.weight * sign;
}

function addFile(verdict: TrackingVerdict, object: TrackedObject, value: number): void {
  const status = fileStatus(object, value);
  if (status <= FILE_FAULT_STATUS) verdict.faults.push({ kind: 'file', name: object.name, status });
  else verdict.adjustment += Math.min(status, FILE_MAX_STATUS);
}

/** Weight 0: any non-zero value (zero, with reverse) is FAULT; otherwise value × weight. */
export function fileStatus(object: TrackedObject, value: number): number {
  const sign = object.reverse ? -1 : 1;
  if (object.weight === 0) return (value !== 0) !== object.reverse ? FILE_FAULT_STATUS : 0;
  return value * object.weight * sign;
}
