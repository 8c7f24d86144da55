/**
 * One health check attempt against one real server. Each checker type
 * (TCP_CHECK, HTTP_GET, …) is a Probe in src/check/probes/; the scheduler
 * (src/check/scheduler.ts) decides when to run it and what a failure means
 * (retry, delay_before_retry, alpha/omega).
 */
import type { Clock } from '../base/clock.js';
import type { Checker, RealServer, VirtualServer } from '../config/check/model.js';

export interface ProbeResult {
  ok: boolean;
  /**
   * keepalived's log line for this attempt, without the retry wording, e.g.
   * `TCP connection to [10.0.0.2]:tcp:80 success.` or
   * `HTTP status code error to [10.0.0.2]:tcp:80 url(/), status_code [404].`
   */
  message?: string;
  /** MISC_CHECK with misc_dynamic: the weight the exit code asks for (exit 2..255 → weight − 2). */
  weight?: number;
  /** MISC_CHECK: how the script ended in keepalived's words (succeeded, failed, timed out), for its mail. */
  outcome?: string;
}

export interface ProbeTarget {
  vs: VirtualServer;
  rs: RealServer;
  checker: Checker;
}

/**
 * Runs one attempt. Must settle within the checker's timeout (connect_timeout,
 * misc_timeout) whatever the server does — accept and hang, reset, send
 * garbage, trickle slowly — and must never throw: a failure is `ok: false`.
 * `signal` aborts the attempt (the daemon is stopping or reloading). Its
 * timeouts run on `clock` (the checker's, which runs due timers in bounded
 * slices); without one, on the monotonic clock.
 */
export type Probe = (target: ProbeTarget, signal: AbortSignal, clock?: Clock) => Promise<ProbeResult>;
