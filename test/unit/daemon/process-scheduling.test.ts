import { describe, expect, it } from 'vitest';
import { processSchedule } from '../../../src/daemon/process-schedule.js';
import { ProcessScheduling } from '../../../src/daemon/process-scheduling.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { fakeProcessSched } from '../../../lab/fakes/process-sched.js';
import { parseText } from '../config/parse-text.js';

/** global_defs' defaults: max_auto_priority 0, min_auto_priority_delay 1 s. */
const AUTO = { maxAutoPriority: 0, minAutoPriorityDelayUs: 1_000_000 };
/** RLIMIT_RTTIME for a raise by a late timer: vrrp_/checker_rlimit_rttime's default 10000 µs. */
const AUTO_RTTIME = { autoRttime: { soft: 5000, hard: 10000 } };

const globalDefs = (lines: string): ReturnType<typeof parseText>['config']['global'] =>
  parseText(`global_defs {\n${lines}\n}\n`).config.global;

describe('processSchedule: global_defs → what set_process_priorities gets', () => {
  it('leaves everything alone by default', () => {
    expect(processSchedule(globalDefs(''), 'vrrp')).toEqual({ lockMemory: false, ...AUTO, ...AUTO_RTTIME });
  });
  it('takes each process its own keywords', () => {
    const g = globalDefs('vrrp_priority -5\nchecker_priority 7\nchecker_no_swap\nvrrp_cpu_affinity 0 0');
    expect(processSchedule(g, 'vrrp')).toEqual({ nice: -5, lockMemory: false, ...AUTO, cpus: [0], ...AUTO_RTTIME });
    expect(processSchedule(g, 'checker')).toEqual({ nice: 7, lockMemory: true, ...AUTO, ...AUTO_RTTIME });
  });
  it('under SCHED_RR sets RLIMIT_RTTIME (keepalived default 10000 µs, soft half) and no nice value', () => {
    const g = globalDefs('vrrp_rt_priority 20\nvrrp_priority -5\nchecker_rt_priority 30\nchecker_rlimit_rttime 30001');
    expect(processSchedule(g, 'vrrp')).toEqual({ realtime: { priority: 20, rttime: { soft: 5000, hard: 10000 } }, lockMemory: false, ...AUTO });
    expect(processSchedule(g, 'checker')).toEqual({ realtime: { priority: 30, rttime: { soft: 15000, hard: 30001 } }, lockMemory: false, ...AUTO });
  });
  it('an invalid rlimit (stored as 0) sets no limit', () => {
    const g = globalDefs('vrrp_rt_priority 20\nvrrp_rlimit_rttime junk');
    expect(processSchedule(g, 'vrrp').realtime).toEqual({ priority: 20 });
  });
});

