/**
 * The scheduling keywords side by side: keepalived 2.2.7 and keepalived-ts run the same global_defs in two
 * namespaces and what the kernel shows is compared per process, matched by role (parent, VRRP child, checker
 * child): nice and the policy and real-time priority of /proc/PID/stat, `chrt -p`, whether VmLck is non-zero
 * (mlockall), Cpus_allowed_list, `prlimit --rttime`. keepalived runs both children with --all; keepalived-ts,
 * which has no --all, runs one daemon with -P and one with -C. Neither has IPVS here (no ip_vs on this host),
 * so the checkers run without virtual servers. `*_no_swap` locks both daemons' children in memory (ours with
 * native/src/madvise_locked.c preloaded by the parent). vrrp_rlimit_rttime is 1 s: under keepalived's default 10 ms the
 * SIGKILL at the hard limit took keepalived's own VRRP child down on this shared host. Then a reload to a file
 * without those keywords: keepalived puts the VRRP child back to standard scheduling, keeps its CPU affinity and
 * leaves RLIMIT_RTTIME at 0. keepalived.data's auto priority and current realtime lines are compared too.
 *
 * Needs `npm run build`; keepalived's half needs /usr/sbin/keepalived.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, waitFor, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 93;
const haveKeepalived = spawnSync('keepalived', ['--version']).status === 0;
const twoCpus = (fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim().match(/^0-(\d+)$/)?.[1] ?? '0') !== '0';

const INSTANCE = `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 93
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.99.${SUBNET}.100/24
  }
}
`;
const SCHEDULED = `global_defs {
  vrrp_rt_priority 10
  vrrp_priority -5
  vrrp_no_swap
  vrrp_cpu_affinity 1
  vrrp_rlimit_rttime 1000000
  checker_priority -7
  checker_no_swap
  checker_cpu_affinity 0
  checker_rlimit_rttime 30000
}
${INSTANCE}`;

/** What the kernel shows of one process's scheduling (`threads`: every thread's nice and CPUs, deduplicated). */
interface Seen {
  nice: string[];
  policy: string;
  rtPriority: string;
  chrt: string;
  locked: boolean;
  cpus: string[];
  rttime: string;
}

function seen(pid: number): Seen {
  const stat = (file: string): string[] => {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  const status = (file: string, name: string): string => fs.readFileSync(file, 'utf8').match(new RegExp(`^${name}:\\s*(.*)$`, 'm'))?.[1] ?? '';
  const tasks = fs.readdirSync(`/proc/${pid}/task`);
  const self = stat(`/proc/${pid}/stat`);
  const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  return {
    nice: [...new Set(tasks.map((t) => stat(`/proc/${pid}/task/${t}/stat`)[19 - 3]!))],
    rtPriority: self[40 - 3]!,
    policy: self[41 - 3]!,
    chrt: run('chrt', ['-p', String(pid)]).replaceAll(`pid ${pid}'s`, "pid's"),
    locked: Number.parseInt(status(`/proc/${pid}/status`, 'VmLck'), 10) > 0,
    cpus: [...new Set(tasks.map((t) => status(`/proc/${pid}/task/${t}/status`, 'Cpus_allowed_list')))],
    rttime: run('prlimit', ['--rttime', '-p', String(pid), '--output', 'SOFT,HARD', '--noheadings']).replace(/\s+/g, ' '),
  };
}

const pidIn = (file: string): number | undefined => {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
  } catch {
    return undefined;
  }
};

const chrt = (policy: string, priority: number): string =>
  `pid's current scheduling policy: ${policy}\npid's current scheduling priority: ${priority}`;

const PARENT: Seen = { nice: ['0'], policy: '0', rtPriority: '0', chrt: chrt('SCHED_OTHER', 0), locked: false, cpus: [], rttime: 'unlimited unlimited' };
const VRRP: Seen = { nice: ['0'], policy: '2', rtPriority: '10', chrt: chrt('SCHED_RR|SCHED_RESET_ON_FORK', 10), locked: true, cpus: ['1'], rttime: '500000 1000000' };
const CHECKER: Seen = { nice: ['-7'], policy: '0', rtPriority: '0', chrt: chrt('SCHED_OTHER', 0), locked: true, cpus: ['0'], rttime: 'unlimited unlimited' };
/** After the reload to a file without the keywords: standard scheduling, the affinity kept, RLIMIT_RTTIME 0. */
const VRRP_RELOADED: Seen = { ...VRRP, policy: '0', rtPriority: '0', chrt: chrt('SCHED_OTHER', 0), locked: false, rttime: '0 0' };

