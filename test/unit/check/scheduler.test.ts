/** The checker scheduler on a fake clock, with a probe the test answers by hand. */
import { describe, expect, it } from 'vitest';
import type { Probe, ProbeResult, ProbeTarget } from '../../../src/check/probe.js';
import { CheckerScheduler, type CheckerRunState, type CheckerVerdict } from '../../../src/check/scheduler.js';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { checkTarget, type TargetOptions } from './check-target.js';

const S = 1_000_000;

interface Call {
  at: number;
  signal: AbortSignal;
  target: ProbeTarget;
  answer: (result: ProbeResult) => Promise<void>;
}

function world(block: string, options: TargetOptions & { random?: number; logAll?: boolean; enabled?: boolean; initial?: CheckerRunState } = {}) {
  const clock = new FakeClock();
  const calls: Call[] = [];
  const logs: string[] = [];
  const verdicts: CheckerVerdict[] = [];
  const probe: Probe = (target, signal) =>
    new Promise((resolve) => {
      calls.push({
        at: clock.nowUs(),
        signal,
        target,
        answer: async (result) => {
          resolve(result);
          // let the scheduler take the result and arm its next timer
          await new Promise((r) => setImmediate(r));
        },
      });
    });
  const target = checkTarget(block, options);
  const scheduler = new CheckerScheduler(target, {
    clock,
    probe,
    log: (m) => logs.push(m),
    onVerdict: (v) => verdicts.push(v),
    logAllFailures: options.logAll ?? false,
    random: () => options.random ?? 0,
    ...(options.initial ? { initial: options.initial } : {}),
  });
  scheduler.start(options.enabled ?? true);
  logs.splice(0); // the Activating line, checked on its own
  /** The next attempt starts exactly `us` after now: not a µs earlier. */
  const expectRunAfter = (us: number): Call => {
    const n = calls.length;
    clock.advance(us - 1);
    expect(calls.length, 'no attempt before its time').toBe(n);
    clock.advance(1);
    expect(calls.length, 'an attempt at its time').toBe(n + 1);
    return calls[n]!;
  };
  /** Runs the next attempt, due `us` from now, with `result`. */
  const attempt = async (us: number, result: ProbeResult): Promise<void> => expectRunAfter(us).answer(result);
  const take = <T>(list: T[]): T[] => list.splice(0);
  return { clock, calls, logs, verdicts, scheduler, expectRunAfter, attempt, take, target };
}

const ok: ProbeResult = { ok: true, message: 'probe says ok' };
const fail: ProbeResult = { ok: false, message: 'probe says failed' };

const tcp = (extra = '') => `TCP_CHECK {\n delay_loop 10\n warmup 0\n retry 2\n delay_before_retry 3\n ${extra}\n}`;
const RS = '[127.0.0.1]:tcp:80';

describe('CheckerScheduler: start', () => {
  it('logs Activating and runs first after 1 s plus the random part of the warmup', () => {
    const w = world('TCP_CHECK {\n delay_loop 10\n warmup 4\n}', { random: 0.5 });
    w.expectRunAfter(S + 2 * S);
  });

  it('warmup defaults to delay_loop', () => {
    const w = world('TCP_CHECK {\n delay_loop 10\n}', { random: 0.25 });
    w.expectRunAfter(S + 2.5 * S);
  });

  it('says Activating, or Deactivating for a suspended checker', () => {
    const logs: string[] = [];
    const target = checkTarget(tcp());
    for (const enabled of [true, false]) {
      const s = new CheckerScheduler(target, { clock: new FakeClock(), probe: () => Promise.resolve(ok), log: (m) => logs.push(m), onVerdict: () => {} });
      s.start(enabled);
    }
    expect(logs).toEqual([`Activating healthchecker for service ${RS} for VS [10.0.0.1]:tcp:80`, `Deactivating healthchecker for service ${RS} for VS [10.0.0.1]:tcp:80`]);
  });

  it('refuses BFD_CHECK: the BFD process reports it', () => {
    const target = checkTarget(tcp());
    const bfd = { ...target, checker: { type: 'BFD_CHECK' as const, bfd: 'b', alpha: false, loc: target.checker.loc } };
    expect(() => new CheckerScheduler(bfd, { clock: new FakeClock(), probe: () => Promise.resolve(ok), log: () => {}, onVerdict: () => {} })).toThrow(RangeError);
  });
});

