/**
 * keepalived-ts's side of checker-capacity.ts: the checker process's core
 * as src/daemon/checker-child.ts wires it (the configuration parsed by the real
 * parser, a CheckerSet with the real TCP_CHECK and HTTP_GET probes on the
 * monotonic clock, the IpvsSync) but over the fake IPVS port
 * (lab/fakes/ipvs.ts), as this kernel has none, and with its log lines
 * formatted and dropped. Run by the harness under a raised RLIMIT_NOFILE:
 *   node checker-capacity-child.js CONF
 * It prints `READY` once every checker is scheduled; on a `start` line on
 * stdin it opens the measuring window, on `stop` it prints the window's
 * result as one JSON line and exits. Instrumented: each scheduler timer's
 * lateness (when it fired after its due time: the start delay of a check),
 * each probe's duration and result, event-loop delay, CPU and RSS.
 */
import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { CheckerSet } from '../src/check/checker-set.js';
import type { Probe } from '../src/check/probe.js';
import { makeHttpProbe } from '../src/check/probes/http.js';
import { tcpProbe } from '../src/check/probes/tcp.js';
import { IpvsSync } from '../src/check/ipvs-sync.js';
import { monotonicClock } from '../src/base/clock.js';
import { parseConfig } from '../src/config/parse.js';
import { fakeIpvsPort } from '../lab/fakes/ipvs.js';
import { createLogger } from '../src/log/log.js';
import type { Clock } from '../src/base/clock.js';

export interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface ChildWindow {
  readonly ms: number;
  /** Probes finished in the window, and of them the ones that succeeded. */
  readonly checks: number;
  readonly ok: number;
  readonly byType: Record<string, number>;
  /** Scheduler timers: fire time − due time (ms). */
  readonly lateness?: Distribution;
  /** Probe durations (ms). */
  readonly duration?: Distribution;
  /** Event-loop delay (ms; perf_hooks, 10 ms resolution of sampling). */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  readonly cpuMs: number;
  readonly rssKb: number;
  readonly hwmKb: number;
  /** RSS once every checker was scheduled, before the first check ran. */
  readonly startRssKb: number;
  /** V8 heap in use at the end of the window. */
  readonly heapUsedKb: number;
  /** Log lines the process wrote in the window (all dropped). */
  readonly logLines: number;
  readonly ipvsOps: number;
}

export function distribution(xs: readonly number[]): Distribution | undefined {
  if (xs.length === 0) return undefined;
  const s = Float64Array.from(xs).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]! };
}

function statusKb(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

async function main(file: string): Promise<void> {
  let logLines = 0;
  const log = createLogger({ console: false, detail: false, write: () => void logLines++ }).child({ process: 'checker' });
  const { config } = parseConfig(file, { testMode: false });

  let window: { started: number; cpu: NodeJS.CpuUsage; lateness: number[]; duration: number[]; checks: number; ok: number; byType: Record<string, number>; logLines: number; ops: number } | undefined;
  const clock: Clock = {
    nowUs: monotonicClock.nowUs,
    at(dueUs, fn) {
      return monotonicClock.at(dueUs, () => {
        window?.lateness.push((monotonicClock.nowUs() - dueUs) / 1000);
        fn();
      });
    },
  };
  const http = makeHttpProbe();
  const probes: Record<string, Probe> = { TCP_CHECK: tcpProbe, HTTP_GET: http };
  const probe: Probe = async (target, signal) => {
    const t0 = monotonicClock.nowUs();
    const result = await probes[target.checker.type]!(target, signal);
    if (window) {
      window.duration.push((monotonicClock.nowUs() - t0) / 1000);
      window.checks++;
      if (result.ok) window.ok++;
      window.byType[target.checker.type] = (window.byType[target.checker.type] ?? 0) + 1;
    }
    return result;
  };

  const { port } = fakeIpvsPort();
  const ipvsSync = new IpvsSync(config.check, { ipvs: port, clock: monotonicClock, log, notify: () => undefined, fifo: () => undefined });
  const set = new CheckerSet(
    config.check,
    { logAllFailures: config.global.checkerLogAllFailures, noCheckerEmails: config.global.noCheckerEmails },
    { clock, probe: (target, signal) => probe(target, signal), log: (m) => log.info(m), ipvsSync, fileValue: () => 0 },
  );
  await ipvsSync.start();
  set.start();
  const startRssKb = process.memoryUsage.rss() / 1024;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage.rss())), 500);
  process.stdout.write('READY\n');

  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'start') {
      loop.reset();
      loop.enable();
      window = { started: performance.now(), cpu: process.cpuUsage(), lateness: [], duration: [], checks: 0, ok: 0, byType: {}, logLines, ops: ipvsSync.opsSent };
    } else if (line === 'stop' && window) {
      const w = window;
      window = undefined;
      loop.disable();
      const cpu = process.cpuUsage(w.cpu);
      const result: ChildWindow = {
        ms: performance.now() - w.started,
        checks: w.checks,
        ok: w.ok,
        byType: w.byType,
        lateness: distribution(w.lateness),
        duration: distribution(w.duration),
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        loopDelayMaxMs: loop.max / 1e6,
        cpuMs: (cpu.user + cpu.system) / 1000,
        rssKb: Math.max(maxRss, process.memoryUsage.rss()) / 1024,
        hwmKb: statusKb('VmHWM'),
        startRssKb,
        heapUsedKb: process.memoryUsage().heapUsed / 1024,
        logLines: logLines - w.logLines,
        ipvsOps: ipvsSync.opsSent - w.ops,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      break;
    }
  }
  clearInterval(sampler);
  set.stop();
  process.exit(0);
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: checker-capacity-child.js CONF\n');
  process.exit(2);
}
await main(file);
