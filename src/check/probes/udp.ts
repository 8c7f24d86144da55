/**
 * UDP_CHECK (check_udp.c, layer4.c udp_*): one datagram to the target over a
 * connected socket. Without require_reply silence until connect_timeout is
 * success and only an ICMP destination unreachable fails (IP_RECVERR: also
 * the ones the kernel does not count as fatal, such as a failed ARP
 * resolution's host unreachable); with it the first datagram back decides,
 * checked against the masked reply data and length bounds.
 */
import { isDestinationUnreachable, nextSocketError } from '../../base/checker-socket.js';
import type { Checker } from '../../config/check/model.js';
import { serverName } from '../pool.js';
import type { Probe, ProbeResult } from '../probe.js';
import { boundedAttempt } from './bounded-attempt.js';
import { datagramAttempt } from './datagram.js';

type UdpChecker = Extract<Checker, { type: 'UDP_CHECK' }>;

/** What keepalived sends without a payload: 32 bytes of its filler (set_buf), never stack contents. */
const DEFAULT_PAYLOAD = Buffer.from('keepalived check - keepalived ch');

/**
 * check_udp_reply: lengths are checked, then the first min(received,
 * expected) octets under the mask. Only when reply data was configured: a
 * bare `require_reply` takes any datagram, whatever its length.
 */
function replyMatches(reply: Uint8Array, checker: UdpChecker): boolean {
  if (checker.replyData === undefined) return true;
  if (reply.length < checker.minReplyLength || reply.length > checker.maxReplyLength) return false;
  const data = Buffer.from(checker.replyData, 'hex');
  const mask = checker.replyMask === undefined ? undefined : Buffer.from(checker.replyMask, 'hex');
  const n = Math.min(reply.length, data.length);
  for (let i = 0; i < n; i++) {
    if ((reply[i]! ^ data[i]!) & ~(mask?.[i] ?? 0) & 0xff) return false;
  }
  return true;
}

/**
 * A socket error (epoll's EPOLLERR: keepalived's READ_ERROR), judged by its
 * queued ICMP error as udp_socket_error does: a destination unreachable of
 * any code fails; any other entry, or none, counts as an answer, and an
 * answer never read is too long for reply data (keepalived checks it with
 * max_reply_length + 1 octets).
 */
function afterSocketError(fd: number, checker: UdpChecker, failed: ProbeResult, mismatch: ProbeResult): ProbeResult {
  const queued = nextSocketError(fd);
  if (queued !== undefined && isDestinationUnreachable(queued)) return failed;
  return checker.replyData === undefined ? { ok: true } : mismatch;
}

export const udpProbe: Probe = ({ vs, rs, checker }, signal, clock) => {
  const target = serverName(vs, rs);
  const failed: ProbeResult = { ok: false, message: `UDP connection to ${target} failed.` };
  const mismatch: ProbeResult = { ok: false, message: `UDP check to ${target} reply data mismatch.` };
  if (checker.type !== 'UDP_CHECK') return Promise.resolve(failed);
  const { connection } = checker;
  const dst = connection.dst;
  // keepalived cannot open the socket either and fails the attempt without a word
  if (dst === undefined) return Promise.resolve({ ok: false });
  const payload = checker.payload === undefined ? DEFAULT_PAYLOAD : Buffer.from(checker.payload, 'hex');
  const onTimeout = (): ProbeResult => (checker.requireReply ? failed : { ok: true });
  return boundedAttempt(connection.connectTimeoutUs, signal, onTimeout, (attempt) =>
    datagramAttempt(
      attempt,
      connection,
      dst,
      // udp_bind_connect: ICMP errors queued, fwmark, never bind_if
      { recvErr: true, bindInterface: false },
      (s, fd) => {
        s.on('message', (reply) => {
          const ok = !checker.requireReply || replyMatches(reply, checker);
          attempt.finish(ok ? { ok } : mismatch);
        });
        s.on('error', () => attempt.finish(afterSocketError(fd, checker, failed, mismatch)));
        s.send(payload, (error) => error && attempt.finish({ ok: false }));
      },
      () => attempt.finish({ ok: false }),
    ),
    clock,
  );
};