describe('CheckerScheduler: TCP_CHECK', () => {
  it('a first success is logged and reported as the first verdict; later successes are silent, every delay_loop', async () => {
    const w = world(tcp());
    expect(w.scheduler.up).toBe(true);
    await w.attempt(S, ok);
    expect(w.take(w.logs)).toEqual([`TCP connection to ${RS} success.`]);
    expect(w.take(w.verdicts)).toEqual([{ up: true, message: `TCP connection to ${RS} success.`, first: true }]);
    for (let i = 0; i < 3; i++) await w.attempt(10 * S, ok);
    expect(w.logs).toEqual([]);
    expect(w.verdicts).toEqual([]);
  });

  it('a first failure is final at once, without retries', async () => {
    const w = world(tcp());
    await w.attempt(S, fail);
    expect(w.take(w.logs)).toEqual([`TCP_CHECK on service ${RS} failed.`]);
    expect(w.take(w.verdicts)).toEqual([{ up: false, message: `TCP_CHECK on service ${RS} failed.`, mail: '=> TCP CHECK failed on service <=', first: true }]);
    expect(w.scheduler.up).toBe(false);
    w.expectRunAfter(10 * S);
  });

  it('once up, fails after `retry` retries spaced by delay_before_retry, then comes back on one success', async () => {
    const w = world(tcp());
    await w.attempt(S, ok);
    w.take(w.logs);
    w.take(w.verdicts);
    await w.attempt(10 * S, fail);
    await w.attempt(3 * S, fail);
    expect(w.logs).toEqual([]);
    await w.attempt(3 * S, fail);
    expect(w.take(w.logs)).toEqual([`TCP_CHECK on service ${RS} failed after 2 retries.`]);
    expect(w.take(w.verdicts)).toEqual([{ up: false, message: `TCP_CHECK on service ${RS} failed after 2 retries.`, mail: '=> TCP CHECK failed on service <=', first: false }]);
    await w.attempt(10 * S, ok);
    expect(w.take(w.logs)).toEqual([`TCP connection to ${RS} success.`]);
    expect(w.take(w.verdicts)).toEqual([{ up: true, message: `TCP connection to ${RS} success.`, mail: '=> TCP CHECK succeed on service <=', first: false }]);
  });

  it('a success between retries resets the count', async () => {
    const w = world(tcp());
    await w.attempt(S, ok);
    await w.attempt(10 * S, fail);
    await w.attempt(3 * S, ok);
    await w.attempt(10 * S, fail);
    await w.attempt(3 * S, fail);
    w.take(w.verdicts);
    expect(w.scheduler.up).toBe(true);
  });

  it('keeps retrying while down, silently (tcp_epilog retries whatever the state)', async () => {
    const w = world(tcp());
    await w.attempt(S, fail);
    w.take(w.logs);
    w.take(w.verdicts);
    await w.attempt(10 * S, fail);
    await w.attempt(3 * S, fail);
    await w.attempt(3 * S, fail);
    w.expectRunAfter(10 * S);
    expect(w.logs).toEqual([]);
    expect(w.verdicts).toEqual([]);
  });

  it('alpha: starts down; a first success brings it up', async () => {
    const w = world(tcp('alpha'));
    expect(w.scheduler.up).toBe(false);
    await w.attempt(S, ok);
    expect(w.take(w.verdicts)).toEqual([{ up: true, message: `TCP connection to ${RS} success.`, mail: '=> TCP CHECK succeed on service <=', first: true }]);
  });

  it('alpha: a first failure changes nothing but is logged and reported as first', async () => {
    const w = world(tcp('alpha'));
    await w.attempt(S, fail);
    expect(w.take(w.logs)).toEqual([`TCP_CHECK on service ${RS} failed.`]);
    expect(w.take(w.verdicts)).toEqual([{ up: false, message: `TCP_CHECK on service ${RS} failed.`, first: true }]);
    await w.attempt(10 * S, fail);
    expect(w.verdicts).toEqual([]);
  });

  it('log_all_failures logs each failed attempt while up, not while down', async () => {
    for (const [extra, logAll] of [['log_all_failures', false], ['', true]] as const) {
      const w = world(tcp(extra), { logAll });
      await w.attempt(S, ok);
      w.take(w.logs);
      await w.attempt(10 * S, fail);
      await w.attempt(3 * S, fail);
      await w.attempt(3 * S, fail);
      expect(w.take(w.logs)).toEqual(['probe says failed', 'probe says failed', 'probe says failed', `TCP_CHECK on service ${RS} failed after 2 retries.`]);
      await w.attempt(10 * S, fail);
      expect(w.logs).toEqual([]);
    }
  });

  it('retry 0 says `failed.` even after a run', async () => {
    const w = world(tcp().replace('retry 2', 'retry 0'));
    await w.attempt(S, ok);
    w.take(w.logs);
    await w.attempt(10 * S, fail);
    expect(w.logs).toEqual([`TCP_CHECK on service ${RS} failed.`]);
  });
});

