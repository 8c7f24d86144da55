/**
 * HTTP_GET and SSL_GET (check_http.c, check_ssl.c): one GET per url, in
 * order; every url must answer with an accepted status code, the configured
 * MD5 digest of its body and a regex match (or none, with regex_no_match).
 *
 * Timing, per url: connect and TLS handshake within connect_timeout (one
 * timer, as keepalived's); the first byte of the response within another;
 * the rest of it within a third. keepalived restarts that last timer on
 * every read of a plain HTTP response, so a server trickling bytes could
 * hold it forever; here the whole rest of the response shares one timer, as
 * keepalived's SSL reader already does.
 *
 * The regex runs on a linear-time engine (config/check/http-regex.ts) over
 * the response as it is read (regex-scan.ts). A pattern that engine cannot
 * run fails its url whether or not regex_no_match is set.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { Clock } from '../../base/clock.js';
import { compileHttpRegex } from '../../config/check/http-regex.js';
import type { Checker, Connection, HttpUrl, SslContext } from '../../config/check/model.js';
import { serverName } from '../pool.js';
import type { Probe, ProbeResult } from '../probe.js';
import { connect, converse, type ConnectFailure, type TlsOptions } from './connect.js';
import { RegexScan } from './regex-scan.js';

type HttpChecker = Extract<Checker, { type: 'HTTP_GET' | 'SSL_GET' }>;

/** keepalived's receive buffer less its terminating NUL: a header not ended within it reads as no data. */
const HEADER_MAX = 4095;

/** check_http.c's request_template: the Host is the virtualhost, else the connect address and port. */
export function buildRequest(path: string, protocol: HttpChecker['httpProtocol'], dst: Connection['dst'], vhost: string | undefined): string {
  const host = vhost ?? (dst ? `${dst.family === 'inet6' ? `[${dst.address}]` : dst.address}:${dst.port}` : '');
  return (
    `GET ${path} HTTP/1.${protocol === '1.1' ? 1 : 0}\r\n` +
    'User-Agent: KeepAliveClient\r\n' +
    (protocol === '1.0' ? '' : 'Connection: close\r\n') +
    `Host: ${host}\r\n\r\n`
  );
}

export interface Response {
  /** Up to and including the blank line. */
  readonly header: Buffer;
  /** 0 when the status line does not read as keepalived's extract_status_code wants it. */
  readonly status: number;
  /** MD5 of the body, no further than Content-Length, as 32 lowercase hex digits. */
  readonly digest?: string;
  /** The bytes that were hashed (genhash -v). */
  readonly body?: Buffer;
}

export type FetchResult =
  | { kind: 'connect'; failure: ConnectFailure }
  /** keepalived's timeout_epilog message, e.g. `Timeout HTTP read`. */
  | { kind: 'error'; reason: string }
  /** The connection ended before the header did: `Read, no data received from `. */
  | { kind: 'empty' }
  | { kind: 'response'; response: Response }
  | { kind: 'aborted' };

export interface FetchSpec {
  readonly connection: Connection;
  readonly tls?: TlsOptions;
  readonly request: string;
  readonly want: { readonly digest: boolean; readonly body: boolean };
  /** Fed every byte of the response, from its first. */
  readonly regex?: RegexScan;
}

/** extract_status_code: the 3 digits after the first space, followed by a space. */
function statusCode(buf: Buffer): number {
  const sp = buf.findIndex((b) => b === 0x20 || b === 0x0d);
  if (sp < 0 || buf[sp] !== 0x20 || sp + 4 >= buf.length) return 0;
  const code = buf.subarray(sp + 1, sp + 5).toString('latin1');
  return /^\d{3} $/.test(code) ? Number(code.slice(0, 3)) : 0;
}

/** extract_content_length: strstr (so up to a NUL) then strtoul, which must end the line. */
function contentLength(buf: Buffer): number | undefined {
  const nul = buf.indexOf(0);
  const text = (nul >= 0 ? buf.subarray(0, nul) : buf).toString('latin1');
  const at = text.indexOf('Content-Length:');
  if (at < 0) return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(text.slice(at + 15))!;
  const end = m[2] ? at + 15 + m[0].length : at + 15;
  if (end < text.length && text[end] !== '\r' && text[end] !== '\n') return undefined;
  // strtoul negates a '-' into a huge unsigned value: no limit.
  return m[1] === '-' && m[2] && Number(m[2]) !== 0 ? undefined : Number(m[2] || '0');
}

