/** The sync daemon, the protocol timeouts and the IPVS info as IPVS attributes. */
import { formatAddress, parseAddress, type Family } from '../base/inet.js';
import { CMD_ATTR, DAEMON_ATTR, DAEMON_STATE, INFO_ATTR } from './constants.js';
import { attrReader, nlaBytes, nlaString, nlaU16, nlaU32, nlaU8, type AttrSet, type NlaOut } from './nla.js';

export interface Timeouts {
  readonly tcp?: number;
  readonly tcpFin?: number;
  readonly udp?: number;
}

/** lvs_sync_daemon: the connection synchronisation thread. */
export interface SyncDaemon {
  readonly state: keyof typeof DAEMON_STATE;
  readonly interface: string;
  readonly syncId: number;
  readonly maxLen?: number;
  readonly group?: { readonly family: Family; readonly address: string };
  readonly port?: number;
  readonly ttl?: number;
}

/** What DEL_DAEMON names: libipvs's ipvs_stop_daemon sends the state and the sync id only. */
export interface DaemonKey {
  readonly state: keyof typeof DAEMON_STATE;
  readonly syncId: number;
}

export interface IpvsInfo {
  readonly version: number;
  readonly connTableSize: number;
}

export function daemonAttrs(d: SyncDaemon): NlaOut[] {
  const group = d.group && parseAddress(d.group.family, d.group.address);
  return [
    nlaU32(DAEMON_ATTR.STATE, DAEMON_STATE[d.state]),
    nlaString(DAEMON_ATTR.MCAST_IFN, d.interface),
    nlaU32(DAEMON_ATTR.SYNC_ID, d.syncId),
    ...(d.maxLen !== undefined ? [nlaU16(DAEMON_ATTR.SYNC_MAXLEN, d.maxLen)] : []),
    ...(d.group && group
      ? [nlaBytes(d.group.family === 'inet' ? DAEMON_ATTR.MCAST_GROUP : DAEMON_ATTR.MCAST_GROUP6, group)]
      : []),
    ...(d.port !== undefined ? [nlaU16(DAEMON_ATTR.MCAST_PORT, d.port)] : []),
    ...(d.ttl !== undefined ? [nlaU8(DAEMON_ATTR.MCAST_TTL, d.ttl)] : []),
  ];
}

export function daemonKeyAttrs(d: DaemonKey): NlaOut[] {
  return [nlaU32(DAEMON_ATTR.STATE, DAEMON_STATE[d.state]), nlaU32(DAEMON_ATTR.SYNC_ID, d.syncId)];
}

export function timeoutAttrs(t: Timeouts): NlaOut[] {
  return [
    ...(t.tcp !== undefined ? [nlaU32(CMD_ATTR.TIMEOUT_TCP, t.tcp)] : []),
    ...(t.tcpFin !== undefined ? [nlaU32(CMD_ATTR.TIMEOUT_TCP_FIN, t.tcpFin)] : []),
    ...(t.udp !== undefined ? [nlaU32(CMD_ATTR.TIMEOUT_UDP, t.udp)] : []),
  ];
}

export function decodeDaemonKey(set: AttrSet): DaemonKey {
  const r = attrReader(set, 'IPVS_DAEMON_ATTR', DAEMON_ATTR);
  const stateNumber = r.require(r.u32('STATE'), 'STATE');
  const state =
    stateNumber === DAEMON_STATE.master ? 'master' : stateNumber === DAEMON_STATE.backup ? 'backup' : r.fail('STATE', `unknown state ${stateNumber}`);
  return { state, syncId: r.require(r.u32('SYNC_ID'), 'SYNC_ID') };
}

export function decodeDaemon(set: AttrSet): SyncDaemon {
  const r = attrReader(set, 'IPVS_DAEMON_ATTR', DAEMON_ATTR);
  const { state, syncId } = decodeDaemonKey(set);
  const group4 = r.bytes('MCAST_GROUP', 4);
  const group6 = r.bytes('MCAST_GROUP6', 16);
  const group = group4
    ? { family: 'inet' as const, address: formatAddress('inet', group4) }
    : group6 && { family: 'inet6' as const, address: formatAddress('inet6', group6) };
  const maxLen = r.u16('SYNC_MAXLEN');
  const port = r.u16('MCAST_PORT');
  const ttl = r.u8('MCAST_TTL');
  return {
    state,
    interface: r.require(r.string('MCAST_IFN'), 'MCAST_IFN'),
    syncId,
    ...(maxLen !== undefined ? { maxLen } : {}),
    ...(group ? { group } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
  };
}

export function decodeTimeouts(set: AttrSet): Timeouts {
  const r = attrReader(set, 'IPVS_CMD_ATTR', CMD_ATTR);
  const tcp = r.u32('TIMEOUT_TCP');
  const tcpFin = r.u32('TIMEOUT_TCP_FIN');
  const udp = r.u32('TIMEOUT_UDP');
  return {
    ...(tcp !== undefined ? { tcp } : {}),
    ...(tcpFin !== undefined ? { tcpFin } : {}),
    ...(udp !== undefined ? { udp } : {}),
  };
}

export function infoAttrs(info: IpvsInfo): NlaOut[] {
  return [nlaU32(INFO_ATTR.VERSION, info.version), nlaU32(INFO_ATTR.CONN_TAB_SIZE, info.connTableSize)];
}

export function decodeInfo(set: AttrSet): IpvsInfo {
  const r = attrReader(set, 'IPVS_INFO_ATTR', INFO_ATTR);
  return {
    version: r.require(r.u32('VERSION'), 'VERSION'),
    connTableSize: r.require(r.u32('CONN_TAB_SIZE'), 'CONN_TAB_SIZE'),
  };
}