describe('CheckerScheduler: timing', () => {
  it('never overlaps attempts: a slow one pushes the next to delay_loop after its end', async () => {
    const w = world(tcp());
    const first = w.expectRunAfter(S);
    w.clock.advance(35 * S);
    expect(w.calls).toHaveLength(1);
    await first.answer(ok);
    w.expectRunAfter(10 * S);
  });

  it('stop aborts the attempt under way and runs no more', async () => {
    const w = world(tcp());
    const call = w.expectRunAfter(S);
    w.scheduler.stop();
    expect(call.signal.aborted).toBe(true);
    await call.answer(ok);
    w.clock.advance(100 * S);
    expect(w.calls).toHaveLength(1);
    expect(w.verdicts).toEqual([]);
  });

  it('a probe that throws counts as a failure', async () => {
    const w = world(tcp());
    const target = w.target;
    const verdicts: CheckerVerdict[] = [];
    const clock = new FakeClock();
    const s = new CheckerScheduler(target, { clock, probe: () => Promise.reject(new Error('bug')), log: () => {}, onVerdict: (v) => verdicts.push(v), random: () => 0 });
    s.start();
    clock.advance(S);
    await new Promise((r) => setImmediate(r));
    expect(verdicts).toEqual([{ up: false, message: `TCP_CHECK on service ${RS} failed.`, mail: '=> TCP CHECK failed on service <=', first: true }]);
  });

  it('ha_suspend: a suspended checker idles every delay_loop until enabled again', async () => {
    const w = world(tcp(), { enabled: false });
    w.clock.advance(S + 25 * S);
    expect(w.calls).toEqual([]);
    w.scheduler.setEnabled(true);
    expect(w.take(w.logs)).toEqual([`Activating healthchecker for service ${RS} for VS [10.0.0.1]:tcp:80`]);
    w.expectRunAfter(5 * S);
    w.scheduler.setEnabled(false);
    expect(w.take(w.logs)).toEqual([`Suspending healthchecker for service ${RS} for VS [10.0.0.1]:tcp:80`]);
  });
});

