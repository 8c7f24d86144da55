/**
 * LogRateLimiter (log-rate-limit.ts) on a clock: lines held back are
 * summarised by a timer when their window ends, as
 * `<last line> (N more in the last 10 s)`.
 */
import type { Clock } from '../base/clock.js';
import { LogRateLimiter, type LogSummary } from './log-rate-limit.js';

/** Writes one line at the level the caller chose (info, detail...). */
export type LineWriter = (line: string) => void;

export class RateLimitedLog {
  private readonly limiter: LogRateLimiter;
  /** Each key's writer, for its summary. */
  private readonly writers = new Map<string, LineWriter>();
  private cancelTimer: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    windowUs: number,
  ) {
    this.limiter = new LogRateLimiter(windowUs);
  }

  /** `line` through `write`, unless lines of `key` are being held back. */
  write(key: string, line: string, write: LineWriter): void {
    this.writers.set(key, write);
    if (this.limiter.admit(key, line, this.clock.nowUs())) write(line);
    else if (this.cancelTimer === undefined) this.arm();
  }

  /** Writes the summaries still owed and stops the timer. */
  close(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.summarise(this.limiter.drain());
    this.writers.clear();
  }

  private arm(): void {
    const dueUs = this.limiter.nextDueUs();
    if (dueUs === undefined) return;
    this.cancelTimer = this.clock.at(dueUs, () => {
      this.cancelTimer = undefined;
      this.summarise(this.limiter.due(this.clock.nowUs()));
      this.arm();
    });
  }

  private summarise(summaries: readonly LogSummary[]): void {
    const seconds = this.limiter.windowUs / 1e6;
    for (const { key, line, suppressed } of summaries) this.writers.get(key)?.(`${line} (${suppressed} more in the last ${seconds} s)`);
  }
}
