/**
 * SMTP_CHECK (check_smtp.c): a 220 greeting, `HELO <helo_name>` answered by
 * 250, then `QUIT` answered by any line.
 *
 * Lines are read as keepalived reads them: at most 511 bytes per read into a
 * buffer that starts over when full; the first newline ends the line and
 * the rest of that read is dropped. Each line must arrive within
 * connect_timeout; keepalived restarts that timer on every read, so a
 * server trickling bytes could hold it forever, here it cannot.
 */
import type { Probe, ProbeResult } from '../probe.js';
import { serverName } from '../pool.js';
import { connect, converse } from './connect.js';

/** keepalived's SMTP_BUFF_MAX less the terminating NUL. */
const BUFF_MAX = 511;

/** smtp_get_status: strtoul must take exactly 3 characters, then a space or the end. */
function status(line: Buffer): number {
  const text = line.toString('latin1');
  const m = /^[ \t\n\v\f\r]*[+-]?\d+/.exec(text);
  if (!m || m[0].length !== 3 || (m[0].length < text.length && text[3] !== ' ')) return -1;
  return Number(m[0]);
}

export const smtpProbe: Probe = async ({ vs, rs, checker }, signal, clock) => {
  if (checker.type !== 'SMTP_CHECK') return { ok: false, message: `SMTP_CHECK probe given a ${checker.type} checker` };
  const co = checker.connection;
  if (!co.dst) return { ok: false, message: 'SMTP_CHECK connection failed to create socket. Rescheduling.' };
  // keepalived names the connect address here (inet_sockaddrtopair), not the real server.
  const pair = `[${co.dst.address}]:${co.dst.port}`;
  const fail = (what: string): ProbeResult => ({ ok: false, message: `SMTP_CHECK ${what} from server ${pair}` });
  const c = await connect(co, signal, undefined, clock);
  if (!c.ok) {
    switch (c.failure) {
      case 'aborted':
        return { ok: false };
      case 'error':
        return { ok: false, message: 'SMTP_CHECK socket bind failed. Rescheduling.' };
      case 'timeout':
        return { ok: false, message: `SMTP_CHECK Connection timeout to server ${pair}` };
      default:
        return { ok: false, message: `SMTP_CHECK Could not connect to server ${pair}` };
    }
  }
  const timeoutMs = co.connectTimeoutUs / 1000;
  const success: ProbeResult = { ok: true, message: `Remote SMTP server ${serverName(vs, rs)} succeed on service.` };
  return converse<ProbeResult>(c.socket, signal, { ok: false }, (s) => {
    /** Received and not yet read. */
    let pending = Buffer.alloc(0);
    let line = Buffer.alloc(0);
    let onLine: ((line: Buffer) => void) | undefined;

    const readLines = (): void => {
      while (onLine && pending.length > 0) {
        if (line.length >= BUFF_MAX) line = Buffer.alloc(0);
        const read = pending.subarray(0, BUFF_MAX - line.length);
        pending = pending.subarray(read.length);
        line = Buffer.concat([line, read]);
        // strchr stops at the NUL that ends the C string.
        const nul = line.indexOf(0);
        const text = nul >= 0 ? line.subarray(0, nul) : line;
        const nl = text.indexOf(0x0a);
        if (nl < 0) continue;
        const got = onLine;
        onLine = undefined;
        got(text.subarray(0, nl));
      }
    };
    const getLine = (then: (line: Buffer) => void): void => {
      line = Buffer.alloc(0);
      onLine = then;
      s.arm(timeoutMs, fail('Read timeout'));
      readLines();
    };
    const putLine = (text: string, then: (line: Buffer) => void): void => {
      c.socket.write(text);
      getLine(then);
    };

    c.socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      readLines();
    });
    const failure = (): void => s.done(fail('Read failure'));
    c.socket.on('end', failure);
    c.socket.on('close', failure);
    c.socket.on('error', failure);

    getLine((greeting) => {
      if (status(greeting) !== 220) return s.done(fail('Bad greeting banner'));
      putLine(`HELO ${checker.heloName}\r\n`, (helo) => {
        if (status(helo) !== 250) return s.done(fail('Bad HELO response'));
        putLine('QUIT\r\n', () => s.done(success));
      });
    });
  }, clock);
};
