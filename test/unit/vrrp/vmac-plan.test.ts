import { describe, expect, it } from 'vitest';
import { instance, parseText } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig, type InstanceRunSettings } from '../../../src/vrrp/settings/from-config.js';
import {
  addressVmacLinks,
  advertInterface,
  baseInterfaceOf,
  eui64LinkLocal,
  ipvlanLink,
  parentArpWrites,
  PARENT_DEVCONF,
  VMAC_DEVCONF,
  vmacAddress,
  vmacLink,
} from '../../../src/vrrp/settings/vmac.js';

function only(text: string): InstanceRunSettings {
  const run = vrrpSettingsFromConfig(parseText(text).result.config);
  expect(run.instances).toHaveLength(1);
  return run.instances[0]!;
}

const v6 = (extra: string): string =>
  `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  fd99::1\n }\n${extra}\n}\n`;

describe('use_vmac plan (netlink_link_add_vmac, vrrp_if_config.c)', () => {
  it('an IPv4 instance: vrrp.VRID on its interface, 00:00:5e:00:01:VRID, IPv6 off, the four devconf values', () => {
    const link = vmacLink(only(instance(' use_vmac')));
    expect(link).toEqual({
      kind: 'macvlan',
      instance: 'VI_1',
      ifname: 'vrrp.51',
      parent: 'eth0',
      mac: Uint8Array.from([0, 0, 0x5e, 0, 1, 51]),
      family: 'inet',
      ipv6: false,
      devconf: VMAC_DEVCONF,
      recreate: true,
    });
    expect(VMAC_DEVCONF).toEqual([
      [19, 1],
      [23, 1],
      [8, 0],
      [20, 1],
    ]);
  });

  it('no VMAC without use_vmac; a named one with a given address', () => {
    expect(vmacLink(only(instance()))).toBeUndefined();
    const link = vmacLink(only(instance(' use_vmac vm1 02:11:22:33:44')));
    expect(link?.ifname).toBe('vm1');
    expect(link?.mac).toEqual(Uint8Array.from([2, 0x11, 0x22, 0x33, 0x44, 51]));
    expect(vmacAddress(7, 'inet', '02:11:22:33:44:55')).toEqual(Uint8Array.from([2, 0x11, 0x22, 0x33, 0x44, 0x55]));
  });

  it('an IPv6 instance: 00:00:5e:00:02:VRID, IPv6 on, no devconf, a link-local address unless vmac_xmit_base', () => {
    const link = vmacLink(only(v6(' use_vmac')));
    expect(link).toMatchObject({ mac: Uint8Array.from([0, 0, 0x5e, 0, 2, 51]), family: 'inet6', ipv6: true, devconf: [], linkLocal: {} });
    expect(vmacLink(only(v6(' use_vmac\n vmac_xmit_base')))?.linkLocal).toBeUndefined();
    expect(vmacLink(only(v6(' use_vmac\n mcast_src_ip fe80::7')))?.linkLocal).toEqual({ configured: 'fe80::7' });
  });

  it('IPv6 stays on for an IPv4 instance with an IPv6 eVIP', () => {
    expect(vmacLink(only(instance(' use_vmac\n virtual_ipaddress_excluded {\n  fd99::9\n }')))?.ipv6).toBe(true);
  });

  it('adverts leave from the VMAC, or from the interface with vmac_xmit_base', () => {
    expect(advertInterface(only(instance()))).toBe('eth0');
    expect(advertInterface(only(instance(' use_vmac')))).toBe('vrrp.51');
    expect(advertInterface(only(instance(' use_vmac\n vmac_xmit_base')))).toBe('eth0');
  });

  it('make_link_local_address: fe80:: and the EUI-64 of the MAC', () => {
    expect(Buffer.from(eui64LinkLocal(Uint8Array.from([0x52, 0x54, 0, 0x12, 0x34, 0x56]))).toString('hex')).toBe('fe800000000000005054' + '00fffe123456');
  });
});

describe("the parent's arp_ignore/arp_filter", () => {
  it('both set to 1 unless both already are', () => {
    expect(parentArpWrites({ arpIgnore: 0, arpFilter: 1 })).toEqual(PARENT_DEVCONF);
    expect(parentArpWrites({ arpIgnore: 1, arpFilter: undefined })).toEqual(PARENT_DEVCONF);
    expect(parentArpWrites({ arpIgnore: 1, arpFilter: 1 })).toEqual([]);
  });
});

