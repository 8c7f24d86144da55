/**
 * use_ipvlan side by side, in one VM boot (this host's kernel has no
 * ipvlan): the real keepalived 2.2.7 (/usr/sbin/keepalived) and then the
 * built keepalived-ts run the same configuration on a veth with no peer
 * answering, two instances becoming MASTER: IPv4 with an address, default
 * name and type; IPv6 named, vepa, with an address. While both are MASTER
 * the guest records `ip -d link` (the ipvlans: mode l2, their flags, parent,
 * MAC), the addresses, the ipvlans' disable_ipv6 and the first adverts seen
 * on the peer (their source: the ipvlan address); after SIGTERM, the links.
 * Each record must be equal. About 2 min under TCG; `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { guestBlock, prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/keepalived-ts');
const BUILT = path.join(ROOT, 'dist/src/daemon/vrrp-child.js');

const CONFIG = `vrrp_instance VI_4 {
  state MASTER
  interface ve0
  virtual_router_id 51
  priority 150
  advert_int 1
  use_ipvlan 10.99.0.9/24
  virtual_ipaddress {
    10.99.0.100/24
  }
}
vrrp_instance VI_6 {
  state MASTER
  interface ve0
  virtual_router_id 52
  priority 150
  advert_int 1
  use_ipvlan ipv6lan fd99::9/64 vepa
  virtual_ipaddress {
    fd99::100/64
  }
}
`;
const IMPLS = { keepalived: '/usr/sbin/keepalived', 'keepalived-ts': `${process.execPath} ${BIN}` };
const PHASES = ['links', 'addresses', 'sysctls', 'adverts', 'stopped'] as const;

/** Runs the configuration under each implementation; every record a `KATS <impl> <phase> <line>` line, each phase closed by `end`. */
function guestScript(): string {
  const lines = [
    'modprobe ipvlan',
    'ip link set lo up',
    'ip link add ve0 type veth peer name ve1',
    'ip addr add 10.99.0.1/24 dev ve0 && ip addr add fd99::1/64 dev ve0 nodad',
    'ip link set ve1 up && ip link set ve0 up',
    'mkdir -p /tmp/s',
    `cat > /tmp/s/k.conf <<'CONF'`,
    CONFIG.trimEnd(),
    'CONF',
    // the index and the counters differ from boot to boot, not what either daemon set; the veth peer's index likewise
    'show() { sed "s/^/KATS $1 $2 /"; echo "KATS $1 $2 end"; }',
    'links() { ip -d -o link show | sed -e "s/^[0-9]*: //" -e "s/@if[0-9]*/@ifN/"; }',
    'run() {',
    '  impl=$1; cmd=$2',
    '  $cmd -n -l -D -P -f /tmp/s/k.conf -p /tmp/s/p.pid -r /tmp/s/r.pid -c /tmp/s/c.pid > /tmp/s/$impl.log 2>&1 &',
    '  pid=$!',
    // bounded wait for both VIPs (both instances MASTER), then a settle
    '  i=0; while [ $i -lt 120 ] && ! { ip -o addr show dev ve0 | grep -q 10.99.0.100/ && ip -o addr show dev ve0 | grep -q fd99::100/; }; do sleep 1; i=$((i+1)); done',
    '  sleep 3',
    '  links | show $impl links',
    '  ip -o addr show | sed -e "s/^[0-9]*: //" -e "s/valid_lft.*//" | show $impl addresses',
    '  for l in vrrp.51 ipv6lan; do echo "$l $(cat /proc/sys/net/ipv6/conf/$l/disable_ipv6 2>&1)"; done | show $impl sysctls',
    // the adverts as the peer sees them: source, destination, vrid (bounded: 4 packets or 6 s)
    "  timeout 6 tcpdump -n -l -c 4 -i ve1 'ip proto 112 or ip6 proto 112' 2>/dev/null | sed -e 's/^[0-9:.]* //' -e 's/, length.*//' | sort -u | show $impl adverts",
    '  kill -TERM $pid; wait $pid',
    '  links | show $impl stopped',
    '  sed "s/^/KATS-LOG $impl /" /tmp/s/$impl.log | grep -i "ipvlan\\|vmac\\|STATE\\|error\\|fail"',
    '  true',
    '}',
  ];
  for (const [impl, cmd] of Object.entries(IMPLS)) lines.push(`run ${impl} "${cmd}"`);
  return lines.join('\n') + '\n';
}

/** The lines of one phase, or undefined when it did not complete. */
const record = (output: string, impl: string, phase: string): string[] | undefined => guestBlock(output, `KATS ${impl} ${phase} `);

describe.skipIf(!requireLayerOrSkip('vm'))('use_ipvlan beside keepalived 2.2.7 in a VM', () => {
  it('makes the ipvlans keepalived makes, with its addresses and IPv6 settings, sends adverts from them, and removes them at stop', () => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} missing: run npm run build first`);
    const run = runInVm(prepareKernel(), guestScript(), 600_000, { cpus: 2, hostCache: 'loose' });
    const shown = run.output
      .split('\n')
      .filter((l) => l.startsWith('KATS'))
      .join('\n');
    console.log(shown);
    expect(run.exitCode, run.output.slice(-4000)).toBe(0);
    for (const phase of PHASES) {
      const theirs = record(run.output, 'keepalived', phase);
      expect(theirs, `${phase}: keepalived's record\n${shown}`).toBeDefined();
      expect(record(run.output, 'keepalived-ts', phase), `${phase}: keepalived-ts beside keepalived\n${shown}`).toEqual(theirs);
    }
    // what keepalived showed, so two empty records cannot pass
    const links = record(run.output, 'keepalived', 'links')!.join('\n');
    // both show `mode l2 vepa`: the kernel keeps the flags per parent (the ipvlan port), so the last one made sets them for all
    expect(links).toMatch(/^vrrp\.51@ve0: .*ipvlan {2}mode l2 vepa/m);
    expect(links).toMatch(/^ipv6lan@ve0: .*ipvlan {2}mode l2 vepa/m);
    expect(record(run.output, 'keepalived', 'adverts')!.join('\n')).toContain('IP 10.99.0.9 > 224.0.0.18');
    expect(record(run.output, 'keepalived', 'stopped')!.join('\n')).not.toMatch(/vrrp\.51|ipv6lan/);
  }, 660_000);
});
