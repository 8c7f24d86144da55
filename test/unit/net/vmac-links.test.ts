import { describe, expect, it } from 'vitest';
import { FakeLinks } from '../../../lab/fakes/links.js';
import { VmacLinks } from '../../../src/net/vmac-links.js';
import { VMAC_DEVCONF, type VmacLink } from '../../../src/vrrp/settings/vmac.js';

const link = (ifname: string, vrid: number, extra: Partial<VmacLink> = {}): VmacLink => ({
  instance: `VI_${vrid}`,
  ifname,
  parent: 'eth0',
  mac: Uint8Array.from([0, 0, 0x5e, 0, 1, vrid]),
  family: 'inet',
  ipv6: false,
  devconf: VMAC_DEVCONF,
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
  const vmacs = new VmacLinks({ link: kernel.link, sysctl: kernel.sysctlPort, interfaces: kernel.interfaces, log: (m) => logs.push(m), detail: () => undefined });
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

  it('updates a link of that name left behind, and gives an IPv6 VMAC the link-local address made from the parent MAC', async () => {
    const { kernel, vmacs, logs } = world();
    kernel.addLink('vrrp.3');
    await vmacs.apply([link('vrrp.3', 3, { family: 'inet6', ipv6: true, devconf: [], linkLocal: {} })], KNOWN);
    expect(kernel.requests).toEqual(['create vrrp.3', 'update vrrp.3', 'addrgenmode vrrp.3', 'up vrrp.3', 'link-local vrrp.3 fe800000000000005054' + '00fffe123456']);
    expect(kernel.sysctl.get('net/ipv6/conf/vrrp.3/disable_ipv6')).toBe(0);
    expect(logs).toEqual(['(VI_3) Update old VMAC interface vrrp.3 due to wrong MAC/mode']);
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

  it('makes nothing without the parent', async () => {
    const { kernel, vmacs, logs } = world();
    await vmacs.apply([link('vrrp.4', 4, { parent: 'eth9' })], KNOWN);
    expect(kernel.requests).toEqual([]);
    expect(logs).toEqual(['(VI_4) cannot create VMAC vrrp.4: no interface eth9']);
  });
});
