/**
 * A fake-clock runner for the VRRP reducer in tests: it keeps the state,
 * arms the timers the reducer asks for and fires them in due order.
 */
import { initialInstanceState, step } from '../../../src/vrrp/fsm/step.js';
import { DEFAULT_GARP, type InstanceSettings } from '../../../src/vrrp/fsm/settings.js';
import type { FsmAction, FsmEvent, InstanceState, TimerName } from '../../../src/vrrp/fsm/types.js';
import type { VrrpAdvert } from '../../../src/vrrp/wire/packet.js';
import { EMPTY_TRACK_STATUS, type TrackStatus } from '../../../src/vrrp/fsm/track.js';

export const S = 1_000_000;
/** Master_Down_Interval for v2, advert_int 1 s, priority 100: 3 + 156/256 s. */
export const MDI_100 = 3_609_375;

export function settings(overrides: Partial<InstanceSettings> = {}): InstanceSettings {
  return {
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
    sourceAddress: '10.0.0.1',
    vips: ['10.0.0.10'],
    garp: DEFAULT_GARP,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    notify: {},
    notifyDeleted: false,
    notifyPriorityChanges: false,
    tracked: [],
    dontTrackPrimary: false,
    ...overrides,
  };
}

export const LINK_UP: TrackStatus = { ...EMPTY_TRACK_STATUS, interfaces: { eth0: true } };

export function advert(priority: number, overrides: Partial<{ version: 2 | 3; intervalCs: number }> = {}): VrrpAdvert {
  if (overrides.version === 3) {
    return { version: 3, vrid: 51, priority, addresses: ['10.0.0.10'], advertIntervalCs: overrides.intervalCs ?? 100, reserved: 0, checksum: 0 };
  }
  return {
    version: 2,
    vrid: 51,
    priority,
    addresses: ['10.0.0.10'],
    authType: 0,
    advertIntervalSec: 1,
    authData: new Uint8Array(8),
    checksum: 0,
  };
}

export const heard = (priority: number, src = '10.0.0.2', version: 2 | 3 = 2, intervalCs = 100): Extract<FsmEvent, { kind: 'advert' }> => ({
  kind: 'advert',
  advert: advert(priority, { version, intervalCs }),
  src,
  valid: true,
});

export class Sim {
  state: InstanceState;
  now = 0;
  /** Every action so far. */
  log: FsmAction[] = [];
  armed = new Map<TimerName, number>();

  constructor(s: InstanceSettings = settings()) {
    this.state = initialInstanceState(s);
  }

  /** Deliver an event now; returns its actions. */
  send(event: FsmEvent): FsmAction[] {
    const { state, actions } = step(this.state, event, this.now);
    this.state = state;
    this.log.push(...actions);
    for (const a of actions) {
      if (a.kind === 'set-timer') this.armed.set(a.timer, a.dueUs);
      if (a.kind === 'cancel-timer') this.armed.delete(a.timer);
    }
    return actions;
  }

  start(tracking: TrackStatus = LINK_UP): FsmAction[] {
    return this.send({ kind: 'startup', tracking });
  }

  /** Move the clock to `to`, firing due timers in order; returns what they did. */
  advanceTo(to: number): FsmAction[] {
    const out: FsmAction[] = [];
    for (;;) {
      const next = [...this.armed.entries()].filter(([, due]) => due <= to).sort((a, b) => a[1] - b[1])[0];
      if (!next) break;
      this.now = Math.max(this.now, next[1]);
      this.armed.delete(next[0]);
      out.push(...this.send({ kind: 'timer', timer: next[0] }));
    }
    this.now = to;
    return out;
  }

  advanceBy(us: number): FsmAction[] {
    return this.advanceTo(this.now + us);
  }
}

export const logs = (actions: FsmAction[]): string[] =>
  actions.flatMap((a) => (a.kind === 'log' && !a.detail ? [a.message] : []));

export const detailLogs = (actions: FsmAction[]): string[] =>
  actions.flatMap((a) => (a.kind === 'log' && a.detail ? [a.message] : []));

/** The actions without logs, timers and mail: what reaches the wire, the kernel and the scripts. */
export const effects = (actions: FsmAction[]): FsmAction[] =>
  actions.filter((a) => a.kind !== 'log' && a.kind !== 'set-timer' && a.kind !== 'cancel-timer' && a.kind !== 'mail');

/** The states notified for e-mail. */
export const mails = (actions: FsmAction[]): string[] => actions.flatMap((a) => (a.kind === 'mail' ? [a.state] : []));
