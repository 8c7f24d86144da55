/**
 * The runner's nftables drop rules (keepalived's vrrp_handle_accept_mode, firewall_fini) on the simulated LAN
 * with the fake firewall: nothing at start, the elements in before the VIPs at MASTER and out after them on
 * leaving it, the tables deleted at stop, a table left behind deleted (and said) with the first build, and at
 * a reload the elements of a MASTER that starts or stops accepting its VIPs' traffic; a VMAC in its map at
 * start, before any VIP, and out and back in when it goes and is made again.
 */
import { describe, expect, it } from 'vitest';
import { parseText } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig, type VrrpRunSettings } from '../../../src/vrrp/settings/from-config.js';
import { fakeFirewall, type FakeFirewall } from '../../../lab/fakes/firewall.js';
import { Lan, Node } from './runner-world.js';

const S = 1_000_000;

function settings(priority: number, extra: string, global = ''): VrrpRunSettings {
  const text = `global_defs {\n${global}\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n advert_int 1\n${extra}\n virtual_ipaddress {\n  10.0.0.100/24\n }\n virtual_ipaddress_excluded {\n  fd00::100/64\n }\n}\n`;
  const parsed = parseText(text);
  expect(parsed.exitCode).toBe(0);
  return vrrpSettingsFromConfig(parsed.result.config);
}

/** Lets the queued kernel work (fake batches, fake address changes) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** `links`: VMACs the node has, just created by this start. */
function alone(run: VrrpRunSettings, fw: FakeFirewall = fakeFirewall(), links: readonly string[] = []): { lan: Lan; n: Node; fw: FakeFirewall } {
  const lan = new Lan();
  const n = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', run, fw.port);
  for (const link of links) n.links.add(link);
  n.runner.start({ newLinks: new Set(links) });
  return { lan, n, fw };
}

