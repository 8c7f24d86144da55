import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lab/fakes/clock.js';
import { FakeProcEvents } from '../../../lab/fakes/proc-events.js';
import { paramsMatch, ProcessTracker } from '../../../src/track/process-tracker.js';
import type { TrackChange } from '../../../src/vrrp/fsm/track.js';
import { instance, parseText } from '../config/vrrp-helpers.js';

const S = 1_000_000;

function specs(body: string) {
  const p = parseText(`vrrp_track_process proc {\n${body}\n}\n${instance(' track_process {\n  proc\n }')}`);
  expect(p.messages).toEqual([]);
  return p.result.config.vrrp.trackProcesses;
}

function world(body: string, before: (proc: FakeProcEvents) => void = () => undefined) {
  const clock = new FakeClock();
  const proc = new FakeProcEvents();
  const changes: TrackChange[] = [];
  const logs: string[] = [];
  const detail: string[] = [];
  before(proc);
  const tracker = new ProcessTracker(specs(body), { clock, proc, onChange: (c) => changes.push(c), log: (m) => logs.push(m), logDetail: (m) => detail.push(m) });
  const initial = tracker.start();
  return { clock, proc, changes, logs, detail, tracker, initial };
}


describe('vrrp_track_process (track_process.c)', () => {
  it('counts what runs at start by comm, zombies left out, and reports no change for it', () => {
    const w = world(' process nginx\n quorum 2', (p) => {
      p.running(['/usr/sbin/nginx', '-g', 'daemon off;']);
      p.running(['/usr/sbin/nginx']);
      p.table.set(p.running(['/usr/sbin/nginx']), { comm: 'nginx', argv: [], zombie: true });
    });
    expect(w.initial).toEqual({ proc: true });
    expect(w.changes).toEqual([]);
    expect(w.proc.listening).toBe(true);
  });

  it('loses the quorum when a process exits and gains it when one is started again', () => {
    const w = world(' process nginx\n quorum 2', (p) => {
      p.running(['/sbin/init']);
      p.running(['nginx']);
      p.running(['nginx']);
    });
    w.proc.exit(1001);
    expect(w.logs).toEqual(['Quorum lost for tracked process proc']);
    const shell = w.proc.fork(1000);
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: false }]);
    w.proc.exec(shell, ['/usr/sbin/nginx']);
    expect(w.changes.at(-1)).toEqual({ kind: 'process', name: 'proc', quorum: true });
    expect(w.logs.at(-1)).toBe('Quorum gained for tracked process proc');
  });

  it('holds a loss back by terminate_delay; a fork of a counted process meanwhile cancels it', () => {
    const w = world(' process nginx\n terminate_delay 2', (p) => void p.running(['nginx']));
    const first = 1000;
    const second = w.proc.fork(first);
    w.proc.exit(first);
    w.proc.exit(second);
    w.clock.advance(S);
    expect(w.changes).toEqual([]);
    w.clock.advance(S);
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: false }]);
  });

  it('holds a gain by fork back for fork_delay', () => {
    const w = world(' process nginx\n quorum 2\n fork_delay 1', (p) => void p.running(['nginx']));
    expect(w.initial).toEqual({ proc: false });
    w.proc.fork(1000);
    expect(w.changes).toEqual([]);
    w.clock.advance(S);
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: true }]);
  });

  it('loses the quorum above quorum_max', () => {
    const w = world(' process nginx\n quorum 1\n quorum_max 1', (p) => void p.running(['nginx']));
    expect(w.initial).toEqual({ proc: true });
    const child = w.proc.fork(1000);
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: false }]);
    w.proc.exit(child);
    expect(w.changes.at(-1)).toEqual({ kind: 'process', name: 'proc', quorum: true });
  });

  it('follows a comm change away from the name and back', () => {
    const w = world(' process nginx', (p) => void p.running(['nginx']));
    w.proc.rename(1000, 'worker');
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: false }]);
    w.proc.rename(1000, 'nginx');
    expect(w.changes.at(-1)).toEqual({ kind: 'process', name: 'proc', quorum: true });
  });

  it('matches the full command and its parameters under full_command / param_match', () => {
    const w = world(' process /usr/bin/python3 /srv/app.py', (p) => {
      p.running(['/usr/bin/python3', '/srv/app.py', '--debug']);
      p.running(['/usr/bin/python3', '/srv/other.py']);
    });
    expect(w.initial).toEqual({ proc: false });
    const pid = w.proc.fork(1001);
    w.proc.exec(pid, ['/usr/bin/python3', '/srv/app.py']);
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: true }]);
    // an exec to anything else is a process lost
    w.proc.exec(pid, ['/bin/sleep', '1']);
    expect(w.changes.at(-1)).toEqual({ kind: 'process', name: 'proc', quorum: false });
  });

  it("check_params: exact, partial (whole words), initial (the last word's start)", () => {
    const b = (...w: string[]): Buffer => Buffer.from(w.map((x) => `${x}\0`).join(''), 'latin1');
    expect(paramsMatch('exact', b('a', 'b'), b('a', 'b'))).toBe(true);
    expect(paramsMatch('exact', b('a'), b('a', 'b'))).toBe(false);
    expect(paramsMatch('exact', undefined, b())).toBe(true);
    expect(paramsMatch('partial', b('a'), b('a', 'b'))).toBe(true);
    expect(paramsMatch('partial', b('a'), b('ab'))).toBe(false);
    expect(paramsMatch('initial', b('a'), b('ab'))).toBe(true);
    expect(paramsMatch('initial', b('ab'), b('a'))).toBe(false);
  });

  it('ignores threads, logs the connector ack under -D, and warns when none comes', () => {
    const w = world(' process nginx', (p) => void p.running(['nginx']));
    w.proc.deliver({ what: 'exit', pid: 1001, tgid: 1000 });
    expect(w.changes).toEqual([]);
    w.proc.deliver({ what: 'ack' });
    w.clock.advance(S);
    expect(w.detail).toEqual(['proc_events has confirmed it is configured']);
    expect(w.logs).toEqual([]);
    const silent = world(' process nginx');
    silent.clock.advance(S);
    expect(silent.logs).toEqual(['WARNING - the kernel does not support proc events - track_process will not work']);
  });

  it('counts again from /proc after lost events', () => {
    const w = world(' process nginx', (p) => void p.running(['nginx']));
    w.proc.table.delete(1000);
    w.proc.deliver({ what: 'overrun' });
    expect(w.changes).toEqual([]);
    w.clock.advance(S);
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: false }]);
    expect(w.detail).toContain('Process proc, number of current processes changed from 1 to 0, quorum down');
  });

  it('asks for twice the buffer the socket holds after each overrun, and says so, as keepalived', () => {
    const p = parseText(`global_defs {\n process_monitor_rcv_bufs 16384\n process_monitor_rcv_bufs_force\n}\nvrrp_track_process proc {\n process nginx\n}\n`);
    const { global, vrrp } = p.result.config;
    const clock = new FakeClock();
    const proc = new FakeProcEvents();
    const logs: string[] = [];
    new ProcessTracker(vrrp.trackProcesses, { clock, proc, onChange: () => undefined, log: (m) => logs.push(m), logDetail: () => undefined }, global.processMonitorRcvBufs).start();
    for (const expected of [65536, 262144]) {
      proc.deliver({ what: 'overrun' });
      clock.advance(S);
      // the kernel holds twice what was set: 16384 → 32768 held → 65536 asked for
      expect(proc.receiveBuffer).toEqual({ bytes: expected, force: true });
      expect(logs.at(-1)).toBe(`Setting global_def process_monitor_rcv_bufs to ${expected} - recommend updating configuration file`);
    }
  });

  it('says how many messages a gap in a CPU\'s numbers lost; while a count again is due, only under -D', () => {
    const w = world(' process nginx', (p) => void p.running(['nginx']));
    const exec = (cpu: number, seq: number) => ({ what: 'exec' as const, pid: 1, tgid: 1, cpu, seq });
    w.proc.deliver(exec(0, 7), exec(1, 0xffff_fffe), exec(0, 8), exec(1, 0xffff_ffff), exec(1, 0), exec(0, 11));
    expect(w.logs).toEqual(['Missed 2 messages on CPU 0']);
    w.proc.deliver({ what: 'overrun' }, exec(1, 5));
    expect(w.logs).toEqual(['Missed 2 messages on CPU 0']);
    expect(w.detail).toEqual(['Missed 4 messages on CPU 1']);
    w.clock.advance(S);
    // the count again forgets the numbers: the next message starts afresh
    w.proc.deliver(exec(1, 9), exec(1, 11));
    expect(w.logs.at(-1)).toBe('Missed 1 messages on CPU 1');
    // a uid change between two execs is numbered too, and no gap
    w.proc.deliver({ what: 'other', cpu: 1, seq: 12 }, exec(1, 13));
    expect(w.logs.at(-1)).toBe('Missed 1 messages on CPU 1');
  });

  it('counts again when the buffer size cannot be read (keepalived gives up there and counts nothing)', () => {
    const w = world(' process nginx', (p) => void p.running(['nginx']));
    w.proc.receiveBufferError = Object.assign(new Error('getsockopt EBADF: Bad file descriptor'), { errno: 9 });
    w.proc.table.delete(1000);
    w.proc.deliver({ what: 'overrun' });
    w.clock.advance(S);
    expect(w.logs).toContain('Cannot get process monitor SO_RCVBUF option. errno=9 (Bad file descriptor)');
    expect(w.changes).toEqual([{ kind: 'process', name: 'proc', quorum: false }]);
  });

  it('stops: the socket closed, the timers cancelled', () => {
    const w = world(' process nginx\n terminate_delay 1', (p) => void p.running(['nginx']));
    w.proc.exit(1000);
    w.tracker.stop();
    w.clock.advance(2 * S);
    expect(w.changes).toEqual([]);
    expect(w.proc.closed).toBe(true);
  });

  it('counts nothing when the connector refuses, as init_track_processes gives up before read_procs', () => {
    const refused = Object.assign(new Error('send ECONNREFUSED: Connection refused'), { syscall: 'send', errno: 111, code: 'ECONNREFUSED' });
    const w = world(' process nginx', (p) => {
      p.running(['nginx']);
      p.listenError = refused;
    });
    expect(w.initial).toEqual({ proc: false });
    expect(w.logs).toEqual(['Failed to set/clear process event listen - errno 111 - Connection refused']);
  });

  it('sizes the socket with process_monitor_rcv_bufs[_force], read from global_defs', () => {
    const p = parseText(`global_defs {\n process_monitor_rcv_bufs 1048576\n process_monitor_rcv_bufs_force\n}\nvrrp_track_process proc {\n process nginx\n}\n`);
    expect(p.messages).toEqual([]);
    const { global, vrrp } = p.result.config;
    expect(global.processMonitorRcvBufs).toEqual({ size: 1048576, force: true });
    const proc = new FakeProcEvents();
    const ports = { clock: new FakeClock(), proc, onChange: () => undefined, log: () => undefined, logDetail: () => undefined };
    new ProcessTracker(vrrp.trackProcesses, ports, global.processMonitorRcvBufs).start();
    expect(proc.receiveBuffer).toEqual({ bytes: 1048576, force: true });
  });
});
