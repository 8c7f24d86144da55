/**
 * lvs_sync_daemon through SIGHUP beside keepalived 2.2.7, in one VM boot:
 * the real keepalived and then the built keepalived-ts run one director
 * (VI_1 on ve0, lvs_sync_daemon ve0 inst VI_1) through the same reloads:
 * - MASTER (no peer): the same file again; `port 8850` added; the
 *   interface changed to ve2;
 * - BACKUP (a keepalived peer of priority 200 in a namespace of its own):
 *   the same file again; `id 7` added; then the peer gone (MASTER).
 * After each step the kernel's view is recorded: `ipvsadm -L --daemon`, the
 * sync threads' pids (`ipvs-m…`/`ipvs-b…` kernel threads: a daemon the
 * kernel restarted has a new one) and the kernel's own lines about
 * starting and stopping them; and each daemon's IPVS log lines. All must be
 * equal. About 4 min under TCG; `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILT = path.join(ROOT, 'dist/src/daemon/vrrp-child.js');
const IMPLS = { keepalived: '/usr/sbin/keepalived', 'keepalived-ts': `${process.execPath} ${path.join(ROOT, 'bin/keepalived-ts')}` };
const STEPS = {
  master: ['running', 'hup-same', 'hup-port', 'hup-iface', 'stopped'],
  backup: ['running', 'hup-same', 'hup-id', 'peer-gone', 'stopped'],
} as const;

function guestScript(): string {
  const lines = [
    'modprobe ip_vs',
    'ip link set lo up',
    'ip netns add p',
    'ip link add ve0 type veth peer name ve1 && ip link set ve1 netns p',
    'ip addr add 10.99.0.1/24 dev ve0 && ip link set ve0 up',
    'ip -n p addr add 10.99.0.2/24 dev ve1 && ip -n p link set ve1 up && ip -n p link set lo up',
    'ip link add ve2 type veth peer name ve3 && ip addr add 10.99.1.1/24 dev ve2 && ip link set ve2 up && ip link set ve3 up',
    'mkdir -p /tmp/s',
    'dmesg -c > /dev/null',
    `inst() { printf 'vrrp_instance VI_1 {\\n  interface %s\\n  virtual_router_id 51\\n  priority %s\\n  advert_int 1\\n  virtual_ipaddress {\\n    10.99.0.100/24\\n  }\\n}\\n' $1 $2; }`,
    `conf() { printf 'global_defs {\\n  %s\\n}\\n' "$1" > /tmp/s/k.conf; inst ve0 150 >> /tmp/s/k.conf; }`,
    // the kernel's view: the daemons, their threads' pids, its lines about them since the last look
    'show() {',
    '  { ipvsadm -L --daemon; ps -e -o pid=,comm= | grep " ipvs-[mb]" | sort -k2; dmesg -c | sed "s/^\\[[ 0-9.]*\\] //" | grep -i "sync thread\\|mcast interface"; } | sed "s/^ *//; s/^/KATS $impl $case $1 /"',
    '  echo "KATS $impl $case $1 end"',
    '}',
    // bounded waits: the log line counted, the listing changed, then the kernel's view still for 2 s (a look a second)
    'waitlog() { i=0; while [ $i -lt 90 ] && [ $(grep -c "$1" $3) -lt $2 ]; do sleep 1; i=$((i+1)); done; }',
    'waitchange() { i=0; while [ $i -lt 30 ] && [ "$(ipvsadm -L --daemon)" = "$1" ]; do sleep 1; i=$((i+1)); done; }',
    'view() { ipvsadm -L --daemon; ps -e -o pid=,comm= | grep " ipvs-[mb]"; dmesg | wc -l; }',
    'settle() { i=0; same=0; last=$(view); while [ $i -lt 30 ] && [ $same -lt 2 ]; do sleep 1; now=$(view); if [ "$now" = "$last" ]; then same=$((same+1)); else same=0; last=$now; fi; i=$((i+1)); done; }',
    // the same file again (a blank appended): both daemons say Reinitializing ipvs once they have read it
    'hup() { n=$(grep -c "Reinitializing ipvs" /tmp/s/$impl.log); kill -HUP $pid; waitlog "Reinitializing ipvs" $((n + 1)) /tmp/s/$impl.log; settle; }',
    'hupchange() { before=$(ipvsadm -L --daemon); conf "$1"; kill -HUP $pid; waitchange "$before"; settle; }',
    'start() { $cmd -n -l -f /tmp/s/k.conf -p /tmp/s/p.pid -r /tmp/s/r.pid -c /tmp/s/c.pid > /tmp/s/$impl.log 2>&1 & pid=$!; }',
    'finish() {',
    '  kill -TERM $pid; wait $pid; show stopped',
    '  grep -i "ipvs\\|sync\\|STATE" /tmp/s/$impl.log | sed "s/^.*[0-9]\\{4\\}: //; s/^/KATS-LOG $impl $case /"',
    '  ipvsadm --stop-daemon master 2>/dev/null; ipvsadm --stop-daemon backup 2>/dev/null; dmesg -c > /dev/null',
    '}',
    `printf 'vrrp_instance VI_1 {\\n  interface ve1\\n  virtual_router_id 51\\n  priority 200\\n  advert_int 1\\n  virtual_ipaddress {\\n    10.99.0.100/24\\n  }\\n}\\n' > /tmp/s/peer.conf`,
    'run() {',
    '  impl=$1; cmd=$2',
    '  case=master; conf "lvs_sync_daemon ve0 inst VI_1"; start',
    '  waitlog "Entering MASTER" 1 /tmp/s/$impl.log; settle; show running',
    '  echo >> /tmp/s/k.conf; hup; show hup-same',
    '  hupchange "lvs_sync_daemon ve0 inst VI_1 port 8850"; show hup-port',
    '  hupchange "lvs_sync_daemon ve2 inst VI_1 port 8850"; show hup-iface',
    '  finish',
    '  case=backup',
    '  ip netns exec p /usr/sbin/keepalived -n -l -P -f /tmp/s/peer.conf -p /tmp/s/pp.pid -r /tmp/s/pr.pid -c /tmp/s/pc.pid > /tmp/s/peer.log 2>&1 & peer=$!',
    '  waitlog "Entering MASTER" 1 /tmp/s/peer.log; conf "lvs_sync_daemon ve0 inst VI_1"; start',
    '  waitlog "Entering BACKUP" 1 /tmp/s/$impl.log; settle; show running',
    '  echo >> /tmp/s/k.conf; hup; show hup-same',
    '  hupchange "lvs_sync_daemon ve0 inst VI_1 id 7"; show hup-id',
    '  kill -TERM $peer; wait $peer; waitlog "Entering MASTER" 1 /tmp/s/$impl.log; settle; show peer-gone',
    '  finish',
    '}',
  ];
  for (const [impl, cmd] of Object.entries(IMPLS)) lines.push(`run ${impl} "${cmd}"`);
  return lines.join('\n') + '\n';
}

