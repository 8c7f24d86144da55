/**
 * The generic-netlink family "IPVS": requests keepalived-ts sends and the
 * replies the kernel answers with, to and from the genl payload (genlmsghdr +
 * attributes; the netlink header and the family id are the transport's).
 * Attribute order and presence follow keepalived's libipvs. Decoders never
 * throw: a malformed message yields a Diagnostic saying where.
 */
import type { Family } from '../base/inet.js';
import { CMD, CMD_ATTR, IPVS_GENL_VERSION, type CommandName } from './constants.js';
import {
  daemonAttrs,
  daemonKeyAttrs,
  decodeDaemon,
  decodeDaemonKey,
  decodeInfo,
  decodeTimeouts,
  infoAttrs,
  timeoutAttrs,
  type DaemonKey,
  type IpvsInfo,
  type SyncDaemon,
  type Timeouts,
} from './genl-sync-daemon.js';
import { decodeDest, decodeService, destAttrs, serviceAttrs } from './genl-service.js';
import { attrReader, catchDecode, DecodeError, encodeAttrs, nlaNest, parseAttrs, type AttrSet, type Decoded, type NlaOut } from './nla.js';
import type { Destination, Service } from './table.js';

export type { DaemonKey, IpvsInfo, SyncDaemon, Timeouts } from './genl-sync-daemon.js';

export type IpvsRequest =
  | { readonly cmd: 'NEW_SERVICE' | 'SET_SERVICE' | 'DEL_SERVICE'; readonly service: Service }
  | { readonly cmd: 'NEW_DEST' | 'SET_DEST' | 'DEL_DEST'; readonly service: Service; readonly dest: Destination }
  /** Dump of every service. */
  | { readonly cmd: 'GET_SERVICE' }
  /** Dump of one service's destinations. */
  | { readonly cmd: 'GET_DEST'; readonly service: Service }
  | { readonly cmd: 'NEW_DAEMON'; readonly daemon: SyncDaemon }
  | { readonly cmd: 'DEL_DAEMON'; readonly daemon: DaemonKey }
  | { readonly cmd: 'SET_CONFIG'; readonly timeouts: Timeouts }
  | { readonly cmd: 'GET_DAEMON' | 'GET_CONFIG' | 'GET_INFO' | 'ZERO' | 'FLUSH' };

/** What the kernel answers: dump entries come as NEW_*, GET_CONFIG as SET_CONFIG, GET_INFO as SET_INFO. */
export type IpvsReply =
  | { readonly cmd: 'NEW_SERVICE'; readonly service: Service }
  | { readonly cmd: 'NEW_DEST'; readonly dest: Destination }
  | { readonly cmd: 'NEW_DAEMON'; readonly daemon: SyncDaemon }
  | { readonly cmd: 'SET_CONFIG'; readonly timeouts: Timeouts }
  | { readonly cmd: 'SET_INFO'; readonly info: IpvsInfo };

const GENL_HDRLEN = 4;
const COMMAND_NAMES = new Map<number, CommandName>(Object.entries(CMD).map(([name, n]) => [n, name as CommandName]));

function message(cmd: CommandName, attrs: readonly NlaOut[]): Buffer {
  const header = Buffer.from([CMD[cmd], IPVS_GENL_VERSION, 0, 0]);
  return Buffer.concat([header, encodeAttrs(attrs)]);
}

/** The genl payload of a request (send with NLM_F_REQUEST|NLM_F_ACK, GET_* dumps with NLM_F_DUMP). */
export function encodeRequest(req: IpvsRequest): Buffer {
  switch (req.cmd) {
    case 'NEW_SERVICE':
    case 'SET_SERVICE':
    case 'DEL_SERVICE':
    case 'GET_DEST':
      return message(req.cmd, [nlaNest(CMD_ATTR.SERVICE, serviceAttrs(req.service))]);
    case 'NEW_DEST':
    case 'SET_DEST':
    case 'DEL_DEST':
      return message(req.cmd, [
        nlaNest(CMD_ATTR.SERVICE, serviceAttrs(req.service)),
        nlaNest(CMD_ATTR.DEST, destAttrs(req.dest)),
      ]);
    case 'NEW_DAEMON':
      return message(req.cmd, [nlaNest(CMD_ATTR.DAEMON, daemonAttrs(req.daemon))]);
    case 'DEL_DAEMON':
      return message(req.cmd, [nlaNest(CMD_ATTR.DAEMON, daemonKeyAttrs(req.daemon))]);
    case 'SET_CONFIG':
      return message(req.cmd, timeoutAttrs(req.timeouts));
    default:
      return message(req.cmd, []);
  }
}

