/**
 * A Clock that reports timers running late, as keepalived's scheduler does after each epoll_wait (lib/scheduler.c
 * thread_fetch_next_queue: the earliest timer's lateness, which may raise the real-time priority through
 * increment_process_priority). Once per wake-up: a timer due before the last report was late in that report.
 */
import type { Clock } from '../base/clock.js';

export function reportingLateTimers(clock: Clock, onLate: (lateUs: number) => void): Clock {
  let lastReportUs = Number.NEGATIVE_INFINITY;
  return {
    nowUs: () => clock.nowUs(),
    at: (dueUs, fn) =>
      clock.at(dueUs, () => {
        const now = clock.nowUs();
        if (now > dueUs && dueUs > lastReportUs) {
          lastReportUs = now;
          onLate(now - dueUs);
        }
        fn();
      }),
  };
}
