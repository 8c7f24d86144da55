/**
 * keepalived keywords that keepalived-ts reads into the model but will not act
 * on. `-t` says so for each use (class Ok: the exit code stays keepalived's),
 * so an operator sees what would silently differ after the switch.
 */

const SNMP = 'SNMP (AgentX) is not provided; --metrics-listen serves Prometheus metrics instead';
const DBUS = 'the D-Bus interface is not provided';
const FIREWALL = 'no iptables/nftables rules are installed';
const SCHEDULING = 'the real-time priority is not raised automatically when timers run late';
const NO_SWAP = 'the process is not locked in memory: V8 aborts when its pages are locked (mlockall)';
const BFD_PROCESS = 'there is no BFD process to apply it to';
const BFD = 'BFD sessions are not run';
const SMTP = 'e-mail alerts are not sent';

const GAPS: ReadonlyArray<readonly [string, readonly string[]]> = [
  [SNMP, ['enable_snmp_vrrp', 'enable_snmp_keepalived', 'enable_snmp_checker', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_traps', 'snmp_socket', 'snmp_vs_stats_update_interval', 'snmp_rs_stats_update_interval']],
  [DBUS, ['enable_dbus', 'dbus_service_name', 'dbus_no_interface_name']],
  [FIREWALL, ['vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority', 'nftables_ifindex', 'nftables_counters', 'nftables_ipvs', 'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark', 'namespace_with_ipsets']],
  [SCHEDULING, ['max_auto_priority', 'min_auto_priority_delay']],
  [NO_SWAP, ['vrrp_no_swap', 'checker_no_swap']],
  [BFD_PROCESS, ['bfd_priority', 'bfd_no_swap', 'bfd_rt_priority', 'bfd_rlimit_rttime', 'bfd_rlimit_rtime', 'bfd_cpu_affinity']],
  [BFD, ['bfd_instance', 'track_bfd', 'BFD_CHECK']],
  [SMTP, ['smtp_server', 'smtp_alert', 'smtp_alert_vrrp', 'smtp_alert_checker', 'notification_email', 'notification_email_from', 'smtp_helo_name', 'smtp_connect_timeout']],
];

const BY_KEYWORD = new Map<string, string>(GAPS.flatMap(([why, names]) => names.map((n) => [n, why] as const)));

/** Why keepalived-ts does not act on this keyword, or undefined when it does (or will). */
export function notActedOn(keyword: string): string | undefined {
  return BY_KEYWORD.get(keyword);
}