/** One step's lines; thread pids become the order they first appear in (1, 2, …) within the implementation's run. */
function steps(output: string, impl: string): Map<string, string[]> {
  const pids = new Map<string, string>();
  const found = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const m = new RegExp(`^KATS ${impl} (\\w+) ([\\w-]+) (.*)$`).exec(line);
    if (!m) continue;
    const text = m[3]!.replace(/^(\d+)(?= ipvs-)|(?<=thread )(\d+)/g, (pid) => {
      if (!pids.has(pid)) pids.set(pid, `#${pids.size + 1}`);
      return pids.get(pid)!;
    });
    const key = `${m[1]} ${m[2]}`;
    found.set(key, [...(found.get(key) ?? []), text]);
  }
  return found;
}
const logLines = (output: string, impl: string): string[] => output.split('\n').filter((l) => l.startsWith(`KATS-LOG ${impl} `)).map((l) => l.slice(`KATS-LOG ${impl} `.length));

describe.skipIf(!requireLayerOrSkip('vm'))('lvs_sync_daemon through SIGHUP beside keepalived 2.2.7 in a VM', () => {
  it('keeps, restarts and logs the sync daemon at each reload as keepalived does, while MASTER and while BACKUP', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const run = runInVm(prepareKernel(), guestScript(), 720_000, { cpus: 2, hostCache: 'loose' });
    const shown = run.output.split('\n').filter((l) => l.startsWith('KATS')).join('\n');
    console.log(shown);
    expect(run.exitCode, run.output.slice(-4000)).toBe(0);
    const theirs = steps(run.output, 'keepalived');
    const ours = steps(run.output, 'keepalived-ts');
    for (const [c, names] of Object.entries(STEPS)) {
      for (const step of names) {
        const key = `${c} ${step}`;
        expect(theirs.get(key)?.at(-1), `${key}: keepalived's record\n${shown}`).toBe('end');
        expect(ours.get(key), `${key}: keepalived-ts beside keepalived\n${shown}`).toEqual(theirs.get(key));
      }
    }
    // the IPVS lines each logged (state lines aside: their timing differs)
    const ipvs = (lines: string[]): string[] => lines.filter((l) => /ipvs/i.test(l));
    expect(ipvs(logLines(run.output, 'keepalived-ts'))).toEqual(ipvs(logLines(run.output, 'keepalived')));
    // what keepalived showed, so that equal empty records cannot pass
    expect(theirs.get('master hup-port')?.join('\n')).toContain('master sync daemon (mcast=ve0, syncid=51, maxlen=1472, group=224.0.0.81, port=8850');
    expect(theirs.get('backup hup-id')?.join('\n')).toContain('backup sync daemon (mcast=ve0, syncid=7');
  }, 780_000);
});
