/**
 * The real AddressPort: VIPs added and removed with RTM_NEWADDR /
 * RTM_DELADDR, the request shaped as keepalived's netlink_ipaddress shapes
 * it. The request is built by a pure function; rtnl-ack.ts sends it.
 */
import { AttrStream, FlagsNew, createRtNetlink, rt, type RtNetlinkSocket } from 'netlink';
import { parseAddress, type Family } from '../base/inet.js';
import type { AddressPort } from '../vrrp/ports.js';
import type { VipEntry } from '../vrrp/settings/vips.js';
import { requestAck } from './rtnl-ack.js';

export type AddressOp = 'add' | 'remove';

/** The ifaddrmsg header and the IFA_* attributes of one request. */
export interface AddressRequest {
  readonly header: rt.Address;
  readonly attrs: rt.AddressAttrs;
}

const AF: Readonly<Record<Family, number>> = { inet: 2, inet6: 10 };
/** keepalived's INFINITY_LIFE_TIME. */
const FOREVER = 0xffffffff;

function addressBytes(family: Family, text: string): Buffer {
  const bytes = parseAddress(family, text);
  if (!bytes) throw new Error(`not an ${family} address: ${text}`);
  return Buffer.from(bytes);
}

function addFlags(vip: VipEntry): rt.AddressFlags {
  const c = vip.config;
  const flags: rt.AddressFlags = {};
  if (c.home) flags.homeaddress = true;
  // VRRP is its own duplicate detection, so IPv6 VIPs skip DAD unless `-nodad` (keepalived's "don't set nodad") asks for it.
  if (vip.family === 'inet6' && !c.nodad) flags.nodad = true;
  if (c.mngtmpaddr) flags.managetempaddr = true;
  if (c.noprefixroute) flags.noprefixroute = true;
  if (c.autojoin) flags.mcautojoin = true;
  return flags;
}

/**
 * The request for `op` on `vip` at `ifindex`. With a peer, IFA_ADDRESS is
 * the peer (the kernel matches a delete on it too). Only an add carries the
 * label, broadcast, flags and, for IPv6, the preferred lifetime (0 marks the
 * address deprecated so it is not picked as a source). keepalived also sends
 * IFA_PROTO with a number it registers in rt_addrprotos; the package has no
 * such attribute and nothing here reads it back, so it is left out. The
 * config's use_vmac, no_track, track_group and IPv4 preferred_lft are not
 * the kernel's business.
 */
export function addressRequest(op: AddressOp, vip: VipEntry, ifindex: number): AddressRequest {
  const local = addressBytes(vip.family, vip.address);
  const address = vip.config.peer === undefined ? local : addressBytes(vip.family, vip.config.peer);
  const header: rt.Address = { family: AF[vip.family], prefixlen: vip.prefixLen, scope: vip.scope, index: ifindex };
  const attrs: rt.AddressAttrs = { local, address };
  if (op === 'remove') return { header, attrs };
  if (vip.label !== undefined) attrs.label = vip.label;
  if (vip.family === 'inet' && vip.config.broadcast !== undefined) attrs.broadcast = addressBytes('inet', vip.config.broadcast);
  const flags = addFlags(vip);
  if (Object.keys(flags).length > 0) attrs.flags = flags;
  const preferred = vip.config.preferredLft;
  if (vip.family === 'inet6' && preferred !== undefined && preferred !== 'forever') attrs.cacheInfo = { ifaPrefered: preferred, ifaValid: FOREVER };
  return { header, attrs };
}

/** Whether the kernel's errno means the address is already as asked: present after an add, absent (or its device gone) after a remove. */
export function alreadyDone(op: AddressOp, errno: string): boolean {
  return op === 'add' ? errno === 'EEXIST' : errno === 'EADDRNOTAVAIL' || errno === 'ENODEV';
}

async function exchange(sock: RtNetlinkSocket, op: AddressOp, request: AddressRequest): Promise<string | undefined> {
  const stream = new AttrStream();
  rt.formatAddressMessage({ kind: 'address', data: request.header, attrs: request.attrs }, stream);
  const type = op === 'add' ? rt.MessageType.NEWADDR : rt.MessageType.DELADDR;
  return requestAck(sock, type, stream.bufs, op === 'add' ? FlagsNew.CREATE | FlagsNew.EXCL : 0);
}

/**
 * The port over `socket` (a fresh one by default). It must not have joined
 * any rtnetlink group: the kernel's notification of our own change carries
 * our sequence number, and the package would take it for the answer.
 */
export function rtnetlinkAddressPort(socket: RtNetlinkSocket = createRtNetlink()): AddressPort {
  // Without a listener a socket error would throw from the emitter; the pending request times out instead.
  socket.socket.on('error', () => undefined);
  const run = async (op: AddressOp, vip: VipEntry, ifindex: number): Promise<void> => {
    const failure = await exchange(socket, op, addressRequest(op, vip, ifindex));
    if (failure !== undefined && !alreadyDone(op, failure)) throw new Error(`cannot ${op} ${vip.address}/${vip.prefixLen} dev ${vip.device}: ${failure}`);
  };
  return {
    add: (vip, ifindex) => run('add', vip, ifindex),
    remove: (vip, ifindex) => run('remove', vip, ifindex),
  };
}
