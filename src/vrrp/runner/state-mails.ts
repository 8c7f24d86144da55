/**
 * keepalived's vrrp_smtp_notifier and vrrp_sync_smtp_notifier (vrrp_notify.c): which state notifications of an
 * instance or a sync group become an e-mail, and its subject and body. A mail goes when smtp_alert holds for it, the
 * state is not FAULT under no_email_faults, and differs from the last state it mailed; keepalived forgets those at a
 * reload (its instances and groups are new).
 */
import type { NotifiedState } from '../fsm/types.js';

export type MailOwner = { readonly instance: string } | { readonly group: string };

/** A subject without `[router_id] ` and its body: the mailer adds the rest. */
export type MailSender = (subject: string, body: string) => void;

const INSTANCE: Record<NotifiedState, readonly [string, string]> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  STOP: ['Stopping', '=> VRRP Instance stopping <='],
  DELETED: ['Deleted', '=> VRRP Deleted at reload <='],
};

const GROUP: Partial<Record<NotifiedState, readonly [string, string]>> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
  STOP: ['Stopping', '=> All VRRP group instances are now stopping <='],
};

export class StateMails {
  private readonly lastMailed = new Map<string, NotifiedState>();

  constructor(private readonly send: MailSender) {}

  notified(owner: MailOwner, state: NotifiedState, smtpAlert: boolean, noEmailFaults: boolean): void {
    if (!smtpAlert || (noEmailFaults && state === 'FAULT')) return;
    const key = 'instance' in owner ? `instance ${owner.instance}` : `group ${owner.group}`;
    if (this.lastMailed.get(key) === state) return;
    const text = 'instance' in owner ? INSTANCE[state] : GROUP[state];
    if (!text) return;
    this.lastMailed.set(key, state);
    this.send('instance' in owner ? `VRRP Instance ${owner.instance} - ${text[0]}` : `VRRP Group ${owner.group} - ${text[0]}`, text[1]);
  }

  /** A reload: what was mailed before counts no more. */
  forget(): void {
    this.lastMailed.clear();
  }
}
