import { describe, expect, it } from 'vitest';
import {
  masterAdverIntFromV3Us,
  masterDownIntervalUs,
  minimumSkewUs,
  skewTimeUs,
  v2AdvertIntervalField,
  v2IntervalMatches,
  v3AdvertIntervalField,
} from '../../../src/vrrp/fsm/timers.js';
import { vectors } from './vectors.js';

const S = 1_000_000;

describe('skew and master-down interval (keepalived integer µs)', () => {
  it('VRRPv2: (256 − prio)/256 s, truncated to whole µs, independent of the interval', () => {
    expect(skewTimeUs(2, 100, S)).toBe(609_375);
    expect(skewTimeUs(2, 150, S)).toBe(414_062); // 414062.5
    expect(skewTimeUs(2, 254, S)).toBe(7_812); // 7812.5
    expect(skewTimeUs(2, 100, 5 * S)).toBe(609_375);
    expect(masterDownIntervalUs(2, 100, S)).toBe(3_609_375);
    expect(masterDownIntervalUs(2, 150, S)).toBe(3_414_062);
    expect(masterDownIntervalUs(2, 254, S)).toBe(3_007_812);
  });

  it('VRRPv3: ((256 − prio) × MAI in whole cs × 625) / 16', () => {
    expect(skewTimeUs(3, 100, S)).toBe(609_375);
    expect(skewTimeUs(3, 150, 50_000)).toBe(20_703); // 106 × 5 × 625 / 16 = 20703.125
    expect(skewTimeUs(3, 100, 50_000)).toBe(30_468); // 30468.75
    // MAI is truncated to centiseconds first
    expect(skewTimeUs(3, 100, 59_999)).toBe(skewTimeUs(3, 100, 50_000));
    expect(masterDownIntervalUs(3, 100, 50_000)).toBe(150_000 + 30_468);
    expect(masterDownIntervalUs(3, 254, 4095 * 10_000, 100)).toBe(4_095_000_000 + Math.floor((2 * 4095 * 625) / 16));
  });

  it('minimum skew is the priority-255 weight', () => {
    expect(minimumSkewUs(2, S)).toBe(3_906);
    expect(minimumSkewUs(3, S)).toBe(3_906);
    expect(skewTimeUs(2, 255, S)).toBe(minimumSkewUs(2, S));
  });

  it('down_timer_adverts scales the interval part only', () => {
    expect(masterDownIntervalUs(2, 100, S, 1)).toBe(1_609_375);
    expect(masterDownIntervalUs(2, 100, S, 10)).toBe(10_609_375);
  });

  it('wraps like keepalived’s uint32 when 100 adverts × 255 s overflow', () => {
    expect(masterDownIntervalUs(2, 100, 255 * S, 100)).toBe((100 * 255 * S + 609_375) % 2 ** 32);
  });

  it('header interval fields and the learned master interval', () => {
    expect(v2AdvertIntervalField(S)).toBe(1);
    expect(v2AdvertIntervalField(2_500_000)).toBe(2);
    expect(v3AdvertIntervalField(S)).toBe(100);
    expect(v3AdvertIntervalField(50_000)).toBe(5);
    expect(v3AdvertIntervalField(40.95 * S)).toBe(4095);
    expect(masterAdverIntFromV3Us(5)).toBe(50_000);
    expect(masterAdverIntFromV3Us(0xf064)).toBe(S); // reserved bits ignored
    expect(v2IntervalMatches(S, 1)).toBe(true);
    expect(v2IntervalMatches(1_500_000, 1)).toBe(false);
  });
});

describe('against the captures', () => {
  // after the master's priority-0 advert the backup (priority 100) takes over after Skew_Time
  it.each(vectors.announcements.map((a) => [a.pcap, a] as const))('%s: takeover after priority 0 ≈ skew', (_pcap, a) => {
    const t = a.advert_timeline;
    const i = t.findIndex((e) => e.prio === 0);
    const next = t.slice(i + 1).find((e) => e.src !== t[i]!.src);
    expect(next).toBeDefined();
    const version = t[i]!.ver;
    const interval = version === 2 ? t[i]!.int * S : t[i]!.int * 10_000;
    const skew = skewTimeUs(version, next!.prio, interval);
    const observedUs = (next!.t_rel - t[i]!.t_rel) * S;
    expect(observedUs).toBeGreaterThanOrEqual(skew);
    expect(observedUs).toBeLessThan(skew + 20_000);
  });
});
