/**
 * The checker's nftables_ipvs batches are ones nft takes, and the kernel then shows exactly what keepalived
 * 2.2.7 installed (test/fixtures/nft-ipvs/<conf>/<phase>.nft, recorded in the VM by test/vm/nft-ipvs.test.ts):
 * in a fresh namespace, batch by batch as IpvsSync sends them: start, for basic.conf a reload to
 * reloaded.conf, and stop. Counters are compared too (nothing is sent there). The daemon applying them beside keepalived: test/vm/nft-ipvs.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignFwmarks, EMPTY_IPVS_NFT, ipvsNftState, ipvsNftSteps, type AutoFwmarks, type IpvsNftOptions, type IpvsNftState } from '../../src/check/nft-ipvs.js';
import type { NftCommand } from '../../src/base/nft-json.js';
import type { IpvsNftStep } from '../../src/check/nft-ipvs.js';
import { parseConfig, type Config } from '../../src/config/parse.js';
import { fakeSystem } from '../unit/config/check-helpers.js';
import { tempDir } from '../tmp.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const run = requireNetnsOrSkip();
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/nft-ipvs');

function load(name: string): Config {
  return parseConfig(path.join(FIXTURES, 'configs', `${name}.conf`), { system: fakeSystem(), testMode: true, randomSeed: 1 }).config;
}

function optionsOf(config: Config): IpvsNftOptions {
  const g = config.global;
  return { table: g.ipvsNftablesTable ?? '', priority: g.ipvsNftablesPriority, startFwmark: g.ipvsNftablesStartFwmark, counters: g.nftablesCounters };
}

describe.skipIf(!run)('the nftables_ipvs batches applied by nft', () => {
  let ns: Netns;
  const dir = run ? tempDir('nft-ipvs-plan') : '';
  beforeEach(() => {
    ns = new Netns('nftipvs');
  });
  afterEach(() => ns?.delete());

  /** Each step one `nft -j -f` run, as the checker sends them. */
  const apply = (name: string, steps: readonly IpvsNftStep[]): void => {
    for (const [i, step] of steps.entries()) {
      const file = path.join(dir, `${name}-${i}.json`);
      fs.writeFileSync(file, JSON.stringify({ nftables: step.commands satisfies readonly NftCommand[] }));
      const applied = ns.run('nft', ['-j', '-f', file]);
      expect(applied.stderr).toBe('');
      expect(applied.status).toBe(0);
    }
  };
  const recorded = (conf: string, phase: string): string => fs.readFileSync(path.join(FIXTURES, conf, `${phase}.nft`), 'utf8');

  it.each([
    ['basic', ['basic', 'reloaded']],
    ['options', ['options']],
    ['counters', ['counters']],
  ] as const)('%s: start, reloads, stop as keepalived left the table each time', (conf, steps) => {
    const options = optionsOf(load(conf));
    let marks: AutoFwmarks | undefined;
    let state: IpvsNftState = EMPTY_IPVS_NFT;
    for (const [i, name] of steps.entries()) {
      const check = load(name).check;
      marks = assignFwmarks(check, options, marks);
      const next = ipvsNftState(check, marks, state);
      apply(`${conf}-${i}`, ipvsNftSteps(options, state, next));
      state = next;
      const phase = i === 0 ? 'running' : 'reloaded';
      expect(ns.run('nft', ['list', 'ruleset']).stdout, `${conf} ${phase}`).toBe(recorded(conf, phase));
    }
    apply(`${conf}-stop`, ipvsNftSteps(options, state, null));
    expect(ns.run('nft', ['list', 'ruleset']).stdout, `${conf} stopped`).toBe(recorded(conf, 'stopped'));
  });
});
