/**
 * The adverts an instance sends for one `send-advert` action, as keepalived
 * builds them: IPv4 with our own header (TTL 255, TOS 0xc0, ip_id counting
 * per instance), one copy per unicast peer with the destination rewritten;
 * IPv6 as the bare message (the kernel adds the header and the checksum).
 */
import { nextIpId } from '../wire/ipv4.js';
import { encodeIpv4Advert } from '../wire/ipv4-advert.js';
import { encodeVrrp, VRRP_AUTH, type VrrpFields } from '../wire/packet.js';
import type { InstanceRunSettings } from '../settings/from-config.js';
import { v2AdvertIntervalField, v3AdvertIntervalField } from '../fsm/timers.js';

export interface OutgoingAdvert {
  packet: Uint8Array;
  destination: string;
}

/** Per-instance sending state keepalived keeps: the IP id and the AH sequence number. */
export interface SendCounters {
  ipId: number;
  ahSequence: number;
}

export function advertFields(run: InstanceRunSettings, priority: number): VrrpFields {
  const { fsm, receive } = run;
  const addresses = [...receive.virtualAddresses];
  if (fsm.version === 3) {
    return { version: 3, vrid: fsm.vrid, priority, addresses, advertIntervalCs: v3AdvertIntervalField(fsm.advertIntUs), reserved: 0 };
  }
  // only PASS carries its password; AH and none send zeros, and IPv6 sends no auth data at all
  const authData = fsm.family === 'inet6' ? new Uint8Array(0) : receive.authType === VRRP_AUTH.pass ? receive.authData : new Uint8Array(8);
  return {
    version: 2,
    vrid: fsm.vrid,
    priority,
    addresses,
    authType: receive.authType,
    advertIntervalSec: v2AdvertIntervalField(fsm.advertIntUs),
    authData,
  };
}

/** The destinations of an advert: the multicast group or each unicast peer. */
export function advertDestinations(run: InstanceRunSettings): string[] {
  const { transport } = run;
  if (transport.unicast) return transport.unicastPeers.map((p) => p.address);
  return transport.multicastDestination === undefined ? [] : [transport.multicastDestination];
}

/**
 * `source`: mcast_src_ip/unicast_src_ip or the interface's primary address
 * (IPv6: undefined lets the kernel pick the link-local one). Advances `counters`.
 */
export function outgoingAdverts(run: InstanceRunSettings, priority: number, source: string | undefined, counters: SendCounters): OutgoingAdvert[] {
  const fields = advertFields(run, priority);
  const destinations = advertDestinations(run);
  if (run.fsm.family === 'inet6') {
    // the checksum is the kernel's (IPV6_CHECKSUM); any valid source does for encoding
    return destinations.map((destination) => ({ packet: encodeVrrp(fields, { family: 'inet6', src: source ?? '::', dst: destination }), destination }));
  }
  if (source === undefined) return [];
  counters.ipId = nextIpId(counters.ipId);
  const ah = run.auth?.type === 'AH';
  if (ah) counters.ahSequence = (counters.ahSequence + 1) >>> 0;
  const ttl = run.transport.unicast ? (run.transport.unicastTtl ?? 255) : 255;
  return destinations.map((destination) => ({
    packet: encodeIpv4Advert(fields, {
      src: source,
      dst: destination,
      ipId: counters.ipId,
      ttl,
      ...(ah ? { ah: { key: run.receive.authData, sequence: counters.ahSequence, unicast: run.transport.unicast } } : {}),
    }),
    destination,
  }));
}
