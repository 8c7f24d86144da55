/**
 * The firewall core's ruleset is one nft can install and the kernel then shows exactly as keepalived's:
 * for each recorded configuration (test/fixtures/nft/), the plan for every instance MASTER and for every
 * instance BACKUP again, given to `nft -j -f` as `add` commands in a fresh namespace with eth0, listed back
 * by `nft list ruleset` and compared with what keepalived 2.2.7 installed (counter values aside).
 * Not yet the daemon: applying and removing the rules from the VRRP process is the next step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nftRuleset } from '../../src/vrrp/firewall/ruleset.js';
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

  const cases = NFT_CONFIGS.flatMap((config) => (['master', 'backup'] as const).map((moment) => [config, moment] as const));
  it.each(cases)('%s.conf, %s: nft list ruleset shows what keepalived installed', (config, moment) => {
    const scenario = nftScenario(config);
    const file = path.join(dir, `${config}-${moment}.json`);
    fs.writeFileSync(file, JSON.stringify({ nftables: nftRuleset(scenario.options, scenario[moment]).map((o) => ({ add: o })) }));
    const applied = ns.run('nft', ['-j', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const listed = ns.run('nft', ['list', 'ruleset']);
    expect(withoutCounts(listed.stdout)).toBe(withoutCounts(nftRecording(config, moment, 'nft')));
  });
});
