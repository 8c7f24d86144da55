/**
 * The AnnouncePort on a live system: each gratuitous ARP or unsolicited NA
 * goes out as a whole Ethernet frame on an AF_PACKET socket bound to the
 * VIP's interface, one socket per interface, opened on first use and kept.
 */
import { readFileSync } from 'node:fs';
import { openPacketSocket, type PacketSocket } from '../base/native.js';
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

export function createAnnouncePort(
  open: (ifindex: number) => PacketSocket = openPacketSocket,
  forwarding: (ifname: string) => boolean = ipv6Forwarding,
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
