/**
 * The IPVS reconcile loop under a hostile kernel (issue 13, case 3): the real IpvsSync over the fake kernel of
 * lab/fakes/ipvs.ts, which answers a schedule of faults (EBUSY/ENOMEM refusals, another actor racing us so that
 * the kernel's answer is EEXIST, ENOENT or ESRCH) before behaving. Each round is one pass of the sync: the first
 * at start or at a health change, then one per retry timer. Shared by the property test and the soak case.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { IpvsSync } from '../src/check/ipvs-sync.js';
import type { CheckConfig } from '../src/config/check/model.js';
import { parseConfig } from '../src/config/parse.js';
import { hostSystem } from '../src/config/system.js';
import type { IpvsRequest } from '../src/ipvs/genl.js';
import type { IpvsOp } from '../src/ipvs/ops.js';
import { sameTable, serviceId, type Destination, type Table, type TableEntry } from '../src/ipvs/table.js';
import { FakeClock } from './fakes/clock.js';
import { fakeIpvsPort } from './fakes/ipvs.js';
import { fakeLogger } from './fakes/logger.js';

/** What the kernel does to one request: refuse it outright, or let another actor get there first. */
export type KernelFault = 'EBUSY' | 'ENOMEM' | 'race';

/** Four virtual servers of the kinds keepalived programs: NAT, DR with a sorry server, fwmark, IPv6 TUN. */
export const FAULT_CONFIG = `
virtual_server 10.99.2.100 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 10.99.2.11 80 { weight 1 }
  real_server 10.99.2.12 80 { weight 2 }
  real_server 10.99.2.13 80 { weight 3 }
}
virtual_server 10.99.2.101 443 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  sorry_server 10.99.2.20 443
  real_server 10.99.2.11 443 { weight 1 }
  real_server 10.99.2.12 443 { weight 1 }
}
virtual_server fwmark 7 {
  lb_algo wlc
  lb_kind DR
  persistence_timeout 30
  real_server 10.99.2.14 0 { weight 5 }
  real_server 10.99.2.15 0 { weight 5 }
}
virtual_server fd99:2::100 53 {
  lb_algo lc
  lb_kind TUN
  protocol UDP
  real_server fd99:2::11 53 { weight 1 }
  real_server fd99:2::12 53 { weight 1 }
}
`;

/** FAULT_CONFIG read as the checker reads it, from a file in `dir`. */
export function faultCheckConfig(dir: string): CheckConfig {
  const file = path.join(dir, 'ipvs-faults.conf');
  fs.writeFileSync(file, FAULT_CONFIG);
  const system = { ...hostSystem(), hostname: () => 'soak' };
  return parseConfig(file, { system, testMode: true, randomSeed: 1 }).config.check;
}

/**
 * The op another actor performs first so that the kernel answers `req` with EEXIST, ENOENT or ESRCH; only on
 * our services (`ours`, by serviceId): others' are not ours to disturb.
 */
function raceFor(req: IpvsRequest, ours: ReadonlySet<string>): IpvsOp | undefined {
  if (!('service' in req) || !ours.has(serviceId(req.service.key))) return undefined;
  switch (req.cmd) {
    case 'NEW_SERVICE':
      return { op: 'add-service', service: req.service };
    case 'NEW_DEST':
      return { op: 'add-dest', service: req.service, dest: req.dest };
    case 'DEL_SERVICE':
    case 'SET_SERVICE':
    case 'GET_DEST':
      return { op: 'delete-service', service: req.service };
    case 'DEL_DEST':
    case 'SET_DEST':
      return { op: 'delete-dest', service: req.service, dest: req.dest };
    default:
      return undefined;
  }
}

export interface FaultPlan {
  /** What the kernel holds at start: ours in any state, and others' services, which must be left alone. */
  readonly initial: Table;
  /** One per request, in order; undefined lets a request through. After the schedule the kernel behaves. */
  readonly faults: readonly (KernelFault | undefined)[];
  /** Health changes after start, each one pass: (virtual server, real server, alive). */
  readonly changes: readonly (readonly [number, number, boolean])[];
  /** Rounds allowed per converging pass before giving up (the caller's bound plus slack). */
  readonly maxRounds: number;
}

export interface ConvergenceResult {
  readonly converged: boolean;
  /** The most rounds one pass needed until the kernel held the desired table. */
  readonly maxRounds: number;
  /** Faults the kernel acted on (requests refused or raced). */
  readonly faultsInjected: number;
  /** Ops sent once converged and the faults are over, by a retry still armed and one more pass (must be 0: no churn). */
  readonly opsAfter: number;
  /** Passes that failed and were recovered by a later pass from a fresh dump. */
  readonly recoveries: number;
}

