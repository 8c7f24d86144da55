/**
 * The checker set across a reload, on a fake clock with probes answered per
 * real server and the IPVS sync over an in-memory kernel: unchanged checkers
 * keep running with their state (not restarted), their verdicts follow the
 * real server to its new place, changed ones start from their predecessor's
 * state, and IPVS gets only the difference.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckerSet } from '../../../src/check/checker-set.js';
import { IpvsSync } from '../../../src/check/ipvs-sync.js';
import type { CheckConfig } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { fakeSystem } from '../config/check-helpers.js';
import { tempDir } from '../../tmp.js';
import { FakeClock } from '../../../lab/fakes/clock.js';

const S = 1_000_000;

function configOf(text: string): CheckConfig {
  const dir = tempDir('checker-set');
  fs.writeFileSync(path.join(dir, 'keepalived.conf'), text);
  return parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 }).config.check;
}

const server = (address: string, checker = 'TCP_CHECK {\n  }') => ` real_server ${address} 80 {\n  weight 1\n  ${checker}\n }\n`;
const vsText = (servers: string[]) => `virtual_server 10.99.1.100 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n delay_loop 5\n${servers.join('')}}\n`;

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function world(config: CheckConfig) {
  const clock = new FakeClock();
  const { port, kernel } = fakeIpvsPort();
  const { log, lines } = fakeLogger();
  const ipvsSync = new IpvsSync(config, { ipvs: port, clock, log, notify: () => undefined, fifo: () => undefined });
  /** Probe answers by real server address (default ok), and the attempts made. */
  const down = new Set<string>();
  const attempts: string[] = [];
  const set = new CheckerSet(
    config,
    { logAllFailures: false, noCheckerEmails: false },
    {
      clock,
      probe: async ({ rs, checker }) => {
        attempts.push(`${rs.addr.address} ${checker.type}`);
        return { ok: !down.has(rs.addr.address) };
      },
      log: (m) => lines.push(m),
      ipvsSync,
      fileValue: () => 0,
      random: () => 0,
    },
  );
  const dests = () => kernel.table()[0]?.destinations.map((d) => d.address) ?? [];
  const advance = async (us: number) => {
    clock.advance(us);
    await settle();
  };
  /** Requests a reload sends to the kernel. */
  const reload = async (next: CheckConfig) => {
    const before = kernel.requests.length;
    const summary = set.reload(next, { logAllFailures: false, noCheckerEmails: false });
    await summary.sync;
    await settle();
    return { ...summary, requests: kernel.requests.slice(before).map((r) => r.cmd) };
  };
  return { clock, kernel, lines, ipvsSync, set, down, attempts, dests, advance, reload };
}

