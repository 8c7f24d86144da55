/**
 * Log output that cannot grow without bound: a Node stream queues whatever
 * its reader (journald, a pipe) has not taken yet, so a slow reader under a
 * flood of lines would grow the process by the queue. Past `maxQueuedBytes`
 * lines are dropped and counted; once the stream has drained, `onCaughtUp`
 * is told how many.
 */

/** The part of a Writable (process.stdout) used here. */
export interface OutputStream {
  write(chunk: string): boolean;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/** Enough for bursts of lines (a reload, a flap) while bounding the queue. */
export const MAX_QUEUED_LOG_BYTES = 1 << 20;

export function boundedWriter(stream: OutputStream, maxQueuedBytes: number, onCaughtUp: (dropped: number) => void): (line: string) => void {
  let dropped = 0;
  return (line) => {
    if (stream.writableLength + line.length <= maxQueuedBytes) {
      stream.write(line);
      return;
    }
    // a queue this long means a write returned false already, so 'drain' is coming
    if (dropped++ === 0) {
      stream.once('drain', () => {
        const count = dropped;
        dropped = 0;
        onCaughtUp(count);
      });
    }
  };
}
