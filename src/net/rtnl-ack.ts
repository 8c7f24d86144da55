/**
 * One rtnetlink request answered by an ack, the errno read from the
 * NLMSG_ERROR itself (`checkError: false`), as keepalived's netlink_talk
 * reads it. Shared by the address and link ports.
 */
import { getSystemErrorName } from 'node:util';
import { MessageType, parseError, type RtNetlinkSocket } from 'netlink';

/** The kernel answers at once; silence this long means it never will. */
export const ANSWER_TIMEOUT_MS = 5_000;

/** undefined on the ack; the errno's name or what went wrong otherwise. */
export async function requestAck(sock: RtNetlinkSocket, type: number, body: readonly Uint8Array[], flags: number): Promise<string | undefined> {
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
