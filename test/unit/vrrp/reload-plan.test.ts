/**
 * The SIGHUP plan as plain data (src/vrrp/runner/reload-plan.ts): running states
 * and new settings in, the table to swap in and the steps to carry out out.
 * runner-reload.test.ts checks the same semantics on the simulated LAN.
 */
import { describe, expect, it } from 'vitest';
import { parseText } from '../config/vrrp-helpers.js';
import { vrrpSettingsFromConfig, type InstanceRunSettings, type VrrpRunSettings } from '../../../src/vrrp/settings/from-config.js';
import { initialInstanceState, step, type InstanceState } from '../../../src/vrrp/fsm/step.js';
import { groupStep, initialGroupState, type SyncGroupState } from '../../../src/vrrp/fsm/sync-group.js';
import { EMPTY_TRACK_STATUS, type TrackStatus } from '../../../src/vrrp/fsm/track.js';
import { fifoLine } from '../../../src/vrrp/fsm/notify.js';
import { advertSocketRequest } from '../../../src/vrrp/runner/advert-endpoint.js';
import type { InterfaceInfo } from '../../../src/vrrp/ports.js';
import { planReload, type ReloadHost, type RunningVrrp } from '../../../src/vrrp/runner/reload-plan.js';

const ETH0: InterfaceInfo = {
  name: 'eth0',
  index: 2,
  mac: new Uint8Array([2, 0, 0, 0, 0, 1]),
  up: true,
  noArp: false,
  addresses: [{ family: 'inet', address: '10.0.0.1', prefixLen: 24 }],
};
const HOST: ReloadHost = { nowUs: 50_000_000, links: new Map([['eth0', ETH0]]) };
const TRACKING: TrackStatus = { ...EMPTY_TRACK_STATUS, interfaces: { eth0: true }, interfaceAddress: '10.0.0.1' };

