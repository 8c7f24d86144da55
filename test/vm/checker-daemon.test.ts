/**
 * The checker daemon against a real IPVS, in one VM boot: the guest builds
 * the topology keepalived 2.2.7's IPVS vectors were captured in
 * (guest-topology.txt: rs11-13 and the sorry server rs200 in namespaces on
 * bridge br-rs, busybox httpd on :80 serving `rs N\n`, whose MD5 is the
 * digest nat_wrr_persist's HTTP_GET asks of rs13, a UDP echo on :53, the
 * VIPs on dummy0; the client namespace is left out, nothing here sends
 * through the VIPs), then runs the built `keepalived-ts -n -l -D -C` on each
 * case's keepalived.conf as it is (delay_loop 2 in every vector: nothing is
 * shortened) and checks `ipvsadm -Sn` (order aside) against what keepalived
 * programmed:
 * - start: the table settles (every checker has given its first verdict)
 *   on expected-ipvsadm-Sn.txt;
 * - a real server's server killed / restarted: the -rs12-down,
 *   -rs12-inhibited, -all-down-sorry, -one-back tables and back, each within
 *   delay_loop × (retry + 1) + connect_timeout × (retry + 1) (plus TCG_SLACK_MS
 *   for the emulated guest);
 * - a start on the table keepalived left (loaded with `ipvsadm -R`) adopts
 *   it with 0 netlink operations, and a real server going down is then
 *   exactly 1 (counted from the -D line `IPVS sync: N operations`); with
 *   KATS_VM_ALL_CASES=1 also after SIGKILL of the checker child and the
 *   parent (no cleanup: the table stays, the pid files are stale);
 * - on a fresh start, one operation per service and destination; every real
 *   server going down or coming back is one;
 * - SIGTERM: the table is empty (-after-stop) and the shutdown lines are
 *   keepalived's.
 * Reload (SIGHUP) is not covered here.
 *
 * Each daemon start costs some 10-30 s under TCG (node starts twice: parent
 * and checker child), so by default the cases that cover the most run;
 * KATS_VM_ALL_CASES=1 adds the crash case, dr_rr, tun_lc and fwmark_dr_wlc
 * (see OPTIONAL). About 4.5 min on an idle 2-core machine (2 vCPUs; the
 * guest's 9p root cached loose, which halves node's start-up there).
 * The guest runs the built `dist/`, so `npm run build` comes first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckConfig } from '../../src/config/check/model.js';
import { parseConfig } from '../../src/config/parse.js';
import { fakeSystem } from '../unit/config/check-helpers.js';
import { IPVS_VECTORS } from '../unit/ipvs/vectors.js';
import { requireLayerOrSkip } from '../setup/layer.js';
import { prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GUEST = path.join(import.meta.dirname, 'checker-daemon-guest.mjs');
const BUILT = path.join(ROOT, 'dist/src/daemon/checker-child.js');
/** What the emulated guest may add to a timed transition (timers, probes, ipvsadm all run several times slower). */
const TCG_SLACK_MS = 4_000;

type Step =
  | { do: 'start'; label?: string; thresholds?: boolean }
  | { do: 'kill' | 'restart'; servers: number[]; kind?: 'http' | 'udp'; state?: string; text?: string; label?: string }
  | { do: 'preload' | 'crash'; label?: string }
  | { do: 'stop'; state: '-after-stop'; label?: string };

interface Case {
  /** The vector. */
  readonly name: string;
  /** Unique among the cases; the vector's name unless it runs twice. */
  readonly id?: string;
  readonly steps: Step[];
  /** What the case proves beyond its start and stop. */
  readonly why: string;
}

const sortedLines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '').sort();
const vector = (name: string, file: string): string => fs.readFileSync(path.join(IPVS_VECTORS, name, file), 'utf8');
const expectedOf = (name: string, state = ''): string => vector(name, `expected-ipvsadm-Sn${state}.txt`);
const withoutServer = (text: string, address: string): string =>
  text
    .split('\n')
    .filter((l) => !l.includes(` -r ${address}:`))
    .join('\n');

