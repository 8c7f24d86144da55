/** keepalived's SMTP client conversation (core/smtp.c), step by step against a scripted server. */
import { describe, expect, it } from 'vitest';
import { SmtpSession, type SmtpConversation } from '../../../../src/notify/mail/smtp-session.js';

const conversation = (o: Partial<SmtpConversation> = {}): SmtpConversation => ({
  server: '[10.99.0.9]:25',
  helo: 'director1',
  from: 'keepalived@director1',
  recipients: ['ops@example.com', 'noc@example.com'],
  data: () => 'DATA-TEXT\r\n.\r\n',
  detail: false,
  ...o,
});

/** Answers each command with `replies[command]` (default: the expected code) and returns what the client sent. */
function talk(session: SmtpSession, replies: Record<string, string> = {}): { sent: string[]; logs: string[]; done: boolean } {
  const sent: string[] = [];
  const logs: string[] = [...session.connected().logs];
  let step = session.receive(replies.greeting ?? '220 mail ESMTP\r\n');
  for (let i = 0; i < 20; i++) {
    logs.push(...step.logs);
    if (step.done || step.send === undefined) return { sent, logs, done: step.done };
    sent.push(step.send);
    const verb = step.send.startsWith('DATA-TEXT') ? 'BODY' : step.send.split(/[ :\r]/)[0]!;
    const normal: Record<string, string> = { HELO: '250 hi\r\n', MAIL: '250 ok\r\n', RCPT: '250 ok\r\n', DATA: '354 go on\r\n', BODY: '250 queued\r\n', QUIT: '221 bye\r\n' };
    step = session.receive(replies[verb] ?? normal[verb]!);
  }
  throw new Error('no end');
}

describe("keepalived's SMTP conversation", () => {
  it('HELO, MAIL FROM, one RCPT TO per recipient, DATA, the message, QUIT', () => {
    const { sent, logs, done } = talk(new SmtpSession(conversation()));
    expect(sent).toEqual([
      'HELO director1\r\n',
      'MAIL FROM:<keepalived@director1>\r\n',
      'RCPT TO:<ops@example.com>\r\n',
      'RCPT TO:<noc@example.com>\r\n',
      'DATA\r\n',
      'DATA-TEXT\r\n.\r\n',
      'QUIT\r\n',
    ]);
    expect(logs).toEqual([]);
    expect(done).toBe(true);
  });

  it('logs the connection and the sending only with -D', () => {
    expect(talk(new SmtpSession(conversation({ detail: true }))).logs).toEqual(['Remote SMTP server [10.99.0.9]:25 connected.', 'SMTP alert successfully sent.']);
  });

  it('reads the last line of a multi-line reply, and waits for a line to be complete', () => {
    const session = new SmtpSession(conversation({ recipients: ['a@b'] }));
    session.connected();
    expect(session.receive('220-first line\r\n220-')).toEqual({ logs: [], done: false });
    expect(session.receive('second\r\n220 la')).toEqual({ logs: [], done: false });
    expect(session.receive('st\r\n').send).toBe('HELO director1\r\n');
  });

  it('a wrong code is logged with its command and the conversation goes to QUIT; one QUIT only', () => {
    const { sent, logs, done } = talk(new SmtpSession(conversation()), { RCPT: '550 no such user\r\n', QUIT: '500 what\r\n' });
    expect(sent).toEqual(['HELO director1\r\n', 'MAIL FROM:<keepalived@director1>\r\n', 'RCPT TO:<ops@example.com>\r\n', 'QUIT\r\n']);
    expect(logs).toEqual([
      'Error processing RCPT cmd on SMTP server [10.99.0.9]:25. SMTP status code = 550',
      'Error processing QUIT cmd on SMTP server [10.99.0.9]:25. SMTP status code = 500',
    ]);
    expect(done).toBe(true);
  });

  it('a greeting other than 220 is the (E)SMTP error', () => {
    const { logs } = talk(new SmtpSession(conversation()), { greeting: '554 go away\r\n' });
    expect(logs[0]).toBe('Error processing (E)SMTP cmd on SMTP server [10.99.0.9]:25. SMTP status code = 554');
  });

  it('a reply that does not fit 1 KiB ends with QUIT, as keepalived', () => {
    const session = new SmtpSession(conversation());
    session.connected();
    expect(session.receive('220-' + 'x'.repeat(1100))).toEqual({
      send: 'QUIT\r\n',
      logs: ['Received buffer from remote SMTP server [10.99.0.9]:25 overflow our get read buffer length.'],
      done: false,
    });
  });

  it('a silent server: QUIT after the first timeout, closed after the second; a closing one is said', () => {
    const session = new SmtpSession(conversation());
    session.connected();
    expect(session.readTimeout()).toEqual({ send: 'QUIT\r\n', logs: ['Timeout reading data to remote SMTP server [10.99.0.9]:25.'], done: false });
    expect(session.readTimeout().done).toBe(true);
    expect(new SmtpSession(conversation()).closedByServer()).toEqual({ logs: ['Remote SMTP server [10.99.0.9]:25 has closed the connection.'], done: true });
  });
});
