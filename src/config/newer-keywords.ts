/**
 * Keywords keepalived added after 2.2.7 (the version keepalived-ts reads as), with the release that added each and
 * where it goes: `-t` names them when it meets one, so an operator with a newer keepalived's configuration knows why
 * it is unknown here. From keepalived's keyword tables (install_keyword) at each tag up to v2.4.3.
 */
const NEWER: ReadonlyMap<string, readonly [version: string, where: string]> = new Map([
  ['json_version', ['2.2.8', 'global_defs']],
  ['multihop', ['2.2.8', 'bfd_instance']],
  ['no_virtual_ipaddress', ['2.2.8', 'vrrp_instance']],
  ['timer_expired_backup', ['2.2.8', 'vrrp_instance']],
  ['tls_compliant', ['2.2.8', 'HTTP_GET / SSL_GET']],
  ['v3_checksum_as_v2', ['2.2.8', 'global_defs, vrrp_instance']],
  ['dbus_no_interface_name', ['2.3.0', 'global_defs']],
  ['snmp_rs_stats_update_interval', ['2.3.0', 'global_defs']],
  ['snmp_vs_stats_update_interval', ['2.3.0', 'global_defs']],
  ['use_symlink_paths', ['2.3.0', 'global_defs']],
  ['iproute_etc_dir', ['2.3.2', 'global_defs']],
  ['iproute_usr_dir', ['2.3.2', 'global_defs']],
  ['thread_timer_expired', ['2.3.2', 'vrrp_instance']],
  ['json_dump_file', ['2.3.3', 'global_defs']],
  ['state_dump_file', ['2.3.3', 'global_defs']],
  ['stats_dump_file', ['2.3.3', 'global_defs']],
  ['vrrp_owner_ignore_adverts', ['2.3.3', 'global_defs']],
  ['owner_ignore_adverts', ['2.3.3', 'vrrp_instance']],
  ['vrrp_delay_after_boot', ['2.4.0', 'global_defs']],
  ['auth_hmac', ['2.4.0', 'vrrp_instance']],
  ['active_key', ['2.4.0', 'auth_hmac']],
  ['anti_replay', ['2.4.0', 'auth_hmac']],
  ['time_window', ['2.4.0', 'auth_hmac']],
  ['mode', ['2.4.0', 'auth_hmac']],
]);

/** Why an unknown keyword may be a newer keepalived's, or undefined. */
export function newerKeyword(name: string): string | undefined {
  const known = NEWER.get(name);
  return known && `keepalived ${known[0]} and later know '${name}' (in ${known[1]}); keepalived 2.2.7, which keepalived-ts reads as, does not`;
}
