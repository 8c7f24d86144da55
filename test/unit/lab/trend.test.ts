import { describe, expect, it } from 'vitest';
import { floorGrowth, floorSlope, percentile, slope } from '../../../lab/trend.js';

describe('the soak’s trends', () => {
  it('least-squares slope: a line, a sawtooth around a level, too few points', () => {
    expect(slope([0, 1, 2, 3].map((t) => ({ t, v: 5 + 2 * t })))).toBeCloseTo(2);
    const saw = Array.from({ length: 100 }, (_, t) => ({ t, v: 50 + (t % 10) }));
    expect(Math.abs(slope(saw))).toBeLessThan(0.01);
    expect(slope([{ t: 1, v: 3 }])).toBe(0);
    expect(slope([{ t: 1, v: 3 }, { t: 1, v: 4 }])).toBe(0);
  });

  it('floor growth: work in flight is not a leak, one kept per event is', () => {
    const inFlight = Array.from({ length: 50 }, (_, t) => ({ t, v: 20 + ((t * 7) % 5) }));
    expect(floorGrowth(inFlight)).toBe(0);
    const leaking = Array.from({ length: 50 }, (_, t) => ({ t, v: 20 + t + ((t * 7) % 5) }));
    expect(floorGrowth(leaking)).toBeGreaterThanOrEqual(35);
    expect(floorGrowth([])).toBe(0);
  });

  it('floor slope: spikes of work in flight near the end are not a trend, a rising floor is', () => {
    const level = Array.from({ length: 50 }, (_, t) => ({ t, v: 10 }));
    const spiky = level.map((p) => (p.t % 9 === 8 && p.t > 30 ? { t: p.t, v: 20 } : p));
    expect(slope(spiky)).toBeGreaterThan(0.02);
    expect(floorSlope(spiky)).toBe(0);
    const rising = spiky.map((p) => ({ t: p.t, v: p.v + 0.1 * p.t }));
    expect(floorSlope(rising)).toBeCloseTo(0.1, 1);
    expect(floorSlope([])).toBe(0);
    expect(floorSlope([{ t: 3, v: 1 }, { t: 3, v: 2 }])).toBe(0);
  });

  it('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile(xs, 1)).toBe(100);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