describe('ProcessScheduling: applying and taking back, as lib/process.c', () => {
  const all = { realtime: { priority: 20, rttime: { soft: 5000, hard: 10000 } }, lockMemory: true, ...AUTO, cpus: [0, 1] };

  it('applies SCHED_RR, its limit, the memory lock and the affinity, takes them back but the affinity, and watches SIGXCPU once', () => {
    const fake = fakeProcessSched();
    const { log, lines } = fakeLogger();
    const s = new ProcessScheduling(fake.port, 'vrrp', log);
    s.apply(all);
    s.reset();
    s.apply(all);
    expect(fake.calls).toEqual([
      'setRealtime(20)', 'onCpuTimeLimit()', 'setRlimitRttime(5000,10000)', 'lockMemory()', 'setAffinity(0,1)',
      'setRealtime(0)', 'setRlimitRttime(0,0)', 'unlockMemory()',
      'setRealtime(20)', 'setRlimitRttime(5000,10000)', 'lockMemory()', 'setAffinity(0,1)',
    ]);
    fake.cpuTimeLimit();
    expect(lines).toEqual(['VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased']);
  });

  it('sets the nice value and takes it back to the one the process had', () => {
    const fake = fakeProcessSched(3);
    const s = new ProcessScheduling(fake.port, 'checker', fakeLogger().log);
    s.apply({ nice: -5, lockMemory: false, ...AUTO });
    s.reset();
    s.reset();
    expect(fake.calls).toEqual(['setNice(-5)', 'setNice(3)']);
  });

  it('takes nothing back that was not set', () => {
    const fake = fakeProcessSched();
    const s = new ProcessScheduling(fake.port, 'checker', fakeLogger().log);
    s.apply({ lockMemory: false, ...AUTO, cpus: [1] });
    s.reset();
    expect(fake.calls).toEqual(['setAffinity(1)']);
  });

  it('a refused memory lock is logged with why, and not taken back', () => {
    const fake = fakeProcessSched();
    fake.failing.set('lockMemory', 'madvise_locked is not preloaded, and V8 aborts on locked pages without it');
    const { log, lines } = fakeLogger();
    const s = new ProcessScheduling(fake.port, 'checker', log);
    s.apply({ lockMemory: true, ...AUTO });
    s.reset();
    expect(fake.calls).toEqual(['lockMemory()']);
    expect(lines).toEqual(['Unable to lock process in memory - madvise_locked is not preloaded, and V8 aborts on locked pages without it']);
  });

  it('logs each failure in keepalived words and goes on; a refused SCHED_RR sets no limit', () => {
    const fake = fakeProcessSched();
    for (const name of ['setRealtime', 'setAffinity'] as const) fake.failing.set(name, 'Operation not permitted');
    const { log, lines } = fakeLogger();
    new ProcessScheduling(fake.port, 'checker', log).apply({ ...all, lockMemory: false, ...AUTO });
    expect(fake.calls).toEqual(['setRealtime(20)', 'setAffinity(0,1)']);
    expect(lines).toEqual([
      'child process: cannot raise priority',
      'unable to set cpu affinity to checker process (Operation not permitted)',
    ]);
    const nice = fakeProcessSched();
    nice.failing.set('setNice', 'Permission denied');
    const niceLog = fakeLogger();
    const s = new ProcessScheduling(nice.port, 'vrrp', niceLog.log);
    s.apply({ nice: -5, lockMemory: false, ...AUTO });
    s.reset();
    expect(niceLog.lines).toEqual(['Unable to set process priority to -5 - Permission denied']);
  });

  it('scripts take back what is set, as system_call_script: SCHED_RR and its limit, or the nice value', () => {
    const rr = fakeProcessSched();
    const s = new ProcessScheduling(rr.port, 'vrrp', fakeLogger().log);
    s.apply({ realtime: { priority: 20, rttime: { soft: 5000, hard: 10000 } }, lockMemory: false, ...AUTO });
    expect(rr.forkReset).toEqual({ realtime: true, rttime: true });
    s.reset();
    expect(rr.forkReset).toEqual({ realtime: false, rttime: false });

    const niced = fakeProcessSched(3);
    const n = new ProcessScheduling(niced.port, 'checker', fakeLogger().log);
    n.apply({ nice: -5, lockMemory: false, ...AUTO });
    expect(niced.forkReset).toEqual({ realtime: false, rttime: false, nice: 3 });
    n.reset();
    expect(niced.forkReset).toEqual({ realtime: false, rttime: false });
  });

  it('leaves the scripts alone (and the addon unloaded) when nothing is set or a call failed', () => {
    const fake = fakeProcessSched();
    fake.failing.set('setNice', 'Permission denied');
    const s = new ProcessScheduling(fake.port, 'vrrp', fakeLogger().log);
    s.apply({ lockMemory: false, ...AUTO, cpus: [1] });
    s.apply({ nice: -5, lockMemory: false, ...AUTO });
    s.reset();
    expect(fake.forkReset).toBeUndefined();
  });

  it('a timer over min_auto_priority_delay late is logged, and raises SCHED_RR from 1 up to max_auto_priority (increment_process_priority)', () => {
    const fake = fakeProcessSched();
    const { log, lines } = fakeLogger();
    const s = new ProcessScheduling(fake.port, 'vrrp', log);
    s.timerLate(5_000_000);
    s.apply({ lockMemory: false, maxAutoPriority: 2, minAutoPriorityDelayUs: 1_000_000, autoRttime: { soft: 5000, hard: 10000 } });
    s.timerLate(1_000_000);
    for (const late of [1_250_000, 2_000_001, 3_000_000]) s.timerLate(late);
    expect(fake.calls).toEqual(['setRealtime(1)', 'onCpuTimeLimit()', 'setRlimitRttime(5000,10000)', 'setRealtime(2)']);
    expect(lines).toEqual([
      'A thread timer expired 1.250000 seconds ago',
      'Set realtime priority 1',
      'A thread timer expired 2.000001 seconds ago',
      'Set realtime priority 2',
      'A thread timer expired 3.000000 seconds ago',
    ]);
    expect(fake.forkReset).toEqual({ realtime: true, rttime: true });
    expect(s.current()).toEqual({ realtimePriority: 2, rttimeLimit: 10000 });
    s.reset();
    expect(fake.calls.slice(-2)).toEqual(['setRealtime(0)', 'setRlimitRttime(0,0)']);
    expect(s.current()).toEqual({ realtimePriority: 0, rttimeLimit: 0 });
  });

  it('max_auto_priority 0 only logs; -1 in a later configuration keeps the maximum before it', () => {
    const fake = fakeProcessSched();
    const { log, lines } = fakeLogger();
    const s = new ProcessScheduling(fake.port, 'checker', log);
    s.apply({ lockMemory: false, ...AUTO });
    s.timerLate(1_500_000);
    expect(fake.calls).toEqual([]);
    expect(lines).toEqual(['A thread timer expired 1.500000 seconds ago']);
    s.apply({ lockMemory: false, maxAutoPriority: 5, minAutoPriorityDelayUs: 10 });
    s.reset();
    s.apply({ lockMemory: false, maxAutoPriority: -1, minAutoPriorityDelayUs: 10 });
    s.timerLate(11);
    expect(fake.calls).toEqual(['setRealtime(1)']);
  });

  it('a refused raise is logged and still counted, as keepalived counts cur_rt_priority', () => {
    const fake = fakeProcessSched();
    fake.failing.set('setRealtime', 'Operation not permitted');
    const { log, lines } = fakeLogger();
    const s = new ProcessScheduling(fake.port, 'vrrp', log);
    s.apply({ lockMemory: false, maxAutoPriority: 99, minAutoPriorityDelayUs: 10 });
    s.timerLate(20);
    s.timerLate(20);
    expect(fake.calls).toEqual(['setRealtime(1)', 'setRealtime(2)']);
    expect(lines.filter((l) => !l.startsWith('A thread'))).toEqual(['child process: cannot raise priority', 'Set realtime priority 1', 'child process: cannot raise priority', 'Set realtime priority 2']);
  });

  it('a reload runs under standard scheduling and ends with the schedule of the configuration left running, even when it fails', async () => {
    const fake = fakeProcessSched();
    const s = new ProcessScheduling(fake.port, 'vrrp', fakeLogger().log);
    s.apply({ nice: 5, lockMemory: false, ...AUTO });
    const seen: string[] = [];
    await expect(
      s.reloading(
        () => {
          seen.push(fake.calls.join(' '));
          return Promise.reject(new Error('bad file'));
        },
        () => ({ nice: 5, lockMemory: false, ...AUTO }),
      ),
    ).rejects.toThrow('bad file');
    expect(seen).toEqual(['setNice(5) setNice(0)']);
    expect(fake.calls).toEqual(['setNice(5)', 'setNice(0)', 'setNice(5)']);
  });
});
