/** The IPVS genl codec: exact bytes, a round trip for every command, and decoders that never throw. */
import { endianness } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReply, decodeRequest, encodeReply, encodeRequest, type IpvsReply, type IpvsRequest } from '../../../src/ipvs/genl.js';
import type { Destination, Service } from '../../../src/ipvs/table.js';
import { destinationArb, familyArb, addressArb, serviceArb } from './arbitraries.js';

const web: Service = {
  key: { kind: 'address', family: 'inet', protocol: 'tcp', address: '10.99.1.100', port: 80 },
  scheduler: 'wrr',
  flags: 0x1,
  timeout: 50,
  netmask: 0xffffffff,
};
const fwmark6: Service = {
  key: { kind: 'fwmark', family: 'inet6', fwmark: 7 },
  scheduler: 'mh',
  flags: 0x1 | 0x8 | 0x10,
  timeout: 600,
  netmask: 64,
  peName: 'sip',
};
const nat: Destination = {
  family: 'inet',
  address: '10.99.1.11',
  port: 80,
  forwarding: { method: 'NAT' },
  weight: 1,
  upperThreshold: 100,
  lowerThreshold: 10,
};
const gue: Destination = {
  family: 'inet6',
  address: 'fd99:1::12',
  port: 0,
  forwarding: { method: 'TUN', tunnel: { type: 'gue', port: 5555, checksum: 'remcsum' } },
  weight: 7,
  upperThreshold: 0,
  lowerThreshold: 0,
};

const EVERY_REQUEST: IpvsRequest[] = [
  { cmd: 'NEW_SERVICE', service: web },
  { cmd: 'SET_SERVICE', service: fwmark6 },
  { cmd: 'DEL_SERVICE', service: web },
  { cmd: 'GET_SERVICE' },
  { cmd: 'NEW_DEST', service: web, dest: nat },
  { cmd: 'SET_DEST', service: fwmark6, dest: gue },
  { cmd: 'DEL_DEST', service: web, dest: { ...nat, forwarding: { method: 'DR' } } },
  { cmd: 'GET_DEST', service: web },
  { cmd: 'NEW_DAEMON', daemon: { state: 'master', interface: 'eth0', syncId: 3, maxLen: 1472, group: { family: 'inet', address: '224.0.0.81' }, port: 8848, ttl: 1 } },
  { cmd: 'DEL_DAEMON', daemon: { state: 'backup', syncId: 0 } },
  { cmd: 'GET_DAEMON' },
  { cmd: 'SET_CONFIG', timeouts: { tcp: 900, tcpFin: 120, udp: 300 } },
  { cmd: 'GET_CONFIG' },
  { cmd: 'GET_INFO' },
  { cmd: 'ZERO' },
  { cmd: 'FLUSH' },
];

const EVERY_REPLY: IpvsReply[] = [
  { cmd: 'NEW_SERVICE', service: { ...web, flags: 0x1 | 0x2 } },
  { cmd: 'NEW_DEST', dest: gue },
  { cmd: 'NEW_DAEMON', daemon: { state: 'master', interface: 'eth0', syncId: 1, maxLen: 1472, group: { family: 'inet', address: '224.0.0.81' }, port: 8848, ttl: 1 } },
  { cmd: 'SET_CONFIG', timeouts: { tcp: 900, tcpFin: 120, udp: 300 } },
  { cmd: 'SET_INFO', info: { version: 0x010201, connTableSize: 4096 } },
];

const hex = (b: Buffer): string => b.toString('hex');

