/**
 * keepalived-ts beside keepalived 2.2.7 in VRRPv3 (advert_int 0.1 s), over
 * IPv4 and over IPv6 (the VIP fd99:S::/64 makes the instance IPv6: adverts
 * from the link-local address to ff02::12, unsolicited NAs), each with
 * keepalived-ts the higher and the lower priority node (failoverScenario).
 * Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { failoverScenario, MODES } from './vrrp-interop-support.js';

const SUBNET = 22;

describe.skipIf(!requireNetnsOrSkip()).concurrent('keepalived-ts and keepalived: VRRPv3', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('interop-v3'));
  });
  afterAll(async () => {
    await lab?.close();
  });

  for (const [i, mode] of [MODES.v3Ipv4, MODES.v3Ipv6].entries()) {
    const vip = (n: number): string => (mode.family === 'inet' ? `10.99.${SUBNET}.${100 + n}` : `fd99:${SUBNET}::${100 + n}`);
    it(`${mode.title}: keepalived-ts higher`, { timeout: 90_000 }, async () => {
      await failoverScenario({ mode, lab, kats: 'higher', hosts: [4 * i + 1, 4 * i + 2], vrid: 51 + 2 * i, vip: vip(2 * i) });
    });
    it(`${mode.title}: keepalived-ts lower`, { timeout: 90_000 }, async () => {
      await failoverScenario({ mode, lab, kats: 'lower', hosts: [4 * i + 3, 4 * i + 4], vrid: 52 + 2 * i, vip: vip(2 * i + 1) });
    });
  }
});
