/**
 * keepalived 2.2.7's IPVS vectors: for each configuration, the table the
 * checker's pools amount to equals what keepalived programmed, with every
 * real server healthy and in each recorded state, and the quorum and
 * shutdown lines are the ones keepalived logged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyHealth, desiredTable, realServerId, startCheckers, type CheckerState } from '../../../src/check/desired.js';
import type { PoolEvent } from '../../../src/check/events.js';
import { stopPool } from '../../../src/check/pool.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { renderIpvsadm } from '../../../lab/ipvsadm.js';
import { sameTable, type Destination, type Table } from '../../../src/ipvs/table.js';
import { fakeSystem } from '../config/check-helpers.js';
import { IPVS_VECTORS, ipvsCases, tableOf } from '../ipvs/vectors.js';

const cases = ipvsCases;

function load(name: string): CheckConfig {
  const r = parseConfig('keepalived.conf', { cwd: path.join(IPVS_VECTORS, name), system: fakeSystem(), testMode: true, randomSeed: 1 });
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.config.check;
}

const read = (name: string, file: string): string => fs.readFileSync(path.join(IPVS_VECTORS, name, file), 'utf8');

/** Every real server's id, with `up` deciding its health. */
function health(config: CheckConfig, up: (id: string) => boolean): Map<string, boolean> {
  const ids = config.virtualServers.flatMap((vs) => vs.realServers.map((rs) => realServerId(vs, rs)));
  return new Map(ids.map((id) => [id, up(id)]));
}

/** `rs12` names the real servers at 10.99.1.12 / fd99:1::12 (`[addr]:proto:port` in the id). */
const isServer = (id: string, rs: string): boolean => new RegExp(`[.:]${rs.slice(2)}\\]:[a-z]+:\\d+$`).test(id);

/** The health changes (in order) that lead from "all healthy" to the state a file name describes. */
function pathTo(state: string): ((id: string) => boolean)[] {
  const one = /^(rs\d+)-(down|inhibited)$/.exec(state);
  if (one) return [(id) => !isServer(id, one[1]!)];
  if (state === 'all-down-sorry') return [() => false];
  if (state === 'one-back') return [() => false, (id) => isServer(id, 'rs11')];
  throw new Error(`no health state for ${state}`);
}

function healthy(config: CheckConfig): { state: CheckerState; events: PoolEvent[] } {
  const start = startCheckers(config);
  const up = applyHealth(config, start.state, health(config, () => true));
  return { state: up.state, events: [...start.events, ...up.events] };
}

const messages = (events: readonly PoolEvent[]): string[] => events.flatMap((e) => ('msg' in e && e.msg ? [e.msg] : []));

/** keepalived.log lines without their timestamp. */
const logLines = (name: string): string[] => read(name, 'keepalived.log').split('\n').map((l) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, ''));

/** `ipvsadm -Sn` has no thresholds: compare without them (ipvsadm-Ln-thresholds.txt has them). */
const withoutThresholds = (table: Table): Table =>
  table.map((e) => ({ ...e, destinations: e.destinations.map((d) => ({ ...d, upperThreshold: 0, lowerThreshold: 0 })) }));

function expectTable(config: CheckConfig, state: CheckerState, expected: string): void {
  const table = withoutThresholds(desiredTable(config, state));
  // the rendered text first, for a readable failure
  expect(renderIpvsadm(table)).toBe(renderIpvsadm(tableOf(expected)));
  expect(sameTable(table, tableOf(expected))).toBe(true);
}

/** `  -> 10.99.1.11:80   100   10 …` lines of ipvsadm -Ln --thresholds → `address:port upper lower`. */
function listedThresholds(text: string): string[] {
  return [...text.matchAll(/^\s+-> (\S+)\s+(\d+)\s+(\d+)/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`).sort();
}

describe('IPVS vectors', () => {
  it.each(cases)('%s: all real servers healthy', (name) => {
    const config = load(name);
    expectTable(config, healthy(config).state, read(name, 'expected-ipvsadm-Sn.txt'));
  });

  const states = cases.flatMap((name) =>
    fs
      .readdirSync(path.join(IPVS_VECTORS, name))
      .map((f) => /^expected-ipvsadm-Sn-(.+)\.txt$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined && s !== 'after-stop')
      .map((s) => [name, s] as const),
  );
  it.each(states)('%s: %s', (name, wanted) => {
    const config = load(name);
    let state = healthy(config).state;
    for (const up of pathTo(wanted)) state = applyHealth(config, state, health(config, up)).state;
    expectTable(config, state, read(name, `expected-ipvsadm-Sn-${wanted}.txt`));
  });

  const withThresholds = cases.filter((name) => fs.existsSync(path.join(IPVS_VECTORS, name, 'ipvsadm-Ln-thresholds.txt')));
  it.each(withThresholds)('%s: thresholds as ipvsadm -Ln --thresholds listed them', (name) => {
    const config = load(name);
    const table = desiredTable(config, healthy(config).state);
    const hostPort = (d: Destination): string => (d.family === 'inet6' ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`);
    const ours = table.flatMap((e) => e.destinations.map((d) => `${hostPort(d)} ${d.upperThreshold} ${d.lowerThreshold}`)).sort();
    expect(ours).toEqual(listedThresholds(read(name, 'ipvsadm-Ln-thresholds.txt')));
  });

  it.each(cases)('%s: after stop the table is empty and the shutdown lines are keepalived\'s', (name) => {
    const config = load(name);
    expect(read(name, 'expected-ipvsadm-Sn-after-stop.txt').trim()).toBe('');
    const { state } = healthy(config);
    const lines = messages(config.virtualServers.flatMap((vs, v) => stopPool(vs, state[v]!)));
    expect(lines).toEqual(logLines(name).filter((l) => l.startsWith('Shutting down service')));
  });

  it.each(cases)('%s: the start-up quorum lines are keepalived\'s', (name) => {
    const config = load(name);
    const logged = logLines(name);
    const startup = logged.slice(0, logged.indexOf('Startup complete')).filter((l) => /quorum/.test(l));
    expect(messages(startCheckers(config).events)).toEqual(startup);
  });

  /** Checker results as keepalived logged them: the real server's address and whether the check passed. */
  const CHECK_RESULT = /^(?:\w+_CHECK on service \[([^\]]+)\].* failed.*|(?:TCP|UDP) connection to \[([^\]]+)\].* success\.|Remote Web server \[([^\]]+)\].* succeed on service\.)$/;
  const POOL_LINE = /^(?:(?:Adding|Removing|Enabling|Disabling) (?:service|sorry server) |Gained quorum |Lost quorum |Starting with quorum |(?:Adding alive servers to|Removing alive servers from) the pool )/;

  it.each(cases)('%s: replaying the logged check results logs keepalived\'s pool lines', (name) => {
    const config = load(name);
    const ids = [...health(config, () => true).keys()];
    let step = startCheckers(config);
    const ours = messages(step.events);
    for (const line of logLines(name)) {
      const m = CHECK_RESULT.exec(line);
      if (!m) continue;
      const address = m[1] ?? m[2] ?? m[3];
      const changes = new Map(ids.filter((id) => id.includes(` [${address}]:`)).map((id) => [id, m[1] === undefined]));
      step = applyHealth(config, step.state, changes);
      ours.push(...messages(step.events));
    }
    expect(ours).toEqual(logLines(name).filter((l) => POOL_LINE.test(l)));
  });
});
