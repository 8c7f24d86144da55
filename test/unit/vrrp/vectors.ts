/** The adverts keepalived 2.2.7 put on the wire (test/fixtures/vrrp/vectors.json), typed for the tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AdvertVector {
  name: string;
  pcap: string;
  family: 'ipv4' | 'ipv6';
  version: 2 | 3;
  type: number;
  vrid: number;
  priority: number;
  count_addrs: number;
  addresses: string[];
  auth_type?: number | null;
  auth_data_hex?: string;
  advert_interval: number;
  checksum: string;
  src_ip: string;
  dst_ip: string;
  ip_ttl?: number;
  ip_hop_limit?: number;
  ip_tos?: string;
  ip_traffic_class?: string;
  ip_id?: number;
  ip_df?: boolean;
  ip_protocol?: number;
  ip_header_checksum?: string;
  vrrp_hex: string;
  ip_hex: string;
  frame_hex: string;
  ah?: { ah_hex: string; icv_hex: string; next_header: number; seq: number; spi: string; length_bytes: number };
}

export interface TimelineEntry {
  t_rel: number;
  src: string;
  prio: number;
  ver: 2 | 3;
  int: number;
}

interface VectorFile {
  scenarios: Record<string, { description: string; config_text: Record<'d1' | 'd2', string> }>;
  adverts: AdvertVector[];
  announcements: { pcap: string; advert_timeline: TimelineEntry[] }[];
}

export const vectors: VectorFile = JSON.parse(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/vrrp/vectors.json'), 'utf8'),
);

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The auth_pass every authenticated capture used. */
export const CAPTURE_PASSWORD = 'secret12';
export const isUnicast = (v: AdvertVector): boolean => v.pcap.includes('unicast');
