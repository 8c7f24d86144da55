/**
 * keepalived's smtp_alert: each alert goes to smtp_server on a connection of its own, within smtp_connect_timeout
 * for the connection and for each reply, and is dropped (logged with keepalived's text) when anything fails. Nothing
 * waits for it: the VRRP and checker processes go on while it is sent. At most MAX_IN_FLIGHT alerts are under way;
 * a burst beyond that is dropped and said, where keepalived would open a connection for each.
 */
import * as net from 'node:net';
import { monotonicClock, type Clock } from '../../base/clock.js';
import type { Logger } from '../../base/logger.js';
import type { GlobalDefs } from '../../config/global/model.js';
import { alertBody, alertSubject, dataText, toHeader } from './alert-message.js';
import { SmtpSession, type SessionStep } from './smtp-session.js';

export const MAX_IN_FLIGHT = 16;

/** A subject without the `[router_id]` in front (`VRRP Instance VI_1 - Entering MASTER state`) and its body. */
export type SendAlert = (subject: string, body: string) => void;

/** The byte stream to the server; `net.connect` in the daemon, a fake in tests. */
export interface MailSocket {
  on(event: 'connect', fn: () => void): unknown;
  on(event: 'data', fn: (chunk: string) => void): unknown;
  on(event: 'error', fn: (error: Error) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
  write(text: string, encoding: 'latin1'): unknown;
  destroy(): unknown;
}

export interface MailerPorts {
  readonly log: Pick<Logger, 'info'>;
  readonly detail: boolean;
  readonly clock?: Clock;
  readonly connect?: (address: string, port: number) => MailSocket;
  readonly now?: () => Date;
}

const netConnect = (address: string, port: number): MailSocket => {
  const socket = net.connect({ host: address, port });
  socket.setEncoding('latin1');
  return socket;
};

/** The alerts' sender for this configuration; one that sends nothing without notification_email or smtp_server. */
export function mailerFor(g: GlobalDefs, ports: MailerPorts): SendAlert {
  const server = g.smtpServer;
  if (g.notificationEmail.length === 0 || server === undefined) return () => undefined;
  const clock = ports.clock ?? monotonicClock;
  const connect = ports.connect ?? netConnect;
  const now = ports.now ?? (() => new Date());
  const timeoutUs = g.smtpConnectTimeout * 1_000_000;
  const host = `[${server.address}]:${server.port}`;
  const from = g.notificationEmailFrom ?? '';
  const to = toHeader(g.notificationEmail);
  let inFlight = 0;

  return (subject, body) => {
    if (inFlight >= MAX_IN_FLIGHT) {
      ports.log.info(`SMTP alert not sent: ${MAX_IN_FLIGHT} alerts to ${host} still under way`);
      return;
    }
    inFlight++;
    const mail = { from, to, subject: alertSubject(g.routerId, subject), body: alertBody(body) };
    const session = new SmtpSession({
      server: host,
      // keepalived's fallback when smtp_helo_name is unset and the host has no name
      helo: g.smtpHeloName ?? 'localhost',
      from,
      recipients: g.notificationEmail,
      data: () => dataText(mail, now()),
      detail: ports.detail,
    });
    let socket: MailSocket;
    let connected = false;
    let over = false;
    let cancelTimer: () => void = () => undefined;
    const finish = (): void => {
      if (over) return;
      over = true;
      cancelTimer();
      socket.destroy();
      inFlight--;
    };
    const arm = (onTimeout: () => void): void => {
      cancelTimer();
      cancelTimer = clock.at(clock.nowUs() + timeoutUs, onTimeout);
    };
    const apply = (step: SessionStep): void => {
      for (const line of step.logs) ports.log.info(line);
      if (step.done) return finish();
      if (step.send !== undefined) socket.write(step.send, 'latin1');
      arm(() => apply(session.readTimeout()));
    };
    try {
      socket = connect(server.address, server.port);
    } catch {
      inFlight--;
      ports.log.info(`SMTP connection ERROR to ${host}.`);
      return;
    }
    arm(() => {
      ports.log.info(`Timeout opening connection to remote SMTP server ${host}.`);
      finish();
    });
    socket.on('connect', () => {
      connected = true;
      apply(session.connected());
    });
    socket.on('data', (chunk) => {
      if (!over) apply(session.receive(chunk));
    });
    socket.on('error', () => {
      if (over) return;
      ports.log.info(connected ? `Error reading data from remote SMTP server ${host}.` : `SMTP connection ERROR to ${host}.`);
      finish();
    });
    socket.on('close', () => {
      if (!over) apply(session.closedByServer());
    });
  };
}
