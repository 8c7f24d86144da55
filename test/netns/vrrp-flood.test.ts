/**
 * A flood of bad IPv6 VRRP packets on the MASTER's link (issue 9, finding
 * 10): a third namespace sends VRRPv3 adverts for the instance's VRID with
 * hop limit 64 to ff02::12 from two python3 processes as fast as they can
 * (drivers/vrrp6-flood.py) for a few seconds. The MASTER runs 40 more
 * instances on the same interface, so that each packet costs it more than
 * the flood leaves it time for; the BACKUP does not see the flood (its
 * bridge port and the flooder's are isolated from each other), only the
 * MASTER's adverts. A MASTER that reads its socket until it is empty does
 * not get back to its advert timer while the flood lasts, and the BACKUP
 * takes over; one that reads a bounded batch per wake-up keeps advertising.
 * The MASTER's log has one line for the flood, not one per packet
 * (finding 7). Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { context, expectMaster, masterDownMs, MODES, Node, SLACK_MS, vrrpConfig, type Mode } from './vrrp-interop-support.js';

const SUBNET = 61;
const FLOODER = path.join(import.meta.dirname, 'drivers/vrrp6-flood.py');
/** advert_int 1: the BACKUP takes over after 3.6 s without an advert, far more than a loaded machine delays a timer. */
const MODE: Mode = { ...MODES.v3Ipv6, advertInt: 1 };
const VRID = 51;
const VIP = `fd99:${SUBNET}::100`;
const FLOOD_SECONDS = 8;
/** Senders at once: together they send faster than the MASTER reads. */
const FLOODERS = 2;
const REFUSAL_LINE = '(VI_1) invalid TTL/HL. Received 64 and expect 255';

/** More instances on the MASTER's interface (other VRIDs, its own socket): each packet read is looked at by each. */
const OTHER_INSTANCES = 40;

function otherInstances(count: number): string {
  const blocks = Array.from({ length: count }, (_, i) =>
    [`vrrp_instance VI_X${i} {`, '  state BACKUP', '  interface eth0', `  virtual_router_id ${100 + i}`, '  priority 150', `  advert_int ${MODE.advertInt}`, '  version 3', '  virtual_ipaddress {', `    fd99:${SUBNET}::${0x200 + i}/64`, '  }', '}'].join('\n'),
  );
  return blocks.join('\n');
}

describe.skipIf(!requireNetnsOrSkip())('a flood of bad IPv6 adverts on the MASTER', () => {
  let lab: Lab;
  let master: Node;
  let backup: Node;
  let flooder: Node;

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('vrrp-flood'));
    master = new Node(lab, 1, 'kats', 'master');
    backup = new Node(lab, 2, 'kats', 'backup');
    // runs no daemon: the flood comes from it
    flooder = new Node(lab, 9, 'kats', 'flooder');
    // isolated bridge ports reach the others but not each other: the flood reaches the MASTER only
    for (const port of ['v2', 'v9']) execFileSync('ip', ['netns', 'exec', lab.bridgeNs, 'bridge', 'link', 'set', 'dev', port, 'isolated', 'on']);
    master.start(vrrpConfig(MODE, master, [], { vrid: VRID, vip: VIP, priority: 150, preamble: otherInstances(OTHER_INSTANCES) }));
    backup.start(vrrpConfig(MODE, backup, [], { vrid: VRID, vip: VIP, priority: 100 }));
    await expectMaster('master MASTER', master, [backup], VIP, masterDownMs(MODE, 100) + SLACK_MS);
    // the other instances take their own master-down time: under load the last one's MASTER line came during the flood
    const othersMaster = (): boolean => master.running!.lines.filter((l) => /\(VI_X\d+\) Entering MASTER STATE/.test(l)).length === OTHER_INSTANCES;
    await waitFor('every other instance MASTER', othersMaster, masterDownMs(MODE, 150) + SLACK_MS, context([master], VIP));
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('the MASTER keeps advertising through the flood: the BACKUP never takes over, and one line tells of the flood', async () => {
    const why = context([master, backup], VIP);
    const marks = [master, backup].map((n) => n.running!.lines.length);
    const [masterLines, backupLines] = [master, backup].map((n, i) => (): string[] => n.running!.lines.slice(marks[i]));
    const floods = Array.from({ length: FLOODERS }, () => lab.spawn(flooder.ns, 'python3', [FLOODER, 'eth0', String(VRID), String(FLOOD_SECONDS)]));
    let sent = 0;
    for (const f of floods) f.stdout!.on('data', (chunk: Buffer) => (sent += Number(chunk.toString())));
    const exited = floods.map((f) => new Promise<number | null>((resolve) => f.once('exit', resolve)));
    // the flood reaches the MASTER...
    await waitFor('the MASTER refusing the flood', () => masterLines!().some((l) => l.includes(REFUSAL_LINE)), SLACK_MS, why);
    expect(await Promise.all(exited), why()).toEqual(floods.map(() => 0));
    // ...and the BACKUP, had it missed the MASTER's adverts, would have said so by now (Master_Down_Interval)
    await new Promise((resolve) => setTimeout(resolve, masterDownMs(MODE, 100)));
    const detail = `${sent} packets sent\n${why()}`;
    expect(sent, detail).toBeGreaterThan(0);
    expect(backupLines!().filter((l) => /Entering \w+ STATE/.test(l)), detail).toEqual([]);
    expect(masterLines!().filter((l) => /Entering \w+ STATE/.test(l)), detail).toEqual([]);
    expect([master.state(), backup.state(), master.has(VIP), backup.has(VIP)], detail).toEqual(['MASTER', 'BACKUP', true, false]);
    // one line for the first packet; a summary only when its 10 s window ends
    expect(masterLines!().filter((l) => l.includes(REFUSAL_LINE)).length, detail).toBeLessThanOrEqual(2);
  }, 60_000);
});
