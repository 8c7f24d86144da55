/**
 * use_vmac beside keepalived 2.2.7: the same configuration run by keepalived,
 * then by keepalived-ts, in the same node; while MASTER each shows the same
 * VMAC (`ip -d link`: private macvlan on eth0, 00:00:5e:00:01:VRID, address
 * generation none), the VIP on it, the same sysctls on it and on eth0, and
 * gratuitous ARPs from the VMAC's MAC; after SIGTERM the link is gone, the
 * rp_filter values (all.rp_filter 1 here) are back, and eth0's arp_ignore and
 * arp_filter stay 1 with both. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { Capture } from './vrrp-interop-support.js';

const SUBNET = 91;
const VRID = 91;
const VIP = `10.99.${SUBNET}.100`;
const VMAC = `vrrp.${VRID}`;
const VMAC_MAC = `00:00:5e:00:01:${VRID.toString(16)}`;

const CONFIG = `vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id ${VRID}
  priority 150
  advert_int 1
  use_vmac
  virtual_ipaddress {
    ${VIP}/24
  }
}
`;

const VMAC_SYSCTLS = ['ipv4/conf/vrrp.91/arp_ignore', 'ipv4/conf/vrrp.91/accept_local', 'ipv4/conf/vrrp.91/rp_filter', 'ipv4/conf/vrrp.91/promote_secondaries', 'ipv6/conf/vrrp.91/disable_ipv6'];
const PARENT_SYSCTLS = [
  'ipv4/conf/eth0/arp_ignore',
  'ipv4/conf/eth0/arp_filter',
  'ipv4/conf/all/rp_filter',
  'ipv4/conf/default/rp_filter',
  'ipv4/conf/eth0/rp_filter',
  'ipv4/conf/lo/rp_filter',
];

interface Seen {
  link: string;
  addresses: string;
  sysctls: Record<string, string>;
  garps: number;
  after: { links: string; sysctls: Record<string, string> };
}

describe.skipIf(!requireNetnsOrSkip())('use_vmac: keepalived-ts beside keepalived', () => {
  let lab: Lab;
  let ns: string;
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('vmac'));
    ns = lab.addNode(1);
    // as on many distributions: the VMAC's rp_filter 0 needs all.rp_filter 0, which both daemons arrange and undo
    lab.sysctl(ns, 'net.ipv4.conf.all.rp_filter', '1');
  });
  afterAll(async () => {
    await lab?.close();
  });

  const inNs = (cmd: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
  const sysctls = (paths: readonly string[]): Record<string, string> =>
    Object.fromEntries(paths.map((p) => [p, inNs('cat', `/proc/sys/net/${p}`).trim()]));
  // the index and the counters differ from run to run, not what either daemon set
  const linkText = (): string =>
    inNs('ip', '-d', 'link', 'show', 'dev', VMAC)
      .replace(/^\d+: /, '')
      .replace(/@if\d+/, '')
      .trim();

  async function run(daemon: Daemon): Promise<Seen> {
    // each daemon starts from the same eth0
    lab.sysctl(ns, 'net.ipv4.conf.eth0.arp_ignore', '0');
    lab.sysctl(ns, 'net.ipv4.conf.eth0.arp_filter', '0');
    const capture = new Capture(lab, `vmac-${daemon}`);
    await capture.started();
    const since = Date.now();
    const r = lab.start(ns, daemon, CONFIG);
    try {
      await waitFor(`${daemon} MASTER with ${VIP} on ${VMAC}`, () => lastState(r) === 'MASTER' && inNs('ip', '-o', 'addr', 'show').includes(`${VMAC}    inet ${VIP}/24`), 20_000, () => r.lines.join('\n'));
      await waitFor(`${daemon}'s gratuitous ARPs`, () => capture.announcements(VMAC_MAC, VIP, since) >= 5, 20_000, () => r.lines.join('\n'));
      const seen = {
        link: linkText(),
        addresses: inNs('ip', '-o', 'addr', 'show', 'dev', VMAC).replace(/^\d+: /, '').replace(/valid_lft.*$/m, '').trim(),
        sysctls: sysctls([...VMAC_SYSCTLS, ...PARENT_SYSCTLS]),
        garps: capture.announcements(VMAC_MAC, VIP, since),
      };
      await lab.stop(r);
      return { ...seen, after: { links: inNs('ip', '-o', 'link', 'show').replace(/^\d+: /gm, ''), sysctls: sysctls(PARENT_SYSCTLS) } };
    } finally {
      await lab.stop(r);
      await capture.stop();
    }
  }

  it('the VMAC, its address, the sysctls, the GARPs and the clean-up are keepalived\'s', { timeout: 120_000 }, async () => {
    const before = sysctls(PARENT_SYSCTLS);
    const keepalived = await run('keepalived');
    const kats = await run('kats');
    expect(keepalived.link).toMatch(/macvlan mode private/);
    expect(keepalived.link).toContain(`link/ether ${VMAC_MAC}`);
    expect(keepalived.link).toMatch(/addrgenmode none/);
    expect(kats.link).toBe(keepalived.link);
    expect(kats.addresses).toBe(keepalived.addresses);
    expect(kats.sysctls).toEqual(keepalived.sysctls);
    expect(keepalived.sysctls['ipv4/conf/eth0/arp_ignore']).toBe('1');
    expect(keepalived.garps).toBeGreaterThanOrEqual(5);
    expect(kats.garps).toBeGreaterThanOrEqual(5);
    expect(keepalived.after.links).not.toContain(VMAC);
    expect(kats.after).toEqual(keepalived.after);
    // keepalived 2.2.7 puts all.rp_filter back but leaves eth0's arp_ignore and arp_filter at 1 (settings/vmac.ts)
    expect(kats.after.sysctls).toEqual({ ...before, 'ipv4/conf/eth0/arp_ignore': '1', 'ipv4/conf/eth0/arp_filter': '1' });
  });
});
