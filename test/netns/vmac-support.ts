/** What the use_vmac side-by-side tests share. */

/** A MASTER instance VI_1 on eth0 (priority 150, advert_int 1); `body`: its further lines, each indented. */
export const masterInstance = (vrid: number, body: string): string => `vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
${body}}
`;
