/**
 * SIGHUP on a running pair: keepalived-ts (priority 150, MASTER) and
 * keepalived 2.2.7 (priority 100, BACKUP), VRRPv2 multicast, advert_int 1.
 * The steps run in order on the one pair:
 *
 *  1. the same configuration again: no state change, the VIP never leaves
 *     (`ip addr` polled through the reload), no gratuitous ARP;
 *  2. a broken configuration (an unterminated block; then a non-existent
 *     interface): the parent logs the diagnostic and refuses, the VRRP child
 *     is not told, the running configuration goes on;
 *  3. one VIP added (on both nodes, as an operator would: keepalived's backup
 *     refuses adverts whose address list differs from its own): only that
 *     address is added; like keepalived, the master announces its addresses once;
 *  4. for comparison, keepalived as the master through the same two reloads.
 *
 * Needs `npm run build`.
 */
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, monotonicMs, waitFor } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';
import { Capture, context, expectMaster, MODES, Node, SLACK_MS, vrrpConfig, type InstanceOptions } from './vrrp-interop-support.js';

const SUBNET = 27;
const MODE = MODES.v2Pass;
const VIP = `10.99.${SUBNET}.100`;
const VIP2 = `10.99.${SUBNET}.101`;

describe.skipIf(!requireNetnsOrSkip())('SIGHUP reload of keepalived-ts against keepalived', () => {
  let lab: Lab;
  let kats: Node;
  let keepalived: Node;
  let capture: Capture;
  const why = (): string => context([kats, keepalived], VIP)();

  const configOf = (n: Node, o: Partial<InstanceOptions> & { priority: number }): string =>
    vrrpConfig(MODE, n, [n === kats ? keepalived : kats], { vrid: 61, vip: VIP, ...o });
  const twoVips = `  virtual_ipaddress {\n    ${VIP}/24\n    ${VIP2}/24\n  }`;
  const withTwoVips = (text: string): string => text.replace(/  virtual_ipaddress \{\n[^}]*\}/, twoVips);

  /** Rewrites the node's configuration file and sends SIGHUP to its parent. */
  const reload = (n: Node, text: string): void => {
    fs.writeFileSync(n.running!.config, text);
    n.running!.proc.kill('SIGHUP');
  };
  const childReloaded = (n: Node, since: number): boolean => n.linesSince(since).some((l) => /: Reloading$/.test(l));

  /**
   * Polls `ip addr` on both nodes until `done` and for `afterMs` more: the master must hold
   * the addresses and the backup none of them at every look. Returns the number of looks.
   */
  const watchRoles = async (master: Node, backup: Node, vips: string[], done: () => boolean, afterMs: number): Promise<number> => {
    let looks = 0;
    let doneAt: number | undefined;
    const deadline = Date.now() + SLACK_MS;
    for (;;) {
      const held = lab.addresses(master.ns);
      const other = lab.addresses(backup.ns);
      looks++;
      for (const vip of vips) {
        if (!held.includes(vip)) throw new Error(`${master.name} lost ${vip} during the reload (look ${looks})\n${why()}`);
        if (other.includes(vip)) throw new Error(`${backup.name} took ${vip} during the reload (look ${looks})\n${why()}`);
      }
      if (doneAt === undefined && done()) doneAt = Date.now();
      if (doneAt !== undefined && Date.now() - doneAt >= afterMs) return looks;
      if (Date.now() > deadline) throw new Error(`the reload did not complete\n${why()}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };

  beforeAll(async () => {
    lab = new Lab(SUBNET, tempDir('reload'));
    kats = new Node(lab, 1, 'kats');
    keepalived = new Node(lab, 2, 'keepalived');
    capture = new Capture(lab, 'reload');
    await capture.started();
    keepalived.start(configOf(keepalived, { priority: 100 }));
    kats.start(configOf(kats, { priority: 150 }));
    await expectMaster('keepalived-ts MASTER', kats, [keepalived], VIP, 5_000 + SLACK_MS);
    // past the second gratuitous ARP burst (garp_master_delay 5 s) of taking over
    await new Promise((r) => setTimeout(r, 6_000));
  }, 40_000);

  afterAll(async () => {
    await Promise.all([kats?.stop(), keepalived?.stop()]);
    await capture?.stop();
    await lab?.close();
  });

  /** keepalived's parent says `Startup complete`/`Reload complete` once the children have read the file (config_notify.c). */
  const completeAfterChild = (lines: readonly string[], child: RegExp, complete: string): void => {
    const childAt = lines.findIndex((l) => child.test(l));
    const completeAt = lines.findIndex((l) => l.endsWith(`: ${complete}`));
    expect(childAt, why()).toBeGreaterThanOrEqual(0);
    expect(completeAt, why()).toBeGreaterThan(childAt);
  };

  it("says Startup complete once the VRRP child has read its configuration, as keepalived's parent", () => {
    // the child's instances enter BACKUP once it has told the parent: either line may come first, so an earlier one
    for (const n of [kats, keepalived]) completeAfterChild(n.running!.lines, /: Registering Kernel netlink reflector$/, 'Startup complete');
  });

  it('the same configuration: no state change, the VIP stays, no gratuitous ARP', async () => {
    const since = monotonicMs();
    const sinceWall = Date.now();
    reload(kats, configOf(kats, { priority: 150 }));
    const looks = await watchRoles(kats, keepalived, [VIP], () => childReloaded(kats, since), 2_500);
    const said = kats.linesSince(since);
    expect(said.some((l) => /: Reloading \.\.\.$/.test(l)), why()).toBe(true);
    expect(said.filter((l) => /Entering|removing VIPs|setting VIPs|gratuitous/.test(l)), why()).toEqual([]);
    expect(keepalived.linesSince(since).filter((l) => /Entering/.test(l)), why()).toEqual([]);
    expect(capture.announcements(kats.mac, VIP, sinceWall), why()).toBe(0);
    completeAfterChild(said, /: Reloading$/, 'Reload complete');
    console.info(`unchanged reload: ${looks} looks at ip addr, no flap; kats said:\n  ${said.join('\n  ')}`);
  }, 20_000);

  it('a broken configuration is refused with its diagnostic; the running one goes on', async () => {
    const good = configOf(kats, { priority: 150 });
    for (const [broken, diagnostic] of [
      [good.replace(/\}\n$/, ''), "There are 1 missing '}'s or extra '{'s"],
      [good.replace('interface eth0', 'interface nosuch0'), 'Non-existent interface specified in configuration'],
    ] as const) {
      const since = monotonicMs();
      reload(kats, broken);
      await waitFor('the refusal', () => kats.linesSince(since).some((l) => l.includes('Reload aborted')), SLACK_MS, why);
      await watchRoles(kats, keepalived, [VIP], () => true, 1_500);
      const said = kats.linesSince(since);
      expect(said.some((l) => l.includes(diagnostic)), why()).toBe(true);
      expect(said.some((l) => l.includes('Reload aborted: the new configuration has errors; the running one is kept')), why()).toBe(true);
      expect(childReloaded(kats, since), why()).toBe(false);
      expect(said.filter((l) => /Entering/.test(l)), why()).toEqual([]);
      expect(kats.state()).toBe('MASTER');
    }
    fs.writeFileSync(kats.running!.config, good);
  }, 30_000);

  it('one VIP added: only that address is added; the master announces its addresses once, as keepalived', async () => {
    const since = monotonicMs();
    const sinceWall = Date.now();
    // the backup first: until the master has the new list too, keepalived refuses its adverts (within master down 3.6 s)
    reload(keepalived, withTwoVips(configOf(keepalived, { priority: 100 })));
    reload(kats, withTwoVips(configOf(kats, { priority: 150 })));
    await waitFor(`${VIP2} on keepalived-ts`, () => kats.has(VIP2), SLACK_MS, why);
    await watchRoles(kats, keepalived, [VIP, VIP2], () => childReloaded(kats, since), 4_500);
    const said = kats.linesSince(since);
    expect(said.filter((l) => /Entering/.test(l)), why()).toEqual([]);
    expect(keepalived.linesSince(since).filter((l) => /Entering/.test(l)), why()).toEqual([]);
    const garps = { [VIP]: capture.announcements(kats.mac, VIP, sinceWall), [VIP2]: capture.announcements(kats.mac, VIP2, sinceWall) };
    console.info(`VIP added on keepalived-ts: gratuitous ARPs ${JSON.stringify(garps)}`);
    expect(garps[VIP2], why()).toBe(5);
    expect(garps[VIP], why()).toBe(5);
  }, 30_000);

  it('for comparison, keepalived as the master: the same reloads, the same traffic', async () => {
    // keepalived takes over when keepalived-ts stops; keepalived-ts comes back as the lower priority
    await kats.stop('SIGTERM');
    await expectMaster('keepalived MASTER', keepalived, [kats], VIP, SLACK_MS);
    kats.start(withTwoVips(configOf(kats, { priority: 50 })));
    await waitFor('keepalived-ts BACKUP', () => kats.state() === 'BACKUP', SLACK_MS, why);
    await new Promise((r) => setTimeout(r, 6_000));

    let since = monotonicMs();
    let sinceWall = Date.now();
    reload(keepalived, withTwoVips(configOf(keepalived, { priority: 100 })));
    await watchRoles(keepalived, kats, [VIP, VIP2], () => childReloaded(keepalived, since), 2_500);
    const unchanged = { [VIP]: capture.announcements(keepalived.mac, VIP, sinceWall), [VIP2]: capture.announcements(keepalived.mac, VIP2, sinceWall) };
    expect(keepalived.linesSince(since).filter((l) => /Entering/.test(l)), why()).toEqual([]);
    completeAfterChild(keepalived.linesSince(since), /: Reloading$/, 'Reload complete');

    since = monotonicMs();
    sinceWall = Date.now();
    const three = withTwoVips(configOf(keepalived, { priority: 100 })).replace(`${VIP2}/24\n`, `${VIP2}/24\n    10.99.${SUBNET}.102/24\n`);
    reload(kats, withTwoVips(configOf(kats, { priority: 50 })).replace(`${VIP2}/24\n`, `${VIP2}/24\n    10.99.${SUBNET}.102/24\n`));
    reload(keepalived, three);
    await waitFor('the third VIP on keepalived', () => keepalived.has(`10.99.${SUBNET}.102`), SLACK_MS, why);
    await watchRoles(keepalived, kats, [VIP, VIP2], () => childReloaded(keepalived, since), 4_500);
    const added = { [VIP]: capture.announcements(keepalived.mac, VIP, sinceWall), [`10.99.${SUBNET}.102`]: capture.announcements(keepalived.mac, `10.99.${SUBNET}.102`, sinceWall) };
    console.info(`keepalived as master: unchanged reload gratuitous ARPs ${JSON.stringify(unchanged)}; VIP added ${JSON.stringify(added)}`);
    expect(Object.values(unchanged)).toEqual([0, 0]);
    expect(Object.values(added)).toEqual([5, 5]);
    // keepalived-ts as the backup went through its reload without a state change either
    expect(kats.linesSince(since).filter((l) => /Entering/.test(l)), why()).toEqual([]);
  }, 60_000);
});
