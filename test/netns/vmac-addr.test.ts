/**
 * VMACs of their own for addresses beside keepalived 2.2.7: a VIP's
 * `use_vmac` and the instance's use_vmac_addr. The same configuration run by
 * keepalived, then by keepalived-ts, in the same node (eth0 on the lab's
 * bridge, eth1 one end of a veth pair inside it); while MASTER each shows the
 * same links (`ip -d link`: names, parents, MACs, modes), the same addresses
 * on them and the same sysctls on the VMACs; after SIGTERM the same links and
 * sysctls are left. And garp_extra_if: while MASTER each sends one gratuitous
 * ARP at a time from an address's VMAC, again and again, and none more from
 * its own interface. Needs `npm run build`.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { masterInstance } from './vmac-support.js';

const SUBNET = 95;

interface Case {
  title: string;
  host: number;
  vrid: number;
  /** Lines of the instance block before its addresses. */
  extra: string;
  vips: string;
  evips: string;
  /** The VMACs expected, as keepalived names them. */
  vmacs: readonly string[];
}

const CASES: readonly Case[] = [
  {
    title: "a VIP's use_vmac on another interface and an IPv6 eVIP's on the instance's",
    host: 1,
    vrid: 95,
    extra: '',
    vips: `10.99.${SUBNET}.100/24\n    10.99.195.1/24 dev eth1 use_vmac\n    10.99.195.2/24 dev eth1 use_vmac`,
    evips: `fd99:${SUBNET}::100/64 use_vmac`,
    vmacs: ['vrrp.95', 'vrrp6.95'],
  },
  {
    title: 'use_vmac with use_vmac_addr: the instance VMAC, one on eth1, one for IPv6 on eth0',
    host: 2,
    vrid: 96,
    extra: '  use_vmac\n  use_vmac_addr\n',
    vips: `10.99.${SUBNET}.101/24\n    10.99.196.1/24 dev eth1`,
    evips: `fd99:${SUBNET}::101/64`,
    vmacs: ['vrrp.96', 'vrrp1.96', 'vrrp6.96'],
  },
];

const config = (c: Case): string =>
  masterInstance(c.vrid, `${c.extra}  virtual_ipaddress {\n    ${c.vips}\n  }\n  virtual_ipaddress_excluded {\n    ${c.evips}\n  }\n`);

/** garp_extra_if 1 with one address on a VMAC of its own on eth1, one burst of one message at takeover. */
const EXTRA_IF: Case = {
  title: 'garp_extra_if',
  host: 3,
  vrid: 97,
  extra: '  garp_master_repeat 1\n  garp_master_delay 0\n  garp_extra_if 1\n',
  vips: `10.99.${SUBNET}.102/24\n    10.99.197.1/24 dev eth1 use_vmac`,
  evips: '',
  vmacs: ['vrrp.97'],
};

const SYSCTLS = ['ipv4/conf/X/arp_ignore', 'ipv4/conf/X/accept_local', 'ipv4/conf/X/rp_filter', 'ipv4/conf/X/promote_secondaries', 'ipv6/conf/X/disable_ipv6'];
const PARENT_SYSCTLS = ['eth0', 'eth1'].flatMap((p) => [`ipv4/conf/${p}/arp_ignore`, `ipv4/conf/${p}/arp_filter`, `ipv4/conf/${p}/rp_filter`]);

interface Seen {
  links: string;
  addresses: string;
  sysctls: Record<string, string>;
  after: { links: string; sysctls: Record<string, string> };
}

