/**
 * lvs_sync_daemon side by side, in one VM boot (IPVS is only there): the
 * real keepalived 2.2.7 (/usr/sbin/keepalived) and then the built
 * keepalived-ts run the same configuration on one director, and
 * `ipvsadm -L --daemon` is recorded while each runs and after its SIGTERM:
 * - master: the instance named by lvs_sync_daemon (with maxlen, port, ttl and
 *   group) becomes MASTER on a veth with no peer: the master daemon, syncid
 *   its VRID; then a SIGHUP with `id 7` added (`reloaded`);
 * - fault: the instance's interface is down (FAULT): the backup daemon;
 * - checker: lvs_sync_daemon names no instance: the checker runs both.
 * The two listings must be equal, and so the IPVS lines each logged. About 3 min under TCG; `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { guestBlock, prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/keepalived-ts');
const BUILT = path.join(ROOT, 'dist/src/daemon/vrrp-child.js');

const INSTANCE = (iface: string): string =>
  `vrrp_instance VI_1 {\n  interface ${iface}\n  virtual_router_id 51\n  priority 150\n  advert_int 1\n  virtual_ipaddress {\n    10.99.0.100/24\n  }\n}\n`;

const CONFIGS: Record<string, { text: string; want: string }> = {
  master: {
    text: `global_defs {\n  lvs_sync_daemon ve0 inst VI_1 maxlen 1400 port 8849 ttl 2 group 224.0.0.82\n}\n${INSTANCE('ve0')}`,
    want: 'master sync daemon',
  },
  fault: { text: `global_defs {\n  lvs_sync_daemon vf0 inst VI_1\n}\n${INSTANCE('vf0')}`, want: 'backup sync daemon' },
  checker: {
    text:
      'global_defs {\n  lvs_sync_daemon ve0 id 9\n}\n' +
      'virtual_server 10.99.0.200 80 {\n  lb_kind NAT\n  protocol TCP\n  real_server 10.99.0.2 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n',
    want: 'backup sync daemon',
  },
};
const IMPLS = { keepalived: '/usr/sbin/keepalived', 'keepalived-ts': `${process.execPath} ${BIN}` };

/** Runs each configuration under each implementation; every record a `KATS <impl> <conf> <phase> <line>` line. */
function guestScript(): string {
  const lines = [
    'modprobe ip_vs',
    'ip link set lo up',
    // ve0 up with no peer answering (the instance becomes MASTER); vf0 left down (FAULT)
    'ip link add ve0 type veth peer name ve1 && ip addr add 10.99.0.1/24 dev ve0 && ip link set ve1 up && ip link set ve0 up',
    'ip link add vf0 type veth peer name vf1 && ip addr add 10.99.2.1/24 dev vf0',
    'mkdir -p /tmp/s',
    'daemons() { ipvsadm -L --daemon | sed "s/^/KATS $1 $2 $3 /"; echo "KATS $1 $2 $3 end"; }',
    'run() {',
    '  impl=$1; cmd=$2; conf=$3; want=$4',
    '  $cmd -n -l -f /tmp/s/$conf.conf -p /tmp/s/p.pid -r /tmp/s/r.pid -c /tmp/s/c.pid > /tmp/s/$impl-$conf.log 2>&1 &',
    '  pid=$!',
    // bounded wait for the daemon wanted, then a settle for any later command
    '  i=0; while [ $i -lt 120 ] && ! ipvsadm -L --daemon | grep -q "$want"; do sleep 1; i=$((i+1)); done',
    '  sleep 3',
    '  daemons $impl $conf running',
    // master: SIGHUP with the sync id changed; bounded wait for the listing to change
    '  if [ $conf = master ]; then',
    '    before=$(ipvsadm -L --daemon); sed -i "s/inst VI_1/inst VI_1 id 7/" /tmp/s/master.conf; kill -HUP $pid',
    '    i=0; while [ $i -lt 30 ] && [ "$(ipvsadm -L --daemon)" = "$before" ]; do sleep 1; i=$((i+1)); done',
    '    sleep 3; daemons $impl $conf reloaded',
    '    sed -i "s/inst VI_1 id 7/inst VI_1/" /tmp/s/master.conf',
    '  fi',
    '  kill -TERM $pid; wait $pid',
    '  daemons $impl $conf stopped',
    '  grep -i "ipvs\\|sync\\|STATE" /tmp/s/$impl-$conf.log | sed "s/^/KATS-LOG $impl $conf /"',
    '  ipvsadm --stop-daemon master 2>/dev/null; ipvsadm --stop-daemon backup 2>/dev/null; true',
    '}',
  ];
  for (const [name, c] of Object.entries(CONFIGS)) lines.push(`cat > /tmp/s/${name}.conf <<'CONF'`, c.text.trimEnd(), 'CONF');
  for (const [name, c] of Object.entries(CONFIGS)) {
    for (const [impl, cmd] of Object.entries(IMPLS)) lines.push(`run ${impl} "${cmd}" ${name} "${c.want}"`);
  }
  return lines.join('\n') + '\n';
}

/** The IPVS lines one implementation logged for one configuration, time stamps left out. */
function ipvsLog(output: string, impl: string, conf: string): string[] {
  const prefix = `KATS-LOG ${impl} ${conf} `;
  return output
    .split('\n')
    .filter((l) => l.startsWith(prefix) && /ipvs/i.test(l))
    .map((l) => l.slice(prefix.length).replace(/^.*?\d{4}: /, ''));
}

/** The daemon lines of one phase. */
const listing = (output: string, impl: string, conf: string, phase: string): string[] | undefined => guestBlock(output, `KATS ${impl} ${conf} ${phase} `);

describe.skipIf(!requireLayerOrSkip('vm'))('lvs_sync_daemon beside keepalived 2.2.7 in a VM', () => {
  it('runs the sync daemons keepalived runs: master while MASTER, backup in FAULT, both from the checker; none after SIGTERM', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const run = runInVm(prepareKernel(), guestScript(), 600_000, { cpus: 2, hostCache: 'loose' });
    const shown = run.output.split('\n').filter((l) => l.startsWith('KATS')).join('\n');
    console.log(shown);
    expect(run.exitCode, run.output.slice(-4000)).toBe(0);
    for (const conf of Object.keys(CONFIGS)) {
      for (const phase of conf === 'master' ? ['running', 'reloaded', 'stopped'] : ['running', 'stopped']) {
        const theirs = listing(run.output, 'keepalived', conf, phase);
        const ours = listing(run.output, 'keepalived-ts', conf, phase);
        expect(theirs, `${conf} ${phase}: keepalived's listing\n${shown}`).toBeDefined();
        expect(ours, `${conf} ${phase}: keepalived-ts beside keepalived\n${shown}`).toEqual(theirs);
      }
      expect(ipvsLog(run.output, 'keepalived-ts', conf), `${conf}: the IPVS lines\n${shown}`).toEqual(ipvsLog(run.output, 'keepalived', conf));
    }
    // what keepalived showed, so an empty listing on both sides cannot pass
    expect(listing(run.output, 'keepalived', 'master', 'running')?.join('\n')).toContain('master sync daemon (mcast=ve0, syncid=51');
    expect(listing(run.output, 'keepalived', 'fault', 'running')?.join('\n')).toContain('backup sync daemon (mcast=vf0, syncid=51');
  }, 660_000);
});
