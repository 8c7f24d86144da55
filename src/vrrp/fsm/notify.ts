/**
 * Notifications of a state change, in keepalived's order: the specific
 * notify_* script (only its configured argv), then the generic `notify`
 * with `INSTANCE|GROUP name STATE priority` appended, then the FIFO line,
 * and last the e-mail.
 */
import type { NotifyScripts, ScriptArgv } from './settings.js';
import type { FsmAction, NotifiedState } from './types.js';

export type { NotifiedState };
/** FIFO-only events (vrrp_notify.c send_event_notify / priority notifies). */
export type FifoEvent = NotifiedState | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

/** keepalived waits for STOP scripts during shutdown, killing them after 1 s. */
export const STOP_SCRIPT_TIMEOUT_US = 1_000_000;

const SPECIFIC: Record<NotifiedState, keyof NotifyScripts> = {
  MASTER: 'master',
  BACKUP: 'backup',
  FAULT: 'fault',
  STOP: 'stop',
  DELETED: 'deleted',
};

export function fifoLine(subject: 'INSTANCE' | 'GROUP', name: string, event: FifoEvent, priority: number): string {
  return `${subject} "${name}" ${event} ${priority}\n`;
}

/** `priority` is the instance's effective priority, and 0 for a group. */
export function stateNotifies(
  subject: 'INSTANCE' | 'GROUP',
  name: string,
  scripts: NotifyScripts,
  state: NotifiedState,
  priority: number,
): FsmAction[] {
  const actions: FsmAction[] = [];
  const run = (argv: ScriptArgv, waited: boolean): FsmAction =>
    waited ? { kind: 'notify', argv, killAfterUs: STOP_SCRIPT_TIMEOUT_US } : { kind: 'notify', argv };
  const stopping = state === 'STOP';
  const specific = scripts[SPECIFIC[state]];
  // a group's own notify_stop is started like any other script; only the instance's is waited for
  if (specific) actions.push(run(specific, stopping && subject === 'INSTANCE'));
  if (scripts.generic) actions.push(run([...scripts.generic, subject, name, state, String(priority)], stopping));
  actions.push({ kind: 'fifo', line: fifoLine(subject, name, state, priority) }, { kind: 'mail', state });
  return actions;
}
