/**
 * Hostile kernel replies (issue 13, case 3): the daemon's decoders and ports fed malformed, truncated and
 * unexpected netlink messages. Each target takes one input (bytes) through the real code and throws only
 * when that code let something escape (a crash in the daemon) or took garbage for data. Inputs are valid
 * messages mutated by fast-check (`mutatedArb`). Shared by the soak case and the corpus tests, which replay
 * the minimized inputs kept in test/fixtures/kernel-replies/.
 */
import fc from 'fast-check';
import { canonicalAddress } from '../src/base/inet.js';
import { decodeReply, encodeReply, type IpvsReply } from '../src/ipvs/genl.js';
import { ipvsPortOver } from '../src/ipvs/genl-port.js';
import { resolveFamily, transportOver } from '../src/ipvs/netlink-port.js';
import type { GenlAnswer } from '../src/ipvs/genl-transport.js';
import type { Destination, Service } from '../src/ipvs/table.js';
import { followInterfaces } from '../src/net/interfaces.js';
import { decodeRouteNotification, RTM_DELROUTE, RTM_DELRULE } from '../src/net/route-notify.js';
import { attr, u32, u8 } from '../src/net/rtattr.js';
import { fakeNetlinkSocket, nlError, nlmsg, NLM_F_DUMP, NLM_F_MULTI, NLMSG, withSeq } from './fakes/raw-netlink.js';
import { addressMessage, FakeRtnetlink, linkMessage } from './fakes/rtnetlink.js';

export interface FuzzTarget {
  /** Also the fixture directory's name. */
  readonly name: string;
  /** Valid messages the mutations start from. */
  readonly seeds: readonly Buffer[];
  /** One input through the real code; rejects on a crash or garbage taken for data. */
  run(input: Buffer): Promise<void>;
}

const SERVICES: Service[] = [
  { key: { kind: 'address', family: 'inet', protocol: 'tcp', address: '10.99.4.100', port: 80 }, scheduler: 'wrr', flags: 0, timeout: 0, netmask: 0xffffffff },
  { key: { kind: 'fwmark', family: 'inet6', fwmark: 7 }, scheduler: 'sh', flags: 0x18, timeout: 300, netmask: 128, peName: 'sip' },
];
const DESTS: Destination[] = [
  { family: 'inet', address: '10.99.4.11', port: 80, forwarding: { method: 'NAT' }, weight: 3, upperThreshold: 0, lowerThreshold: 0 },
  { family: 'inet6', address: 'fd99:4::11', port: 0, forwarding: { method: 'TUN', tunnel: { type: 'gue', port: 6080, checksum: 'remcsum' } }, weight: 1, upperThreshold: 10, lowerThreshold: 2 },
];
const REPLIES: IpvsReply[] = [
  ...SERVICES.map((service): IpvsReply => ({ cmd: 'NEW_SERVICE', service })),
  ...DESTS.map((dest): IpvsReply => ({ cmd: 'NEW_DEST', dest })),
  { cmd: 'NEW_DAEMON', daemon: { state: 'master', interface: 'eth0', syncId: 5, maxLen: 1472, group: { family: 'inet', address: '224.0.0.81' }, port: 8848, ttl: 1 } },
  { cmd: 'SET_CONFIG', timeouts: { tcp: 900, tcpFin: 120, udp: 300 } },
  { cmd: 'SET_INFO', info: { version: 0x10201, connTableSize: 4096 } },
];

/** Every address a decoded reply holds must be one the kernel could have sent. */
function checkAddresses(reply: IpvsReply): void {
  const addresses =
    reply.cmd === 'NEW_SERVICE' && reply.service.key.kind === 'address'
      ? [[reply.service.key.family, reply.service.key.address] as const]
      : reply.cmd === 'NEW_DEST'
        ? [[reply.dest.family, reply.dest.address] as const]
        : [];
  for (const [family, address] of addresses) if (canonicalAddress(family, address) !== address) throw new Error(`decoded a ${family} address "${address}"`);
}

const ipvsReply: FuzzTarget = {
  name: 'ipvs-reply',
  seeds: REPLIES.map(encodeReply),
  async run(input) {
    for (const family of [undefined, 'inet', 'inet6'] as const) {
      const decoded = decodeReply(input, family);
      if (decoded.ok) checkAddresses(decoded.value);
      else if (!decoded.diagnostic.message) throw new Error('a rejection without a reason');
    }
  },
};

