import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ipvsRequests } from '../../../lab/netlink-pcap.js';
import { tempDir } from '../../tmp.js';

const NLM_F_REQUEST = 1;
const IPVS_FAMILY = 0x20;

/** One netlink message: header, genl header (cmd), no attributes. */
function message(type: number, flags: number, cmd: number): Buffer {
  const m = Buffer.alloc(20);
  m.writeUInt32LE(20, 0);
  m.writeUInt16LE(type, 4);
  m.writeUInt16LE(flags, 6);
  m[16] = cmd;
  return m;
}

/** A pcap of LINKTYPE_NETLINK records, each one sendmsg of `protocol` carrying `messages`. */
function pcap(records: { protocol: number; messages: Buffer[] }[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt32LE(253, 20);
  const parts = [head];
  for (const r of records) {
    const cooked = Buffer.alloc(16);
    cooked.writeUInt16BE(r.protocol, 14);
    const data = Buffer.concat([cooked, ...r.messages]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, data);
  }
  return Buffer.concat(parts);
}

describe('IPVS requests in an nlmon capture', () => {
  it('counts generic-netlink requests by IPVS command, not nlctrl, answers or other protocols', () => {
    const file = path.join(tempDir('nlpcap'), 'nl.pcap');
    fs.writeFileSync(
      file,
      pcap([
        { protocol: 16, messages: [message(0x10, NLM_F_REQUEST, 3)] },
        { protocol: 16, messages: [message(IPVS_FAMILY, NLM_F_REQUEST, 1), message(IPVS_FAMILY, NLM_F_REQUEST, 5), message(IPVS_FAMILY, NLM_F_REQUEST, 5)] },
        { protocol: 16, messages: [message(IPVS_FAMILY, 0, 7)] },
        { protocol: 0, messages: [message(IPVS_FAMILY, NLM_F_REQUEST, 7)] },
        { protocol: 16, messages: [message(IPVS_FAMILY, NLM_F_REQUEST, 7)] },
      ]),
    );
    expect(ipvsRequests(file)).toEqual({ NEW_SERVICE: 1, NEW_DEST: 2, DEL_DEST: 1 });
  });
  it('refuses what is not a netlink capture', () => {
    const file = path.join(tempDir('nlpcap'), 'eth.pcap');
    const other = pcap([]);
    other.writeUInt32LE(1, 20);
    fs.writeFileSync(file, other);
    expect(() => ipvsRequests(file)).toThrow(/link type 1/);
  });
});
