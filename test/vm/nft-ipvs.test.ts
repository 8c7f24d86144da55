/**
 * nftables_ipvs side by side, in one VM boot (IPVS is only there): the real keepalived 2.2.7
 * (/usr/sbin/keepalived) and then the built keepalived-ts run the checker (-C) on the same configuration,
 * and `nft list ruleset` and `ipvsadm -Sn` are recorded:
 * - basic: test/fixtures/nft-ipvs/configs/basic.conf (default table, priority and start fwmark; groups
 *   of IPv4 ranges over TCP, one group over UDP and TCP, an IPv6 group, a group with a fwmark entry that
 *   gets no automatic mark) once running, after a SIGHUP to reloaded.conf (an entry removed and one
 *   added, a protocol dropped, a new SCTP group), and after SIGTERM;
 * - options: the same with nftables_ipvs kats_ipvs, priority -150, start fwmark 3000; running and stopped;
 * - counters: basic.conf with nftables_counters (the maps count per element); running and stopped.
 * Each listing of keepalived-ts must equal keepalived's. About 3 min under TCG; `npm run build` first.
 * KATS_RECORD_NFT_IPVS=1 also writes keepalived's listings to test/fixtures/nft-ipvs/<conf>/<phase>.nft and
 * .ipvsadm (the recordings test/netns/nft-ipvs-plan.test.ts and test/unit/check/nft-ipvs.test.ts compare with).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { guestBlock, prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/keepalived-ts');
const BUILT = path.join(ROOT, 'dist/src/daemon/checker-child.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/nft-ipvs');
const CONFIGS = path.join(FIXTURES, 'configs');
const IMPLS = { keepalived: '/usr/sbin/keepalived', 'keepalived-ts': `${process.execPath} ${BIN}` };
const RUNS = { basic: ['running', 'reloaded', 'stopped'], options: ['running', 'stopped'], counters: ['running', 'stopped'] } as const;

/** Every record a `KATS <impl> <conf> <phase> <what> <line>` line, each listing closed by `... end`. */
function guestScript(): string {
  const lines = [
    'modprobe ip_vs',
    'ip link set lo up',
    'ip link add ve0 type veth peer name ve1 && ip addr add 10.99.0.1/24 dev ve0 && ip addr add fd99::1/64 dev ve0 nodad',
    'ip link set ve1 up && ip link set ve0 up',
    'mkdir -p /tmp/s',
    'snap() {',
    '  nft list ruleset | sed "s/^/KATS $1 $2 $3 nft /"; echo "KATS $1 $2 $3 nft end"',
    '  ipvsadm -Sn | sort | sed "s/^/KATS $1 $2 $3 ipvs /"; echo "KATS $1 $2 $3 ipvs end"',
    '}',
    // bounded: until the listing shows $1, then a settle for any later command
    'until_nft() { i=0; while [ $i -lt 120 ] && ! nft list ruleset | grep -q "$1"; do sleep 1; i=$((i+1)); done; sleep 3; }',
    'run() {',
    '  impl=$1; cmd=$2; conf=$3',
    '  cp ' + CONFIGS + '/$conf.conf /tmp/s/k.conf',
    '  $cmd -n -l -D -C -f /tmp/s/k.conf -p /tmp/s/p.pid -c /tmp/s/c.pid > /tmp/s/$impl-$conf.log 2>&1 &',
    '  pid=$!',
    '  until_nft "map tcp_map"',
    '  snap $impl $conf running',
    '  if [ $conf = basic ]; then',
    '    cp ' + CONFIGS + '/reloaded.conf /tmp/s/k.conf; kill -HUP $pid',
    '    until_nft "map sctp_map"',
    '    snap $impl $conf reloaded',
    '  fi',
    '  kill -TERM $pid; wait $pid',
    '  snap $impl $conf stopped',
    '  grep -i "ipvs\\|nft\\|error" /tmp/s/$impl-$conf.log | sed "s/^/KATS-LOG $impl $conf /"',
    '  nft flush ruleset; ipvsadm -C',
    '}',
  ];
  for (const conf of Object.keys(RUNS)) for (const [impl, cmd] of Object.entries(IMPLS)) lines.push(`run ${impl} "${cmd}" ${conf}`);
  return lines.join('\n') + '\n';
}

/** One listing ('nft' or 'ipvs') of one phase; undefined when it did not end. */
const listing = (output: string, impl: string, conf: string, phase: string, what: string): string[] | undefined =>
  guestBlock(output, `KATS ${impl} ${conf} ${phase} ${what} `);

describe.skipIf(!requireLayerOrSkip('vm'))('nftables_ipvs beside keepalived 2.2.7 in a VM', () => {
  it('installs the table and fwmark services keepalived does, changes them at reload as it does, and removes both at stop', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const run = runInVm(prepareKernel(), guestScript(), 600_000, { cpus: 2, hostCache: 'loose' });
    const shown = run.output
      .split('\n')
      .filter((l) => l.startsWith('KATS'))
      .join('\n');
    console.log(shown);
    expect(run.exitCode, run.output.slice(-4000)).toBe(0);
    for (const [conf, phases] of Object.entries(RUNS)) {
      for (const phase of phases) {
        for (const what of ['nft', 'ipvs']) {
          const theirs = listing(run.output, 'keepalived', conf, phase, what);
          expect(theirs, `${conf} ${phase} ${what}: keepalived's listing\n${shown}`).toBeDefined();
          expect(listing(run.output, 'keepalived-ts', conf, phase, what), `${conf} ${phase} ${what}: keepalived-ts beside keepalived\n${shown}`).toEqual(theirs);
        }
      }
    }
    if (process.env['KATS_RECORD_NFT_IPVS'] === '1') {
      for (const [conf, phases] of Object.entries(RUNS)) {
        fs.mkdirSync(path.join(FIXTURES, conf), { recursive: true });
        for (const phase of phases) {
          for (const [what, ext] of [['nft', 'nft'], ['ipvs', 'ipvsadm']] as const) {
            const lines = listing(run.output, 'keepalived', conf, phase, what) ?? [];
            fs.writeFileSync(path.join(FIXTURES, conf, `${phase}.${ext}`), lines.map((l) => `${l}\n`).join(''));
          }
        }
      }
    }
    // what keepalived showed, so an empty listing on both sides cannot pass
    expect(listing(run.output, 'keepalived', 'basic', 'running', 'nft')?.join('\n')).toContain('map udp_map');
    expect(listing(run.output, 'keepalived', 'basic', 'running', 'ipvs')?.join('\n')).toContain('-A -f 1003');
    expect(listing(run.output, 'keepalived', 'options', 'running', 'nft')?.join('\n')).toContain('table ip kats_ipvs');
  }, 660_000);
});
