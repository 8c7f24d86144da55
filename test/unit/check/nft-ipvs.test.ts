/**
 * nftables_ipvs (check_nftables.c): which groups get an automatic fwmark and which number, the IPVS fwmark
 * services that replace their per-address services, the nft batches from one table state to the next, and
 * IpvsSync driving a fake nft port at start, reload and stop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredTable, startCheckers } from '../../../src/check/desired.js';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import {
  assignFwmarks,
  EMPTY_IPVS_NFT,
  groupProtocol,
  ipvsNftRuleset,
  ipvsNftState,
  ipvsNftSteps,
  type AutoFwmarks,
  type IpvsNftOptions,
} from '../../../src/check/nft-ipvs.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import type { NftCommand } from '../../../src/base/nft-json.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { renderIpvsadm } from '../../../lab/ipvsadm.js';
import { fakeSystem } from '../config/check-helpers.js';
import { tableOf } from '../ipvs/vectors.js';

const CONFIGS = path.resolve(import.meta.dirname, '../../fixtures/nft-ipvs/configs');
const OPTIONS: IpvsNftOptions = { table: 'keepalived_ipvs', priority: -1, startFwmark: 1000, counters: false };

function load(name: string): CheckConfig {
  const r = parseConfig(path.join(CONFIGS, name), { system: fakeSystem(), testMode: true, randomSeed: 1 });
  return r.config.check;
}

describe('automatic fwmarks', () => {
  it('one per group and protocol in configuration order from the start fwmark; not for a group with a fwmark entry', () => {
    const marks = assignFwmarks(load('basic.conf'), OPTIONS, undefined);
    expect([...marks.marks]).toEqual([
      [groupProtocol('web', 'tcp'), 1000],
      [groupProtocol('dns', 'udp'), 1001],
      [groupProtocol('dns', 'tcp'), 1002],
      [groupProtocol('web6', 'tcp'), 1003],
    ]);
    expect(marks.next).toBe(1004);
    expect(assignFwmarks(load('basic.conf'), { ...OPTIONS, startFwmark: 3000 }, undefined).marks.get(groupProtocol('web', 'tcp'))).toBe(3000);
  });

  it('a reload keeps the marks of groups still served; a new group takes the next, a dropped mark is not handed out again', () => {
    const before = assignFwmarks(load('basic.conf'), OPTIONS, undefined);
    const after = assignFwmarks(load('reloaded.conf'), OPTIONS, before);
    expect([...after.marks]).toEqual([
      [groupProtocol('web', 'tcp'), 1000],
      [groupProtocol('dns', 'udp'), 1001],
      [groupProtocol('web6', 'tcp'), 1003],
      [groupProtocol('sctp', 'sctp'), 1004],
    ]);
  });
});

describe('IPVS services', () => {
  it('a marked group is one fwmark service in its family; a group with a fwmark entry keeps its own services', () => {
    const config = load('basic.conf');
    const table = desiredTable(config, startCheckers(config).state, assignFwmarks(config, OPTIONS, undefined));
    expect(renderIpvsadm(table)).toBe(
      [
        '-A -t 10.99.0.60:80 -s rr',
        '-a -t 10.99.0.60:80 -r 10.99.0.2:80 -g -w 1',
        '-A -f 7 -s rr',
        '-a -f 7 -r 10.99.0.2:0 -g -w 1',
        '-A -f 1000 -s rr',
        '-a -f 1000 -r 10.99.0.2:0 -g -w 1',
        '-A -f 1001 -s wlc',
        '-a -f 1001 -r 10.99.0.2:5353 -m -w 2',
        '-A -f 1002 -s wlc',
        '-a -f 1002 -r 10.99.0.2:5353 -m -w 3',
        '-A -f 1003 -6 -s rr',
        '-a -f 1003 -6 -r [fd99::2]:0 -g -w 1',
        '',
      ].join('\n'),
    );
  });
});

/** Each batch as `verb kind family name` lines, joined by ', '. */
const batches = (steps: readonly { commands: readonly NftCommand[] }[]): string[] => steps.map((s) => kinds(s.commands).join(', '));