/**
 * The IPVS port over a kernel whose every answer comes from the input: its first byte picks ack, refusal
 * (errno from the second byte, 0 included) or fault; dumps answer with the input itself, whole and cut.
 */
const ipvsPort: FuzzTarget = {
  name: 'ipvs-port',
  seeds: REPLIES.map((r) => Buffer.concat([Buffer.from([0, 16]), encodeReply(r)])),
  async run(input) {
    const kind = (input[0] ?? 0) % 3;
    const body = input.subarray(2);
    const answer = <T>(value: T): GenlAnswer<T> =>
      kind === 0 ? { kind: 'ok', value } : kind === 1 ? { kind: 'refused', errno: input[1] ?? 0 } : { kind: 'fault', message: 'no answer' };
    const port = ipvsPortOver({
      request: async () => answer(undefined),
      dump: async () => answer([body, body.subarray(0, body.length >> 1), body]),
      close: () => undefined,
    });
    const dumped = await port.dump();
    if (dumped.ok) for (const e of dumped.table) checkAddresses({ cmd: 'NEW_SERVICE', service: e.service });
    await port.apply([
      { op: 'add-service', service: SERVICES[0]! },
      { op: 'edit-dest', service: SERVICES[0]!, dest: DESTS[0]! },
      { op: 'delete-dest', service: SERVICES[0]!, dest: DESTS[0]! },
    ]);
    await port.flush();
  },
};

/** The IPVS family id the fake nlctrl hands out. */
const IPVS_ID = 0x20;
const GENL_ID_CTRL = 0x10;

/** nlctrl's answer to GET_FAMILY: CTRL_CMD_NEWFAMILY with CTRL_ATTR_FAMILY_ID and _NAME. */
function familyReply(): Buffer {
  const attrs = Buffer.concat([attr(1, Buffer.from([IPVS_ID, 0])), attr(2, Buffer.from('IPVS\0'))]);
  return nlmsg(GENL_ID_CTRL, 0, 0, Buffer.concat([Buffer.from([1, 2, 0, 0]), attrs]));
}

/**
 * The IPVS port over the package's real NetlinkSocket on a fake raw socket: every request (family lookup,
 * dumps, ops, flush) is answered by the input as one datagram, its sequence numbers set to the request's,
 * then by what a kernel would end with (the ack, or NLMSG_DONE for a dump), so that nothing waits on a timer.
 */
const ipvsSocket: FuzzTarget = {
  name: 'ipvs-socket',
  seeds: [
    nlError(0, 0),
    nlError(17, 0),
    familyReply(),
    Buffer.concat([...REPLIES.slice(0, 2).map((r) => nlmsg(IPVS_ID, NLM_F_MULTI, 0, encodeReply(r))), nlmsg(NLMSG.DONE, NLM_F_MULTI, 0, Buffer.alloc(4))]),
    Buffer.concat([...REPLIES.slice(2, 4).map((r) => nlmsg(IPVS_ID, NLM_F_MULTI, 0, encodeReply(r)))]),
  ],
  async run(input) {
    const { sock, escaped } = fakeNetlinkSocket((req) => [
      withSeq(input, req.seq),
      (req.flags & NLM_F_DUMP) === NLM_F_DUMP ? nlmsg(NLMSG.DONE, NLM_F_MULTI, req.seq, Buffer.alloc(4)) : nlError(0, req.seq),
    ]);
    await resolveFamily(sock, 'IPVS');
    const port = ipvsPortOver(transportOver(sock, IPVS_ID, 1_000));
    const dumped = await port.dump();
    if (dumped.ok) for (const e of dumped.table) checkAddresses({ cmd: 'NEW_SERVICE', service: e.service });
    await port.apply([
      { op: 'add-dest', service: SERVICES[0]!, dest: DESTS[0]! },
      { op: 'edit-dest', service: SERVICES[1]!, dest: DESTS[1]! },
    ]);
    await port.flush();
    if (escaped.length > 0) throw new Error(`a datagram made the socket's message handling throw: ${String(escaped[0])}`);
  },
};

const RTM = { NEWLINK: 16, DELLINK: 17, NEWADDR: 20, DELADDR: 21 } as const;
const RTNL_TYPES = [RTM.NEWLINK, RTM.DELLINK, RTM.NEWADDR, RTM.DELADDR];

/** Two bytes of header (which message type, whether it arrives in the dump) and the message's payload. */
const rtnlInput = (type: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([RTNL_TYPES.indexOf(type as 16), 0]), data]);

