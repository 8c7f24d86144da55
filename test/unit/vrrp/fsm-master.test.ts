/** RFC 5798 §6.4.3 Master, with keepalived's election, GARP and stop rules. */
import { describe, expect, it } from 'vitest';
import type { InstanceSettings } from '../../../src/vrrp/fsm/settings.js';
import { detailLogs, effects, heard, LINK_UP, logs, mails, MDI_100, S, settings, Sim } from './fsm-harness.js';

function master(overrides: Partial<InstanceSettings> = {}): Sim {
  const sim = new Sim(settings(overrides));
  sim.start();
  sim.advanceTo(MDI_100);
  expect(sim.state.state).toBe('MASTER');
  return sim;
}

describe('MASTER', () => {
  it('sends an advert every advert_int', () => {
    const sim = master();
    const actions = sim.advanceBy(3 * S);
    expect(actions.filter((a) => a.kind === 'send-advert')).toHaveLength(3);
    expect(sim.armed.get('advert')).toBe(MDI_100 + 4 * S);
  });

  it('garp_master_refresh: a refresh burst with the first advert after the refresh time', () => {
    const sim = master({ garp: { ...settings().garp, masterDelayUs: 0, masterRefreshUs: 2 * S, masterRefreshRepeat: 2 } });
    const actions = sim.advanceBy(3 * S);
    expect(actions.filter((a) => a.kind === 'gratuitous')).toEqual([{ kind: 'gratuitous', vips: ['10.0.0.10'], repeat: 2 }]);
  });

  it('garp_extra_if: one message for its addresses with the first advert after each interval, none once no longer master', () => {
    const sim = master({ garp: { ...settings().garp, masterDelayUs: 0, extraIfUs: 2 * S, extraIfVips: ['10.0.1.1'] } });
    // adverts at +1 s, +2 s, …: due after +2 s (strictly), so at +3 s, then after +5 s, so at +6 s
    const actions = sim.advanceBy(6 * S);
    expect(actions.filter((a) => a.kind === 'gratuitous')).toEqual([
      { kind: 'gratuitous', vips: ['10.0.1.1'], repeat: 1 },
      { kind: 'gratuitous', vips: ['10.0.1.1'], repeat: 1 },
    ]);
    sim.now += 100;
    sim.send(heard(150));
    expect(sim.state.extraIfGarpDueUs).toBeUndefined();
  });

  it('higher priority advert: BACKUP, VIPs removed, no priority-0 advert', () => {
    const sim = master({ notify: { backup: ['/b'] } });
    sim.now += 100;
    const actions = sim.send(heard(150));
    expect(sim.state.state).toBe('BACKUP');
    expect(logs(actions)).toEqual([
      '(VI_1) Master received advert from 10.0.0.2 with higher priority 150, ours 100',
      '(VI_1) Entering BACKUP STATE',
    ]);
    expect(effects(actions)).toEqual([
      { kind: 'remove-vips', vips: ['10.0.0.10'] },
      { kind: 'notify', argv: ['/b'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" BACKUP 100\n' },
      { kind: 'stat', counter: 'release_master' },
    ]);
    expect(mails(actions)).toEqual(['BACKUP']);
    expect(sim.armed.get('master-down')).toBe(sim.now + MDI_100);
    expect(sim.armed.has('advert')).toBe(false);
    expect(sim.armed.has('garp-delayed')).toBe(false);
  });

  it('equal priority from a higher address: BACKUP', () => {
    const sim = master();
    const actions = sim.send(heard(100, '10.0.0.200'));
    expect(logs(actions)[0]).toBe('(VI_1) Master received advert from 10.0.0.200 with same priority 100 but higher IP address than ours');
    expect(sim.state.state).toBe('BACKUP');
  });

  it('lower priority advert: stay master, force a new election with an advert, GARPs and the rx-lower notify', () => {
    const sim = master({ notify: { masterRxLowerPri: ['/low'] } });
    const actions = sim.send(heard(90));
    expect(sim.state.state).toBe('MASTER');
    expect(logs(actions)).toEqual(['(VI_1) Received advert from 10.0.0.2 with lower priority 90, ours 100, forcing new election']);
    expect(effects(actions)).toEqual([
      { kind: 'send-advert', priority: 100 },
      { kind: 'gratuitous', vips: ['10.0.0.10'], repeat: 5 },
      { kind: 'notify', argv: ['/low'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n' },
    ]);
    expect(sim.armed.get('garp-lower-prio')).toBe(sim.now + 5 * S);
    expect(sim.armed.get('advert')).toBe(sim.now + S);
  });

  it('equal priority from a lower address counts as lower', () => {
    const sim = master({ sourceAddress: '10.0.0.100' });
    expect(logs(sim.send(heard(100, '10.0.0.2')))[0]).toContain('with lower priority 100, ours 100, forcing new election');
    expect(sim.state.state).toBe('MASTER');
  });

  it('lower_prio_no_advert: no advert, no "forcing new election", advert timer untouched', () => {
    const sim = master({ lowerPrioNoAdvert: true });
    const due = sim.armed.get('advert');
    sim.now += 10;
    const actions = sim.send(heard(90));
    expect(logs(actions)).toEqual(['(VI_1) Received advert from 10.0.0.2 with lower priority 90, ours 100']);
    expect(actions.some((a) => a.kind === 'send-advert')).toBe(false);
    expect(sim.armed.get('advert')).toBe(due);
  });

  it('priority 0 received: answer with an advert at once', () => {
    const sim = master();
    const actions = sim.send(heard(0));
    expect(effects(actions)).toEqual([{ kind: 'send-advert', priority: 100 }]);
    expect(detailLogs(actions)).toEqual(['(VI_1) Master received priority 0 message']);
    expect(sim.state.state).toBe('MASTER');
  });

  it('higher_prio_send_advert: one advert before stepping down', () => {
    const sim = master({ higherPrioSendAdvert: true });
    const actions = sim.send(heard(150));
    expect(effects(actions)[0]).toEqual({ kind: 'send-advert', priority: 100 });
    expect(sim.state.state).toBe('BACKUP');
  });

  it('two address owners: keepalived drops ours to 254 and the lower address backs off', () => {
    const sim = new Sim(settings({ priority: 255, initialState: 'MASTER' }));
    sim.start();
    sim.advanceTo(1);
    const actions = sim.send(heard(255, '10.0.0.2'));
    expect(logs(actions)).toEqual([
      '(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority',
      '(VI_1) Master received advert from 10.0.0.2 with higher priority 255, ours 254',
      '(VI_1) Entering BACKUP STATE',
    ]);
    expect(sim.state.effectivePriority).toBe(254);
  });

  it('shutdown: priority-0 advert, VIPs removed, STOP notifies', () => {
    const sim = master({ notify: { stop: ['/s'] } });
    const actions = sim.send({ kind: 'shutdown' });
    expect(effects(actions)).toEqual([
      { kind: 'send-advert', priority: 0 },
      { kind: 'stat', counter: 'pri_zero_sent' },
      { kind: 'remove-vips', vips: ['10.0.0.10'] },
      { kind: 'notify', argv: ['/s'], killAfterUs: S },
      { kind: 'fifo', line: 'INSTANCE "VI_1" STOP 100\n' },
    ]);
    expect(detailLogs(actions)).toEqual(['(VI_1) sent 0 priority']);
    expect(sim.armed.size).toBe(0);
  });

  it('shutdown under -V: the STOP notifies only, no priority-0 advert and the VIPs stay', () => {
    const sim = master({ notify: { stop: ['/s'] } });
    const actions = sim.send({ kind: 'shutdown', keepAddresses: true });
    expect(effects(actions)).toEqual([
      { kind: 'notify', argv: ['/s'], killAfterUs: S },
      { kind: 'fifo', line: 'INSTANCE "VI_1" STOP 100\n' },
    ]);
    expect(detailLogs(actions)).toEqual([]);
    expect(sim.state.state).toBe('STOP');
  });

  it('a backup hearing our shutdown takes over after Skew_Time', () => {
    const peer = new Sim(settings({ priority: 90, sourceAddress: '10.0.0.2' }));
    peer.start();
    peer.now = S;
    peer.send(heard(0, '10.0.0.1'));
    peer.advanceTo(S + 656_250); // (256 − 90)/256 s
    expect(peer.state.state).toBe('MASTER');
  });
});

describe('reload keeping state', () => {
  it('a master stays master, applies the VIP difference and advertises at once', () => {
    const sim = master({ vips: ['10.0.0.10', '10.0.0.11'] });
    sim.now += 100;
    const actions = sim.send({ kind: 'reload', settings: settings({ vips: ['10.0.0.10', '10.0.0.12'] }) });
    expect(sim.state.state).toBe('MASTER');
    // an address was added: keepalived's vrrp_send_link_update announces all of them
    expect(effects(actions)).toEqual([
      { kind: 'remove-vips', vips: ['10.0.0.11'] },
      { kind: 'add-vips', vips: ['10.0.0.12'] },
      { kind: 'gratuitous', vips: ['10.0.0.10', '10.0.0.12'], repeat: 5 },
    ]);
    expect(sim.armed.get('advert')).toBe(sim.now);
    expect(logs(actions)).toEqual([]);
  });

  it('a master with the same settings changes nothing but advertises at once, without gratuitous ARPs', () => {
    const sim = master();
    sim.now += 100;
    const actions = sim.send({ kind: 'reload', settings: settings() });
    expect(effects(actions)).toEqual([]);
    expect(logs(actions)).toEqual([]);
    expect(sim.armed.get('advert')).toBe(sim.now);
    const next = sim.advanceBy(0);
    expect(effects(next)).toEqual([{ kind: 'send-advert', priority: 100 }]);
    expect(sim.state.state).toBe('MASTER');
  });

  it('a master only dropping an address sends no gratuitous ARPs', () => {
    const sim = master({ vips: ['10.0.0.10', '10.0.0.11'] });
    const actions = sim.send({ kind: 'reload', settings: settings({ vips: ['10.0.0.10'] }) });
    expect(effects(actions)).toEqual([{ kind: 'remove-vips', vips: ['10.0.0.11'] }]);
  });

  it('a backup restarts its wait with the new priority', () => {
    const sim = new Sim(settings());
    sim.start();
    sim.now = S;
    sim.send({ kind: 'reload', settings: settings({ priority: 150 }) });
    expect(sim.state.state).toBe('BACKUP');
    expect(sim.armed.get('master-down')).toBe(S + 3_414_062);
  });
});

describe('instance removed at reload', () => {
  const notify = { fault: ['/f'], deleted: ['/d'], generic: ['/g'] };

  it('a master sends priority 0, drops its VIPs and reports FAULT through the generic notify and the FIFO only', () => {
    const sim = master({ notify });
    const actions = sim.send({ kind: 'delete' });
    expect(sim.state.state).toBe('STOP');
    expect(effects(actions)).toEqual([
      { kind: 'send-advert', priority: 0 },
      { kind: 'stat', counter: 'pri_zero_sent' },
      { kind: 'remove-vips', vips: ['10.0.0.10'] },
      { kind: 'notify', argv: ['/g', 'INSTANCE', 'VI_1', 'FAULT', '100'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" FAULT 100\n' },
    ]);
    expect(sim.armed.size).toBe(0);
    // keepalived rewrites DELETED to FAULT before its e-mail too
    expect(mails(actions)).toEqual(['FAULT']);
  });

  it('with notify_deleted reports DELETED, even from FAULT', () => {
    const sim = new Sim(settings({ notify, notifyDeleted: true }));
    sim.start({ ...LINK_UP, interfaces: { eth0: false } });
    expect(sim.state.state).toBe('FAULT');
    const actions = sim.send({ kind: 'delete' });
    expect(mails(actions)).toEqual(['DELETED']);
    expect(effects(actions)).toEqual([
      { kind: 'notify', argv: ['/d'] },
      { kind: 'notify', argv: ['/g', 'INSTANCE', 'VI_1', 'DELETED', '100'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" DELETED 100\n' },
    ]);
  });

  it('a backup hands nothing over; one in FAULT without notify_deleted reports nothing', () => {
    const backup = new Sim(settings({ notify }));
    backup.start();
    expect(effects(backup.send({ kind: 'delete' }))).toEqual([
      { kind: 'notify', argv: ['/g', 'INSTANCE', 'VI_1', 'FAULT', '100'] },
      { kind: 'fifo', line: 'INSTANCE "VI_1" FAULT 100\n' },
    ]);
    const faulty = new Sim(settings({ notify }));
    faulty.start({ ...LINK_UP, interfaces: { eth0: false } });
    const faultyActions = faulty.send({ kind: 'delete' });
    expect(effects(faultyActions)).toEqual([]);
    expect(mails(faultyActions)).toEqual([]);
    expect(faulty.state.state).toBe('STOP');
  });
});
