/**
 * keepalived-ts against keepalived-ts: three routers of one VRRPv2
 * instance (auth PASS, multicast, priorities 150, 120 and 100) elect one
 * MASTER, the 150; when it dies the 120 takes over, when that dies the 100,
 * each announcing the VIP. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { Capture, context, expectMaster, holdMaster, masterDownMs, MODES, Node, SLACK_MS, vrrpConfig } from './vrrp-interop-support.js';

const SUBNET = 25;
const MODE = MODES.v2Pass;
const VIP = `10.99.${SUBNET}.100`;

describe.skipIf(!requireNetnsOrSkip())('three keepalived-ts routers', () => {
  let lab: Lab;
  let capture: Capture;
  const nodes: Node[] = [];
  const priorities = [150, 120, 100];
  const why = (): string => context(nodes, VIP)();
  const announced = (node: Node, since: number): Promise<number> =>
    waitFor(`a gratuitous ARP from ${node.name}`, () => capture.announcements(node.mac, VIP, since) > 0, SLACK_MS, why);

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('kats-cluster'));
    for (const [i, priority] of priorities.entries()) nodes.push(new Node(lab, i + 1, 'kats', `kats@${i + 1}(${priority})`));
    capture = new Capture(lab, 'cluster');
    await capture.started();
  }, 60_000);

  afterAll(async () => {
    await capture?.stop();
    await lab?.close();
  });

  it('started together, they elect the 150 alone', async () => {
    const since = Date.now();
    for (const [i, node] of nodes.entries()) node.start(vrrpConfig(MODE, node, [], { vrid: 51, vip: VIP, priority: priorities[i]! }));
    const [first, ...rest] = nodes;
    await expectMaster(`${first!.name} MASTER`, first!, rest, VIP, masterDownMs(MODE, 150) + SLACK_MS);
    await announced(first!, since);
    await holdMaster(`${first!.name} stays the only MASTER`, first!, rest, VIP, 2 * MODE.advertInt * 1000);
    for (const n of rest) expect(n.state(), why()).toBe('BACKUP');
  });

  it('the 150 dies: the 120 takes over, the 100 stays BACKUP', async () => {
    const since = Date.now();
    await nodes[0]!.die();
    await expectMaster(`${nodes[1]!.name} MASTER`, nodes[1]!, [nodes[2]!], VIP, masterDownMs(MODE, 120) + SLACK_MS);
    await announced(nodes[1]!, since);
    await holdMaster(`${nodes[1]!.name} stays MASTER`, nodes[1]!, [nodes[2]!], VIP, 2 * MODE.advertInt * 1000);
  });

  it('the 120 dies too: the 100 takes over', async () => {
    const since = Date.now();
    await nodes[1]!.die();
    await expectMaster(`${nodes[2]!.name} MASTER`, nodes[2]!, [], VIP, masterDownMs(MODE, 100) + SLACK_MS);
    await announced(nodes[2]!, since);
  });
});
