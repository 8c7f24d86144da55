/**
 * SIGHUP reload of the IPVS sync against an in-memory kernel: IPVS
 * gets only the difference between the old and the new configuration
 * (counted in netlink requests), kept real servers keep their alive state,
 * quorum and the sorry server carry over, and removed services are deleted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realServerId } from '../../../src/check/desired.js';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import type { Table } from '../../../src/ipvs/table.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { fakeSystem } from '../config/check-helpers.js';
import { tempDir } from '../../tmp.js';
import { FakeClock } from '../../../lab/fakes/clock.js';

function configOf(text: string): CheckConfig {
  const dir = tempDir('ipvs-sync-reload');
  fs.writeFileSync(path.join(dir, 'keepalived.conf'), text);
  const r = parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 });
  return r.config.check;
}

function world(config: CheckConfig, options: { table?: Table; refuse?: (cmd: string) => string | undefined } = {}) {
  const { port, kernel } = fakeIpvsPort({ table: options.table ?? [], ...(options.refuse ? { refuse: (req) => options.refuse!(req.cmd) } : {}) });
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
  /** The netlink requests a step sends, and its ops. */
  const count = async (step: () => Promise<{ ops: readonly { op: string }[] }>) => {
    const before = kernel.requests.length;
    lines.splice(0);
    fifo.splice(0);
    notified.splice(0);
    const report = await step();
    return { ops: report.ops.map((o) => o.op), requests: kernel.requests.slice(before).map((r) => r.cmd) };
  };
  return { sync, kernel, lines, fifo, notified, clock, count };
}

const server = (address: string, body = 'weight 1') => ` real_server ${address} 80 {\n  ${body}\n  TCP_CHECK {\n  }\n }\n`;
const vsText = (address: string, servers: string[], extra = '') =>
  `virtual_server ${address} 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n${extra}\n${servers.join('')}}\n`;

const TWO = [server('10.99.1.11'), server('10.99.1.12')];
const base = () => vsText('10.99.1.100', TWO);

