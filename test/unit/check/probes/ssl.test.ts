/** SSL_GET against a local TLS server with a self-signed certificate made by openssl for this test. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { runGenhash } from '../../../../src/check/genhash.js';
import { loadSslContext, makeHttpProbe } from '../../../../src/check/probes/http.js';
import type { SslContext } from '../../../../src/config/check/model.js';
import { tempDir } from '../../../tmp.js';
import { never, serve, target, unansweredPort } from './servers.js';

let dir: string;
let keyFile: string;
let certFile: string;

beforeAll(() => {
  dir = tempDir('ssl');
  keyFile = path.join(dir, 'key.pem');
  certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=real.example'], {
    stdio: 'ignore',
  });
});

/** A TLS web server recording each request and the SNI it came with. */
async function secureWeb(body: string): Promise<{ port: number; seen: { servername: string | false | null; request: string }[] }> {
  const seen: { servername: string | false | null; request: string }[] = [];
  const { port } = await serve(
    (s) => {
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (!got.endsWith('\r\n\r\n')) return;
        seen.push({ servername: (s as tls.TLSSocket).servername, request: got });
        s.end(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      });
    },
    { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
  );
  return { port, seen };
}

const sslGet = (urlBody: string, extra = ''): string => `SSL_GET {\n connect_timeout 0.3\n ${extra}\n url {\n ${urlBody}\n }\n}`;

describe('SSL_GET', () => {
  it('fetches over TLS without verifying the self-signed certificate; digest of the body', async () => {
    const srv = await secureWeb('secure');
    const digest = createHash('md5').update('secure').digest('hex');
    expect(await makeHttpProbe()(target(sslGet(`path /s\ndigest ${digest}`), srv.port), never)).toEqual({
      ok: true,
      message: `MD5 digest success to [127.0.0.1]:tcp:${srv.port} url(/s)\nRemote Web server [127.0.0.1]:tcp:${srv.port} succeed on service.`,
    });
    expect(srv.seen[0]!.request).toBe(`GET /s HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
  });

  it('sends SNI only with enable_sni: the url, checker or virtual server virtualhost, never the real server\'s', async () => {
    const srv = await secureWeb('');
    const probe = makeHttpProbe();
    await probe(target(sslGet('path /\nvirtualhost u.example'), srv.port), never);
    await probe(target(sslGet('path /\nvirtualhost u.example', 'enable_sni'), srv.port), never);
    await probe(target(sslGet('path /', 'enable_sni\nvirtualhost c.example'), srv.port, { vs: 'virtualhost v.example' }), never);
    await probe(target(sslGet('path /', 'enable_sni'), srv.port, { vs: 'virtualhost v.example', rs: 'virtualhost r.example' }), never);
    await probe(target(sslGet('path /', 'enable_sni'), srv.port, { rs: 'virtualhost r.example' }), never);
    expect(srv.seen.map((s) => [s.servername, /Host: (.*)\r\n/.exec(s.request)![1]])).toEqual([
      [false, 'u.example'],
      ['u.example', 'u.example'],
      ['c.example', 'c.example'],
      ['v.example', 'r.example'],
      [false, 'r.example'],
    ]);
  });

  it('a server that does not speak TLS fails the handshake', async () => {
    const { port } = await serve((s) => s.end('HTTP/1.0 200 OK\r\n\r\n'));
    expect(await makeHttpProbe()(target(sslGet('path /'), port), never)).toEqual({
      ok: false,
      message: `SSL handshake/communication error connecting to server [127.0.0.1]:tcp:${port}.`,
    });
  });

  it('a server that never answers the handshake times out as a connect', async () => {
    const hang = await serve(() => {});
    const syn = await unansweredPort();
    for (const port of [hang.port, syn]) {
      expect(await makeHttpProbe()(target(sslGet('path /'), port), never)).toEqual({
        ok: false,
        message: `Timeout connecting server [127.0.0.1]:tcp:${port}.`,
      });
    }
  });

  it('a TLS server that closes before answering: SSL read error', async () => {
    const { port } = await serve(
      (s) => s.once('data', () => s.end()),
      { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) },
    );
    expect((await makeHttpProbe()(target(sslGet('path /'), port), never)).message).toBe(`SSL read error from server [127.0.0.1]:tcp:${port}.`);
  });
});

describe('genhash -S', () => {
  it('fetches over TLS, with SNI from -V when -I asks for it', async () => {
    const srv = await secureWeb('secure');
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true } };
    expect(await runGenhash(['-S', '-I', '-V', 'v.example', '-s', '127.0.0.1', '-p', String(srv.port), '-u', '/'], io)).toBe(0);
    expect(out).toBe(`${createHash('md5').update('secure').digest('hex')}\n`);
    expect(srv.seen.map((s) => s.servername)).toEqual(['v.example']);
  });
});

describe('loadSslContext', () => {
  const ssl = (s: Omit<SslContext, 'loc'>): SslContext => ({ ...s, loc: { file: 'keepalived.conf', line: 1 } });

  it('loads certificate, key and CA; the context works against the server', async () => {
    const r = await loadSslContext(ssl({ certFile, keyFile, caFile: certFile }));
    expect(r.ok).toBe(true);
    const srv = await secureWeb('x');
    expect((await makeHttpProbe(r.ok ? r.context : undefined)(target(sslGet('path /'), srv.port), never)).ok).toBe(true);
  });

  it('no SSL block: a default context', async () => {
    expect((await loadSslContext(undefined)).ok).toBe(true);
  });

  it('fails with keepalived\'s messages', async () => {
    const missing = path.join(dir, 'missing.pem');
    expect(await loadSslContext(ssl({ certFile: missing }))).toEqual({ ok: false, message: 'SSL error : Cant load certificate file...' });
    expect(await loadSslContext(ssl({ keyFile: certFile }))).toEqual({ ok: false, message: 'SSL error : Cant load key file...' });
    expect(await loadSslContext(ssl({ caFile: keyFile }))).toEqual({ ok: false, message: 'SSL error : Cant load CA file...' });
  });
});
