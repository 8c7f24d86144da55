import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { boundedWriter, type OutputStream } from '../../../src/log/bounded-output.js';

/** A stream whose reader takes nothing until `drain()`. */
class StalledStream extends EventEmitter implements OutputStream {
  readonly written: string[] = [];
  writableLength = 0;
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.writableLength += chunk.length;
    return this.writableLength < 16;
  }
  drain(): void {
    this.writableLength = 0;
    this.emit('drain');
  }
}

describe('boundedWriter', () => {
  it('drops and counts lines past the queue bound, and says how many once the stream has drained', () => {
    const stream = new StalledStream();
    const caughtUp: number[] = [];
    const write = boundedWriter(stream, 100, (dropped) => caughtUp.push(dropped));
    for (let i = 0; i < 1000; i++) write('0123456789\n');
    expect(stream.written).toHaveLength(9);
    expect(stream.writableLength).toBeLessThanOrEqual(100);
    expect(caughtUp).toEqual([]);
    stream.drain();
    expect(caughtUp).toEqual([991]);
    write('after\n');
    expect(stream.written.at(-1)).toBe('after\n');
    // a second stall is counted afresh
    for (let i = 0; i < 20; i++) write('0123456789\n');
    stream.drain();
    expect(caughtUp).toEqual([991, 12]);
  });

  it('writes everything while the reader keeps up', () => {
    const stream = new StalledStream();
    const write = boundedWriter(stream, 100, () => expect.unreachable());
    for (let i = 0; i < 1000; i++) {
      write('0123456789\n');
      stream.drain();
    }
    expect(stream.written).toHaveLength(1000);
  });
});