const START: Step = { do: 'start' };
const STOP: Step = { do: 'stop', state: '-after-stop' };

const CASES: Case[] = [
  {
    name: 'nat_rr_sorry',
    why: 'a real server removed (1 op); all down: quorum lost, the sorry server in; one back: sorry out, one real server; all back',
    steps: [
      START,
      // no vector file for this state: the healthy table without rs12
      { do: 'kill', servers: [12], text: withoutServer(expectedOf('nat_rr_sorry'), '10.99.1.12'), label: 'rs12 down' },
      { do: 'kill', servers: [11, 13], state: '-all-down-sorry', label: 'all down' },
      { do: 'restart', servers: [11], state: '-one-back', label: 'rs11 back' },
      { do: 'restart', servers: [12, 13], label: 'all back' },
      STOP,
    ],
  },
  {
    name: 'nat_sh_inhibit',
    why: 'started on the table keepalived left (ipvsadm -R): adopted with 0 ops; inhibit_on_failure: weight 0 (1 op) and back (1 op)',
    steps: [
      { do: 'preload', label: 'ipvsadm -R' },
      { do: 'start', label: 'adopting start' },
      { do: 'kill', servers: [12], state: '-rs12-inhibited', label: 'rs12 down' },
      { do: 'restart', servers: [12], label: 'rs12 back' },
      STOP,
    ],
  },
  {
    name: 'udp_rr_ops',
    why: 'UDP_CHECK with require_reply (and a payload) on a one-packet scheduler: the echo killed and restarted',
    steps: [
      START,
      { do: 'kill', servers: [12], kind: 'udp', state: '-rs12-down', label: 'rs12 down' },
      { do: 'restart', servers: [12], kind: 'udp', label: 'rs12 back' },
      STOP,
    ],
  },
  {
    name: 'nat_wrr_persist',
    why: 'HTTP_GET status and MD5 digest checks (rs13 only in when the digest matches); rs12 down and back (two passes to recover)',
    steps: [START, { do: 'kill', servers: [12], state: '-rs12-down', label: 'rs12 down' }, { do: 'restart', servers: [12], label: 'rs12 back' }, STOP],
  },
  { name: 'ipv6_nat_rr', why: 'IPv6 service and real servers, checked over IPv6', steps: [{ do: 'start', thresholds: true }, STOP] },
  { name: 'vsg_nat_wrr', why: 'a virtual_server_group: an address, a range and a fwmark, one service each', steps: [START, STOP] },
  {
    name: 'misc_mh_thresholds',
    why: 'mh with its flags, persistence granularity, quorum/hysteresis, DR/TUN/NAT per real server, weight 0, thresholds',
    steps: [{ do: 'start', thresholds: true }, STOP],
  },
  {
    name: 'multi_alpha',
    why: 'alpha: a service starts without real servers and each is added at its first success; two virtual servers',
    steps: [START, STOP],
  },
];

/**
 * Left out by default (KATS_VM_ALL_CASES=1 runs them), each daemon start
 * costing tens of seconds: what they program is covered above, and the
 * adopting start after a crash adopts as the one on the preloaded table.
 */
const OPTIONAL: Case[] = [
  {
    name: 'nat_sh_inhibit',
    id: 'nat_sh_inhibit-crash',
    why: 'SIGKILL of the checker child and the parent leaves the table; the next start (stale pid files) adopts it with 0 ops',
    steps: [START, { do: 'crash' }, { do: 'start', label: 'adopting start' }, { do: 'kill', servers: [12], state: '-rs12-inhibited', label: 'rs12 down' }, STOP],
  },
  { name: 'dr_rr', why: 'DR (also in misc_mh_thresholds)', steps: [START, STOP] },
  { name: 'tun_lc', why: 'TUN (also in misc_mh_thresholds), lc', steps: [START, STOP] },
  { name: 'fwmark_dr_wlc', why: 'a fwmark virtual server with DR real servers (port 0); fwmark also in vsg_nat_wrr', steps: [START, STOP] },
];

