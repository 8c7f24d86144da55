/**
 * Programming IPVS from an empty table: 1,000 virtual servers × 10 real
 * servers (11,000 kernel entries; `services` makes it smaller: under TCG the
 * boot takes ~2 min on a quiet machine, 5 on a loaded one), real servers without checkers so
 * every one is up at once, keepalived-ts -C beside keepalived -C on the same
 * file, in one VM boot (this machine's kernel has no IPVS; see vm-boot.ts).
 * Measured per run: the time from the daemon's start until /proc/net/ip_vs
 * holds all 11,000 entries; the IPVS generic-netlink requests the daemon
 * sent (captured on an nlmon device: messages, and the sendmsg calls that
 * carried them, i.e. batching) with the time from its first to its last;
 * the checker process's CPU time and peak RSS (VmHWM) when the table was
 * complete. The guest is ipvs-program-guest.mjs.
 */
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../lab/package-root.js';
import { bootVm, vmBenchUnavailable, type Accel } from './vm-boot.js';

export const PROGRAM_SERVICES = 1000;
export const PROGRAM_DESTS = 10;

export function generateProgramConfig(services: number, dests: number): string {
  const out: string[] = ['global_defs {', '    router_id bench', '}', ''];
  for (let v = 0; v < services; v++) {
    const vip = `10.99.${100 + Math.floor(v / 250)}.${(v % 250) + 1}`;
    out.push(`virtual_server ${vip} 80 {`, '    delay_loop 6', '    lb_algo wrr', '    lb_kind NAT', '    protocol TCP', '');
    for (let r = 0; r < dests; r++) out.push(`    real_server 10.99.${Math.floor(r / 250) + 1}.${(r % 250) + 1} 80 {`, '        weight 1', '    }');
    out.push('}', '');
  }
  return out.join('\n');
}

interface ProcStats {
  readonly cpuMs: number;
  readonly hwmKb: number;
  readonly rssKb: number;
}

/** One daemon's run, as the guest reports it. */
export interface ProgramRun {
  readonly daemon: 'keepalived-ts' | 'keepalived';
  readonly run: number;
  /** Start until all entries were in the kernel (ms); undefined: not within the guest's timeout. */
  readonly reachedMs?: number;
  readonly firstEntryMs?: number;
  /** Entries seen at the end of the wait, and 1 s later. */
  readonly entries: number;
  readonly settled: number;
  readonly checker?: ProcStats;
  readonly parent?: ProcStats;
  /** The checker process's start after the daemon's (ms, to the kernel's 10 ms tick). */
  readonly checkerStartMs?: number;
  readonly dropped: number;
  readonly netlink:
    | {
        /** sendmsg calls that carried IPVS requests. */
        readonly packets: number;
        /** IPVS requests. */
        readonly messages: number;
        /** nlctrl requests (resolving the IPVS family). */
        readonly nlctrl: number;
        readonly maxPerPacket: number;
        readonly byCmd: Record<string, number>;
        /** Daemon start until its first / last IPVS request (ms). */
        readonly firstMs?: number;
        readonly lastMs?: number;
      }
    | { readonly error: string };
  readonly errors: readonly string[];
  readonly failed?: string;
}

export interface ProgramBench {
  readonly entries: number;
  readonly accel: Accel;
  readonly cpus: number;
  readonly bootMs: number;
  readonly runs: ProgramRun[];
  /** The guest failed as a whole: its output's tail. */
  readonly error?: string;
}

export function ipvsProgramUnavailable(): string | undefined {
  const why = vmBenchUnavailable();
  return why && `ipvs-program: needs a VM (${why}); not measured`;
}

/** Under TCG our daemon needs ~1 min to start and ~12 ms an op: the guest waits this long for each. */
const GUEST_TIMEOUT_MS = (services: number): number => 120_000 + services * PROGRAM_DESTS * 40;

export function benchIpvsProgram(opts: { services?: number; runs?: number } = {}): ProgramBench {
  const services = opts.services ?? PROGRAM_SERVICES;
  const runs = opts.runs ?? 1;
  const entries = services * (PROGRAM_DESTS + 1);
  const guest = path.join(PACKAGE_ROOT, 'bench', 'ipvs-program-guest.mjs');
  const cli = path.join(PACKAGE_ROOT, 'bin', 'keepalived-ts');
  const script = [
    'D=$(dirname "$0")',
    'modprobe ip_vs',
    'ip link set lo up',
    // IPVS only takes destinations it can route to
    'ip link add dummy0 type dummy',
    'ip addr add 10.99.255.254/16 dev dummy0',
    'ip link set dummy0 up',
    'ip link add nlmon0 type nlmon',
    'ip link set nlmon0 up',
    `${process.execPath} ${guest} $D/program.conf ${entries} ${runs} ${cli} ${GUEST_TIMEOUT_MS(services)} keepalived,keepalived-ts`,
  ].join(' && \\\n');
  // each run: the guest's wait, a second for stragglers, the daemon's stop; then the boot
  const timeoutMs = 60_000 + 2 * runs * (GUEST_TIMEOUT_MS(services) + 40_000);
  const boot = bootVm(`${script}\n`, { timeoutMs, files: { 'program.conf': generateProgramConfig(services, PROGRAM_DESTS) } });
  const results = boot.records as ProgramRun[];
  return {
    entries,
    accel: boot.accel,
    cpus: boot.cpus,
    bootMs: boot.bootMs,
    runs: results,
    ...(boot.exitCode !== 0 || results.length === 0 ? { error: `guest exit ${boot.exitCode}:\n${boot.output.slice(-2000)}` } : {}),
  };
}
