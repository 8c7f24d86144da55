/**
 * -V/--dont-release-vrrp beside keepalived 2.2.7: each daemon in its own node on one bridge (different VRIDs),
 * started with -V. At the stop neither sends a priority-0 advert and both leave their VIP on eth0; started
 * again with -V, both remove it before the election (two "removing VIPs." lines) and put it back as MASTER.
 * Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, lastState, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 87;
const vip = (host: number): string => `10.99.${SUBNET}.${100 + host}`;

function config(host: number): string {
  return [
    'vrrp_instance VI_1 {',
    '  state BACKUP',
    '  interface eth0',
    `  virtual_router_id ${90 + host}`,
    '  priority 100',
    '  advert_int 1',
    '  virtual_ipaddress {',
    `    ${vip(host)}/24`,
    '  }',
    '}',
    '',
  ].join('\n');
}

describe.skipIf(!requireNetnsOrSkip())('-V (--dont-release-vrrp), beside keepalived', () => {
  let lab: Lab;
  let adverts: string[];
  const nodes: Record<Daemon, { ns: string; host: number }> = { keepalived: { ns: '', host: 1 }, kats: { ns: '', host: 2 } };

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('dont-release-vrrp'));
    for (const daemon of ['keepalived', 'kats'] as const) nodes[daemon].ns = lab.addNode(nodes[daemon].host);
    adverts = [];
    const capture = lab.spawn(lab.bridgeNs, 'tcpdump', ['-n', '-l', '-i', 'br0', 'vrrp']);
    capture.stdout!.on('data', (chunk: Buffer) => adverts.push(...chunk.toString().split('\n').filter(Boolean)));
  });

  afterAll(async () => {
    await lab?.close();
  });

  const startBoth = async (): Promise<Record<Daemon, Running>> => {
    const running = {} as Record<Daemon, Running>;
    for (const daemon of ['keepalived', 'kats'] as const) running[daemon] = lab.start(nodes[daemon].ns, daemon, config(nodes[daemon].host), { extraArgs: ['-V'] });
    for (const r of Object.values(running)) await waitFor(`${r.daemon} MASTER`, () => lastState(r) === 'MASTER', 20_000, () => r.lines.join('\n'));
    return running;
  };
  const priorityZero = (host: number): number => adverts.filter((l) => l.includes(`10.99.${SUBNET}.${host} > 224.0.0.18`) && l.includes('prio 0')).length;
  const removals = (r: Running): number => r.lines.filter((l) => l.endsWith('(VI_1) removing VIPs.')).length;

  it('leaves the VIP and sends no priority-0 advert at the stop; removes it before the next election', async () => {
    const first = await startBoth();
    const heard = (host: number): boolean => adverts.some((l) => l.includes(`10.99.${SUBNET}.${host} > 224.0.0.18`));
    await waitFor('adverts of both on the bridge', () => heard(1) && heard(2), 10_000, () => adverts.join('\n'));
    for (const r of Object.values(first)) await lab.stop(r);
    const afterStop = (daemon: Daemon) => ({ vip: lab.hasAddress(nodes[daemon].ns, vip(nodes[daemon].host)), priorityZero: priorityZero(nodes[daemon].host) });
    expect(afterStop('keepalived')).toEqual({ vip: true, priorityZero: 0 });
    expect(afterStop('kats')).toEqual(afterStop('keepalived'));

    const second = await startBoth();
    expect(removals(second.keepalived)).toBe(2);
    expect(removals(second.kats)).toBe(removals(second.keepalived));
    for (const daemon of ['keepalived', 'kats'] as const) expect(lab.hasAddress(nodes[daemon].ns, vip(nodes[daemon].host))).toBe(true);
    for (const r of Object.values(second)) await lab.stop(r);
  });
});
