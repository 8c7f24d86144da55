/**
 * What an instance tracks and the latest status of each tracked object, as
 * plain data. The daemon's watchers (netlink, script runner, file watcher)
 * turn what they see into TrackChange events; the reducer folds them in here.
 */

/** Objects with an up/down outcome: an interface's link, a script's OK/KO, a process quorum, a BFD session. */
export type BinaryTrackKind = 'interface' | 'script' | 'process' | 'bfd';

/** One entry of track_interface / track_script / track_file / track_process / track_bfd (instance or sync group). */
export interface TrackedObject {
  kind: BinaryTrackKind | 'file';
  name: string;
  /** −253..253 (files ±254); 0 means "FAULT when failed" instead of a priority adjustment. */
  weight: number;
  /** `reverse`: the adjustment (or the FAULT condition) applies in the opposite state. */
  reverse: boolean;
}

export interface TrackStatus {
  /** Link up? A name not listed is taken as down, as keepalived takes a missing interface. */
  interfaces: Readonly<Record<string, boolean>>;
  /** Script OK? A name not listed has not reported yet (keepalived's init state). */
  scripts: Readonly<Record<string, boolean>>;
  /** The number last read from the file; a name not listed reads as 0 (keepalived reads a missing file as 0). */
  files: Readonly<Record<string, number>>;
  /** Process quorum reached? Not listed = no quorum. */
  processes: Readonly<Record<string, boolean>>;
  /** BFD session up? Not listed = down. */
  bfds: Readonly<Record<string, boolean>>;
  /** The interface's primary address of the instance's family, when it has one (the default advert source). */
  interfaceAddress?: string;
}

export const EMPTY_TRACK_STATUS: TrackStatus = { interfaces: {}, scripts: {}, files: {}, processes: {}, bfds: {} };

export type TrackChange =
  | { kind: 'interface'; name: string; up: boolean }
  | { kind: 'script'; name: string; ok: boolean }
  | { kind: 'file'; name: string; value: number }
  | { kind: 'process'; name: string; quorum: boolean }
  | { kind: 'bfd'; name: string; up: boolean }
  | { kind: 'interface-address'; address: string | undefined };

export function applyTrackChange(status: TrackStatus, change: TrackChange): TrackStatus {
  switch (change.kind) {
    case 'interface':
      return { ...status, interfaces: { ...status.interfaces, [change.name]: change.up } };
    case 'script':
      return { ...status, scripts: { ...status.scripts, [change.name]: change.ok } };
    case 'file':
      return { ...status, files: { ...status.files, [change.name]: change.value } };
    case 'process':
      return { ...status, processes: { ...status.processes, [change.name]: change.quorum } };
    case 'bfd':
      return { ...status, bfds: { ...status.bfds, [change.name]: change.up } };
    case 'interface-address': {
      const { interfaceAddress: _previous, ...rest } = status;
      return change.address === undefined ? rest : { ...rest, interfaceAddress: change.address };
    }
  }
}

/** Up/OK/quorum for a binary object; undefined only for a script that has not reported yet. */
export function binaryStatus(status: TrackStatus, kind: BinaryTrackKind, name: string): boolean | undefined {
  switch (kind) {
    case 'interface':
      return status.interfaces[name] ?? false;
    case 'script':
      return status.scripts[name];
    case 'process':
      return status.processes[name] ?? false;
    case 'bfd':
      return status.bfds[name] ?? false;
  }
}

export function fileValue(status: TrackStatus, name: string): number {
  return status.files[name] ?? 0;
}
