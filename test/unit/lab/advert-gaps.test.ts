import { describe, expect, it } from 'vitest';
import { lateness, pooledLateness } from '../../../lab/advert-gaps.js';

describe('advert lateness off the wire: each gap between adverts less advert_int', () => {
  it('takes the nearest-rank percentiles and counts the gaps a backup would have taken as a death', () => {
    const gaps = [...Array.from({ length: 98 }, () => 10), 12, 35];
    const times = gaps.reduce<number[]>((t, g) => [...t, t.at(-1)! + g], [1000]);
    expect(lateness(times, 10)).toEqual({ gaps: 100, p50: 0, p99: 2, max: 25, missed: 1 });
  });
  it('has nothing to say about fewer than two adverts', () => {
    expect(lateness([5], 10)).toBeUndefined();
  });
  it("pools many routers' gaps, never one router's last advert against another's first", () => {
    expect(pooledLateness([[0, 1000, 2100], [50_000, 51_000], [7]], 1000)).toEqual({ gaps: 3, p50: 0, p99: 100, max: 100, missed: 0 });
    expect(pooledLateness([[7], []], 1000)).toBeUndefined();
  });
});
