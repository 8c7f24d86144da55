/** RFC 5798 §6.4.1 Initialize, as keepalived 2.x starts an instance. */
import { describe, expect, it } from 'vitest';
import { effects, logs, MDI_100, S, settings, Sim } from './fsm-harness.js';

describe('startup (Initialize)', () => {
  it('enters BACKUP with the full Master_Down_Interval and runs the backup notifies', () => {
    const sim = new Sim(settings({ notify: { backup: ['/bin/nb'], generic: ['/bin/n', 'x'] } }));
    const actions = sim.start();
    expect(sim.state.state).toBe('BACKUP');
    expect(logs(actions)).toEqual(['(VI_1) Entering BACKUP STATE (init)']);
    expect(effects(actions)).toEqual([
      { kind: 'notify', argv: ['/bin/nb'] },
      { kind: 'notify', argv: ['/bin/n', 'x', 'INSTANCE', 'VI_1', 'BACKUP', '100'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" BACKUP 100\n' },
    ]);
    expect(actions).toContainEqual({ kind: 'set-timer', timer: 'master-down', dueUs: MDI_100 });
  });

  it('2.x: `state MASTER` below 255 still waits as BACKUP for Master_Down_Interval', () => {
    const sim = new Sim(settings({ initialState: 'MASTER' }));
    sim.start();
    expect(sim.state.state).toBe('BACKUP');
    expect(sim.armed.get('master-down')).toBe(MDI_100);
    sim.advanceTo(MDI_100 - 1);
    expect(sim.state.state).toBe('BACKUP');
    sim.advanceTo(MDI_100);
    expect(sim.state.state).toBe('MASTER');
  });

  it('an address owner (255, state MASTER) becomes master after 1 µs, silently passing through BACKUP', () => {
    const sim = new Sim(settings({ priority: 255, initialState: 'MASTER' }));
    const start = sim.start();
    expect(logs(start)).toEqual([]);
    expect(effects(start)).toEqual([]);
    const actions = sim.advanceTo(1);
    expect(sim.state.state).toBe('MASTER');
    expect(logs(actions)).toEqual(['(VI_1) Entering MASTER STATE']);
    expect(effects(actions)).toEqual([
      { kind: 'send-advert', priority: 255 },
      { kind: 'stat', counter: 'become_master' },
      { kind: 'add-vips', vips: ['10.0.0.10'] },
      { kind: 'gratuitous', vips: ['10.0.0.10'], repeat: 5 },
      { kind: 'fifo', line: 'INSTANCE "VI_1" MASTER 255\n' },
    ]);
    expect(sim.armed.get('advert')).toBe(1 + S);
    expect(sim.armed.get('garp-delayed')).toBe(1 + 5 * S);
  });

  it('events before startup are ignored', () => {
    const sim = new Sim();
    expect(sim.send({ kind: 'timer', timer: 'master-down' })).toEqual([]);
    expect(sim.state.state).toBe('INIT');
  });
});
