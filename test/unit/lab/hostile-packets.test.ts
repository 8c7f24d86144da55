import { describe, expect, it } from 'vitest';
import { HOSTILE_KINDS, hostileFrames, REFUSED_PRIORITY, type HostileSpec, type HostileTarget } from '../../../lab/hostile-packets.js';
import { checkReceivedAdvert, type ReceiveSettings } from '../../../src/vrrp/receive/check.js';
import { authDataFromPassword, VRRP_AUTH } from '../../../src/vrrp/wire/packet.js';

const TARGETS: HostileTarget[] = [
  { family: 'inet', version: 3, vrid: 51, vips: ['10.99.210.100'], auth: 'none', advertIntSec: 0.1 },
  { family: 'inet6', version: 3, vrid: 52, vips: ['fd99:210::100'], auth: 'none', advertIntSec: 0.1 },
  { family: 'inet', version: 2, vrid: 53, vips: ['10.99.210.101'], auth: 'pass', password: 'hostile1', advertIntSec: 1 },
  { family: 'inet', version: 2, vrid: 54, vips: ['10.99.210.102'], auth: 'ah', password: 'hostile2', advertIntSec: 1 },
];
const SPEC: HostileSpec = { seed: 7, targets: TARGETS, lowestPriority: 100, mac: '02:00:00:00:00:09', src4: '10.99.210.9', src6: 'fe80::9' };

const settings = (t: HostileTarget): ReceiveSettings => ({
  name: `VI_${t.vrid}`,
  family: t.family,
  version: t.version,
  vrid: t.vrid,
  authType: VRRP_AUTH[t.auth],
  authData: authDataFromPassword(t.password ?? ''),
  advertIntUs: t.advertIntSec * 1e6,
  virtualAddresses: t.vips,
  unicastPeers: [],
  checkUnicastSource: false,
});

/** What each instance's socket hands the daemon: the same family, and IP protocol 51 only to the AH instance. */
function delivered(frame: Uint8Array, t: HostileTarget): Parameters<typeof checkReceivedAdvert>[0] | undefined {
  const family = frame[12] === 0x08 ? 'inet' : 'inet6';
  if (family !== t.family) return undefined;
  const ip = frame.subarray(14);
  if (family === 'inet') return (ip[9] === 51) === (t.auth === 'ah') ? { bytes: ip } : undefined;
  return { bytes: ip.subarray(40), src: SPEC.src6, dst: 'ff02::12', hopLimit: ip[7]! };
}

describe('hostile VRRP packets', () => {
  it('are the same for the same seed', () => {
    const take = (n: number): string[] => {
      const out: string[] = [];
      for (const f of hostileFrames(SPEC)) if (out.push(Buffer.from(f.frame).toString('hex')) >= n) break;
      return out;
    };
    expect(take(200)).toEqual(take(200));
  });

  it('never change the election: each is refused, foreign, below the pair, or refused by the kernel, and every kind is sent', () => {
    const kinds = new Set<string>();
    let n = 0;
    for (const { kind, frame, kernelRefuses } of hostileFrames(SPEC)) {
      if (n++ >= 5000) break;
      kinds.add(kind);
      if (kernelRefuses) continue;
      for (const t of TARGETS) {
        const packet = delivered(frame, t);
        if (!packet) continue;
        const verdict = checkReceivedAdvert(packet, settings(t), { checkAddresses: true, ahSequence: 0, unicastChecksumCompat: 'none' });
        if (verdict.kind === 'accept') expect([kind, verdict.advert.priority < SPEC.lowestPriority]).toEqual([kind, true]);
        else if (verdict.kind === 'reject' && kind !== 'lower-priority' && kind !== 'foreign-vrid') expect(verdict.effects).toEqual({});
      }
    }
    expect([...kinds].sort()).toEqual([...HOSTILE_KINDS].sort());
    expect(REFUSED_PRIORITY).toBeGreaterThan(SPEC.lowestPriority);
  });
});