const cases = [...CASES, ...(process.env.KATS_VM_ALL_CASES ? OPTIONAL : [])];

function checkConfig(name: string): CheckConfig {
  return parseConfig('keepalived.conf', { cwd: path.join(IPVS_VECTORS, name), system: fakeSystem(), testMode: true, randomSeed: 1 }).config.check;
}

/** delay_loop × (retry + 1) + connect_timeout × (retry + 1), the slowest of the case's checkers, in ms. */
function detectionBoundMs(config: CheckConfig): number {
  const bounds = config.virtualServers.flatMap((vs) =>
    vs.realServers.flatMap((rs) =>
      rs.checkers.flatMap((c) => ('connection' in c ? [(c.delayLoopUs + c.connection.connectTimeoutUs) * (c.retry + 1)] : [])),
    ),
  );
  return Math.max(...bounds) / 1000;
}

/** ipvsadm -Ln --thresholds as `address upper lower` per destination. */
function thresholds(listing: string): string[] {
  return listing
    .split('\n')
    .flatMap((l) => {
      const m = /^\s+->\s+(\S+)\s+(\d+)\s+(\d+)/.exec(l);
      return m ? [`${m[1]} ${m[2]} ${m[3]}`] : [];
    })
    .sort();
}

interface StepResult {
  case: string;
  do: Step['do'];
  label: string;
  ok: boolean;
  ms: number;
  table?: string;
  changes?: number;
  ops: number[];
  lines: string[];
  firstVerdicts?: number;
  serving?: number;
  exit?: { code: number | null; signal: string | null; ms: number };
  checkerGone?: boolean;
  pidFilesLeft?: number;
  thresholds?: string;
  error?: string;
  seen?: string[];
}

type GuestRecord =
  | ({ step: 'step' } & StepResult)
  | { step: 'topology'; ms: number; ipvsadm: string }
  | { step: 'case'; case: string; ms: number }
  | { step: 'log'; case: string; lines: string[] };

