/** What every part of the daemon logs through (log.ts makes the real ones; the tests' fake is lab/fakes/logger.ts). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  /** Only with -D/--log-detail. */
  detail(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The same logger with fields on every line (e.g. the process name). */
  child(fields: LogFields): Logger;
}
