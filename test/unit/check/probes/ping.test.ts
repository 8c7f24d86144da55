/** PING_CHECK: echo requests and replies as bytes, and real pings of the loopback addresses (raw sockets need root). */
import { describe, expect, it } from 'vitest';
import { echoRequest, isEchoReply, pingProbe } from '../../../../src/check/probes/ping.js';
import { checkTarget } from '../check-target.js';

const never = new AbortController().signal;
const root = process.getuid?.() === 0;

/** The one's complement sum over a message, 0xffff when its checksum is right. */
function sum16(bytes: Buffer): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += bytes.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** An IPv4 header of 20 bytes, as a raw IPv4 socket hands it over before the ICMP message. */
const withIpHeader = (icmp: Buffer): Buffer => Buffer.concat([Buffer.from([0x45, ...Array<number>(19).fill(0)]), icmp]);

describe('ICMP echo messages', () => {
  it('an IPv4 request carries type 8, id, sequence, keepalived`s 128-byte filler and a valid checksum', () => {
    const r = echoRequest('inet', 0x1234, 7);
    expect(r.length).toBe(136);
    expect([r[0], r[1], r.readUInt16BE(4), r.readUInt16BE(6)]).toEqual([8, 0, 0x1234, 7]);
    expect(r.subarray(8, 27).toString()).toBe('keepalived check - ');
    expect(sum16(r)).toBe(0xffff);
  });

  it('an ICMPv6 request is type 128 and leaves the checksum to the kernel', () => {
    const r = echoRequest('inet6', 0x1234, 7);
    expect([r[0], r.readUInt16BE(2)]).toEqual([128, 0]);
  });

  it('a reply matches only with its type, id and sequence', () => {
    const reply = (type: number, id: number, seq: number): Buffer => {
      const b = Buffer.alloc(16);
      b[0] = type;
      b.writeUInt16BE(id, 4);
      b.writeUInt16BE(seq, 6);
      return b;
    };
    expect(isEchoReply('inet', withIpHeader(reply(0, 5, 9)), 5, 9)).toBe(true);
    expect(isEchoReply('inet', withIpHeader(reply(8, 5, 9)), 5, 9)).toBe(false);
    expect(isEchoReply('inet', withIpHeader(reply(0, 6, 9)), 5, 9)).toBe(false);
    expect(isEchoReply('inet', withIpHeader(reply(0, 5, 8)), 5, 9)).toBe(false);
    expect(isEchoReply('inet', Buffer.from([0x45, 0]), 5, 9)).toBe(false);
    expect(isEchoReply('inet6', reply(129, 5, 9), 5, 9)).toBe(true);
    expect(isEchoReply('inet6', reply(128, 5, 9), 5, 9)).toBe(false);
  });
});

describe.skipIf(!root)('PING_CHECK', () => {
  const v4 = checkTarget('PING_CHECK {\n connect_timeout 1\n}', { rs: '127.0.0.1 80' });
  const v6 = checkTarget('PING_CHECK {\n connect_timeout 1\n}', { rs: '::1 80', vs: 'fd00::100 80' });

  it('127.0.0.1 answers', async () => {
    expect(await pingProbe(v4, never)).toEqual({ ok: true });
  });

  it('::1 answers', async () => {
    expect(await pingProbe(v6, never)).toEqual({ ok: true });
  });

  it('twenty concurrent pings each get their own reply', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pingProbe(i % 2 ? v4 : v6, new AbortController().signal)));
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('an address that never answers fails within connect_timeout', async () => {
    // TEST-NET-2 is never assigned: the request goes out unanswered, or has no route at all
    const target = checkTarget('PING_CHECK {\n connect_timeout 0.3\n}', { rs: '198.51.100.7 80' });
    const started = Date.now();
    const result = await pingProbe(target, never);
    expect(result.ok).toBe(false);
    expect(['ICMP connection to address [198.51.100.7]:tcp:80 timeout.', 'send ICMP packet fail']).toContain(result.message);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('settles at once when aborted', async () => {
    const target = checkTarget('PING_CHECK {\n connect_timeout 5\n}', { rs: '198.51.100.7 80' });
    const controller = new AbortController();
    const pending = pingProbe(target, controller.signal);
    controller.abort();
    expect(await pending).toEqual({ ok: false });
  });
});
