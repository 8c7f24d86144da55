/**
 * The nftables ruleset keepalived 2.2.7 installs for instances without accept mode, computed from our
 * settings and compared with what keepalived put in the kernel (test/fixtures/nft/<config>/<moment>.json,
 * `nft -j list ruleset` recorded by tools/record-nft-fixtures.sh): at start (BACKUP), MASTER, BACKUP again
 * and after stop. Handles and counter values are the kernel's; set elements are a set (the kernel's hash
 * order is not ours to keep).
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/parse-text.js';
import { fakeHost } from '../config/fake-host.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { firewallAddresses, nftDefaultTableNotice, nftOptions, type NftOptions } from '../../../src/vrrp/firewall/options.js';
import { NFT_NOTHING, type NftState } from '../../../src/vrrp/firewall/state.js';
import { nftRuleset, type NftObject } from '../../../src/vrrp/firewall/ruleset.js';
import { nftCommands } from '../../../src/vrrp/firewall/commands.js';
import { NFT_CONFIGS, nftRecording, nftScenario } from './nft-fixtures.js';

type Json = unknown;

/** The recorded objects without metainfo, handles and counter values; set elements sorted. */
function normalise(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, Json>;
  if ('counter' in o && Object.keys(o).length === 1) return { counter: { packets: 0, bytes: 0 } };
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'handle') continue;
    out[k] = k === 'elem' && Array.isArray(v) ? v.map(normalise).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : normalise(v);
  }
  return out;
}

function recorded(config: string, moment: string): Json {
  const all = JSON.parse(nftRecording(config, moment, 'json')) as { nftables: Array<Record<string, Json>> };
  return normalise(all.nftables.filter((o) => !('metainfo' in o)));
}

const ours = (options: NftOptions, state: NftState): Json =>
  normalise(JSON.parse(JSON.stringify(nftRuleset(options, state))) as NftObject[]);

describe.each(NFT_CONFIGS)('%s.conf: the ruleset keepalived installs', (config) => {
  const { options, start, master, backup } = nftScenario(config);

  it('at start, in BACKUP: nothing, or the VMAC part', () => expect(ours(options, start)).toEqual(recorded(config, 'start')));
  it('as MASTER: the tables, chains, rules and every VIP', () => expect(ours(options, master)).toEqual(recorded(config, 'master')));
  it('back in BACKUP: the same tables, the sets empty', () => expect(ours(options, backup)).toEqual(recorded(config, 'backup')));
  it('after stop: nothing', () => expect(ours(options, NFT_NOTHING)).toEqual(recorded(config, 'stop')));
});

describe('which addresses and options', () => {
  it('names no table when every instance accepts and none is configured', () => {
    const parsed = parseConfigText('vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.99.0.9\n }\n}\n', fakeHost());
    expect(nftOptions(parsed.config.global, vrrpSettingsFromConfig(parsed.config).instances)).toBeUndefined();
  });

  it('adds nothing for the address owner', () => {
    const parsed = parseConfigText('global_defs {\n vrrp_strict\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n priority 255\n no_accept\n virtual_ipaddress {\n  10.99.0.9\n }\n}\n', fakeHost());
    const run = vrrpSettingsFromConfig(parsed.config);
    const options = nftOptions(parsed.config.global, run.instances);
    expect(options).toMatchObject({ table: 'keepalived', priority: -1 });
    expect(firewallAddresses(run.instances[0]!, options!)).toEqual([]);
  });
});

describe('the commands from one state to the next', () => {
  const { options, master, backup } = nftScenario('default');

  it('builds everything once, after clearing a table of the same name left behind', () => {
    const first = nftCommands(options, NFT_NOTHING, master);
    expect(first.slice(0, 4)).toEqual([
      { add: { table: { family: 'ip', name: 'keepalived' } } },
      { delete: { table: { family: 'ip', name: 'keepalived' } } },
      { add: { table: { family: 'ip6', name: 'keepalived' } } },
      { delete: { table: { family: 'ip6', name: 'keepalived' } } },
    ]);
    expect(first.filter((c) => 'add' in c && 'element' in c.add)).toHaveLength(3);
  });

  it('in BACKUP and back only takes the elements out and puts them in again', () => {
    const out = nftCommands(options, master, backup);
    expect(out.every((c) => 'delete' in c && 'element' in c.delete)).toBe(true);
    expect(out.map((c) => ('delete' in c ? c.delete.element!.name : ''))).toEqual(['vips', 'vips', 'vips_link_local']); // ip, ip6, ip6: nft_update_addresses' order
    expect(nftCommands(options, backup, master).every((c) => 'add' in c && 'element' in c.add)).toBe(true);
  });

  it('at stop deletes the tables it built, and nothing when it built none', () => {
    expect(nftCommands(options, backup, NFT_NOTHING)).toEqual([
      { delete: { table: { family: 'ip', name: 'keepalived' } } },
      { delete: { table: { family: 'ip6', name: 'keepalived' } } },
    ]);
    expect(nftCommands(options, NFT_NOTHING, NFT_NOTHING)).toEqual([]);
  });
});

describe("keepalived's line when it picks the nftables table itself", () => {
  const NOTICE = 'use_vmac or no_accept/strict specified, but no firewall configured - using nftables';
  const noticeOf = (global: string, instance: string): string | undefined => {
    const text = `global_defs {\n${global}\n}\nvrrp_instance A {\n interface eth0\n virtual_router_id 1\n${instance}\n virtual_ipaddress {\n  10.99.0.9\n }\n}\n`;
    const parsed = parseConfigText(text, fakeHost({ interfaces: ['lo', 'eth0'] }));
    return nftDefaultTableNotice(parsed.config.global, vrrpSettingsFromConfig(parsed.config).instances);
  };

  it.each([
    ['vrrp_strict', '', NOTICE],
    ['', ' no_accept', NOTICE],
    ['', ' use_vmac', NOTICE],
    ['', '', undefined],
    [' vrrp_strict', ' priority 255', undefined],
    [' vrrp_strict\n nftables', '', undefined],
    [' vrrp_strict\n vrrp_iptables', '', undefined],
  ])('global_defs {%s } instance {%s }: %s', (global, instance, expected) => expect(noticeOf(global, instance)).toBe(expected));
});
