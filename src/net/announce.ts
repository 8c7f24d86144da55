/**
 * The AnnouncePort on a live system: each gratuitous ARP or unsolicited NA
 * goes out as a whole Ethernet frame on an AF_PACKET socket bound to the
 * VIP's interface, one socket per interface, opened on first use and kept.
 * The log lines are keepalived's send_arp / ndisc_send_na ones.
 */
import { readFileSync } from 'node:fs';
import { openPacketSocket, type PacketSocket } from '../base/native.js';
import { strerror } from '../base/strerror.js';
import type { AnnouncePort, InterfaceInfo } from '../vrrp/ports.js';
import type { VipEntry } from '../vrrp/settings/vips.js';
import { garpFrame, unsolicitedNaFrame } from './announce-frames.js';

export interface PacketAnnouncePort extends AnnouncePort {
  /** Close every socket; a later announce opens them again. */
  close(): void;
}

/** keepalived sets the NA router flag when the interface forwards IPv6 (net.ipv6.conf.<if>.forwarding). */
export function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() !== '0';
  } catch {
    return false;
  }
}

const kindOf = (vip: VipEntry): string => (vip.family === 'inet' ? 'gratuitous ARP' : 'unsolicited Neighbour Advert');

/** keepalived's line for an announcement that could not be sent. */
export function announceErrorLine(error: unknown, vip: VipEntry, iface: InterfaceInfo): string {
  const { errno, message } = error as { errno?: unknown; message?: unknown };
  const known = typeof errno === 'number';
  const reason = known ? `${errno}` : String(message ?? error);
  if (vip.family === 'inet6') return `Error ${reason} sending ndisc unsolicited neighbour advert on ${iface.name} for ${vip.address}`;
  return `Error ${reason}${known ? ` (${strerror(errno)})` : ''} sending gratuitous ARP on ${iface.name} for ${vip.address}`;
}

/** `detail`: -D's lines, one per announcement sent (keepalived's LOG_DETAIL). */
export function createAnnouncePort(
  open: (ifindex: number) => PacketSocket = openPacketSocket,
  forwarding: (ifname: string) => boolean = ipv6Forwarding,
  detail: (line: string) => void = () => undefined,
): PacketAnnouncePort {
  const sockets = new Map<number, PacketSocket>();
  return {
    /** Nothing on an IFF_NOARP interface or one without a hardware address, as keepalived; a send error throws. */
    announce(vip: VipEntry, iface: InterfaceInfo): void {
      if (iface.noArp || iface.mac.length === 0) return;
      const frame =
        vip.family === 'inet' ? garpFrame(iface.mac, vip.address) : unsolicitedNaFrame(iface.mac, vip.address, { router: forwarding(iface.name) });
      let socket = sockets.get(iface.index);
      if (!socket) {
        socket = open(iface.index);
        sockets.set(iface.index, socket);
      }
      detail(`Sending ${kindOf(vip)} on ${iface.name} for ${vip.address}`);
      try {
        socket.send(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
      } catch (error) {
        // A socket bound to an interface that went away never works again: reopen on the next announce.
        socket.close();
        sockets.delete(iface.index);
        throw error;
      }
    },
    close(): void {
      for (const socket of sockets.values()) socket.close();
      sockets.clear();
    },
  };
}
