/**
 * SIGHUP: which running instances the new configuration keeps. keepalived
 * (vrrp.c vrrp_exist) matches an instance by what makes it the same
 * virtual router on the wire - VRID, family, configured interface, unicast
 * or not (and for unicast the source address), VMAC use and, for multicast,
 * the group - never by name: a renamed instance keeps its state, and one
 * whose VRID or interface changed is a removed one plus a new one.
 */
import type { InstanceRunSettings } from '../settings/from-config.js';

export interface InstanceMatch {
  /** Running instance (its old name) → its settings in the new configuration. */
  readonly matched: readonly { readonly old: string; readonly next: InstanceRunSettings }[];
  /** Running instances the new configuration no longer has (old names). */
  readonly removed: readonly string[];
  /** Instances of the new configuration that start as at startup. */
  readonly added: readonly InstanceRunSettings[];
}

/** The identity vrrp_exist compares. */
export function instanceIdentity(run: InstanceRunSettings): string {
  const { fsm, transport, vmac } = run;
  const base = `${fsm.family} vrid ${fsm.vrid} dev ${fsm.interface}`;
  if (transport.unicast) return `${base} unicast from ${transport.sourceAddress ?? '(interface address)'}`;
  const vmacFlags = `${vmac === undefined ? '' : ' vmac'}${run.useVmacAddr ? ' vmac_addr' : ''}`;
  return `${base}${vmacFlags} multicast ${transport.multicastDestination ?? ''}`;
}

export function matchInstances(running: readonly InstanceRunSettings[], next: readonly InstanceRunSettings[]): InstanceMatch {
  const waiting = new Map<string, InstanceRunSettings>();
  for (const run of next) if (!waiting.has(instanceIdentity(run))) waiting.set(instanceIdentity(run), run);
  const matched: { old: string; next: InstanceRunSettings }[] = [];
  const removed: string[] = [];
  for (const run of running) {
    const id = instanceIdentity(run);
    const found = waiting.get(id);
    if (found) {
      matched.push({ old: run.fsm.name, next: found });
      waiting.delete(id);
    } else {
      removed.push(run.fsm.name);
    }
  }
  const taken = new Set(matched.map((m) => m.next));
  return { matched, removed, added: next.filter((run) => !taken.has(run)) };
}