const kinds = (commands: readonly NftCommand[]): string[] =>
  commands.map((c) => {
    const [verb, o] = 'add' in c ? ['add', c.add] : ['delete', c.delete];
    const [kind, body] = Object.entries(o)[0]!;
    return `${verb} ${kind} ${String(body['family'])} ${String(body['name'] ?? body['chain'])}`;
  });

describe('nft batches', () => {
  const basic = load('basic.conf');
  const marks = assignFwmarks(basic, OPTIONS, undefined);
  const state = ipvsNftState(basic, marks, EMPTY_IPVS_NFT);

  it('start: one batch per element, the first of a family and protocol with the table, map, chain and rule it needs', () => {
    expect(batches(ipvsNftSteps(OPTIONS, EMPTY_IPVS_NFT, state))).toEqual([
      'add table ip keepalived_ipvs, add map ip tcp_map, add chain ip in, add rule ip in, add element ip tcp_map',
      'add element ip tcp_map',
      'add element ip tcp_map',
      'add map ip udp_map, add rule ip in, add element ip udp_map',
      'add element ip tcp_map',
      'add table ip6 keepalived_ipvs, add map ip6 tcp_map, add chain ip6 in, add rule ip6 in, add element ip6 tcp_map',
      'add element ip6 tcp_map',
    ]);
    expect(ipvsNftSteps(OPTIONS, EMPTY_IPVS_NFT, state).at(-1)!.state).toEqual(state);
    const chain = ipvsNftRuleset({ ...OPTIONS, priority: -150 }, state).find((o) => o['chain'])!;
    expect(chain).toEqual({ chain: { family: 'ip', table: 'keepalived_ipvs', name: 'in', type: 'filter', hook: 'input', prio: -150, policy: 'accept' } });
    // nftables_counters: a counter for each element of every map
    const maps = (counters: boolean): unknown[] => ipvsNftRuleset({ ...OPTIONS, counters }, state).flatMap((o) => (o['map'] ? [o['map']['stmt']] : []));
    expect(maps(true)).toEqual([[{ counter: null }], [{ counter: null }], [{ counter: null }]]);
    expect(maps(false)).toEqual([undefined, undefined, undefined]);
  });

  it('reload: removed elements go first, a new protocol adds its map and rule, then the new elements', () => {
    const reloaded = load('reloaded.conf');
    const after = ipvsNftState(reloaded, assignFwmarks(reloaded, OPTIONS, marks), state);
    const steps = ipvsNftSteps(OPTIONS, state, after);
    expect(batches(steps)).toEqual([
      'delete element ip tcp_map',
      'delete element ip tcp_map',
      'add element ip tcp_map',
      'add map ip sctp_map, add rule ip in, add element ip sctp_map',
    ]);
    expect(steps[0]!.commands).toEqual([{ delete: { element: { family: 'ip', table: 'keepalived_ipvs', name: 'tcp_map', elem: [[{ concat: ['10.99.0.30', 8080] }, 1000]] } } }]);
    expect(steps.at(-1)!.commands.at(-1)).toEqual({
      add: { element: { family: 'ip', table: 'keepalived_ipvs', name: 'sctp_map', elem: [[{ concat: [{ range: ['10.99.0.70', '10.99.0.71'] }, 9000] }, 1004]] } },
    });
    // the same elements, in the order they went in
    const last = steps.at(-1)!.state;
    expect(last.maps).toEqual(after.maps);
    expect(new Set(last.elements.map((e) => JSON.stringify(e)))).toEqual(new Set(after.elements.map((e) => JSON.stringify(e))));
    // the udp map stays though nothing else changed in it; the maps once made stay until the table goes
    expect(after.maps).toEqual(['ip tcp', 'ip udp', 'ip6 tcp', 'ip sctp']);
  });

  it('stop: each family table deleted', () => {
    expect(ipvsNftSteps(OPTIONS, state, null)).toEqual([
      {
        commands: [{ delete: { table: { family: 'ip', name: 'keepalived_ipvs' } } }, { delete: { table: { family: 'ip6', name: 'keepalived_ipvs' } } }],
        state: EMPTY_IPVS_NFT,
      },
    ]);
    expect(ipvsNftSteps(OPTIONS, EMPTY_IPVS_NFT, null)).toEqual([]);
  });
});

