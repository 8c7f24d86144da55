/** The runtime calls behind src/daemon/memory-return.ts and the checker's memory saver, in this test process. */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../src/base/full-gc.js';
import { trimMalloc } from '../../../src/base/malloc-trim.js';
import { enableMemorySaver } from '../../../src/base/v8-memory-saver.js';

describe('the calls that give memory back', () => {
  it('collectGarbage runs a full collection without --expose-gc, and gc() stays out of the process’s own context', async () => {
    let majors = 0;
    const seenTwo = new Promise<void>((resolve) => {
      const observer = new PerformanceObserver((list) => {
        majors += list.getEntries().filter((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
        if (majors >= 2) {
          observer.disconnect();
          resolve();
        }
      });
      observer.observe({ entryTypes: ['gc'] });
    });
    await collectGarbage();
    await collectGarbage();
    // the observer's entries come on a later turn of the loop; without two full collections the test times out
    await seenTwo;
    expect('gc' in globalThis).toBe(false);
  });

  it('trimMalloc calls the C library’s malloc_trim (glibc: answers whether memory went back)', () => {
    expect(typeof trimMalloc()).toBe('boolean');
  });
});

describe('V8 memory saver mode', () => {
  it('is set on V8 13 and later, and left alone before (V8 12 does not know the flag)', () => {
    expect(enableMemorySaver('12.4.254.21-node.57')).toBe(false);
    expect(enableMemorySaver(process.versions.v8)).toBe(Number.parseInt(process.versions.v8, 10) >= 13);
  });
});
