/**
 * A per-key log limiter on the caller's clock (pure: no timers of its own).
 * The first line of a key is written; the ones after it within the window
 * are only counted, and when the window ends its summary is due: the last
 * line with how many were held back. A window that held lines back starts
 * the next one, so a steady flood gives one line per key per window; a
 * quiet window forgets the key, and its next line is written at once.
 */

export interface LogSummary {
  key: string;
  /** The last line held back, as an example of them. */
  line: string;
  suppressed: number;
}

interface Window {
  endsUs: number;
  suppressed: number;
  last: string;
}

export class LogRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(readonly windowUs: number) {
    if (!(windowUs > 0)) throw new RangeError(`log rate limit window must be positive, not ${windowUs}`);
  }

  /** Whether to write `line` now; if not, it is counted towards the key's summary. */
  admit(key: string, line: string, nowUs: number): boolean {
    const window = this.windows.get(key);
    if (window === undefined || (nowUs >= window.endsUs && window.suppressed === 0)) {
      this.windows.set(key, { endsUs: nowUs + this.windowUs, suppressed: 0, last: line });
      return true;
    }
    window.suppressed++;
    window.last = line;
    return false;
  }

  /** The summaries of the windows that ended by `nowUs`; each such window with lines held back starts the next. */
  due(nowUs: number): LogSummary[] {
    const summaries: LogSummary[] = [];
    for (const [key, window] of this.windows) {
      if (nowUs < window.endsUs) continue;
      if (window.suppressed === 0) {
        this.windows.delete(key);
        continue;
      }
      summaries.push({ key, line: window.last, suppressed: window.suppressed });
      this.windows.set(key, { endsUs: nowUs + this.windowUs, suppressed: 0, last: window.last });
    }
    return summaries;
  }

  /** Every summary still owed, whatever the time (at shutdown). */
  drain(): LogSummary[] {
    const summaries = [...this.windows]
      .filter(([, window]) => window.suppressed > 0)
      .map(([key, window]) => ({ key, line: window.last, suppressed: window.suppressed }));
    this.windows.clear();
    return summaries;
  }

  /** When the earliest summary falls due; undefined when none is owed. */
  nextDueUs(): number | undefined {
    let next: number | undefined;
    for (const window of this.windows.values()) if (window.suppressed > 0 && (next === undefined || window.endsUs < next)) next = window.endsUs;
    return next;
  }
}
