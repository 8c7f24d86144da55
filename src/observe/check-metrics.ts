/**
 * The checker process's Prometheus metrics (none of the keepalived
 * exporters has them): each real server's health and weight as the
 * checkers see it, how long each check attempt takes, and what was asked
 * of kernel IPVS. Health is read at scrape time; attempts and IPVS
 * requests are counted as they happen, through wrappers around the probes
 * and the IPVS port.
 *
 * The exporter's LVS traffic counters (keepalived_lvs_vip_*, _rs_*, from
 * gen2brain/keepalived_exporter) are not here: the IPVS dump does not
 * decode the kernel's per-service statistics yet.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../base/clock.js';
import type { Probe, ProbeTarget } from '../check/probe.js';
import type { IpvsPort } from '../ipvs/port.js';

/** One real server of one virtual server, with keepalived's names for both (FMT_VS, FMT_RS). */
export interface RealServerSource {
  vs: string;
  rs: string;
  alive: boolean;
  /** The effective weight: the configured one with what MISC_CHECK (misc_dynamic) and FILE_CHECKs add. */
  weight: number;
}

export interface CheckMetricsOptions {
  /** A monotonic clock in µs, for attempt durations. */
  nowUs(): number;
}

/** Seconds: a healthy check answers in ms, a dead one runs to its connect_timeout (5 s by default). */
const CHECK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class CheckMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'type'>;
  private readonly attempts: Counter<'type' | 'result'>;
  private readonly operations: Counter<'op'>;
  private readonly errors: Counter<'op'>;

  constructor(
    servers: () => readonly RealServerSource[],
    private readonly options: CheckMetricsOptions,
  ) {
    const registers = [this.registry];
    new Gauge({
      name: 'keepalived_ts_real_server_up',
      help: 'Whether the real server is alive: 1 when none of its checkers (nor FILE_CHECKs) is failed, else 0',
      labelNames: ['vs', 'rs'],
      registers,
      collect() {
        this.reset();
        for (const s of servers()) this.set({ vs: s.vs, rs: s.rs }, s.alive ? 1 : 0);
      },
    });
    new Gauge({
      name: 'keepalived_ts_real_server_weight',
      help: 'Effective weight of the real server (configured weight with misc_dynamic and FILE_CHECK changes); the kernel holds 0 or no entry while it is down',
      labelNames: ['vs', 'rs'],
      registers,
      collect() {
        this.reset();
        for (const s of servers()) this.set({ vs: s.vs, rs: s.rs }, s.weight);
      },
    });
    this.duration = new Histogram({
      name: 'keepalived_ts_check_duration_seconds',
      help: 'Duration of one health check attempt (connect to verdict, or timeout), by checker type',
      labelNames: ['type'],
      buckets: CHECK_BUCKETS,
      registers,
    });
    this.attempts = new Counter({
      name: 'keepalived_ts_check_attempts_total',
      help: 'Health check attempts by checker type and result (success, failure)',
      labelNames: ['type', 'result'],
      registers,
    });
    this.operations = new Counter({
      name: 'keepalived_ts_ipvs_operations_total',
      help: 'Changes sent to kernel IPVS, by operation (add-service, edit-dest, ...)',
      labelNames: ['op'],
      registers,
    });
    this.errors = new Counter({
      name: 'keepalived_ts_ipvs_errors_total',
      help: 'IPVS requests the kernel refused or did not answer, by operation (dump and flush included)',
      labelNames: ['op'],
      registers,
    });
  }

  /** The probe, timed: every attempt is observed by the checker type of its target. */
  timed<T extends ProbeTarget>(probe: (target: T, signal: AbortSignal, clock?: Clock) => ReturnType<Probe>): (target: T, signal: AbortSignal, clock?: Clock) => ReturnType<Probe> {
    return async (target, signal, clock) => {
      const start = this.options.nowUs();
      const result = await probe(target, signal, clock);
      const type = target.checker.type;
      this.duration.observe({ type }, (this.options.nowUs() - start) / 1_000_000);
      this.attempts.inc({ type, result: result.ok ? 'success' : 'failure' });
      return result;
    };
  }

  /** The IPVS port, counting the operations sent and the failures reported. */
  counted(port: IpvsPort): IpvsPort {
    return {
      dump: async () => {
        const report = await port.dump();
        if (!report.ok) this.errors.inc({ op: 'dump' });
        return report;
      },
      apply: async (ops) => {
        for (const op of ops) this.operations.inc({ op: op.op });
        const report = await port.apply(ops);
        for (const f of report.failures) this.errors.inc({ op: f.op?.op ?? 'other' });
        return report;
      },
      flush: async () => {
        const failure = await port.flush();
        if (failure) this.errors.inc({ op: 'flush' });
        return failure;
      },
      startDaemon: (daemon) => port.startDaemon(daemon),
      stopDaemon: (daemon) => port.stopDaemon(daemon),
      close: () => port.close(),
    };
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