describe.skipIf(!requireLayerOrSkip('vm'))('checker daemon against IPVS in a VM', () => {
  it('programs what keepalived programmed, follows real servers down and back, adopts a table, and clears it on SIGTERM', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const kernel = prepareKernel();
    const plan = { cases: cases.map(({ name, id, steps }) => ({ name, id: id ?? name, steps })) };
    const script = [`cat > /tmp/plan.json <<'PLAN'`, JSON.stringify(plan), 'PLAN', `${process.execPath} ${GUEST} ${IPVS_VECTORS} /tmp/plan.json`].join('\n') + '\n';
    const started = Date.now();
    const run = runInVm(kernel, script, 900_000, { cpus: 2, hostCache: 'loose' });
    const vmMs = Date.now() - started;
    const records = run.output
      .split('\n')
      .filter((l) => l.startsWith('KATS '))
      .map((l) => JSON.parse(l.slice(5)) as GuestRecord);
    const steps = records.flatMap((r) => (r.step === 'step' ? [r] : []));

    // the report: what each step took
    const topology = records.find((r) => r.step === 'topology');
    const report = [`VM run ${(vmMs / 1000).toFixed(1)} s (boot and topology ${topology?.step === 'topology' ? (topology.ms / 1000).toFixed(1) : '?'} s in the guest)`];
    for (const c of cases) {
      const id = c.id ?? c.name;
      const done = records.find((r) => r.step === 'case' && r.case === id);
      report.push(`${id} (${done?.step === 'case' ? (done.ms / 1000).toFixed(1) : '?'} s; bound ${detectionBoundMs(checkConfig(c.name)) / 1000} s): ${c.why}`);
      for (const s of steps.filter((x) => x.case === id)) {
        const serving = s.serving !== undefined ? ` (server up after ${(s.serving / 1000).toFixed(2)} s)` : '';
        report.push(`  ${s.label}: ${s.ok ? 'ok' : 'FAILED'} ${(s.ms / 1000).toFixed(2)} s${serving}, ops ${JSON.stringify(s.ops)}${s.error ? ` ${s.error}` : ''}`);
      }
    }
    console.log(report.join('\n'));
    const failedLogs = records.flatMap((r) => (r.step === 'log' ? [`${r.case}:\n${r.lines.join('\n')}`] : []));
    expect(run.exitCode, `${run.output.slice(-4000)}\n${failedLogs.join('\n')}`).toBe(0);

    for (const c of cases) {
      const id = c.id ?? c.name;
      const config = checkConfig(c.name);
      const bound = detectionBoundMs(config);
      const results = steps.filter((s) => s.case === id);
      const context = (s: StepResult | undefined): string =>
        `${id} ${s?.label ?? ''}:\n${JSON.stringify(s, null, 1)}\n${failedLogs.filter((l) => l.startsWith(`${id}:`)).join('\n')}`;
      expect(results.map((s) => s.label), context(results.at(-1))).toEqual(c.steps.map((s) => s.label ?? s.do));
      c.steps.forEach((step, k) => {
        const s = results[k]!;
        const before = results[k - 1];
        expect(s.ok, context(s)).toBe(true);
        if (step.do === 'crash') {
          // nothing cleaned up: the table is what the killed daemon left
          expect(sortedLines(s.table ?? ''), context(s)).toEqual(sortedLines(before?.table ?? ''));
          expect(s.checkerGone, context(s)).toBe(true);
          return;
        }
        const want = 'text' in step && step.text !== undefined ? step.text : expectedOf(c.name, 'state' in step ? (step.state ?? '') : '');
        expect(sortedLines(s.table ?? ''), context(s)).toEqual(sortedLines(want));
        if (step.do === 'start') {
          const checkers = config.virtualServers.reduce((n, vs) => n + vs.realServers.reduce((m, rs) => m + rs.checkers.length, 0), 0);
          expect(s.firstVerdicts, context(s)).toBeGreaterThanOrEqual(checkers);
          // on a table that is already right nothing is sent; on an empty one, one op per service and destination
          if (before?.do === 'crash' || before?.do === 'preload') expect(s.ops, `${context(s)}\nthe adopting start must send nothing`).toEqual([0]);
          else expect(s.ops.reduce((a, b) => a + b, 0), context(s)).toBe(sortedLines(want).length);
          if (step.thresholds) expect(thresholds(s.thresholds ?? ''), context(s)).toEqual(thresholds(vector(c.name, 'ipvsadm-Ln-thresholds.txt')));
        }
        if (step.do === 'kill' || step.do === 'restart') {
          expect(s.ms, `${context(s)}\nwithin ${bound} ms + ${TCG_SLACK_MS} ms`).toBeLessThanOrEqual(bound + TCG_SLACK_MS);
          // one real server changing is one netlink operation (the sorry server leaving adds one)
          if (step.servers.length === 1) expect(s.ops, context(s)).toEqual([step.state === '-one-back' ? 2 : 1]);
        }
        if (step.do === 'stop') {
          expect(s.exit, context(s)).toMatchObject({ code: 0 });
          // one delete per service; the kernel drops the destinations with it
          expect(s.ops, context(s)).toEqual([sortedLines(before?.table ?? '').filter((l) => l.startsWith('-A ')).length]);
          // keepalived was stopped with every real server healthy (a down inhibited one would say `(inhibited)`)
          if (JSON.stringify(sortedLines(before?.table ?? '')) !== JSON.stringify(sortedLines(expectedOf(c.name)))) return;
          const shutdown = (lines: string[]): string[] => lines.filter((l) => l.startsWith('Shutting down'));
          const logged = vector(c.name, 'keepalived.log')
            .split('\n')
            .map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, ''));
          expect(shutdown(s.lines), `${context(s)}\nkeepalived's shutdown lines`).toEqual(shutdown(logged));
        }
      });
    }
  }, 960_000);
});
