/**
 * HTTP_GET regex against hostile local servers (issue 9, finding 6): a MiB
 * of a repeated word against `status.*healthy`, and catastrophic patterns,
 * get the right verdict while the event loop keeps turning between reads;
 * a pattern the linear-time engine cannot run fails closed.
 */
import type * as net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeHttpProbe } from '../../../../src/check/probes/http.js';
import { RegexScan } from '../../../../src/check/probes/regex-scan.js';
import { never, serve, target } from './servers.js';

const probe = makeHttpProbe();
const PIECE = 16 * 1024;
const MiB = 1 << 20;

/** Answers each request with a 200 header and `body`, written a piece at a time, yielding between pieces. */
async function hostile(body: Buffer): Promise<number> {
  const srv = await serve((s: net.Socket) => {
    s.once('data', () => {
      s.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      const next = (at: number): void => {
        if (s.destroyed) return;
        if (at >= body.length) return void s.end();
        s.write(body.subarray(at, at + PIECE), () => setImmediate(() => next(at + PIECE)));
      };
      next(0);
    });
  });
  return srv.port;
}

const repeated = (word: string, size: number): Buffer => Buffer.from(word.repeat(Math.ceil(size / word.length)).slice(0, size), 'latin1');
const check = (regex: string, port: number) =>
  probe(target(`HTTP_GET {\n connect_timeout 5\n url {\n  path /\n  ${regex}\n }\n}`, port), never);
const verdict = async (regex: string, port: number): Promise<string | undefined> => (await check(regex, port)).message?.split('\n')[0];
const name = (port: number): string => `[127.0.0.1]:tcp:${port}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('HTTP_GET regex against a hostile server', () => {
  it("1 MiB of a repeated word against 'status.*healthy': Regex match failed (success with regex_no_match)", async () => {
    const port = await hostile(repeated('status ', MiB));
    expect(await verdict('regex "status.*healthy"', port)).toBe(`Regex match failed server ${name(port)}.`);
    expect(await verdict('regex "status.*healthy"\n  regex_no_match', port)).toBe(`Regex match success to ${name(port)} url(/)`);
  });

  it('catastrophic patterns get their verdict: (a+)+$, (x+x+)+y, (.*a){12}', async () => {
    const as = await hostile(Buffer.concat([repeated('a', 256 * 1024), Buffer.from('!')]));
    expect(await verdict('regex "(a+)+$"', as)).toBe(`Regex match failed server ${name(as)}.`);
    expect(await verdict('regex "(a+)+!$"', as)).toBe(`Regex match success to ${name(as)} url(/)`);
    const xs = await hostile(repeated('x', 256 * 1024));
    expect(await verdict('regex "(x+x+)+y"', xs)).toBe(`Regex match failed server ${name(xs)}.`);
    expect(await verdict('regex "(.*a){12}"', xs)).toBe(`Regex match failed server ${name(xs)}.`);
  });

  it('the event loop turns between the reads the regex is fed, and a healthy server is checked meanwhile', async () => {
    const port = await hostile(repeated('status ', MiB));
    const healthy = await serve((s) => s.once('data', () => s.end('HTTP/1.0 200 OK\r\n\r\nstatus: healthy')));
    let turns = 0;
    let beating = true;
    const beat = (): void => {
      turns++;
      if (beating) setImmediate(beat);
    };
    setImmediate(beat);
    const turnAtFeed: number[] = [];
    const feed = RegexScan.prototype.feed;
    vi.spyOn(RegexScan.prototype, 'feed').mockImplementation(function (this: RegexScan, chunk: Buffer) {
      turnAtFeed.push(turns);
      feed.call(this, chunk);
    });

    const slow = check('regex "status.*healthy"', port);
    const order: string[] = [];
    void slow.then(() => order.push('hostile'));
    const fast = await check('regex "status.*healthy"', healthy.port);
    order.push('healthy');
    const r = await slow;
    beating = false;

    expect(fast.ok).toBe(true);
    expect(r.message).toBe(`Regex match failed server ${name(port)}.`);
    expect(order).toEqual(['healthy', 'hostile']);
    // Each piece is fed as it is read, with event-loop turns in between (not all at once at the end).
    expect(turnAtFeed.length).toBeGreaterThanOrEqual(MiB / PIECE / 2);
    const turnsBetween = turnAtFeed.slice(1).filter((t, i) => t > turnAtFeed[i]!).length;
    expect(turnsBetween).toBeGreaterThanOrEqual(MiB / PIECE / 2);
  });
});

describe('HTTP_GET regex the linear-time engine cannot run', () => {
  it('fails the url, with or without regex_no_match (never a backtracking fallback)', async () => {
    const port = await hostile(Buffer.from('ok ok healthy'));
    for (const regex of ['regex "(ok) \\\\1"', 'regex "(?=ok)ok"', 'regex "(?=x)y"\n  regex_no_match', 'regex "ok ok"\n  regex_options extended']) {
      expect(await verdict(regex, port)).toBe(`Regex match failed server ${name(port)}.`);
    }
    expect(await verdict('regex "(ok) ok"', port)).toBe(`Regex match success to ${name(port)} url(/)`);
  });
});
