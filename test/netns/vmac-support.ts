/** What the use_vmac side-by-side tests share. */

/**
 * A MASTER instance VI_1 on eth0 (priority 150, advert_int 1); `body`: its further lines, each indented. `fast`:
 * VRRPv3 at 0.1 s adverts, MASTER 0.3 s after its start rather than 3.6 s, for a test the adverts are not the subject of.
 */
export const masterInstance = (vrid: number, body: string, fast = false): string => `vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
${fast ? '  version 3\n  advert_int 0.1' : '  advert_int 1'}
${body}}
`;
