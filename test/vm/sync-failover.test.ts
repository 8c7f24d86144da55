/**
 * lvs_sync_daemon's point, beside keepalived 2.2.7 in one VM boot: a TCP
 * connection through the VIP survives the master director's end. Two
 * directors d1 (priority 150) and d2 (100) in namespaces of their own (IPVS
 * is per namespace), a client and a real server, all on one bridge; LVS-DR
 * (the real server holds the VIP on lo and answers the client itself), so a
 * director sees only the client's packets and a director without the
 * connection's entry would answer the next one from its own stack with a
 * reset. The same configuration runs on a keepalived pair, a keepalived-ts
 * pair and a mixed one (keepalived d1, keepalived-ts d2):
 * - with d1 MASTER, `ipvsadm -L --daemon` on each director equals the
 *   keepalived pair's (d1 the master daemon, d2 the backup one, syncid 51);
 * - a client's connection (a line sent, its echo back) appears in d2's
 *   `ipvsadm -Lnc`, synced;
 * - SIGTERM to d1's daemon: d2 takes over, and a line sent on the same
 *   connection comes back.
 * Bounded waits only. About 4 min under TCG; `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { prepareKernel, runInVm } from '../../lab/vm.js';
import { guestScript, PAIRS } from './sync-failover-guest.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILT = path.join(ROOT, 'dist/src/daemon/vrrp-child.js');
/** The lines of one record of one pair. */
function record(output: string, pair: string, what: string): string[] {
  const prefix = `KATS ${pair} ${what} `;
  return output
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}
const said = (output: string, pair: string, line: string): boolean => output.split('\n').includes(`KATS ${pair} ${line}`);

describe.skipIf(!requireLayerOrSkip('vm'))('lvs_sync_daemon: a connection survives the master director, beside keepalived 2.2.7', () => {
  it('syncs the connection to the backup director, which carries it on once the master is gone', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const run = runInVm(prepareKernel(), guestScript(), 840_000, { cpus: 2, hostCache: 'loose' });
    const shown = run.output.split('\n').filter((l) => l.startsWith('KATS')).join('\n');
    console.log(shown);
    expect(run.exitCode, run.output.slice(-4000)).toBe(0);
    const reference = 'keepalived-keepalived';
    for (const d of ['d1', 'd2']) {
      const theirs = record(run.output, reference, `${d}-daemons`);
      expect(theirs.at(-1), `${d}: keepalived's listing\n${shown}`).toBe('end');
      expect(theirs.join('\n')).toContain(`${d === 'd1' ? 'master' : 'backup'} sync daemon (mcast=eth0, syncid=51`);
    }
    for (const [d1, d2] of PAIRS) {
      const pair = `${d1}-${d2}`;
      for (const d of ['d1', 'd2']) expect(record(run.output, pair, `${d}-daemons`), `${pair} ${d}\n${shown}`).toEqual(record(run.output, reference, `${d}-daemons`));
      expect(['echo before ok', 'conn on d2', 'echo after ok'].filter((l) => !said(run.output, pair, l)), `${pair}\n${shown}`).toEqual([]);
    }
  }, 900_000);
});
