/** HTTP_GET against local servers: the request keepalived sends, each verdict and its log line, and the timeouts. */
import { createHash } from 'node:crypto';
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../lab/fakes/clock.js';
import { makeHttpProbe } from '../../../../src/check/probes/http.js';
import { arrivals, never, refusedPort, serve, settleAtTimeout, target, timed, trickle, unansweredPort, type Listening } from './servers.js';

const probe = makeHttpProbe();
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** A server that reads the request, records it, then lets `respond` answer. */
async function web(respond: (s: net.Socket, request: string) => void): Promise<Listening & { requests: string[] }> {
  const requests: string[] = [];
  const srv = await serve((s) => {
    let got = '';
    s.on('data', (d: Buffer) => {
      const had = got.includes('\r\n\r\n');
      got += d.toString('latin1');
      if (had || !got.includes('\r\n\r\n')) return;
      requests.push(got);
      respond(s, got);
    });
  });
  return { ...srv, requests };
}

const answer =
  (status: string, body: string, headers = '') =>
  (s: net.Socket): void => {
    s.end(`HTTP/1.0 ${status}\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };

const httpGet = (urls: string, extra = ''): string => `HTTP_GET {\n connect_timeout 0.3\n ${extra}\n ${urls}\n}`;
const url = (body: string): string => `url {\n ${body}\n}`;
/** connect_timeout 30 s: a real timer would outlast the test, so only the probe's (fake) clock ends these attempts. */
const slowGet = `HTTP_GET {\n connect_timeout 30\n ${url('path /')}\n}`;
const name = (port: number): string => `[127.0.0.1]:tcp:${port}`;

describe('HTTP_GET request', () => {
  it('sends keepalived\'s GET, HTTP/1.0 and Host ip:port by default', async () => {
    const srv = await web(answer('200 OK', 'hi'));
    const r = await probe(target(httpGet(url('path /index.html')), srv.port), never);
    expect(r).toEqual({
      ok: true,
      message: `HTTP status code success to ${name(srv.port)} url(/index.html)\nRemote Web server ${name(srv.port)} succeed on service.`,
    });
    expect(srv.requests).toEqual([`GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`]);
  });

  it('IPv6: the Host address in brackets, and the server named [addr]:tcp:port', async () => {
    const requests: string[] = [];
    const srv = await serve(
      (s) =>
        s.once('data', (d: Buffer) => {
          requests.push(d.toString('latin1'));
          answer('200 OK', '')(s);
        }),
      undefined,
      '::1',
    );
    const r = await probe(target(httpGet(url('path /')), srv.port, { address: '::1' }), never);
    expect(r.message?.split('\n')[0]).toBe(`HTTP status code success to [::1]:tcp:${srv.port} url(/)`);
    expect(requests[0]).toContain(`\r\nHost: [::1]:${srv.port}\r\n`);
  });

  it('http_protocol 1.1 and 1.0C add Connection: close', async () => {
    const srv = await web(answer('200 OK', ''));
    await probe(target(httpGet(url('path /'), 'http_protocol 1.1'), srv.port), never);
    await probe(target(httpGet(url('path /'), 'http_protocol 1.0C'), srv.port), never);
    expect(srv.requests.map((r) => r.split('\r\n').slice(0, 3))).toEqual([
      ['GET / HTTP/1.1', 'User-Agent: KeepAliveClient', 'Connection: close'],
      ['GET / HTTP/1.0', 'User-Agent: KeepAliveClient', 'Connection: close'],
    ]);
  });

  it('Host: url virtualhost, else the checker\'s, else the real server\'s, else the virtual server\'s', async () => {
    const srv = await web(answer('200 OK', ''));
    const host = async (urlVhost: string, checker: string, rs: string, vs: string): Promise<string | undefined> => {
      srv.requests.length = 0;
      await probe(target(httpGet(url(`path /\n${urlVhost}`), checker), srv.port, { rs, vs }), never);
      return /\r\nHost: (.*)\r\n/.exec(srv.requests[0]!)?.[1];
    };
    expect(await host('virtualhost u.example', 'virtualhost c.example', 'virtualhost r.example', 'virtualhost v.example')).toBe('u.example');
    expect(await host('', 'virtualhost c.example', 'virtualhost r.example', 'virtualhost v.example')).toBe('c.example');
    expect(await host('', '', 'virtualhost r.example', 'virtualhost v.example')).toBe('r.example');
    expect(await host('', '', '', 'virtualhost v.example:8080')).toBe('v.example:8080');
  });
});

describe('HTTP_GET verdicts', () => {
  it('a status code outside status_code fails; status_code accepts others', async () => {
    const srv = await web(answer('404 Not Found', 'gone'));
    expect(await probe(target(httpGet(url('path /')), srv.port), never)).toEqual({
      ok: false,
      message: `HTTP status code error to server ${name(srv.port)}.`,
    });
    expect((await probe(target(httpGet(url('path /\nstatus_code 200-299 404')), srv.port), never)).ok).toBe(true);
  });

  it('a status line without the space after the code is no status at all, as keepalived reads it', async () => {
    const srv = await web((s) => s.end('HTTP/1.0 200\r\n\r\nbody'));
    expect((await probe(target(httpGet(url('path /')), srv.port), never)).message).toBe(`HTTP status code error to server ${name(srv.port)}.`);
  });

  it('digest: the MD5 of the body alone, no further than Content-Length', async () => {
    const srv = await web((s) => s.end('HTTP/1.0 200 OK\r\nContent-Length: 5\r\nX-Other: 1\r\n\r\nhello, trailing bytes'));
    expect(await probe(target(httpGet(url(`path /\ndigest ${md5('hello')}`)), srv.port), never)).toEqual({
      ok: true,
      message: `MD5 digest success to ${name(srv.port)} url(/)\nRemote Web server ${name(srv.port)} succeed on service.`,
    });
    expect(await probe(target(httpGet(url(`path /\ndigest ${md5('hello, trailing bytes')}`)), srv.port), never)).toEqual({
      ok: false,
      message: `MD5 digest error to server ${name(srv.port)}.`,
    });
  });

  it('digest without Content-Length covers the body to the end of the connection', async () => {
    const body = 'x'.repeat(100_000);
    const srv = await web((s) => s.end(`HTTP/1.0 200 OK\r\n\r\n${body}`));
    expect((await probe(target(httpGet(url(`path /\ndigest ${md5(body)}`)), srv.port), never)).ok).toBe(true);
  });

  it('regex over the response, regex_no_match, options and offsets', async () => {
    const srv = await web(answer('200 OK', 'status: Healthy and well'));
    const run = async (r: string): Promise<string | undefined> => (await probe(target(httpGet(url(`path /\n${r}`)), srv.port), never)).message?.split('\n')[0];
    expect(await run('regex "Healthy"')).toBe(`Regex match success to ${name(srv.port)} url(/)`);
    expect(await run('regex "healthy"')).toBe(`Regex match failed server ${name(srv.port)}.`);
    expect(await run('regex "healthy"\nregex_options caseless')).toBe(`Regex match success to ${name(srv.port)} url(/)`);
    expect(await run('regex "Healthy"\nregex_no_match')).toBe(`Regex match failed server ${name(srv.port)}.`);
    expect(await run('regex "Broken"\nregex_no_match')).toBe(`Regex match success to ${name(srv.port)} url(/)`);
    // Offsets count from the first byte of the response, headers included.
    expect(await run('regex "^HTTP/1\\\\.0 200"')).toBe(`Regex match success to ${name(srv.port)} url(/)`);
    expect(await run('regex "HTTP"\nregex_min_offset 1')).toBe(`Regex match failed server ${name(srv.port)}.`);
    expect(await run('regex "OK"\nregex_max_offset 8')).toBe(`Regex match failed server ${name(srv.port)}.`);
    expect(await run('regex "OK"\nregex_max_offset 13')).toBe(`Regex match success to ${name(srv.port)} url(/)`);
    expect(await run('regex "200"\nregex_options firstline')).toBe(`Regex match success to ${name(srv.port)} url(/)`);
    expect(await run('regex "Healthy"\nregex_options firstline')).toBe(`Regex match failed server ${name(srv.port)}.`);
  });

  it('every url must pass, in order; success names each', async () => {
    const srv = await web((s, req) => (req.startsWith('GET /bad ') ? answer('500 Oops', '')(s) : answer('200 OK', 'ok')(s)));
    const both = httpGet(`${url('path /a')}\n${url(`path /b\ndigest ${md5('ok')}`)}`);
    expect(await probe(target(both, srv.port), never)).toEqual({
      ok: true,
      message: [
        `HTTP status code success to ${name(srv.port)} url(/a)`,
        `MD5 digest success to ${name(srv.port)} url(/b)`,
        `Remote Web server ${name(srv.port)} succeed on service.`,
      ].join('\n'),
    });
    srv.requests.length = 0;
    const failing = httpGet(`${url('path /a')}\n${url('path /bad')}\n${url('path /c')}`);
    expect(await probe(target(failing, srv.port), never)).toEqual({ ok: false, message: `HTTP status code error to server ${name(srv.port)}.` });
    expect(srv.requests.map((r) => r.split(' ')[1])).toEqual(['/a', '/bad']);
  });
});

describe('HTTP_GET against misbehaving servers', () => {
  it('connection refused', async () => {
    const port = await refusedPort();
    expect(await probe(target(httpGet(url('path /')), port), never)).toEqual({ ok: false, message: `Connection failed server ${name(port)}.` });
  });

  it('no answer to the SYN: Timeout connecting, at connect_timeout on the probe\'s clock', async () => {
    const port = await unansweredPort();
    const clock = new FakeClock();
    const attempt = probe(target(slowGet, port), never, clock);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await settleAtTimeout(clock, 30_000_000, [attempt])).toEqual([{ ok: false, message: `Timeout connecting server ${name(port)}.` }]);
  });

  it('accepts and never answers: Timeout WEB read at connect_timeout; 20 concurrent probes take one timeout', async () => {
    const clock = new FakeClock();
    const requests = arrivals(20);
    const srv = await web(requests.each);
    const attempts = Array.from({ length: 20 }, () => probe(target(slowGet, srv.port), never, clock));
    await requests.all;
    for (const r of await settleAtTimeout(clock, 30_000_000, attempts)) expect(r).toEqual({ ok: false, message: `Timeout WEB read server ${name(srv.port)}.` });
  });

  it('times the attempt on the clock it is given (the checker runs its timers in slices)', async () => {
    const clock = new FakeClock();
    let seen = (): void => undefined;
    const requested = new Promise<void>((resolve) => (seen = resolve));
    const srv = await web(() => seen());
    const attempt = probe(target(slowGet, srv.port), never, clock);
    await requested;
    // the request is in and the server says nothing: only the given clock's time ends the attempt
    expect(await settleAtTimeout(clock, 30_000_000, [attempt])).toEqual([{ ok: false, message: `Timeout WEB read server ${name(srv.port)}.` }]);
  });

  it('sends headers then stalls: Timeout HTTP read', async () => {
    const clock = new FakeClock();
    let sent = (): void => undefined;
    const written = new Promise<void>((resolve) => (sent = resolve));
    const srv = await web((s) => s.write('HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\npartial', () => sent()));
    const result = probe(target(slowGet, srv.port), never, clock);
    await written;
    await new Promise((resolve) => setTimeout(resolve, 50));
    clock.advance(30_000_000);
    expect(await result).toEqual({ ok: false, message: `Timeout HTTP read server ${name(srv.port)}.` });
  });

  it('trickles a byte at a time: the rest of the response has one connect_timeout, not one per read', async () => {
    const srv = await web((s) => trickle(s, 'HTTP/1.0 200 OK\r\n\r\nslow body', 20));
    const { value, ms } = await timed(probe(target(httpGet(url('path /')), srv.port), never));
    expect(value).toEqual({ ok: false, message: `Timeout HTTP read server ${name(srv.port)}.` });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(900);
  });

  it('resets after the request: Read error with', async () => {
    const srv = await web((s) => s.resetAndDestroy());
    expect(await probe(target(httpGet(url('path /')), srv.port), never)).toEqual({ ok: false, message: `Read error with server ${name(srv.port)}.` });
  });

  it('garbage: without a blank line it is no data; with one, no status code', async () => {
    const noHeader = await web((s) => s.end(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a])));
    expect(await probe(target(httpGet(url('path /')), noHeader.port), never)).toEqual({
      ok: false,
      message: `Read, no data received from  server ${name(noHeader.port)}.`,
    });
    const blank = await web((s) => s.end('\x01\x02 garbage\r\n\r\nmore'));
    expect((await probe(target(httpGet(url('path /')), blank.port), never)).message).toBe(`HTTP status code error to server ${name(blank.port)}.`);
  });

  it('a header longer than keepalived\'s 4095-byte buffer is no data, however long the server goes on', async () => {
    const srv = await web((s) => s.write(`HTTP/1.0 200 OK\r\nX-Pad: ${'p'.repeat(5000)}\r\n\r\n`));
    expect((await probe(target(httpGet(url('path /')), srv.port), never)).message).toBe(`Read, no data received from  server ${name(srv.port)}.`);
  });

  it('closes without a word: no data', async () => {
    const srv = await web((s) => s.end());
    expect((await probe(target(httpGet(url('path /')), srv.port), never)).message).toBe(`Read, no data received from  server ${name(srv.port)}.`);
  });

  it('an abort ends the attempt at once', async () => {
    const srv = await serve(() => {});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    // its clock never moves: only the abort can settle it
    expect(await probe(target(slowGet, srv.port), ac.signal, new FakeClock())).toEqual({ ok: false });
  });
});
