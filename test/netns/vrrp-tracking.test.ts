/**
 * What keepalived-ts tracks moves the MASTER: keepalived-ts (priority 150)
 * tracks two vrrp_scripts that test for a flag file each, one with weight
 * -60 (failing drops it to 90, under keepalived's 100) and one with weight 0
 * (failing puts it in FAULT), and its own interface; keepalived 2.2.7 is the
 * other router (VRRPv3, advert_int 0.1 s). The steps run in order on the
 * one pair. Needs `npm run build`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, monotonicMs, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { context, expectMaster, holdMaster, masterDownMs, MODES, Node, SLACK_MS, vrrpConfig } from './vrrp-interop-support.js';

const SUBNET = 23;
const MODE = MODES.v3Ipv4;
const VIP = `10.99.${SUBNET}.100`;

describe.skipIf(!requireNetnsOrSkip())('tracking moves the MASTER between keepalived-ts and keepalived', () => {
  let lab: Lab;
  let kats: Node;
  let keepalived: Node;
  let prioFlag: string;
  let upFlag: string;
  const why = (): string => context([kats, keepalived], VIP)();

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('tracking'));
    kats = new Node(lab, 1, 'kats');
    keepalived = new Node(lab, 2, 'keepalived');
    prioFlag = path.join(lab.dir, 'prio-flag');
    upFlag = path.join(lab.dir, 'up-flag');
    fs.writeFileSync(prioFlag, '');
    fs.writeFileSync(upFlag, '');
    const scripts = [
      'vrrp_script chk_prio {',
      `  script "/usr/bin/test -e ${prioFlag}"`,
      '  interval 1',
      '  weight -60',
      '}',
      'vrrp_script chk_up {',
      `  script "/usr/bin/test -e ${upFlag}"`,
      '  interval 1',
      '  weight 0',
      '}',
    ].join('\n');
    const globals = '  enable_script_security\n  script_user root';
    kats.start(
      vrrpConfig(MODE, kats, [keepalived], {
        vrid: 51,
        vip: VIP,
        priority: 150,
        globals,
        preamble: scripts,
        instance: '  track_script {\n    chk_prio\n    chk_up\n  }',
      }),
    );
    keepalived.start(vrrpConfig(MODE, keepalived, [kats], { vrid: 51, vip: VIP, priority: 100, globals }));
    await expectMaster('keepalived-ts MASTER', kats, [keepalived], VIP, masterDownMs(MODE, 100) + SLACK_MS);
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('a failing weight -60 script drops keepalived-ts to 90: keepalived takes over; passing again, keepalived-ts preempts', async () => {
    const since = monotonicMs();
    fs.rmSync(prioFlag);
    await expectMaster('keepalived MASTER', keepalived, [kats], VIP, SLACK_MS);
    expect(kats.state(), why()).toBe('BACKUP');
    expect(kats.linesSince(since).join('\n'), why()).toMatch(/VRRP_Script\(chk_prio\) failed/);
    await holdMaster('keepalived stays MASTER while the script fails', keepalived, [kats], VIP, 1_500);

    fs.writeFileSync(prioFlag, '');
    await expectMaster('keepalived-ts MASTER again', kats, [keepalived], VIP, SLACK_MS);
    expect(kats.linesSince(since).join('\n'), why()).toMatch(/VRRP_Script\(chk_prio\) succeeded/);
  });

  it('a failing weight 0 script puts keepalived-ts in FAULT: keepalived takes over; passing again, keepalived-ts comes back', async () => {
    const since = monotonicMs();
    fs.rmSync(upFlag);
    await waitFor('keepalived-ts FAULT', () => kats.entered('FAULT', since) !== undefined, SLACK_MS, why);
    await expectMaster('keepalived MASTER', keepalived, [kats], VIP, SLACK_MS);
    expect(kats.state(), why()).toBe('FAULT');
    await holdMaster('keepalived stays MASTER while keepalived-ts is in FAULT', keepalived, [kats], VIP, 1_500);

    const back = monotonicMs();
    fs.writeFileSync(upFlag, '');
    await expectMaster('keepalived-ts MASTER again', kats, [keepalived], VIP, SLACK_MS);
    expect(kats.entered('BACKUP', back), `keepalived-ts leaves FAULT through BACKUP\n${why()}`).toBeDefined();
  });

  it('link down puts keepalived-ts in FAULT and keepalived takes over; link up, keepalived-ts comes back', async () => {
    const since = monotonicMs();
    lab.link(kats.ns, false);
    await waitFor('(VI_1) Entering FAULT STATE', () => kats.entered('FAULT', since) !== undefined, SLACK_MS, why);
    await expectMaster('keepalived MASTER', keepalived, [kats], VIP, masterDownMs(MODE, 100) + SLACK_MS);
    expect(kats.state(), why()).toBe('FAULT');

    const back = monotonicMs();
    lab.link(kats.ns, true);
    await expectMaster('keepalived-ts MASTER again', kats, [keepalived], VIP, masterDownMs(MODE, 150) + SLACK_MS);
    expect(kats.entered('BACKUP', back), `keepalived-ts leaves FAULT through BACKUP\n${why()}`).toBeDefined();
  });
});
