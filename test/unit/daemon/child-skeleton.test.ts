/** The child processes' shared plumbing, on a fake process (signals, IPC channel) and real pid files in a temp dir. */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChildSkeleton, type ChildEvent, type ChildFeatures, type ChildSkeletonPorts } from '../../../src/daemon/child-skeleton.js';
import { claimPidFileAtStart, removePidFile } from '../../../src/daemon/pid-file.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { tempDir } from '../../tmp.js';

/** The child's own process: signals and 'disconnect' are emitted by the test, what it sends to the parent is kept. */
class FakeProcess extends EventEmitter {
  readonly connected = true;
  readonly sent: unknown[] = [];
  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    this.sent.push(message);
    callback?.(null);
    return true;
  }
  signal(event: ChildEvent): void {
    this.emit(event);
  }
}

/** A promise the test settles. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function child(options: { sigJson?: ChildSkeletonPorts['watchSigJson'] } = {}) {
  const proc = new FakeProcess();
  const { log, lines } = fakeLogger();
  const sigJsonWatches: { onSignal: () => void; stopped: boolean }[] = [];
  const statsClearWatches: { onSignal: () => void; stopped: boolean }[] = [];
  const memoryReturn = { started: 0, stopped: 0 };
  const ports: ChildSkeletonPorts = {
    process: proc,
    pidFile: { claim: claimPidFileAtStart, remove: removePidFile },
    watchSigJson:
      options.sigJson ??
      ((onSignal) => {
        const watch = { onSignal, stopped: false };
        sigJsonWatches.push(watch);
        return { stop: () => void (watch.stopped = true) };
      }),
    watchStatsClear: (onSignal) => {
      const watch = { onSignal, stopped: false };
      statsClearWatches.push(watch);
      return { stop: () => void (watch.stopped = true) };
    },
    startMemoryReturn: () => {
      memoryReturn.started++;
      return () => void memoryReturn.stopped++;
    },
  };
  const skeleton = new ChildSkeleton(log, ports);
  const pidFile = path.join(tempDir('child-skeleton'), 'run', 'child.pid');
  return { proc, lines, skeleton, pidFile, sigJsonWatches, statsClearWatches, memoryReturn };
}

/** Runs the skeleton with `features` and waits until its signal handlers are in place. */
async function running(c: ReturnType<typeof child>, features: ChildFeatures): Promise<{ exit: Promise<number> }> {
  const exit = c.skeleton.run(c.pidFile, 'VRRP child', () => Promise.resolve(features));
  await settle();
  // wrapped: an async function would wait for a promise it returns
  return { exit };
}

