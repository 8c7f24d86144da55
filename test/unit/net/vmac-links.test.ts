import { describe, expect, it } from 'vitest';
import { FakeLinks } from '../../../lab/fakes/links.js';
import { VmacLinks } from '../../../src/net/vmac-links.js';
import { VMAC_DEVCONF, type IpvlanLink, type VmacLink } from '../../../src/vrrp/settings/vmac.js';

const link = (ifname: string, vrid: number, extra: Partial<Omit<VmacLink, 'kind'>> = {}): VmacLink => ({
  kind: 'macvlan',
  instance: `VI_${vrid}`,
  ifname,
  parent: 'eth0',
  mac: Uint8Array.from([0, 0, 0x5e, 0, 1, vrid]),
  family: 'inet',
  ipv6: false,
  devconf: VMAC_DEVCONF,
  recreate: true,
  ...extra,
});

const KNOWN = new Set(['eth0']);

function world(allRpFilter = 0): { kernel: FakeLinks; vmacs: VmacLinks; logs: string[] } {
  const kernel = new FakeLinks();
  kernel.addLink('eth0', Uint8Array.from([0x52, 0x54, 0, 0x12, 0x34, 0x56]));
  kernel.addLink('eth1');
  for (const [path, value] of Object.entries({ 'all/rp_filter': allRpFilter, 'default/rp_filter': 0, 'eth0/rp_filter': 0, 'eth1/rp_filter': 2, 'lo/rp_filter': 0, 'eth0/arp_ignore': 0, 'eth0/arp_filter': 0 }))
    kernel.sysctl.set(`net/ipv4/conf/${path}`, value);
  const logs: string[] = [];
  const vmacs = new VmacLinks({
    link: kernel.link,
    sysctl: kernel.sysctlPort,
    interfaces: kernel.interfaces,
    log: (m) => logs.push(m),
    detail: () => undefined,
    gone: (ifname, index) => logs.push(`gone ${ifname} ${index}`),
    remade: (ifname) => logs.push(`remade ${ifname}`),
  });
  return { kernel, vmacs, logs };
}