/** The genl payload of a kernel reply (for the fake kernel in tests). */
export function encodeReply(reply: IpvsReply): Buffer {
  switch (reply.cmd) {
    case 'NEW_SERVICE':
      return message(reply.cmd, [nlaNest(CMD_ATTR.SERVICE, serviceAttrs(reply.service))]);
    case 'NEW_DEST':
      return message(reply.cmd, [nlaNest(CMD_ATTR.DEST, destAttrs(reply.dest))]);
    case 'NEW_DAEMON':
      return message(reply.cmd, [nlaNest(CMD_ATTR.DAEMON, daemonAttrs(reply.daemon))]);
    case 'SET_CONFIG':
      return message(reply.cmd, timeoutAttrs(reply.timeouts));
    case 'SET_INFO':
      return message(reply.cmd, infoAttrs(reply.info));
  }
}

/** The command and top-level attributes of a genl payload. */
function openMessage(buf: Buffer): { cmd: CommandName; top: AttrSet } {
  if (buf.length < GENL_HDRLEN) throw new DecodeError(`genl message of ${buf.length} byte(s), shorter than its header`);
  const cmd = COMMAND_NAMES.get(buf[0]!);
  if (!cmd) throw new DecodeError(`unknown IPVS command ${buf[0]}`);
  const top = parseAttrs(buf.subarray(GENL_HDRLEN), cmd, GENL_HDRLEN);
  if (!top.ok) throw new DecodeError(top.diagnostic.message);
  return { cmd, top: top.value };
}

function nestedOf(top: AttrSet, name: 'SERVICE' | 'DEST' | 'DAEMON'): AttrSet {
  const r = attrReader(top, 'IPVS_CMD_ATTR', CMD_ATTR);
  return r.require(r.nested(name), name);
}

export function decodeRequest(buf: Buffer): Decoded<IpvsRequest> {
  return catchDecode((): IpvsRequest => {
    const { cmd, top } = openMessage(buf);
    switch (cmd) {
      case 'NEW_SERVICE':
      case 'SET_SERVICE':
      case 'DEL_SERVICE':
      case 'GET_DEST':
        return { cmd, service: decodeService(nestedOf(top, 'SERVICE')) };
      case 'NEW_DEST':
      case 'SET_DEST':
      case 'DEL_DEST': {
        const service = decodeService(nestedOf(top, 'SERVICE'));
        return { cmd, service, dest: decodeDest(nestedOf(top, 'DEST'), service.key.family) };
      }
      case 'NEW_DAEMON':
        return { cmd, daemon: decodeDaemon(nestedOf(top, 'DAEMON')) };
      case 'DEL_DAEMON':
        return { cmd, daemon: decodeDaemonKey(nestedOf(top, 'DAEMON')) };
      case 'SET_CONFIG':
        return { cmd, timeouts: decodeTimeouts(top) };
      case 'SET_INFO':
        throw new DecodeError('SET_INFO is a reply, not a request');
      default:
        return { cmd };
    }
  });
}

/** `destFamily`: the service's family, for kernels that omit a destination's own. */
export function decodeReply(buf: Buffer, destFamily?: Family): Decoded<IpvsReply> {
  return catchDecode((): IpvsReply => {
    const { cmd, top } = openMessage(buf);
    switch (cmd) {
      case 'NEW_SERVICE':
        return { cmd, service: decodeService(nestedOf(top, 'SERVICE')) };
      case 'NEW_DEST':
        return { cmd, dest: decodeDest(nestedOf(top, 'DEST'), destFamily) };
      case 'NEW_DAEMON':
        return { cmd, daemon: decodeDaemon(nestedOf(top, 'DAEMON')) };
      case 'SET_CONFIG':
        return { cmd, timeouts: decodeTimeouts(top) };
      case 'SET_INFO':
        return { cmd, info: decodeInfo(top) };
      default:
        throw new DecodeError(`${cmd} is not a reply the kernel sends`);
    }
  });
}