/** The interface table after the input arrived as a notification or in the dump: every address one the kernel could send. */
const rtnlInterfaces: FuzzTarget = {
  name: 'rtnl-interfaces',
  seeds: [
    rtnlInput(RTM.NEWLINK, linkMessage({ index: 2, name: 'eth0', up: true }).data),
    rtnlInput(RTM.DELLINK, linkMessage({ index: 2, name: 'eth0', up: true }).data),
    rtnlInput(RTM.NEWADDR, addressMessage({ index: 2, family: 'inet', address: '10.99.4.1', prefixLen: 24 }).data),
    rtnlInput(RTM.DELADDR, addressMessage({ index: 2, family: 'inet6', address: 'fd99:4::1', prefixLen: 64 }).data),
  ],
  async run(input) {
    const type = RTNL_TYPES[(input[0] ?? 0) % RTNL_TYPES.length]!;
    const msg = { type, flags: 0, seq: 0, port: 0, data: input.subarray(2) };
    const kernel = new FakeRtnetlink();
    kernel.setLink({ index: 2, name: 'eth0', up: true });
    kernel.addAddress({ index: 2, family: 'inet', address: '10.99.4.1', prefixLen: 24 });
    const inDump = ((input[1] ?? 0) & 1) === 1;
    if (inDump) {
      const dump = kernel.dump.bind(kernel);
      kernel.dump = async () => [...(await dump()), msg];
    }
    const table = await followInterfaces(kernel);
    if (!inDump) kernel.send([msg]);
    for (const index of [1, 2, 3, input.length >= 10 ? input.readUInt32LE(6) : 0]) {
      for (const a of table.byIndex(index)?.addresses ?? []) {
        if (canonicalAddress(a.family, a.address) !== a.address) throw new Error(`the table took a ${a.family} address "${a.address}"`);
      }
    }
    table.close();
  },
};

function rtmsg(family: number, protocol: number, attrs: Buffer[]): Buffer {
  // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
  const header = Buffer.from([family, 24, 0, 0, 254, protocol, 0, 1, 0, 0, 0, 0]);
  return Buffer.concat([header, ...attrs]);
}

/** RTM_DELROUTE/RTM_DELRULE notifications, as route-monitor.ts hands them to route-notify.ts; the first byte picks which. */
const rtnlRoutes: FuzzTarget = {
  name: 'rtnl-routes',
  seeds: [
    Buffer.concat([Buffer.from([0]), rtmsg(2, 18, [attr(1, Buffer.from([10, 99, 4, 0])), attr(4, u32(2)), attr(15, u32(254)), attr(6, u32(100))])]),
    Buffer.concat([Buffer.from([1]), rtmsg(10, 0, [attr(2, Buffer.alloc(16, 0xfd)), attr(3, Buffer.from('eth0\0')), attr(21, u8(18)), attr(20, Buffer.alloc(8))])]),
  ],
  async run(input) {
    const type = (input[0] ?? 0) % 2 === 0 ? RTM_DELROUTE : RTM_DELRULE;
    const n = decodeRouteNotification(type, input.subarray(1));
    if (n?.kind === 'malformed' && !n.reason) throw new Error('a rejection without a reason');
  },
};

export const FUZZ_TARGETS: readonly FuzzTarget[] = [ipvsReply, ipvsPort, ipvsSocket, rtnlInterfaces, rtnlRoutes];

type Mutation =
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'length'; readonly at: number; readonly value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 24 }) }),
  // netlink lengths are u16s at 4-byte boundaries: aim there
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, 3, 4, 5, 0xffff), fc.nat(0xffff)) }),
);

function mutate(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(seed);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'set' && at < out.length) out[at] = m.value;
    else if (m.kind === 'cut') out = out.subarray(0, at);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else if (m.kind === 'length' && (at & ~3) + 2 <= out.length) out.writeUInt16LE(m.value, at & ~3);
  }
  return out;
}

/** Valid messages with a few mutations each, or bytes from nowhere. */
export function mutatedArb(target: FuzzTarget): fc.Arbitrary<Buffer> {
  const fromSeed = fc.tuple(fc.constantFrom(...target.seeds), fc.array(mutationArb, { minLength: 1, maxLength: 6 })).map(([seed, ms]) => mutate(seed, ms));
  return fc.oneof({ weight: 9, arbitrary: fromSeed }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b)) });
}
