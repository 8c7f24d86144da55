/**
 * virtual_routes / virtual_rules and static_ipaddress / static_routes /
 * static_rules beside keepalived 2.2.7: the same configuration run by
 * keepalived, then by keepalived-ts, in the same node; `ip route show table
 * all`, `ip -6 route show table all`, `ip rule`, `ip -6 rule` and the
 * addresses are the same once MASTER, once a stronger peer (keepalived, in a
 * second node) has made it BACKUP, and after SIGTERM; and after a SIGHUP
 * that drops, changes and adds entries. VRRPv3 at 0.1 s adverts: a lone node is MASTER 0.3 s after its start
 * rather than 3.6 s, and routes and rules depend on neither version nor interval. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 71;
const NET = `10.99.${SUBNET}`;
const NET6 = `fd99:${SUBNET}`;

const instance = (priority: number, routes: string, rules: string): string => `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${SUBNET}
  priority ${priority}
  version 3
  advert_int 0.1
  virtual_ipaddress {
    ${NET}.100/24
  }
  virtual_ipaddress_excluded {
    ${NET6}::100/64
  }
${routes}${rules}}
`;

const CONFIG = `static_ipaddress {
  10.99.172.1/24 dev lo
}
static_routes {
  10.99.173.0/24 via ${NET}.254 dev eth0
  10.99.174.0/24 dev eth0 table 100 metric 5 mtu lock 1400 advmss 1300
  blackhole 10.99.175.0/24
  ${NET6}:76::/64 via ${NET6}::fe dev eth0 pref high
}
static_rules {
  from 10.99.177.0/24 table 100 priority 100
  to 10.99.178.0/24 fwmark 0x10/0xff lookup main priority 101
  from ${NET6}:79::/64 table 200 priority 102
}
${instance(
  150,
  `  virtual_routes {
    10.99.180.0/24 via ${NET}.254 dev eth0 src ${NET}.100
    default via ${NET}.254 dev eth0 table 300
    10.99.181.0/24 dev eth0 scope link initcwnd 10 rtt 300ms
    10.99.182.0/24 nexthop via ${NET}.250 dev eth0 weight 2 nexthop via ${NET}.251 dev eth0 weight 3
    ${NET6}:83::/64 dev eth0 metric 1024 no_track
    unreachable 10.99.184.0/24 table 300
  }
`,
  `  virtual_rules {
    from ${NET}.100 table 300 priority 200
    iif lo goto 300 priority 201
    from all to 10.99.185.0/24 blackhole priority 202 no_track
    from ${NET6}::100 table 300 priority 203
  }
`,
)}`;

/** The reloaded configuration: a static route and rule dropped and one of each added, virtual ones dropped, changed and added. */
const RELOADED = CONFIG.replace(`  blackhole 10.99.175.0/24\n`, `  10.99.186.0/24 dev eth0\n`)
  .replace(`  to 10.99.178.0/24 fwmark 0x10/0xff lookup main priority 101\n`, `  from 10.99.187.0/24 table 100 priority 104\n`)
  .replace(`    10.99.181.0/24 dev eth0 scope link initcwnd 10 rtt 300ms\n`, `    10.99.181.0/24 dev eth0 scope link initcwnd 20\n    10.99.188.0/24 via ${NET}.254 dev eth0\n`)
  .replace(`    iif lo goto 300 priority 201\n`, `    from 10.99.189.0/24 table 300 priority 205\n`);

/** An address owner: MASTER at once, while its start-up clean-up may still be under way; routes through its VIPs. */
const OWNER = `static_ipaddress {
  10.99.172.1/24 dev lo label lo:st
  ${NET6}:72::1/64 dev lo
}
static_routes {
  10.99.173.0/24 dev lo src 10.99.172.1
}
${instance(
  255,
  `  virtual_routes {
    10.99.180.0/24 via ${NET}.254 dev eth0 src ${NET}.100
    10.99.182.0/24 via ${NET}.254 dev eth0 src ${NET}.100 table 50
  }
`,
  `  virtual_rules {
    from ${NET}.100 table 50 priority 203
  }
`,
)}`;

/** The stronger peer that makes the node BACKUP. */
const PEER = instance(200, '', '');

interface Seen {
  master: string;
  backup: string;
  stopped: string;
}

