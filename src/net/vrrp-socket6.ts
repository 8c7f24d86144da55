/**
 * The IPv6 VRRP socket, through the project's addon: the kernel builds the
 * IPv6 header (hop limit 255) and the VRRPv3 checksum; each received message
 * comes with its source, destination and hop limit.
 */
import { parseIPv6 } from '../base/inet.js';
import { openVrrp6Socket, type Ip6Packet } from '../base/native.js';
import type { AdvertSocket, AdvertSocketOptions } from '../vrrp/ports.js';
import type { ReceivedPacket } from '../vrrp/wire/receive-frame.js';
import { MAX_MESSAGES_PER_DRAIN, MAX_MESSAGES_PER_WAKE } from './receive-batch.js';

/**
 * The addon always joins a group. A unicast socket joins all-nodes, which
 * every IPv6 interface is in already: no new membership, no MLD report.
 */
const UNICAST_GROUP = 'ff02::1';

function ipv6(text: string, what: string): Uint8Array {
  const bytes = parseIPv6(text);
  if (!bytes) throw new RangeError(`${what} is not an IPv6 address: ${text}`);
  return bytes;
}


const sameAddress = (a: Uint8Array, b: Uint8Array | undefined): boolean => b !== undefined && a.every((x, i) => b[i] === x);

/**
 * `onError` gets receive errors (keepalived logs them and reads on), and
 * whatever `onPacket` throws, rather than letting it escape an event-loop
 * callback. Throws when the socket cannot be set up (EPERM without
 * CAP_NET_RAW, ENODEV, ...).
 */
export function openVrrpSocket6(options: AdvertSocketOptions, onPacket: (packet: ReceivedPacket) => void, onError: (error: Error) => void): AdvertSocket {
  const group = options.multicastGroup === undefined ? undefined : ipv6(options.multicastGroup, 'multicast group');
  // keepalived binds the socket to the group or to unicast_src, so the kernel hands it only messages for that
  // address; the addon does not bind, so the same filter is applied here.
  const boundTo = group ?? (options.sourceAddress === undefined ? undefined : ipv6(options.sourceAddress, 'source address'));
  const socket = openVrrp6Socket(options.ifindex, options.multicastGroup ?? UNICAST_GROUP);
  let closed = false;
  const deliver = (p: Ip6Packet): void => {
    if (boundTo && !sameAddress(boundTo, parseIPv6(p.destination))) return;
    onPacket({ bytes: p.data, src: p.source, dst: p.destination, ...(p.hopLimit >= 0 ? { hopLimit: p.hopLimit } : {}) });
  };
  const read = (max: number): void => {
    try {
      // onPacket may close the socket: stop reading then
      for (let n = 0; n < max && !closed; n++) {
        const p = socket.receive();
        if (!p) break;
        deliver(p);
      }
    } catch (receiveError) {
      onError(receiveError as Error);
    }
  };
  socket.watch((error) => (error ? onError(error) : read(MAX_MESSAGES_PER_WAKE)));
  return {
    send(packet, destination, source) {
      const data = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
      socket.send(data, destination, source === undefined ? {} : { source });
    },
    drain: () => read(MAX_MESSAGES_PER_DRAIN),
    close() {
      closed = true;
      socket.close();
    },
  };
}
