/**
 * One rtnetlink request answered by an ack, the errno read from the
 * NLMSG_ERROR itself (`checkError: false`), as keepalived's netlink_talk
 * reads it. Shared by the address, route and link ports.
 *
 * At most MAX_IN_FLIGHT requests wait for their answer on one socket: a
 * thousand instances removing or adding their VIPs at once would otherwise
 * queue a thousand answers, overrun the socket's receive buffer, and the
 * netlink package aborts the process on the socket error that follows
 * (its poll handler throws a C++ exception nothing catches).
 */
import { getSystemErrorName } from 'node:util';
import { MessageType, parseError, type RtNetlinkSocket } from 'netlink';

/** The kernel answers at once; silence this long means it never will. */
export const ANSWER_TIMEOUT_MS = 5_000;

/** Answers a socket's receive buffer holds with room to spare (an NLMSG_ERROR echoing a request: about 1 KiB of skb). */
export const MAX_IN_FLIGHT = 16;

/** Per socket: requests sent and not yet answered, and those waiting for a turn. */
interface Turns {
  inFlight: number;
  readonly waiting: (() => void)[];
}

const turnsOf = new WeakMap<RtNetlinkSocket, Turns>();

/** undefined on the ack; the errno's name or what went wrong otherwise. */
export async function requestAck(sock: RtNetlinkSocket, type: number, body: readonly Uint8Array[], flags: number): Promise<string | undefined> {
  let turns = turnsOf.get(sock);
  if (!turns) turnsOf.set(sock, (turns = { inFlight: 0, waiting: [] }));
  if (turns.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => turns.waiting.push(resolve));
  turns.inFlight++;
  try {
    return await exchange(sock, type, body, flags);
  } finally {
    turns.inFlight--;
    turns.waiting.shift()?.();
  }
}

async function exchange(sock: RtNetlinkSocket, type: number, body: readonly Uint8Array[], flags: number): Promise<string | undefined> {
  try {
    const [[answer]] = await sock.socket.request(type, [...body], { flags, timeout: ANSWER_TIMEOUT_MS, checkError: false });
    if (answer === undefined) return 'no answer';
    if (answer.type !== MessageType.ERROR) return `expected an ack, got a message of type ${answer.type}`;
    const errno = parseError(answer.data, answer.flags).errno;
    return errno === 0 ? undefined : getSystemErrorName(errno);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
