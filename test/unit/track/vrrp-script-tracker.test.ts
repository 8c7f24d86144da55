import { describe, expect, it } from 'vitest';
import { trackedScript, VrrpScriptTracker, type TrackedScript } from '../../../src/track/vrrp-script-tracker.js';
import type { VrrpScript } from '../../../src/config/vrrp/index.js';
import type { ScriptExit } from '../../../src/base/scripts.js';
import type { TrackChange } from '../../../src/vrrp/fsm/track.js';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { FakeScripts } from '../../../lab/fakes/scripts.js';

const S = 1_000_000;

const exited = (code: number): ScriptExit => ({ code, signal: undefined, timedOut: false });
const OK = exited(0);
const KO = exited(1);

function setup(overrides: Partial<TrackedScript> = {}) {
  const clock = new FakeClock();
  const scripts = new FakeScripts();
  const changes: TrackChange[] = [];
  const logs: string[] = [];
  const script: TrackedScript = { name: 'chk', argv: ['/bin/chk', 'x'], runAs: { uid: 5, gid: 6 }, intervalUs: 2 * S, timeoutUs: 0, rise: 1, fall: 1, initFail: false, ...overrides };
  const tracker = new VrrpScriptTracker(script, { clock, scripts, onChange: (c) => changes.push(c), log: (m) => logs.push(m) });
  tracker.start();
  /** Runs the script once more (advancing to its next run) and finishes it with `exit`. */
  const cycle = async (exit: ScriptExit): Promise<void> => {
    clock.advance(scripts.runs.length === 0 ? 0 : script.intervalUs);
    await scripts.finish(exit);
  };
  return { clock, scripts, changes, logs, tracker, cycle };
}

const ok = (value: boolean): TrackChange => ({ kind: 'script', name: 'chk', ok: value });

describe('VrrpScriptTracker', () => {
  it('runs at once, then every interval, with timeout = interval when 0, as the script user', async () => {
    const { clock, scripts } = setup();
    clock.advance(0);
    expect(scripts.runs).toHaveLength(1);
    expect(scripts.runs[0]).toMatchObject({ argv: ['/bin/chk', 'x'], runAs: { uid: 5, gid: 6 }, timeoutUs: 2 * S });
    await scripts.finish(OK, 0);
    clock.advance(2 * S - 1);
    expect(scripts.runs).toHaveLength(1);
    clock.advance(1);
    expect(scripts.runs).toHaveLength(2);
  });

  it('passes a configured timeout', () => {
    const { clock, scripts } = setup({ timeoutUs: 500_000 });
    clock.advance(0);
    expect(scripts.runs[0]!.timeoutUs).toBe(500_000);
  });

  it('starts in the init state; the first success makes it OK even with rise > 1', async () => {
    const { tracker, changes, logs, cycle } = setup({ rise: 3 });
    expect(tracker.ok).toBeUndefined();
    await cycle(OK);
    expect(tracker.ok).toBe(true);
    expect(changes).toEqual([ok(true)]);
    expect(logs).toEqual(['VRRP_Script(chk) succeeded']);
  });

  it('in the init state the first failure makes it KO even with fall > 1', async () => {
    const { changes, logs, cycle } = setup({ fall: 3 });
    await cycle(KO);
    expect(changes).toEqual([ok(false)]);
    expect(logs).toEqual(['Script `chk` now returning 1', 'VRRP_Script(chk) failed (exited with status 1)']);
  });

  it('fall consecutive failures make it KO, a success in between starts the count again', async () => {
    const { changes, logs, cycle } = setup({ fall: 3 });
    await cycle(OK);
    await cycle(KO);
    await cycle(KO);
    await cycle(OK);
    await cycle(KO);
    await cycle(KO);
    expect(changes).toEqual([ok(true)]);
    await cycle(KO);
    expect(changes).toEqual([ok(true), ok(false)]);
    expect(logs.filter((l) => l.startsWith('VRRP_Script'))).toEqual(['VRRP_Script(chk) succeeded', 'VRRP_Script(chk) failed (exited with status 1)']);
    await cycle(KO);
    expect(changes).toHaveLength(2);
  });

  it('rise consecutive successes make it OK again, a failure in between starts the count again', async () => {
    const { changes, cycle } = setup({ rise: 2 });
    await cycle(KO);
    await cycle(OK);
    await cycle(KO);
    await cycle(OK);
    expect(changes).toEqual([ok(false)]);
    await cycle(OK);
    expect(changes).toEqual([ok(false), ok(true)]);
  });

  it('init_fail starts KO silently and needs rise successes', async () => {
    const { tracker, changes, logs, cycle } = setup({ rise: 2, initFail: true });
    expect(tracker.ok).toBe(false);
    await cycle(KO);
    await cycle(OK);
    expect(changes).toEqual([]);
    expect(logs).toEqual(['Script `chk` now returning 1', 'Script `chk` now returning 0']);
    await cycle(OK);
    expect(changes).toEqual([ok(true)]);
  });

  it('logs "now returning" only when the exit status changes', async () => {
    const { logs, cycle } = setup({ fall: 5 });
    await cycle(OK);
    await cycle(exited(2));
    await cycle(exited(2));
    await cycle(exited(3));
    await cycle(OK);
    expect(logs.filter((l) => l.startsWith('Script'))).toEqual(['Script `chk` now returning 2', 'Script `chk` now returning 3', 'Script `chk` now returning 0']);
  });

  it('counts a timed-out run as a failure worded timed_out', async () => {
    const { changes, logs, cycle } = setup();
    await cycle(OK);
    await cycle({ code: undefined, signal: 'SIGKILL', timedOut: true });
    expect(changes).toEqual([ok(true), ok(false)]);
    expect(logs.at(-1)).toBe('VRRP_Script(chk) timed_out');
  });

  it('names the signal number of a script killed by someone else', async () => {
    const { logs, cycle } = setup();
    await cycle({ code: undefined, signal: 'SIGTERM', timedOut: false });
    expect(logs).toEqual(['VRRP_Script(chk) failed (due to signal 15)']);
  });

  it('skips a run while the previous one has not exited, and carries on after it', async () => {
    const { clock, scripts, logs } = setup({ timeoutUs: 5 * S });
    clock.advance(0);
    clock.advance(2 * S);
    expect(scripts.runs).toHaveLength(1);
    expect(logs).toEqual(['Track script chk is already running, expect idle - skipping run']);
    clock.advance(4 * S);
    expect(logs.at(-1)).toBe('Track script chk is being timed out, expect idle - skipping run');
    await scripts.finish({ code: undefined, signal: 'SIGKILL', timedOut: true }, 0);
    clock.advance(2 * S);
    expect(scripts.runs).toHaveLength(2);
  });

  it('stop ends the runs and ignores a result still to come', async () => {
    const { clock, scripts, tracker, changes } = setup();
    clock.advance(0);
    tracker.stop();
    await scripts.finish(OK, 0);
    clock.advance(10 * S);
    expect(scripts.runs).toHaveLength(1);
    expect(changes).toEqual([]);
  });
});

