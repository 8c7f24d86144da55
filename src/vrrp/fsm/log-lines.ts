/**
 * keepalived 2.2.7's exact VRRP log lines, so that existing greps and alerts
 * keep matching. Each takes the instance name and returns the whole line.
 */
import type { Family } from '../../base/inet.js';
import type { FaultCause } from './priority.js';
import { TIMER_HZ } from './timers.js';

const ms = (us: number): number => Math.floor(us / 1000);

export const vrrpLog = {
  enteringBackupInit: (n: string) => `(${n}) Entering BACKUP STATE (init)`,
  enteringFaultInit: (n: string) => `(${n}) Entering FAULT STATE (init)`,
  enteringMaster: (n: string) => `(${n}) Entering MASTER STATE`,
  enteringBackup: (n: string) => `(${n}) Entering BACKUP STATE`,
  enteringFault: (n: string) => `(${n}) Entering FAULT STATE`,
  /** At startup, once the causes are logged (vrrp_complete_init). */
  startupFault: (n: string) => `(${n}) entering FAULT state`,
  receiveTimeout: (n: string) => `(${n}) Receive advertisement timeout`,
  backupPriorityZero: (n: string) => `(${n}) Backup received priority 0 advertisement`,
  masterPriorityZero: (n: string) => `(${n}) Master received priority 0 message`,
  lowerPriorityDiscarded: (n: string, priority: number, src: string) =>
    `(${n}) received lower priority (${priority}) advert from ${src} - discarding`,
  lowerPriorityAsMaster: (n: string, src: string, priority: number, ours: number, forcingElection: boolean) =>
    `(${n}) Received advert from ${src} with lower priority ${priority}, ours ${ours}${forcingElection ? ', forcing new election' : ''}`,
  higherPriorityAsMaster: (n: string, src: string, priority: number, ours: number) =>
    `(${n}) Master received advert from ${src} with higher priority ${priority}, ours ${ours}`,
  higherAddressAsMaster: (n: string, src: string, priority: number) =>
    `(${n}) Master received advert from ${src} with same priority ${priority} but higher IP address than ours`,
  ownAddressEqualPriority: (n: string) =>
    `(${n}) WARNING - equal priority advert received from remote host with our IP address.`,
  dualOwner: (n: string) =>
    `(${n}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`,
  priorityChange: (n: string, from: number, to: number) => `(${n}) Changing effective priority from ${from} to ${to}`,
  sentPriorityZero: (n: string) => `(${n}) sent 0 priority`,
  startPreemptDelay: (n: string, delayUs: number) =>
    `(${n}) start preempt delay (${Math.floor(delayUs / TIMER_HZ)}.${String(delayUs % TIMER_HZ).padStart(6, '0')})`,
  stopPreemptDelay: (n: string) => `(${n}) stop preempt delay`,
  adverIntFromMaster: (n: string, fromUs: number, toUs: number) =>
    `(${n}) advertisement interval updated from ${ms(fromUs)}ms to ${ms(toUs)}ms by master`,
  adverIntToLocal: (n: string, fromUs: number, toUs: number) =>
    `(${n}) changing advert interval from ${ms(fromUs)}ms to locally configured ${ms(toUs)}ms`,
  syncGroup: (group: string, state: string) => `VRRP_Group(${group}) Syncing instances to ${state} state`,
  startupFaultCause,
};

/** Why an instance starts in FAULT (vrrp_track.c initialise_*), one line per cause. */
function startupFaultCause(n: string, cause: FaultCause, family: Family): string | undefined {
  switch (cause.kind) {
    case 'interface':
      return `(${n}): entering FAULT state (interface ${cause.name} down)`;
    case 'script':
      return `(${n}): entering FAULT state due to script ${cause.name}`;
    case 'file':
      return `(${n}): entering FAULT state (tracked file ${cause.name} has status ${cause.status})`;
    case 'process':
      return `(${n}) entering FAULT state (tracked process ${cause.name} quorum not achieved)`;
    case 'no-address':
      return `(${n}) entering FAULT state (no IPv${family === 'inet' ? 4 : 6} address for interface)`;
    case 'bfd':
      // keepalived says nothing for a BFD session down at startup
      return undefined;
  }
}
