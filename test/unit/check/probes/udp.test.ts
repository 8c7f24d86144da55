/** UDP_CHECK against local UDP servers: an echo server, a fixed responder, a silent one and a closed port. */
import * as dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { udpProbe } from '../../../../src/check/probes/udp.js';
import { checkTarget } from '../check-target.js';

const never = new AbortController().signal;

/** A server on 127.0.0.1 answering each datagram with `answer(datagram)` (nothing: silence); records what came. */
async function udpServer(answer: (datagram: Buffer) => Buffer | undefined): Promise<{ port: number; received: Buffer[] }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (datagram, from) => {
    received.push(datagram);
    const out = answer(datagram);
    if (out) socket.send(out, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  afterAll(() => socket.close());
  return { port: socket.address().port, received };
}

async function closedPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const check = (port: number, extra = '') =>
  checkTarget(`UDP_CHECK {\n connect_port ${port}\n connect_timeout 0.3\n ${extra}\n}`, { rs: '127.0.0.1 53', vs: '10.0.0.1 53', protocol: 'UDP' });

const name = '[127.0.0.1]:udp:53';
const failed = { ok: false, message: `UDP connection to ${name} failed.` };
const mismatch = { ok: false, message: `UDP check to ${name} reply data mismatch.` };

describe('UDP_CHECK', async () => {
  const echo = await udpServer((d) => d);
  const silent = await udpServer(() => undefined);

  it('sends keepalived`s 32-byte filler without a payload, the payload otherwise', async () => {
    await udpProbe(check(echo.port), never);
    expect(echo.received.at(-1)!.toString()).toBe('keepalived check - keepalived ch');
    await udpProbe(check(echo.port, 'payload 68 65 6c6c6f'), never);
    expect(echo.received.at(-1)!.toString()).toBe('hello');
  });

  it('with require_reply, any reply passes when no reply data is configured, whatever its length', async () => {
    expect(await udpProbe(check(echo.port, 'require_reply\n max_reply_length 2'), never)).toEqual({ ok: true });
  });

  it('compares the reply with the data, under the x wildcards', async () => {
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 68656c6c6f'), never)).toEqual({ ok: true });
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 68656c6c'), never)).toEqual({ ok: true });
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 6x6x6x6x6x'), never)).toEqual({ ok: true });
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 68656c6c70'), never)).toEqual(mismatch);
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 7x'), never)).toEqual(mismatch);
  });

  it('checks the reply length against min_reply_length and max_reply_length', async () => {
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 68\n min_reply_length 6'), never)).toEqual(mismatch);
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 68\n max_reply_length 4'), never)).toEqual(mismatch);
    expect(await udpProbe(check(echo.port, 'payload 68656c6c6f\n require_reply 68\n min_reply_length 5\n max_reply_length 5'), never)).toEqual({ ok: true });
  });

  it('with require_reply, silence until connect_timeout fails', async () => {
    const started = Date.now();
    expect(await udpProbe(check(silent.port, 'require_reply'), never)).toEqual(failed);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('without require_reply, silence until connect_timeout passes', async () => {
    const started = Date.now();
    expect(await udpProbe(check(silent.port), never)).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('an ICMP port unreachable fails at once, with or without require_reply', async () => {
    const port = await closedPort();
    for (const extra of ['', 'require_reply']) {
      const started = Date.now();
      expect(await udpProbe(check(port, extra), never)).toEqual(failed);
      expect(Date.now() - started).toBeLessThan(250);
    }
  });

  it('a socket that cannot be bound fails without a message, as keepalived', async () => {
    expect(await udpProbe(check(echo.port, 'bindto 192.0.2.254'), never)).toEqual({ ok: false });
  });
});
