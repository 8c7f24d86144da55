/**
 * Random event sequences: the reducer never throws, VIP actions never
 * conflict, timers in the state match the timer actions, and an advert that
 * fails keepalived's receive checks never changes anything.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialInstanceState, step } from '../../../src/vrrp/fsm/step.js';
import type { InstanceSettings } from '../../../src/vrrp/fsm/settings.js';
import type { FsmEvent, InstanceState, TimerName } from '../../../src/vrrp/fsm/types.js';
import { encodeIpv4Advert } from '../../../src/vrrp/wire/ipv4-advert.js';
import { decodeVrrp, VRRP_AUTH } from '../../../src/vrrp/wire/packet.js';
import { checkReceivedAdvert, type ReceiveSettings } from '../../../src/vrrp/receive/check.js';
import type { TrackChange, TrackStatus } from '../../../src/vrrp/fsm/track.js';
import { advert, LINK_UP, S, settings } from './fsm-harness.js';

const VIPS = ['10.0.0.10', '10.0.0.11', '10.0.0.12'];
const TIMERS: TimerName[] = ['master-down', 'advert', 'garp-delayed', 'garp-lower-prio'];

const settingsArb: fc.Arbitrary<InstanceSettings> = fc
  .record({
    priority: fc.integer({ min: 1, max: 255 }),
    initialState: fc.constantFrom('MASTER' as const, 'BACKUP' as const),
    version: fc.constantFrom(2 as const, 3 as const),
    preempt: fc.boolean(),
    preemptDelayUs: fc.constantFrom(0, 5 * S),
    lowerPrioNoAdvert: fc.boolean(),
    higherPrioSendAdvert: fc.boolean(),
    vips: fc.subarray(VIPS),
    scriptWeight: fc.integer({ min: -253, max: 253 }),
    fileWeight: fc.integer({ min: -254, max: 254 }),
    dontTrackPrimary: fc.boolean(),
  })
  .map(({ scriptWeight, fileWeight, ...rest }) =>
    settings({
      ...rest,
      notify: { master: ['/m'], generic: ['/g'], masterRxLowerPri: ['/l'] },
      tracked: [
        { kind: 'script', name: 'chk', weight: scriptWeight, reverse: false },
        { kind: 'file', name: 'tf', weight: fileWeight, reverse: false },
        { kind: 'interface', name: 'eth1', weight: 0, reverse: true },
      ],
    }),
  );

const trackingArb: fc.Arbitrary<TrackStatus> = fc.record({
  interfaces: fc.record({ eth0: fc.boolean(), eth1: fc.boolean() }),
  scripts: fc.option(fc.boolean(), { nil: undefined }).map((ok): Record<string, boolean> => (ok === undefined ? {} : { chk: ok })),
  files: fc.integer({ min: -300, max: 300 }).map((v) => ({ tf: v })),
  processes: fc.constant({}),
  bfds: fc.constant({}),
});

const changeArb: fc.Arbitrary<TrackChange> = fc.oneof(
  fc.record({ kind: fc.constant('interface' as const), name: fc.constantFrom('eth0', 'eth1'), up: fc.boolean() }),
  fc.record({ kind: fc.constant('script' as const), name: fc.constant('chk'), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('file' as const), name: fc.constant('tf'), value: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ kind: fc.constant('interface-address' as const), address: fc.constantFrom('10.0.0.1', undefined) }),
);

const advertEventArb: fc.Arbitrary<FsmEvent> = fc.record({
  kind: fc.constant('advert' as const),
  advert: fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom(2 as const, 3 as const), fc.integer({ min: 1, max: 4095 }))
    .map(([priority, version, intervalCs]) => advert(priority, { version, intervalCs })),
  src: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.200'),
  valid: fc.boolean(),
});

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  { weight: 5, arbitrary: advertEventArb },
  { weight: 5, arbitrary: fc.constantFrom(...TIMERS).map((timer): FsmEvent => ({ kind: 'timer', timer })) },
  { weight: 3, arbitrary: changeArb.map((change): FsmEvent => ({ kind: 'track', change })) },
  { weight: 1, arbitrary: settingsArb.map((s): FsmEvent => ({ kind: 'reload', settings: s })) },
  { weight: 1, arbitrary: fc.constantFrom('MASTER' as const, 'BACKUP' as const, 'FAULT' as const).map((to): FsmEvent => ({ kind: 'sync', to })) },
  { weight: 1, arbitrary: fc.constant<FsmEvent>({ kind: 'shutdown' }) },
  { weight: 1, arbitrary: fc.constant<FsmEvent>({ kind: 'delete' }) },
);

/** Events with the microseconds that pass before each. */
const scenarioArb = fc.record({
  settings: settingsArb,
  tracking: trackingArb,
  steps: fc.array(fc.tuple(fc.integer({ min: 0, max: 5 * S }), eventArb), { maxLength: 60 }),
});

