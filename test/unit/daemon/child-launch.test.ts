import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { childLauncher, type LaunchedChild } from '../../../src/daemon/child-launch.js';
import { CHILD_EXIT_CRASH, CHILD_EXIT_FATAL } from '../../../src/daemon/child-exit.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { FakeClock } from '../../../lab/fakes/clock.js';

/** What fork() returns: with a pid when the process started, without one (and an 'error' to come) when not. */
function fakeProcess(pid: number | undefined): ChildProcess {
  return Object.assign(new EventEmitter(), { pid }) as unknown as ChildProcess;
}

function eagain(): Error {
  return Object.assign(new Error('spawn EAGAIN'), { code: 'EAGAIN', syscall: 'spawn' });
}

function world(forks: (() => ChildProcess)[], dontRespawn = false) {
  const { log, lines } = fakeLogger();
  const clock = new FakeClock();
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
    clock,
  });
  return { lines, child, launch, clock, stopped: () => stopped, status: () => status, stop: () => (stopped = true) };
}

describe('childLauncher', () => {
  it("stops the daemon, restarting nothing, when a child exits with keepalived's CONFIG status", () => {
    const running = fakeProcess(4242);
    const forks = [() => running, () => fakeProcess(4243)];
    const w = world(forks);
    w.launch(w.child);
    running.emit('exit', 2, null);
    w.clock.advance(5000_000);
    expect(w.lines.at(-1)).toBe('pid 4242 exited with permanent error CONFIG. Terminating');
    expect(w.stopped()).toBe(true);
    expect(w.status()).toBe(2);
    expect(forks).toHaveLength(1);
  });

  it("stops the daemon with keepalived's status 1 when a child exits FATAL, restarting nothing", () => {
    const running = fakeProcess(4242);
    const forks = [() => running, () => fakeProcess(4243)];
    const w = world(forks);
    w.launch(w.child);
    running.emit('exit', CHILD_EXIT_FATAL, null);
    w.clock.advance(5000_000);
    expect(w.lines.at(-1)).toBe('pid 4242 exited with permanent error FATAL. Terminating');
    expect(w.status()).toBe(1);
    expect(forks).toHaveLength(1);
  });

  it('restarts a child that exits 1 (an uncaught exception in Node)', () => {
    const running = fakeProcess(4242);
    const forks = [() => running, () => fakeProcess(4243)];
    const w = world(forks);
    w.launch(w.child);
    running.emit('exit', CHILD_EXIT_CRASH, null);
    w.clock.advance(5000_000);
    expect(w.stopped()).toBe(false);
    expect(forks).toHaveLength(0);
  });

  it("retries a fork that emits 'error' (EAGAIN) after a doubling delay, and restarts the child once it runs", () => {
    const failed = [fakeProcess(undefined), fakeProcess(undefined)];
    const running = fakeProcess(4242);
    const forks = [() => failed[0]!, () => failed[1]!, () => running];
    const w = world(forks);
    w.launch(w.child);
    failed[0]!.emit('error', eagain());
    expect(w.lines).toEqual(['Cannot start VRRP child process: spawn EAGAIN; trying again in 1 s']);
    expect(w.child.process).toBeUndefined();
    w.clock.advance(1000_000);
    failed[1]!.emit('error', eagain());
    expect(w.lines.at(-1)).toBe('Cannot start VRRP child process: spawn EAGAIN; trying again in 2 s');
    w.clock.advance(1999_000);
    expect(forks).toHaveLength(1);
    w.clock.advance(1_000);
    expect(forks).toHaveLength(0);
    expect(w.child.process).toBe(running);
    expect(w.lines.at(-1)).toBe('Starting VRRP child process, pid=4242');
  });

  it('retries a fork that throws (EMFILE), with the delay capped at 60 s', () => {
    let attempts = 0;
    const child: LaunchedChild = {
      name: 'Healthcheck',
      start: () => {
        attempts++;
        throw Object.assign(new Error('spawn EMFILE'), { code: 'EMFILE' });
      },
    };
    const { log, lines } = fakeLogger();
    const clock = new FakeClock();
    const launch = childLauncher({ log, dontRespawn: false, stopping: () => false, stop: () => undefined, clock });
    launch(child);
    clock.advance((1 + 2 + 4 + 8 + 16 + 32 + 60 + 60) * 1_000_000);
    expect(attempts).toBe(9);
    expect(lines.at(-1)).toBe('Cannot start Healthcheck child process: spawn EMFILE; trying again in 60 s');
  });

  it("logs an 'error' of a running child without restarting it", () => {
    const running = fakeProcess(7);
    const w = world([() => running]);
    w.launch(w.child);
    running.emit('error', new Error('kill ESRCH'));
    w.clock.advance(10_000_000);
    expect(w.lines).toEqual(['Starting VRRP child process, pid=7', 'VRRP child process(7): kill ESRCH']);
    expect(w.child.process).toBe(running);
  });

  it("restarts a child that died after keepalived's back-off: at once, then 1, 2, 4… 60 s while it dies within a minute", () => {
    const forks = Array.from({ length: 11 }, (_, i) => fakeProcess(100 + i));
    const w = world(forks.map((p) => () => p));
    w.launch(w.child);
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const dying = w.child.process!;
      w.clock.advance(500_000);
      dying.emit('exit', null, 'SIGKILL');
      const diedAt = w.clock.nowUs();
      for (let waited = 0; w.child.process === undefined && waited < 120; waited++) w.clock.advance(1_000_000);
      waits.push((w.clock.nowUs() - diedAt) / 1_000_000);
    }
    expect(waits).toEqual([0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    expect(w.lines.slice(0, 5)).toEqual([
      'Starting VRRP child process, pid=100',
      'VRRP child process(100) died: SIGKILL',
      'Starting VRRP child process, pid=101',
      'VRRP child process(101) died: SIGKILL',
      'Restart of VRRP process delayed 1 seconds to limit respawn rate',
    ]);
  });

  it('restarts at once, and starts the back-off again, a child that ran a minute', () => {
    const forks = Array.from({ length: 4 }, (_, i) => fakeProcess(100 + i));
    const w = world(forks.map((p) => () => p));
    w.launch(w.child);
    w.child.process!.emit('exit', null, 'SIGKILL');
    w.child.process!.emit('exit', null, 'SIGKILL');
    expect(w.child.process).toBeUndefined();
    w.clock.advance(1_000_000);
    w.clock.advance(60_000_000);
    w.child.process!.emit('exit', null, 'SIGSEGV');
    expect(w.child.process).toBe(forks[3]);
    expect(w.lines.filter((l) => l.startsWith('Restart of'))).toEqual(['Restart of VRRP process delayed 1 seconds to limit respawn rate']);
  });

  it('with -R stops the daemon instead of restarting a child it could not start', () => {
    const once = fakeProcess(undefined);
    const r = world([() => once], true);
    r.launch(r.child);
    once.emit('error', eagain());
    expect(r.stopped()).toBe(true);
    expect(r.lines).toEqual(['Cannot start VRRP child process: spawn EAGAIN']);
  });

  it('does not retry once the daemon is stopping', () => {
    const failed = fakeProcess(undefined);
    const w = world([() => failed]);
    w.launch(w.child);
    w.stop();
    failed.emit('error', eagain());
    w.clock.advance(120_000_000);
    expect(w.lines).toEqual([]);
  });
});