describe.skipIf(!requireNetnsOrSkip()).concurrent('VMACs for addresses: keepalived-ts beside keepalived', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('vmac-addr'));
    for (const c of [...CASES, EXTRA_IF]) {
      const ns = lab.addNode(c.host);
      // a second interface: one end of a veth pair inside the node (gone with the namespace)
      execFileSync('ip', ['-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
      for (const l of ['eth1', 'eth1p']) execFileSync('ip', ['-n', ns, 'link', 'set', l, 'up']);
    }
  });
  afterAll(async () => {
    await lab?.close();
  });

  async function run(c: Case, daemon: Daemon): Promise<Seen> {
    const ns = lab.nodes[CASES.indexOf(c)]!;
    const inNs = (cmd: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
    const sysctls = (paths: readonly string[]): Record<string, string> => Object.fromEntries(paths.map((p) => [p, inNs('cat', `/proc/sys/net/${p}`).trim()]));
    // the index, the counters and the veth peer's index differ from run to run, not what either daemon set
    const links = (): string =>
      inNs('ip', '-d', '-o', 'link', 'show')
        .replace(/^\d+: /gm, '')
        .replace(/@if\d+/g, '@ifN')
        .trim();
    for (const p of ['eth0', 'eth1']) {
      lab.sysctl(ns, `net.ipv4.conf.${p}.arp_ignore`, '0');
      lab.sysctl(ns, `net.ipv4.conf.${p}.arp_filter`, '0');
    }
    const r = lab.start(ns, daemon, config(c));
    try {
      const allShown = (): boolean => {
        const shown = inNs('ip', '-o', 'addr', 'show');
        return c.vmacs.every((v) => shown.includes(`: ${v}    inet`));
      };
      await waitFor(`${daemon} MASTER with its addresses on ${c.vmacs.join(', ')}`, () => lastState(r) === 'MASTER' && allShown(), 20_000, () => r.lines.join('\n'));
      const seen = {
        links: links(),
        addresses: inNs('ip', '-o', 'addr', 'show')
          .replace(/^\d+: /gm, '')
          .replace(/valid_lft.*$/gm, '')
          .trim(),
        sysctls: sysctls([...c.vmacs.flatMap((v) => SYSCTLS.map((p) => p.replace('X', v))), ...PARENT_SYSCTLS]),
      };
      await lab.stop(r);
      return { ...seen, after: { links: links(), sysctls: sysctls(PARENT_SYSCTLS) } };
    } finally {
      await lab.stop(r);
    }
  }

  /** Gratuitous ARPs seen on the far end of eth1 from the VMAC, and on the bridge from eth0, once the VMAC's count reaches `want`. */
  async function extraIf(daemon: Daemon, want: number): Promise<{ vmac: number; eth0: number }> {
    const ns = lab.nodes[CASES.length]!;
    const counts = { vmac: 0, eth0: 0 };
    const watch = (where: string, iface: string, key: 'vmac' | 'eth0', vip: string): ChildProcess => {
      const proc = lab.spawn(where, 'tcpdump', ['-e', '-n', '-l', '--immediate-mode', '-i', iface, 'arp']);
      proc.stdout!.on('data', (d: Buffer) => {
        // a gratuitous ARP: the VIP asks for itself (`who-has VIP (ff:ff:ff:ff:ff:ff) tell VIP`)
        for (const line of d.toString().split('\n')) if (line.includes(`who-has ${vip} `) && line.endsWith(`tell ${vip}, length 28`)) counts[key]++;
      });
      return proc;
    };
    const procs = [watch(ns, 'eth1p', 'vmac', '10.99.197.1'), watch(lab.bridgeNs, 'br0', 'eth0', `10.99.${SUBNET}.102`)];
    // tcpdump prints nothing when it starts listening: a moment to attach, then the daemon
    await new Promise((resolve) => setTimeout(resolve, 500));
    const r = lab.start(ns, daemon, config(EXTRA_IF));
    try {
      await waitFor(`${daemon}'s ${want} gratuitous ARPs from vrrp.97`, () => counts.vmac >= want, 30_000, () => r.lines.join('\n'));
      return { ...counts };
    } finally {
      await lab.stop(r);
      for (const p of procs) p.kill('SIGTERM');
    }
  }

  it('garp_extra_if: one gratuitous ARP at a time from the address VMAC while MASTER, none more from eth0, as keepalived', { timeout: 120_000 }, async () => {
    const keepalived = await extraIf('keepalived', 4);
    const kats = await extraIf('kats', 4);
    expect(keepalived).toEqual({ vmac: 4, eth0: 1 });
    expect(kats).toEqual(keepalived);
  });

  for (const c of CASES) {
    it(`${c.title}: the links, the addresses, the sysctls and the clean-up are keepalived's`, { timeout: 120_000 }, async () => {
      const keepalived = await run(c, 'keepalived');
      const kats = await run(c, 'kats');
      for (const v of c.vmacs) expect(keepalived.links).toMatch(new RegExp(`^${v.replace('.', '\\.')}@eth[01]: .* macvlan mode private`, 'm'));
      expect(kats.links).toBe(keepalived.links);
      expect(kats.addresses).toBe(keepalived.addresses);
      expect(kats.sysctls).toEqual(keepalived.sysctls);
      for (const v of c.vmacs) expect(keepalived.after.links).not.toContain(`${v}@`);
      expect(kats.after).toEqual(keepalived.after);
    });
  }
});
