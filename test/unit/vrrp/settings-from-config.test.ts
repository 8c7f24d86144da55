import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { instance, parseText, SCRIPT, SECURE } from '../config/vrrp-helpers.js';
import { DEFAULT_GARP } from '../../../src/vrrp/fsm/settings.js';
import { vrrpSettingsFromConfig, type InstanceRunSettings, type VrrpRunSettings } from '../../../src/vrrp/settings/from-config.js';
import { groupStep, initialGroupState, type GroupAction } from '../../../src/vrrp/fsm/sync-group.js';
import { initialInstanceState } from '../../../src/vrrp/fsm/step.js';
import type { FsmAction } from '../../../src/vrrp/fsm/types.js';
import { VRRP_AUTH } from '../../../src/vrrp/wire/packet.js';
import { EMPTY_TRACK_STATUS, type TrackStatus } from '../../../src/vrrp/fsm/track.js';
import { effects, S, Sim } from './fsm-harness.js';

function settingsOf(text: string): VrrpRunSettings {
  return vrrpSettingsFromConfig(parseText(text).result.config);
}

function only(text: string): InstanceRunSettings {
  const run = settingsOf(text);
  expect(run.instances).toHaveLength(1);
  return run.instances[0]!;
}

const UP: TrackStatus = { ...EMPTY_TRACK_STATUS, interfaces: { eth0: true, eth1: true }, interfaceAddress: '10.0.0.2' };

const SCRIPTS = `${SECURE}vrrp_script chk {\n script "${SCRIPT}"\n weight 10\n}\nvrrp_script chk2 {\n script "${SCRIPT} two"\n}\n`;