describe.skipIf(!requireNetnsOrSkip())('routes and rules: keepalived-ts beside keepalived', () => {
  let lab: Lab;
  let node: string;
  let peerNode: string;
  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('routes'));
    node = lab.addNode(1);
    peerNode = lab.addNode(2);
    // the link-local address out of DAD first: a daemon MASTER 0.3 s after its start would otherwise see it tentative
    await waitFor('DAD on the nodes', () => !execFileSync('ip', ['-n', node, '-o', 'addr', 'show'], { encoding: 'utf8' }).includes('tentative'), 10_000);
  });
  afterAll(async () => {
    await lab?.close();
  });

  /** What the node's kernel shows: routes of every table, rules, addresses (counters and lifetimes left out). */
  function snapshot(): string {
    const run = (...args: string[]): string => execFileSync('ip', ['-n', node, ...args], { encoding: 'utf8' });
    return [
      run('route', 'show', 'table', 'all'),
      run('-6', 'route', 'show', 'table', 'all'),
      run('rule'),
      run('-6', 'rule'),
      run('-o', 'addr', 'show').replace(/\s+valid_lft.*$/gm, ''),
    ].join('---\n');
  }

  const context = (r: Running) => (): string => `${r.lines.join('\n')}\n${snapshot()}`;

  async function masterWithRoutes(daemon: Daemon, config: string): Promise<Running> {
    const r = lab.start(node, daemon, config);
    await waitFor(`${daemon} MASTER with its routes and rules`, () => lastState(r) === 'MASTER' && /10\.99\.182\.0\/24/.test(snapshot()) && /^203:/m.test(snapshot()), 20_000, context(r));
    return r;
  }

  async function run(daemon: Daemon): Promise<Seen> {
    const r = await masterWithRoutes(daemon, CONFIG);
    let peer: Running | undefined;
    try {
      const master = snapshot();
      peer = lab.start(peerNode, 'keepalived', PEER);
      await waitFor(`${daemon} BACKUP without its virtual routes`, () => lastState(r) === 'BACKUP' && !/10\.99\.182\.0\/24/.test(snapshot()) && !/^203:/m.test(snapshot()), 20_000, context(r));
      const backup = snapshot();
      await lab.stop(r);
      return { master, backup, stopped: snapshot() };
    } finally {
      await lab.stop(r);
      if (peer) await lab.stop(peer);
    }
  }

  async function reload(daemon: Daemon): Promise<string> {
    const r = await masterWithRoutes(daemon, CONFIG);
    try {
      fs.writeFileSync(r.config, RELOADED);
      r.proc.kill('SIGHUP');
      await waitFor(
        `${daemon} with the reloaded routes and rules`,
        () => {
          const s = snapshot();
          return /10\.99\.186\.0\/24/.test(s) && /10\.99\.188\.0\/24/.test(s) && /^205:/m.test(s) && /^104:/m.test(s) && !/^201:/m.test(s) && !/initcwnd 10/.test(s);
        },
        20_000,
        context(r),
      );
      return snapshot();
    } finally {
      await lab.stop(r);
    }
  }

  it('once MASTER, once BACKUP and after SIGTERM the kernel shows what it shows under keepalived', { timeout: 120_000 }, async () => {
    const keepalived = await run('keepalived');
    const kats = await run('kats');
    expect(keepalived.master).toContain('proto keepalived');
    expect(keepalived.backup).not.toContain('10.99.180.0/24');
    expect(keepalived.stopped).not.toContain('proto keepalived');
    expect(kats.master).toBe(keepalived.master);
    expect(kats.backup).toBe(keepalived.backup);
    expect(kats.stopped).toBe(keepalived.stopped);
  });

  it('an address owner, MASTER at once, sets its routes through its VIPs as keepalived does, and clears them', { timeout: 120_000 }, async () => {
    const seen = async (daemon: Daemon): Promise<{ master: string; stopped: string }> => {
      const r = await masterWithRoutes(daemon, OWNER);
      try {
        const master = snapshot();
        await lab.stop(r);
        return { master, stopped: snapshot() };
      } finally {
        await lab.stop(r);
      }
    };
    const keepalived = await seen('keepalived');
    const kats = await seen('kats');
    expect(keepalived.master).toContain(`10.99.180.0/24 via ${NET}.254 dev eth0 proto keepalived src ${NET}.100`);
    expect(kats).toEqual(keepalived);
  });

  it('after a SIGHUP that drops, changes and adds entries, the kernel shows what it shows under keepalived', { timeout: 120_000 }, async () => {
    const keepalived = await reload('keepalived');
    const kats = await reload('kats');
    expect(kats).toBe(keepalived);
  });
});