describe('CheckerSet.reload', () => {
  it('an unchanged configuration keeps every checker running: none restarted, nothing sent', async () => {
    const w = world(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    await w.ipvsSync.start();
    w.set.start();
    await w.advance(1 * S);
    expect(w.attempts).toHaveLength(2);
    w.lines.splice(0);
    const r = await w.reload(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    expect([r.kept, r.started, r.stopped, r.requests]).toEqual([2, 0, 0, []]);
    expect(w.lines.some((l) => l.startsWith('Activating healthchecker'))).toBe(false);
    // the schedule goes on: next attempts delay_loop after the first ones, not a bootstrap after the reload
    await w.advance(5 * S - 1);
    expect(w.attempts).toHaveLength(2);
    await w.advance(1);
    expect(w.attempts).toHaveLength(4);
  });

  it('a real server down before the reload stays down, and its kept checker brings it back at its new place', async () => {
    const w = world(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    await w.ipvsSync.start();
    w.set.start();
    w.down.add('10.99.1.12');
    await w.advance(1 * S);
    expect(w.dests()).toEqual(['10.99.1.11']);
    // the same servers in the other order, and a third one
    const r = await w.reload(configOf(vsText([server('10.99.1.13'), server('10.99.1.12'), server('10.99.1.11')])));
    expect([r.kept, r.started, r.stopped]).toEqual([2, 1, 0]);
    expect(r.requests).toEqual(['NEW_DEST']);
    expect(w.dests()).toEqual(['10.99.1.11', '10.99.1.13']);
    expect(w.set.health().map((vs) => vs.map((h) => h.alive))).toEqual([[true, false, true]]);
    w.down.clear();
    await w.advance(5 * S);
    expect(w.dests().sort()).toEqual(['10.99.1.11', '10.99.1.12', '10.99.1.13']);
    expect(w.set.health()[0]!.map((h) => h.alive)).toEqual([true, true, true]);
  });

  it('a checker whose timing changed starts anew from its predecessor’s state: a down server stays down', async () => {
    const w = world(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    await w.ipvsSync.start();
    w.set.start();
    w.down.add('10.99.1.12');
    await w.advance(1 * S);
    w.lines.splice(0);
    const r = await w.reload(configOf(vsText([server('10.99.1.11'), server('10.99.1.12', 'TCP_CHECK {\n   delay_loop 2\n  }')])));
    expect([r.kept, r.started, r.stopped, r.requests]).toEqual([1, 1, 1, []]);
    expect(w.lines).toContain('Activating healthchecker for service [10.99.1.12]:tcp:80 for VS [10.99.1.100]:tcp:80');
    // the new scheduler runs and its success brings the server back
    w.down.clear();
    await w.advance(1 * S);
    expect(w.dests().sort()).toEqual(['10.99.1.11', '10.99.1.12']);
  });

  it('a down server whose failed check is replaced by another comes up (no failed checker left)', async () => {
    const w = world(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    await w.ipvsSync.start();
    w.set.start();
    w.down.add('10.99.1.12');
    await w.advance(1 * S);
    w.lines.splice(0);
    const r = await w.reload(configOf(vsText([server('10.99.1.11'), server('10.99.1.12', 'TCP_CHECK {\n   connect_port 8080\n  }')])));
    expect([r.kept, r.started, r.stopped]).toEqual([1, 1, 1]);
    expect(r.requests).toEqual(['NEW_DEST']);
    expect(w.lines).toContain('Adding service [10.99.1.12]:tcp:80 to VS [10.99.1.100]:tcp:80');
    // still failing: one failure is enough to take it out again
    await w.advance(1 * S);
    expect(w.dests()).toEqual(['10.99.1.11']);
  });

  it('a removed real server’s checker stops; a removed virtual server’s service goes', async () => {
    const w = world(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    await w.ipvsSync.start();
    w.set.start();
    await w.advance(1 * S);
    const r = await w.reload(configOf(vsText([server('10.99.1.11')])));
    expect([r.kept, r.started, r.stopped, r.requests]).toEqual([1, 0, 1, ['DEL_DEST']]);
    w.attempts.splice(0);
    await w.advance(10 * S);
    expect(w.attempts.every((a) => a.startsWith('10.99.1.11 '))).toBe(true);
    const gone = await w.reload(configOf(vsText([server('10.99.1.11')]).replace('10.99.1.100', '10.99.1.200')));
    expect(gone.requests).toEqual(['NEW_SERVICE', 'NEW_DEST', 'DEL_SERVICE']);
    // another virtual server: its checker is another one
    expect([gone.kept, gone.started, gone.stopped]).toEqual([0, 1, 1]);
  });

  it('a weight changed on an unchanged checker: one SET_DEST, the checker kept', async () => {
    const w = world(configOf(vsText([server('10.99.1.11'), server('10.99.1.12')])));
    await w.ipvsSync.start();
    w.set.start();
    const r = await w.reload(configOf(vsText([server('10.99.1.11'), server('10.99.1.12').replace('weight 1', 'weight 5')])));
    expect([r.kept, r.started, r.requests]).toEqual([2, 0, ['SET_DEST']]);
    expect(w.set.health()[0]!.map((h) => h.weight)).toEqual([1, 5]);
  });
});
