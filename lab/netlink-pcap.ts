/**
 * The IPVS requests in a capture of an nlmon device (pcap, LINKTYPE_NETLINK: a 16-byte cooked header whose
 * protocol field is the netlink protocol, then the messages one sendmsg carried). A request is a generic-netlink
 * message with NLM_F_REQUEST of a family other than nlctrl: in the VM, only IPVS's. Counted by command, so the
 * changes a daemon made to IPVS can be told from its dumps.
 */
import * as fs from 'node:fs';

const IPVS_CMDS = ['', 'NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'GET_SERVICE', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'GET_DEST', 'NEW_DAEMON', 'DEL_DAEMON', 'GET_DAEMON', 'SET_CONFIG', 'GET_CONFIG', 'SET_INFO', 'GET_INFO', 'ZERO', 'FLUSH'];
/** The commands that change the table (the rest read it). */
export const IPVS_CHANGES = ['NEW_SERVICE', 'SET_SERVICE', 'DEL_SERVICE', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'ZERO', 'FLUSH'];

const NETLINK_GENERIC = 16;
const GENL_ID_CTRL = 0x10;
const NLM_F_REQUEST = 1;

/** IPVS requests by command name, in the capture `file`. */
export function ipvsRequests(file: string): Record<string, number> {
  const buf = fs.readFileSync(file);
  const magic = buf.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nano) throw new Error(`${file}: not a little-endian pcap (magic ${magic.toString(16)})`);
  const linktype = buf.readUInt32LE(20);
  if (linktype !== 253) throw new Error(`${file}: pcap link type ${linktype}, expected 253 (NETLINK)`);
  const byCmd: Record<string, number> = {};
  for (let at = 24; at + 16 <= buf.length; ) {
    const incl = buf.readUInt32LE(at + 8);
    const data = buf.subarray(at + 16, at + 16 + incl);
    at += 16 + incl;
    if (data.length < 16 || data.readUInt16BE(14) !== NETLINK_GENERIC) continue;
    for (let m = 16; m + 20 <= data.length; ) {
      const len = data.readUInt32LE(m);
      const type = data.readUInt16LE(m + 4);
      const flags = data.readUInt16LE(m + 6);
      if (len < 16) break;
      if (flags & NLM_F_REQUEST && type > GENL_ID_CTRL) {
        const cmd = IPVS_CMDS[data[m + 16]!] ?? `cmd ${data[m + 16]}`;
        byCmd[cmd] = (byCmd[cmd] ?? 0) + 1;
      }
      m += (len + 3) & ~3;
    }
  }
  return byCmd;
}
