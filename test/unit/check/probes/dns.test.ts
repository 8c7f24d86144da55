/** DNS_CHECK against a tiny responder on 127.0.0.1 that answers as each test tells it. */
import * as dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeHeader, DNS_TYPES, encodeQuery } from '../../../../src/check/probes/dns-message.js';
import { dnsProbe } from '../../../../src/check/probes/dns.js';
import { checkTarget } from '../check-target.js';

const never = new AbortController().signal;

type Answer = (query: Buffer) => (Buffer | Uint8Array)[];

/** A DNS server stand-in: every query gets what `answer` returns (nothing: silence). */
async function responder(): Promise<{ port: number; queries: Buffer[]; answer: (a: Answer) => void }> {
  const socket = dgram.createSocket('udp4');
  const queries: Buffer[] = [];
  let answer: Answer = () => [];
  socket.on('message', (query, from) => {
    queries.push(query);
    for (const reply of answer(query)) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  afterAll(() => socket.close());
  return { port: socket.address().port, queries, answer: (a) => (answer = a) };
}

/** A reply to `query`: its id (unless `id`), QR set, `rcode`, the question echoed and no answers. */
function reply(query: Buffer, { id, rcode = 0, qr = true }: { id?: number; rcode?: number; qr?: boolean } = {}): Buffer {
  const out = Buffer.from(query);
  if (id !== undefined) out.writeUInt16BE(id, 0);
  out.writeUInt16BE((qr ? 0x8000 : 0) | 0x0100 | 0x0080 | rcode, 2);
  return out;
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const check = (port: number, extra = '') =>
  checkTarget(`DNS_CHECK {\n connect_ip 127.0.0.1\n connect_port ${port}\n connect_timeout 0.3\n ${extra}\n}`, { rs: '127.0.0.1 53', vs: '10.0.0.1 53', protocol: 'UDP' });

const prefix = 'DNS_CHECK ([127.0.0.1]:udp:53)';

describe('DNS messages', () => {
  it('encodes the query as keepalived does: RD, one question, labels, type, class IN', () => {
    expect(Buffer.from(encodeQuery(0x1234, 'example.com', DNS_TYPES.A!)).toString('hex')).toBe(
      '1234' + '0100' + '0001' + '0000' + '0000' + '0000' + '076578616d706c6503636f6d00' + '0001' + '0001',
    );
    expect(Buffer.from(encodeQuery(1, 'example.com.', DNS_TYPES.MX!)).subarray(12).toString('hex')).toBe('076578616d706c6503636f6d00000f0001');
  });

  it('queries the root for `.` (and for the empty name)', () => {
    for (const name of ['.', '']) expect(Buffer.from(encodeQuery(1, name, DNS_TYPES.SOA!)).subarray(12).toString('hex')).toBe('0000060001');
  });

  it('reads id, QR and rcode from a header; shorter than a header is nothing', () => {
    expect(decodeHeader(Uint8Array.from([0xab, 0xcd, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0]))).toEqual({ id: 0xabcd, response: true, rcode: 3 });
    expect(decodeHeader(Uint8Array.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0]))).toBeUndefined();
  });
});

describe('DNS_CHECK', async () => {
  const server = await responder();

  it('passes on a reply with our id and rcode 0, whatever the answer count; asks type and name as configured', async () => {
    server.answer((q) => [reply(q)]);
    const before = server.queries.length;
    expect(await dnsProbe(check(server.port, 'type A\n name www.example.com'), never)).toEqual({ ok: true });
    const query = server.queries[before]!;
    expect(query.subarray(12).toString('hex')).toBe('03777777076578616d706c6503636f6d0000010001');
    expect(query.readUInt16BE(2)).toBe(0x0100);
  });

  it('uses SOA for the root by default, and a fresh id each time', async () => {
    server.answer((q) => [reply(q)]);
    const before = server.queries.length;
    await dnsProbe(check(server.port), never);
    await dnsProbe(check(server.port), never);
    const [a, b] = server.queries.slice(before);
    expect(a!.subarray(12).toString('hex')).toBe('0000060001');
    // 1 in 65536 that two random ids collide; two more tries make a flake negligible
    const ids = new Set([a!.readUInt16BE(0), b!.readUInt16BE(0)]);
    if (ids.size === 1) {
      await dnsProbe(check(server.port), never);
      ids.add(server.queries.at(-1)!.readUInt16BE(0));
    }
    expect(ids.size).toBe(2);
  });

  it('fails on a non-zero rcode with keepalived`s line', async () => {
    server.answer((q) => [reply(q, { rcode: 2 })]);
    expect(await dnsProbe(check(server.port), never)).toEqual({ ok: false, message: `${prefix} read error occurred. (rcode = 2)` });
  });

  it('ignores replies with another id, queries and garbage, and times out when nothing else comes', async () => {
    server.answer((q) => [reply(q, { id: q.readUInt16BE(0) ^ 0xffff }), reply(q, { qr: false }), Buffer.from('junk'), Buffer.alloc(40, 0xee)]);
    const started = Date.now();
    expect(await dnsProbe(check(server.port), never)).toEqual({ ok: false, message: `${prefix} read timeout from socket` });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('keeps reading past a wrong id to the right reply', async () => {
    server.answer((q) => [reply(q, { id: q.readUInt16BE(0) ^ 1, rcode: 5 }), reply(q)]);
    expect(await dnsProbe(check(server.port), never)).toEqual({ ok: true });
  });

  it('times out when the server is silent', async () => {
    server.answer(() => []);
    expect(await dnsProbe(check(server.port), never)).toEqual({ ok: false, message: `${prefix} read timeout from socket` });
  });

  it('fails at once on an ICMP port unreachable', async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await dnsProbe(check(port), never)).toEqual({ ok: false, message: `${prefix} failed to read socket; errno 111 (Connection refused)` });
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('reports a bind failure as keepalived words it', async () => {
    expect(await dnsProbe(check(server.port, 'bindto 192.0.2.254'), never)).toEqual({ ok: false, message: `${prefix} UDP socket bind failed. Rescheduling.` });
  });

  it('settles at once when aborted', async () => {
    server.answer(() => []);
    const controller = new AbortController();
    const pending = dnsProbe(check(server.port), controller.signal);
    controller.abort();
    expect(await pending).toEqual({ ok: false });
  });
});
