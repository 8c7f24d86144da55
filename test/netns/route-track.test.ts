/**
 * Tracked routes, rules and static addresses beside keepalived 2.2.7
 * (keepalived_netlink.c netlink_route_filter / netlink_rule_filter /
 * netlink_if_address_filter): the same configuration run by
 * keepalived, then by keepalived-ts, in one node alone on its bridge (so
 * MASTER). Someone deletes entries with `ip route del` / `ip rule del` / `ip addr del`:
 * no_track ones stay deleted, static ones are put back, and a tracked virtual
 * route or rule, or a VIP, sends the MASTER to BACKUP, from where it takes over again
 * after Skew_Time. Both log the same lines and leave the same tables.
 * Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 164;
const NET = `10.99.${SUBNET}`;

/** The one instance, alone on its bridge: MASTER. */
const instance = (extra: string): string => `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${SUBNET}
  priority 150
  advert_int 1
  virtual_ipaddress {
    ${NET}.100/24
  }
${extra}}
`;

const CONFIG = `static_ipaddress {
  10.99.160.1/24 dev eth0
  10.99.161.1/24 dev eth0 no_track
}
static_routes {
  10.99.165.0/24 via ${NET}.254 dev eth0
  10.99.166.0/24 dev eth0 no_track
}
static_rules {
  from 10.99.167.0/24 table 100 priority 100
}
${instance(`  virtual_routes {
    10.99.168.0/24 via ${NET}.254 dev eth0
    10.99.169.0/24 dev eth0 no_track
  }
  virtual_rules {
    from 10.99.170.0/24 table 300 priority 200
    from 10.99.171.0/24 table 300 priority 201 no_track
  }
`)}`;

/** What a log line says, without keepalived's time stamp or our prefix, nor netlink_talk's sequence number. */
const TRACKED = /(\(VI_1\) Entering \w+ STATE|Restoring deleted static \w+ .*|Netlink reflector reports IP .* removed from .*|Netlink: error: .*, type=RTM_\w+\(\d+\))(?:, seq=\d+, pid=0)?$/;

