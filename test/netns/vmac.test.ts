/**
 * use_vmac beside keepalived 2.2.7: the same configuration run by keepalived,
 * then by keepalived-ts, in the same node; while MASTER each shows the same
 * VMAC (`ip -d link`: private macvlan on eth0, 00:00:5e:00:0{1,2}:VRID,
 * address generation none), the same addresses on it, the same sysctls on it
 * and on eth0, gratuitous ARPs / unsolicited NAs and adverts from the VMAC's
 * MAC (or the adverts from eth0's with vmac_xmit_base); after SIGTERM the
 * link is gone, the rp_filter values (all.rp_filter 1 here) are back, and
 * eth0's arp_ignore and arp_filter are as keepalived leaves them. Needs
 * `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { Capture } from './vrrp-interop-support.js';
import { masterInstance } from './vmac-support.js';

const SUBNET = 91;

interface Case {
  title: string;
  host: number;
  vrid: number;
  vip: string;
  prefix: number;
  extra: string;
  /** The VMAC's MAC: the announcements' source. */
  mac: string;
}

const CASES: readonly Case[] = [
  { title: 'IPv4', host: 1, vrid: 91, vip: `10.99.${SUBNET}.100`, prefix: 24, extra: '', mac: '00:00:5e:00:01:5b' },
  { title: 'IPv6', host: 2, vrid: 92, vip: `fd99:${SUBNET}::100`, prefix: 64, extra: '', mac: '00:00:5e:00:02:5c' },
  { title: 'IPv4 with vmac_xmit_base', host: 3, vrid: 93, vip: `10.99.${SUBNET}.103`, prefix: 24, extra: '  vmac_xmit_base\n', mac: '00:00:5e:00:01:5d' },
];

/** Reloaded without use_vmac. */
const RELOAD: Case = { title: 'reload', host: 4, vrid: 94, vip: `10.99.${SUBNET}.104`, prefix: 24, extra: '', mac: '00:00:5e:00:01:5e' };
/** IPv6, reloaded with vmac_xmit_base and back. */
const XMIT_RELOAD: Case = { title: 'xmit_base reload', host: 5, vrid: 95, vip: `fd99:${SUBNET}::105`, prefix: 64, extra: '', mac: '00:00:5e:00:02:5f' };

const config = (c: Case): string => masterInstance(c.vrid, `  use_vmac\n${c.extra}  virtual_ipaddress {\n    ${c.vip}/${c.prefix}\n  }\n`);

const vmacSysctls = (vmac: string): string[] =>
  ['ipv4/conf/X/arp_ignore', 'ipv4/conf/X/accept_local', 'ipv4/conf/X/rp_filter', 'ipv4/conf/X/promote_secondaries', 'ipv6/conf/X/disable_ipv6'].map((p) => p.replace('X', vmac));
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
  announcements: number;
  /** Source MACs of the adverts seen on the bridge. */
  advertSources: string[];
  after: { links: string; sysctls: Record<string, string> };
}

