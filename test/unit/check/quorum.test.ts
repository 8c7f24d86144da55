/** Quorum with hysteresis: gained at quorum + hysteresis, lost below quorum − hysteresis, never flapping inside the band. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepQuorum } from '../../../src/check/quorum.js';

const settings = fc.record({ quorum: fc.integer({ min: 1, max: 50 }), hysteresis: fc.integer({ min: 0, max: 20 }) });
const sums = fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 60 });

describe('stepQuorum', () => {
  it('edges: gained at exactly quorum + hysteresis, lost just below quorum − hysteresis', () => {
    const s = { quorum: 5, hysteresis: 2 };
    expect(stepQuorum(s, false, 6)).toEqual({ up: false, changed: false, threshold: 7 });
    expect(stepQuorum(s, false, 7)).toEqual({ up: true, changed: true, threshold: 7 });
    expect(stepQuorum(s, true, 3)).toEqual({ up: true, changed: false, threshold: 3 });
    expect(stepQuorum(s, true, 2)).toEqual({ up: false, changed: true, threshold: 3 });
  });

  it('no weight at all loses quorum even when the band reaches down to 0', () => {
    expect(stepQuorum({ quorum: 1, hysteresis: 3 }, true, 0)).toMatchObject({ up: false, changed: true });
    expect(stepQuorum({ quorum: 1, hysteresis: 3 }, true, 1)).toMatchObject({ up: true, changed: false });
  });

  it('changes only across the band, and every sequence inside the band leaves the state alone', () => {
    fc.assert(
      fc.property(settings, fc.boolean(), sums, (s, start, seq) => {
        let up = start;
        for (const sum of seq) {
          const step = stepQuorum(s, up, sum);
          const inBand = sum > 0 && sum >= s.quorum - s.hysteresis && sum < s.quorum + s.hysteresis;
          if (inBand) expect(step.changed).toBe(false);
          if (step.changed && step.up) expect(sum).toBeGreaterThanOrEqual(s.quorum + s.hysteresis);
          if (step.changed && !step.up) expect(sum === 0 || sum < s.quorum - s.hysteresis).toBe(true);
          expect(step.up).toBe(step.changed ? !up : up);
          up = step.up;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('state is a function of the last sum outside the band', () => {
    fc.assert(
      fc.property(settings, fc.boolean(), sums, (s, start, seq) => {
        let up = start;
        for (const sum of seq) up = stepQuorum(s, up, sum).up;
        const decisive = seq.filter((sum) => sum === 0 || sum < s.quorum - s.hysteresis || sum >= s.quorum + s.hysteresis).at(-1);
        expect(up).toBe(decisive === undefined ? start : decisive >= s.quorum + s.hysteresis && decisive > 0);
      }),
      { numRuns: 2000 },
    );
  });
});
