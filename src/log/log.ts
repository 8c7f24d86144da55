/**
 * Logging: pino JSON lines on stdout (journald keeps them) whose `msg` is
 * keepalived's own text, or with -l/--log-console keepalived's readable
 * console lines; in the background (no -n) syslog lines (syslog.ts).
 * Detail lines (keepalived's -D/--log-detail) are dropped
 * unless asked for.
 */
import { pino, type Logger as Pino } from 'pino';
import { boundedWriter, MAX_QUEUED_LOG_BYTES } from './bounded-output.js';
import { consoleTime } from './log-time.js';
import type { LogFields, Logger } from '../base/logger.js';
import { syslogFromEnvironment, syslogLogger } from './syslog.js';

export type { LogFields, Logger } from '../base/logger.js';

export interface LogOptions {
  /** -l: readable lines instead of JSON. */
  console: boolean;
  /** -D */
  detail: boolean;
  /** Where lines go; default syslog when the detaching parent asked for it, else stdout, its queue bounded (bounded-output.ts). */
  write?: (line: string) => void;
}

export function createLogger(options: LogOptions): Logger {
  const syslog = options.write ? undefined : syslogFromEnvironment(process.env);
  if (syslog) return syslogLogger(syslog, options.detail);
  const write =
    options.write ??
    boundedWriter(process.stdout, MAX_QUEUED_LOG_BYTES, (dropped) => logger.warn(`${dropped} log lines dropped: the log output could not keep up`));
  const logger = options.console ? consoleLogger(options.detail, write, {}) : jsonLogger(options.detail, write);
  return logger;
}

function jsonLogger(detail: boolean, write: (line: string) => void): Logger {
  const destination = { write: (line: string) => write(line) };
  return pinoLogger(pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination), detail);
}

function pinoLogger(p: Pino, detail: boolean): Logger {
  return {
    info: (message, fields) => p.info(fields ?? {}, message),
    detail: (message, fields) => {
      if (detail) p.info({ ...fields, detail: true }, message);
    },
    warn: (message, fields) => p.warn(fields ?? {}, message),
    error: (message, fields) => p.error(fields ?? {}, message),
    child: (fields) => pinoLogger(p.child(fields), detail),
  };
}

/** keepalived -l prints `Sun Nov 22 02:37:01 2026: message`. */
function consoleLogger(detail: boolean, write: (line: string) => void, base: LogFields): Logger {
  const line = (message: string): void => write(`${consoleTime(new Date())}: ${message}\n`);
  return {
    info: line,
    detail: (message) => {
      if (detail) line(message);
    },
    warn: line,
    error: line,
    child: (fields) => consoleLogger(detail, write, { ...base, ...fields }),
  };
}