describe('VrrpRunner with the nftables firewall', () => {
  it('installs nothing at start; at MASTER the elements go in before the VIPs; in BACKUP out after them; at stop the tables go', async () => {
    const { lan, n, fw } = alone(settings(100, ' no_accept'));
    await settle();
    expect(fw.batches).toEqual([]);
    expect(n.vipOps).toEqual(['remove 10.0.0.100', 'remove fd00::100']);
    n.vipOps.length = 0;

    lan.clock.advance(5 * S);
    await settle();
    expect(n.state()).toBe('MASTER');
    expect(n.vipOps).toEqual(['nft -table ip -table ip6 +10.0.0.100 +fd00::100', 'add 10.0.0.100', 'add fd00::100']);
    expect([...fw.tables]).toEqual(['ip keepalived', 'ip6 keepalived']);
    expect(n.lines).toContain('(VI_1) setting firewall drop rule');
    // the gratuitous ARPs once the VIPs are up
    expect(n.announced.map((a) => a.address)).toEqual(['10.0.0.100', 'fd00::100']);

    // a stronger peer: BACKUP
    const peer = new Node(lan, 'n2', '10.0.0.2', 'fe80::2', settings(200, ' no_accept'));
    n.vipOps.length = 0;
    peer.runner.start();
    lan.clock.advance(5 * S);
    await settle();
    expect(n.state()).toBe('BACKUP');
    expect(n.vipOps).toEqual(['remove 10.0.0.100', 'remove fd00::100', 'nft -10.0.0.100 -fd00::100']);
    expect(n.lines).toContain('(VI_1) removing firewall drop rule');

    n.vipOps.length = 0;
    await n.runner.stop();
    expect(n.vipOps).toEqual(['nft -table ip -table ip6']);
    expect(fw.tables.size).toBe(0);
    await peer.runner.stop();
  });

  it('deletes a table of the same name left behind when it builds its own, and says so', async () => {
    const { lan, n, fw } = alone(settings(100, ' no_accept'), fakeFirewall([{ family: 'ip', name: 'keepalived' }, { family: 'inet', name: 'other' }]));
    await settle();
    expect([...fw.tables]).toEqual(['ip keepalived', 'inet other']);
    lan.clock.advance(5 * S);
    await settle();
    expect(n.lines).toContain('Deleting old ip keepalived table');
    expect(n.lines).not.toContain('Deleting old ip6 keepalived table');
    expect(fw.batches).toHaveLength(1);
    await n.runner.stop();
    expect([...fw.tables]).toEqual(['inet other']);
  });

  it('installs nothing for an instance that accepts, nor for the address owner', async () => {
    for (const [priority, extra, global] of [
      [100, '', ''],
      [255, '', ' vrrp_strict'],
    ] as const) {
      const { lan, n, fw } = alone(settings(priority, extra, global));
      lan.clock.advance(5 * S);
      await settle();
      expect(n.state()).toBe('MASTER');
      expect(n.vips.size).toBe(2);
      await n.runner.stop();
      expect(fw.batches).toEqual([]);
      expect(n.lines.filter((l) => l.includes('firewall'))).toEqual([]);
    }
  });

  it('uses the configured table and priority under vrrp_strict', async () => {
    const { lan, fw } = alone(settings(100, '', ' vrrp_strict\n nftables kts\n nftables_priority -5'));
    lan.clock.advance(5 * S);
    await settle();
    expect([...fw.tables]).toEqual(['ip kts', 'ip6 kts']);
    const chains = fw.batches[0]!.flatMap((c) => ('add' in c && c.add['chain'] ? [c.add['chain']] : []));
    expect(chains).toContainEqual({ family: 'ip', table: 'kts', name: 'in', type: 'filter', hook: 'input', prio: -5, policy: 'accept' });
  });

  it('a refused batch is logged and the VIPs still go on, as keepalived goes on', async () => {
    const { lan, n, fw } = alone(settings(100, ' no_accept'));
    fw.failNext = 'nftables: batch failed: Operation not permitted';
    lan.clock.advance(5 * S);
    await settle();
    expect(n.lines).toContain('nftables: batch failed: Operation not permitted');
    expect([...n.vips]).toEqual(['10.0.0.100', 'fd00::100']);
    expect(fw.tables.size).toBe(0);
    await n.runner.stop();
    expect(fw.batches).toHaveLength(1);
  });

  it('at a reload, a MASTER that starts accepting takes its elements out, and puts them back when it stops', async () => {
    const { lan, n, fw } = alone(settings(100, ' no_accept'));
    lan.clock.advance(5 * S);
    await settle();
    n.vipOps.length = 0;
    n.reload(settings(100, ' accept'));
    lan.clock.advance(1 * S);
    await settle();
    expect(n.vipOps).toEqual(['nft -10.0.0.100 -fd00::100']);
    n.vipOps.length = 0;
    n.reload(settings(100, ' no_accept'));
    lan.clock.advance(1 * S);
    await settle();
    expect(n.vipOps).toEqual(['nft +10.0.0.100 +fd00::100']);
    expect(n.state()).toBe('MASTER');
    expect([...n.vips]).toEqual(['10.0.0.100', 'fd00::100']);
    await n.runner.stop();
    expect(fw.tables.size).toBe(0);
  });

  it('at a reload, an eVIP dropped leaves the set after the address, a VIP added enters before it', async () => {
    const { lan, n } = alone(settings(100, ' no_accept'));
    lan.clock.advance(5 * S);
    await settle();
    n.vipOps.length = 0;
    n.lines.length = 0;
    const text = `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n advert_int 1\n no_accept\n virtual_ipaddress {\n  10.0.0.100/24\n  10.0.0.101/24\n }\n}\n`;
    n.reload(vrrpSettingsFromConfig(parseText(text).result.config));
    lan.clock.advance(1 * S);
    await settle();
    expect(n.vipOps).toEqual(['remove fd00::100', 'nft -fd00::100', 'nft +10.0.0.101', 'add 10.0.0.101']);
    // restore_vrrp_state's one line for the MASTER that drops
    expect(n.lines.filter((l) => l.includes('firewall'))).toEqual(['(VI_1) setting firewall drop rule']);
    await n.runner.stop();
  });

  it('puts a VMAC in the firewall at start (the eVIP of the other family: in both families\' maps), then the VIPs at MASTER', async () => {
    const { lan, n, fw } = alone(settings(100, ' use_vmac', ' vrrp_strict'), fakeFirewall(), ['vrrp.51']);
    await settle();
    expect(n.vipOps.filter((o) => o.startsWith('nft'))).toEqual(['nft -table ip -table ip6 +["vrrp.51","eth0"] +["vrrp.51","eth0"] +vrrp.51']);
    expect([...fw.tables]).toEqual(['ip keepalived', 'ip6 keepalived']);
    n.vipOps.length = 0;
    lan.clock.advance(5 * S);
    await settle();
    expect(n.vipOps).toEqual(['nft +10.0.0.100 +fd00::100', 'add 10.0.0.100', 'add fd00::100']);
    await n.runner.stop();
    expect(fw.tables.size).toBe(0);
  });

  it('takes a VMAC that went out of the maps by the index it had, and puts it back by name once made again', async () => {
    const { n, fw } = alone(settings(100, ' use_vmac', ' vrrp_strict'), fakeFirewall(), ['vrrp.51']);
    await settle();
    n.vipOps.length = 0;
    n.runner.vmacGone('vrrp.51', 7);
    n.runner.vmacGone('vrrp.51', 7);
    await settle();
    expect(n.vipOps).toEqual(['nft -7 -7 -7']);
    n.runner.vmacMade('vrrp.51');
    await settle();
    expect(n.vipOps).toEqual(['nft -7 -7 -7', 'nft +["vrrp.51","eth0"] +["vrrp.51","eth0"] +vrrp.51']);
    expect(fw.batches.at(-2)).toEqual([
      { delete: { element: { family: 'ip', table: 'keepalived', name: 'vmac_map', elem: [7] } } },
      { delete: { element: { family: 'ip6', table: 'keepalived', name: 'vmac_map', elem: [7] } } },
      { delete: { element: { family: 'ip6', table: 'keepalived', name: 'vmac_set', elem: [7] } } },
    ]);
    await n.runner.stop();
    expect(fw.tables.size).toBe(0);
  });

  it('leaves out an IPv4 VMAC under disable_local_igmp, and a VMAC found from a previous run (not created now)', async () => {
    for (const [global, created] of [
      [' disable_local_igmp', true],
      ['', false],
    ] as const) {
      const text = `global_defs {\n${global}\n}\nvrrp_instance VI_1 {\n interface eth0\n use_vmac\n virtual_router_id 51\n priority 100\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\n`;
      const lan = new Lan();
      const fw = fakeFirewall();
      const n = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', vrrpSettingsFromConfig(parseText(text).result.config), fw.port);
      n.links.add('vrrp.51');
      n.runner.start(created ? { newLinks: new Set(['vrrp.51']) } : {});
      await settle();
      expect(fw.batches).toEqual([]);
      await n.runner.stop();
    }
  });

  it('clears nothing at start on a VMAC it has just created (keepalived: its interface did not exist), and says nothing', async () => {
    for (const fresh of [true, false]) {
      const lan = new Lan();
      const n = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', settings(100, ' use_vmac', ' vrrp_strict'), fakeFirewall().port);
      n.links.add('vrrp.51');
      n.runner.start(fresh ? { newLinks: new Set(['vrrp.51']) } : {});
      await settle();
      const startup = ['(VI_1) removing VIPs.', '(VI_1) removing firewall drop rule'];
      expect(n.lines.filter((l) => startup.includes(l))).toEqual(fresh ? [] : startup);
      expect(n.vipOps.filter((o) => o.startsWith('remove'))).toEqual(fresh ? [] : ['remove 10.0.0.100', 'remove fd00::100']);
      await n.runner.stop();
    }
  });
});
