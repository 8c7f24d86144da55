/**
 * The DNS messages DNS_CHECK needs (RFC 1035 §4.1): the query keepalived's
 * dns_make_query builds, and the reply header fields dns_recv_thread reads.
 */

/** The query types keepalived's DNS_CHECK knows (check_dns.h). */
export const DNS_TYPES: Readonly<Record<string, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  RRSIG: 46,
  DNSKEY: 48,
};

const HEADER_BYTES = 12;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const RCODE_MASK = 0x000f;
const CLASS_IN = 1;

/**
 * A query for `name` (`.` or empty: the root) with recursion desired.
 * Labels are written as keepalived writes them: split at each dot, the
 * length in one byte (not checked against 63), and a final root label unless
 * the name is `.` itself.
 */
export function encodeQuery(id: number, name: string, type: number): Uint8Array {
  const labels = name === '.' || name === '' ? [] : name.replace(/\.$/, '').split('.');
  const encoder = new TextEncoder();
  const parts = labels.map((l) => encoder.encode(l));
  const qnameBytes = parts.reduce((n, p) => n + 1 + p.length, 0) + 1;
  const out = new Uint8Array(HEADER_BYTES + qnameBytes + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, id & 0xffff);
  view.setUint16(2, FLAG_RD);
  view.setUint16(4, 1); // one question, no records
  let at = HEADER_BYTES;
  for (const p of parts) {
    out[at++] = p.length & 0xff;
    out.set(p, at);
    at += p.length;
  }
  out[at++] = 0;
  view.setUint16(at, type);
  view.setUint16(at + 2, CLASS_IN);
  return out;
}

export interface ReplyHeader {
  id: number;
  /** QR: a response, not a query. */
  response: boolean;
  rcode: number;
}

/** The header of a received message; undefined when it is shorter than a header. */
export function decodeHeader(bytes: Uint8Array): ReplyHeader | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint16(2);
  return { id: view.getUint16(0), response: (flags & FLAG_QR) !== 0, rcode: flags & RCODE_MASK };
}
