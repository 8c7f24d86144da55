/**
 * keepalived keywords that keepalived-ts reads into the model but will not act
 * on. `-t` says so for each use (class Ok: the exit code stays keepalived's),
 * so an operator sees what would silently differ after the switch.
 */

const SNMP = 'SNMP (AgentX) is not provided; --metrics-listen serves Prometheus metrics instead';
const DBUS = 'the D-Bus interface is not provided';
const BFD_PROCESS = 'there is no BFD process to apply it to';
const BFD = 'BFD sessions are not run';
const GARP_GROUP = 'gratuitous ARPs/NAs are paced by the global vrrp_garp_interval/vrrp_gna_interval, not per interface';
const UP_DOWN_DELAYS = 'an interface going up or down is acted on at once';
const LINKBEAT = "link state comes from rtnetlink only, never from polling the driver's MII/ethtool status";
const RCV_BUFS = "the sockets' receive buffers keep the kernel's default size";
const RELOAD_TIME = 'no reload is scheduled: send SIGHUP';
const CONFIG_SAVE = 'the configuration is not saved at reloads';

const GAPS: ReadonlyArray<readonly [string, readonly string[]]> = [
  [SNMP, ['enable_snmp_vrrp', 'enable_snmp_keepalived', 'enable_snmp_checker', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_traps', 'snmp_socket']],
  [DBUS, ['enable_dbus', 'dbus_service_name']],
  [BFD_PROCESS, ['bfd_priority', 'bfd_no_swap', 'bfd_rt_priority', 'bfd_rlimit_rttime', 'bfd_rlimit_rtime', 'bfd_cpu_affinity']],
  [BFD, ['bfd_instance', 'track_bfd', 'BFD_CHECK']],
  [GARP_GROUP, ['garp_group']],
  [UP_DOWN_DELAYS, ['interface_up_down_delays']],
  [LINKBEAT, ['linkbeat_interfaces', 'linkbeat_use_polling']],
  [
    RCV_BUFS,
    [
      'kernel_rx_buf_size',
      'vrrp_rx_bufs_policy',
      'vrrp_rx_bufs_multiplier',
      'vrrp_netlink_cmd_rcv_bufs',
      'vrrp_netlink_cmd_rcv_bufs_force',
      'vrrp_netlink_monitor_rcv_bufs',
      'vrrp_netlink_monitor_rcv_bufs_force',
      'lvs_netlink_cmd_rcv_bufs',
      'lvs_netlink_cmd_rcv_bufs_force',
      'lvs_netlink_monitor_rcv_bufs',
      'lvs_netlink_monitor_rcv_bufs_force',
    ],
  ],
  [RELOAD_TIME, ['reload_time_file', 'reload_repeat']],
  [CONFIG_SAVE, ['config_save_dir']],
];

const BY_KEYWORD = new Map<string, string>(GAPS.flatMap(([why, names]) => names.map((n) => [n, why] as const)));

/** Why keepalived-ts does not act on this keyword, or undefined when it does. */
export function notActedOn(keyword: string): string | undefined {
  return BY_KEYWORD.get(keyword);
}