describe('VMACs of their own for addresses (vrrp_complete_instance, create_vmac_name)', () => {
  const vips = (extra: string, lines: string, excluded = ''): string =>
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${extra}\n virtual_ipaddress {\n${lines}\n }\n virtual_ipaddress_excluded {\n${excluded}\n }\n}\n`;
  const devices = (run: InstanceRunSettings): string[] => [...run.vipTable.values()].map((e) => `${e.address} ${e.device}`);

  it("a VIP's use_vmac: a VMAC on its interface, shared by the same family, IPv6 as vrrp6.VRID next to an instance VMAC", () => {
    const run = only(vips('', '  10.0.0.1\n  10.0.1.1 dev eth1 use_vmac\n  10.0.1.2 dev eth1 use_vmac\n  10.0.2.1 dev eth1', '  fd99::1 use_vmac'));
    expect(devices(run)).toEqual(['10.0.0.1 eth0', '10.0.1.1 vrrp.51', '10.0.1.2 vrrp.51', '10.0.2.1 eth1', 'fd99::1 vrrp6.51']);
    expect(addressVmacLinks(run)).toEqual([
      { kind: 'macvlan', instance: 'VI_1', ifname: 'vrrp.51', parent: 'eth1', mac: Uint8Array.from([0, 0, 0x5e, 0, 1, 51]), family: 'inet', ipv6: false, devconf: VMAC_DEVCONF, recreate: false },
      { kind: 'macvlan', instance: 'VI_1', ifname: 'vrrp6.51', parent: 'eth0', mac: Uint8Array.from([0, 0, 0x5e, 0, 2, 51]), family: 'inet6', ipv6: true, devconf: [], linkLocal: {}, recreate: false },
    ]);
  });

  it('use_vmac_addr: other interfaces and the other family, not the instance\'s own; the instance VMAC keeps vrrp.VRID', () => {
    const run = only(vips(' use_vmac\n use_vmac_addr', '  10.0.0.1\n  10.0.1.1 dev eth1', '  fd99::1'));
    expect(devices(run)).toEqual(['10.0.0.1 vrrp.51', '10.0.1.1 vrrp1.51', 'fd99::1 vrrp6.51']);
    expect(addressVmacLinks(run).map((l) => [l.ifname, l.parent])).toEqual([
      ['vrrp1.51', 'eth1'],
      ['vrrp6.51', 'eth0'],
    ]);
    expect(devices(only(vips(' use_vmac_addr', '  10.0.0.1\n  10.0.1.1 dev eth1')))).toEqual(['10.0.0.1 eth0', '10.0.1.1 vrrp.51']);
  });

  it('vmac_addr_prefix names them, the instance MAC given to use_vmac is theirs too; none without use_vmac or use_vmac_addr', () => {
    const run = only(`global_defs {\n vmac_addr_prefix va\n}\n${vips(' use_vmac vm1 02:11:22:33:44', '  10.0.0.1\n  10.0.1.1 dev eth1 use_vmac')}`);
    expect(devices(run)).toEqual(['10.0.0.1 vm1', '10.0.1.1 va.51']);
    expect(addressVmacLinks(run)[0]?.mac).toEqual(Uint8Array.from([2, 0x11, 0x22, 0x33, 0x44, 51]));
    expect(addressVmacLinks(only(vips('', '  10.0.1.1 dev eth1')))).toEqual([]);
  });

  it('two use_vmac instances with one VRID: vrrp.VRID and vrrp6.VRID (IPv6 tries 6 first)', () => {
    const config = parseText(`${vips(' use_vmac', '  10.0.0.1')}${vips(' use_vmac', '  fd99::1').replace('VI_1', 'VI_2')}`).result.config;
    expect(vrrpSettingsFromConfig(config).instances.map((r) => vmacLink(r)?.ifname)).toEqual(['vrrp.51', 'vrrp6.51']);
  });
});

describe('use_ipvlan plan (netlink_link_add_ipvlan)', () => {
  it('an IPv4 instance: the ipvlan named as a VMAC, its type flags, its address with prefix; adverts from it, VIPs on the parent', () => {
    const run = only(instance(' use_ipvlan 10.0.0.9/24 private'));
    expect(ipvlanLink(run)).toEqual({ kind: 'ipvlan', instance: 'VI_1', ifname: 'vrrp.51', parent: 'eth0', family: 'inet', ipv6: false, flags: 1, address: { address: '10.0.0.9', prefixLen: 24 } });
    expect(advertInterface(run)).toBe('vrrp.51');
    expect(run.transport.sourceAddress).toBe('10.0.0.9');
    expect([...run.vipTable.values()].map((e) => e.device)).toEqual(['eth0']);
    expect(vmacLink(run)).toBeUndefined();
  });

  it('named, vepa, IPv6 without an address (IPv6 on); /32 when no prefix is given', () => {
    expect(ipvlanLink(only(v6(' use_ipvlan ipv1 vepa')))).toEqual({ kind: 'ipvlan', instance: 'VI_1', ifname: 'ipv1', parent: 'eth0', family: 'inet6', ipv6: true, flags: 2 });
    expect(ipvlanLink(only(instance(' use_ipvlan 10.0.0.9')))?.address).toEqual({ address: '10.0.0.9', prefixLen: 32 });
    expect(ipvlanLink(only(instance()))).toBeUndefined();
  });
});

describe('announcement pacing by base interface (IF_BASE_IFP in send_gratuitous_arp)', () => {
  it("a VMAC's, an ipvlan's and an address VMAC's announcements are paced with their parent's; other interfaces by themselves", () => {
    const config = parseText(
      instance(' use_vmac') +
        instance(' use_ipvlan 10.0.0.9/24', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52') +
        instance(' virtual_ipaddress_excluded {\n  10.0.1.1 dev eth1 use_vmac\n }', 'VI_3').replace('virtual_router_id 51', 'virtual_router_id 53'),
    ).result.config;
    const { instances } = vrrpSettingsFromConfig(config);
    expect(['vrrp.51', 'vrrp.52', 'vrrp.53', 'eth0', 'eth1'].map(baseInterfaceOf(instances))).toEqual(['eth0', 'eth0', 'eth1', 'eth0', 'eth1']);
  });
});

describe('garp_extra_if (vrrp_complete_instance, vrrp_send_vmac_update)', () => {
  const garpOf = (text: string) => only(text).fsm.garp;
  const addr = (extra: string, evips: string): string =>
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${extra}\n virtual_ipaddress {\n  10.0.0.1\n }\n virtual_ipaddress_excluded {\n${evips}\n }\n}\n`;

  it('the first address on each VMAC of ours that does not send the adverts, once per interval', () => {
    const garp = garpOf(addr(' use_vmac\n garp_extra_if 30', '  10.0.1.1 dev eth1 use_vmac\n  10.0.1.2 dev eth1 use_vmac\n  10.0.2.1 dev eth1'));
    expect([garp.extraIfUs, garp.extraIfVips]).toEqual([30_000_000, ['10.0.1.1/32 dev vrrp1.51 use_vmac']]);
  });

  it('with all: other interfaces too; with vmac_xmit_base: the instance VMAC too', () => {
    expect(garpOf(addr(' use_vmac\n garp_extra_if all 30', '  10.0.2.1 dev eth1')).extraIfVips).toEqual(['10.0.2.1/32 dev eth1']);
    expect(garpOf(addr(' use_vmac\n vmac_xmit_base\n garp_extra_if 30', '  10.0.1.1 dev eth1 use_vmac')).extraIfVips).toEqual([
      '10.0.0.1/32 dev vrrp.51',
      '10.0.1.1/32 dev vrrp1.51 use_vmac',
    ]);
  });

  it('off without an interval, without extra interfaces, or with only other interfaces and no all', () => {
    expect(garpOf(addr(' use_vmac', '  10.0.1.1 dev eth1 use_vmac')).extraIfUs).toBe(0);
    expect(garpOf(addr(' use_vmac\n garp_extra_if 30', '')).extraIfUs).toBe(0);
    expect(garpOf(addr(' garp_extra_if 30', '  10.0.2.1 dev eth1')).extraIfUs).toBe(0);
  });
});
