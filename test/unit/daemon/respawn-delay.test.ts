import { describe, expect, it } from 'vitest';
import { respawnDelay, RESPAWN_RESET_US } from '../../../src/daemon/respawn-delay.js';

describe('respawnDelay (keepalived 2.2.7 calc_restart_delay)', () => {
  it('gives 0, 1, 2, 4, 8, 16, 32, 60, 60 s to a child dying within a minute each time', () => {
    const delays: number[] = [];
    let next = 0;
    for (let i = 0; i < 9; i++) {
      const d = respawnDelay(next, 1_000_000);
      delays.push(d.delayS);
      next = d.nextS;
    }
    expect(delays).toEqual([0, 1, 2, 4, 8, 16, 32, 60, 60]);
  });

  it('restarts at once, and starts over, a child that ran a minute or more', () => {
    expect(respawnDelay(16, RESPAWN_RESET_US)).toEqual({ delayS: 0, nextS: 0 });
    expect(respawnDelay(16, RESPAWN_RESET_US - 1)).toEqual({ delayS: 16, nextS: 32 });
  });
});
