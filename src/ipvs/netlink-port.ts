/**
 * The real IPVS port: the genl-port logic over a NETLINK_GENERIC socket of
 * the `netlink` package (0.3.0, pinned: its API is not kept compatible), the
 * "IPVS" family id resolved through nlctrl. Requests go with
 * `checkError: false` so the errno is read from the NLMSG_ERROR itself rather
 * than parsed out of the package's error text. The only module that loads
 * the package's native socket. With net_namespace_ipvs the socket is opened
 * in that namespace, as keepalived's nl_ipvs_connect (core/namespaces.c).
 */
// The package's modules one by one: its index also loads the nl80211 and
// rtnetlink tables (~0.5 MB of generated code), which cost the checker's
// start-up time and are not used here.
import { FlagsGet, MessageType, Protocol } from 'netlink/dist/constants.js';
import { CTRL_VERSION, GENL_ID_CTRL } from 'netlink/dist/genl/genl.js';
import * as genl from 'netlink/dist/genl/structs.js';
import { createNetlink, type NetlinkSocket } from 'netlink/dist/netlink.js';
import { AttrStream, parseError, type NetlinkMessage } from 'netlink/dist/structs.js';
import { inNetworkNamespace } from '../base/netns.js';
import { IPVS_GENL_NAME } from './constants.js';
import { failureOf, ipvsPortOver } from './genl-port.js';
import type { GenlAnswer, GenlTransport } from './genl-transport.js';
import type { IpvsPort, PortFailure } from './port.js';

/** The kernel answers at once; silence this long means it never will. */
const ANSWER_TIMEOUT_MS = 5_000;
const GENL_HDRLEN = 4;

const faultOf = (e: unknown): GenlAnswer<never> => ({ kind: 'fault', message: e instanceof Error ? e.message : String(e) });

async function exchange(sock: NetlinkSocket, type: number, payload: Uint8Array[], flags: number, timeoutMs = ANSWER_TIMEOUT_MS): Promise<GenlAnswer<NetlinkMessage[]>> {
  try {
    const [messages] = await sock.request(type, payload, { flags, timeout: timeoutMs, checkError: false });
    return { kind: 'ok', value: messages };
  } catch (e) {
    return faultOf(e);
  }
}

/** An NLMSG_ERROR as an answer (errno 0 is the ack); undefined for any other message. */
function errorAnswer(msg: NetlinkMessage | undefined): GenlAnswer<void> | undefined {
  if (msg?.type !== MessageType.ERROR) return undefined;
  try {
    const errno = -parseError(msg.data, msg.flags).errno;
    return errno === 0 ? { kind: 'ok', value: undefined } : { kind: 'refused', errno };
  } catch (e) {
    return faultOf(e);
  }
}

/** The answer to a request that only an ack (or error) may answer. */
function ackOf(answer: GenlAnswer<NetlinkMessage[]>): GenlAnswer<void> {
  if (answer.kind !== 'ok') return answer;
  const [first] = answer.value;
  return errorAnswer(first) ?? { kind: 'fault', message: `expected an ack, got ${answer.value.length} message(s) of type ${first?.type}` };
}

/** The payloads of a dump, all of the family's type; an error in their place is the kernel refusing it. */
function dumpOf(answer: GenlAnswer<NetlinkMessage[]>, family: number): GenlAnswer<readonly Buffer[]> {
  if (answer.kind !== 'ok') return answer;
  const refused = errorAnswer(answer.value[0]);
  if (refused && refused.kind !== 'ok') return refused;
  const stray = answer.value.find((m) => m.type !== family);
  if (stray) return { kind: 'fault', message: `dump answered with a message of type ${stray.type}, expected ${family}` };
  return { kind: 'ok', value: answer.value.map((m) => m.data) };
}

/** The id nlctrl gives the family `name` (exported for the hostile-reply tests, as transportOver). */
export async function resolveFamily(sock: NetlinkSocket, name: string): Promise<GenlAnswer<number>> {
  const attrs = new AttrStream();
  attrs.emit(genl.formatMessage({ familyName: name }));
  const header = Uint8Array.from([genl.Commands.GET_FAMILY, CTRL_VERSION, 0, 0]);
  const answer = await exchange(sock, GENL_ID_CTRL, [header, ...attrs.bufs], 0);
  if (answer.kind !== 'ok') return answer;
  const [reply] = answer.value;
  const error = errorAnswer(reply);
  if (error) return error.kind === 'ok' ? { kind: 'fault', message: 'nlctrl acked GET_FAMILY without a reply' } : error;
  try {
    const id = reply && genl.parseMessage(reply.data.subarray(GENL_HDRLEN)).familyId;
    return id ? { kind: 'ok', value: id } : { kind: 'fault', message: `nlctrl answered GET_FAMILY ${name} without a family id` };
  } catch (e) {
    return faultOf(e);
  }
}

/** The transport over an open socket whose family id `id` is resolved; `timeoutMs` bounds each answer. */
export function transportOver(sock: NetlinkSocket, id: number, timeoutMs = ANSWER_TIMEOUT_MS): GenlTransport {
  return {
    request: async (payload) => ackOf(await exchange(sock, id, [payload], 0, timeoutMs)),
    dump: async (payload) => dumpOf(await exchange(sock, id, [payload], FlagsGet.DUMP, timeoutMs), id),
    close: () => sock.close(),
  };
}

/** Opens the socket and resolves the IPVS family; refused with ENOENT when ip_vs is not loaded. */
async function openIpvsTransport(namespace: string | undefined): Promise<GenlAnswer<GenlTransport>> {
  let sock: NetlinkSocket;
  try {
    const open = (): NetlinkSocket => createNetlink(Protocol.GENERIC);
    sock = namespace === undefined ? open() : inNetworkNamespace(ipvsNamespacePath(namespace), open);
  } catch (e) {
    return faultOf(e);
  }
  // Without a listener a socket error would throw from the emitter; the pending request times out instead.
  sock.on('error', () => undefined);
  const family = await resolveFamily(sock, IPVS_GENL_NAME);
  if (family.kind !== 'ok') {
    sock.close();
    return family;
  }
  return { kind: 'ok', value: transportOver(sock, family.value) };
}

export type Opened = { readonly ok: true; readonly port: IpvsPort } | { readonly ok: false; readonly failure: PortFailure };

/** keepalived's open_ipvs_namespace: a named namespace, or for `net_namespace_ipvs` alone init's (the host's). */
export function ipvsNamespacePath(namespace: string): string {
  return namespace ? `/var/run/netns/${namespace}` : '/proc/1/ns/net';
}

/**
 * The real port; ENOENT means the kernel has no IPVS family (ip_vs not loaded).
 * `namespace`: net_namespace_ipvs ('' for the host's), else the process's own.
 */
export async function openNetlinkPort(namespace?: string): Promise<Opened> {
  const transport = await openIpvsTransport(namespace);
  if (transport.kind !== 'ok') return { ok: false, failure: failureOf('resolve the IPVS generic-netlink family', transport) };
  return { ok: true, port: ipvsPortOver(transport.value) };
}
