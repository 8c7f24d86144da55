/**
 * keepalived-ts beside keepalived 2.2.7 as the two routers of one VRRPv2
 * instance, multicast with auth PASS and unicast (unicast_src_ip and
 * unicast_peer), each once with keepalived-ts the higher priority node and
 * once the lower: election, preemption, takeover after a death and after a
 * SIGTERM, the return of the higher node with and without nopreempt,
 * gratuitous ARPs and VIPs (failoverScenario). The four pairs run side by
 * side on one bridge, VRIDs 51 to 54. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { failoverScenario, MODES } from './vrrp-interop-support.js';

const SUBNET = 20;

describe.skipIf(!requireNetnsOrSkip()).concurrent('keepalived-ts and keepalived: VRRPv2', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('interop-v2'));
  });
  afterAll(async () => {
    await lab?.close();
  });

  for (const [i, mode] of [MODES.v2Pass, MODES.v2Unicast].entries()) {
    it(`${mode.title}: keepalived-ts higher`, { timeout: 150_000 }, async () => {
      await failoverScenario({ mode, lab, kats: 'higher', hosts: [4 * i + 1, 4 * i + 2], vrid: 51 + 2 * i, vip: `10.99.${SUBNET}.${100 + 2 * i}` });
    });
    it(`${mode.title}: keepalived-ts lower`, { timeout: 150_000 }, async () => {
      await failoverScenario({ mode, lab, kats: 'lower', hosts: [4 * i + 3, 4 * i + 4], vrid: 52 + 2 * i, vip: `10.99.${SUBNET}.${101 + 2 * i}` });
    });
  }
});
