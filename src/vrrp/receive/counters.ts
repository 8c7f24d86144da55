/**
 * The per-instance receive counters keepalived keeps (vrrp_stats field
 * names, as in its JSON dump) and where SIGUSR2's keepalived.stats prints
 * them. chk_err and vers_err exist only for SNMP and are not in that file.
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

/** Section and label of each counter in keepalived.stats. */
export const STATS_FILE_LABEL: Readonly<Partial<Record<RxCounter, readonly [section: string, label: string]>>> = {
  advert_rcvd: ['Advertisements', 'Received'],
  packet_len_err: ['Packet Errors', 'Length'],
  ip_ttl_err: ['Packet Errors', 'TTL'],
  invalid_type_rcvd: ['Packet Errors', 'Invalid Type'],
  advert_interval_err: ['Packet Errors', 'Advertisement Interval'],
  addr_list_err: ['Packet Errors', 'Address List'],
  invalid_authtype: ['Authentication Errors', 'Invalid Type'],
  authtype_mismatch: ['Authentication Errors', 'Type Mismatch'],
  auth_failure: ['Authentication Errors', 'Failure'],
  pri_zero_rcvd: ['Priority Zero', 'Received'],
};