describe('CheckerScheduler: UDP_CHECK and PING_CHECK', () => {
  const udp = (type: string) => `${type} {\n delay_loop 10\n warmup 0\n retry 1\n delay_before_retry 2\n}`;
  const opts: TargetOptions = { rs: '127.0.0.1 53', vs: '10.0.0.1 53', protocol: 'UDP' };

  it('UDP: keepalived`s words; no retries once down', async () => {
    const w = world(udp('UDP_CHECK'), opts);
    await w.attempt(S, ok);
    await w.attempt(10 * S, fail);
    await w.attempt(2 * S, fail);
    expect(w.take(w.logs)).toEqual(['UDP connection to [127.0.0.1]:udp:53 success.', 'UDP_CHECK on service [127.0.0.1]:udp:53 failed after 1 retries.']);
    await w.attempt(10 * S, fail);
    w.expectRunAfter(10 * S);
  });

  it('PING: the failure line names the virtual server after retries', async () => {
    const w = world(udp('PING_CHECK'), opts);
    await w.attempt(S, ok);
    await w.attempt(10 * S, fail);
    await w.attempt(2 * S, fail);
    expect(w.take(w.logs)).toEqual([
      'ICMP connection to [127.0.0.1]:udp:53 success.',
      'ICMP CHECK on service [127.0.0.1]:udp:53 of [10.0.0.1]:udp:53 failed after 1 retries.',
    ]);
    const first = world(udp('PING_CHECK'), opts);
    await first.attempt(S, fail);
    expect(first.logs).toEqual(['ICMP CHECK on service [127.0.0.1]:udp:53 failed.']);
  });
});

describe('CheckerScheduler: DNS_CHECK', () => {
  const opts: TargetOptions = { rs: '127.0.0.1 53', vs: '10.0.0.1 53', protocol: 'UDP' };
  const reason = { ok: false, message: 'DNS_CHECK ([127.0.0.1]:udp:53) read timeout from socket' };

  it('retries 3 times, delay_loop apart by default; the reason is the line, with " after 3 retries"; success is silent', async () => {
    const w = world('DNS_CHECK {\n delay_loop 10\n warmup 0\n}', opts);
    await w.attempt(S, { ok: true });
    expect(w.take(w.logs)).toEqual([]);
    expect(w.take(w.verdicts)).toEqual([{ up: true, first: true }]);
    await w.attempt(10 * S, reason);
    for (let i = 0; i < 3; i++) await w.attempt(10 * S, reason);
    expect(w.take(w.logs)).toEqual(['DNS_CHECK ([127.0.0.1]:udp:53) read timeout from socket after 3 retries']);
    expect(w.take(w.verdicts)).toEqual([{ up: false, message: 'DNS_CHECK ([127.0.0.1]:udp:53) read timeout from socket after 3 retries', mail: '=> DNS_CHECK: failed on service <=', first: false }]);
    await w.attempt(10 * S, { ok: true });
    expect(w.take(w.verdicts)).toEqual([{ up: true, mail: '=> DNS_CHECK: succeed on service <=', first: false }]);
    expect(w.logs).toEqual([]);
  });

  it('a first failure logs the bare reason', async () => {
    const w = world('DNS_CHECK {\n delay_loop 10\n warmup 0\n}', opts);
    await w.attempt(S, reason);
    expect(w.logs).toEqual([reason.message]);
  });
});

describe('CheckerScheduler: SMTP_CHECK', () => {
  it('logs the reason once retries are spent, and Remote SMTP server … succeed on service. when up', async () => {
    const w = world('SMTP_CHECK {\n delay_loop 10\n warmup 0\n retry 1\n delay_before_retry 2\n}', { rs: '127.0.0.1 25', vs: '10.0.0.1 25' });
    const why = { ok: false, message: 'SMTP_CHECK Connection timeout to server [127.0.0.1]:25' };
    await w.attempt(S, { ok: true });
    await w.attempt(10 * S, why);
    await w.attempt(2 * S, why);
    expect(w.take(w.logs)).toEqual(['Remote SMTP server [127.0.0.1]:tcp:25 succeed on service.', why.message]);
    expect(w.take(w.verdicts).map((v) => v.up)).toEqual([true, false]);
    // down: no retries, nothing logged
    await w.attempt(10 * S, why);
    w.expectRunAfter(10 * S);
    expect(w.logs).toEqual([]);
  });
});

