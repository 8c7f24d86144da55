import { describe, expect, it } from 'vitest';
import { parseText } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { encodeIpv4Advert } from '../../../src/vrrp/wire/ipv4-advert.js';
import type { VrrpFields } from '../../../src/vrrp/wire/packet.js';
import { Lan, Node } from './runner-world.js';

const S = 1_000_000;

function conf(priority: number, extra = '', family: 4 | 6 = 4): string {
  const vip = family === 4 ? '10.0.0.100/24' : 'fd00::100/64';
  return `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n advert_int 1\n${extra}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`;
}

function node(lan: Lan, n: number, text: string): Node {
  const parsed = parseText(text);
  expect(parsed.exitCode).toBe(0);
  return new Node(lan, `n${n}`, `10.0.0.${n}`, `fe80::${n}`, vrrpSettingsFromConfig(parsed.result.config));
}

/** Step the clock by 0.1 ms until `n` is MASTER; returns that time. */
function untilMaster(lan: Lan, n: Node): number {
  while (n.state() !== 'MASTER') lan.clock.advance(100);
  return lan.clock.nowUs();
}

function expectWithinStep(measured: number, expected: number): void {
  expect(measured).toBeGreaterThanOrEqual(expected);
  expect(measured).toBeLessThan(expected + 100);
}