describe('child skeleton', () => {
  it('answers the parent’s pings from its construction, before any start', () => {
    const { proc } = child();
    proc.emit('message', { type: 'ping', seq: 7 });
    expect(proc.sent).toEqual([{ type: 'pong', seq: 7 }]);
  });

  it('takes SIGHUP, SIGUSR1 and SIGUSR2 from its construction: their default action would end the process', () => {
    const { proc } = child();
    for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGTERM', 'SIGINT', 'disconnect'] as const) {
      expect(proc.listenerCount(signal), signal).toBeGreaterThan(0);
    }
  });

  it('a SIGHUP while the features start is one reload once they run; dumps asked for meanwhile are dropped', async () => {
    const c = child();
    const started = deferred();
    const seen: string[] = [];
    const features: ChildFeatures = {
      stop: () => undefined,
      reload: () => Promise.resolve(void seen.push('reload')),
      dumps: { SIGUSR1: () => void seen.push('data dump') },
    };
    void c.skeleton.run(c.pidFile, 'VRRP child', () => started.promise.then(() => features));
    await settle();
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGUSR1');
    expect(seen).toEqual([]);
    started.resolve();
    await settle();
    await settle();
    expect(seen).toEqual(['reload']);
  });

  it('tells the parent it has read the configuration once its features run, and after each reload', async () => {
    const c = child();
    const started = deferred();
    const reloads: string[] = [];
    const features: ChildFeatures = { stop: () => undefined, reload: () => Promise.resolve(void reloads.push('reload')) };
    void c.skeleton.run(c.pidFile, 'VRRP child', () => started.promise.then(() => features));
    await settle();
    const reads = (): number => c.proc.sent.filter((m) => (m as { type?: string }).type === 'config-read').length;
    expect(reads()).toBe(0);
    started.resolve();
    await settle();
    expect(reads()).toBe(1);
    c.proc.signal('SIGHUP');
    await settle();
    expect([reads(), reloads.length]).toEqual([2, 1]);
  });

  it('a stop while the features start stops them once they run, and exits 0', async () => {
    const c = child();
    const started = deferred();
    const seen: string[] = [];
    const exit = c.skeleton.run(c.pidFile, 'VRRP child', () => started.promise.then(() => ({ stop: () => void seen.push('stop') })));
    await settle();
    c.proc.signal('SIGTERM');
    expect(c.skeleton.stopping).toBe(true);
    started.resolve();
    expect(await exit).toBe(0);
    expect(seen).toEqual(['stop']);
    expect(fs.existsSync(c.pidFile)).toBe(false);
  });

  it('claims the pid file before starting the features and removes it once they have stopped', async () => {
    const c = child();
    const seen: string[] = [];
    const exit = c.skeleton.run(c.pidFile, 'VRRP child', () => {
      seen.push(`start: ${fs.readFileSync(c.pidFile, 'utf8')}`);
      return Promise.resolve({ stop: () => void seen.push(`stop: pid file there ${fs.existsSync(c.pidFile)}`) });
    });
    await settle();
    c.proc.signal('SIGTERM');
    expect(await exit).toBe(0);
    expect(seen).toEqual([`start: ${process.pid}\n`, 'stop: pid file there true']);
    expect(fs.existsSync(c.pidFile)).toBe(false);
  });

  it('gives memory back while the features run, and stops that at the stop', async () => {
    const c = child();
    const { exit } = await running(c, { stop: () => undefined });
    expect(c.memoryReturn).toEqual({ started: 1, stopped: 0 });
    c.proc.signal('SIGTERM');
    expect(await exit).toBe(0);
    expect(c.memoryReturn).toEqual({ started: 1, stopped: 1 });
  });

  it('exits 1 without starting anything when a live process holds the pid file', async () => {
    const c = child();
    fs.mkdirSync(path.dirname(c.pidFile), { recursive: true });
    fs.writeFileSync(c.pidFile, '1\n');
    let started = false;
    const exit = await c.skeleton.run(c.pidFile, 'VRRP child', () => {
      started = true;
      return Promise.resolve({ stop: () => undefined });
    });
    expect(exit).toBe(1);
    expect(started).toBe(false);
    expect(c.lines).toEqual([`VRRP child already running (pid 1 in ${c.pidFile})`]);
    expect(fs.readFileSync(c.pidFile, 'utf8')).toBe('1\n');
  });

  it('stops once, however many of SIGTERM, SIGINT and the parent going away come', async () => {
    const c = child();
    let stops = 0;
    const { exit } = await running(c, { stop: () => void stops++ });
    c.proc.signal('SIGTERM');
    c.proc.signal('disconnect');
    c.proc.signal('SIGINT');
    expect(await exit).toBe(0);
    c.proc.signal('SIGTERM');
    await settle();
    expect(stops).toBe(1);
  });

  it('stops when the parent goes away (its IPC channel closes)', async () => {
    const c = child();
    let stops = 0;
    const { exit } = await running(c, { stop: () => void stops++ });
    c.proc.signal('disconnect');
    expect(await exit).toBe(0);
    expect(stops).toBe(1);
  });

  it('reloads one at a time: SIGHUPs during a reload fold into one more reload', async () => {
    const c = child();
    const reloads: ReturnType<typeof deferred>[] = [];
    await running(c, {
      stop: () => undefined,
      reload: () => {
        const d = deferred();
        reloads.push(d);
        return d.promise;
      },
    });
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGHUP');
    await settle();
    expect(reloads).toHaveLength(1);
    reloads[0]!.resolve();
    await settle();
    expect(reloads).toHaveLength(2);
    reloads[1]!.resolve();
    await settle();
    expect(reloads).toHaveLength(2);
    // the queue is free again
    c.proc.signal('SIGHUP');
    await settle();
    expect(reloads).toHaveLength(3);
  });

  it('logs a reload that fails and reloads again at the next SIGHUP', async () => {
    const c = child();
    let reloads = 0;
    await running(c, {
      stop: () => undefined,
      reload: () => {
        reloads++;
        return Promise.reject(new Error('no such file'));
      },
    });
    c.proc.signal('SIGHUP');
    await settle();
    c.proc.signal('SIGHUP');
    await settle();
    expect(reloads).toBe(2);
    expect(c.lines).toEqual(['Reload failed: no such file', 'Reload failed: no such file']);
  });

  it('a stop waits for the reload under way, drops the one waiting, and takes no new one', async () => {
    const c = child();
    const order: string[] = [];
    const first = deferred();
    let reloads = 0;
    const { exit } = await running(c, {
      stop: () => void order.push(`stop (stopping: ${c.skeleton.stopping})`),
      reload: () => {
        reloads++;
        return first.promise.then(() => void order.push('reload done'));
      },
    });
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGHUP');
    c.proc.signal('SIGTERM');
    c.proc.signal('SIGHUP');
    await settle();
    expect(order).toEqual([]);
    first.resolve();
    expect(await exit).toBe(0);
    expect(order).toEqual(['reload done', 'stop (stopping: true)']);
    expect(reloads).toBe(1);
  });

  it('exit(status) from the start stops what started, removes the pid file and exits with that status', async () => {
    const c = child();
    const seen: string[] = [];
    const exit = c.skeleton.run(c.pidFile, 'VRRP child', () => {
      c.skeleton.exit(8);
      return Promise.resolve({ stop: () => void seen.push('stop') });
    });
    expect(await exit).toBe(8);
    expect(seen).toEqual(['stop']);
    expect(fs.existsSync(c.pidFile)).toBe(false);
  });

  it('exit(status) from a reload stops once that reload returns, and exits with that status', async () => {
    const c = child();
    const order: string[] = [];
    const { exit } = await running(c, {
      stop: () => void order.push('stop'),
      reload: () => {
        c.skeleton.exit(8);
        order.push('reload done');
        return Promise.resolve();
      },
    });
    c.proc.signal('SIGHUP');
    expect(await exit).toBe(8);
    expect(order).toEqual(['reload done', 'stop']);
  });

  it('without features to reload, SIGHUP is only logged', async () => {
    const c = child();
    await running(c, { stop: () => undefined });
    c.proc.signal('SIGHUP');
    expect(c.lines).toEqual(['Reloading']);
    // the parent waits for every child it told to reload
    expect(c.proc.sent).toEqual([{ type: 'config-read' }, { type: 'config-read' }]);
  });

  it('answers metrics requests with the features’ text, and none without a metrics provider', async () => {
    const c = child();
    await running(c, { stop: () => undefined, metrics: () => Promise.resolve('vrrp_up 1\n') });
    c.proc.emit('message', { type: 'metrics', id: 3 });
    await settle();
    expect(c.proc.sent).toEqual([{ type: 'config-read' }, { type: 'metrics', id: 3, text: 'vrrp_up 1\n' }]);

    const idle = child();
    await running(idle, { stop: () => undefined });
    idle.proc.emit('message', { type: 'metrics', id: 4 });
    await settle();
    expect(idle.proc.sent).toEqual([{ type: 'config-read' }]);
  });

  it('writes the dumps on SIGUSR1, SIGUSR2 and SIGJSON, and stops watching SIGJSON at the stop', async () => {
    const c = child();
    const dumps: string[] = [];
    const { exit } = await running(c, {
      stop: () => undefined,
      dumps: { SIGUSR1: () => dumps.push('data'), SIGUSR2: () => dumps.push('stats'), SIGJSON: () => dumps.push('json') },
    });
    c.proc.signal('SIGUSR1');
    c.proc.signal('SIGUSR2');
    expect(c.sigJsonWatches).toHaveLength(1);
    c.sigJsonWatches[0]!.onSignal();
    expect(dumps).toEqual(['data', 'stats', 'json']);
    c.proc.signal('SIGTERM');
    await exit;
    expect(c.sigJsonWatches[0]!.stopped).toBe(true);
  });

  it('writes keepalived.stats and clears at SIGSTATS_CLEAR, and stops watching it at the stop', async () => {
    const c = child();
    const dumps: string[] = [];
    const { exit } = await running(c, { stop: () => undefined, dumps: { SIGSTATS_CLEAR: () => dumps.push('stats, cleared') } });
    expect(c.statsClearWatches).toHaveLength(1);
    c.statsClearWatches[0]!.onSignal();
    expect(dumps).toEqual(['stats, cleared']);
    c.proc.signal('SIGTERM');
    await exit;
    expect(c.statsClearWatches[0]!.stopped).toBe(true);
  });

  it('ignores the dump signals it has no dump for, and watches no SIGJSON then', async () => {
    const c = child();
    await running(c, { stop: () => undefined });
    expect(c.proc.listenerCount('SIGUSR1')).toBe(1);
    expect(c.proc.listenerCount('SIGUSR2')).toBe(1);
    c.proc.signal('SIGUSR1');
    c.proc.signal('SIGUSR2');
    expect(c.sigJsonWatches).toEqual([]);
    expect(c.lines).toEqual([]);
  });

  it('warns when SIGJSON cannot be watched, and runs on', async () => {
    const c = child({
      sigJson: () => {
        throw new Error('addon not built');
      },
    });
    const { exit } = await running(c, { stop: () => undefined, dumps: { SIGJSON: () => undefined } });
    expect(c.lines).toEqual(['SIGRTMIN+2 (keepalived.json) cannot be watched: addon not built']);
    c.proc.signal('SIGTERM');
    expect(await exit).toBe(0);
  });
});
