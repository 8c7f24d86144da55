/** vrrp_sync_group: members move together, group notifies carry priority 0. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialInstanceState } from '../../../src/vrrp/fsm/step.js';
import type { FsmEvent } from '../../../src/vrrp/fsm/types.js';
import { groupStep, initialGroupState, type GroupAction, type GroupEvent, type SyncGroupState } from '../../../src/vrrp/fsm/sync-group.js';
import { heard, LINK_UP, S, settings } from './fsm-harness.js';

const VI_2_MDI = 3 * S + Math.floor((156 * S) / 256);

function group(): SyncGroupState {
  return initialGroupState({ name: 'VG_1', notify: { master: ['/gm'], generic: ['/gn'] } }, [
    initialInstanceState(settings({ name: 'VI_1' })),
    initialInstanceState(settings({ name: 'VI_2', vrid: 52, interface: 'eth1', vips: ['10.0.1.10'] })),
  ]);
}

const TRACK_BOTH = { ...LINK_UP, interfaces: { eth0: true, eth1: true } };

function run(g: SyncGroupState, event: GroupEvent, now: number): { g: SyncGroupState; actions: GroupAction[] } {
  const { group: next, actions } = groupStep(g, event, now);
  return { g: next, actions };
}

const groupLogs = (actions: GroupAction[]) => actions.flatMap((a) => (a.action.kind === 'log' && !a.action.detail ? [`${a.instance ?? '-'}: ${a.action.message}`] : []));
const states = (g: SyncGroupState) => g.members.map((m) => m.state);

function bothMaster(): SyncGroupState {
  let { g } = run(group(), { kind: 'startup', tracking: TRACK_BOTH }, 0);
  ({ g } = run(g, { kind: 'member', instance: 'VI_1', event: { kind: 'timer', timer: 'master-down' } }, VI_2_MDI));
  ({ g } = run(g, { kind: 'member', instance: 'VI_2', event: { kind: 'timer', timer: 'master-down' } }, VI_2_MDI));
  expect(states(g)).toEqual(['MASTER', 'MASTER']);
  return g;
}

describe('sync group', () => {
  it('startup: group BACKUP notifies first, then each member enters BACKUP (init)', () => {
    const { g, actions } = run(group(), { kind: 'startup', tracking: TRACK_BOTH }, 0);
    expect(g.state).toBe('BACKUP');
    expect(states(g)).toEqual(['BACKUP', 'BACKUP']);
    expect(actions[0]).toEqual({ action: { kind: 'notify', argv: ['/gn', 'GROUP', 'VG_1', 'BACKUP', '0'] } });
    expect(actions[1]).toEqual({ action: { kind: 'fifo', line: 'GROUP "VG_1" BACKUP 0\n' } });
    expect(groupLogs(actions)).toEqual(['VI_1: (VI_1) Entering BACKUP STATE (init)', 'VI_2: (VI_2) Entering BACKUP STATE (init)']);
  });

  it('a member only goes master once every member wants to; then the group follows it', () => {
    let { g } = run(group(), { kind: 'startup', tracking: TRACK_BOTH }, 0);
    let actions: GroupAction[];
    ({ g, actions } = run(g, { kind: 'member', instance: 'VI_1', event: { kind: 'timer', timer: 'master-down' } }, VI_2_MDI));
    expect(states(g)).toEqual(['BACKUP', 'BACKUP']);
    expect(g.members[0]!.wantState).toBe('MASTER');
    expect(actions.some((a) => a.action.kind === 'send-advert')).toBe(false);
    ({ g, actions } = run(g, { kind: 'member', instance: 'VI_2', event: { kind: 'timer', timer: 'master-down' } }, VI_2_MDI));
    expect(states(g)).toEqual(['MASTER', 'MASTER']);
    expect(g.state).toBe('MASTER');
    expect(groupLogs(actions)).toEqual([
      'VI_2: (VI_2) Entering MASTER STATE',
      '-: VRRP_Group(VG_1) Syncing instances to MASTER state',
      'VI_1: (VI_1) Entering MASTER STATE',
    ]);
    expect(actions.slice(-4).map((a) => a.action)).toEqual([
      { kind: 'notify', argv: ['/gm'] },
      { kind: 'notify', argv: ['/gn', 'GROUP', 'VG_1', 'MASTER', '0'] },
      { kind: 'fifo', line: 'GROUP "VG_1" MASTER 0\n' },
      { kind: 'mail', state: 'MASTER' },
    ]);
  });

  it('one member FAULT takes the whole group to FAULT; recovery brings it back to BACKUP', () => {
    let g = bothMaster();
    let actions: GroupAction[];
    ({ g, actions } = run(g, { kind: 'member', instance: 'VI_2', event: { kind: 'track', change: { kind: 'interface', name: 'eth1', up: false } } }, 10 * S));
    expect(states(g)).toEqual(['FAULT', 'FAULT']);
    expect(g.state).toBe('FAULT');
    expect(groupLogs(actions)).toEqual([
      'VI_2: (VI_2) Entering FAULT STATE',
      '-: VRRP_Group(VG_1) Syncing instances to FAULT state',
      'VI_1: (VI_1) Entering FAULT STATE',
    ]);
    // the forced member also tells its backups to take over
    expect(actions.filter((a) => a.instance === 'VI_1' && a.action.kind === 'send-advert')).toEqual([
      { instance: 'VI_1', action: { kind: 'send-advert', priority: 0 } },
    ]);
    ({ g, actions } = run(g, { kind: 'member', instance: 'VI_2', event: { kind: 'track', change: { kind: 'interface', name: 'eth1', up: true } } }, 20 * S));
    expect(states(g)).toEqual(['BACKUP', 'BACKUP']);
    expect(g.state).toBe('BACKUP');
  });

  it('a member pre-empted by a stronger master takes the others to BACKUP', () => {
    let g = bothMaster();
    let actions: GroupAction[];
    ({ g, actions } = run(g, { kind: 'member', instance: 'VI_1', event: heard(150) }, 10 * S));
    expect(states(g)).toEqual(['BACKUP', 'BACKUP']);
    expect(groupLogs(actions)).toContain('-: VRRP_Group(VG_1) Syncing instances to BACKUP state');
    expect(actions.filter((a) => a.action.kind === 'remove-vips').map((a) => a.instance)).toEqual(['VI_1', 'VI_2']);
  });

  it('a lower-priority advert to one master refreshes the other members\' GARPs too', () => {
    const g = bothMaster();
    const { actions } = run(g, { kind: 'member', instance: 'VI_1', event: heard(50) }, 10 * S);
    expect(actions.filter((a) => a.action.kind === 'gratuitous').map((a) => a.instance)).toEqual(['VI_1', 'VI_2']);
  });

  it('startup with a member down: every member FAULT, then the group FAULT notifies', () => {
    const { g, actions } = run(group(), { kind: 'startup', tracking: LINK_UP }, 0);
    expect(states(g)).toEqual(['FAULT', 'FAULT']);
    expect(groupLogs(actions)).toEqual([
      '-: VRRP_Group(VG_1): Syncing VI_2 to FAULT state',
      'VI_1: (VI_1) entering FAULT state',
      'VI_2: (VI_2): entering FAULT state (interface eth1 down)',
      'VI_2: (VI_2) entering FAULT state',
    ]);
    expect(actions.slice(-2).map((a) => a.action)).toEqual([
      { kind: 'fifo', line: 'GROUP "VG_1" FAULT 0\n' },
      { kind: 'mail', state: 'FAULT' },
    ]);
  });

  it('shutdown: members hand over and report STOP, then the group reports STOP', () => {
    const { g, actions } = run(bothMaster(), { kind: 'shutdown' }, 10 * S);
    expect(g.state).toBe('STOP');
    expect(actions.filter((a) => a.action.kind === 'send-advert').map((a) => a.instance)).toEqual(['VI_1', 'VI_2']);
    expect(actions.slice(-2).map((a) => a.action)).toEqual([
      { kind: 'fifo', line: 'GROUP "VG_1" STOP 0\n' },
      { kind: 'mail', state: 'STOP' },
    ]);
  });
});

describe('sync group properties', () => {
  const memberEvent = fc.record({
    instance: fc.constantFrom('VI_1', 'VI_2'),
    event: fc.oneof(
      fc.constantFrom<FsmEvent>(
        { kind: 'timer', timer: 'master-down' },
        { kind: 'timer', timer: 'advert' },
        { kind: 'track', change: { kind: 'interface', name: 'eth0', up: false } },
        { kind: 'track', change: { kind: 'interface', name: 'eth0', up: true } },
        { kind: 'track', change: { kind: 'interface', name: 'eth1', up: false } },
        { kind: 'track', change: { kind: 'interface', name: 'eth1', up: true } },
      ),
      fc.integer({ min: 0, max: 255 }).map((p) => heard(p)),
    ),
  });

  it('random member events never throw; a member is MASTER only with its VIPs, and FAULT spreads to all', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 * S }), memberEvent), { maxLength: 50 }), (steps) => {
        let { g } = run(group(), { kind: 'startup', tracking: TRACK_BOTH }, 0);
        let now = 0;
        for (const [delta, { instance, event }] of steps) {
          now += delta;
          ({ g } = run(g, { kind: 'member', instance, event }, now));
          for (const m of g.members) expect(m.vipsSet).toBe(m.state === 'MASTER');
          const anyOwnFault = g.members.some((m) => m.state === 'FAULT' && Object.values(m.tracking.interfaces).includes(false));
          if (anyOwnFault) expect(states(g)).toEqual(['FAULT', 'FAULT']);
        }
      }),
      { numRuns: 300 },
    );
  });
});
