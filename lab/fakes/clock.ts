/**
 * The fake Clock (src/base/clock.ts): time stands still until the test moves it. advance(us) or advanceTo(us)
 * runs every timer due by then, in due order (ties in arming order), each at its own due time; a timer armed
 * for a time already past is due now.
 */
import type { Clock } from '../../src/base/clock.js';

interface Timer {
  readonly dueUs: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private now = 0;
  private armed = 0;
  // a Map keeps arming order, so equal due times run in the order they were armed
  private readonly timers = new Map<number, Timer>();

  nowUs(): number {
    return this.now;
  }

  at(dueUs: number, fn: () => void): () => void {
    const id = this.armed++;
    this.timers.set(id, { dueUs: Math.max(dueUs, this.now), fn });
    return () => this.timers.delete(id);
  }

  /** Moves time on by `us`, running the timers due on the way. */
  advance(us: number): void {
    this.advanceTo(this.now + us);
  }

  /** Moves time to `toUs` (never back), running the timers due on the way. */
  advanceTo(toUs: number): void {
    const end = Math.max(toUs, this.now);
    for (;;) {
      let next: [number, Timer] | undefined;
      for (const entry of this.timers) if (entry[1].dueUs <= end && (!next || entry[1].dueUs < next[1].dueUs)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].dueUs;
      next[1].fn();
    }
    this.now = end;
  }

  /** Timers armed and neither run nor cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }
}