describe('VmacLinks (netlink_link_add_vmac / netlink_link_del_vmac)', () => {
  it("creates IPv4 VMACs in keepalived's order, removes them, and leaves the parent's arp settings at 1 as keepalived does", async () => {
    const { kernel, vmacs, logs } = world();
    await vmacs.apply([link('vrrp.1', 1), link('vrrp.2', 2)], KNOWN);
    expect(kernel.requests).toEqual([
      'create vrrp.1',
      'devconf vrrp.1',
      'devconf eth0',
      'addrgenmode vrrp.1',
      'up vrrp.1',
      'create vrrp.2',
      'devconf vrrp.2',
      'addrgenmode vrrp.2',
      'up vrrp.2',
    ]);
    expect(kernel.links.get('vrrp.1')?.mac).toEqual(Uint8Array.from([0, 0, 0x5e, 0, 1, 1]));
    expect(kernel.sysctl.get('net/ipv4/conf/vrrp.1/accept_local')).toBe(1);
    expect(kernel.sysctl.get('net/ipv6/conf/vrrp.1/disable_ipv6')).toBe(1);
    expect(kernel.sysctl.get('net/ipv4/conf/eth0/arp_ignore')).toBe(1);
    kernel.requests.length = 0;
    await vmacs.apply([link('vrrp.2', 2)], KNOWN);
    expect(kernel.requests).toEqual(['delete vrrp.1']);
    await vmacs.removeAll();
    expect(kernel.requests).toEqual(['delete vrrp.1', 'delete vrrp.2']);
    expect(kernel.sysctl.get('net/ipv4/conf/eth0/arp_ignore')).toBe(1);
    expect(kernel.sysctl.get('net/ipv4/conf/eth0/arp_filter')).toBe(1);
    expect([...kernel.links.keys()]).toEqual(['eth0', 'eth1']);
    expect(logs).toEqual([]);
  });

  it('updates a macvlan of that name left behind on its parent, and gives an IPv6 VMAC the link-local address made from the parent MAC', async () => {
    const { kernel, vmacs, logs } = world();
    kernel.addLink('vrrp.3');
    kernel.details.set('vrrp.3', { parentIndex: kernel.links.get('eth0')!.index, kind: 'macvlan', macvlanMode: 1 });
    await vmacs.apply([link('vrrp.3', 3, { family: 'inet6', ipv6: true, devconf: [], linkLocal: {} })], KNOWN);
    expect(kernel.requests).toEqual(['create vrrp.3', 'update vrrp.3', 'addrgenmode vrrp.3', 'up vrrp.3', 'address vrrp.3 inet6 fe800000000000005054' + '00fffe123456/64']);
    expect(kernel.sysctl.get('net/ipv6/conf/vrrp.3/disable_ipv6')).toBe(0);
    expect(logs).toEqual(['(VI_3) VMAC vrrp.3 already exists but is incompatible. It will be deleted/updated', '(VI_3) Update old VMAC interface vrrp.3 due to wrong MAC/mode ']);
  });

  it('all.rp_filter 1: default and the named interfaces below it raised (lo, not named, is not), all set to 0, each put back at stop', async () => {
    const { kernel, vmacs, logs } = world(1);
    await vmacs.apply([link('vrrp.5', 5)], new Set(['eth0', 'eth1']));
    const rp = (n: string): number | undefined => kernel.sysctl.get(`net/ipv4/conf/${n}/rp_filter`);
    expect([rp('all'), rp('default'), rp('eth0'), rp('eth1'), rp('vrrp.5'), rp('lo')]).toEqual([0, 1, 1, 2, 0, 0]);
    expect(logs).toEqual(['NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from 0 to 1', 'NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from 1 to 0']);
    await vmacs.removeAll();
    expect([rp('all'), rp('default'), rp('eth0'), rp('eth1')]).toEqual([1, 0, 0, 2]);
    expect(logs.slice(2)).toEqual(['NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to 1', 'NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to 0']);
  });

  it('an ipvlan: created up with the parent MAC, IPv6 off, its address added; no devconf, no rp_filter; one left behind is taken and brought up', async () => {
    const { kernel, vmacs, logs } = world(1);
    const ipvlan = (ifname: string): IpvlanLink => ({ kind: 'ipvlan', instance: 'VI_6', ifname, parent: 'eth0', family: 'inet', ipv6: false, flags: 0, address: { address: '10.0.0.6', prefixLen: 24 } });
    await vmacs.apply([ipvlan('ipv.6')], KNOWN);
    expect(kernel.requests).toEqual(['create ipv.6', 'address ipv.6 inet 0a000006/24']);
    expect(kernel.links.get('ipv.6')?.mac).toEqual(kernel.links.get('eth0')?.mac);
    expect(kernel.sysctl.get('net/ipv6/conf/ipv.6/disable_ipv6')).toBe(1);
    expect(kernel.sysctl.get('net/ipv4/conf/all/rp_filter')).toBe(1);
    expect(kernel.sysctl.get('net/ipv4/conf/eth0/arp_ignore')).toBe(0);
    await vmacs.removeAll();
    expect(kernel.requests.at(-1)).toBe('delete ipv.6');
    kernel.requests.length = 0;
    kernel.addLink('ipv.7').up = false;
    await vmacs.apply([ipvlan('ipv.7')], KNOWN);
    expect(kernel.requests).toEqual(['create ipv.7', 'up ipv.7', 'address ipv.7 inet 0a000006/24']);
    expect(logs).toEqual([]);
  });

  it("makes an instance's VMAC again when it goes, and when its parent comes back; not an address's; nothing once stopping", async () => {
    const { kernel, vmacs, logs } = world();
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await vmacs.apply([link('vrrp.1', 1), link('vrrp.2', 2, { parent: 'eth1', recreate: false })], KNOWN);
    const index = (name: string): number => kernel.links.get(name)!.index;
    const firstIndexes = [index('vrrp.1'), index('vrrp.2')];
    kernel.requests.length = 0;
    kernel.dropLink('vrrp.1');
    kernel.dropLink('vrrp.2');
    await settle();
    expect(kernel.requests).toEqual(['create vrrp.1', 'devconf vrrp.1', 'addrgenmode vrrp.1', 'up vrrp.1']);
    expect(logs.splice(0)).toEqual([`gone vrrp.1 ${firstIndexes[0]}`, `gone vrrp.2 ${firstIndexes[1]}`, 'remade vrrp.1']);
    const secondIndex = index('vrrp.1');
    kernel.requests.length = 0;
    // the parent deleted: the kernel deletes the VMAC first
    kernel.dropLink('vrrp.1');
    kernel.dropLink('eth0');
    await settle();
    expect(kernel.requests).toEqual([]);
    kernel.addLink('eth0');
    await settle();
    expect(kernel.requests).toEqual(['create vrrp.1', 'devconf vrrp.1', 'devconf eth0', 'addrgenmode vrrp.1', 'up vrrp.1']);
    expect(logs.splice(0)).toEqual([`gone vrrp.1 ${secondIndex}`, 'remade vrrp.1']);
    expect(vmacs.has('vrrp.2')).toBe(false);
    await vmacs.removeAll();
    kernel.requests.length = 0;
    kernel.dropLink('eth1');
    kernel.addLink('eth1');
    await settle();
    expect(kernel.requests).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('a link of that name left behind: a macvlan on another parent replaced, a private one with the MAC taken as it is, any other left alone', async () => {
    const { kernel, vmacs, logs } = world();
    const eth = (n: string): number => kernel.links.get(n)!.index;
    kernel.addLink('vrrp.7');
    kernel.details.set('vrrp.7', { parentIndex: eth('eth1'), kind: 'macvlan', macvlanMode: 1 });
    kernel.addLink('vrrp.8', Uint8Array.from([0, 0, 0x5e, 0, 1, 8]));
    kernel.details.set('vrrp.8', { parentIndex: eth('eth0'), kind: 'macvlan', macvlanMode: 1 });
    kernel.addLink('vrrp.9');
    await vmacs.apply([link('vrrp.7', 7), link('vrrp.8', 8), link('vrrp.9', 9)], KNOWN);
    expect(kernel.requests).toEqual([
      'create vrrp.7',
      'delete vrrp.7',
      'create vrrp.7',
      'devconf vrrp.7',
      'devconf eth0',
      'addrgenmode vrrp.7',
      'up vrrp.7',
      'create vrrp.8',
      'addrgenmode vrrp.8',
      'up vrrp.8',
      'create vrrp.9',
    ]);
    expect(kernel.details.get('vrrp.7')?.parentIndex).toBe(eth('eth0'));
    expect(logs).toEqual([
      '(VI_7) VMAC vrrp.7 already exists but is incompatible. It will be deleted/updated',
      '(VI_7) Removing old VMAC interface vrrp.7 due to conflicting interface',
      'VMAC vrrp.9 conflicts with existing interface',
    ]);
    expect([vmacs.has('vrrp.8'), vmacs.has('vrrp.9')]).toEqual([true, false]);
  });

  it('a reload setting vmac_xmit_base on an IPv6 VMAC takes its link-local address away; unsetting it gives it back', async () => {
    const { kernel, vmacs, logs } = world();
    const v6 = (extra: Partial<Omit<VmacLink, 'kind'>>): VmacLink => link('vrrp.4', 4, { family: 'inet6', ipv6: true, devconf: [], ...extra });
    await vmacs.apply([v6({ linkLocal: {} })], KNOWN);
    kernel.requests.length = 0;
    await vmacs.apply([v6({})], KNOWN);
    await vmacs.apply([v6({})], KNOWN);
    await vmacs.apply([v6({ linkLocal: {} })], KNOWN);
    const ll = 'fe80000000000000505400fffe123456/64';
    expect(kernel.requests).toEqual([`delete-address vrrp.4 inet6 ${ll}`, `address vrrp.4 inet6 ${ll}`]);
    expect(logs).toEqual([]);
  });

  it('makes nothing without the parent', async () => {
    const { kernel, vmacs, logs } = world();
    await vmacs.apply([link('vrrp.4', 4, { parent: 'eth9' })], KNOWN);
    expect(kernel.requests).toEqual([]);
    expect(logs).toEqual(['(VI_4) cannot create VMAC vrrp.4: no interface eth9']);
  });
});