describe.runIf(endianness() === 'LE')('exact bytes (little-endian host)', () => {
  it('NEW_SERVICE -t 10.99.1.100:80 -s wrr -p 50, attributes in libipvs order', () => {
    const expected = [
      '01010000', // genlmsghdr: cmd NEW_SERVICE, version 1
      '54000180', // IPVS_CMD_ATTR_SERVICE, NLA_F_NESTED, 84 bytes
      '0600010002000000', // AF = AF_INET (u16 + 2 pad)
      '0600020006000000', // PROTOCOL = TCP
      '14000300' + '0a630164' + '00'.repeat(12), // ADDR, 16-byte nf_inet_addr
      '0600040000500000', // PORT 80, network order
      '0800060077727200', // SCHED_NAME "wrr\0"
      '0c00070001000000ffffffff', // FLAGS {PERSISTENT, mask ~0}
      '0800080032000000', // TIMEOUT 50
      '08000900ffffffff', // NETMASK 255.255.255.255
    ].join('');
    expect(hex(encodeRequest({ cmd: 'NEW_SERVICE', service: web }))).toBe(expected);
  });

  it('NEW_DEST carries the service, then the destination; IPv6 netmask is a host-order prefix', () => {
    const buf = encodeRequest({ cmd: 'NEW_DEST', service: fwmark6, dest: gue });
    const text = hex(buf);
    expect(text.startsWith('05010000')).toBe(true);
    expect(text).toContain('0800090040000000'); // NETMASK 64
    expect(text).toContain('0600020000000000'); // DEST PORT 0
    expect(text).toContain('05000d0001000000'); // TUN_TYPE gue
    expect(text).toContain('06000e0015b30000'); // TUN_PORT 5555, network order
    expect(text).toContain('06000f0002000000'); // TUN_FLAGS remcsum
  });

  it('NEW_DAEMON and DEL_DAEMON as libipvs sends them: a stop names the state and the sync id only', () => {
    const start = encodeRequest({ cmd: 'NEW_DAEMON', daemon: { state: 'master', interface: 'eth0', syncId: 7 } });
    expect(hex(start)).toBe(['09010000', '20000380', '0800010001000000', '0900020065746830' + '00000000', '0800030007000000'].join(''));
    const stop = encodeRequest({ cmd: 'DEL_DAEMON', daemon: { state: 'backup', syncId: 7 } });
    expect(hex(stop)).toBe(['0a010000', '14000380', '0800010002000000', '0800030007000000'].join(''));
  });

  it('omits tunnel attributes for NAT and DR, as keepalived does', () => {
    // genl header + service nest (84) + dest nest: AF 8, ADDR 20, PORT, FWD, WEIGHT, U_THRESH, L_THRESH 8 each.
    expect(encodeRequest({ cmd: 'NEW_DEST', service: web, dest: nat }).length).toBe(4 + 84 + 4 + 68);
  });
});

describe('round trip', () => {
  it.each(EVERY_REQUEST.map((r) => [r.cmd, r] as const))('request %s', (_cmd, req) => {
    expect(decodeRequest(encodeRequest(req))).toEqual({ ok: true, value: req });
  });

  it.each(EVERY_REPLY.map((r) => [r.cmd, r] as const))('reply %s', (_cmd, reply) => {
    expect(decodeReply(encodeReply(reply))).toEqual({ ok: true, value: reply });
  });

  it('any service and destination', () => {
    fc.assert(
      fc.property(serviceArb(true), destinationArb(true), fc.constantFrom('NEW_DEST', 'SET_DEST', 'DEL_DEST' as const), (service, dest, cmd) => {
        const req: IpvsRequest = { cmd, service, dest };
        expect(decodeRequest(encodeRequest(req))).toEqual({ ok: true, value: req });
      }),
    );
  });

  it('any sync daemon', () => {
    const daemon = familyArb.chain((family) =>
      fc.record(
        {
          state: fc.constantFrom('master', 'backup' as const),
          interface: fc.stringMatching(/^[a-z0-9.]{1,15}$/),
          syncId: fc.nat({ max: 255 }),
          maxLen: fc.nat({ max: 0xffff }),
          group: addressArb(family, true).map((address) => ({ family, address })),
          port: fc.nat({ max: 0xffff }),
          ttl: fc.nat({ max: 255 }),
        },
        { requiredKeys: ['state', 'interface', 'syncId'] },
      ),
    );
    fc.assert(
      fc.property(daemon, (d) => {
        expect(decodeReply(encodeReply({ cmd: 'NEW_DAEMON', daemon: d }))).toEqual({ ok: true, value: { cmd: 'NEW_DAEMON', daemon: d } });
      }),
    );
  });
});

