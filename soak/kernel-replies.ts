/**
 * Case 3, hostile kernel replies: malformed, truncated and unexpected netlink messages through the real
 * decoders and ports in-process (lab/kernel-fuzz.ts), the IPVS reconcile loop against a kernel that refuses
 * (EBUSY, ENOMEM) or loses races (EEXIST, ENOENT, ESRCH) (lab/ipvs-faults.ts), and lost rtnetlink
 * notifications recovered by a re-dump at the overrun (lab/rtnl-overrun.ts). Host layer: no kernel, no root.
 */
import fc from 'fast-check';
import { convergeUnderFaults, faultCheckConfig, faultPlanArb } from '../lab/ipvs-faults.js';
import { FUZZ_TARGETS, mutatedArb } from '../lab/kernel-fuzz.js';
import { playOverruns, rtnlStepsArb } from '../lab/rtnl-overrun.js';
import { bounded, reported, type CaseResult, type Figure, type SoakCase, type SoakOptions } from './case.js';

/** Faults one IPVS run may meet (each pass then needs at most one round more). */
const MAX_FAULTS = 30;

interface Sizes {
  /** Mutated inputs per fuzz target (five targets: 10⁶ in all with --long). */
  readonly inputs: number;
  readonly ipvsRuns: number;
  readonly overrunRuns: number;
}

const SHORT: Sizes = { inputs: 10_000, ipvsRuns: 1_000, overrunRuns: 1_000 };
const LONG: Sizes = { inputs: 200_000, ipvsRuns: 10_000, overrunRuns: 10_000 };

const ratio = (what: string, good: number, all: number): Figure => ({ what, ours: `${good}/${all}`, bound: 'all', ok: good === all });

async function fuzz(sizes: Sizes, options: SoakOptions, notes: string[]): Promise<Figure[]> {
  let tried = 0;
  let crashes = 0;
  for (const target of FUZZ_TARGETS) {
    const seed = Date.now() ^ (Math.random() * 0x7fffffff);
    const result = await fc.check(
      fc.asyncProperty(mutatedArb(target), (input) => target.run(input)),
      { numRuns: sizes.inputs, seed },
    );
    tried += result.numRuns;
    options.progress(`${target.name}: ${result.numRuns} inputs, ${result.failed ? 'CRASH' : 'no crash'}`);
    if (result.failed) {
      crashes++;
      const input = result.counterexample?.[0];
      notes.push(
        `CRASH in ${target.name} (seed ${seed}): ${String(result.errorInstance).split('\n')[0]}; minimized input ${input?.toString('hex')}`,
        `  keep it as test/fixtures/kernel-replies/${target.name}/<name>.hex and fix what it finds`,
      );
    }
  }
  notes.push(`Mutated netlink inputs: ${sizes.inputs} for each of ${FUZZ_TARGETS.map((t) => t.name).join(', ')} (lab/kernel-fuzz.ts).`);
  return [reported('hostile replies tried', tried), bounded('crashes (decoders, ports)', crashes, '0', (x) => x === 0)];
}

async function ipvs(sizes: Sizes, options: SoakOptions, notes: string[]): Promise<Figure[]> {
  const config = faultCheckConfig(options.workDir);
  let converged = 0;
  let withinBound = true;
  let maxRounds = 0;
  let faults = 0;
  let recoveries = 0;
  let churn = 0;
  await fc.assert(
    fc.asyncProperty(faultPlanArb(config, MAX_FAULTS), async (plan) => {
      const r = await convergeUnderFaults(config, plan);
      if (r.converged) converged++;
      withinBound &&= r.maxRounds <= r.faultsInjected + 1;
      maxRounds = Math.max(maxRounds, r.maxRounds);
      faults += r.faultsInjected;
      recoveries += r.recoveries;
      churn += r.opsAfter;
    }),
    { numRuns: sizes.ipvsRuns },
  );
  options.progress(`IPVS: ${sizes.ipvsRuns} runs, ${converged} converged`);
  notes.push(
    `IPVS: ${sizes.ipvsRuns} runs of the real IpvsSync over the fake kernel of lab/fakes/ipvs.ts, each with up to ${MAX_FAULTS} faults ` +
      '(EBUSY, ENOMEM, or another actor racing the request into EEXIST/ENOENT/ESRCH), a kernel spoiled at start and up to 6 health changes; a round is one pass, the next one 5 s after a failed one.',
  );
  return [
    ratio('IPVS: runs converged', converged, sizes.ipvsRuns),
    { what: 'IPVS: rounds to converge (max)', ours: String(maxRounds), bound: '≤ faults + 1', ok: withinBound },
    reported('IPVS: faults injected', faults),
    reported('IPVS: failed passes recovered', recoveries),
    bounded('IPVS: ops once converged', churn, '0', (x) => x === 0),
  ];
}

async function overruns(sizes: Sizes, options: SoakOptions, notes: string[]): Promise<Figure[]> {
  let recovered = 0;
  let all = 0;
  let lost = 0;
  let mismatch: string | undefined;
  await fc.assert(
    fc.asyncProperty(rtnlStepsArb, async (steps) => {
      const r = await playOverruns(steps);
      all += r.overruns;
      lost += r.lost;
      recovered += r.recovered ? r.overruns : r.overruns - 1;
      mismatch ??= r.mismatch;
    }),
    { numRuns: sizes.overrunRuns },
  );
  options.progress(`rtnetlink: ${all} overruns, ${recovered} recovered`);
  if (mismatch) notes.push(`rtnetlink: first table that did not recover: ${mismatch}`);
  notes.push(
    `rtnetlink: ${sizes.overrunRuns} runs of the interface table over lab/fakes/rtnetlink.ts: link and address changes, some lost, then ENOBUFS, ` +
      'changes heard while the re-dump runs; recovered = the table then equals a fresh dump. keepalived 2.2.7 only logs ' +
      '"Netlink: Receive buffer overrun on monitor socket" and reads nothing again (keepalived_netlink.c), so what it lost stays lost. ' +
      'A real overrun (3,000 address changes past the socket buffer) is test/netns/rtnetlink.test.ts: it used to end the VRRP child.',
  );
  return [reported('rtnetlink: notifications lost', lost), ratio('rtnetlink: overruns recovered by a re-dump', recovered, all)];
}

export const kernelReplies: SoakCase = {
  name: '3 hostile kernel replies',
  layer: 'host',
  unavailable: () => undefined,
  async run(options): Promise<CaseResult> {
    const sizes = options.long ? LONG : SHORT;
    const notes: string[] = [];
    const figures = [...(await fuzz(sizes, options, notes)), ...(await ipvs(sizes, options, notes)), ...(await overruns(sizes, options, notes))];
    notes.push(
      "keepalived has no comparable figure: these drive keepalived-ts's own decoders and ports in-process, which keepalived's C cannot be; fast-check seeds differ per run.",
    );
    return { figures, notes };
  },
};
