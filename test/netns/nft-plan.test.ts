/**
 * The firewall core's ruleset is one nft can install and the kernel then shows exactly as keepalived's:
 * for each recorded configuration (test/fixtures/nft/), the plan for every instance MASTER and for every
 * instance BACKUP again, given to `nft -j -f` as `add` commands in a fresh namespace with eth0, listed back
 * by `nft list ruleset` and compared with what keepalived 2.2.7 installed (counter values aside).
 * Then the same step by step, as the daemon does: the commands from each state to the next (a stale table
 * of the same name left behind first), the listing after each step equal to keepalived's at that moment.
 * The daemon applying them beside keepalived: strict-firewall.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nftCommands, type NftCommand } from '../../src/vrrp/firewall/commands.js';
import { nftRuleset } from '../../src/vrrp/firewall/ruleset.js';
import { NFT_NOTHING, type NftState } from '../../src/vrrp/firewall/state.js';
import { tempDir } from '../tmp.js';
import { NFT_CONFIGS, nftRecording, nftScenario } from '../unit/vrrp/nft-fixtures.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const run = requireNetnsOrSkip();
const withoutCounts = (text: string): string => text.replace(/counter packets \d+ bytes \d+/g, 'counter');

describe.skipIf(!run)('the nftables plan applied by nft', () => {
  let ns: Netns;
  const dir = run ? tempDir('nft-plan') : '';
  beforeEach(() => {
    ns = new Netns('nft');
    ns.addVeths(['eth0']);
  });
  afterEach(() => ns?.delete());

  /** The VMACs the configuration's maps name: nft resolves them to their index. */
  const addVmacs = (scenario: ReturnType<typeof nftScenario>): void => {
    for (const vmac of new Set(scenario.start.vmacs.map((v) => v.vmac))) ns.ip('link', 'add', vmac, 'link', 'eth0', 'type', 'macvlan', 'mode', 'private');
  };

  const apply = (name: string, commands: readonly NftCommand[] | readonly { add: unknown }[]): void => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ nftables: commands }));
    const applied = ns.run('nft', ['-j', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
  };

  it.each(NFT_CONFIGS)('%s.conf step by step: start, MASTER, BACKUP, MASTER again, stop', (config) => {
    const scenario = nftScenario(config);
    addVmacs(scenario);
    const { table } = scenario.options;
    apply(`${config}-stale`, [{ add: { table: { family: 'ip', name: table } } }, { add: { chain: { family: 'ip', table, name: 'stale' } } }]);
    const steps: ReadonlyArray<readonly [string, NftState]> = [
      // without a VMAC keepalived builds nothing at start: the stale table stays until the first MASTER
      ...(scenario.start === NFT_NOTHING ? [] : [['start', scenario.start] as const]),
      ['master', scenario.master],
      ['backup', scenario.backup],
      ['master', scenario.master],
      ['stop', NFT_NOTHING],
    ];
    let state = NFT_NOTHING;
    for (const [i, [moment, next]] of steps.entries()) {
      apply(`${config}-step${i}`, nftCommands(scenario.options, state, next));
      state = next;
      expect(withoutCounts(ns.run('nft', ['list', 'ruleset']).stdout), `${config} step ${i} (${moment})`).toBe(withoutCounts(nftRecording(config, moment, 'nft')));
    }
  });

  const cases = NFT_CONFIGS.flatMap((config) => (['start', 'master', 'backup'] as const).map((moment) => [config, moment] as const));
  it.each(cases)('%s.conf, %s: nft list ruleset shows what keepalived installed', (config, moment) => {
    const scenario = nftScenario(config);
    addVmacs(scenario);
    apply(`${config}-${moment}`, nftRuleset(scenario.options, scenario[moment]).map((o) => ({ add: o })));
    const listed = ns.run('nft', ['list', 'ruleset']);
    expect(withoutCounts(listed.stdout)).toBe(withoutCounts(nftRecording(config, moment, 'nft')));
  });
});
