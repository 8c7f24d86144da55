/**
 * A VMAC's links going and coming back, beside keepalived 2.2.7: the same
 * use_vmac configuration run by keepalived, then by keepalived-ts, in the
 * same node. MASTER with the VIP on vrrp.97; then the VMAC is deleted
 * (`ip link del`): each makes it again and is MASTER on it; then eth0 itself
 * is deleted (the kernel takes the VMAC with it) and made again: each makes
 * the VMAC again on the new eth0 and is MASTER on it. And a macvlan with the
 * VMAC's name left on another interface (eth1) at start: each replaces it;
 * a private macvlan of a configured name left on eth0: each takes it.
 * At each point the node shows the same links, addresses, sysctls and
 * nftables ruleset (use_vmac puts the VMAC in the `keepalived` table's
 * vmac_map, keyed by interface index: a VMAC made again must be there by its
 * new index, the old element gone).
 * VRRPv3 at 0.1 s adverts (links, addresses, sysctls and the ruleset depend on neither version nor interval), and
 * eth0's link-local address out of DAD before each start or take-over, so that no snapshot catches it tentative.
 * Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { masterInstance } from './vmac-support.js';

const SUBNET = 97;
const HOST = 1;
const VMAC = 'vrrp.97';
const VIP = `10.99.${SUBNET}.100`;
const CONFIG = masterInstance(97, `  use_vmac\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n`, true);
/** eth0's MAC, the same each time it is made (the kernel gives a veth a random one). */
const ETH0_MAC = '02:99:97:00:00:01';
const SYSCTLS = [`ipv4/conf/${VMAC}/arp_ignore`, `ipv4/conf/${VMAC}/accept_local`, `ipv4/conf/${VMAC}/rp_filter`, `ipv6/conf/${VMAC}/disable_ipv6`, 'ipv4/conf/eth0/arp_ignore', 'ipv4/conf/eth0/arp_filter'];

interface Shown {
  links: string;
  addresses: string;
  sysctls: Record<string, string>;
  ruleset: string;
}

