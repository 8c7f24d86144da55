import { describe, expect, it } from 'vitest';
import { cycleFigures, holds, type VipEvent, type WireAdvert } from '../../../lab/crash-timeline.js';

const VIP = '10.99.200.100';
const adverts = (from: 'A' | 'B', first: number, last: number, priority = from === 'A' ? 150 : 100): WireAdvert[] =>
  Array.from({ length: Math.floor((last - first) / 100) + 1 }, (_, i) => ({ t: first + 100 * i, from, priority }));
const ev = (t: number, node: 'A' | 'B', added: boolean): VipEvent => ({ t, node, address: VIP, added });

describe('crash-cycle figures from the wire and the kernel', () => {
  it('reads a clean cycle: takeover from A’s last advert, A’s leftover removed at restart, a short handover overlap', () => {
    // A advertises until 1000 and is killed at 1050; B takes over at 1360; A restarts at 2000, clears its
    // leftover at 2400, waits 341 ms hearing B, is MASTER at 2741; B lets go 3 ms later
    const wire = [...adverts('A', 0, 1000), ...adverts('B', 1360, 2760), ...adverts('A', 2741, 4000)];
    const events = [ev(0, 'A', true), ev(1361, 'B', true), ev(2400, 'A', false), ev(2742, 'A', true), ev(2745, 'B', false)];
    const f = cycleFigures(wire, events, [VIP], { killAt: 1050, restartAt: 2000, settledAt: 3000, endAt: 4000 }, 300);
    expect(f).toEqual({ takeoverMs: 360, overlapMs: { A: 0, B: 3 }, leftoverMs: 400, leftoverKept: false, leftoverLost: false, stampLagged: false, heardBeforeTakingOver: 3, tookOverUnheard: false, waitMs: 341, vipLessMs: 0, advertGapMs: 360 });
  });

  it('sees a restarted node that grabs the VIP before hearing the master, keeps its leftover, and a VIP gap', () => {
    const wire = [...adverts('A', 0, 1000), ...adverts('B', 1360, 2000), ...adverts('A', 2050, 4000)];
    // B drops the VIP before A has it again: 20 ms without it
    const events = [ev(0, 'A', true), ev(1361, 'B', true), ev(2030, 'B', false)];
    const f = cycleFigures(wire, events, [VIP], { killAt: 1050, restartAt: 2040, settledAt: 3000, endAt: 4000 }, 300);
    expect(f.heardBeforeTakingOver).toBe(0);
    expect(f.tookOverUnheard).toBe(true);
    expect(f.leftoverMs).toBeUndefined();
    expect(f.leftoverKept).toBe(true);
    expect(f.overlapMs).toEqual({ A: 0, B: 0 });
    expect(f.vipLessMs).toBe(0);

    const gap = cycleFigures(wire, [ev(0, 'A', true), ev(1361, 'B', true), ev(2010, 'A', false), ev(2030, 'B', false), ev(2050, 'A', true)], [VIP], {
      killAt: 1050,
      restartAt: 2000,
      settledAt: 3000,
      endAt: 4000,
    }, 300);
    expect(gap.vipLessMs).toBe(20);
    expect(gap.leftoverMs).toBe(10);
  });

  it('reads the leftover’s fate in the monitor’s order, not by its stamps, which lag under load', () => {
    const wire = [...adverts('A', 0, 1000), ...adverts('B', 1360, 2760), ...adverts('A', 2741, 4000)];
    const marks = { killAt: 1050, restartAt: 2000, settledAt: 3000, endAt: 4000 };
    // the deletion happened at restart but was stamped with the re-addition, after A's first advert
    const lagged = cycleFigures(wire, [ev(0, 'A', true), ev(1361, 'B', true), ev(2750, 'A', false), ev(2751, 'A', true), ev(2755, 'B', false)], [VIP], marks, 300);
    expect(lagged).toMatchObject({ leftoverMs: 750, leftoverKept: false, leftoverLost: false, stampLagged: true, heardBeforeTakingOver: 7, tookOverUnheard: false });
    expect(lagged.waitMs).toBeUndefined();
    // the monitor printed an addition of a VIP it still had as held: it lost the deletion
    const lost = cycleFigures(wire, [ev(0, 'A', true), ev(1361, 'B', true), ev(2742, 'A', true), ev(2745, 'B', false)], [VIP], marks, 300);
    expect(lost).toMatchObject({ leftoverKept: false, leftoverLost: true, stampLagged: false });
    expect(lost.leftoverMs).toBeUndefined();
  });

  it('has no takeover when the killed child’s successor is MASTER before the backup times out', () => {
    const wire = [...adverts('A', 0, 1000), ...adverts('A', 1300, 3000)];
    const f = cycleFigures(wire, [ev(0, 'A', true), ev(1010, 'A', false), ev(1300, 'A', true)], [VIP], { killAt: 1005, settledAt: 2000, endAt: 3000 }, 300);
    expect(f.takeoverMs).toBeUndefined();
    // no B at all: nothing to hear
    expect(f.tookOverUnheard).toBe(false);
    expect(f.advertGapMs).toBe(300);
    expect(f.vipLessMs).toBe(290);
    expect(f.leftoverMs).toBe(5);
  });

  it('puts an overlap on the MASTER that went silent and let go late, and one on a backup that took from a live MASTER', () => {
    // A is MASTER again at 2741, then silent from 2841 to 3300: B takes the VIP back at 3201 and lets go at 3310
    const wire = [...adverts('A', 0, 1000), ...adverts('B', 1360, 2760), ...adverts('A', 2741, 2841), ...adverts('B', 3200, 3300), ...adverts('A', 3300, 4000)];
    const events = [ev(0, 'A', true), ev(1361, 'B', true), ev(2400, 'A', false), ev(2742, 'A', true), ev(2745, 'B', false), ev(3201, 'B', true), ev(3310, 'B', false)];
    const f = cycleFigures(wire, events, [VIP], { killAt: 1050, restartAt: 2000, settledAt: 3500, endAt: 4000 }, 300);
    expect(f.overlapMs).toEqual({ A: 109, B: 3 });
    // B takes the VIP at 2800 while A advertises: B's doing
    const grab = cycleFigures(wire, [...events.slice(0, 5), ev(2800, 'B', true), ev(2850, 'B', false)], [VIP], { killAt: 1050, restartAt: 2000, settledAt: 3500, endAt: 4000 }, 300);
    expect(grab.overlapMs).toEqual({ A: 0, B: 50 });
  });

  it('keeps a VIP held across the window start', () => {
    expect(holds([ev(0, 'B', true), ev(50, 'B', false), ev(70, 'B', true)], 'B', VIP, 10, 100)).toEqual([
      [10, 50],
      [70, 100],
    ]);
  });
});
