import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { childLauncher, type LaunchedChild } from '../../../src/daemon/child-launch.js';
import { CHILD_EXIT_CRASH, CHILD_EXIT_FATAL } from '../../../src/daemon/child-exit.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';

/** What fork() returns: with a pid when the process started, without one (and an 'error' to come) when not. */
function fakeProcess(pid: number | undefined): ChildProcess {
  return Object.assign(new EventEmitter(), { pid }) as unknown as ChildProcess;
}

function eagain(): Error {
  return Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN', syscall: 'spawn' });
}

function world(forks: (() => ChildProcess)[], dontRespawn = false) {
  const { log, lines } = fakeLogger();
  let stopped = false;
  let status: number | undefined;
  const child: LaunchedChild = { name: 'VRRP', start: () => forks.shift()!() };
  const launch = childLauncher({
    log,
    dontRespawn,
    stopping: () => stopped,
    stop: (code) => {
      stopped = true;
      status = code;
    },
  });
  return { lines, child, launch, stopped: () => stopped, status: () => status, stop: () => (stopped = true) };
}

describe('childLauncher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("stops the daemon, restarting nothing, when a child exits with keepalived's CONFIG status", async () => {
    const running = fakeProcess(4242);
    const forks = [() => running, () => fakeProcess(4243)];
    const w = world(forks);
    w.launch(w.child);
    running.emit('exit', 2, null);
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.lines.at(-1)).toBe('pid 4242 exited with permanent error CONFIG. Terminating');
    expect(w.stopped()).toBe(true);
    expect(w.status()).toBe(2);
    expect(forks).toHaveLength(1);
  });

  it("stops the daemon with keepalived's status 1 when a child exits FATAL, restarting nothing", async () => {
    const running = fakeProcess(4242);
    const forks = [() => running, () => fakeProcess(4243)];
    const w = world(forks);
    w.launch(w.child);
    running.emit('exit', CHILD_EXIT_FATAL, null);
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.lines.at(-1)).toBe('pid 4242 exited with permanent error FATAL. Terminating');
    expect(w.status()).toBe(1);
    expect(forks).toHaveLength(1);
  });

  it('restarts a child that exits 1 (an uncaught exception in Node)', async () => {
    const running = fakeProcess(4242);
    const forks = [() => running, () => fakeProcess(4243)];
    const w = world(forks);
    w.launch(w.child);
    running.emit('exit', CHILD_EXIT_CRASH, null);
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.stopped()).toBe(false);
    expect(forks).toHaveLength(0);
  });

  it("retries a fork that emits 'error' (EAGAIN) after a doubling delay, and restarts the child once it runs", async () => {
    const failed = [fakeProcess(undefined), fakeProcess(undefined)];
    const running = fakeProcess(4242);
    const forks = [() => failed[0]!, () => failed[1]!, () => running];
    const w = world(forks);
    w.launch(w.child);
    failed[0]!.emit('error', eagain());
    expect(w.lines).toEqual(['Cannot start VRRP child process: spawn EAGAIN; trying again in 1 s']);
    expect(w.child.process).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    failed[1]!.emit('error', eagain());
    expect(w.lines.at(-1)).toBe('Cannot start VRRP child process: spawn EAGAIN; trying again in 2 s');
    await vi.advanceTimersByTimeAsync(1999);
    expect(forks).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(forks).toHaveLength(0);
    expect(w.child.process).toBe(running);
    expect(w.lines.at(-1)).toBe('Starting VRRP child process, pid=4242');
  });

  it('retries a fork that throws (EMFILE), with the delay capped at 60 s', async () => {
    let attempts = 0;
    const child: LaunchedChild = {
      name: 'Healthcheck',
      start: () => {
        attempts++;
        throw Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' });
      },
    };
    const { log, lines } = fakeLogger();
    const launch = childLauncher({ log, dontRespawn: false, stopping: () => false, stop: () => undefined });
    launch(child);
    await vi.advanceTimersByTimeAsync((1 + 2 + 4 + 8 + 16 + 32 + 60 + 60) * 1000);
    expect(attempts).toBe(9);
    expect(lines.at(-1)).toBe('Cannot start Healthcheck child process: spawn EMFILE; trying again in 60 s');
  });

  it("logs an 'error' of a running child without restarting it", async () => {
    const running = fakeProcess(7);
    const w = world([() => running]);
    w.launch(w.child);
    running.emit('error', new Error('kill ESRCH'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(w.lines).toEqual(['Starting VRRP child process, pid=7', 'VRRP child process(7): kill ESRCH']);
    expect(w.child.process).toBe(running);
  });

  it('restarts a child that died, not before 1 s after its start; with -R stops the daemon instead', async () => {
    const first = fakeProcess(1);
    const second = fakeProcess(2);
    const w = world([() => first, () => second]);
    w.launch(w.child);
    first.emit('exit', null, 'SIGKILL');
    expect(w.lines.at(-1)).toBe('VRRP child process(1) died: SIGKILL');
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.child.process).toBe(second);

    const once = fakeProcess(undefined);
    const r = world([() => once], true);
    r.launch(r.child);
    once.emit('error', eagain());
    expect(r.stopped()).toBe(true);
    expect(r.lines).toEqual(['Cannot start VRRP child process: spawn EAGAIN']);
  });

  it('times the 1 s before a restart on the monotonic clock: a realtime clock stepped ±1 h moves nothing', async () => {
    for (const stepMs of [-3_600_000, 3_600_000]) {
      const first = fakeProcess(1);
      const second = fakeProcess(2);
      const w = world([() => first, () => second]);
      w.launch(w.child);
      // setSystemTime moves Date only, not the fake timers, hrtime or performance.now: the step an operator or NTP makes
      vi.setSystemTime(Date.now() + stepMs);
      first.emit('exit', null, 'SIGKILL');
      await vi.advanceTimersByTimeAsync(999);
      expect(w.child.process, `step ${stepMs} ms`).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(w.child.process, `step ${stepMs} ms`).toBe(second);
    }
  });

  it('does not retry once the daemon is stopping', async () => {
    const failed = fakeProcess(undefined);
    const w = world([() => failed]);
    w.launch(w.child);
    w.stop();
    failed.emit('error', eagain());
    await vi.advanceTimersByTimeAsync(120_000);
    expect(w.lines).toEqual([]);
  });
});