describe.skipIf(!requireNetnsOrSkip())('deleted routes and rules beside keepalived 2.2.7', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('route-track'));
    ns = lab.addNode(1);
  });
  afterAll(async () => {
    await lab?.close();
  });

  const ip = (...args: string[]): string => execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const routes = (): string => ip('route', 'show', 'table', 'all', 'proto', '18');
  const rules = (): string => ip('rule');
  const has = (table: () => string, text: string): boolean => table().includes(text);

  /** Runs `daemon` through the deletions; returns its tracked lines and the tables at each step. */
  async function run(daemon: Daemon): Promise<{ lines: string[]; tables: string[] }> {
    const r = lab.start(ns, daemon, CONFIG);
    const log = (): string => r.lines.join('\n');
    const tracked = (): string[] => r.lines.flatMap((l) => TRACKED.exec(l)?.[1] ?? []);
    const masters = (): number => tracked().filter((l) => l === '(VI_1) Entering MASTER STATE').length;
    const tables: string[] = [];
    try {
      await waitFor(`${daemon}: MASTER with its routes`, () => masters() === 1 && has(routes, '10.99.168.0/24') && has(rules, 'from 10.99.170.0/24'), 20_000, log);
      // the no_track ones first: the tracked static route deleted last is heard after them
      ip('route', 'del', '10.99.166.0/24', 'dev', 'eth0');
      ip('route', 'del', '10.99.169.0/24', 'dev', 'eth0');
      ip('rule', 'del', 'from', '10.99.171.0/24', 'table', '300', 'priority', '201');
      ip('route', 'del', '10.99.165.0/24');
      await waitFor(`${daemon}: the static route put back`, () => has(routes, '10.99.165.0/24'), 10_000, log);
      ip('rule', 'del', 'from', '10.99.167.0/24', 'table', '100', 'priority', '100');
      await waitFor(`${daemon}: the static rule put back`, () => has(rules, 'from 10.99.167.0/24'), 10_000, log);
      ip('addr', 'del', '10.99.161.1/24', 'dev', 'eth0');
      ip('addr', 'del', '10.99.160.1/24', 'dev', 'eth0');
      await waitFor(`${daemon}: the static address put back`, () => lab.hasAddress(ns, '10.99.160.1'), 10_000, log);
      tables.push(routes(), rules(), lab.addresses(ns).join(' '));
      ip('route', 'del', '10.99.168.0/24');
      await waitFor(`${daemon}: MASTER again after the virtual route went`, () => masters() === 2 && has(routes, '10.99.168.0/24'), 20_000, log);
      ip('rule', 'del', 'from', '10.99.170.0/24', 'table', '300', 'priority', '200');
      await waitFor(`${daemon}: MASTER again after the virtual rule went`, () => masters() === 3 && has(rules, 'from 10.99.170.0/24'), 20_000, log);
      ip('addr', 'del', `${NET}.100/24`, 'dev', 'eth0');
      await waitFor(`${daemon}: MASTER again after the VIP went`, () => masters() === 4 && lab.hasAddress(ns, `${NET}.100`), 20_000, log);
      tables.push(routes(), rules());
    } finally {
      await lab.stop(r);
    }
    return { lines: tracked(), tables };
  }

  it('puts static entries back, leaves no_track ones, and goes BACKUP for a tracked virtual one, as keepalived', async () => {
    const theirs = await run('keepalived');
    const ours = await run('kats');
    const context = `keepalived:\n${theirs.lines.join('\n')}\nkeepalived-ts:\n${ours.lines.join('\n')}`;
    expect(theirs.lines).toEqual([
      '(VI_1) Entering MASTER STATE',
      'Restoring deleted static route prepend 10.99.165.0/24 via inet 10.99.164.254 dev eth0 proto 18',
      'Restoring deleted static rule from 10.99.167.0/24 priority 100 tos 0x0 protocol 18 lookup 100',
      'Restoring deleted static address 10.99.160.1/24 dev eth0 scope global set',
      '(VI_1) Entering BACKUP STATE',
      // leaving MASTER it deletes the no_track rule someone else deleted already
      'Netlink: error: No such file or directory(2), type=RTM_DELRULE(33)',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) Entering MASTER STATE',
      'Netlink reflector reports IP 10.99.164.100 removed from eth0',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) Entering MASTER STATE',
    ]);
    expect(ours.lines, context).toEqual(theirs.lines);
    expect(ours.tables).toEqual(theirs.tables);
    // the no_track ones stayed deleted while MASTER (becoming MASTER again sets them again)
    const whileMaster = theirs.tables.slice(0, 3).join('\n');
    expect(whileMaster).not.toMatch(/10\.99\.16[69]\.0|10\.99\.171\.0|10\.99\.161\.1/);
    expect(whileMaster).toMatch(/10\.99\.165\.0[^]*10\.99\.168\.0[^]*10\.99\.167\.0[^]*10\.99\.170\.0[^]*10\.99\.160\.1/);
  }, 120_000);
});

/** A static track group: its instance tracks the interface of the group's static address (vrrp_static_track.c). */
const GROUP_CONFIG = `track_group TG {
  group {
    VI_1
  }
}
static_ipaddress {
  10.99.158.1/24 dev eth1 track_group TG
}
${instance('')}`;
const GROUP_LINES = /(\(VI_1\) Entering \w+ STATE|Netlink reports eth1 \w+|Restoring deleted static \w+ .*|.*[Tt]rack group.*|Netlink: error: .*, type=RTM_\w+\(\d+\))(?:, seq=\d+, pid=0)?$/;