const [kernelMajor = 0, kernelMinor = 0] = os.release().split('.').map(Number);
const KERNEL_DISCARDS_LOCKED = kernelMajor > 5 || (kernelMajor === 5 && kernelMinor >= 18);

describe.skipIf(!requireNetnsOrSkip() || !haveKeepalived || !twoCpus)('process scheduling keywords beside keepalived 2.2.7', () => {
  let lab: Lab;
  let keepalived: Running;
  let katsVrrp: Running;
  let katsChecker: Running;
  let allCpus: string;

  /** Each role's process: its pid and what the kernel shows of it. */
  const roles = (): Record<string, Record<string, Seen | string>> => {
    const look = (pid: number | undefined): Seen | string => {
      try {
        return pid === undefined ? 'no pid yet' : seen(pid);
      } catch (error) {
        return (error as Error).message;
      }
    };
    return {
      keepalived: { parent: look(keepalived.proc.pid), vrrp: look(pidIn(keepalived.pidFiles.vrrp)), checker: look(pidIn(keepalived.pidFiles.check)) },
      kats: { parent: look(katsVrrp.proc.pid), vrrp: look(pidIn(katsVrrp.pidFiles.vrrp)), checker: look(pidIn(katsChecker.pidFiles.check)) },
    };
  };
  const logs = (): string => [keepalived, katsVrrp, katsChecker].map((r) => `--- ${r.daemon}\n${r.lines.slice(-30).join('\n')}`).join('\n');
  /** keepalived's expected processes, and ours the same. */
  const until = async (what: string, expected: Record<string, Seen>): Promise<void> => {
    // before MADV_DONTNEED_LOCKED (Linux 5.18) ours refuses to lock, and says so
    const ours = Object.fromEntries(Object.entries(expected).map(([role, seen]) => [role, { ...seen, locked: seen.locked && KERNEL_DISCARDS_LOCKED }]));
    const want = { keepalived: expected, kats: ours };
    await waitFor(what, () => isDeepStrictEqual(roles(), want), 20_000, () => `${JSON.stringify(roles(), null, 1)}\n${logs()}`);
  };

  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('sched'));
    allCpus = fs.readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    keepalived = lab.start(lab.addNode(1), 'keepalived', SCHEDULED, { vrrpOnly: false, extraArgs: ['--all'] });
    katsVrrp = lab.start(lab.addNode(2), 'kats', SCHEDULED);
    katsChecker = lab.start(lab.addNode(3), 'kats', SCHEDULED, { vrrpOnly: false, extraArgs: ['--all', '-C'] });
  });

  afterAll(async () => {
    await lab?.close();
  });

  it('each process as keepalived: the parent untouched, the VRRP child SCHED_RR with its limit, the checker niced; both pinned and locked in memory', async () => {
    const parent = { ...PARENT, cpus: [allCpus] };
    await until('the scheduling of each process', { parent, vrrp: VRRP, checker: CHECKER });
    expect(roles().kats).toEqual(roles().keepalived);
    // keepalived.data (SIGUSR1) shows the same current scheduling and auto priority settings
    const dataLines = (r: Running): string[] => {
      const file = path.join(r.tmpDir, 'keepalived.data');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^ (current realtime|Max auto|Min auto)/.test(l)) : [];
    };
    for (const r of [keepalived, katsVrrp]) r.proc.kill('SIGUSR1');
    await waitFor('both keepalived.data files', () => dataLines(keepalived).length > 0 && dataLines(katsVrrp).length > 0, 10_000, logs);
    expect(dataLines(keepalived)).toEqual([' Max auto priority = 0', ' Min auto priority delay = 1000000 usecs', ' current realtime priority = 10', ' current realtime time limit = 1000000']);
    expect(dataLines(katsVrrp)).toEqual(dataLines(keepalived));
  });

  it('a reload to a file without them: standard scheduling again, as keepalived', async () => {
    for (const r of [keepalived, katsVrrp]) {
      fs.writeFileSync(r.config, INSTANCE);
      r.proc.kill('SIGHUP');
    }
    const look = (r: Running): Seen | string => {
      const pid = pidIn(r.pidFiles.vrrp);
      return pid === undefined ? 'no pid' : seen(pid);
    };
    await waitFor(
      'the VRRP children back to standard scheduling',
      () => [keepalived, katsVrrp].every((r) => isDeepStrictEqual(look(r), VRRP_RELOADED)),
      20_000,
      () => `${JSON.stringify([look(keepalived), look(katsVrrp)], null, 1)}\n${logs()}`,
    );
    expect(look(katsVrrp)).toEqual(look(keepalived));
  });
});