describe('VrrpRunner on a simulated LAN', () => {
  it('under -V logs vrrp_init_state\'s second removal and leaves the VIPs at the stop, with no priority-0 advert', async () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    a.runner.start({ dontReleaseVrrp: true });
    expect(a.lines.filter((l) => l === '(VI_1) removing VIPs.')).toHaveLength(2);
    lan.clock.advance(5 * S);
    await Promise.resolve();
    expect([...a.vips]).toEqual(['10.0.0.100']);
    await a.runner.stop({ keepAddresses: true });
    expect([...a.vips]).toEqual(['10.0.0.100']);
    expect(a.stats().pri_zero_sent).toBe(0);
  });

  it('clears every counter at SIGSTATS_CLEAR, and counts on from 0', () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    const b = node(lan, 2, conf(100));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    expect(a.stats().advert_sent).toBeGreaterThan(1);
    a.runner.clearStats();
    expect(Object.values(a.stats()).every((n) => n === 0)).toBe(true);
    lan.clock.advance(S);
    expect(a.stats().advert_sent).toBe(1);
    expect(b.stats().advert_rcvd).toBeGreaterThan(1);
  });

  it('elects the higher priority, moves the VIP on SIGKILL and on SIGTERM after only skew time', async () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    const b = node(lan, 2, conf(100));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    await Promise.resolve();
    expect([...a.vips]).toEqual(['10.0.0.100']);
    expect([...b.vips]).toEqual([]);
    expect(a.announced).toEqual([{ address: '10.0.0.100', repeat: 5, at: expect.any(Number) }]);
    expect(a.lines).toContain('(VI_1) Entering MASTER STATE');
    expect(b.lines).toContain('(VI_1) Entering BACKUP STATE (init)');
    expect(b.stats().advert_rcvd).toBeGreaterThan(0);

    // SIGTERM: a priority-0 advert; the backup takes over after its skew time ((256-100)/256 s)
    const stopping = a.runner.stop();
    const stoppedAt = lan.clock.nowUs();
    expectWithinStep(untilMaster(lan, b) - stoppedAt, Math.floor((156 * S) / 256) + 100);
    await stopping;
    expect(a.vips.size).toBe(0);
    expect(b.lines).toContain('(VI_1) Backup received priority 0 advertisement');
    expect(a.stats().pri_zero_sent).toBe(1);
  });

  it('mails each state change of an instance with smtp_alert, and with no_email_faults no FAULT', async () => {
    const lan = new Lan();
    const a = node(lan, 1, `global_defs {\n no_email_faults\n}\n${conf(150, ' smtp_alert')}`);
    const quiet = node(lan, 2, conf(100));
    a.runner.start();
    quiet.runner.start();
    untilMaster(lan, a);
    a.setLink(false);
    lan.clock.advance(S);
    await a.runner.stop();
    expect(a.mails).toEqual([
      'VRRP Instance VI_1 - Entering BACKUP state | => VRRP Instance is no longer owning VRRP VIPs <=',
      'VRRP Instance VI_1 - Entering MASTER state | => VRRP Instance is now owning VRRP VIPs <=',
      'VRRP Instance VI_1 - Stopping | => VRRP Instance stopping <=',
    ]);
    expect(quiet.mails).toEqual([]);
  });

  it('takes over after the master-down interval when the master dies silently', () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    const b = node(lan, 2, conf(100));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    a.setLink(false);
    const lastAdvert = lan.wire.filter((w) => w.from === 'n1').at(-1)!.at;
    // 3 × 1 s + (256 − 100)/256 s after the last advert (+ its 0.1 ms on the wire)
    expectWithinStep(untilMaster(lan, b) - lastAdvert, 3 * S + Math.floor((156 * S) / 256) + 100);
    expect(a.state()).toBe('FAULT');
  });

  it('preempts when the higher priority returns, and not with nopreempt', () => {
    for (const [extra, expected] of [
      ['', ['MASTER', 'BACKUP']],
      [' nopreempt', ['BACKUP', 'MASTER']],
    ] as const) {
      const lan = new Lan();
      const b = node(lan, 2, conf(100));
      b.runner.start();
      lan.clock.advance(5 * S);
      expect(b.state()).toBe('MASTER');
      const a = node(lan, 1, conf(150, extra));
      a.runner.start();
      lan.clock.advance(6 * S);
      expect([a.state(), b.state()]).toEqual(expected);
    }
  });

  it('breaks a tie by the higher primary address', () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(100));
    const b = node(lan, 2, conf(100));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(8 * S);
    expect([a.state(), b.state()]).toEqual(['BACKUP', 'MASTER']);
  });

  it('counts and drops an advert with the wrong password', () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150, ' authentication {\n  auth_type PASS\n  auth_pass secret1\n }'));
    const b = node(lan, 2, conf(100, ' authentication {\n  auth_type PASS\n  auth_pass secret2\n }'));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(6 * S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'MASTER']);
    expect(b.stats().auth_failure).toBeGreaterThan(0);
    expect(b.stats().advert_rcvd).toBe(0);
  });

  it('logs a flood of refused adverts once per instance and reason per 10 s, with the count, and still counts each', async () => {
    const lan = new Lan();
    // VRRPv3 adverts every 10 ms, each with a broken checksum
    const v3 = ' version 3\n advert_int 0.01';
    const a = node(lan, 1, conf(150, v3));
    const b = node(lan, 2, conf(100, v3));
    lan.tamper = (packet) => {
      const broken = packet.slice();
      broken[26]! ^= 0xff;
      return broken;
    };
    a.runner.start();
    b.runner.start();
    lan.clock.advance(25 * S);
    const refusals = (): string[] => b.lines.filter((l) => l.startsWith('(VI_1) Invalid VRRPv3 checksum'));
    expect(b.stats().chk_err).toBeGreaterThan(2000);
    const [first, ...summaries] = refusals();
    expect(summaries.map((l) => l.replace(/^.*\(/, '('))).toEqual([expect.stringMatching(/^\(\d+ more in the last 10 s\)$/), expect.stringMatching(/^\(\d+ more in the last 10 s\)$/)]);
    await b.runner.stop();
    const counted = [first, ...refusals().slice(1)].reduce((n, l) => n + Number(/\((\d+) more/.exec(l!)?.[1] ?? 1), 0);
    expect(counted).toBe(b.stats().chk_err);
  });

  it("logs a stranger's flood of lower-priority adverts once per instance per 10 s, with the count, on the MASTER and the BACKUP", async () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    const b = node(lan, 2, conf(100));
    // a third router of the LAN whose daemon never runs: its socket sends what the test makes
    const stranger = node(lan, 3, conf(50));
    const socket = lan.socketsFor(stranger).open({ family: 'inet', ifname: 'eth0', ifindex: 1, multicastGroup: '224.0.0.18' }, () => undefined);
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    const fields: VrrpFields = { version: 2, vrid: 51, priority: 50, addresses: ['10.0.0.100'], authType: 0, advertIntervalSec: 1, authData: new Uint8Array(8) };
    const FLOOD = 1000;
    for (let i = 0; i < FLOOD; i++) {
      socket.send(encodeIpv4Advert(fields, { src: '10.0.0.3', dst: '224.0.0.18', ipId: i + 1 }), '224.0.0.18');
      lan.clock.advance(1000);
    }
    lan.clock.advance(15 * S);
    const said = (n: Node, line: string): string[] => n.lines.filter((l) => l.startsWith(line));
    const backupLines = said(b, '(VI_1) received lower priority (50) advert from 10.0.0.3 - discarding');
    const masterLines = said(a, '(VI_1) Received advert from 10.0.0.3 with lower priority 50, ours 150, forcing new election');
    for (const lines of [backupLines, masterLines]) {
      expect(lines.map((l) => l.replace(/^.* - discarding|^.*forcing new election/, ''))).toEqual(['', ` (${FLOOD - 1} more in the last 10 s)`]);
    }
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    await Promise.all([a.runner.stop(), b.runner.stop()]);
  });

  it("a BACKUP whose socket is read late (a flood keeps its loop busy) reads what is queued before its master-down wait ends, and holds", () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    const b = node(lan, 2, conf(100));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    const before = b.stats().advert_rcvd;
    lan.busy.add(b);
    // three master-down intervals (3.6 s each): the MASTER's adverts reach b's socket, but b reads them only at its expiry
    lan.clock.advance(11 * S);
    expect([a.state(), b.state(), b.stateChanges]).toEqual(['MASTER', 'BACKUP', ['VI_1 INIT>BACKUP']]);
    expect(b.stats().advert_rcvd - before).toBeGreaterThanOrEqual(9);
  });

  it('elects with AH authentication and counts a wrong key as an authentication failure', () => {
    const ah = (pass: string) => ` authentication {\n  auth_type AH\n  auth_pass ${pass}\n }`;
    const lan = new Lan();
    const a = node(lan, 1, conf(150, ah('secret1')));
    const b = node(lan, 2, conf(100, ah('secret1')));
    const c = node(lan, 3, conf(90, ah('other')));
    for (const n of [a, b, c]) n.runner.start();
    lan.clock.advance(6 * S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    expect(b.stats().advert_rcvd).toBeGreaterThan(0);
    expect(c.stats().auth_failure).toBeGreaterThan(0);
  });

  it('runs VRRPv3 over IPv6 with the link-local source and centisecond intervals', () => {
    const lan = new Lan();
    const v3 = ' version 3\n advert_int 0.05';
    const a = node(lan, 1, conf(150, v3, 6));
    const b = node(lan, 2, conf(100, v3, 6));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    a.setLink(false);
    const lastAdvert = lan.wire.filter((w) => w.from === 'n1').at(-1)!.at;
    // 3 × 50 ms + skew: (256 − 100) × 50 ms / 256
    expectWithinStep(untilMaster(lan, b) - lastAdvert, 150_000 + Math.floor((156 * 50_000) / 256) + 100);
  });

  it('closes the socket on a link that goes, opens one on the link made again, and is MASTER again through it', () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    a.runner.start();
    lan.clock.advance(5 * S);
    expect(a.state()).toBe('MASTER');
    a.remakeLink();
    expect(lan.opened).toEqual([
      { node: 'n1', ifindex: 2, closed: true },
      { node: 'n1', ifindex: 3, closed: false },
    ]);
    lan.clock.advance(5 * S);
    expect(a.state()).toBe('MASTER');
    expect(lan.wire.at(-1)?.at).toBeGreaterThan(lan.clock.nowUs() - S - 1);
  });

  it('tells the observer of every state change', () => {
    const lan = new Lan();
    const a = node(lan, 1, conf(150));
    a.runner.start();
    lan.clock.advance(5 * S);
    expect(a.stateChanges).toEqual(['VI_1 INIT>BACKUP', 'VI_1 BACKUP>MASTER']);
  });

  it('moves a sync group together', () => {
    const lan = new Lan();
    const two = (priority: number) =>
      `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n${conf(priority)}` +
      conf(priority).replace('VI_1', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52').replace('10.0.0.100', '10.0.0.101');
    const a = node(lan, 1, two(150));
    const b = node(lan, 2, two(100));
    a.runner.start();
    b.runner.start();
    lan.clock.advance(5 * S);
    expect([a.state('VI_1'), a.state('VI_2'), b.state('VI_1'), b.state('VI_2')]).toEqual(['MASTER', 'MASTER', 'BACKUP', 'BACKUP']);
    expect(a.stateChanges).toEqual(['VI_1 INIT>BACKUP', 'VI_2 INIT>BACKUP', 'VI_1 BACKUP>MASTER', 'VI_2 BACKUP>MASTER']);
  });
});
