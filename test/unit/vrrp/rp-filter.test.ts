import { describe, expect, it } from 'vitest';
import { clearRpFilter, restoreRpFilter } from '../../../src/vrrp/settings/rp-filter.js';

describe('all.rp_filter around IPv4 VMACs (clear_rp_filter, restore_rp_filter)', () => {
  it('all 0: nothing to do; unreadable: said so', () => {
    expect(clearRpFilter(0, 0, new Map())).toEqual({ sysctls: [], interfaces: [], logs: [] });
    expect(clearRpFilter(undefined, 0, new Map()).logs).toEqual(['Unable to read sysctl net.ipv4.conf.all.rp_filter']);
  });

  it('all 2: default and the interfaces below 2 raised to 2, all to 0', () => {
    const clear = clearRpFilter(2, 1, new Map([['eth0', 0], ['eth1', 2], ['lo', undefined]]));
    expect(clear.sysctls).toEqual([
      ['net/ipv4/conf/default/rp_filter', 2],
      ['net/ipv4/conf/all/rp_filter', 0],
    ]);
    expect(clear.interfaces).toEqual([['eth0', 2]]);
    expect(clear.saved).toEqual({ all: 2, default: 1, interfaces: new Map([['eth0', 0]]) });
  });

  it('puts back only what is still as it was left', () => {
    const saved = { all: 2, default: 1, interfaces: new Map([['eth0', 0], ['eth1', 1]]) };
    const restore = restoreRpFilter(saved, { all: 0, default: 0, interfaces: new Map([['eth0', 2], ['eth1', 0]]) });
    expect(restore.sysctls).toEqual([['net/ipv4/conf/all/rp_filter', 2]]);
    expect(restore.interfaces).toEqual([['eth0', 0]]);
    expect(restoreRpFilter(saved, { all: 1, default: 2, interfaces: new Map() }).sysctls).toEqual([['net/ipv4/conf/default/rp_filter', 1]]);
  });
});