function instance(name: string, vrid: number, priority: number, extra = ''): string {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority ${priority}\n advert_int 1\n${extra}\n virtual_ipaddress {\n  10.0.${vrid}.100/24\n }\n}\n`;
}

function settingsOf(text: string): VrrpRunSettings {
  const parsed = parseText(text);
  // a one-member sync group is only a warning
  expect(parsed.messages.filter((m) => !m.includes('has only 1 virtual router'))).toEqual([]);
  return vrrpSettingsFromConfig(parsed.result.config);
}

/** The instance started and, for MASTER, past its master-down timer. */
function runningState(run: InstanceRunSettings, as: 'BACKUP' | 'MASTER'): InstanceState {
  const backup = step(initialInstanceState(run.fsm), { kind: 'startup', tracking: TRACKING }, 0).state;
  expect(backup.state).toBe('BACKUP');
  if (as === 'BACKUP') return backup;
  const master = step(backup, { kind: 'timer', timer: 'master-down' }, backup.timers['master-down']!).state;
  expect(master.state).toBe('MASTER');
  return master;
}

/** One lone instance running as `as`, with its socket open. */
function runningAlone(text: string, as: 'BACKUP' | 'MASTER'): RunningVrrp {
  const [run] = settingsOf(text).instances;
  return {
    instances: [{ run: run!, state: runningState(run!, as) }],
    groups: new Map(),
    tracking: TRACKING,
    socketKeys: [advertSocketRequest(run!, ETH0).key],
  };
}

describe('planReload', () => {
  it('an unchanged master continues under its name, keeps its socket, re-arms nothing and touches no VIP', () => {
    const running = runningAlone(instance('VI_1', 51, 150), 'MASTER');
    const plan = planReload(running, settingsOf(instance('VI_1', 51, 150)), HOST);
    expect(plan.removed).toEqual([]);
    expect(plan.instances.map((i) => i.continues)).toEqual(['VI_1']);
    expect(plan.rearm).toEqual([]);
    expect(plan.sockets.map((s) => s.request.key)).toEqual(running.socketKeys);
    expect(plan.closeSockets).toEqual([]);
    expect(plan.standalone.get('VI_1')?.state).toBe('MASTER');
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]!.transitions).toEqual([]);
    // no VIP operation, no notify: only reload_master's advert, at once
    expect(plan.steps[0]!.actions).toEqual([{ instance: 'VI_1', action: { kind: 'set-timer', timer: 'advert', dueUs: HOST.nowUs } }]);
  });

  it('a renamed instance is the same virtual router: its state and armed timers move to the new name', () => {
    const running = runningAlone(instance('VI_1', 51, 150), 'MASTER');
    const before = running.instances[0]!.state;
    const plan = planReload(running, settingsOf(instance('RENAMED', 51, 150)), HOST);
    expect(plan.removed).toEqual([]);
    expect(plan.instances.map((i) => `${i.run.fsm.name} continues ${i.continues}`)).toEqual(['RENAMED continues VI_1']);
    expect(plan.standalone.get('RENAMED')?.state).toBe('MASTER');
    expect(plan.standalone.get('RENAMED')?.settings.name).toBe('RENAMED');
    expect(plan.standalone.has('VI_1')).toBe(false);
    expect(plan.rearm).toEqual([{ instance: 'RENAMED', timers: Object.entries(before.timers) }]);
    expect(plan.rearm[0]!.timers.map(([timer]) => timer)).toContain('advert');
    expect(plan.steps[0]!.transitions).toEqual([]);
  });

  it('a changed VRID removes the running instance first (priority 0, VIPs dropped) and starts a new one', () => {
    const running = runningAlone(instance('VI_1', 51, 150), 'MASTER');
    const oldVips = running.instances[0]!.run.fsm.vips;
    const plan = planReload(running, settingsOf(instance('VI_1', 60, 150)), HOST);
    expect(plan.removed.map((r) => r.name)).toEqual(['VI_1']);
    const removal = plan.removed[0]!.step;
    expect(removal.transitions).toEqual([{ instance: 'VI_1', from: 'MASTER', to: 'STOP' }]);
    expect(removal.actions).toContainEqual({ instance: 'VI_1', action: { kind: 'send-advert', priority: 0 } });
    expect(removal.actions).toContainEqual({ instance: 'VI_1', action: { kind: 'remove-vips', vips: oldVips } });
    expect(plan.instances).toEqual([{ run: expect.objectContaining({ fsm: expect.objectContaining({ vrid: 60 }) }) }]);
    expect(plan.steps[0]!.transitions).toEqual([{ instance: 'VI_1', from: 'INIT', to: 'BACKUP' }]);
    // same interface, family and group: the new instance shares the old socket
    expect(plan.closeSockets).toEqual([]);
  });

  it('a socket no instance uses any more is closed, the new one requested', () => {
    const running = runningAlone(instance('VI_1', 51, 150), 'BACKUP');
    const unicast = instance('VI_1', 51, 150, ' unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.2\n }');
    const plan = planReload(running, settingsOf(unicast), HOST);
    expect(plan.closeSockets).toEqual(['inet eth0 224.0.0.18']);
    expect(plan.sockets.map((s) => `${s.instance} ${s.request.key}`)).toEqual(['VI_1 inet eth0 unicast 10.0.0.1']);
    // unicast or not is part of the identity
    expect(plan.removed.map((r) => r.name)).toEqual(['VI_1']);
  });

  it('an instance on an interface the table lacks gets no socket and starts in FAULT', () => {
    const running = runningAlone(instance('VI_1', 51, 150), 'BACKUP');
    const onEth1 = instance('VI_1', 51, 150) + instance('VI_2', 52, 100).replace('interface eth0', 'interface eth1');
    const plan = planReload(running, settingsOf(onEth1), HOST);
    expect(plan.sockets.map((s) => s.instance)).toEqual(['VI_1']);
    expect(plan.tracking.interfaces).toEqual({ eth0: true, eth1: false });
    expect(plan.standalone.get('VI_2')?.state).toBe('FAULT');
  });

  it('interfaces already followed keep their known state; the restarted watchers replace script and file states', () => {
    const running = {
      ...runningAlone(instance('VI_1', 51, 150), 'BACKUP'),
      tracking: { ...TRACKING, interfaces: { eth0: false }, scripts: { chk: false, gone: true }, files: { f: 3 } },
    };
    const plan = planReload(running, settingsOf(instance('VI_1', 51, 150)), { ...HOST, scripts: { chk: true } });
    expect(plan.tracking.interfaces).toEqual({ eth0: false });
    expect(plan.tracking.scripts).toEqual({ chk: true });
    expect(plan.tracking.files).toEqual({ f: 3 });
  });

  it('fifo_write_vrrp_states_on_reload writes an unchanged BACKUP once more, a MASTER not, and nothing when unset', () => {
    const backup = runningAlone(instance('VI_1', 51, 100), 'BACKUP');
    const next = settingsOf(instance('VI_1', 51, 100));
    expect(planReload(backup, { ...next, fifoWriteStatesOnReload: true }, HOST).fifo).toEqual([fifoLine('INSTANCE', 'VI_1', 'BACKUP', 100)]);
    expect(planReload(backup, { ...next, fifoWriteStatesOnReload: false }, HOST).fifo).toEqual([]);
    const master = runningAlone(instance('VI_1', 51, 100), 'MASTER');
    expect(planReload(master, { ...next, fifoWriteStatesOnReload: true }, HOST).fifo).toEqual([]);
  });

  describe('sync groups', () => {
    const group = (name: string, members: string[]) => `vrrp_sync_group ${name} {\n group {\n${members.map((m) => `  ${m}\n`).join('')} }\n}\n`;
    const two = group('G', ['VI_1', 'VI_2']) + instance('VI_1', 51, 100) + instance('VI_2', 52, 100);

    function runningGroup(text: string): RunningVrrp {
      const settings = settingsOf(text);
      const g = settings.syncGroups[0]!;
      const initial = initialGroupState(
        g.fsm,
        settings.instances.map((run) => initialInstanceState(run.fsm)),
      );
      const started: SyncGroupState = groupStep(initial, { kind: 'startup', tracking: TRACKING, memberTracking: {} }, 0).group;
      expect(started.state).toBe('BACKUP');
      return {
        instances: settings.instances.map((run, k) => ({ run, state: started.members[k]! })),
        groups: new Map([[g.fsm.name, started]]),
        tracking: TRACKING,
        socketKeys: [advertSocketRequest(settings.instances[0]!, ETH0).key],
      };
    }

    it('an unchanged group keeps its state without transitions, and writes its states once more when asked', () => {
      const plan = planReload(runningGroup(two), { ...settingsOf(two), fifoWriteStatesOnReload: true }, HOST);
      expect(plan.groups.get('G')?.state).toBe('BACKUP');
      expect([...plan.groupOf]).toEqual([
        ['VI_1', 'G'],
        ['VI_2', 'G'],
      ]);
      expect(plan.standalone.size).toBe(0);
      expect(plan.steps.map((s) => [s.group, s.transitions])).toEqual([['G', []]]);
      expect(plan.fifo).toEqual([fifoLine('INSTANCE', 'VI_1', 'BACKUP', 100), fifoLine('INSTANCE', 'VI_2', 'BACKUP', 100), fifoLine('GROUP', 'G', 'BACKUP', 0)]);
    });

    it('a new group of new instances starts as at startup (a mixed start: no member wants MASTER), after the groups that ran before', () => {
      const more = two + group('H', ['VI_3', 'VI_4']) + instance('VI_3', 53, 100, ' state MASTER') + instance('VI_4', 54, 100);
      const plan = planReload(runningGroup(two), settingsOf(more), HOST);
      expect(plan.steps.map((s) => s.group)).toEqual(['G', 'H']);
      expect(plan.steps[1]!.transitions).toEqual([
        { instance: 'VI_3', from: 'INIT', to: 'BACKUP' },
        { instance: 'VI_4', from: 'INIT', to: 'BACKUP' },
      ]);
      expect(plan.groups.get('H')?.members.map((m) => `${m.settings.name} ${m.state} wants ${m.wantState}`)).toEqual(['VI_3 BACKUP wants BACKUP', 'VI_4 BACKUP wants BACKUP']);
      expect(plan.groupOf.get('VI_3')).toBe('H');
    });

    it('a renamed member is found under its new name even when a new member takes its old one', () => {
      const one = group('G', ['VI_1']) + instance('VI_1', 51, 100);
      const renamed = group('G', ['VI_1', 'X']) + instance('VI_1', 60, 100) + instance('X', 51, 100);
      const plan = planReload(runningGroup(one), settingsOf(renamed), HOST);
      expect(plan.removed).toEqual([]);
      expect(plan.instances.map((i) => `${i.run.fsm.name} ${i.continues ?? 'new'}`)).toEqual(['VI_1 new', 'X VI_1']);
      expect(plan.steps[0]!.transitions).toEqual([{ instance: 'VI_1', from: 'INIT', to: 'BACKUP' }]);
      expect(plan.groups.get('G')?.members.map((m) => `${m.settings.name} vrid ${m.settings.vrid} ${m.state}`)).toEqual(['VI_1 vrid 60 BACKUP', 'X vrid 51 BACKUP']);
    });

    it('a member left out of the new configuration is removed and the group goes on without it', () => {
      const one = group('G', ['VI_1']) + instance('VI_1', 51, 100);
      const plan = planReload(runningGroup(two), settingsOf(one), HOST);
      expect(plan.removed.map((r) => r.name)).toEqual(['VI_2']);
      expect(plan.groups.get('G')?.members.map((m) => m.settings.name)).toEqual(['VI_1']);
      expect(plan.groupOf.has('VI_2')).toBe(false);
    });
  });
});
