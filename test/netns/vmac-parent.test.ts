/**
 * A VMAC's links going and coming back, beside keepalived 2.2.7: the same
 * use_vmac configuration run by keepalived, then by keepalived-ts, in the
 * same node. MASTER with the VIP on vrrp.97; then the VMAC is deleted
 * (`ip link del`): each makes it again and is MASTER on it; then eth0 itself
 * is deleted (the kernel takes the VMAC with it) and made again: each makes
 * the VMAC again on the new eth0 and is MASTER on it. And a macvlan with the
 * VMAC's name left on another interface (eth1) at start: each replaces it.
 * At each point the node shows the same links, addresses, sysctls and
 * nftables ruleset (use_vmac puts the VMAC in the `keepalived` table's
 * vmac_map, keyed by interface index: a VMAC made again must be there by its
 * new index, the old element gone).
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
const CONFIG = masterInstance(97, `  use_vmac\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n`);
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
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('vmac-parent'));
    ns = lab.addNode(HOST);
    // made again at once, with the fixed MAC (and so the same link-local address) each run sees
    inNs('ip', 'link', 'del', 'eth0');
    makeEth0();
    // a second interface: one end of a veth pair inside the node (gone with the namespace)
    inNs('ip', 'link', 'add', 'eth1', 'address', '02:99:97:00:01:01', 'type', 'veth', 'peer', 'name', 'eth1p', 'address', '02:99:97:00:01:02');
    for (const l of ['eth1', 'eth1p']) inNs('ip', 'link', 'set', l, 'up');
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
      await masterOnVmac(r, 'after eth0 came back');
      const parentBack = shown();
      await lab.stop(r);
      return { vmacDeleted, parentBack, after: shown() };
    } finally {
      await lab.stop(r);
      if (!inNs('ip', '-o', 'link', 'show').includes('eth0')) makeEth0();
    }
  }

  /** A macvlan named vrrp.98 left on eth1; the configuration names it for an instance on eth0. */
  async function leftover(daemon: Daemon): Promise<{ running: Shown; after: Shown }> {
    const vmac = 'vrrp.98';
    inNs('ip', 'link', 'add', vmac, 'link', 'eth1', 'address', '02:99:97:00:02:01', 'type', 'macvlan', 'mode', 'private');
    const r = lab.start(ns, daemon, masterInstance(98, `  use_vmac ${vmac}\n  virtual_ipaddress {\n    10.99.${SUBNET}.101/24\n  }\n`));
    try {
      await waitFor(`${daemon} MASTER with the VIP on ${vmac}`, () => lastState(r) === 'MASTER' && inNs('ip', '-o', 'addr', 'show').includes(`${vmac}    inet 10.99.${SUBNET}.101/`), 30_000, () => r.lines.join('\n'));
      const running = shown();
      await lab.stop(r);
      return { running, after: shown() };
    } finally {
      await lab.stop(r);
      if (inNs('ip', '-o', 'link', 'show').includes(`${vmac}@`)) inNs('ip', 'link', 'del', vmac);
    }
  }

  it('replaces a macvlan of the VMAC\'s name left on another interface, as keepalived', { timeout: 120_000 }, async () => {
    const keepalived = await leftover('keepalived');
    const kats = await leftover('kats');
    expect(keepalived.running.links).toMatch(/^vrrp\.98@eth0: .*link\/ether 00:00:5e:00:01:62 .*macvlan mode private/m);
    expect(kats.running).toEqual(keepalived.running);
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