describe.skipIf(!requireNetnsOrSkip())("the VMAC and its parent going and coming back: keepalived-ts beside keepalived", () => {
  let lab: Lab;
  let ns: string;
  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('vmac-parent'));
    ns = lab.addNode(HOST);
    // made again at once, with the fixed MAC (and so the same link-local address) each run sees
    inNs('ip', 'link', 'del', 'eth0');
    makeEth0();
    // a second interface: one end of a veth pair inside the node (gone with the namespace)
    inNs('ip', 'link', 'add', 'eth1', 'address', '02:99:97:00:01:01', 'type', 'veth', 'peer', 'name', 'eth1p', 'address', '02:99:97:00:01:02');
    for (const l of ['eth1', 'eth1p']) inNs('ip', 'link', 'set', l, 'up');
    await dadDone();
  });
  afterAll(async () => {
    await lab?.close();
  });

  const inNs = (cmd: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
  const ipBr = (...args: string[]): void => void execFileSync('ip', ['-n', lab.bridgeNs, ...args]);

  /**
   * What the node shows, by interface name (a link made again comes later
   * in the kernel's order), each interface's addresses in the kernel's
   * order; the indexes and counters differ from run to run, not what either
   * daemon set.
   */
  function shown(): Shown {
    const byName = (text: string): string =>
      text
        .trim()
        .split('\n')
        .sort((a, b) => a.split(/[\s@]/)[0]!.localeCompare(b.split(/[\s@]/)[0]!))
        .join('\n');
    return {
      links: byName(
        inNs('ip', '-d', '-o', 'link', 'show')
          .replace(/^\d+: /gm, '')
          .replace(/@if\d+/g, '@ifN'),
      ),
      addresses: byName(
        inNs('ip', '-o', 'addr', 'show')
          .replace(/^\d+: /gm, '')
          .replace(/valid_lft.*$/gm, ''),
      ),
      sysctls: Object.fromEntries(SYSCTLS.map((p) => [p, inNs('sh', '-c', `cat /proc/sys/net/${p} 2>/dev/null || echo none`).trim()])),
      ruleset: inNs('nft', 'list', 'ruleset'),
    };
  }

  async function masterOnVmac(r: Running, what: string): Promise<void> {
    await waitFor(`${r.daemon} MASTER with ${VIP} on ${VMAC} ${what}`, () => lastState(r) === 'MASTER' && inNs('ip', '-o', 'addr', 'show').includes(`${VMAC}    inet ${VIP}/`), 30_000, () => r.lines.join('\n'));
  }

  /** No address of the node tentative: a snapshot taken soon after eth0 came up would otherwise catch one so. */
  const dadDone = (): Promise<number> => waitFor('DAD on the node', () => !inNs('ip', '-o', 'addr', 'show').includes('tentative'), 10_000);

  /** eth0 as the lab made it: a veth to the bridge, the node's addresses, up; its MAC as before. */
  function makeEth0(): void {
    ipBr('link', 'add', `v${HOST}`, 'type', 'veth', 'peer', 'name', 'eth0', 'address', ETH0_MAC, 'netns', ns);
    ipBr('link', 'set', `v${HOST}`, 'master', 'br0');
    ipBr('link', 'set', `v${HOST}`, 'up');
    inNs('ip', 'addr', 'add', `10.99.${SUBNET}.${HOST}/24`, 'dev', 'eth0');
    inNs('ip', 'addr', 'add', `fd99:${SUBNET}::${HOST}/64`, 'dev', 'eth0', 'nodad');
    inNs('ip', 'link', 'set', 'eth0', 'up');
  }

  async function run(daemon: Daemon): Promise<{ vmacDeleted: Shown; parentBack: Shown; after: Shown }> {
    for (const key of ['arp_ignore', 'arp_filter']) lab.sysctl(ns, `net.ipv4.conf.eth0.${key}`, '0');
    const r = lab.start(ns, daemon, CONFIG);
    try {
      await masterOnVmac(r, 'at start');
      inNs('ip', 'link', 'del', VMAC);
      await masterOnVmac(r, 'after the VMAC was deleted');
      const vmacDeleted = shown();
      inNs('ip', 'link', 'del', 'eth0');
      await waitFor(`${daemon} FAULT without eth0`, () => lastState(r) === 'FAULT', 30_000, () => r.lines.join('\n'));
      makeEth0();
      await dadDone();
      await masterOnVmac(r, 'after eth0 came back');
      const parentBack = shown();
      await lab.stop(r);
      return { vmacDeleted, parentBack, after: shown() };
    } finally {
      await lab.stop(r);
      if (!inNs('ip', '-o', 'link', 'show').includes('eth0')) makeEth0();
    }
  }

  /**
   * A macvlan named `vmac` left at start on `parent` with `mac`; the configuration names it for an instance on
   * eth0 with VRID `vrid` and the VIP 10.99.S.`host`. What the node shows, and what the daemon said of the link.
   */
  async function leftover(daemon: Daemon, vmac: string, parent: string, mac: string, vrid: number, host: number): Promise<{ running: Shown; after: Shown; said: string[] }> {
    const vip = `10.99.${SUBNET}.${host}`;
    inNs('ip', 'link', 'add', vmac, 'link', parent, 'address', mac, 'type', 'macvlan', 'mode', 'private');
    const r = lab.start(ns, daemon, masterInstance(vrid, `  use_vmac ${vmac}\n  virtual_ipaddress {\n    ${vip}/24\n  }\n`, true));
    try {
      await waitFor(`${daemon} MASTER with the VIP on ${vmac}`, () => lastState(r) === 'MASTER' && inNs('ip', '-o', 'addr', 'show').includes(`${vmac}    inet ${vip}/`), 30_000, () => r.lines.join('\n'));
      const running = shown();
      await lab.stop(r);
      // without keepalived's time prefix
      const said = r.lines.filter((l) => l.includes(vmac)).map((l) => l.replace(/^\w{3} \w{3} [ \d]\d [\d:]{8} \d{4}: /, ''));
      return { running, after: shown(), said };
    } finally {
      await lab.stop(r);
      if (inNs('ip', '-o', 'link', 'show').includes(`${vmac}@`)) inNs('ip', 'link', 'del', vmac);
    }
  }

  it('takes a private macvlan of the configured use_vmac name left on its interface by a previous run, as keepalived', { timeout: 120_000 }, async () => {
    // a previous run's, with another MAC: updated
    const keepalived = await leftover('keepalived', 'vkeep', 'eth0', '02:99:97:00:03:01', 99, 102);
    const kats = await leftover('kats', 'vkeep', 'eth0', '02:99:97:00:03:01', 99, 102);
    expect(keepalived.said.join('\n')).not.toContain('ignoring');
    expect(keepalived.running.links).toMatch(/^vkeep@eth0: .*link\/ether 00:00:5e:00:01:63 .*macvlan mode private/m);
    expect(kats.said).toEqual(keepalived.said);
    expect(kats.running).toEqual(keepalived.running);
    expect(kats.after).toEqual(keepalived.after);
  });

  it('replaces a macvlan of the VMAC\'s name left on another interface, as keepalived', { timeout: 120_000 }, async () => {
    const keepalived = await leftover('keepalived', 'vrrp.98', 'eth1', '02:99:97:00:02:01', 98, 101);
    const kats = await leftover('kats', 'vrrp.98', 'eth1', '02:99:97:00:02:01', 98, 101);
    expect(keepalived.running.links).toMatch(/^vrrp\.98@eth0: .*link\/ether 00:00:5e:00:01:62 .*macvlan mode private/m);
    // Deliberately not keepalived's: its nft_add_vmac batch first deletes the replaced link's element, never
    // added, so nft refuses the whole batch and the VMAC gets no IGMP rule; ours puts the VMAC in its map.
    expect(keepalived.running.ruleset).toBe('');
    expect(kats.running.ruleset).toContain('elements = { "vrrp.98" : "eth0" }');
    expect({ ...kats.running, ruleset: '' }).toEqual(keepalived.running);
    expect(kats.said).toEqual(keepalived.said);
    expect(kats.after).toEqual(keepalived.after);
  });

  it('makes the VMAC again, on the new eth0 too, and is MASTER on it, as keepalived', { timeout: 180_000 }, async () => {
    const keepalived = await run('keepalived');
    const kats = await run('kats');
    expect(keepalived.parentBack.links).toMatch(new RegExp(`^${VMAC.replace('.', '\\.')}@eth0: .*macvlan mode private`, 'm'));
    expect(keepalived.parentBack.ruleset).toContain(`"${VMAC}" : "eth0"`);
    expect(kats.vmacDeleted).toEqual(keepalived.vmacDeleted);
    expect(kats.parentBack).toEqual(keepalived.parentBack);
    expect(kats.after).toEqual(keepalived.after);
  });
});