describe.skipIf(!requireNetnsOrSkip())('a static track group beside keepalived 2.2.7', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(() => {
    lab = new Lab(SUBNET + 1, tempDir('track-group'));
    ns = lab.addNode(1);
    execFileSync('ip', ['-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'eth1p', 'up']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'eth1', 'up']);
  });
  afterAll(async () => {
    await lab?.close();
  });

  async function run(daemon: Daemon): Promise<string[]> {
    const r = lab.start(ns, daemon, GROUP_CONFIG.replaceAll(`${NET}.`, `10.99.${SUBNET + 1}.`));
    const log = (): string => r.lines.join('\n');
    const lines = (): string[] => r.lines.flatMap((l) => GROUP_LINES.exec(l)?.[1] ?? []);
    const count = (text: string): number => lines().filter((l) => l === text).length;
    try {
      await waitFor(`${daemon}: MASTER`, () => count('(VI_1) Entering MASTER STATE') === 1, 20_000, log);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'eth1', 'down']);
      await waitFor(`${daemon}: FAULT with eth1 down`, () => count('(VI_1) Entering FAULT STATE') === 1, 20_000, log);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'eth1', 'up']);
      await waitFor(`${daemon}: MASTER again with eth1 up`, () => count('(VI_1) Entering MASTER STATE') === 2, 20_000, log);
    } finally {
      await lab.stop(r);
    }
    return lines();
  }

  it("makes the instance track the static address's interface, as keepalived", async () => {
    const theirs = await run('keepalived');
    const ours = await run('kats');
    expect(ours, `keepalived:\n${theirs.join('\n')}\nkeepalived-ts:\n${ours.join('\n')}`).toEqual(theirs);
  }, 120_000);
});

/** Two instances in a sync group, the first with a tracked virtual route. */
const SYNC_CONFIG = `vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
}
${instance(`  virtual_routes {
    10.99.168.0/24 via ${NET}.254 dev eth0
  }
`)}${instance('').replace('VI_1', 'VI_2').replace(`virtual_router_id ${SUBNET}`, `virtual_router_id ${SUBNET + 1}`).replace(`${NET}.100/24`, `${NET}.101/24`)}`;
const SYNC_LINES = /(\(VI_\d\) Entering \w+ STATE|\(VI_\d\) sent 0 priority|VRRP_Group\(G\) .*|Netlink: error: .*, type=RTM_\w+\(\d+\))(?:, seq=\d+, pid=0)?$/;

describe.skipIf(!requireNetnsOrSkip())('a deleted route in a sync group beside keepalived 2.2.7', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(() => {
    lab = new Lab(SUBNET + 2, tempDir('route-track-sync'));
    ns = lab.addNode(1);
  });
  afterAll(async () => {
    await lab?.close();
  });

  async function run(daemon: Daemon): Promise<string[]> {
    const r = lab.start(ns, daemon, SYNC_CONFIG.replaceAll(`${NET}.`, `10.99.${SUBNET + 2}.`));
    const log = (): string => r.lines.join('\n');
    const lines = (): string[] => r.lines.flatMap((l) => SYNC_LINES.exec(l)?.[1] ?? []);
    const masters = (): number => lines().filter((l) => / Entering MASTER STATE$/.test(l)).length;
    const routes = (): string => execFileSync('ip', ['-n', ns, 'route', 'show', 'proto', '18'], { encoding: 'utf8' });
    try {
      await waitFor(`${daemon}: both MASTER`, () => masters() === 2 && routes().includes('10.99.168.0/24'), 20_000, log);
      const before = lines().length;
      execFileSync('ip', ['-n', ns, 'route', 'del', '10.99.168.0/24']);
      await waitFor(`${daemon}: both MASTER again`, () => masters() === 4 && routes().includes('10.99.168.0/24'), 20_000, log);
      return lines().slice(before);
    } finally {
      await lab.stop(r);
    }
  }

  it('every MASTER member hands over and the group comes back, as keepalived', async () => {
    const theirs = await run('keepalived');
    const ours = await run('kats');
    const context = `keepalived:\n${theirs.join('\n')}\nkeepalived-ts:\n${ours.join('\n')}`;
    // the hand-over, line for line
    expect(theirs.slice(0, 4)).toEqual(['(VI_1) Entering BACKUP STATE', '(VI_1) sent 0 priority', '(VI_2) Entering BACKUP STATE', '(VI_2) sent 0 priority']);
    expect(ours.slice(0, 4), context).toEqual(theirs.slice(0, 4));
    // the way back: both members' Skew_Time ends at the same instant, and which one takes the group along
    // first is a tie (keepalived: the instance list's order; ours: the event loop's) — the same lines
    expect(ours.slice(4).sort(), context).toEqual(theirs.slice(4).sort());
  }, 120_000);
});