describe('IpvsSync with nftables_ipvs', () => {
  function synced(config: CheckConfig, failNft = false) {
    const { port, kernel } = fakeIpvsPort({ table: [] });
    const { log, lines } = fakeLogger();
    const batches: NftCommand[][] = [];
    const nft = {
      options: OPTIONS,
      apply: (commands: readonly NftCommand[]): Promise<void> => {
        batches.push([...commands]);
        return failNft ? Promise.reject(new Error('nftables: batch failed')) : Promise.resolve();
      },
    };
    const sync = new IpvsSync(config, { ipvs: port, clock: new FakeClock(), log, notify: () => undefined, fifo: () => undefined, nft });
    return { sync, kernel, lines, batches };
  }

  it('start programs the table and the fwmark services; reload keeps the marks; stop deletes the tables after the services', async () => {
    const s = synced(load('basic.conf'));
    await s.sync.start();
    expect(s.batches).toHaveLength(7);
    expect(renderIpvsadm(s.kernel.table())).toContain('-A -f 1003 -6 -s rr');
    await s.sync.reload(load('reloaded.conf'));
    expect(s.batches).toHaveLength(11);
    expect(kinds(s.batches[10]!)).toContain('add map ip sctp_map');
    expect(renderIpvsadm(s.kernel.table())).toContain('-A -f 1004 -s rr');
    expect(renderIpvsadm(s.kernel.table())).not.toContain('-f 1002');
    await s.sync.stop(false);
    expect(s.kernel.table()).toEqual([]);
    expect(kinds(s.batches.at(-1)!)).toEqual(['delete table ip keepalived_ipvs', 'delete table ip6 keepalived_ipvs']);
  });

  it('-I (keep): the table stays as the services do', async () => {
    const s = synced(load('basic.conf'));
    await s.sync.start();
    await s.sync.stop(true);
    expect(s.batches).toHaveLength(7);
  });

  it('a refused batch is logged with nft’s words, the rest wait, and it is sent again at the next pass', async () => {
    const s = synced(load('basic.conf'), true);
    await s.sync.start();
    expect(s.lines.join('\n')).toContain('nftables_ipvs: nftables: batch failed');
    await s.sync.reload(load('basic.conf'));
    expect(s.batches).toHaveLength(2);
    expect(s.batches[1]).toEqual(s.batches[0]);
  });
});

describe("beside keepalived's recordings (test/fixtures/nft-ipvs/, recorded by test/vm/nft-ipvs.test.ts)", () => {
  const recorded = (conf: string, phase: string): string => renderIpvsadm(tableOf(fs.readFileSync(path.join(CONFIGS, '..', conf, `${phase}.ipvsadm`), 'utf8')));
  const optionsOf = (name: string): IpvsNftOptions => {
    const g = parseConfig(path.join(CONFIGS, `${name}.conf`), { system: fakeSystem(), testMode: true, randomSeed: 1 }).config.global;
    return { table: g.ipvsNftablesTable ?? '', priority: g.ipvsNftablesPriority, startFwmark: g.ipvsNftablesStartFwmark, counters: g.nftablesCounters };
  };

  it.each([
    ['basic', ['basic', 'reloaded']],
    ['options', ['options']],
    ['counters', ['counters']],
  ] as const)('%s: the IPVS table at start and after each reload is the one keepalived programmed', (conf, steps) => {
    const options = optionsOf(conf);
    let marks: AutoFwmarks | undefined;
    for (const [i, name] of steps.entries()) {
      const config = load(`${name}.conf`);
      marks = assignFwmarks(config, options, marks);
      expect(renderIpvsadm(desiredTable(config, startCheckers(config).state, marks)), `${conf} step ${i}`).toBe(recorded(conf, i === 0 ? 'running' : 'reloaded'));
    }
    expect(recorded(conf, 'stopped')).toBe('');
  });
});
