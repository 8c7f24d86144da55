/** The recordings in test/fixtures/nft/ and what our firewall core makes of each configuration there. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfigText } from '../config/parse-text.js';
import { fakeHost } from '../config/fake-host.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { firewallAddresses, nftOptions, vmacElements, type FirewallAddress, type NftOptions } from '../../../src/vrrp/firewall/options.js';
import { NFT_NOTHING, nftAdd, nftAddVmacs, nftRemove, type NftState } from '../../../src/vrrp/firewall/state.js';

export const NFT_FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/nft');
export const NFT_CONFIGS = ['default', 'options', 'ifindex', 'vmac'] as const;

export interface NftScenario {
  readonly options: NftOptions;
  readonly addresses: readonly FirewallAddress[];
  /** At start, every instance BACKUP: nothing, or the VMACs' part. */
  readonly start: NftState;
  /** Every instance MASTER (all their addresses added), then every instance BACKUP again. */
  readonly master: NftState;
  readonly backup: NftState;
}

/** configs/<config>.conf read on a host with eth0, every instance's VMAC in, its addresses in the sets and out again. */
export function nftScenario(config: string): NftScenario {
  const text = fs.readFileSync(path.join(NFT_FIXTURES, 'configs', `${config}.conf`), 'utf8');
  const parsed = parseConfigText(text, fakeHost({ interfaces: ['lo', 'eth0'] }));
  const run = vrrpSettingsFromConfig(parsed.config);
  const options = nftOptions(parsed.config.global, run.instances);
  if (!options) throw new Error(`${config}: no firewall`);
  const addresses = run.instances.flatMap((i) => firewallAddresses(i, options));
  const start = nftAddVmacs(NFT_NOTHING, run.instances.flatMap((i) => vmacElements(i, parsed.config.global)));
  const master = nftAdd(start, addresses);
  return { options, addresses, start, master, backup: nftRemove(master, addresses) };
}

/** A recording: `<config>/<moment>.nft` (text) or `.json`. */
export const nftRecording = (config: string, moment: string, ext: 'nft' | 'json'): string =>
  fs.readFileSync(path.join(NFT_FIXTURES, config, `${moment}.${ext}`), 'utf8');