describe.skipIf(!requireNetnsOrSkip()).concurrent('use_vmac: keepalived-ts beside keepalived', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('vmac'));
    for (const c of [...CASES, RELOAD, XMIT_RELOAD]) {
      const ns = lab.addNode(c.host);
      // as on many distributions: the VMAC's rp_filter 0 needs all.rp_filter 0, which both daemons arrange and undo
      lab.sysctl(ns, 'net.ipv4.conf.all.rp_filter', '1');
    }
  });
  afterAll(async () => {
    await lab?.close();
  });

  /** tcpdump on the bridge: the source MAC of each VRRP advert for `vrid`. */
  function advertSources(vrid: number): { sources: string[]; stop: () => void } {
    const sources: string[] = [];
    const proc = lab.spawn(lab.bridgeNs, 'tcpdump', ['-e', '-n', '-l', '--immediate-mode', '-i', 'br0', 'ip proto 112 or ip6 proto 112']);
    proc.stdout!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        const m = /^\S+ ([0-9a-f:]{17}) > .*vrid (\d+)/i.exec(line);
        if (m && Number(m[2]) === vrid) sources.push(m[1]!);
      }
    });
    return { sources, stop: () => proc.kill('SIGTERM') };
  }

  async function run(c: Case, daemon: Daemon): Promise<Seen> {
    const ns = lab.nodes[CASES.indexOf(c)]!;
    const vmac = `vrrp.${c.vrid}`;
    const inNs = (cmd: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
    const sysctls = (paths: readonly string[]): Record<string, string> => Object.fromEntries(paths.map((p) => [p, inNs('cat', `/proc/sys/net/${p}`).trim()]));
    // each daemon starts from the same eth0
    lab.sysctl(ns, 'net.ipv4.conf.eth0.arp_ignore', '0');
    lab.sysctl(ns, 'net.ipv4.conf.eth0.arp_filter', '0');
    const capture = new Capture(lab, `vmac-${c.vrid}-${daemon}`);
    await capture.started();
    const adverts = advertSources(c.vrid);
    const since = Date.now();
    const r = lab.start(ns, daemon, config(c));
    try {
      const vipShown = (): boolean => inNs('ip', '-o', 'addr', 'show', 'dev', vmac).includes(` ${c.vip}/${c.prefix} `);
      await waitFor(`${daemon} MASTER with ${c.vip} on ${vmac}`, () => lastState(r) === 'MASTER' && vipShown(), 20_000, () => r.lines.join('\n'));
      await waitFor(`${daemon}'s announcements`, () => capture.announcements(c.mac, c.vip, since) >= 5 && adverts.sources.length >= 2, 20_000, () => r.lines.join('\n'));
      const seen = {
        // the index and the counters differ from run to run, not what either daemon set
        link: inNs('ip', '-d', 'link', 'show', 'dev', vmac).replace(/^\d+: /, '').trim(),
        addresses: inNs('ip', '-o', 'addr', 'show', 'dev', vmac)
          .replace(/^\d+: /gm, '')
          .replace(/valid_lft.*$/gm, '')
          .trim(),
        sysctls: sysctls([...vmacSysctls(vmac), ...PARENT_SYSCTLS]),
        announcements: capture.announcements(c.mac, c.vip, since),
        advertSources: [...new Set(adverts.sources)],
      };
      await lab.stop(r);
      return { ...seen, after: { links: inNs('ip', '-o', 'link', 'show').replace(/^\d+: /gm, ''), sysctls: sysctls(PARENT_SYSCTLS) } };
    } finally {
      await lab.stop(r);
      adverts.stop();
      await capture.stop();
    }
  }

  /** Starts with use_vmac, reloads without it: what the node shows then. */
  async function reload(daemon: Daemon): Promise<{ links: string; addresses: string }> {
    const ns = lab.nodes[CASES.length]!;
    const inNs = (cmd: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
    const vmac = `vrrp.${RELOAD.vrid}`;
    const r = lab.start(ns, daemon, config(RELOAD));
    try {
      await waitFor(`${daemon} MASTER on ${vmac}`, () => lastState(r) === 'MASTER' && inNs('ip', '-o', 'addr', 'show').includes(`${vmac}    inet ${RELOAD.vip}/`), 20_000, () => r.lines.join('\n'));
      fs.writeFileSync(r.config, config(RELOAD).replace('  use_vmac\n', ''));
      r.proc.kill('SIGHUP');
      await waitFor(`${daemon} ${RELOAD.vip} on eth0 and ${vmac} gone`, () => {
        const addrs = inNs('ip', '-o', 'addr', 'show');
        return addrs.includes(`eth0    inet ${RELOAD.vip}/`) && !inNs('ip', '-o', 'link', 'show').includes(vmac);
      }, 20_000, () => r.lines.join('\n'));
      return {
        links: inNs('ip', '-o', 'link', 'show').replace(/^\d+: /gm, ''),
        addresses: inNs('ip', '-o', 'addr', 'show').replace(/^\d+: /gm, '').replace(/valid_lft.*$/gm, ''),
      };
    } finally {
      await lab.stop(r);
    }
  }

  /** IPv6 with use_vmac, reloaded with vmac_xmit_base, then without: the VMAC's addresses at each step. */
  async function reloadXmitBase(daemon: Daemon): Promise<string[]> {
    const ns = lab.nodes[CASES.length + 1]!;
    const vmac = `vrrp.${XMIT_RELOAD.vrid}`;
    const addresses = (): string =>
      execFileSync('ip', ['-n', ns, '-o', 'addr', 'show', 'dev', vmac], { encoding: 'utf8' })
        .replace(/^\d+: /gm, '')
        .replace(/valid_lft.*$/gm, '')
        .trim();
    const linkLocal = (): boolean => addresses().includes('inet6 fe80:');
    const r = lab.start(ns, daemon, config(XMIT_RELOAD));
    try {
      const seen: string[] = [];
      await waitFor(`${daemon} MASTER on ${vmac} with its link-local address`, () => lastState(r) === 'MASTER' && addresses().includes(XMIT_RELOAD.vip) && linkLocal(), 20_000, () => r.lines.join('\n'));
      seen.push(addresses());
      for (const xmitBase of [true, false]) {
        fs.writeFileSync(r.config, config({ ...XMIT_RELOAD, extra: xmitBase ? '  vmac_xmit_base\n' : '' }));
        r.proc.kill('SIGHUP');
        await waitFor(`${daemon} reloaded, ${vmac}'s link-local address ${xmitBase ? 'gone' : 'back'}`, () => linkLocal() !== xmitBase, 20_000, () => r.lines.join('\n'));
        seen.push(addresses());
      }
      return seen;
    } finally {
      await lab.stop(r);
    }
  }

  it("IPv6 reloaded with vmac_xmit_base: the VMAC's link-local address goes; without it again: it comes back, as with keepalived", { timeout: 120_000 }, async () => {
    const keepalived = await reloadXmitBase('keepalived');
    const kats = await reloadXmitBase('kats');
    expect(keepalived[1]).not.toContain('fe80:');
    expect(kats).toEqual(keepalived);
  });

  it('reloaded without use_vmac: the VMAC goes and the VIP moves to eth0, as with keepalived', { timeout: 120_000 }, async () => {
    const keepalived = await reload('keepalived');
    const kats = await reload('kats');
    expect(kats).toEqual(keepalived);
  });

  for (const c of CASES) {
    it(`${c.title}: the VMAC, its addresses, the sysctls, the announcements, the adverts and the clean-up are keepalived's`, { timeout: 120_000 }, async () => {
      const keepalived = await run(c, 'keepalived');
      const kats = await run(c, 'kats');
      expect(keepalived.link).toMatch(/macvlan mode private/);
      expect(keepalived.link).toContain(`link/ether ${c.mac}`);
      expect(keepalived.link).toMatch(/addrgenmode none/);
      expect(kats.link).toBe(keepalived.link);
      expect(kats.addresses).toBe(keepalived.addresses);
      expect(kats.sysctls).toEqual(keepalived.sysctls);
      expect(keepalived.announcements).toBeGreaterThanOrEqual(5);
      expect(kats.announcements).toBeGreaterThanOrEqual(5);
      // from the VMAC, or from eth0 with vmac_xmit_base
      expect(keepalived.advertSources).toEqual(c.extra === '' ? [c.mac] : [expect.not.stringMatching(c.mac)]);
      expect(kats.advertSources).toEqual(keepalived.advertSources);
      expect(keepalived.after.links).not.toContain(`vrrp.${c.vrid}`);
      expect(kats.after).toEqual(keepalived.after);
    });
  }
});
