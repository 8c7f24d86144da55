/**
 * DNS_CHECK (check_dns.c): one query over a connected UDP socket. Replies
 * with another id, or that are queries, are ignored as keepalived ignores
 * them; the first reply with our id decides: rcode 0 passes, whatever the
 * answer section holds. connect_timeout bounds the whole exchange.
 */
import { randomInt } from 'node:crypto';
import { serverName } from '../pool.js';
import type { Probe, ProbeResult } from '../probe.js';
import { boundedAttempt } from './bounded-attempt.js';
import { datagramAttempt, errnoText, isUnreachable } from './datagram.js';
import { decodeHeader, DNS_TYPES, encodeQuery } from './dns-message.js';

export const dnsProbe: Probe = ({ vs, rs, checker }, signal, clock) => {
  // keepalived's lines all start so (dns_log_message); the scheduler adds " after N retries"
  const fail = (reason: string): ProbeResult => ({ ok: false, message: `DNS_CHECK (${serverName(vs, rs)}) ${reason}` });
  if (checker.type !== 'DNS_CHECK') return Promise.resolve(fail(`cannot check ${checker.type}`));
  const { connection } = checker;
  const dst = connection.dst;
  if (dst === undefined) return Promise.resolve(fail('failed to create socket. Rescheduling.'));
  const id = randomInt(0x10000);
  const query = encodeQuery(id, checker.name, DNS_TYPES[checker.queryType] ?? DNS_TYPES.SOA!);
  return boundedAttempt(connection.connectTimeoutUs, signal, () => fail('read timeout from socket'), (attempt) =>
    datagramAttempt(
      attempt,
      connection,
      dst,
      // socket_bind_connect: fwmark and bind_if, no ICMP error queue
      { recvErr: false, bindInterface: true },
      (s) => {
        s.on('message', (reply) => {
          const header = decodeHeader(reply);
          if (header === undefined || header.id !== id || !header.response) return;
          attempt.finish(header.rcode === 0 ? { ok: true } : fail(`read error occurred. (rcode = ${header.rcode})`));
        });
        s.on('error', (error: NodeJS.ErrnoException) => attempt.finish(fail(`failed to read socket; ${errnoText(error)}`)));
        s.send(query, (error) => error && attempt.finish(fail('failed to write socket.')));
      },
      (error) =>
        attempt.finish(fail(isUnreachable(error) ? `network unreachable for [${dst.address}]:${dst.port}` : 'UDP socket bind failed. Rescheduling.')),
    ),
    clock,
  );
};
