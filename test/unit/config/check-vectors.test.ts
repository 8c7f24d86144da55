/**
 * The IPVS vectors (test/fixtures/ipvs/*): configurations keepalived
 * 2.2.7 programmed into a real kernel, with the resulting `ipvsadm -Sn`.
 * Each must parse cleanly, and the model must carry everything that table
 * is made of: the checker's desired table, built from the model alone with
 * every real server healthy, is that table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyHealth, desiredTable, realServerId, startCheckers } from '../../../src/check/desired.js';
import { parseConfig } from '../../../src/config/parse.js';
import { renderIpvsadm } from '../../../lab/ipvsadm.js';
import type { Table } from '../../../src/ipvs/table.js';
import { IPVS_VECTORS as VECTORS, ipvsCases, tableOf } from '../ipvs/vectors.js';
import { fakeSystem } from './check-helpers.js';

const cases = ipvsCases;

/** `ipvsadm -Sn` prints no thresholds. */
const withoutThresholds = (table: Table): Table =>
  table.map((e) => ({ ...e, destinations: e.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) }));

describe('IPVS vectors', () => {
  it.each(cases)('%s parses cleanly into the table keepalived programmed', (name) => {
    const dir = path.join(VECTORS, name);
    const r = parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 });
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    expect(r.exitCode).toBe(0);
    const check = r.config.check;
    const healthy = new Map(check.virtualServers.flatMap((vs) => vs.realServers.map((rs) => [realServerId(vs, rs), true] as const)));
    const { state } = applyHealth(check, startCheckers(check).state, healthy);
    const expected = tableOf(fs.readFileSync(path.join(dir, 'expected-ipvsadm-Sn.txt'), 'utf8'));
    expect(renderIpvsadm(withoutThresholds(desiredTable(check, state)))).toBe(renderIpvsadm(expected));
  });
});
