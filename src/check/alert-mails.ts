/**
 * The checker's e-mail alerts in keepalived's words (check_tcp.c … check_misc.c, ipwrapper.c): a real server's
 * state after a checker's verdict, a virtual server's quorum, a real server taken out at a reload or a shutdown.
 * Subjects go to the mailer without `[router_id] `, which it adds.
 */

/** smtp_alert(SMTP_MSG_RS…): the real server's state after the change, not the checker's. */
export const realServerSubject = (rs: string, vs: string, alive: boolean): string => `Realserver ${rs} of virtual server ${vs} - ${alive ? 'UP' : 'DOWN'}`;

export const virtualServerSubject = (vs: string, up: boolean): string => `Virtualserver ${vs} - ${up ? 'UP' : 'DOWN'}`;

/** Each checker type's bodies for a real server found up and found down. */
export const CHECKER_BODIES = {
  TCP_CHECK: { up: '=> TCP CHECK succeed on service <=', down: '=> TCP CHECK failed on service <=' },
  UDP_CHECK: { up: '=> UDP CHECK succeed on service <=', down: '=> UDP CHECK failed on service <=' },
  PING_CHECK: { up: '=> ICMP CHECK succeed on service <=', down: '=> ICMP CHECK failed on service <=' },
  DNS_CHECK: { up: '=> DNS_CHECK: succeed on service <=', down: '=> DNS_CHECK: failed on service <=' },
  HTTP_GET: { up: '=> CHECK succeed on service <=', down: '=> CHECK failed on service : HTTP request failed <=' },
  SSL_GET: { up: '=> CHECK succeed on service <=', down: '=> CHECK failed on service : HTTP request failed <=' },
} as const;

/** smtp_final: the failure's own words (its log line less `SMTP_CHECK `) in the body. */
export function smtpCheckBody(up: boolean, reason: string | undefined): string {
  if (up) return '=> CHECK succeed on service <=';
  const words = reason?.replace(/^SMTP_CHECK /, '');
  return words ? `=> CHECK failed on service : ${words} <=` : '=> CHECK failed on service <=';
}

/** misc_check_child_thread: how the script ended (succeeded, failed, timed out). */
export const miscCheckBody = (outcome: string): string => `=> MISC CHECK ${outcome} on service <=`;

/** do_vs_notifies: the threshold is written `quorum+hysteresis` whichever way quorum went. */
export function quorumBody(vs: { readonly quorum: number; readonly hysteresis: number }, up: boolean, init: boolean, threshold: number, weightSum: number): string {
  const what = up ? (init ? 'Starting with quorum up' : 'Gained quorum') : init ? 'Starting with quorum down' : 'Lost quorum';
  return `=> ${what} ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${weightSum} <=`;
}

/** clear_service_rs and update_vs_notifies: a real server or virtual server going with the daemon or the reload. */
export const SHUTTING_DOWN_BODY = '=> Shutting down <=';
export const REMOVING_BODY = '=> Removing <=';