/** One GET: connect, send `request`, read to the end of the response. Never rejects. */
export async function fetchUrl(spec: FetchSpec, signal: AbortSignal, clock?: Clock): Promise<FetchResult> {
  const c = await connect(spec.connection, signal, spec.tls, clock);
  if (!c.ok) return c.failure === 'aborted' ? { kind: 'aborted' } : { kind: 'connect', failure: c.failure };
  const timeoutMs = spec.connection.connectTimeoutUs / 1000;
  const secure = spec.tls !== undefined;
  return converse<FetchResult>(c.socket, signal, { kind: 'aborted' }, (s) => {
    const hash = spec.want.digest ? createHash('md5') : undefined;
    const hashed: Buffer[] = [];
    let head = Buffer.alloc(0);
    let header: Buffer | undefined;
    let status = 0;
    let limit: number | undefined;
    let rx = 0;
    let received = false;
    let over = false;
    const finish = (make: () => FetchResult): void => {
      if (over) return;
      over = true;
      s.done(make());
    };

    const feedBody = (body: Buffer): void => {
      const take = limit === undefined ? body.length : Math.max(0, Math.min(body.length, limit - rx));
      rx += body.length;
      if (take === 0) return;
      hash?.update(body.subarray(0, take));
      if (spec.want.body) hashed.push(body.subarray(0, take));
    };
    const response = (): FetchResult => ({
      kind: 'response',
      response: {
        header: header!,
        status,
        ...(hash && { digest: hash.digest('hex') }),
        ...(spec.want.body && { body: Buffer.concat(hashed) }),
      },
    });

    c.socket.on('data', (chunk: Buffer) => {
      if (!received) s.arm(timeoutMs, { kind: 'error', reason: secure ? 'Timeout SSL read' : 'Timeout HTTP read' });
      received = true;
      spec.regex?.feed(chunk);
      if (header) return feedBody(chunk);
      head = Buffer.concat([head, chunk]);
      const window = head.subarray(0, HEADER_MAX);
      const end = window.indexOf('\r\n\r\n');
      if (end < 0) {
        // keepalived's next read() into a full buffer returns 0: taken as the end of the response.
        if (head.length >= HEADER_MAX) finish(() => ({ kind: 'empty' }));
        return;
      }
      header = head.subarray(0, end + 4);
      status = statusCode(window);
      limit = contentLength(window);
      feedBody(head.subarray(end + 4));
    });
    const ended = (): void => finish(() => (header ? response() : secure ? { kind: 'error', reason: 'SSL read error from' } : { kind: 'empty' }));
    c.socket.on('end', ended);
    c.socket.on('close', ended);
    c.socket.on('error', () => {
      // OpenSSL reports a reset as the end of the stream; plain read() as an error.
      finish(() => (!secure ? { kind: 'error', reason: 'Read error with' } : header ? response() : { kind: 'empty' }));
    });
    s.arm(timeoutMs, { kind: 'error', reason: 'Timeout WEB read' });
    c.socket.write(spec.request);
  }, clock);
}

/** url → checker → real server → virtual server, as http_request_thread picks the Host. */
function hostVhost(url: HttpUrl, checker: HttpChecker, rsVhost: string | undefined, vsVhost: string | undefined): string | undefined {
  return url.virtualhost ?? checker.virtualhost ?? rsVhost ?? vsVhost;
}

/** ssl_connect's SNI: as the Host, but skipping the real server's virtualhost. Node sends no IP literal as SNI. */
function sniName(url: HttpUrl, checker: HttpChecker, vsVhost: string | undefined): string | undefined {
  const name = url.virtualhost ?? checker.virtualhost ?? vsVhost;
  return name !== undefined && isIP(name) === 0 ? name : undefined;
}

