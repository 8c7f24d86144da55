/** The sender: one connection per alert, within smtp_connect_timeout, never waited for, bounded in number. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { newGlobalDraft, type GlobalDefs } from '../../../../src/config/global/model.js';
import { mailerFor, MAX_IN_FLIGHT, type MailSocket } from '../../../../src/notify/mail/mailer.js';
import { FakeClock } from '../../../../lab/fakes/clock.js';

class FakeSocket extends EventEmitter implements MailSocket {
  readonly written: string[] = [];
  destroyed = false;
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

function setup(over: Partial<GlobalDefs> = {}) {
  const global: GlobalDefs = {
    ...newGlobalDraft(),
    routerId: 'lb1',
    notificationEmail: ['ops@example.com'],
    notificationEmailFrom: 'keepalived@lb1',
    smtpServer: { host: '10.99.0.9', address: '10.99.0.9', port: 25 },
    smtpHeloName: 'lb1',
    smtpConnectTimeout: 30,
    ...over,
  };
  const sockets: FakeSocket[] = [];
  const logs: string[] = [];
  const clock = new FakeClock();
  const send = mailerFor(global, {
    log: { info: (m) => void logs.push(m) },
    detail: false,
    clock,
    now: () => new Date(0),
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  return { send, sockets, logs, clock };
}

describe('the alert sender', () => {
  it('sends nothing without recipients or a server', () => {
    for (const over of [{ notificationEmail: [] }, { smtpServer: undefined }]) {
      const { send, sockets } = setup(over);
      send('VRRP Instance VI_1 - Entering MASTER state', 'body');
      expect(sockets).toEqual([]);
    }
  });

  it('carries one alert over its own connection, the subject under the router_id', () => {
    const { send, sockets } = setup();
    send('VRRP Instance VI_1 - Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <=');
    const s = sockets[0]!;
    s.emit('connect');
    for (const reply of ['220 hi\r\n', '250 a\r\n', '250 b\r\n', '250 c\r\n', '354 d\r\n', '250 e\r\n', '221 f\r\n']) s.emit('data', reply);
    expect(s.written[4]).toContain('Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\n');
    expect(s.written[4]).toContain('\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n');
    expect(s.written.at(-1)).toBe('QUIT\r\n');
    expect(s.destroyed).toBe(true);
  });

  it("gives up on a server that does not answer within smtp_connect_timeout, with keepalived's lines", () => {
    const { send, sockets, logs, clock } = setup({ smtpConnectTimeout: 5 });
    send('s', 'b');
    clock.advance(5_000_000);
    expect(logs).toEqual(['Timeout opening connection to remote SMTP server [10.99.0.9]:25.']);
    expect(sockets[0]!.destroyed).toBe(true);

    send('s', 'b');
    const s = sockets[1]!;
    s.emit('connect');
    clock.advance(5_000_000);
    expect(s.written).toEqual(['QUIT\r\n']);
    clock.advance(5_000_000);
    expect(logs.slice(1)).toEqual(['Timeout reading data to remote SMTP server [10.99.0.9]:25.', 'Timeout reading data to remote SMTP server [10.99.0.9]:25.']);
    expect(s.destroyed).toBe(true);
  });

  it('says a refused connection, and keeps at most MAX_IN_FLIGHT alerts under way', () => {
    const { send, sockets, logs } = setup();
    send('s', 'b');
    sockets[0]!.emit('error', new Error('ECONNREFUSED'));
    expect(logs).toEqual(['SMTP connection ERROR to [10.99.0.9]:25.']);
    for (let i = 0; i < MAX_IN_FLIGHT + 3; i++) send('s', 'b');
    expect(sockets).toHaveLength(1 + MAX_IN_FLIGHT);
    expect(logs.slice(1)).toEqual(Array(3).fill(`SMTP alert not sent: ${MAX_IN_FLIGHT} alerts to [10.99.0.9]:25 still under way`));
  });
});
