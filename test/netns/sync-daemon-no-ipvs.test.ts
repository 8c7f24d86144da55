/**
 * lvs_sync_daemon naming an instance on a host without the ip_vs module,
 * beside keepalived 2.2.7: its VRRP process cannot open IPVS, logs why and
 * dies (keepalived's of SIGSEGV), and the parent starts it again; no
 * instance ever runs, so the VIP never appears. Both daemons run the same
 * configuration in turn in one namespace. Skipped where ip_vs can be loaded
 * (the VM layer covers IPVS). Needs `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 43;
const VIP = `10.99.${SUBNET}.100`;
const CONFIG =
  'global_defs {\n  lvs_sync_daemon eth0 inst VI_1\n}\n' +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  virtual_ipaddress {\n    ${VIP}/24\n  }\n}\n`;
const FAILED = "IPVS: Can't initialize ipvs:";

/** ip_vs loaded already, or loadable: then IPVS opens and there is nothing to see here. */
const ipvsAvailable = (): boolean => fs.existsSync('/proc/net/ip_vs') || spawnSync('modinfo', ['ip_vs'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!requireNetnsOrSkip() || ipvsAvailable())('lvs_sync_daemon without IPVS beside keepalived 2.2.7', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('sync-daemon-no-ipvs'));
    ns = lab.addNode(1);
  });
  afterAll(async () => {
    await lab?.close();
  });

  /** Runs `daemon` until its VRRP process has failed twice (started again once), watching the VIP meanwhile. */
  async function run(daemon: Daemon): Promise<{ lines: string[]; failures: string[]; vipSeen: boolean }> {
    const r: Running = lab.start(ns, daemon, CONFIG);
    let vipSeen = false;
    const failures = (): string[] => r.lines.filter((l) => l.includes(FAILED)).map((l) => l.slice(l.indexOf(FAILED)));
    try {
      await waitFor(`${daemon}: its VRRP process failing twice`, () => (vipSeen ||= lab.hasAddress(ns, VIP)) || failures().length >= 2, 30_000, () => r.lines.join('\n'));
    } finally {
      await lab.killAllAndWait(r);
    }
    return { lines: r.lines, failures: failures(), vipSeen };
  }

  it('logs why, starts the VRRP process again and never runs the instance, as keepalived', async () => {
    const theirs = await run('keepalived');
    const ours = await run('kats');
    const entering = (lines: string[]): string[] => lines.filter((l) => /\(VI_1\) Entering/.test(l));
    for (const [who, seen] of [['keepalived', theirs], ['keepalived-ts', ours]] as const) {
      expect(seen.vipSeen, `${who}: the VIP appeared\n${seen.lines.join('\n')}`).toBe(false);
      expect(entering(seen.lines), who).toEqual([]);
      expect(seen.lines.filter((l) => / Initializing ipvs$/.test(l)).length, who).toBeGreaterThanOrEqual(2);
    }
    expect(theirs.failures.slice(0, 2)).toEqual([`${FAILED} No such file or directory`, `${FAILED} No such file or directory`]);
    expect(ours.failures.slice(0, 2)).toEqual(theirs.failures.slice(0, 2));
  }, 90_000);
});
