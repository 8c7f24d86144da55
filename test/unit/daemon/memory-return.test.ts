import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { RETURN_EVERY_US, startMemoryReturn, type MemoryReturnPorts } from '../../../src/daemon/memory-return.js';

const P = RETURN_EVERY_US;
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** V8 is the test: it says when a full collection of its own ran, and completes the requested ones. */
function fakeProcess(options: { trim?: () => void; collect?: () => Promise<void> } = {}) {
  const clock = new FakeClock();
  const { log, lines } = fakeLogger();
  const listeners = new Set<() => void>();
  const requested: (() => void)[] = [];
  let trims = 0;
  const fullCollection = (): void => listeners.forEach((l) => l());
  const ports: MemoryReturnPorts = {
    clock,
    onFullCollection(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    collect:
      options.collect ??
      (() =>
        new Promise<void>((resolve) =>
          requested.push(() => {
            fullCollection();
            resolve();
          }),
        )),
    trimMalloc: options.trim ?? (() => void trims++),
  };
  return {
    clock,
    lines,
    listeners,
    requested,
    trims: () => trims,
    stop: startMemoryReturn(log, ports),
    v8Collects: fullCollection,
    completeRequested: () => requested.splice(0).forEach((done) => done()),
  };
}

describe('memory return: a full collection unless V8 ran one in the last half period, malloc trimmed after each', () => {
  it('requests one each period while V8 runs none, and trims the C heap once each is done', () => {
    const p = fakeProcess();
    p.clock.advance(P - 1);
    expect(p.requested).toHaveLength(0);
    p.clock.advance(1);
    expect(p.requested).toHaveLength(1);
    expect(p.trims()).toBe(0);
    p.completeRequested();
    expect(p.trims()).toBe(1);
    // its own collection a moment after the tick does not stand in for the next period's
    p.clock.advance(P);
    expect(p.requested).toHaveLength(1);
    p.completeRequested();
    expect(p.trims()).toBe(2);
  });

  it('requests none when V8 collected within the last half period, and trims after V8’s own', () => {
    const p = fakeProcess();
    p.clock.advance(P * 0.6);
    p.v8Collects();
    expect(p.trims()).toBe(1);
    p.clock.advance(P * 0.4);
    expect(p.requested).toHaveLength(0);
    // V8 collected 0.6 period before the next tick: more than half a period, so one is requested
    p.clock.advance(P);
    expect(p.requested).toHaveLength(1);
  });

  it('stops its timer and its watch of the collections', () => {
    const p = fakeProcess();
    p.stop();
    expect(p.listeners.size).toBe(0);
    p.clock.advance(10 * P);
    expect(p.requested).toHaveLength(0);
  });

  it('warns once when malloc_trim or a collection fails, and goes on', async () => {
    const p = fakeProcess({
      trim: () => {
        throw new Error('native addon not loadable');
      },
      collect: () => Promise.reject(new Error('no gc')),
    });
    p.v8Collects();
    p.v8Collects();
    p.clock.advance(3 * P);
    await settle();
    expect(p.lines).toEqual(['Memory is not given back to the system: malloc_trim failed: native addon not loadable']);
  });
});
