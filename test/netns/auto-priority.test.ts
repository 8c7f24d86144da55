/**
 * max_auto_priority side by side: keepalived 2.2.7 and keepalived-ts run the same configuration but for the VRID (min_auto_priority_delay
 * 500 ms, max_auto_priority 2) in two namespaces; the test stops each VRRP child (SIGSTOP) for 2.5 s, longer than an advert
 * interval once it is MASTER, so its advert timer runs late when it goes on (SIGCONT). Each late wake-up logs "A thread timer expired … seconds
 * ago" and raises the child one SCHED_RR step, with the RLIMIT_RTTIME of vrrp_rlimit_rttime, up to the maximum:
 * compared through /proc (policy, real-time priority) and prlimit after each stop.
 * Needs `npm run build`; needs /usr/sbin/keepalived.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 95;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;

/** Each daemon its own VRID and VIP: both on one bridge, each MASTER of its own. */
const config = (vrid: number): string => `global_defs {
  max_auto_priority 2
  min_auto_priority_delay 500000
  vrrp_rlimit_rttime 1000000
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.99.${SUBNET}.${vrid}/24
  }
}
`;

/** "policy rt_priority rttime-soft rttime-hard" of a daemon's VRRP child, or why not. */
function scheduling(r: Running): string {
  try {
    const pid = fs.readFileSync(r.pidFiles.vrrp, 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rttime = execFileSync('prlimit', ['--rttime', '-p', pid, '--output', 'SOFT,HARD', '--noheadings'], { encoding: 'utf8' });
    return `${f[41 - 3]} ${f[40 - 3]} ${rttime.trim().replace(/\s+/g, ' ')}`;
  } catch (error) {
    return (error as Error).message;
  }
}

const vrrpPid = (r: Running): number => Number.parseInt(fs.readFileSync(r.pidFiles.vrrp, 'utf8'), 10);

describe.skipIf(!requireNetnsOrSkip() || !haveKeepalived)('max_auto_priority beside keepalived 2.2.7', () => {
  let lab: Lab;
  let daemons: Running[];
  const logs = (): string => daemons.map((r) => `--- ${r.daemon}: ${scheduling(r)}\n${r.lines.slice(-15).join('\n')}`).join('\n');
  const raisedLines = (r: Running): string[] => r.lines.filter((l) => l.includes('Set realtime priority')).map((l) => l.slice(l.indexOf('Set realtime')));

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('auto-priority'));
    daemons = [lab.start(lab.addNode(1), 'keepalived', config(101)), lab.start(lab.addNode(2), 'kats', config(102))];
    // a MASTER's advert timer is always due within the interval: a stop of 2.5 s makes it late
    await waitFor('both MASTER, under standard scheduling', () => daemons.every((r) => lastState(r) === 'MASTER' && /^0 0 /.test(scheduling(r))), 20_000, logs);
  }, 30_000);

  afterAll(async () => {
    await lab?.close();
  });

  /** Stops every VRRP child for 2.5 s (its advert timer then at least 1.5 s late), then lets them go on. */
  const stall = async (): Promise<void> => {
    for (const r of daemons) process.kill(vrrpPid(r), 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (const r of daemons) process.kill(vrrpPid(r), 'SIGCONT');
  };

  it('raises each VRRP child one SCHED_RR step per late wake-up, up to max_auto_priority, as keepalived', async () => {
    for (const [step, expected] of [
      [1, '2 1 500000 1000000'],
      [2, '2 2 500000 1000000'],
      [3, '2 2 500000 1000000'],
    ] as const) {
      await stall();
      const late = (r: Running): number => r.lines.filter((l) => /A thread timer expired \d+\.\d{6} seconds ago/.test(l)).length;
      await waitFor(`late timer ${step} logged and the priority set`, () => daemons.every((r) => late(r) >= step && scheduling(r) === expected), 10_000, logs);
    }
    expect(raisedLines(daemons[1]!)).toEqual(raisedLines(daemons[0]!));
    expect(raisedLines(daemons[0]!)).toEqual(['Set realtime priority 1', 'Set realtime priority 2']);
    expect(isDeepStrictEqual(scheduling(daemons[0]!), scheduling(daemons[1]!))).toBe(true);
  }, 60_000);
});
