import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { parseAddressEntry } from '../../../src/config/vrrp/address.js';
import { instance, parseText } from './vrrp-helpers.js';

const vip = (line: string) => parseText(instance().replace('  10.0.0.1\n', `  ${line}\n`));

describe('the address grammar', () => {
  it('tags keywords, flags and unknown words in order', () => {
    expect(parseAddressEntry(['10.0.0.1/24', 'dev', 'eth0', 'home', 'bogus', 'label', 'x'], 'vip')).toEqual({
      address: '10.0.0.1/24',
      options: [
        { kind: 'param', name: 'dev', value: 'eth0' },
        { kind: 'flag', name: 'home' },
        { kind: 'unknown', word: 'bogus' },
        { kind: 'param', name: 'label', value: 'x' },
      ],
    });
  });

  it('a value keyword takes the next word whatever it is, and reports a missing one only at the end', () => {
    expect(parseAddressEntry(['1.1.1.1', 'label', 'dev'], 'vip').options).toEqual([{ kind: 'param', name: 'label', value: 'dev' }]);
    expect(parseAddressEntry(['1.1.1.1', 'home', 'scope'], 'vip').options).toEqual([{ kind: 'flag', name: 'home' }, { kind: 'missing', name: 'scope' }]);
  });

  it('use_vmac is for virtual addresses, track_group for static ones', () => {
    expect(parseAddressEntry(['1.1.1.1', 'use_vmac'], 'vip').options).toEqual([{ kind: 'flag', name: 'use_vmac' }]);
    expect(parseAddressEntry(['1.1.1.1', 'use_vmac'], 'staticAddress').options).toEqual([{ kind: 'unknown', word: 'use_vmac' }]);
    expect(parseAddressEntry(['1.1.1.1', 'track_group', 'G'], 'vip').options).toEqual([
      { kind: 'unknown', word: 'track_group' },
      { kind: 'unknown', word: 'G' },
    ]);
    expect(parseAddressEntry(['1.1.1.1', 'track_group', 'G'], 'staticAddress').options).toEqual([{ kind: 'param', name: 'track_group', value: 'G' }]);
  });

  it('keeps words with spaces (quoted) whole', () => {
    expect(parseAddressEntry(['1.1.1.1', 'label', 'a b'], 'vip').options).toEqual([{ kind: 'param', name: 'label', value: 'a b' }]);
  });
});

describe('virtual_ipaddress entries', () => {
  it('reads every option into the model', () => {
    const r = vip('10.0.0.1/24 brd + dev eth1 scope link label eth1:1 no_track preferred_lft 30 noprefixroute');
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.vips[0]).toMatchObject({
      address: '10.0.0.1',
      prefixLen: 24,
      broadcast: '10.0.0.255',
      dev: 'eth1',
      scope: 253,
      label: 'eth1:1',
      noTrack: true,
      preferredLft: 30,
      noprefixroute: true,
    });
  });

  const errors: [string, string][] = [
    ['10.0.0.300', 'VRRP parsed invalid IP 10.0.0.300. skipping IP...'],
    ['10.0.0.1/33', 'Invalid address prefix len 33 for address 10.0.0.1/33 - using 32'],
    ['10.0.0.1 dev eth9', "WARNING - interface eth9 for ip address 10.0.0.1 doesn't exist"],
    ['10.0.0.1 scope nowhere-near', "Invalid scope 'nowhere-near' specified for 10.0.0.1 - ignoring"],
    ['10.0.0.1 brd 1.2.3', 'VRRP is trying to assign invalid broadcast 1.2.3. skipping VIP...'],
    ['10.0.0.1 label abcdefghijklmnopq', 'Address label abcdefghijklmnopq is longer than maximum length 15 - removing address'],
    ['10.0.0.1 frobnicate', "Unknown configuration entry 'frobnicate' for ip address - ignoring"],
    ['10.0.0.1 dev', 'No dev parameter specified for 10.0.0.1'],
    ['10.0.0.1 brd +', 'Address prefix length 32 too long for broadcast'],
    ['10.0.0.1/24 peer 10.0.0.2', 'Cannot specify address prefix when specifying peer address - ignoring'],
    ['10.0.0.1 preferred_lft soon', 'preferred_lft soon is invalid'],
    ['fe80::1 dev eth0 dev eth1', 'Cannot specify ipaddress device more than once for fe80::1'],
  ];
  for (const [line, message] of errors) {
    it(message, () => expect(vip(line).messages).toContain(message));
  }

  it('refuses broadcast and scope/label on IPv6', () => {
    const text = 'vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1 label x\n  fe80::2 brd +\n }\n}\n';
    expect(parseText(text).messages).toEqual([
      'Cannot specify label for IPv6 addresses (fe80::1) - ignoring label',
      'VRRP is trying to assign a broadcast brd to the IPv6 address fe80::2 !!?? WTF... skipping VIP...',
    ]);
  });

  it('keeps the instance family: a second family is ignored', () => {
    const r = vip('10.0.0.1\n  fe80::1');
    expect(r.messages).toEqual(['(VI_1): address family must match VRRP instance [fe80::1] - ignoring']);
  });

  it('parses 10,000 VIP lines quickly', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `  10.${(i >> 8) & 255}.${i & 255}.1/32 dev eth1 label eth1:${i % 100}`).join('\n');
    const text = `vrrp_instance BIG {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress_excluded {\n${lines}\n }\n virtual_ipaddress {\n  10.255.0.1\n }\n}\n`;
    const t0 = performance.now();
    const r = parseText(text);
    const ms = performance.now() - t0;
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.evips).toHaveLength(10_000);
    // Generous bound (a regression would be orders of magnitude): 4 passes over the file.
    expect(ms).toBeLessThan(10_000);
  });
});
