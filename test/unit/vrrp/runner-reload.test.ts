/**
 * SIGHUP on the simulated LAN: the runner takes over a new configuration as
 * keepalived's reload does (instances matched by VRID/interface/family, not
 * by name; states kept; only the VIP difference applied).
 */
import { describe, expect, it } from 'vitest';
import { parseText, SCRIPT, SECURE } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig, type VrrpRunSettings } from '../../../src/vrrp/settings/from-config.js';
import { Lan, Node } from './runner-world.js';

const S = 1_000_000;

interface Inst {
  name?: string;
  vrid?: number;
  priority: number;
  vips?: string[];
  extra?: string;
}

function instance({ name = 'VI_1', vrid = 51, priority, vips = ['10.0.0.100/24'], extra = '' }: Inst): string {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority ${priority}\n advert_int 1\n notify ${SCRIPT}\n${extra}\n virtual_ipaddress {\n${vips.map((v) => `  ${v}\n`).join('')} }\n}\n`;
}

function settingsOf(text: string): VrrpRunSettings {
  const parsed = parseText(SECURE + text);
  expect(parsed.messages.filter((m) => !m.includes('has only 1 virtual router'))).toEqual([]);
  return vrrpSettingsFromConfig(parsed.result.config);
}

/** Two nodes elected on `textA` / `textB`, settled, with their records cleared. */
function pair(textA: string, textB: string): { lan: Lan; a: Node; b: Node } {
  const lan = new Lan();
  const a = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', settingsOf(textA));
  const b = new Node(lan, 'n2', '10.0.0.2', 'fe80::2', settingsOf(textB));
  a.runner.start();
  b.runner.start();
  lan.clock.advance(10 * S);
  for (const n of [a, b]) {
    n.vipOps.length = 0;
    n.announced.length = 0;
    n.notified.length = 0;
    n.stateChanges.length = 0;
    n.lines.length = 0;
  }
  return { lan, a, b };
}

const advertsFrom = (lan: Lan, node: string, since: number) => lan.wire.filter((w) => w.from === node && w.at >= since);

describe('VrrpRunner reload (SIGHUP)', () => {
  it('an unchanged configuration changes nothing: no state change, no VIP operation, no gratuitous ARP, no notify', async () => {
    const { lan, a, b } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    const at = lan.clock.nowUs();
    a.reload(settingsOf(instance({ priority: 150 })));
    b.reload(settingsOf(instance({ priority: 100 })));
    lan.clock.advance(10 * S);
    await Promise.resolve();
    for (const n of [a, b]) {
      expect(n.stateChanges).toEqual([]);
      expect(n.vipOps).toEqual([]);
      expect(n.announced).toEqual([]);
      expect(n.notified).toEqual([]);
      expect(n.lines.filter((l) => /Entering|priority/.test(l))).toEqual([]);
    }
    expect([...a.vips]).toEqual(['10.0.0.100']);
    // keepalived: one advert before reading the configuration, one at once after (reload_master), then every second
    const sent = advertsFrom(lan, 'n1', at).map((w) => w.at - at);
    expect(sent.slice(0, 3)).toEqual([0, 0, S]);
    expect(advertsFrom(lan, 'n2', at)).toEqual([]);
  });

  it('a VIP added on the master is the only one added; the burst announces the instance VIPs as keepalived does', async () => {
    const { lan, a, b } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    a.reload(settingsOf(instance({ priority: 150, vips: ['10.0.0.100/24', '10.0.0.101/24'] })));
    b.reload(settingsOf(instance({ priority: 100, vips: ['10.0.0.100/24', '10.0.0.101/24'] })));
    lan.clock.advance(S);
    // only a's advert sent before it read the new configuration lists the old addresses
    const mismatches = b.stats().addr_list_err;
    expect(mismatches).toBeLessThanOrEqual(1);
    lan.clock.advance(10 * S);
    await Promise.resolve();
    expect(a.vipOps).toEqual(['add 10.0.0.101']);
    expect(a.announced.map((x) => `${x.address} x${x.repeat}`)).toEqual(['10.0.0.100 x5', '10.0.0.101 x5']);
    expect([...a.vips].sort()).toEqual(['10.0.0.100', '10.0.0.101']);
    expect(a.stateChanges).toEqual([]);
    expect(a.notified).toEqual([]);
    expect(b.vipOps).toEqual([]);
    expect(b.stateChanges).toEqual([]);
    expect(b.stats().addr_list_err).toBe(mismatches);
  });

  it('a VIP removed on the master is the only one removed, without gratuitous ARPs', async () => {
    const two = ['10.0.0.100/24', '10.0.0.101/24'];
    const { lan, a } = pair(instance({ priority: 150, vips: two }), instance({ priority: 100, vips: two }));
    a.reload(settingsOf(instance({ priority: 150 })));
    lan.clock.advance(S);
    await Promise.resolve();
    expect(a.vipOps).toEqual(['remove 10.0.0.101']);
    expect(a.announced).toEqual([]);
    expect([...a.vips]).toEqual(['10.0.0.100']);
    expect(a.stateChanges).toEqual([]);
  });

  it('an instance removed on the master sends priority 0, drops its VIPs, reports FAULT, and the backup takes over at once', async () => {
    const { lan, a, b } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    const at = lan.clock.nowUs();
    a.reload(settingsOf(instance({ name: 'VI_2', vrid: 52, priority: 150, vips: ['10.0.0.200/24'] })));
    expect(a.stats('VI_2')).toBeDefined();
    expect(a.runner.instances().map((i) => i.name)).toEqual(['VI_2']);
    await Promise.resolve();
    expect(a.vipOps).toEqual(['remove 10.0.0.100']);
    expect(a.notified).toContainEqual([SCRIPT, 'INSTANCE', 'VI_1', 'FAULT', '150']);
    expect(a.stateChanges).toEqual(['VI_1 MASTER>STOP', 'VI_2 INIT>BACKUP']);
    expect(a.lines).toContain('(VI_1) sent 0 priority');
    // skew time (256 − 100)/256 s after the priority-0 advert
    while (b.state() !== 'MASTER') lan.clock.advance(100);
    expect(lan.clock.nowUs() - at).toBeLessThan(S);
    expect(b.lines).toContain('(VI_1) Backup received priority 0 advertisement');
  });

  it('an instance added starts in BACKUP and elects', () => {
    const { lan, a, b } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    const second = (priority: number) => instance({ name: 'VI_2', vrid: 52, priority, vips: ['10.0.0.200/24'] });
    a.reload(settingsOf(instance({ priority: 150 }) + second(90)));
    b.reload(settingsOf(instance({ priority: 100 }) + second(120)));
    expect(a.lines).toContain('(VI_2) Entering BACKUP STATE (init)');
    expect([a.state('VI_2'), b.state('VI_2')]).toEqual(['BACKUP', 'BACKUP']);
    lan.clock.advance(10 * S);
    expect([a.state('VI_1'), b.state('VI_1'), a.state('VI_2'), b.state('VI_2')]).toEqual(['MASTER', 'BACKUP', 'BACKUP', 'MASTER']);
    expect(a.stateChanges).toEqual(['VI_2 INIT>BACKUP']);
    expect(b.stateChanges).toEqual(['VI_2 INIT>BACKUP', 'VI_2 BACKUP>MASTER']);
  });

  it('a priority raised on the backup takes the master role over', () => {
    const { lan, a, b } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    b.reload(settingsOf(instance({ priority: 200 })));
    lan.clock.advance(10 * S);
    expect([a.state(), b.state()]).toEqual(['BACKUP', 'MASTER']);
    expect(a.lines).toContain('(VI_1) Master received advert from 10.0.0.2 with higher priority 200, ours 150');
  });

  it('a priority lowered on the master hands over once the backup hears it', () => {
    const { lan, a, b } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    a.reload(settingsOf(instance({ priority: 50 })));
    lan.clock.advance(10 * S);
    expect([a.state(), b.state()]).toEqual(['BACKUP', 'MASTER']);
  });

  it('matches instances by VRID and interface, not by name: a renamed master stays master', async () => {
    const { lan, a } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    a.reload(settingsOf(instance({ name: 'RENAMED', priority: 150 })));
    lan.clock.advance(10 * S);
    await Promise.resolve();
    expect(a.runner.instances().map((i) => `${i.name} ${i.state.state}`)).toEqual(['RENAMED MASTER']);
    expect(a.vipOps).toEqual([]);
    expect(a.stateChanges).toEqual([]);
    expect(a.stats('RENAMED').advert_sent).toBeGreaterThan(10);
  });

  it('a changed VRID is a removed instance and a new one', async () => {
    const { lan, a } = pair(instance({ priority: 150 }), instance({ priority: 100 }));
    a.reload(settingsOf(instance({ vrid: 60, priority: 150 })));
    await Promise.resolve();
    expect(a.stateChanges).toEqual(['VI_1 MASTER>STOP', 'VI_1 INIT>BACKUP']);
    expect(a.vipOps).toEqual(['remove 10.0.0.100']);
    lan.clock.advance(10 * S);
    expect(a.state()).toBe('MASTER');
  });

  it('keeps the states of an unchanged sync group without notifies', () => {
    const group = (priority: number) =>
      `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify ${SCRIPT}\n}\n` +
      instance({ priority }) +
      instance({ name: 'VI_2', vrid: 52, priority, vips: ['10.0.0.200/24'] });
    const { lan, a, b } = pair(group(150), group(100));
    expect(a.runner.instances().map((i) => i.state.state)).toEqual(['MASTER', 'MASTER']);
    a.reload(settingsOf(group(150)));
    b.reload(settingsOf(group(100)));
    lan.clock.advance(10 * S);
    for (const n of [a, b]) {
      expect(n.stateChanges).toEqual([]);
      expect(n.notified).toEqual([]);
      expect(n.vipOps).toEqual([]);
    }
  });

  it('keeps a sync group in FAULT silently, and it comes back when the fault clears', () => {
    const group = (priority: number) =>
      `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify ${SCRIPT}\n}\n` +
      instance({ priority }) +
      instance({ name: 'VI_2', vrid: 52, priority, vips: ['10.0.0.200/24'] });
    const { lan, a } = pair(group(150), group(100));
    a.setLink(false);
    lan.clock.advance(S);
    expect(a.runner.instances().map((i) => i.state.state)).toEqual(['FAULT', 'FAULT']);
    a.notified.length = 0;
    a.stateChanges.length = 0;
    a.reload(settingsOf(group(150)));
    lan.clock.advance(S);
    expect(a.notified).toEqual([]);
    expect(a.stateChanges).toEqual([]);
    a.setLink(true);
    lan.clock.advance(10 * S);
    expect(a.runner.instances().map((i) => i.state.state)).toEqual(['MASTER', 'MASTER']);
  });

  it('a new member joining a master sync group: the group steps down and elects again', () => {
    const one = (priority: number) => `vrrp_sync_group G {\n group {\n  VI_1\n }\n}\n` + instance({ priority });
    const two = (priority: number) =>
      `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n` + instance({ priority }) + instance({ name: 'VI_2', vrid: 52, priority, vips: ['10.0.0.200/24'] });
    const { lan, a, b } = pair(one(150), one(100));
    a.reload(settingsOf(two(150)));
    b.reload(settingsOf(two(100)));
    expect(a.state()).toBe('BACKUP');
    lan.clock.advance(10 * S);
    expect([a.state('VI_1'), a.state('VI_2'), b.state('VI_1'), b.state('VI_2')]).toEqual(['MASTER', 'MASTER', 'BACKUP', 'BACKUP']);
  });

  it('carries script states into the new configuration', () => {
    const tracked = (priority: number) =>
      `vrrp_script chk {\n script ${SCRIPT}\n weight -60\n}\n` + instance({ priority, extra: ' track_script {\n  chk\n }' });
    const { lan, a, b } = pair(tracked(150), tracked(100));
    a.runner.track({ kind: 'script', name: 'chk', ok: true });
    b.runner.track({ kind: 'script', name: 'chk', ok: true });
    lan.clock.advance(5 * S);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    a.reload(settingsOf(tracked(150)), { scripts: { chk: true } });
    lan.clock.advance(10 * S);
    expect(a.state()).toBe('MASTER');
    expect(a.stateChanges).toEqual([]);
    // the script went KO before the reload: the new configuration starts with it KO
    a.runner.track({ kind: 'script', name: 'chk', ok: false });
    lan.clock.advance(5 * S);
    expect([a.state(), b.state()]).toEqual(['BACKUP', 'MASTER']);
    a.reload(settingsOf(tracked(150)), { scripts: { chk: false } });
    lan.clock.advance(10 * S);
    expect([a.state(), b.state()]).toEqual(['BACKUP', 'MASTER']);
  });
});