function statusAccepted(status: number, ranges: HttpUrl['statusCodes']): boolean {
  return status >= 100 && status <= 599 && ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

/**
 * The HTTP_GET / SSL_GET probe. SSL_GET uses `secureContext` (from
 * loadSslContext), else a default one, as keepalived auto-generates its SSL
 * context when there is no SSL block.
 *
 * On success `message` holds keepalived's lines for a run that brings the
 * checker up, one per line: `HTTP status code success to … url(/)` (or
 * `MD5 digest` / `Regex match`) per url, then `Remote Web server … succeed
 * on service.` A failure's message is the timeout_epilog line, e.g.
 * `HTTP status code error to server [10.0.0.2]:tcp:80.`
 */
export function makeHttpProbe(secureContext: tls.SecureContext = tls.createSecureContext()): Probe {
  return async ({ vs, rs, checker }, signal, clock): Promise<ProbeResult> => {
    if (checker.type !== 'HTTP_GET' && checker.type !== 'SSL_GET') return { ok: false, message: `HTTP probe given a ${checker.type} checker` };
    const name = serverName(vs, rs);
    const fail = (reason: string): ProbeResult => ({ ok: false, message: `${reason} server ${name}.` });
    const lines: string[] = [];
    for (const url of checker.urls) {
      const compiled = url.regex && compileHttpRegex(url.regex);
      const scan = url.regex && compiled?.ok ? new RegexScan(compiled, url.regex) : undefined;
      const servername = checker.enableSni ? sniName(url, checker, vs.virtualhost) : undefined;
      const r = await fetchUrl(
        {
          connection: checker.connection,
          ...(checker.type === 'SSL_GET' && { tls: { secureContext, ...(servername !== undefined && { servername }) } }),
          request: buildRequest(url.path, checker.httpProtocol, checker.connection.dst, hostVhost(url, checker, rs.virtualhost, vs.virtualhost)),
          want: { digest: url.digest !== undefined, body: false },
          ...(scan && { regex: scan }),
        },
        signal,
        clock,
      );
      switch (r.kind) {
        case 'aborted':
          return { ok: false };
        case 'connect':
          switch (r.failure) {
            case 'no-destination':
              return { ok: false, message: 'WEB connection fail to create socket. Rescheduling.' };
            case 'error':
              return { ok: false, message: 'WEB socket bind failed. Rescheduling' };
            case 'timeout':
              return fail('Timeout connecting');
            case 'handshake':
              return fail('SSL handshake/communication error connecting to');
            default:
              return fail('Connection failed');
          }
        case 'error':
          return fail(r.reason);
        case 'empty':
          return fail('Read, no data received from ');
      }
      const res = r.response;
      let what = 'HTTP status code';
      if (!statusAccepted(res.status, url.statusCodes)) return fail('HTTP status code error to');
      if (url.digest !== undefined) {
        if (res.digest !== url.digest) return fail('MD5 digest error to');
        what = 'MD5 digest';
      }
      if (url.regex) {
        if (!scan || scan.finish() === url.regex.noMatch) return fail('Regex match failed');
        what = 'Regex match';
      }
      lines.push(`${what} success to ${name} url(${url.path})`);
    }
    lines.push(`Remote Web server ${name} succeed on service.`);
    return { ok: true, message: lines.join('\n') };
  };
}

/**
 * The SSL block as build_ssl_ctx loads it: certificate chain, private key
 * (with its password) and CA file. The CA is loaded but, as in keepalived,
 * nothing is verified against it. A failure reads as keepalived's message.
 */
export async function loadSslContext(ssl: SslContext | undefined): Promise<{ ok: true; context: tls.SecureContext } | { ok: false; message: string }> {
  const opts: tls.SecureContextOptions = {};
  const load = async (file: string, check: (pem: Buffer) => void): Promise<Buffer | undefined> => {
    try {
      const pem = await readFile(file);
      check(pem);
      return pem;
    } catch {
      return undefined;
    }
  };
  if (ssl?.certFile !== undefined) {
    const cert = await load(ssl.certFile, (pem) => new X509Certificate(pem));
    if (!cert) return { ok: false, message: 'SSL error : Cant load certificate file...' };
    opts.cert = cert;
  }
  if (ssl?.keyFile !== undefined) {
    const passphrase = ssl.password;
    const key = await load(ssl.keyFile, (pem) => createPrivateKey({ key: pem, ...(passphrase !== undefined && { passphrase }) }));
    if (!key) return { ok: false, message: 'SSL error : Cant load key file...' };
    opts.key = key;
    if (passphrase !== undefined) opts.passphrase = passphrase;
  }
  if (ssl?.caFile !== undefined) {
    const ca = await load(ssl.caFile, (pem) => new X509Certificate(pem));
    if (!ca) return { ok: false, message: 'SSL error : Cant load CA file...' };
    opts.ca = ca;
  }
  try {
    return { ok: true, context: tls.createSecureContext(opts) };
  } catch {
    // OpenSSL checks the key against the certificate when it loads the key.
    return { ok: false, message: 'SSL error : Cant load key file...' };
  }
}
