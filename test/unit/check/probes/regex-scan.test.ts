/** HTTP_GET's regex over a response fed in reads: linear-time verdicts on hostile bodies, windows, anchors and offsets. */
import { describe, expect, it } from 'vitest';
import { compileHttpRegex } from '../../../../src/config/check/http-regex.js';
import { REGEX_CARRY, REGEX_SUBJECT_MAX, RegexScan } from '../../../../src/check/probes/regex-scan.js';

interface Opts {
  options?: string[];
  minOffset?: number;
  maxOffset?: number;
  /** Bytes per feed() call, as reads would deliver them. */
  read?: number;
}

function scan(pattern: string, response: string, o: Opts = {}): boolean {
  const compiled = compileHttpRegex({ pattern, options: o.options ?? [] });
  if (!compiled.ok) throw new Error(compiled.reason);
  const s = new RegexScan(compiled, { minOffset: o.minOffset ?? 0, maxOffset: o.maxOffset ?? 0 });
  const bytes = Buffer.from(response, 'latin1');
  const read = o.read ?? 65536;
  for (let i = 0; i < bytes.length; i += read) s.feed(bytes.subarray(i, i + read));
  return s.finish();
}

const MiB = 1 << 20;

describe('RegexScan on hostile bodies', () => {
  it("1 MiB of a repeated word against 'status.*healthy': no match, and a match once 'healthy' comes", () => {
    const words = 'status '.repeat(Math.ceil(MiB / 7)).slice(0, MiB - 100);
    expect(scan('status.*healthy', words)).toBe(false);
    expect(scan('status.*healthy', `${words}healthy`)).toBe(true);
  });

  it('nested quantifiers run in linear time: (a+)+$ and (x+x+)+y', () => {
    const as = 'a'.repeat(200_000);
    expect(scan('(a+)+$', `${as}!`)).toBe(false);
    expect(scan('(a+)+$', as)).toBe(true);
    expect(scan('(x+x+)+y', 'x'.repeat(200_000))).toBe(false);
    expect(scan('^(([a-z])+.)+[A-Z]([a-z])+$', `${'aaaaaaaaaaaaaaaaaaaaaaaaaaaa'.repeat(5000)}!`)).toBe(false);
  });

  it('looks no further than the first MiB of the response', () => {
    expect(scan('needle', `${'.'.repeat(REGEX_SUBJECT_MAX - 6)}needle`)).toBe(true);
    expect(scan('needle', `${'.'.repeat(REGEX_SUBJECT_MAX)}needle`)).toBe(false);
  });
});

describe('RegexScan across reads and windows', () => {
  it('finds a match split over reads, whatever the read size', () => {
    const body = `${'-'.repeat(5000)}status: healthy${'-'.repeat(5000)}`;
    for (const read of [1, 7, 1000, 1024, 4096, 65536]) expect(scan('status: *healthy', body, { read })).toBe(true);
  });

  it(`finds a match of up to ${REGEX_CARRY - 1} bytes wherever it lies; none longer than keepalived's buffer`, () => {
    const at = (gap: number): string => `${'-'.repeat(3333)}<${'x'.repeat(gap)}>${'-'.repeat(9000)}`;
    expect(scan('<x*>', at(REGEX_CARRY - 3))).toBe(true);
    expect(scan('<x*>', at(4095))).toBe(false);
  });

  it('^ is the start of the response (or of a line with multiline), not of a window', () => {
    const body = `${'a'.repeat(1023)}\nbcd`;
    for (const read of [1, 1024]) {
      expect(scan('^bcd', body, { read })).toBe(false);
      expect(scan('^bcd', body, { read, options: ['multiline'] })).toBe(true);
      expect(scan('^a', body, { read })).toBe(true);
    }
  });

  it('$ and \\b see the bytes that follow a window, and $ matches at the end of the response', () => {
    const ok = `${'-'.repeat(1022)}ok`;
    expect(scan('ok$', `${ok}ay`, { read: 1024 })).toBe(false);
    expect(scan('ok$', ok, { read: 1024 })).toBe(true);
    expect(scan('ok\\b', `${ok}ay`, { read: 1024 })).toBe(false);
    expect(scan('\\bay', `${ok}ay`, { read: 1024 })).toBe(false);
  });

  it('regex_min_offset and regex_max_offset count from the first byte, in any window', () => {
    const body = `${'-'.repeat(6000)}MARK${'-'.repeat(6000)}`;
    expect(scan('MARK', body, { minOffset: 6000 })).toBe(true);
    expect(scan('MARK', body, { minOffset: 6001 })).toBe(false);
    expect(scan('MARK', body, { maxOffset: 6001 })).toBe(true);
    expect(scan('MARK', body, { maxOffset: 6000 })).toBe(false);
  });

  it('firstline: the match starts no later than the first newline at or after regex_min_offset', () => {
    const body = `${'-'.repeat(5000)}\n200 ok\nlater`;
    expect(scan('-\\n', body, { options: ['firstline'] })).toBe(true);
    expect(scan('200', body, { options: ['firstline'] })).toBe(false);
    expect(scan('200', body, { options: ['firstline'], minOffset: 5001 })).toBe(true);
    expect(scan('later', body, { options: ['firstline'], minOffset: 5001 })).toBe(false);
  });

  it('caseless, dotall, multiline and ungreedy map onto the engine; utf matches UTF-8', () => {
    expect(scan('HEALTHY', 'healthy', { options: ['caseless'] })).toBe(true);
    expect(scan('a.b', 'a\nb')).toBe(false);
    expect(scan('a.b', 'a\nb', { options: ['dotall'] })).toBe(true);
    expect(scan('^x$', 'a\nx\nb', { options: ['multiline'] })).toBe(true);
    expect(scan('<.+>$', '<a>b>', { options: ['ungreedy'] })).toBe(true);
    expect(scan('^é$', Buffer.from('é').toString('latin1'), { options: ['utf'] })).toBe(true);
    expect(scan('^é$', Buffer.from('é').toString('latin1'))).toBe(false);
  });
});
