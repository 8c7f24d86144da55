/**
 * The hostile-real-servers case's keepalived.conf (issue 13, case 4), shared by the soak case and its VM guest:
 * one virtual server per behaviour of lab/hostile-servers.py, its real servers at addresses of a range the guest
 * routes to lo (so the one listener of each behaviour answers all of them), and one VRRP instance whose adverts
 * show whether the VRRP process suffers meanwhile.
 */

/** The behaviours, in lab/hostile-servers.py's order: mode k listens on HOSTILE_BASE_PORT + k. */
export const HOSTILE_MODES = ['ok', 'silent', 'trickle', 'headers', 'reset', 'tls', 'flap'] as const;
export type HostileMode = (typeof HOSTILE_MODES)[number];

export const HOSTILE_BASE_PORT = 8000;
/** Real servers live in 10.99.140.0/22 (lo), virtual servers at 10.99.130.x, VRRP on 10.99.132.0/24. */
export const RS_RANGE = '10.99.140.0/22';
export const VRRP_ADDRESS = '10.99.132.1/24';
export const VRRP_VIP = '10.99.132.100';
export const VRRP_INTERFACE = 'vr0';

export interface HostileTiming {
  readonly delayLoopS: number;
  readonly connectTimeoutS: number;
  readonly retry: number;
  readonly delayBeforeRetryS: number;
  readonly advertIntS: number;
}

export const HOSTILE_TIMING: HostileTiming = { delayLoopS: 3, connectTimeoutS: 3, retry: 1, delayBeforeRetryS: 1, advertIntS: 1 };

export interface HostileServer {
  readonly address: string;
  readonly port: number;
  readonly mode: HostileMode;
}

/** Real server i: mode i mod 7, so every behaviour has its share whatever the count (up to 1,000). */
export function hostileServer(i: number): HostileServer {
  if (i < 0 || i >= 1000) throw new Error(`real server ${i} outside 0..999`);
  const mode = HOSTILE_MODES[i % HOSTILE_MODES.length]!;
  return { address: `10.99.${140 + Math.floor(i / 250)}.${(i % 250) + 1}`, port: HOSTILE_BASE_PORT + HOSTILE_MODES.indexOf(mode), mode };
}

export const virtualServerOf = (mode: HostileMode): string => `10.99.130.${HOSTILE_MODES.indexOf(mode) + 1}`;

function checker(mode: HostileMode, t: HostileTiming): string[] {
  const timing = [`connect_timeout ${t.connectTimeoutS}`, `retry ${t.retry}`, `delay_before_retry ${t.delayBeforeRetryS}`];
  // flap is checked by TCP connect alone; tls speaks TLS; the rest GET /
  if (mode === 'flap') return ['TCP_CHECK {', ...timing, '}'];
  return [`${mode === 'tls' ? 'SSL_GET' : 'HTTP_GET'} {`, 'url {', 'path /', 'status_code 200', '}', ...timing, '}'];
}

/** The configuration for `count` real servers. */
export function hostileConfig(count: number, t: HostileTiming = HOSTILE_TIMING): string {
  const servers = Array.from({ length: count }, (_, i) => hostileServer(i));
  const out = [
    'global_defs {',
    'router_id soak-hostile',
    '}',
    'vrrp_instance VI_1 {',
    'state MASTER',
    `interface ${VRRP_INTERFACE}`,
    'virtual_router_id 51',
    'priority 150',
    `advert_int ${t.advertIntS}`,
    'virtual_ipaddress {',
    `${VRRP_VIP}/32`,
    '}',
    '}',
  ];
  for (const mode of HOSTILE_MODES) {
    const mine = servers.filter((s) => s.mode === mode);
    if (mine.length === 0) continue;
    out.push(`virtual_server ${virtualServerOf(mode)} 80 {`, `delay_loop ${t.delayLoopS}`, 'lb_algo rr', 'lb_kind NAT', 'protocol TCP');
    for (const s of mine) out.push(`real_server ${s.address} ${s.port} {`, 'weight 1', ...checker(mode, t), '}');
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}