describe('IpvsSync.reload: IPVS gets only the difference', () => {
  it('an unchanged configuration sends nothing (not even a dump)', async () => {
    const w = world(configOf(base()));
    await w.sync.start();
    const table = w.kernel.table();
    const r = await w.count(() => w.sync.reload(configOf(base())));
    expect(r).toEqual({ ops: [], requests: [] });
    expect(w.kernel.table()).toEqual(table);
    expect(w.fifo).toEqual([]);
  });

  it('one real server added: exactly one NEW_DEST', async () => {
    const w = world(configOf(base()));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.100', [...TWO, server('10.99.1.13')]))));
    expect(r).toEqual({ ops: ['add-dest'], requests: ['NEW_DEST'] });
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.11', '10.99.1.12', '10.99.1.13']);
    // a new real server goes in quietly, as at start-up
    expect(w.fifo).toEqual([]);
  });

  it('rs_init_notifies: real servers that start alive, and one new at a reload, run notify_up and write their FIFO line', async () => {
    const INIT = 'global_defs {\n rs_init_notifies\n}\n';
    const up = (n: number) => server(`10.99.1.${n}`, `weight 1\n  notify_up "/bin/echo up ${n}"`);
    const alpha = server('10.99.1.14', 'weight 1\n  alpha\n  notify_up "/bin/echo up 14"');
    const w = world(configOf(INIT + vsText('10.99.1.100', [up(11), up(12), alpha])));
    const started = await w.count(() => w.sync.start());
    expect(started.ops).toEqual(['add-service', 'add-dest', 'add-dest']);
    // in order, the alpha server waiting for its first check aside, before the quorum; no line of their own
    expect(w.fifo).toEqual(['RS [10.99.1.11]:tcp:80 [10.99.1.100]:tcp:80 UP\n\0', 'RS [10.99.1.12]:tcp:80 [10.99.1.100]:tcp:80 UP\n\0', 'VS [10.99.1.100]:tcp:80 UP\n\0']);
    expect(w.notified).toEqual([
      ['/bin/echo', 'up', '11'],
      ['/bin/echo', 'up', '12'],
    ]);
    expect(w.lines.filter((l) => l.includes('10.99.1.1'))).toEqual(['Gained quorum 1+0=1 <= 2 for VS [10.99.1.100]:tcp:80']);
    const r = await w.count(() => w.sync.reload(configOf(INIT + vsText('10.99.1.100', [up(11), up(12), alpha, up(13)]))));
    expect(r.ops).toEqual(['add-dest']);
    expect(w.fifo).toEqual(['RS [10.99.1.13]:tcp:80 [10.99.1.100]:tcp:80 UP\n\0']);
    expect(w.notified).toEqual([['/bin/echo', 'up', '13']]);
  });

  it('one real server removed: exactly one DEL_DEST, logged and notified down', async () => {
    const w = world(configOf(vsText('10.99.1.100', [server('10.99.1.11'), server('10.99.1.12', 'weight 1\n  notify_down "/bin/echo down 12"')])));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.100', [server('10.99.1.11')]))));
    expect(r).toEqual({ ops: ['delete-dest'], requests: ['DEL_DEST'] });
    expect(w.lines).toContain('service [10.99.1.12]:tcp:80 no longer exist');
    expect(w.lines).toContain('Removing service [10.99.1.12]:tcp:80 from VS [10.99.1.100]:tcp:80');
    expect(w.fifo).toEqual(['RS [10.99.1.12]:tcp:80 [10.99.1.100]:tcp:80 DOWN\n\0']);
    expect(w.notified).toEqual([['/bin/echo', 'down', '12']]);
  });

  it('a virtual server removed: exactly one DEL_SERVICE (the kernel drops its destinations)', async () => {
    const w = world(configOf(base() + vsText('10.99.1.200', TWO)));
    await w.sync.start();
    expect(w.kernel.table()).toHaveLength(2);
    const r = await w.count(() => w.sync.reload(configOf(base())));
    expect(r).toEqual({ ops: ['delete-service'], requests: ['DEL_SERVICE'] });
    expect(w.kernel.table().map((e) => e.service.key)).toEqual([expect.objectContaining({ address: '10.99.1.100' })]);
    expect(w.lines).toContain('Removing Virtual Server [10.99.1.200]:tcp:80');
    // its alive servers go down, then its quorum (update_vs_notifies)
    expect(w.fifo).toEqual([
      'RS [10.99.1.11]:tcp:80 [10.99.1.200]:tcp:80 DOWN\n\0',
      'RS [10.99.1.12]:tcp:80 [10.99.1.200]:tcp:80 DOWN\n\0',
      'VS [10.99.1.200]:tcp:80 DOWN\n\0',
    ]);
  });

  it('a weight changed: exactly one SET_DEST, logged', async () => {
    const w = world(configOf(base()));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.100', [server('10.99.1.11'), server('10.99.1.12', 'weight 3')]))));
    expect(r).toEqual({ ops: ['edit-dest'], requests: ['SET_DEST'] });
    expect(w.lines).toContain('Changing weight from 1 to 3 for active service [10.99.1.12]:tcp:80 of VS [10.99.1.100]:tcp:80');
    expect(w.kernel.table()[0]!.destinations.find((d) => d.address === '10.99.1.12')!.weight).toBe(3);
  });

  it('a real server down before the reload stays down: nothing sent', async () => {
    const config = configOf(base());
    const w = world(config);
    await w.sync.start();
    const vs = config.virtualServers[0]!;
    await w.sync.health(new Map([[realServerId(vs, vs.realServers[1]!), false]]));
    const r = await w.count(() => w.sync.reload(configOf(base())));
    expect(r).toEqual({ ops: [], requests: [] });
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.11']);
    // and it comes back by its index in the new configuration
    const up = await w.count(() => w.sync.serverChanged(0, 1, { alive: true }));
    expect(up.ops).toEqual(['add-dest']);
  });

  it('a weight changed on a server that is down: logged as inactive, nothing sent', async () => {
    const config = configOf(base());
    const w = world(config);
    await w.sync.start();
    await w.sync.serverChanged(0, 1, { alive: false });
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.100', [server('10.99.1.11'), server('10.99.1.12', 'weight 3')]))));
    expect(r.requests).toEqual([]);
    expect(w.lines).toContain('Changing weight from 1 to 3 for inactive service [10.99.1.12]:tcp:80 of VS [10.99.1.100]:tcp:80');
  });

  it('a new virtual server: NEW_SERVICE and its destinations, nothing else', async () => {
    const w = world(configOf(base()));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(base() + vsText('10.99.1.200', TWO))));
    expect(r).toEqual({ ops: ['add-service', 'add-dest', 'add-dest'], requests: ['NEW_SERVICE', 'NEW_DEST', 'NEW_DEST'] });
  });

  it('a scheduler changed: one SET_SERVICE, the destinations stay', async () => {
    const w = world(configOf(base()));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(base().replace('lb_algo rr', 'lb_algo wlc'))));
    expect(r).toEqual({ ops: ['edit-service'], requests: ['SET_SERVICE'] });
  });

  it('virtual servers are matched by address and protocol, not by position', async () => {
    const w = world(configOf(base() + vsText('10.99.1.200', TWO)));
    await w.sync.start();
    await w.sync.serverChanged(1, 0, { alive: false });
    // the same two, the other way round: the one that was down stays down
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.200', TWO) + base())));
    expect(r).toEqual({ ops: [], requests: [] });
    // a change of protocol is another service
    const udp = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.200', TWO) + base().replace('protocol TCP', 'protocol UDP'))));
    expect(udp.requests).toEqual(['NEW_SERVICE', 'NEW_DEST', 'NEW_DEST', 'DEL_SERVICE']);
  });

  it('an alpha real server new in the reload waits for its first check', async () => {
    const w = world(configOf(base()));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.100', [...TWO, server('10.99.1.13', 'weight 1\n  alpha')]))));
    expect(r).toEqual({ ops: [], requests: [] });
  });

  it('health from the carried-over checkers: a server whose failed checker is gone comes back', async () => {
    const config = configOf(base());
    const w = world(config);
    await w.sync.start();
    await w.sync.serverChanged(0, 1, { alive: false });
    const next = configOf(base());
    const r = await w.count(() => w.sync.reload(next, [[{ alive: true, weight: 1 }, { alive: true, weight: 1 }]]));
    expect(r).toEqual({ ops: ['add-dest'], requests: ['NEW_DEST'] });
    expect(w.lines).toContain('Adding service [10.99.1.12]:tcp:80 to VS [10.99.1.100]:tcp:80');
    expect(w.fifo).toEqual(['RS [10.99.1.12]:tcp:80 [10.99.1.100]:tcp:80 UP\n\0']);
  });

  it('after a refused op (nothing known to be programmed) a removed service is still deleted', async () => {
    let refuse = false;
    const w = world(configOf(base() + vsText('10.99.1.200', TWO)), { refuse: (cmd) => (refuse && cmd === 'NEW_DEST' ? 'ENOMEM' : undefined) });
    await w.sync.start();
    refuse = true;
    await w.sync.serverChanged(0, 1, { alive: false });
    await w.sync.serverChanged(0, 1, { alive: true });
    refuse = false;
    const r = await w.count(() => w.sync.reload(configOf(base())));
    expect(r.requests.filter((c) => c !== 'GET_SERVICE' && c !== 'GET_DEST')).toEqual(['NEW_DEST', 'DEL_SERVICE']);
    expect(w.kernel.table()).toHaveLength(1);
    expect(w.kernel.table()[0]!.destinations).toHaveLength(2);
  });

  it('services that are not ours stay untouched by a reload', async () => {
    const other = world(configOf(vsText('10.99.1.250', TWO)));
    await other.sync.start();
    const w = world(configOf(base()), { table: other.kernel.table() });
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.200', TWO))));
    expect(r.ops).toEqual(['add-service', 'add-dest', 'add-dest', 'delete-service']);
    expect(w.kernel.table().map((e) => (e.service.key.kind === 'address' ? e.service.key.address : '')).sort()).toEqual(['10.99.1.200', '10.99.1.250']);
  });
});

