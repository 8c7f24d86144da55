/** keepalived's vrrp_smtp_notifier and vrrp_sync_smtp_notifier: which notifications become mail, with what text. */
import { describe, expect, it } from 'vitest';
import { StateMails } from '../../../src/vrrp/runner/state-mails.js';

function mails() {
  const sent: string[] = [];
  return { sent, m: new StateMails((subject, body) => sent.push(`${subject} | ${body}`)) };
}

describe('state mails', () => {
  it("an instance's states, each mailed once in a row, with keepalived's subjects and bodies", () => {
    const { sent, m } = mails();
    for (const state of ['BACKUP', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const) m.notified({ instance: 'VI_1' }, state, true, false);
    expect(sent).toEqual([
      'VRRP Instance VI_1 - Entering BACKUP state | => VRRP Instance is no longer owning VRRP VIPs <=',
      'VRRP Instance VI_1 - Entering MASTER state | => VRRP Instance is now owning VRRP VIPs <=',
      'VRRP Instance VI_1 - Entering FAULT state | => VRRP Instance is no longer owning VRRP VIPs <=',
      'VRRP Instance VI_1 - Stopping | => VRRP Instance stopping <=',
    ]);
  });

  it('a group has its own texts and no Deleted mail', () => {
    const { sent, m } = mails();
    m.notified({ group: 'VG_1' }, 'MASTER', true, false);
    m.notified({ group: 'VG_1' }, 'DELETED', true, false);
    m.notified({ instance: 'VI_1' }, 'DELETED', true, false);
    expect(sent).toEqual([
      'VRRP Group VG_1 - Entering MASTER state | => All VRRP group instances are now in MASTER state <=',
      'VRRP Instance VI_1 - Deleted | => VRRP Deleted at reload <=',
    ]);
  });

  it('nothing without smtp_alert, no FAULT under no_email_faults (and the state last mailed stays)', () => {
    const { sent, m } = mails();
    m.notified({ instance: 'VI_1' }, 'MASTER', false, false);
    m.notified({ instance: 'VI_1' }, 'BACKUP', true, true);
    m.notified({ instance: 'VI_1' }, 'FAULT', true, true);
    m.notified({ instance: 'VI_1' }, 'BACKUP', true, true);
    expect(sent).toEqual(['VRRP Instance VI_1 - Entering BACKUP state | => VRRP Instance is no longer owning VRRP VIPs <=']);
  });

  it('after a reload the same state is mailed again, as keepalived whose instances are new', () => {
    const { sent, m } = mails();
    m.notified({ instance: 'VI_1' }, 'BACKUP', true, false);
    m.forget();
    m.notified({ instance: 'VI_1' }, 'BACKUP', true, false);
    expect(sent).toHaveLength(2);
  });
});