describe('CheckerScheduler: HTTP_GET', () => {
  const http = (extra = '') => `HTTP_GET {\n url {\n path /\n }\n delay_loop 10\n warmup 0\n retry 1\n delay_before_retry 2\n ${extra}\n}`;
  const page: ProbeResult = { ok: true, message: `HTTP status code success to ${RS} url(/)\nRemote Web server ${RS} succeed on service.` };
  const broken: ProbeResult = { ok: false, message: `HTTP status code error to server ${RS}.` };

  it('fails after retries, then needs the failed url to pass and then every url to pass again', async () => {
    const w = world(http());
    await w.attempt(S, page);
    expect(w.take(w.logs)).toEqual([`Remote Web server ${RS} succeed on service.`]);
    await w.attempt(10 * S, broken);
    await w.attempt(2 * S, broken);
    expect(w.take(w.logs)).toEqual([`HTTP_CHECK on service ${RS} failed after 1 retries.`]);
    expect(w.take(w.verdicts).map((v) => v.up)).toEqual([true, false]);
    // down with a failed url: max(delay_before_retry, delay_loop) apart
    await w.attempt(10 * S, broken);
    await w.attempt(10 * S, page);
    expect(w.take(w.logs)).toEqual([`HTTP status code success to ${RS} url(/)`]);
    expect(w.verdicts).toEqual([]);
    await w.attempt(10 * S, page);
    expect(w.take(w.logs)).toEqual([`HTTP status code success to ${RS} url(/)`, `Remote Web server ${RS} succeed on service.`]);
    expect(w.take(w.verdicts)).toEqual([{ up: true, message: `Remote Web server ${RS} succeed on service.`, mail: '=> CHECK succeed on service <=', first: false }]);
  });

  it('fast_recovery checks again at once once the failed url passes', async () => {
    const w = world(http('fast_recovery'));
    await w.attempt(S, broken);
    expect(w.take(w.logs)).toEqual([`HTTP_CHECK on service ${RS} failed after 1 retries.`]);
    await w.attempt(10 * S, page);
    const at = w.clock.nowUs();
    w.clock.advance(0);
    expect(w.calls.at(-1)!.at).toBe(at);
    await w.calls.at(-1)!.answer(page);
    expect(w.take(w.verdicts).map((v) => v.up)).toEqual([false, true]);
  });

  it('alpha: a first failure says nothing and reports nothing (has_run is set before the test)', async () => {
    const w = world(http('alpha'));
    await w.attempt(S, broken);
    expect(w.logs).toEqual([]);
    expect(w.verdicts).toEqual([]);
  });
});

