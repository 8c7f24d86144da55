/** FAULT entry and exit, and effective priority changes, driven by tracked objects. */
import { describe, expect, it } from 'vitest';
import type { InstanceSettings } from '../../../src/vrrp/fsm/settings.js';
import type { TrackedObject } from '../../../src/vrrp/fsm/track.js';
import { effects, heard, LINK_UP, logs, MDI_100, S, settings, Sim } from './fsm-harness.js';

const script = (name: string, weight: number, reverse = false): TrackedObject => ({ kind: 'script', name, weight, reverse });

function master(overrides: Partial<InstanceSettings> = {}, tracking = LINK_UP): Sim {
  const sim = new Sim(settings(overrides));
  sim.start(tracking);
  sim.advanceTo(MDI_100);
  return sim;
}

describe('FAULT', () => {
  it('own interface down as MASTER: FAULT, two priority-0 adverts (leave + restore), VIPs removed', () => {
    const sim = master({ notify: { fault: ['/f'] } });
    const actions = sim.send({ kind: 'track', change: { kind: 'interface', name: 'eth0', up: false } });
    expect(sim.state.state).toBe('FAULT');
    expect(logs(actions)).toEqual(['(VI_1) Entering FAULT STATE']);
    expect(effects(actions)).toEqual([
      { kind: 'send-advert', priority: 0 },
      { kind: 'send-advert', priority: 0 },
      { kind: 'stat', counter: 'pri_zero_sent' },
      { kind: 'remove-vips', vips: ['10.0.0.10'] },
      { kind: 'notify', argv: ['/f'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" FAULT 100\n' },
      { kind: 'stat', counter: 'release_master' },
    ]);
    expect(sim.armed.size).toBe(0);
    // adverts are dropped in FAULT
    expect(sim.send(heard(0))).toEqual([]);
  });

  it('interface back up: BACKUP with a full wait (even for the former master)', () => {
    const sim = master();
    sim.send({ kind: 'track', change: { kind: 'interface', name: 'eth0', up: false } });
    sim.now = 10 * S;
    const actions = sim.send({ kind: 'track', change: { kind: 'interface', name: 'eth0', up: true } });
    expect(sim.state.state).toBe('BACKUP');
    expect(logs(actions)).toEqual(['(VI_1) Entering BACKUP STATE']);
    expect(sim.armed.get('master-down')).toBe(10 * S + MDI_100);
  });

  it('dont_track_primary: the own interface going down changes nothing', () => {
    const sim = master({ dontTrackPrimary: true });
    expect(sim.send({ kind: 'track', change: { kind: 'interface', name: 'eth0', up: false } })).toEqual([]);
    expect(sim.state.state).toBe('MASTER');
  });

  it('a weight-0 script failing in BACKUP: FAULT; reverse makes success the failure', () => {
    const sim = new Sim(settings({ tracked: [script('chk', 0), script('rev', 0, true)] }));
    sim.start({ ...LINK_UP, scripts: { chk: true, rev: false } });
    expect(sim.state.state).toBe('BACKUP');
    const actions = sim.send({ kind: 'track', change: { kind: 'script', name: 'chk', ok: false } });
    expect(logs(actions)).toEqual(['(VI_1) Entering FAULT STATE']);
    expect(sim.send({ kind: 'track', change: { kind: 'script', name: 'chk', ok: true } })).toContainEqual({
      kind: 'log',
      message: '(VI_1) Entering BACKUP STATE',
    });
    sim.send({ kind: 'track', change: { kind: 'script', name: 'rev', ok: true } });
    expect(sim.state.state).toBe('FAULT');
  });

  it('a track file at or below -254 means FAULT', () => {
    const file: TrackedObject = { kind: 'file', name: 'tf', weight: 1, reverse: false };
    const sim = new Sim(settings({ tracked: [file] }));
    sim.start();
    sim.send({ kind: 'track', change: { kind: 'file', name: 'tf', value: -254 } });
    expect(sim.state.state).toBe('FAULT');
    sim.send({ kind: 'track', change: { kind: 'file', name: 'tf', value: -10 } });
    expect(sim.state.state).toBe('BACKUP');
    expect(sim.state.effectivePriority).toBe(90);
  });

  it('startup with the interface down: cause line, FAULT line and FAULT notifies', () => {
    const sim = new Sim(settings({ notify: { generic: ['/n'] } }));
    const actions = sim.start({ ...LINK_UP, interfaces: { eth0: false } });
    expect(sim.state.state).toBe('FAULT');
    expect(logs(actions)).toEqual(['(VI_1): entering FAULT state (interface eth0 down)', '(VI_1) entering FAULT state']);
    expect(effects(actions)).toEqual([
      { kind: 'notify', argv: ['/n', 'INSTANCE', 'VI_1', 'FAULT', '100'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" FAULT 100\n' },
    ]);
  });

  it('startup without a source address: FAULT until the interface gets one', () => {
    const sim = new Sim(settings({ sourceAddress: undefined }));
    expect(logs(sim.start())).toContain('(VI_1) entering FAULT state (no IPv4 address for interface)');
    sim.send({ kind: 'track', change: { kind: 'interface-address', address: '10.0.0.1' } });
    expect(sim.state.state).toBe('BACKUP');
  });

  it('weight-0 scripts not reported yet: wait in FAULT (init) without notifying, then BACKUP on success', () => {
    const sim = new Sim(settings({ tracked: [script('chk', 0)], notify: { generic: ['/n'] } }));
    const start = sim.start();
    expect(logs(start)).toEqual(['(VI_1) Entering FAULT STATE (init)']);
    expect(effects(start)).toEqual([]);
    const up = sim.send({ kind: 'track', change: { kind: 'script', name: 'chk', ok: true } });
    expect(logs(up)).toEqual(['(VI_1) Entering BACKUP STATE']);
    expect(effects(up)).toContainEqual({ kind: 'fifo', line: 'INSTANCE "VI_1" BACKUP 100\n' });
  });

  it('an owner waiting for its scripts goes straight to MASTER when they succeed', () => {
    const sim = new Sim(settings({ priority: 255, initialState: 'MASTER', tracked: [script('chk', 0)] }));
    sim.start();
    sim.send({ kind: 'track', change: { kind: 'script', name: 'chk', ok: true } });
    expect(sim.state.state).toBe('MASTER');
  });
});

describe('effective priority', () => {
  it('a failing weighted script lowers the priority and stretches the backup wait from its start', () => {
    const sim = new Sim(settings({ tracked: [script('chk', -20)] }));
    sim.start({ ...LINK_UP, scripts: { chk: true } });
    sim.now = S;
    const actions = sim.send({ kind: 'track', change: { kind: 'script', name: 'chk', ok: false } });
    expect(logs(actions)).toEqual(['(VI_1) Changing effective priority from 100 to 80']);
    // MDI at 80 = 3 s + 176/256 s
    expect(sim.armed.get('master-down')).toBe(3_687_500);
    expect(sim.state.state).toBe('BACKUP');
  });

  it('startup applies the weights with keepalived\'s "Changing effective priority" line', () => {
    const sim = new Sim(settings({ tracked: [script('chk', 20)] }));
    const actions = sim.start({ ...LINK_UP, scripts: { chk: true } });
    expect(logs(actions)[0]).toBe('(VI_1) Changing effective priority from 100 to 120');
    expect(sim.armed.get('master-down')).toBe(3 * S + Math.floor((136 * S) / 256));
  });

  it('a master advertises a lowered priority and a stronger backup pre-empts it', () => {
    const sim = master({ tracked: [script('chk', -50)], notifyPriorityChanges: true }, { ...LINK_UP, scripts: { chk: true } });
    const actions = sim.send({ kind: 'track', change: { kind: 'script', name: 'chk', ok: false } });
    expect(effects(actions)).toEqual([{ kind: 'fifo', line: 'INSTANCE "VI_1" MASTER_PRIORITY 50\n' }]);
    expect(sim.advanceBy(S)).toContainEqual({ kind: 'send-advert', priority: 50 });
    sim.send(heard(90));
    expect(sim.state.state).toBe('BACKUP');
  });

  it('an address owner ignores weights', () => {
    const sim = new Sim(settings({ priority: 255, initialState: 'MASTER', tracked: [script('chk', -50)] }));
    sim.start({ ...LINK_UP, scripts: { chk: false } });
    expect(sim.state.effectivePriority).toBe(255);
  });
});
