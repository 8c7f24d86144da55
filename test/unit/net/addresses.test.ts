/**
 * The RTM_NEWADDR / RTM_DELADDR requests built from VIPs as the
 * configuration gives them (so `brd +`, the IPv6 preferred_lft default and
 * the flag words come out as keepalived resolves them), without a kernel.
 */
import { AttrStream, rt } from 'netlink';
import { describe, expect, it } from 'vitest';
import { addressRequest, alreadyDone } from '../../../src/net/addresses.js';
import { instanceVips, type VipEntry } from '../../../src/vrrp/settings/vips.js';
import { parseText } from '../config/vrrp-helpers.js';

/** The VIP of an instance on eth0 whose virtual_ipaddress is this one line. */
function one(line: string): VipEntry {
  const parsed = parseText(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  ${line}\n }\n}\n`);
  expect(parsed.messages).toEqual([]);
  const set = instanceVips(parsed.result.config.vrrp.instances[0]!, 'eth0', undefined);
  return set.table.get(set.keys[0]!)!;
}
const bytes = (...b: number[]): Buffer => Buffer.from(b);
const FD99_10 = bytes(0xfd, 0x99, ...Array<number>(13).fill(0), 0x10);

describe('addressRequest', () => {
  it('adds an IPv4 VIP with its label, scope and resolved broadcast, local and address alike', () => {
    expect(addressRequest('add', one('10.99.1.10/24 brd + scope link label eth0:vip'), 7)).toEqual({
      header: { family: 2, prefixlen: 24, scope: 253, index: 7 },
      attrs: { local: bytes(10, 99, 1, 10), address: bytes(10, 99, 1, 10), label: 'eth0:vip', broadcast: bytes(10, 99, 1, 255) },
    });
  });

  it('adds a bare IPv4 VIP as /32 without flags', () => {
    expect(addressRequest('add', one('10.99.0.10'), 3)).toEqual({
      header: { family: 2, prefixlen: 32, scope: 0, index: 3 },
      attrs: { local: bytes(10, 99, 0, 10), address: bytes(10, 99, 0, 10) },
    });
  });

  it('puts the peer in IFA_ADDRESS, with a whole prefix, for the add and the remove', () => {
    const vip = one('10.99.2.1 peer 10.99.2.2');
    const attrs = { local: bytes(10, 99, 2, 1), address: bytes(10, 99, 2, 2) };
    expect(addressRequest('add', vip, 3)).toEqual({ header: { family: 2, prefixlen: 32, scope: 0, index: 3 }, attrs });
    expect(addressRequest('remove', vip, 3)).toEqual({ header: { family: 2, prefixlen: 32, scope: 0, index: 3 }, attrs });
  });

  it('adds an IPv6 /128 VIP deprecated (preferred_lft 0) and without DAD, as keepalived does', () => {
    expect(addressRequest('add', one('fd99::10'), 4)).toEqual({
      header: { family: 10, prefixlen: 128, scope: 0, index: 4 },
      attrs: { local: FD99_10, address: FD99_10, flags: { nodad: true }, cacheInfo: { ifaPrefered: 0, ifaValid: 0xffffffff } },
    });
  });

  it('leaves an IPv6 VIP with a shorter prefix preferred, and honours preferred_lft', () => {
    expect(addressRequest('add', one('fd99::10/64'), 4).attrs.cacheInfo).toBeUndefined();
    expect(addressRequest('add', one('fd99::10/64 preferred_lft 30'), 4).attrs.cacheInfo).toEqual({ ifaPrefered: 30, ifaValid: 0xffffffff });
    expect(addressRequest('add', one('fd99::10 preferred_lft forever'), 4).attrs.cacheInfo).toBeUndefined();
  });

  it('maps the flag words; `-nodad` keeps DAD on', () => {
    expect(addressRequest('add', one('fd99::10/64 -nodad home mngtmpaddr noprefixroute autojoin'), 4).attrs.flags).toEqual({
      homeaddress: true,
      managetempaddr: true,
      noprefixroute: true,
      mcautojoin: true,
    });
    expect(addressRequest('add', one('10.99.0.10/24 noprefixroute'), 4).attrs.flags).toEqual({ noprefixroute: true });
  });

  it('removes with the address alone: no label, broadcast, flags or lifetime', () => {
    for (const vip of [one('10.99.1.10/24 brd + label eth0:vip'), one('fd99::10 home')]) {
      const { attrs } = addressRequest('remove', vip, 5);
      expect(Object.keys(attrs).sort()).toEqual(['address', 'local']);
    }
  });

  it('encodes to what the package decodes back, the label NUL-terminated', () => {
    const request = addressRequest('add', one('10.99.1.10/24 brd + label eth0:vip'), 7);
    const out = new AttrStream();
    rt.formatAddressMessage({ kind: 'address', data: request.header, attrs: request.attrs }, out);
    const wire = Buffer.concat(out.bufs);
    expect(wire.includes(Buffer.from('eth0:vip\0'))).toBe(true);
    const back = rt.parseAddressMessage(wire);
    expect(back.data).toMatchObject(request.header);
    expect(back.attrs).toMatchObject(request.attrs);
  });
});

describe('alreadyDone', () => {
  it('takes EEXIST on add, EADDRNOTAVAIL and ENODEV on remove, as done', () => {
    expect(alreadyDone('add', 'EEXIST')).toBe(true);
    expect(alreadyDone('remove', 'EADDRNOTAVAIL')).toBe(true);
    expect(alreadyDone('remove', 'ENODEV')).toBe(true);
  });

  it('takes anything else as a failure', () => {
    expect(alreadyDone('add', 'ENODEV')).toBe(false);
    expect(alreadyDone('add', 'EPERM')).toBe(false);
    expect(alreadyDone('remove', 'EEXIST')).toBe(false);
    expect(alreadyDone('remove', 'no answer')).toBe(false);
  });
});