describe('vrrpSettingsFromConfig: defaults', () => {
  it('maps a minimal instance with keepalived defaults', () => {
    const r = only(instance());
    expect(r.fsm).toEqual({
      name: 'VI_1',
      interface: 'eth0',
      family: 'inet',
      version: 2,
      vrid: 51,
      priority: 100,
      initialState: 'BACKUP',
      advertIntUs: S,
      downTimerAdverts: 3,
      preempt: true,
      preemptDelayUs: 0,
      vips: ['10.0.0.1/32 dev eth0'],
      garp: DEFAULT_GARP,
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: false,
      notify: {},
      notifyDeleted: false,
      notifyPriorityChanges: false,
      tracked: [],
      dontTrackPrimary: false,
    });
    expect(r.vipTable.get('10.0.0.1/32 dev eth0')).toMatchObject({ address: '10.0.0.1', prefixLen: 32, device: 'eth0', scope: 0, excluded: false });
    expect(r.transport).toEqual({ unicast: false, unicastPeers: [], unicastTtl: 255, multicastDestination: '224.0.0.18', trackSourceAddress: false });
    expect(r.receive).toMatchObject({ authType: VRRP_AUTH.none, virtualAddresses: ['10.0.0.1'], unicastPeers: [], checkUnicastSource: false });
    expect(r).toMatchObject({ strict: false, accept: true, skipCheckAdvAddr: false, unicastChecksumCompat: 'none' });
    expect(r.configFault).toBeUndefined();
  });

  it('applies the global vrrp_* settings', () => {
    const g = `global_defs {
 vrrp_garp_master_delay 10
 vrrp_garp_master_repeat 3
 vrrp_garp_master_refresh 60
 vrrp_garp_master_refresh_repeat 2
 vrrp_garp_lower_prio_delay 7
 vrrp_garp_lower_prio_repeat 4
 vrrp_version 3
 vrrp_skip_check_adv_addr
 vrrp_down_timer_adverts 5
 vrrp_lower_prio_no_advert
 vrrp_higher_prio_send_advert
 vrrp_check_unicast_src
 vrrp_notify_priority_changes
 vrrp_startup_delay 2.5
}\n`;
    const run = settingsOf(g + instance(' garp_master_delay 2') + instance('', 'VI_2').replace('51', '52'));
    const [a, b] = run.instances;
    expect(a!.fsm.garp).toEqual({ masterDelayUs: 2 * S, masterRepeat: 3, masterRefreshUs: 60 * S, masterRefreshRepeat: 2, lowerPrioDelayUs: 7 * S, lowerPrioRepeat: 4, extraIfUs: 0, extraIfVips: [] });
    expect(b!.fsm.garp.masterDelayUs).toBe(10 * S);
    expect(a!.fsm).toMatchObject({ version: 3, downTimerAdverts: 5, lowerPrioNoAdvert: true, higherPrioSendAdvert: true, notifyPriorityChanges: true });
    expect(a!.skipCheckAdvAddr).toBe(true);
    expect(a!.receive.checkUnicastSource).toBe(true);
    expect(run.startupDelayUs).toBe(2.5 * S);
  });

  it('lower-priority garps default to the master garps', () => {
    const r = only(`global_defs {\n vrrp_garp_master_delay 3\n vrrp_garp_master_repeat 2\n}\n${instance()}`);
    expect(r.fsm.garp).toMatchObject({ lowerPrioDelayUs: 3 * S, lowerPrioRepeat: 2 });
  });

  it('vrrp_strict: no lower-priority garps or adverts, no accept', () => {
    const r = only(`global_defs {\n vrrp_strict\n}\n${instance()}`);
    expect(r.strict).toBe(true);
    expect(r.accept).toBe(false);
    expect(r.fsm.garp).toMatchObject({ lowerPrioDelayUs: 0, lowerPrioRepeat: 0 });
    expect(r.fsm).toMatchObject({ lowerPrioNoAdvert: true, higherPrioSendAdvert: false });
  });

  it('maps state, priority, preemption and timers', () => {
    expect(only(instance(' priority 255')).fsm).toMatchObject({ priority: 255, initialState: 'MASTER' });
    expect(only(instance(' state MASTER')).fsm).toMatchObject({ priority: 255, initialState: 'MASTER' });
    expect(only(instance(' nopreempt')).fsm.preempt).toBe(false);
    expect(only(instance(' preempt_delay 4.5\n advert_int 2')).fsm).toMatchObject({ preemptDelayUs: 4.5 * S, advertIntUs: 2 * S });
    expect(only(instance(' mcast_src_ip 10.0.0.2')).fsm.sourceAddress).toBe('10.0.0.2');
  });
});

describe('vrrpSettingsFromConfig: addresses', () => {
  it('keys VIPs and eVIPs with device, label and scope, and tracks their interfaces', () => {
    const r = only(
      instance(` virtual_ipaddress {\n  10.0.0.2/24 dev eth1 label eth1:1 scope link\n  10.0.0.3/24 dev eth1 no_track\n }\n virtual_ipaddress_excluded {\n  fd00::1/64\n }`),
    );
    expect(r.fsm.vips).toEqual(['10.0.0.1/32 dev eth0', '10.0.0.2/24 dev eth1 scope 253 label eth1:1', '10.0.0.3/24 dev eth1', 'fd00::1/64 dev eth0']);
    expect(r.vipTable.get('10.0.0.2/24 dev eth1 scope 253 label eth1:1')).toMatchObject({ device: 'eth1', label: 'eth1:1', scope: 253, excluded: false });
    expect(r.vipTable.get('fd00::1/64 dev eth0')).toMatchObject({ family: 'inet6', excluded: true });
    expect(r.receive.virtualAddresses).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(r.fsm.tracked).toEqual([{ kind: 'interface', name: 'eth1', weight: 0, reverse: false }]);
  });

  it("a VIP on a weighted tracked interface makes it unweighted (keepalived's add_vrrp_to_interface)", () => {
    const r = only(instance(` track_interface {\n  eth1 weight 10\n }\n virtual_ipaddress {\n  10.0.0.2/24 dev eth1\n }`));
    expect(r.fsm.tracked).toEqual([{ kind: 'interface', name: 'eth1', weight: 0, reverse: false }]);
    expect(only(instance(` track_interface {\n  eth1 weight 10\n }`)).fsm.tracked).toEqual([{ kind: 'interface', name: 'eth1', weight: 10, reverse: false }]);
  });

  it('dont_track_primary: the own interface is not tracked, not even through the VIPs', () => {
    const r = only(instance(' dont_track_primary'));
    expect(r.fsm.dontTrackPrimary).toBe(true);
    expect(r.fsm.tracked).toEqual([]);
  });

  it('VMAC: own-family VIPs on the instance interface go on the VMAC, which is tracked', () => {
    const r = only(instance(' use_vmac'));
    expect(r.vmac).toMatchObject({ ifname: 'vrrp.51' });
    expect(r.fsm.vips).toEqual(['10.0.0.1/32 dev vrrp.51']);
    expect(r.fsm.tracked).toEqual([{ kind: 'interface', name: 'vrrp.51', weight: 0, reverse: false }]);
  });
});

