/**
 * Logging: pino JSON lines on stdout (journald keeps them) whose `msg` is
 * keepalived's own text, or with -l/--log-console keepalived's readable
 * console lines; in the background (no -n) syslog lines (syslog.ts).
 * Detail lines (keepalived's -D/--log-detail) are dropped
 * unless asked for.
 */
import { pino, type Logger as Pino } from 'pino';
import { boundedWriter, MAX_QUEUED_LOG_BYTES } from './bounded-output.js';
import { syslogFromEnvironment, syslogLogger } from './syslog.js';

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

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function consoleTime(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}