describe('CheckerScheduler: MISC_CHECK', () => {
  const misc = (extra = '') => `MISC_CHECK {\n misc_path /bin/true\n delay_loop 10\n warmup 0\n ${extra}\n}`;
  const who = 'Misc check for [[127.0.0.1]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/true]';
  const failed: ProbeResult = { ok: false, message: `${who} failed (exited with status 1).` };

  it('times runs from their start', async () => {
    const w = world(misc());
    const call = w.expectRunAfter(S);
    w.clock.advance(4 * S);
    await call.answer({ ok: true, message: `${who} succeeded.` });
    w.expectRunAfter(6 * S);
  });

  it('retry 0 by default: a failure is final, `with retry disabled`', async () => {
    const w = world(misc());
    await w.attempt(S, { ok: true, message: `${who} succeeded.` });
    await w.attempt(10 * S, failed);
    expect(w.take(w.logs)).toEqual([`${who} succeeded.`, `${who} failed with retry disabled (exited with status 1).`]);
  });

  it('words each retry as keepalived does, and the last one with `after`', async () => {
    const w = world(misc('retry 2\n delay_before_retry 3\n log_all_failures'));
    await w.attempt(S, { ok: true, message: `${who} succeeded.` });
    w.take(w.logs);
    await w.attempt(10 * S, failed);
    await w.attempt(3 * S, failed);
    await w.attempt(3 * S, { ok: false, message: `${who} timed out.` });
    expect(w.take(w.logs)).toEqual([
      `${who} failed, will do 2 retries (exited with status 1).`,
      `${who} failed on retry 1/2 (exited with status 1).`,
      `${who} timed out after 2 retries.`,
    ]);
    expect(w.take(w.verdicts).map((v) => v.up)).toEqual([true, false]);
  });

  it('a first failure is final: `after 1 retry`', async () => {
    const w = world(misc('retry 1'));
    await w.attempt(S, failed);
    expect(w.logs).toEqual([`${who} failed after 1 retry (exited with status 1).`]);
  });

  it('misc_dynamic: weight changes are reported while up; a failure drops the weight', async () => {
    const w = world(misc('misc_dynamic'));
    await w.attempt(S, { ok: true, weight: 5, message: `${who} succeeded.` });
    expect(w.take(w.verdicts)).toEqual([{ up: true, weight: 5, message: `${who} succeeded.`, first: true }]);
    await w.attempt(10 * S, { ok: true, weight: 5, message: `${who} succeeded.` });
    expect(w.verdicts).toEqual([]);
    await w.attempt(10 * S, { ok: true, weight: 7, message: `${who} succeeded.` });
    await w.attempt(10 * S, { ok: true, message: `${who} succeeded.` });
    expect(w.take(w.verdicts)).toEqual([
      { up: true, weight: 7, first: false },
      { up: true, first: false },
    ]);
    await w.attempt(10 * S, { ok: true, weight: 3, message: `${who} succeeded.` });
    await w.attempt(10 * S, failed);
    expect(w.take(w.verdicts)).toEqual([
      { up: true, weight: 3, first: false },
      { up: false, message: `${who} failed with retry disabled (exited with status 1).`, first: false },
    ]);
  });
});

describe('CheckerScheduler: reload', () => {
  it('starts from a carried-over state: retries not yet counted means a first failure is retried', async () => {
    const w = world(tcp(), { initial: { up: true, hasRun: false, retryIt: 0 } });
    await w.attempt(S, fail);
    expect(w.verdicts).toEqual([]);
    await w.attempt(3 * S, fail);
    await w.attempt(3 * S, fail);
    expect(w.take(w.verdicts).map((v) => v.up)).toEqual([false]);
    expect(w.scheduler.runState).toEqual({ up: false, hasRun: true, retryIt: 0 });
  });

  it('a carried-over failed verdict is not reported again; a success is', async () => {
    const w = world(tcp(), { initial: { up: false, hasRun: true, retryIt: 0 } });
    expect(w.scheduler.up).toBe(false);
    await w.attempt(S, fail);
    expect(w.verdicts).toEqual([]);
    await w.attempt(3 * S, ok);
    expect(w.take(w.verdicts)).toEqual([{ up: true, message: 'TCP connection to [127.0.0.1]:tcp:80 success.', mail: '=> TCP CHECK succeed on service <=', first: false }]);
  });

  it('retarget: later attempts probe the new objects, the schedule and state go on', async () => {
    const w = world(tcp());
    await w.attempt(S, ok);
    const moved = checkTarget(tcp(), { vs: '10.0.0.9 80' });
    w.scheduler.retarget(moved);
    const call = w.expectRunAfter(10 * S);
    expect(call.target).toBe(moved);
    await call.answer(fail);
    expect(w.scheduler.runState).toEqual({ up: true, hasRun: true, retryIt: 1 });
    expect(() => w.scheduler.retarget(checkTarget('PING_CHECK {\n}'))).toThrow(RangeError);
  });
});