describe('vrrpSettingsFromConfig: tracking and sync groups', () => {
  const pair = (extra: string, groupExtra: string): string =>
    SCRIPTS +
    instance(`${extra}`) +
    instance(extra, 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52') +
    `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n${groupExtra}\n}\n`;

  it('instance tracking with weights, script default weight', () => {
    const r = only(SCRIPTS + instance(` track_script {\n  chk\n  chk2 weight -5 reverse\n }\n track_interface {\n  eth1 weight -20\n }`));
    expect(r.fsm.tracked).toEqual([
      { kind: 'interface', name: 'eth1', weight: -20, reverse: false },
      { kind: 'script', name: 'chk', weight: 10, reverse: false },
      { kind: 'script', name: 'chk2', weight: -5, reverse: true },
    ]);
  });

  it("drops members' weights, adds the group's tracked objects to every member", () => {
    const run = settingsOf(pair(` track_script {\n  chk\n  chk2\n }\n track_interface {\n  eth1 weight 5\n }`, ` track_script {\n  chk weight -30\n }`));
    for (const r of run.instances) {
      expect(r.syncGroup).toBe('G');
      // chk (weight 10) dropped from the instance, then added back from the group with its weight
      expect(r.fsm.tracked).toEqual([
        { kind: 'interface', name: 'eth1', weight: 0, reverse: false },
        { kind: 'script', name: 'chk2', weight: 0, reverse: false },
        { kind: 'script', name: 'chk', weight: -30, reverse: false },
      ]);
    }
    expect(run.syncGroups).toHaveLength(1);
    expect(run.syncGroups[0]!.members).toEqual(['VI_1', 'VI_2']);
  });

  it("sync_group_tracking_weight keeps members' weights; the group's weight wins for a shared object", () => {
    const run = settingsOf(pair(` track_script {\n  chk\n }\n track_interface {\n  eth1 weight 5\n }`, ` sync_group_tracking_weight\n track_script {\n  chk weight 20 reverse\n }`));
    expect(run.instances[0]!.fsm.tracked).toEqual([
      { kind: 'interface', name: 'eth1', weight: 5, reverse: false },
      { kind: 'script', name: 'chk', weight: 20, reverse: true },
    ]);
  });

  it('an unweighted instance entry stays unweighted when the group names it too', () => {
    const run = settingsOf(pair(` track_script {\n  chk2\n }`, ` sync_group_tracking_weight\n track_script {\n  chk2 weight 20\n }`));
    expect(run.instances[0]!.fsm.tracked).toEqual([{ kind: 'script', name: 'chk2', weight: 0, reverse: false }]);
  });

  it('maps notify scripts, FIFOs and group notifies', () => {
    const text =
      `${SECURE.replace('}', ` vrrp_notify_fifo /tmp/kats.fifo\n vrrp_notify_fifo_script "${SCRIPT} fifo"\n}`)}` +
      instance(` notify_master "${SCRIPT} master"\n notify "${SCRIPT}"\n notify_deleted`) +
      instance('', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52') +
      `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify_backup "${SCRIPT} gbackup"\n}\n`;
    const run = settingsOf(text);
    const r = run.instances[0]!;
    expect(r.fsm.notify).toEqual({ master: [SCRIPT, 'master'], generic: [SCRIPT] });
    expect(r.fsm.notifyDeleted).toBe(true);
    expect(r.notifyScripts.master).toMatchObject({ uid: 0, gid: 0 });
    expect(run.syncGroups[0]!.fsm).toEqual({ name: 'G', notify: { backup: [SCRIPT, 'gbackup'] } });
    expect(run.fifos).toHaveLength(1);
    expect(run.fifos[0]).toMatchObject({ which: 'vrrp_notify_fifo', path: '/tmp/kats.fifo', script: { argv: [SCRIPT, 'fifo', '/tmp/kats.fifo'], uid: 0, gid: 0 } });
  });

  it('unicast peers and a config fault without them', () => {
    const r = only(instance(` unicast_src_ip 10.0.0.2\n unicast_peer {\n  10.0.0.3\n  10.0.0.4 min_ttl 2 max_ttl 9\n }`));
    expect(r.transport).toMatchObject({ unicast: true, sourceAddress: '10.0.0.2', unicastTtl: 255 });
    expect(r.transport.multicastDestination).toBeUndefined();
    expect(r.receive.unicastPeers).toEqual([
      { address: '10.0.0.3', minTtl: 0, maxTtl: 255 },
      { address: '10.0.0.4', minTtl: 2, maxTtl: 9 },
    ]);
    expect(r.receive.checkUnicastSource).toBe(true);
    expect(only(instance(' unicast_fault_no_peer')).configFault).toMatch(/unicast/);
  });
});

describe('vrrpSettingsFromConfig: running the state machine', () => {
  it('a backup becomes MASTER after the master-down timer with its VIPs and garps', () => {
    const r = only(instance(` virtual_ipaddress {\n  10.0.0.2/24 dev eth1\n }`));
    const sim = new Sim(r.fsm);
    sim.start(UP);
    expect(sim.state.state).toBe('BACKUP');
    const acts = sim.advanceBy(4 * S);
    expect(sim.state.state).toBe('MASTER');
    expect(effects(acts)).toEqual(
      expect.arrayContaining([
        { kind: 'add-vips', vips: r.fsm.vips },
        { kind: 'gratuitous', vips: r.fsm.vips, repeat: 5 },
      ]),
    );
    for (const key of r.fsm.vips) expect(r.vipTable.has(key)).toBe(true);
    // the second burst garp_master_delay later
    const later = sim.advanceBy(5 * S);
    expect(later.filter((a) => a.kind === 'gratuitous')).toEqual([{ kind: 'gratuitous', vips: r.fsm.vips, repeat: 5 }]);
  });

  it('a sync group goes MASTER together', () => {
    const text = instance() + instance('', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52').replace('10.0.0.1', '10.0.0.9') + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n';
    const run = settingsOf(text);
    const sg = run.syncGroups[0]!;
    const members = sg.members.map((n) => initialInstanceState(run.instances.find((i) => i.fsm.name === n)!.fsm));
    let group = initialGroupState(sg.fsm, members);
    const all: GroupAction[] = [];
    const stepG = (ev: Parameters<typeof groupStep>[1], now: number): void => {
      const res = groupStep(group, ev, now);
      group = res.group;
      all.push(...res.actions);
    };
    stepG({ kind: 'startup', tracking: UP }, 0);
    expect(group.state).toBe('BACKUP');
    // the first member to time out waits for the other (vrrp_sync_can_goto_master), the second takes both
    const due = group.members[0]!.timers['master-down']!;
    expect(group.members[1]!.timers['master-down']).toBe(due);
    stepG({ kind: 'member', instance: 'VI_1', event: { kind: 'timer', timer: 'master-down' } }, due);
    expect(group.state).toBe('BACKUP');
    stepG({ kind: 'member', instance: 'VI_2', event: { kind: 'timer', timer: 'master-down' } }, due);
    expect(group.state).toBe('MASTER');
    expect(group.members.map((m) => m.state)).toEqual(['MASTER', 'MASTER']);
    const added = all.filter((a) => a.action.kind === 'add-vips').map((a) => [a.instance, (a.action as Extract<FsmAction, { kind: 'add-vips' }>).vips]);
    expect(added).toEqual([
      ['VI_2', ['10.0.0.9/32 dev eth0']],
      ['VI_1', ['10.0.0.1/32 dev eth0']],
    ]);
  });
});

const VECTORS = path.resolve(import.meta.dirname, '../../fixtures/vrrp/configs');
const vectorFiles = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.conf')).sort();

describe('vrrpSettingsFromConfig: keepalived reference configs', () => {
  for (const file of vectorFiles) {
    it(file, () => {
      const text = fs.readFileSync(path.join(VECTORS, file), 'utf8');
      const run = settingsOf(text);
      expect(run.problems).toEqual([]);
      const r = run.instances[0]!;
      const d1 = file.includes('-d1');
      const ah = file.startsWith('v2_ah');
      const word = (kw: string): string => new RegExp(`^\\s*${kw}\\s+(\\S+)`, 'm').exec(text)![1]!;
      const version = Number(word('vrrp_version'));
      expect(r.fsm).toMatchObject({ name: 'VI_1', interface: 'eth0', version, vrid: 51, priority: Number(word('priority')), advertIntUs: Number(word('advert_int')) * S });
      // keepalived clears initial state MASTER with AH for a non-owner
      expect(r.fsm.initialState).toBe(word('state') === 'MASTER' && !ah ? 'MASTER' : 'BACKUP');
      const written = [...text.matchAll(/^\s+([0-9a-f:.]+)\/(\d+) dev eth0$/gm)];
      const vips = written.map((m) => `${m[1]}/${m[2]} dev eth0`);
      const family = written[0]![1]!.includes(':') ? 'inet6' : 'inet';
      expect(r.fsm.family).toBe(family);
      expect(r.fsm.vips).toEqual(vips);
      expect(r.receive.virtualAddresses).toEqual(written.map((m) => m[1]));
      const auth = /auth_type (\w+)/.exec(text)?.[1];
      if (auth === undefined) expect(r.auth).toBeUndefined();
      else expect(r).toMatchObject({ auth: { type: auth, pass: 'secret12' } });
      expect(r.receive.authType).toBe(auth === undefined ? VRRP_AUTH.none : ah ? VRRP_AUTH.ah : VRRP_AUTH.pass);
      const unicast = text.includes('unicast_peer');
      expect(r.transport.unicast).toBe(unicast);
      if (unicast) expect(r.receive.unicastPeers.map((p) => p.address)).toEqual([d1 ? '10.99.0.2' : '10.99.0.1']);
      else expect(r.transport.multicastDestination).toBe(family === 'inet' ? '224.0.0.18' : 'ff02::12');

      // startup → master-down timer → MASTER with the VIPs and 5 gratuitous ARPs each
      const sim = new Sim(r.fsm);
      const own = family === 'inet' ? `10.99.0.${d1 ? 1 : 2}` : `fe80::${d1 ? 1 : 2}`;
      sim.start({ ...EMPTY_TRACK_STATUS, interfaces: { eth0: true }, interfaceAddress: own });
      expect(sim.state.state).toBe('BACKUP');
      const acts = sim.advanceBy(4 * S);
      expect(sim.state.state).toBe('MASTER');
      expect(effects(acts)).toEqual(expect.arrayContaining([{ kind: 'add-vips', vips }, { kind: 'gratuitous', vips, repeat: 5 }]));
    });
  }
});
