/**
 * The text of keepalived's e-mail alerts (core/smtp.c smtp_alert, body_cmd): the subject with the router_id in
 * brackets, the To: list, the RFC 822 date in local time, and the DATA block with keepalived's headers.
 */

/** keepalived's buffers (include/smtp.h, smtp.c): the subject and body are cut to fit, as there. */
const MAX_SUBJECT = 255;
const MAX_BODY = 511;
const MAX_TO = 1023;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[router_id] subject` (the bare subject without a router_id), cut to keepalived's 255 characters. */
export function alertSubject(routerId: string, subject: string): string {
  return (routerId ? `[${routerId}] ${subject}` : subject).slice(0, MAX_SUBJECT);
}

export function alertBody(body: string): string {
  return body.slice(0, MAX_BODY);
}

/** build_to_header_rcpt_addrs: the recipients joined by ", ", as many whole ones as fit in 1,023 characters. */
export function toHeader(recipients: readonly string[]): string {
  let to = '';
  for (const address of recipients) {
    const next = to === '' ? address : `${to}, ${address}`;
    if (next.length > MAX_TO) break;
    to = next;
  }
  return to;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** strftime's "%a, %d %b %Y %H:%M:%S %z" in the local time zone (the C locale's names). */
export function rfc822Date(at: Date): string {
  const offset = -at.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}${two(Math.abs(offset) % 60)}`;
  return `${DAYS[at.getDay()]}, ${two(at.getDate())} ${MONTHS[at.getMonth()]} ${at.getFullYear()} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())} ${zone}`;
}

export interface AlertMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/**
 * What follows DATA, ending in the lone dot. keepalived writes it into a 1,024-byte buffer, which cuts the end off
 * (and with it the dot) when a long To: list fills it; here it is whole, at most about 2 KiB.
 */
export function dataText(mail: AlertMail, at: Date): string {
  return `Date: ${rfc822Date(at)}\r\nFrom: ${mail.from}\r\nSubject: ${mail.subject}\r\nX-Mailer: Keepalived\r\nTo: ${mail.to}\r\n\r\n${mail.body}\r\n\r\n.\r\n`;
}
