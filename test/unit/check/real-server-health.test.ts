/** A real server's health from its checkers' verdicts and its FILE_CHECKs' track file values. */
import { describe, expect, it } from 'vitest';
import type { RealServer } from '../../../src/config/check/model.js';
import { fileCheckStatus, RealServerHealth } from '../../../src/check/real-server-health.js';
import type { CheckerVerdict } from '../../../src/check/scheduler.js';
import { parseText } from '../config/check-helpers.js';

const TRACK_FILES = 'track_file f1 {\n file /tmp/f1\n}\ntrack_file f2 {\n file /tmp/f2\n weight 0\n}\n';

function server(body: string): RealServer {
  const parsed = parseText(`${TRACK_FILES}virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n ${body}\n }\n}\n`);
  const rs = parsed.config.check.virtualServers[0]?.realServers[0];
  if (!rs) throw new Error(parsed.messages.join('\n'));
  return rs;
}

const verdict = (up: boolean, more: Partial<CheckerVerdict> = {}): CheckerVerdict => ({ up, first: false, ...more });

describe('RealServerHealth: checkers', () => {
  const two = server('weight 4\n TCP_CHECK {\n }\n MISC_CHECK {\n misc_path /bin/true\n misc_dynamic\n }');

  it('starts alive with the configured weight', () => {
    const h = new RealServerHealth(two, []);
    expect([h.alive, h.weight]).toEqual([true, 4]);
  });

  it('goes down with the first failed checker and up with the last recovered one', () => {
    const h = new RealServerHealth(two, []);
    expect(h.checker(0, verdict(false))).toEqual([{ type: 'alive', alive: false }]);
    expect(h.checker(1, verdict(false))).toEqual([]);
    expect(h.checker(0, verdict(true))).toEqual([]);
    expect(h.alive).toBe(false);
    expect(h.checker(1, verdict(true))).toEqual([{ type: 'alive', alive: true }]);
  });

  it('misc_dynamic: the asked weight replaces the configured one, said aloud; a failure drops it quietly', () => {
    const h = new RealServerHealth(two, []);
    expect(h.checker(1, verdict(true, { weight: 10 }))).toEqual([{ type: 'weight', weight: 10, quiet: false }]);
    expect(h.checker(1, verdict(true, { weight: 10 }))).toEqual([]);
    expect(h.checker(1, verdict(true))).toEqual([{ type: 'weight', weight: 4, quiet: false }]);
    h.checker(1, verdict(true, { weight: 0 }));
    expect(h.checker(1, verdict(false))).toEqual([
      { type: 'weight', weight: 4, quiet: true },
      { type: 'alive', alive: false },
    ]);
    // coming back with a weight: the weight first, said aloud, then up
    expect(h.checker(1, verdict(true, { weight: 6 }))).toEqual([
      { type: 'weight', weight: 6, quiet: false },
      { type: 'alive', alive: true },
    ]);
  });

  it('alpha checkers start failed; an alpha checker`s first failure asks for the notifies again', () => {
    const rs = server('TCP_CHECK {\n alpha\n }\n TCP_CHECK {\n }');
    const h = new RealServerHealth(rs, []);
    expect(h.alive).toBe(false);
    expect(h.checker(0, verdict(false, { first: true }))).toEqual([{ type: 'notify' }]);
    expect(h.checker(0, verdict(false))).toEqual([]);
    expect(h.checker(1, verdict(true, { first: true }))).toEqual([]);
    expect(h.checker(0, verdict(true))).toEqual([{ type: 'alive', alive: true }]);
  });

  it('ignores a checker it does not have', () => {
    expect(new RealServerHealth(two, []).checker(5, verdict(false))).toEqual([]);
  });
});

describe('RealServerHealth: FILE_CHECK', () => {
  it('value × weight (negated with reverse), clamped; weight 0: non-zero is a fault (zero with reverse)', () => {
    const check = (weight: number, reverse = false) => ({ trackFile: 'f', weight, reverse, loc: { file: 'k', line: 1 } });
    expect(fileCheckStatus(check(3), 5)).toBe(15);
    expect(fileCheckStatus(check(3, true), 5)).toBe(-15);
    expect(fileCheckStatus(check(3), 0)).toBe(0);
    expect(fileCheckStatus(check(2), -(2 ** 31))).toBe(-(2 ** 31));
    expect(fileCheckStatus(check(2), 2 ** 31)).toBe(2 ** 31 - 1);
    expect(fileCheckStatus(check(0), 0)).toBe(0);
    expect(fileCheckStatus(check(0), 7)).toBe(-(2 ** 31));
    expect(fileCheckStatus(check(0, true), 0)).toBe(-(2 ** 31));
    expect(fileCheckStatus(check(0, true), 7)).toBe(0);
  });

  it('starts from the files` values: weights added, a fault counts as a failed checker', () => {
    const rs = server('weight 10\n FILE_CHECK {\n track_file f1\n weight 2\n }\n FILE_CHECK {\n track_file f2\n }');
    expect(rs.fileChecks.map((f) => f.weight)).toEqual([2, 0]);
    const h = new RealServerHealth(rs, [3, 0]);
    expect([h.alive, h.weight]).toEqual([true, 16]);
    const faulted = new RealServerHealth(rs, [3, 1]);
    expect([faulted.alive, faulted.weight]).toEqual([false, 16]);
  });

  it('a value change moves the weight aloud; a fault takes the server down and its weight out quietly, and back', () => {
    const rs = server('weight 10\n FILE_CHECK {\n track_file f1\n weight -5\n }');
    const h = new RealServerHealth(rs, [1]);
    expect(h.weight).toBe(5);
    expect(h.file(0, 1)).toEqual([]);
    expect(h.file(0, 2)).toEqual([{ type: 'weight', weight: 0, quiet: false }]);
    expect(h.file(0, 2 ** 31)).toEqual([
      { type: 'alive', alive: false },
      { type: 'weight', weight: 10, quiet: true },
    ]);
    expect(h.file(0, -1)).toEqual([
      { type: 'weight', weight: 15, quiet: true },
      { type: 'alive', alive: true },
    ]);
  });

  it('a fault and a failed checker count together', () => {
    const rs = server('TCP_CHECK {\n }\n FILE_CHECK {\n track_file f2\n }');
    const h = new RealServerHealth(rs, [0]);
    expect(h.file(0, 1)).toEqual([{ type: 'alive', alive: false }]);
    expect(h.checker(0, verdict(false))).toEqual([]);
    expect(h.file(0, 0)).toEqual([]);
    expect(h.checker(0, verdict(true))).toEqual([{ type: 'alive', alive: true }]);
  });
});

describe('RealServerHealth: after a reload', () => {
  it("starts from the checkers' carried-over states and a dynamic MISC_CHECK's asked weight", () => {
    const rs = server('weight 4\n TCP_CHECK {\n }\n MISC_CHECK {\n misc_path /bin/true\n misc_dynamic\n }');
    const h = new RealServerHealth(rs, [], [{ up: true }, { up: true, weight: 9 }]);
    expect([h.alive, h.weight]).toEqual([true, 9]);
    const down = new RealServerHealth(rs, [], [{ up: false }, undefined]);
    expect([down.alive, down.weight]).toEqual([false, 4]);
    expect(down.checker(0, verdict(true))).toEqual([{ type: 'alive', alive: true }]);
  });
});