describe('IpvsSync.reload: quorum and the sorry server', () => {
  const quorumVs = (quorum: number, extra = '') =>
    vsText('10.99.1.100', TWO, ` quorum ${quorum}\n sorry_server 10.99.1.50 80\n quorum_up "/bin/echo up"\n quorum_down "/bin/echo down"\n${extra}`);

  it('quorum carries over: an unchanged reload neither notifies nor sends', async () => {
    const w = world(configOf(quorumVs(2)));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(quorumVs(2))));
    expect(r).toEqual({ ops: [], requests: [] });
    expect(w.notified).toEqual([]);
    expect(w.fifo).toEqual([]);
  });

  it('the sorry server standing in stays in; a lowered quorum brings the pool back', async () => {
    const w = world(configOf(quorumVs(2)));
    await w.sync.start();
    await w.sync.serverChanged(0, 1, { alive: false });
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.50']);
    expect((await w.count(() => w.sync.reload(configOf(quorumVs(2))))).requests).toEqual([]);
    const r = await w.count(() => w.sync.reload(configOf(quorumVs(1))));
    expect(r.requests).toEqual(['NEW_DEST', 'DEL_DEST']);
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.11']);
    expect(w.lines).toContain('Gained quorum 1+0=1 <= 1 for VS [10.99.1.100]:tcp:80');
    expect(w.notified).toEqual([['/bin/echo', 'up']]);
  });

  it('a raised quorum puts the sorry server in', async () => {
    const w = world(configOf(quorumVs(1)));
    await w.sync.start();
    await w.sync.serverChanged(0, 1, { alive: false });
    const r = await w.count(() => w.sync.reload(configOf(quorumVs(2))));
    expect(r.requests).toEqual(['NEW_DEST', 'DEL_DEST']);
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.50']);
    expect(w.lines).toContain('Starting with quorum down 2-0=2 > 1 for VS [10.99.1.100]:tcp:80');
    expect(w.notified).toEqual([['/bin/echo', 'down']]);
  });

  it('a sorry server taken out of the configuration leaves, and the alive servers come back', async () => {
    const w = world(configOf(quorumVs(2)));
    await w.sync.start();
    await w.sync.serverChanged(0, 1, { alive: false });
    const r = await w.count(() => w.sync.reload(configOf(vsText('10.99.1.100', TWO, ' quorum 2'))));
    expect(w.lines).toContain('Removing sorry server [10.99.1.50]:tcp:80 from VS [10.99.1.100]:tcp:80');
    expect(r.requests).toEqual(['NEW_DEST', 'DEL_DEST']);
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.11']);
  });

  it('removing real servers below quorum notifies quorum down (twice, as keepalived does)', async () => {
    const w = world(configOf(quorumVs(2)));
    await w.sync.start();
    // 10.99.1.13 waits for its first check: the configured weight allows quorum 2, the alive weight is 1
    const next = vsText('10.99.1.100', [server('10.99.1.11'), server('10.99.1.13', 'weight 1\n  alpha')], ' quorum 2\n sorry_server 10.99.1.50 80\n quorum_down "/bin/echo down"');
    const r = await w.count(() => w.sync.reload(configOf(next)));
    // update_vs_notifies on the old virtual server, then init_service_vs's pass on the new one with the carried state
    expect(w.notified).toEqual([['/bin/echo', 'down'], ['/bin/echo', 'down']]);
    expect(w.fifo.filter((l) => l.startsWith('VS '))).toEqual(['VS [10.99.1.100]:tcp:80 DOWN\n\0', 'VS [10.99.1.100]:tcp:80 DOWN\n\0']);
    expect(w.kernel.table()[0]!.destinations.map((d) => d.address)).toEqual(['10.99.1.50']);
    expect(r.requests).toEqual(['NEW_DEST', 'DEL_DEST', 'DEL_DEST']);
  });
});

describe('IpvsSync.reload: virtual server groups', () => {
  const group = (entries: string) => `virtual_server_group G {\n${entries}}\n`;
  const groupVs = `virtual_server group G {\n lb_algo rr\n lb_kind DR\n protocol TCP\n${server('10.99.1.11')}${server('10.99.1.12')}}\n`;

  it('an address added to the group is one new service with its destinations, logged', async () => {
    const w = world(configOf(group(' 10.99.1.100 80\n') + groupVs));
    await w.sync.start();
    const r = await w.count(() => w.sync.reload(configOf(group(' 10.99.1.100 80\n 10.99.1.101 80\n') + groupVs)));
    expect(r.requests).toEqual(['NEW_SERVICE', 'NEW_DEST', 'NEW_DEST']);
    expect(w.lines).toContain('VS [[10.99.1.101]:tcp:80] added into group G');
    const back = await w.count(() => w.sync.reload(configOf(group(' 10.99.1.100 80\n') + groupVs)));
    expect(back.requests).toEqual(['DEL_SERVICE']);
    expect(w.lines).toContain('VS [[10.99.1.101]:tcp:80] in group G no longer exists');
  });
});
