/**
 * ha_suspend in the checker set (check_api.c): a virtual server's checkers start deactivated while this host does not
 * hold its address, are activated when it comes and suspended when it goes (keepalived's lines), and a virtual server
 * group's stay deactivated, as keepalived 2.2.7's addr_matches never matches a group.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckerSet } from '../../../src/check/checker-set.js';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { fakeSystem } from '../config/check-helpers.js';
import { tempDir } from '../../tmp.js';

const S = 1_000_000;

function configOf(text: string): CheckConfig {
  const dir = tempDir('ha-suspend');
  fs.writeFileSync(path.join(dir, 'keepalived.conf'), text);
  return parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 }).config.check;
}

const server = ' real_server 10.99.1.11 80 {\n  TCP_CHECK {\n  }\n }\n';
const TEXT = `virtual_server 10.99.1.100 80 {\n ha_suspend\n delay_loop 5\n lb_algo rr\n lb_kind NAT\n protocol TCP\n${server}}\n
virtual_server_group G {\n 10.99.1.101 80\n}\nvirtual_server group G {\n ha_suspend\n delay_loop 5\n lb_algo rr\n lb_kind NAT\n protocol TCP\n${server}}\n`;

describe('ha_suspend', () => {
  it("runs a virtual server's checkers only while this host holds its address; a group's never", async () => {
    const clock = new FakeClock();
    const { port } = fakeIpvsPort();
    const { log } = fakeLogger();
    const config = configOf(TEXT);
    const held = new Set<string>();
    const lines: string[] = [];
    const attempts: string[] = [];
    const ipvsSync = new IpvsSync(config, { ipvs: port, clock, log, notify: () => undefined, fifo: () => undefined });
    const set = new CheckerSet(
      config,
      { logAllFailures: false, noCheckerEmails: false },
      {
        clock,
        probe: async ({ vs }) => {
          attempts.push(vs.name);
          return { ok: true };
        },
        log: (m) => lines.push(m),
        ipvsSync,
        fileValue: () => 0,
        random: () => 0,
        holdsAddress: (addr) => held.has(addr.address),
      },
    );
    const advance = async (us: number) => {
      clock.advance(us);
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await ipvsSync.start();
    set.start();
    expect(lines).toEqual([
      'Deactivating healthchecker for service [10.99.1.11]:tcp:80 for VS [10.99.1.100]:tcp:80',
      'Deactivating healthchecker for service [10.99.1.11]:tcp:80 for VS [G]:0',
    ]);
    await advance(6 * S);
    expect(attempts).toEqual([]);
    lines.splice(0);
    held.add('10.99.1.100');
    held.add('10.99.1.101');
    set.addressesChanged();
    expect(lines).toEqual(['Activating healthchecker for service [10.99.1.11]:tcp:80 for VS [10.99.1.100]:tcp:80']);
    await advance(5 * S);
    expect(attempts).toEqual(['[10.99.1.100]:tcp:80']);
    lines.splice(0);
    held.delete('10.99.1.100');
    set.addressesChanged();
    expect(lines).toEqual(['Suspending healthchecker for service [10.99.1.11]:tcp:80 for VS [10.99.1.100]:tcp:80']);
    await advance(10 * S);
    expect(attempts).toEqual(['[10.99.1.100]:tcp:80']);
    set.stop();
  });
});