describe('kernel replies', () => {
  it('accepts nests without NLA_F_NESTED, as the kernel sends them', () => {
    const buf = encodeReply({ cmd: 'NEW_SERVICE', service: web });
    buf[7]! &= 0x7f;
    expect(decodeReply(buf)).toEqual({ ok: true, value: { cmd: 'NEW_SERVICE', service: web } });
  });

  it('keeps the HASHED flag the kernel reports', () => {
    const reply = decodeReply(encodeReply({ cmd: 'NEW_SERVICE', service: { ...web, flags: 0x3 } }));
    expect(reply.ok && reply.value.cmd === 'NEW_SERVICE' && reply.value.service.flags).toBe(0x3);
  });

  it('takes the service family for a destination when the kernel omits its own', () => {
    const full = encodeReply({ cmd: 'NEW_DEST', dest: nat });
    // ADDR_FAMILY is the nest's first attribute: drop its 8 bytes and shrink the nest.
    const without = Buffer.concat([full.subarray(0, 8), full.subarray(16)]);
    without.writeUInt16LE(full.readUInt16LE(4) - 8, 4);
    expect(decodeReply(without, 'inet')).toEqual({ ok: true, value: { cmd: 'NEW_DEST', dest: nat } });
    expect(decodeReply(without)).toMatchObject({ ok: false, diagnostic: { message: expect.stringContaining('IPVS_DEST_ATTR_ADDR_FAMILY missing') } });
  });

  it('says where a message is malformed', () => {
    const buf = encodeRequest({ cmd: 'NEW_SERVICE', service: web });
    expect(decodeRequest(buf.subarray(0, 30))).toMatchObject({ ok: false, diagnostic: { message: expect.stringMatching(/offset 4 has length 84/) } });
    expect(decodeRequest(Buffer.from([99, 1, 0, 0]))).toMatchObject({ ok: false, diagnostic: { message: 'unknown IPVS command 99' } });
    expect(decodeRequest(Buffer.from([1, 1, 0, 0]))).toMatchObject({ ok: false, diagnostic: { message: expect.stringContaining('IPVS_CMD_ATTR_SERVICE missing') } });
    const localNode = encodeReply({ cmd: 'NEW_DEST', dest: nat });
    localNode.writeUInt32LE(1, localNode.indexOf(Buffer.from('08000300', 'hex')) + 4);
    expect(decodeReply(localNode)).toMatchObject({ ok: false, diagnostic: { message: expect.stringContaining('IPVS_DEST_ATTR_FWD_METHOD: forwarding method 1') } });
  });
});

describe('decoders never throw', () => {
  const valid = [...EVERY_REQUEST.map(encodeRequest), ...EVERY_REPLY.map(encodeReply)];

  const outcome = (buf: Buffer): void => {
    for (const r of [decodeRequest(buf), decodeReply(buf), decodeReply(buf, 'inet6')]) {
      expect(typeof r.ok).toBe('boolean');
      if (!r.ok) expect(r.diagnostic.message.length).toBeGreaterThan(0);
    }
  };

  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => outcome(Buffer.from(bytes))), { numRuns: 2000 });
  });

  it('on mutated valid messages', () => {
    const mutated = fc
      .record({
        base: fc.constantFrom(...valid),
        edits: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }),
        cut: fc.option(fc.nat()),
      })
      .map(({ base, edits, cut }) => {
        const buf = Buffer.from(base);
        for (const [at, byte] of edits) buf[at % buf.length] = byte;
        return cut === null ? buf : buf.subarray(0, cut % (buf.length + 1));
      });
    fc.assert(fc.property(mutated, outcome), { numRuns: 5000 });
  });
});
