/**
 * What the checker child gets instead of src/ipvs/netlink-port.ts on a kernel without IPVS (hooks.ts swaps the
 * module in): the same exports, with the real port logic (genl encoding, acks, tolerances, dumps) over the
 * in-memory kernel of lab/fakes/ipvs.ts, which keeps no record of requests so that a long run does not grow it.
 */
import type { Opened } from '../../src/ipvs/netlink-port.js';
import { fakeIpvsPort } from '../fakes/ipvs.js';

export type { Opened };
export { ipvsNamespacePath } from '../../src/ipvs/netlink-port.js';

export function openNetlinkPort(): Promise<Opened> {
  return Promise.resolve({ ok: true, port: fakeIpvsPort({ record: false }).port });
}
