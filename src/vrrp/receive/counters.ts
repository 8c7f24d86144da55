/**
 * The per-instance receive counters keepalived keeps (vrrp_stats field
 * names, as in its JSON dump). chk_err and vers_err exist only for SNMP:
 * neither dump shows them. src/observe/stats-file.ts lays out SIGUSR2's
 * keepalived.stats.
 */
export type RxCounter =
  | 'advert_rcvd'
  | 'packet_len_err'
  | 'ip_ttl_err'
  | 'invalid_type_rcvd'
  | 'advert_interval_err'
  | 'addr_list_err'
  | 'invalid_authtype'
  | 'authtype_mismatch'
  | 'auth_failure'
  | 'pri_zero_rcvd'
  | 'chk_err'
  | 'vers_err';
