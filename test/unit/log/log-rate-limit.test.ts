import { describe, expect, it } from 'vitest';
import { LogRateLimiter } from '../../../src/log/log-rate-limit.js';
import { RateLimitedLog } from '../../../src/log/rate-limited-log.js';
import { FakeClock } from '../../../lab/fakes/clock.js';

const S = 1_000_000;

describe('LogRateLimiter', () => {
  it('writes the first line of a key, counts the rest of the window, and owes a summary at its end', () => {
    const limiter = new LogRateLimiter(10 * S);
    expect(limiter.admit('VI_1 ttl', 'line 0', 0)).toBe(true);
    expect(limiter.nextDueUs()).toBeUndefined();
    for (let i = 1; i <= 5; i++) expect(limiter.admit('VI_1 ttl', `line ${i}`, i * S)).toBe(false);
    expect(limiter.nextDueUs()).toBe(10 * S);
    expect(limiter.due(9 * S)).toEqual([]);
    expect(limiter.due(10 * S)).toEqual([{ key: 'VI_1 ttl', line: 'line 5', suppressed: 5 }]);
  });

  it('keeps keys apart: another reason or instance is written at once', () => {
    const limiter = new LogRateLimiter(10 * S);
    expect(limiter.admit('VI_1 ttl', 'a', 0)).toBe(true);
    expect(limiter.admit('VI_1 auth', 'b', 1)).toBe(true);
    expect(limiter.admit('VI_2 ttl', 'c', 2)).toBe(true);
    expect(limiter.admit('VI_1 ttl', 'd', 3)).toBe(false);
  });

  it('under a steady flood holds back every line after the first, one summary per window', () => {
    const limiter = new LogRateLimiter(10 * S);
    let written = 0;
    let summarised = 0;
    for (let t = 0; t < 35 * S; t += 1000) {
      summarised += limiter.due(t).reduce((n, s) => n + s.suppressed, 0);
      if (limiter.admit('k', 'x', t)) written++;
    }
    expect(written).toBe(1);
    expect(summarised + limiter.drain()[0]!.suppressed).toBe(35_000 - 1);
  });

  it('forgets a key after a quiet window: its next line is written at once', () => {
    const limiter = new LogRateLimiter(10 * S);
    limiter.admit('k', 'x', 0);
    limiter.admit('k', 'x', S);
    expect(limiter.due(10 * S)).toHaveLength(1);
    expect(limiter.due(20 * S)).toEqual([]);
    expect(limiter.admit('k', 'x', 21 * S)).toBe(true);
    expect(limiter.drain()).toEqual([]);
  });

  it('refuses a window that is not positive', () => {
    expect(() => new LogRateLimiter(0)).toThrow(/window must be positive/);
  });
});

describe('RateLimitedLog', () => {
  it('writes the summary line with its count when the window ends, and what is owed when closed', () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const log = new RateLimitedLog(clock, 10 * S);
    const write = (line: string): void => void lines.push(line);
    for (let i = 0; i < 25; i++) {
      log.write('VI_1 ttl', `(VI_1) bad ttl ${i}`, write);
      clock.advance(S);
    }
    // the window's end comes before the line written at that same time
    expect(lines).toEqual(['(VI_1) bad ttl 0', '(VI_1) bad ttl 9 (9 more in the last 10 s)', '(VI_1) bad ttl 19 (10 more in the last 10 s)']);
    log.close();
    expect(lines.at(-1)).toBe('(VI_1) bad ttl 24 (5 more in the last 10 s)');
  });
});
