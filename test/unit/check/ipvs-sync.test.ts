/**
 * The IPVS sync against an in-memory kernel: start programs every
 * vector's table (adopting what is already there), a health change is one
 * minimal diff, services that are not ours are left alone, a refused op is
 * retried from a fresh dump, and stop removes only our services.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realServerId } from '../../../src/check/desired.js';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { renderIpvsadm } from '../../../lab/ipvsadm.js';
import { sameTable, type Table } from '../../../src/ipvs/table.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { fakeSystem } from '../config/check-helpers.js';
import { IPVS_VECTORS, ipvsCases, tableOf } from '../ipvs/vectors.js';
import { tempDir } from '../../tmp.js';
import { FakeClock } from '../../../lab/fakes/clock.js';

const cases = ipvsCases;

function load(name: string): CheckConfig {
  const r = parseConfig('keepalived.conf', { cwd: path.join(IPVS_VECTORS, name), system: fakeSystem(), testMode: true, randomSeed: 1 });
  return r.config.check;
}

function synced(config: CheckConfig, table: Table = [], refuse?: (cmd: string) => string | undefined) {
  const { port, kernel } = fakeIpvsPort({ table, ...(refuse ? { refuse: (req) => refuse(req.cmd) } : {}) });
  const { log, lines } = fakeLogger();
  const fifo: string[] = [];
  const notified: string[][] = [];
  const clock = new FakeClock();
  const sync = new IpvsSync(config, {
    ipvs: port,
    clock,
    log,
    notify: (argv) => notified.push([...argv]),
    fifo: (line) => fifo.push(Buffer.from(line).toString()),
  });
  return { sync, kernel, lines, fifo, notified, clock };
}

const expected = (name: string, state = ''): Table => tableOf(fs.readFileSync(path.join(IPVS_VECTORS, name, `expected-ipvsadm-Sn${state}.txt`), 'utf8'));

describe('IpvsSync on the IPVS vectors', () => {
  it.each(cases)('%s: start programs what keepalived programmed; a second start on that table sends nothing', async (name) => {
    const config = load(name);
    const first = synced(config);
    const report = await first.sync.start();
    expect(report.failures).toEqual([]);
    // alpha checkers start failed: compare with the all-healthy state only where nothing waits for a first success
    if (!config.virtualServers.some((vs) => vs.alpha || vs.realServers.some((rs) => rs.checkers.some((c) => c.alpha)))) {
      expect(renderIpvsadm(first.kernel.table())).toBe(renderIpvsadm(expected(name)));
    }
    const again = synced(config, first.kernel.table());
    expect((await again.sync.start()).ops).toEqual([]);
  });
});

describe('IpvsSync', () => {
  const text = (extra = '') =>
    `virtual_server 10.99.1.100 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n${extra}\n real_server 10.99.1.11 80 {\n  weight 1\n  TCP_CHECK {\n  }\n }\n real_server 10.99.1.12 80 {\n  weight 1\n  TCP_CHECK {\n  }\n }\n}\n`;
  const configOf = (t: string): CheckConfig => {
    const dir = tempDir('ipvs-sync');
    fs.writeFileSync(path.join(dir, 'keepalived.conf'), t);
    return parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 }).config.check;
  };

  it('a real server going down is one delete, coming back one add; logs, FIFO lines and notifies follow', async () => {
    const config = configOf(text());
    const { sync, kernel, lines, fifo } = synced(config);
    await sync.start();
    const vs = config.virtualServers[0]!;
    const id = realServerId(vs, vs.realServers[1]!);
    const down = await sync.health(new Map([[id, false]]));
    expect(down.ops.map((o) => o.op)).toEqual(['delete-dest']);
    expect(lines).toContain('Removing service [10.99.1.12]:tcp:80 from VS [10.99.1.100]:tcp:80');
    expect(fifo).toContain('RS [10.99.1.12]:tcp:80 [10.99.1.100]:tcp:80 DOWN\n\0');
    expect(kernel.table()[0]!.destinations).toHaveLength(1);
    const up = await sync.health(new Map([[id, true]]));
    expect(up.ops.map((o) => o.op)).toEqual(['add-dest']);
    expect(kernel.table()[0]!.destinations).toHaveLength(2);
    expect((await sync.health(new Map([[id, true]]))).ops).toEqual([]);
  });

  it('changes that come while a pass waits ride on it: one pass, only their net difference sent', async () => {
    const config = configOf(text());
    const { sync, kernel } = synced(config);
    await sync.start();
    const sent = kernel.requests.length;
    const vs = config.virtualServers[0]!;
    const [first, second] = vs.realServers.map((rs) => realServerId(vs, rs));
    const reports = await Promise.all([
      sync.health(new Map([[first!, false]])),
      sync.health(new Map([[second!, false]])),
      sync.health(new Map([[second!, true]])),
    ]);
    expect(reports[0]!.ops.map((o) => o.op)).toEqual(['delete-dest']);
    expect(reports[1]).toBe(reports[0]);
    expect(reports[2]).toBe(reports[0]);
    expect(kernel.requests.length - sent).toBe(1);
    expect(kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.12']);
  });

  it('leaves services that are not ours alone, and stop removes only ours (unless -I)', async () => {
    const foreign = configOf(text().replace('10.99.1.100', '10.99.1.200'));
    const other = synced(foreign);
    await other.sync.start();
    const config = configOf(text());
    const { sync, kernel } = synced(config, other.kernel.table());
    await sync.start();
    expect(kernel.table()).toHaveLength(2);
    await sync.stop(false);
    expect(kernel.table().map((e) => e.service.key)).toEqual(other.kernel.table().map((e) => e.service.key));
    const kept = synced(config, []);
    await kept.sync.start();
    await kept.sync.stop(true);
    expect(kept.kernel.table()).toHaveLength(1);
  });

  it('adopts a table that is already right and mends one that is not', async () => {
    const config = configOf(text());
    const first = synced(config);
    await first.sync.start();
    const wrong = first.kernel.table().map((e) => ({ ...e, destinations: e.destinations.slice(0, 1) }));
    const second = synced(config, wrong);
    expect((await second.sync.start()).ops.map((o) => o.op)).toEqual(['add-dest']);
    expect(sameTable(second.kernel.table(), first.kernel.table())).toBe(true);
  });

  it('-D logs how many operations each pass sends: none when adopting a table that is right, one for a real server going down', async () => {
    const config = configOf(text());
    const first = synced(config);
    await first.sync.start();
    expect(first.lines.filter((l) => l.startsWith('IPVS sync: '))).toEqual(['IPVS sync: 3 operations']);
    const { sync, lines } = synced(config, first.kernel.table());
    await sync.start();
    const vs = config.virtualServers[0]!;
    await sync.health(new Map([[realServerId(vs, vs.realServers[1]!), false]]));
    // a change that changes nothing makes no pass
    expect((await sync.serverChanged(0, 1, { alive: false })).ops).toEqual([]);
    await sync.stop(false);
    expect(lines.filter((l) => l.startsWith('IPVS sync: '))).toEqual(['IPVS sync: 0 operations', 'IPVS sync: 1 operation', 'IPVS sync: 1 operation']);
  });

  it('stop logs each real server\'s shutdown as keepalived does, except with -I', async () => {
    const config = configOf(text());
    const { sync, lines } = synced(config);
    await sync.start();
    const vs = config.virtualServers[0]!;
    await sync.health(new Map([[realServerId(vs, vs.realServers[1]!), false]]));
    await sync.stop(false);
    await sync.stop(false);
    expect(lines.filter((l) => l.startsWith('Shutting down'))).toEqual([
      'Shutting down service [10.99.1.11]:tcp:80 from VS [10.99.1.100]:tcp:80',
      'Shutting down service [10.99.1.12]:tcp:80 from VS [10.99.1.100]:tcp:80',
    ]);
    const kept = synced(config);
    await kept.sync.start();
    await kept.sync.stop(true);
    expect(kept.lines.filter((l) => l.startsWith('Shutting down'))).toEqual([]);
  });

  it('a refused op is logged and retried from a fresh dump', async () => {
    const config = configOf(text());
    let refuse = true;
    const { sync, kernel, lines, clock } = synced(config, [], (cmd) => (refuse && cmd === 'NEW_DEST' ? 'ENOMEM' : undefined));
    const report = await sync.start();
    expect(report.failures.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('IPVS: '))).toBe(true);
    refuse = false;
    clock.advance(5_000_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(kernel.table()[0]!.destinations).toHaveLength(2);
  });
});
