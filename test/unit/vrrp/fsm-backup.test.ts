/** RFC 5798 §6.4.2 Backup, with keepalived's preempt, nopreempt and preempt_delay rules. */
import { describe, expect, it } from 'vitest';
import { detailLogs, effects, heard, logs, MDI_100, S, settings, Sim } from './fsm-harness.js';

const started = (overrides = {}) => {
  const sim = new Sim(settings(overrides));
  sim.start();
  return sim;
};

describe('BACKUP', () => {
  it('master-down timer expiry: advert first, then MASTER with VIPs, GARP burst, notifies, delayed burst', () => {
    const sim = started({ notify: { master: ['/m'] } });
    const actions = sim.advanceTo(MDI_100);
    expect(sim.state.state).toBe('MASTER');
    expect(detailLogs(actions)).toEqual(['(VI_1) Receive advertisement timeout']);
    expect(logs(actions)).toEqual(['(VI_1) Entering MASTER STATE']);
    expect(effects(actions)).toEqual([
      { kind: 'send-advert', priority: 100 },
      { kind: 'stat', counter: 'become_master' },
      { kind: 'add-vips', vips: ['10.0.0.10'] },
      { kind: 'gratuitous', vips: ['10.0.0.10'], repeat: 5 },
      { kind: 'notify', argv: ['/m'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" MASTER 100\n' },
    ]);
    expect(sim.armed.get('advert')).toBe(MDI_100 + S);
    const second = sim.advanceTo(MDI_100 + 5 * S);
    expect(second).toContainEqual({ kind: 'gratuitous', vips: ['10.0.0.10'], repeat: 5 });
  });

  it('an advert of higher or equal priority restarts the wait (the master is alive)', () => {
    const sim = started();
    sim.now = 2 * S;
    sim.send(heard(150));
    expect(sim.armed.get('master-down')).toBe(2 * S + MDI_100);
    expect(sim.state.masterAddress).toBe('10.0.0.2');
    sim.now = 4 * S;
    sim.send(heard(100));
    expect(sim.armed.get('master-down')).toBe(4 * S + MDI_100);
  });

  it('priority 0 from the master: take over after Skew_Time only', () => {
    const sim = started();
    sim.now = S;
    const actions = sim.send(heard(0));
    expect(detailLogs(actions)).toEqual(['(VI_1) Backup received priority 0 advertisement']);
    expect(sim.armed.get('master-down')).toBe(S + 609_375);
    sim.advanceTo(S + 609_375);
    expect(sim.state.state).toBe('MASTER');
  });

  it('preempt: a lower-priority advert is discarded and the wait keeps running', () => {
    const sim = started();
    sim.now = S;
    const actions = sim.send(heard(90));
    expect(logs(actions)).toEqual(['(VI_1) received lower priority (90) advert from 10.0.0.2 - discarding']);
    expect(sim.armed.get('master-down')).toBe(MDI_100);
    expect(actions.filter((a) => a.kind === 'set-timer')).toEqual([]);
    sim.advanceTo(MDI_100);
    expect(sim.state.state).toBe('MASTER');
  });

  it('nopreempt: a lower-priority master is accepted', () => {
    const sim = started({ preempt: false });
    sim.now = S;
    expect(logs(sim.send(heard(90)))).toEqual([]);
    expect(sim.armed.get('master-down')).toBe(S + MDI_100);
  });

  it('preempt_delay: a lower master is tolerated from its first advert until the delay runs out', () => {
    const sim = started({ preemptDelayUs: 10 * S });
    sim.now = S;
    expect(detailLogs(sim.send(heard(90)))).toEqual(['(VI_1) start preempt delay (10.000000)']);
    sim.now = 9 * S;
    sim.send(heard(90));
    expect(sim.armed.get('master-down')).toBe(9 * S + MDI_100);
    // a stronger master cancels the delay
    sim.now = 10 * S;
    expect(detailLogs(sim.send(heard(150)))).toEqual(['(VI_1) stop preempt delay']);
    sim.now = 11 * S;
    sim.send(heard(90));
    expect(sim.state.preemptDueUs).toBe(21 * S);
    sim.now = 21 * S + 1;
    expect(logs(sim.send(heard(90)))).toEqual(['(VI_1) received lower priority (90) advert from 10.0.0.2 - discarding']);
    sim.advanceTo(11 * S + MDI_100);
    expect(sim.state.state).toBe('MASTER');
  });

  it('v3: adopts the master advert interval (RFC 5798 §6.4.2) and times it out with that interval', () => {
    const sim = started({ version: 3 });
    sim.now = S;
    const actions = sim.send(heard(150, '10.0.0.2', 3, 50));
    expect(detailLogs(actions)).toEqual(['(VI_1) advertisement interval updated from 1000ms to 500ms by master']);
    expect(sim.state.masterAdverIntUs).toBe(500_000);
    // 3 × 0.5 s + (156 × 50 × 625) / 16 µs
    expect(sim.armed.get('master-down')).toBe(S + 1_500_000 + 304_687);
  });

  it('an advert that failed the receive checks changes nothing', () => {
    const sim = started();
    sim.now = S;
    const before = sim.state;
    expect(sim.send({ ...heard(150), valid: false })).toEqual([]);
    expect(sim.state).toBe(before);
  });

  it('a stale timer report is ignored', () => {
    const sim = started();
    sim.now = S;
    sim.send(heard(150));
    sim.now = MDI_100;
    expect(sim.send({ kind: 'timer', timer: 'master-down' })).toEqual([]);
    expect(sim.state.state).toBe('BACKUP');
  });

  it('shutdown in BACKUP: STOP notifies only, no advert', () => {
    const sim = started({ notify: { stop: ['/s'], generic: ['/g'] } });
    const actions = sim.send({ kind: 'shutdown' });
    expect(sim.state.state).toBe('STOP');
    expect(effects(actions)).toEqual([
      { kind: 'notify', argv: ['/s'], killAfterUs: S },
      { kind: 'notify', argv: ['/g', 'INSTANCE', 'VI_1', 'STOP', '100'], killAfterUs: S },
      { kind: 'fifo', line: 'INSTANCE "VI_1" STOP 100\n' },
    ]);
    expect(actions).toContainEqual({ kind: 'cancel-timer', timer: 'master-down' });
    expect(sim.send(heard(0))).toEqual([]);
  });
});
