/** The alert's text: keepalived's subject, To: list, date and DATA block. */
import { afterEach, describe, expect, it } from 'vitest';
import { alertBody, alertSubject, dataText, rfc822Date, toHeader } from '../../../../src/notify/mail/alert-message.js';

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('alert text', () => {
  it("puts the router_id in brackets and cuts subject and body to keepalived's buffers", () => {
    expect(alertSubject('lb1', 'VRRP Instance VI_1 - Entering MASTER state')).toBe('[lb1] VRRP Instance VI_1 - Entering MASTER state');
    expect(alertSubject('', 'x')).toBe('x');
    expect(alertSubject('lb1', 'y'.repeat(400))).toHaveLength(255);
    expect(alertBody('z'.repeat(600))).toHaveLength(511);
  });

  it('lists the recipients comma-separated, as many whole ones as fit 1,023 characters', () => {
    expect(toHeader(['a@b', 'c@d'])).toBe('a@b, c@d');
    const long = 'x'.repeat(600);
    expect(toHeader([long, long, 'e@f'])).toBe(long);
  });

  it("writes the date as strftime's %a, %d %b %Y %H:%M:%S %z in local time", () => {
    process.env.TZ = 'America/St_Johns';
    expect(rfc822Date(new Date(Date.UTC(2026, 0, 5, 3, 4, 5)))).toBe('Sun, 04 Jan 2026 23:34:05 -0330');
    process.env.TZ = 'UTC';
    expect(rfc822Date(new Date(Date.UTC(2026, 11, 7, 20, 1, 2)))).toBe('Mon, 07 Dec 2026 20:01:02 +0000');
  });

  it("has keepalived's headers, the body and the lone dot", () => {
    process.env.TZ = 'UTC';
    const text = dataText({ from: 'k@h', to: 'a@b, c@d', subject: '[lb1] S', body: 'B' }, new Date(Date.UTC(2026, 11, 7, 20, 1, 2)));
    expect(text).toBe('Date: Mon, 07 Dec 2026 20:01:02 +0000\r\nFrom: k@h\r\nSubject: [lb1] S\r\nX-Mailer: Keepalived\r\nTo: a@b, c@d\r\n\r\nB\r\n\r\n.\r\n');
  });
});
