/**
 * Syslog destination for the daemon once it has gone to the background
 * (no -n): keepalived logs through syslog(3), so its lines land where the
 * operator's syslog keeps them. One RFC 3164 datagram per line to /dev/log,
 * as glibc's syslog() with LOG_PID writes it, under keepalived's idents.
 * Sends never wait: with /dev/log absent or full a line is dropped and
 * counted, and the count is reported once lines get through again.
 */
import { CHILD_ENV } from '../base/child-env.js';
import { syslogSend } from '../base/native.js';
import { syslogTime } from './log-time.js';
import type { Logger } from '../base/logger.js';

/** Set by the parent that detaches: the facility code the background daemon and its children log with. */
export const SYSLOG_FACILITY_ENV = 'KEEPALIVED_TS_SYSLOG_FACILITY';
export const DEV_LOG = '/dev/log';
/** rsyslog's default maximum message size; longer lines are cut, not split. */
const MAX_DATAGRAM = 8192;

const SEVERITY = { err: 3, warning: 4, info: 6 } as const;
type Severity = keyof typeof SEVERITY;

export interface SyslogOptions {
  /** Keepalived, Keepalived_vrrp or Keepalived_healthcheckers. */
  ident: string;
  /** 0-23, the facility code without syslog.h's shift (daemon 3, local0 16). */
  facility: number;
  socketPath?: string;
  pid?: number;
  now?: () => Date;
  /** Sends one datagram or throws; the addon's non-blocking sendto by default. */
  send?: (socketPath: string, datagram: Buffer) => void;
}

/** Set by the parent once it has read the configuration: what follows each ident (identSuffix). */
export const SYSLOG_IDENT_SUFFIX_ENV = 'KEEPALIVED_TS_SYSLOG_IDENT_SUFFIX';

/** make_syslog_ident's additions: `_NAMESPACE`, then `_INSTANCE`, for those set. */
export function identSuffix(namespace: string | undefined, instance: string | undefined): string {
  return [namespace, instance].map((part) => (part === undefined ? '' : `_${part}`)).join('');
}

/** The ident keepalived gives this process: the parent's, or the child's the parent started. */
export function syslogIdent(env: NodeJS.ProcessEnv): string {
  const suffix = env[SYSLOG_IDENT_SUFFIX_ENV] ?? '';
  if (env[CHILD_ENV] === 'vrrp') return `Keepalived_vrrp${suffix}`;
  if (env[CHILD_ENV] === 'check') return `Keepalived_healthcheckers${suffix}`;
  return `Keepalived${suffix}`;
}

/** The syslog destination the detaching parent chose for this process, if any. */
export function syslogFromEnvironment(env: NodeJS.ProcessEnv): SyslogOptions | undefined {
  const value = env[SYSLOG_FACILITY_ENV];
  if (value === undefined || !/^\d+$/.test(value) || Number(value) > 23) return undefined;
  return { ident: syslogIdent(env), facility: Number(value) };
}

/** glibc's `<PRI>Mmm dd hh:mm:ss ident[pid]: message` (local time, day padded with a space). */
export function syslogLine(priority: number, at: Date, ident: string, pid: number, message: string): string {
  return `<${priority}>${syslogTime(at)} ${ident}[${pid}]: ${message}`;
}

export function syslogLogger(options: SyslogOptions, detail: boolean): Logger {
  const socketPath = options.socketPath ?? DEV_LOG;
  const pid = options.pid ?? process.pid;
  const now = options.now ?? (() => new Date());
  const send = options.send ?? syslogSend;
  let dropped = 0;
  let lastError = '';

  const datagram = (severity: Severity, message: string): Buffer => {
    const line = Buffer.from(syslogLine(options.facility * 8 + SEVERITY[severity], now(), options.ident, pid, message));
    return line.length > MAX_DATAGRAM ? line.subarray(0, MAX_DATAGRAM) : line;
  };
  const deliver = (data: Buffer): boolean => {
    try {
      send(socketPath, data);
      return true;
    } catch (error) {
      lastError = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return false;
    }
  };
  const emit = (severity: Severity, message: string): void => {
    if (dropped > 0 && deliver(datagram('warning', `${dropped} log line(s) dropped: ${socketPath} was absent or full (${lastError})`))) dropped = 0;
    // one datagram per line, as a receiver shows them
    for (const line of message.split('\n')) if (!deliver(datagram(severity, line))) dropped++;
  };

  const logger: Logger = {
    info: (message) => emit('info', message),
    detail: (message) => {
      if (detail) emit('info', message);
    },
    warn: (message) => emit('warning', message),
    error: (message) => emit('err', message),
    child: () => logger,
  };
  return logger;
}