type Scenario = { settings: InstanceSettings; tracking: TrackStatus; steps: [number, FsmEvent][] };

/** Run a scenario checking the invariants after every step; returns the states it went through. */
function play({ settings: s, tracking, steps }: Scenario): InstanceState[] {
  let state = initialInstanceState(s);
  let now = 0;
  const installed = new Set<string>();
  const armed = new Map<TimerName, number>();
  const seen: InstanceState[] = [];
  for (const [delta, event] of [[0, { kind: 'startup', tracking }] as [number, FsmEvent], ...steps]) {
    now += delta;
    const result = step(state, event, now);
    for (const a of result.actions) {
      if (a.kind === 'add-vips') for (const v of a.vips) {
        expect(installed.has(v), `add of installed ${v}`).toBe(false);
        installed.add(v);
      }
      if (a.kind === 'remove-vips') for (const v of a.vips) {
        expect(installed.has(v), `remove of absent ${v}`).toBe(true);
        installed.delete(v);
      }
      if (a.kind === 'set-timer') armed.set(a.timer, a.dueUs);
      if (a.kind === 'cancel-timer') armed.delete(a.timer);
    }
    state = result.state;
    expect([...installed].sort()).toEqual(state.vipsSet ? [...state.settings.vips].sort() : []);
    expect(state.vipsSet).toBe(state.state === 'MASTER');
    expect(Object.fromEntries(armed)).toEqual(state.timers);
    expect(state.effectivePriority).toBeGreaterThanOrEqual(1);
    expect(state.effectivePriority).toBeLessThanOrEqual(255);
    seen.push(state);
  }
  return seen;
}

describe('reducer properties', () => {
  it('random event sequences never throw, never conflict on VIPs, and keep timers in step', () => {
    fc.assert(fc.property(scenarioArb, (scenario) => void play(scenario)), { numRuns: 400 });
  });

  it('an advert that failed the receive checks never changes any reachable state', () => {
    fc.assert(
      fc.property(scenarioArb, advertEventArb, fc.integer({ min: 0, max: 10 * S }), (scenario, event, at) => {
        for (const state of play(scenario)) {
          const result = step(state, { ...event, valid: false } as FsmEvent, at);
          expect(result.state).toBe(state);
          expect(result.actions).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('receive check → reducer', () => {
  const receive: ReceiveSettings = {
    name: 'VI_1',
    family: 'inet',
    version: 2,
    vrid: 51,
    authType: VRRP_AUTH.none,
    authData: new Uint8Array(8),
    advertIntUs: S,
    virtualAddresses: ['10.0.0.10'],
    unicastPeers: [],
    checkUnicastSource: false,
  };
  const good = encodeIpv4Advert(
    { version: 2, vrid: 51, priority: 150, addresses: ['10.0.0.10'], authType: 0, advertIntervalSec: 1, authData: new Uint8Array(8) },
    { src: '10.0.0.2', dst: '224.0.0.18', ipId: 1 },
  );
  const backup = step(initialInstanceState(settings()), { kind: 'startup', tracking: LINK_UP }, 0).state;
  const master = step(backup, { kind: 'timer', timer: 'master-down' }, 10 * S).state;

  it('a mutated or random datagram refused by the check leaves BACKUP and MASTER untouched', () => {
    const mutated = fc
      .array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
      .map((edits) => {
        const bytes = good.slice();
        for (const [i, v] of edits) bytes[i] = v;
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 80 })), (bytes) => {
        const verdict = checkReceivedAdvert({ bytes }, receive, { checkAddresses: true, ahSequence: 0, unicastChecksumCompat: 'none' });
        if (verdict.kind === 'accept') return;
        const decoded = decodeVrrp(bytes.subarray(20), { family: 'inet', src: '10.0.0.2', dst: '224.0.0.18' });
        const claimed = decoded.ok ? decoded.value : advert(bytes[22] ?? 0);
        for (const state of [backup, master]) {
          const result = step(state, { kind: 'advert', advert: claimed, src: '10.0.0.2', valid: false }, 11 * S);
          expect(result.state).toBe(state);
          expect(result.actions).toEqual([]);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