describe('trackedScript', () => {
  const base = { name: 'chk', loc: { file: 'k.conf', line: 1 }, interval: 3 * S, timeout: 0, weight: -10, weightReverse: false, rise: 2, fall: 4, initFail: true } satisfies VrrpScript;

  it('takes the argv and identity from the configured script', () => {
    const s: VrrpScript = { ...base, script: { argv: ['/a', 'b'], uid: 7, gid: 8, loc: base.loc } };
    expect(trackedScript(s)).toEqual({ name: 'chk', argv: ['/a', 'b'], runAs: { uid: 7, gid: 8 }, intervalUs: 3 * S, timeoutUs: 0, rise: 2, fall: 4, initFail: true });
  });

  it('is undefined without a script', () => {
    expect(trackedScript(base)).toBeUndefined();
  });
});

describe('VrrpScriptTracker.adopt (SIGHUP)', () => {
  it('carries OK: the new script is OK from the start, and still needs `fall` failures to go KO', async () => {
    const old = setup({ fall: 2 });
    await old.cycle(OK);
    const next = setup({ fall: 3 });
    next.tracker.stop();
    const fresh = new VrrpScriptTracker(
      { name: 'chk', argv: ['/bin/chk'], runAs: { uid: 0, gid: 0 }, intervalUs: 2 * S, timeoutUs: 0, rise: 1, fall: 3, initFail: false },
      { clock: next.clock, scripts: next.scripts, onChange: (c) => next.changes.push(c), log: (m) => next.logs.push(m) },
    );
    fresh.adopt(old.tracker);
    expect(fresh.ok).toBe(true);
    expect(next.logs).toEqual(['VRRP_Script(chk) considered successful on reload']);
    fresh.start();
    for (let i = 0; i < 2; i++) {
      next.clock.advance(i === 0 ? 0 : 2 * S);
      await next.scripts.finish(KO);
    }
    expect(next.changes).toEqual([]);
    next.clock.advance(2 * S);
    await next.scripts.finish(KO);
    expect(next.changes).toEqual([ok(false)]);
  });

  it('carries KO, and leaves a script that has not spoken on the startup assumption', async () => {
    const failed = setup({ rise: 2 });
    await failed.cycle(KO);
    const after = setup({ rise: 2 });
    after.tracker.adopt(failed.tracker);
    expect(after.tracker.ok).toBe(false);
    expect(after.logs).toContain('VRRP_Script(chk) considered unsuccessful on reload');

    const silent = setup();
    const next = setup();
    next.tracker.adopt(silent.tracker);
    expect(next.tracker.ok).toBeUndefined();
    expect(next.logs).toEqual([]);
  });
});
