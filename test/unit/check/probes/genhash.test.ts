/** genhash: the digest of a known body, keepalived's option handling and its output. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { dumpBuffer, runGenhash } from '../../../../src/check/genhash.js';
import { refusedPort, serve } from './servers.js';
import { rootOnly } from '../../../root.js';

async function genhash(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runGenhash(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { status, out, err };
}

async function web(response: string): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const { port } = await serve((s: net.Socket) => {
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (!got.endsWith('\r\n\r\n')) return;
      requests.push(got);
      s.end(response);
    });
  });
  return { port, requests };
}

const BODY = '<html>genhash</html>\n';
const DIGEST = createHash('md5').update(BODY).digest('hex');

describe('genhash', () => {
  it('prints the MD5 of the body, as keepalived 2.2.7 prints it', async () => {
    const srv = await web(`HTTP/1.0 200 OK\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`);
    expect(await genhash('-s', '127.0.0.1', '-p', String(srv.port), '-u', '/index.html')).toEqual({ status: 0, out: `${DIGEST}\n`, err: '' });
    expect(srv.requests).toEqual([`GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`]);
  });

  it('long options, abbreviations, attached arguments, virtualhost and protocol', async () => {
    const srv = await web(`HTTP/1.1 404 Not Found\r\n\r\n${BODY}`);
    const r = await genhash(`--serv=127.0.0.1`, `-p${srv.port}`, '--url', '/x', '-V', 'www.example', '--protocol', '1.1');
    // Any status: genhash hashes whatever comes back.
    expect(r).toEqual({ status: 0, out: `${DIGEST}\n`, err: '' });
    expect(srv.requests).toEqual(['GET /x HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example\r\n\r\n']);
  });

  rootOnly('socket options, users and memory locks')('-m marks the socket (SO_MARK), as ss shows it; strtoul\'s words, wrapped to 32 bits', async () => {
    const marks: string[] = [];
    const { port } = await serve((s: net.Socket) => {
      const shown = execFileSync('ss', ['-tneH', `sport = :${s.remotePort}`], { encoding: 'utf8' });
      marks.push(/fwmark:(0x[0-9a-f]+)/.exec(shown)?.[1] ?? 'none');
      s.end(`HTTP/1.0 200 OK\r\n\r\n${BODY}`);
    });
    for (const mark of ['42', ' \t+7', '', '4294967297']) {
      expect(await genhash('-s', '127.0.0.1', '-p', String(port), '-u', '/', '-m', mark)).toEqual({ status: 0, out: `${DIGEST}\n`, err: '' });
    }
    expect(marks).toEqual(['0x2a', '0x7', 'none', '0x1']);
  });

  it('the last -u is the one fetched', async () => {
    const srv = await web(`HTTP/1.0 200 OK\r\n\r\n${BODY}`);
    await genhash('-s', '127.0.0.1', '-p', String(srv.port), '-u', '/first', '-u', '/second');
    expect(srv.requests.map((r) => r.split(' ')[1])).toEqual(['/second']);
  });

  it('-v dumps the header and the hashed body in keepalived\'s hex layout, then the digest', async () => {
    const srv = await web(`HTTP/1.0 200 OK\r\n\r\n${BODY}`);
    const r = await genhash('-v', '-s', '127.0.0.1', '-p', String(srv.port), '-u', '/');
    const header = 'HTTP/1.0 200 OK\r\n\r\n';
    expect(r.out).toContain(`-----------------------[    HTTP Header Buffer    ]-----------------------\n${dumpBuffer(Buffer.from(header))}`);
    expect(r.out).toContain(`-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n${header}\n`);
    expect(r.out).toContain(`-----------------------[        HTML Buffer        ]-----------------------\n${dumpBuffer(Buffer.from(BODY))}`);
    expect(r.out).toContain(`\n-----------------------[    HTML hash resulting    ]-----------------------\n${dumpBuffer(Buffer.from(DIGEST, 'hex'))}`);
    expect(r.out).toMatch(new RegExp(`\\[ HTML hash final resulting \\]-----------------------\\n${DIGEST}\\n\\nGlobal response time for \\[/\\] = \\d+ usecs\\n$`));
  });

  it('dump_buffer: offset, hex with a dash after 8 bytes, printable characters', () => {
    expect(dumpBuffer(Buffer.from('0123456789abcdef\x00Z'))).toBe(
      '0000  30 31 32 33 34 35 36 37 - 38 39 61 62 63 64 65 66   0123456789abcdef\n' +
        '0016  00 5a                   -                           .Z              \n',
    );
  });

  it('a failure prints keepalived\'s reason, still with status 0; no data goes to stderr', async () => {
    const port = await refusedPort();
    expect(await genhash('-s', '127.0.0.1', '-p', String(port), '-u', '/')).toEqual({ status: 0, out: 'Connection failed\n', err: '' });
    const silent = await web('');
    expect(await genhash('-s', '127.0.0.1', '-p', String(silent.port), '-u', '/')).toEqual({ status: 0, out: '', err: 'no data received from remote webserver\n' });
  });

  it('-t bounds the wait', async () => {
    const { port } = await serve(() => {});
    const t = performance.now();
    expect((await genhash('-t', '1', '-s', '127.0.0.1', '-p', String(port), '-u', '/')).out).toBe('Timeout WEB read\n');
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('usage errors: message, then usage, status 1', async () => {
    const usage = (r: { err: string }): boolean => r.err.includes('Usage: keepalived-ts genhash COMMAND [OPTIONS]\n');
    const cases: [string[], string][] = [
      [['-h'], ''],
      [['-s', '127.0.0.1', '-p', '80'], ''],
      [['-s', 'web.example', '-p', '80', '-u', '/'], 'server should be an IP, not web.example\n'],
      [['-s', '127.0.0.1', '-p', '0', '-u', '/'], "invalid port number '0'\n"],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '-P', '2'], "invalid HTTP protocol version '2'\n"],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '-t', '-1'], "invalid timeout '-1'\n"],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '-m', '-1'], "invalid fwmark '-1'\n"],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '-m', '+'], "invalid fwmark '+'\n"],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '-m', '1x'], "invalid fwmark '1x'\n"],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '-x'], 'Unknown option -x\n'],
      [['-s', '127.0.0.1', '-p', '80', '-u', '/', '--use'], 'Unknown option --use\n'],
      [['-s', '127.0.0.1', '-p', '80', '-u'], 'Missing parameter for option -u\n'],
      [['-s', '127.0.0.1', '-p', '80', '--url'], 'Missing parameter for option --url\n'],
      [['-s', '127.0.0.1', 'extra', '-p', '80', '-u', '/'], 'Unexpected argument(s): extra\n'],
    ];
    for (const [argv, message] of cases) {
      const r = await genhash(...argv);
      expect([argv, r.status, r.out, r.err.slice(0, message.length), usage(r)]).toEqual([argv, 1, '', message, true]);
    }
  });
});
