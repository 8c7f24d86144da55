/**
 * What an instance tracks, as keepalived 2.2.7 ends up with it once the
 * configuration is complete (vrrp.c vrrp_complete_instance and
 * sync_group_tracking_init): the instance's own track_* entries (already
 * filtered by the config validation for sync groups and address owners),
 * the interfaces its addresses, routes and rules live on (weight 0), and its
 * sync group's track_* entries, merged the way keepalived's add_vrrp_to_*
 * functions merge a second entry for the same object.
 */
import type { VrrpInstance, VrrpSyncGroup } from '../../config/vrrp/index.js';
import type { BinaryTrackKind, TrackedObject } from '../fsm/track.js';

/** keepalived's VRRP_NOT_TRACK_IF: the primary interface under dont_track_primary. */
const NOT_TRACKED = Symbol('not tracked');

interface Entry {
  name: string;
  weight: number | typeof NOT_TRACKED;
  reverse: boolean;
}

type Kind = BinaryTrackKind | 'file';

/** The interfaces an instance's addresses go on (VIPs/eVIPs), untracked ones (`no_track`) left out. */
export interface AddressInterface {
  device: string;
  noTrack: boolean;
}

/**
 * `primaryDevice` is the instance's interface (the one the FSM tracks itself
 * unless dont_track_primary); `vmacDevice` its VMAC when it has one;
 * `staticDevices` the interfaces of the static entries of the track groups
 * naming it.
 */
export function trackedObjects(
  v: VrrpInstance,
  group: VrrpSyncGroup | undefined,
  addressInterfaces: readonly AddressInterface[],
  primaryDevice: string,
  vmacDevice: string | undefined,
  staticDevices: readonly string[] = [],
): TrackedObject[] {
  const dontTrack = v.dontTrackPrimary;
  const primaryWeight = dontTrack ? NOT_TRACKED : 0;

  // interfaces, in the order vrrp_complete_instance adds them to each interface's tracking list
  const interfaces: Entry[] = [];
  for (const t of v.trackInterfaces) addInterface(interfaces, t.name, t.weight, t.reverse);
  addInterface(interfaces, primaryDevice, primaryWeight, false);
  if (vmacDevice !== undefined) addInterface(interfaces, vmacDevice, primaryWeight, false);
  for (const a of addressInterfaces) {
    if (a.noTrack) continue;
    // under dont_track_primary the instance's own interface(s) are not tracked because of its addresses
    if (dontTrack && (a.device === primaryDevice || a.device === vmacDevice)) continue;
    addInterface(interfaces, a.device, 0, false);
  }
  for (const r of v.vroutes) if (!r.noTrack && r.dev !== undefined) addInterface(interfaces, r.dev, 0, false);
  for (const r of v.vrules) {
    if (r.noTrack) continue;
    if (r.iif !== undefined) addInterface(interfaces, r.iif, 0, false);
    if (r.oif !== undefined) addInterface(interfaces, r.oif, 0, false);
  }
  // static_track_group_init, once every instance is complete: the interfaces of its track groups' static entries
  for (const d of staticDevices) addInterface(interfaces, d, 0, false);

  const own = (list: VrrpInstance['trackScripts']): Entry[] => list.map((t) => ({ name: t.name, weight: t.weight, reverse: t.reverse }));
  const scripts = own(v.trackScripts);
  const files = own(v.trackFiles);
  const processes = own(v.trackProcesses);
  const bfds = own(v.trackBfds);

  if (group) {
    for (const t of group.trackScripts) mergeObject(scripts, t, true);
    for (const t of group.trackFiles) mergeObject(files, t, true);
    // add_vrrp_to_track_process takes the group's weight but keeps the instance's reverse
    for (const t of group.trackProcesses) mergeObject(processes, t, false);
    for (const t of group.trackBfds) mergeObject(bfds, t, true);
    for (const t of group.trackInterfaces) addInterface(interfaces, t.name, t.weight, t.reverse);
  }

  const out: TrackedObject[] = [];
  const emit = (kind: Kind, entries: Entry[]): void => {
    for (const e of entries) {
      if (e.weight === NOT_TRACKED) continue;
      // the FSM tracks the primary interface itself (weight 0) unless dont_track_primary
      if (kind === 'interface' && !dontTrack && e.name === primaryDevice) continue;
      out.push({ kind, name: e.name, weight: e.weight, reverse: e.reverse });
    }
  };
  // keepalived initialises interfaces, then files, processes, scripts and BFD (initialise_tracking_priorities)
  emit('interface', interfaces);
  emit('file', files);
  emit('process', processes);
  emit('script', scripts);
  emit('bfd', bfds);
  return out;
}

/**
 * add_vrrp_to_interface: a second entry for an interface already tracked
 * replaces the weight (and reverse) unless the existing one is unweighted —
 * so a weighted track_interface on a VIP's interface ends up weight 0, and
 * a dont_track_primary interface named again becomes tracked.
 */
function addInterface(list: Entry[], name: string, weight: number | typeof NOT_TRACKED, reverse: boolean): void {
  const existing = list.find((e) => e.name === name);
  if (!existing) {
    list.push({ name, weight, reverse });
    return;
  }
  if (existing.weight !== 0 && weight !== NOT_TRACKED) {
    existing.weight = weight;
    existing.reverse = reverse;
  }
}

/** add_vrrp_to_track_script / _file / _bfd / _process: the sync group's weight wins unless the instance's is 0. */
function mergeObject(list: Entry[], t: { name: string; weight: number; reverse: boolean }, takeReverse: boolean): void {
  const existing = list.find((e) => e.name === t.name);
  if (!existing) {
    list.push({ name: t.name, weight: t.weight, reverse: t.reverse });
    return;
  }
  if (existing.weight !== 0) {
    existing.weight = t.weight;
    if (takeReverse) existing.reverse = t.reverse;
  }
}
