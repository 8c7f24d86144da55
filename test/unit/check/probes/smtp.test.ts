/** SMTP_CHECK against scripted local servers: the dialogue keepalived holds, and where it gives up. */
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../lab/fakes/clock.js';
import { smtpProbe } from '../../../../src/check/probes/smtp.js';
import { arrivals, never, refusedPort, serve, settleAtTimeout, target, timed, trickle, unansweredPort } from './servers.js';

/** Answers the greeting, then each received line in turn; records what the client sent. */
async function mail(greeting: string | undefined, answers: readonly string[]): Promise<{ port: number; heard: string[] }> {
  const heard: string[] = [];
  const { port } = await serve((s: net.Socket) => {
    if (greeting !== undefined) s.write(greeting);
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        heard.push(buf.slice(0, nl + 1));
        buf = buf.slice(nl + 1);
        const a = answers[heard.length - 1];
        if (a !== undefined) s.write(a);
      }
    });
  });
  return { port, heard };
}

const smtpCheck = (extra = ''): string => `SMTP_CHECK {\n connect_timeout 0.3\n ${extra}\n}`;
const pair = (port: number): string => `[127.0.0.1]:${port}`;

describe('SMTP_CHECK', () => {
  it('220, HELO, 250, QUIT, any answer: up', async () => {
    const srv = await mail('220 mx.example ESMTP\r\n', ['250 mx.example\r\n', '221 bye\r\n']);
    expect(await smtpProbe(target(smtpCheck('helo_name probe.example'), srv.port), never)).toEqual({
      ok: true,
      message: `Remote SMTP server [127.0.0.1]:tcp:${srv.port} succeed on service.`,
    });
    expect(srv.heard).toEqual(['HELO probe.example\r\n', 'QUIT\r\n']);
  });

  it('a bad greeting fails before HELO; so does a multi-line 220- greeting, as keepalived reads one line', async () => {
    for (const greeting of ['554 go away\r\n', '220-first line\r\n220 second\r\n', 'hello\r\n']) {
      const srv = await mail(greeting, ['250 ok\r\n', '221 bye\r\n']);
      expect(await smtpProbe(target(smtpCheck(), srv.port), never)).toEqual({ ok: false, message: `SMTP_CHECK Bad greeting banner from server ${pair(srv.port)}` });
      expect(srv.heard).toEqual([]);
    }
  });

  it('a HELO refused', async () => {
    const srv = await mail('220 mx\r\n', ['501 no\r\n']);
    expect(await smtpProbe(target(smtpCheck(), srv.port), never)).toEqual({ ok: false, message: `SMTP_CHECK Bad HELO response from server ${pair(srv.port)}` });
  });

  it('names the connect address, not the real server', async () => {
    const srv = await mail('554 no\r\n', []);
    const t = target(`SMTP_CHECK {\n connect_ip 127.0.0.1\n connect_port ${srv.port}\n}`, 25);
    expect((await smtpProbe(t, never)).message).toBe(`SMTP_CHECK Bad greeting banner from server ${pair(srv.port)}`);
  });

  it('connection refused', async () => {
    const port = await refusedPort();
    expect(await smtpProbe(target(smtpCheck(), port), never)).toEqual({ ok: false, message: `SMTP_CHECK Could not connect to server ${pair(port)}` });
  });

  it('no answer to the SYN', async () => {
    const port = await unansweredPort();
    expect(await smtpProbe(target(smtpCheck(), port), never)).toEqual({ ok: false, message: `SMTP_CHECK Connection timeout to server ${pair(port)}` });
  });

  it('accepts and stays silent: Read timeout at connect_timeout; 20 concurrent probes take one timeout', async () => {
    const clock = new FakeClock();
    const connections = arrivals(20);
    const srv = await serve(connections.each);
    // connect_timeout 30 s, which a real timer would outlast
    const slow = target(smtpCheck().replace('connect_timeout 0.3', 'connect_timeout 30'), srv.port);
    const attempts = Array.from({ length: 20 }, () => smtpProbe(slow, never, clock));
    await connections.all;
    // a turn of the loop for the probes' side of the connections
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const r of await settleAtTimeout(clock, 30_000_000, attempts)) expect(r).toEqual({ ok: false, message: `SMTP_CHECK Read timeout from server ${pair(srv.port)}` });
  });

  it('never answers QUIT: Read timeout', async () => {
    const srv = await mail('220 mx\r\n', ['250 ok\r\n']);
    expect((await smtpProbe(target(smtpCheck(), srv.port), never)).message).toBe(`SMTP_CHECK Read timeout from server ${pair(srv.port)}`);
  });

  it('trickles the greeting: a line has one connect_timeout, however busy the server', async () => {
    const { port } = await serve((s) => trickle(s, '220 very slow greeting', 20));
    const { value, ms } = await timed(smtpProbe(target(smtpCheck(), port), never));
    expect(value.message).toBe(`SMTP_CHECK Read timeout from server ${pair(port)}`);
    expect(ms).toBeLessThan(600);
  });

  it('garbage without a newline, 511 bytes at a time, until the timeout', async () => {
    const { port } = await serve((s) => s.write(Buffer.alloc(5000, 0x41)));
    expect((await smtpProbe(target(smtpCheck(), port), never)).message).toBe(`SMTP_CHECK Read timeout from server ${pair(port)}`);
  });

  it('resets (a reset may beat the connect report) or closes after the greeting: Read failure', async () => {
    const reset = await serve((s) => s.resetAndDestroy());
    expect((await smtpProbe(target(smtpCheck(), reset.port), never)).message).toMatch(
      new RegExp(`^SMTP_CHECK (Read failure from|Could not connect to) server \\[127\\.0\\.0\\.1\\]:${reset.port}$`),
    );
    const { port } = await serve((s) => s.end('220 mx\r\n'));
    expect((await smtpProbe(target(smtpCheck(), port), never)).message).toBe(`SMTP_CHECK Read failure from server ${pair(port)}`);
  });

  it('the rest of a read after the first newline is dropped, as keepalived drops it', async () => {
    // The 250 arrives with the greeting, so it is gone by the time HELO is answered; the next line must be the HELO answer.
    const srv = await mail('220 mx\r\n250 early\r\n', ['550 late\r\n', '221 bye\r\n']);
    expect((await smtpProbe(target(smtpCheck(), srv.port), never)).message).toBe(`SMTP_CHECK Bad HELO response from server ${pair(srv.port)}`);
  });
});