const RETRY_US = 5_000_000;
/** Lets the sync's promise chain (all fake, no I/O) run to its end. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function convergeUnderFaults(config: CheckConfig, run: FaultPlan): Promise<ConvergenceResult> {
  let next = 0;
  let injected = 0;
  const take = (): KernelFault | undefined => {
    const fault = run.faults[next++];
    if (fault) injected++;
    return fault;
  };
  const ours = new Set(desiredIds(config));
  // One draw per request: `interfere` sees every request before `refuse`, which sees it only when no race ran.
  let pendingRefusal: KernelFault | undefined;
  const { port, kernel } = fakeIpvsPort({
    table: run.initial,
    interfere: (req) => {
      const fault = take();
      pendingRefusal = fault === 'race' ? undefined : fault;
      return fault === 'race' ? raceFor(req, ours) : undefined;
    },
    refuse: () => pendingRefusal,
  });
  const clock = new FakeClock();
  const { log } = fakeLogger();
  const sync = new IpvsSync(config, { ipvs: port, clock, log, notify: () => undefined, fifo: () => undefined });
  const others = run.initial.filter((e) => !ours.has(serviceId(e.service.key)));
  const converged = (): boolean => sameTable(kernel.table(), [...sync.desired(), ...others]);

  let maxRounds = 0;
  let recoveries = 0;
  const untilConverged = async (first: Promise<unknown>): Promise<boolean> => {
    let rounds = 1;
    await first;
    await settle();
    while (!converged()) {
      if (rounds >= run.maxRounds) return false;
      rounds++;
      clock.advance(RETRY_US);
      await settle();
    }
    // every round after the first ran because the one before it failed
    recoveries += rounds - 1;
    maxRounds = Math.max(maxRounds, rounds);
    return true;
  };

  let ok = await untilConverged(sync.start());
  for (const [v, i, alive] of run.changes) {
    if (!ok) break;
    ok = await untilConverged(sync.serverChanged(v, i, { alive }));
  }
  // the kernel behaves from here on: a retry still armed and one more pass must find nothing to do
  next = run.faults.length;
  const before = kernel.requests.length;
  if (ok) {
    clock.advance(RETRY_US);
    await settle();
    await sync.health(new Map());
  }
  const opsAfter = kernel.requests.slice(before).filter((r) => r.cmd !== 'GET_SERVICE' && r.cmd !== 'GET_DEST').length;
  return { converged: ok, maxRounds, faultsInjected: injected, opsAfter, recoveries };
}

/** Every service the configuration programs (all real servers up, so none is left out). */
function desiredIds(config: CheckConfig): string[] {
  return desiredAtStart(config).map((e) => serviceId(e.service.key));
}

function desiredAtStart(config: CheckConfig): Table {
  return new IpvsSync(config, { ipvs: fakeIpvsPort().port, clock: new FakeClock(), log: fakeLogger().log, notify: () => undefined, fifo: () => undefined }).desired();
}

/** A leftover of ours in some state: a destination dropped, one reweighted, one of nobody's added, another scheduler. */
function spoiled(entry: TableEntry, how: number): TableEntry {
  const [first, ...rest] = entry.destinations;
  const stranger: Destination | undefined = first && { ...first, address: first.family === 'inet' ? '10.99.2.99' : 'fd99:2::99' };
  switch (how % 4) {
    case 0:
      return { ...entry, destinations: rest };
    case 1:
      return { ...entry, destinations: first ? [{ ...first, weight: first.weight + 7 }, ...rest] : [] };
    case 2:
      return { ...entry, destinations: stranger ? [...entry.destinations, stranger] : [] };
    default:
      return { ...entry, service: { ...entry.service, scheduler: entry.service.scheduler === 'rr' ? 'sh' : 'rr' } };
  }
}

/** A service of someone else's, which every pass must leave alone. */
const FOREIGN: TableEntry = {
  service: { key: { kind: 'fwmark', family: 'inet', fwmark: 99 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff },
  destinations: [],
};

/** Plans over `config`: a kernel holding some of our services (spoiled or not), faults, health changes. */
export function faultPlanArb(config: CheckConfig, maxFaults: number): fc.Arbitrary<FaultPlan> {
  const desired = desiredAtStart(config);
  const entryArb = (e: TableEntry): fc.Arbitrary<TableEntry[]> =>
    fc.oneof(fc.constant<TableEntry[]>([]), fc.constant<TableEntry[]>([e]), fc.nat().map((how) => [spoiled(e, how)]));
  const initialArb = fc
    .tuple(fc.tuple(...desired.map(entryArb)), fc.boolean())
    .map(([entries, foreign]) => [...entries.flat(), ...(foreign ? [FOREIGN] : [])]);
  const faultArb = fc.option(fc.constantFrom<KernelFault>('EBUSY', 'ENOMEM', 'race'), { nil: undefined, freq: 3 });
  const changeArb = fc
    .tuple(fc.nat(), fc.nat(), fc.boolean())
    .map(([v, i, alive]): readonly [number, number, boolean] => {
      const vs = v % config.virtualServers.length;
      return [vs, i % config.virtualServers[vs]!.realServers.length, alive];
    });
  return fc.record({
    initial: initialArb,
    faults: fc.array(faultArb, { maxLength: maxFaults }),
    changes: fc.array(changeArb, { maxLength: 6 }),
    maxRounds: fc.constant(maxFaults + 2),
  });
}
