/**
 * The checker's datagram sockets beside keepalived 2.2.7, in one VM boot (IPVS is needed to run a checker
 * process at all): keepalived (`-n -l -D -C`) and then the built keepalived-ts run the same configuration,
 * and the guest shows what each did:
 * - UDP_CHECK to 10.99.2.12, on a link where nobody answers its ARP: the kernel reports a host unreachable,
 *   which a UDP socket only hears with IP_RECVERR; keepalived fails the check at once (connect_timeout is
 *   600 s, so passing at the timeout cannot be mistaken for it) and removes the real server;
 * - its datagrams carry fwmark 42 (an nft rule counts `meta mark 42`);
 * - DNS_CHECK to 10.99.4.13 with `bind_if c2` and fwmark 43, and TCP_CHECK to 10.99.4.14 with `bind_if c2`
 *   and fwmark 44: the route says c0, SO_BINDTODEVICE makes them leave by c2 (nft counts
 *   `oifname "c2" meta mark 43` and 44; the packet counts are not compared: they grow with the time each
 *   daemon runs).
 * The guest runs the built `dist/`, so `npm run build` comes first.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLayerOrSkip } from '../setup/layer.js';
import { prepareKernel, runInVm } from '../../lab/vm.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/keepalived-ts');

const CONF = `global_defs {
  router_id kats
}
virtual_server 10.99.1.100 53 {
  protocol UDP
  lb_kind NAT
  delay_loop 2
  real_server 10.99.2.12 53 {
    UDP_CHECK {
      connect_timeout 600
      retry 0
      fwmark 42
    }
  }
  real_server 10.99.4.13 53 {
    DNS_CHECK {
      connect_timeout 600
      retry 0
      bind_if c2
      fwmark 43
      name example.org
    }
  }
}
virtual_server 10.99.1.100 80 {
  protocol TCP
  lb_kind NAT
  delay_loop 2
  real_server 10.99.4.14 80 {
    TCP_CHECK {
      connect_timeout 600
      retry 0
      bind_if c2
      fwmark 44
    }
  }
}
`;

const FAILED = 'UDP_CHECK on service [10.99.2.12]:udp:53 failed.';

/** One daemon: started, waited for the failure line (at most 120 s), its table and counters shown, stopped. */
const run = (name: string, command: string): string => `
nft flush chain inet kats out
nft add rule inet kats out ip daddr 10.99.2.12 udp dport 53 meta mark 42 counter
nft add rule inet kats out ip daddr 10.99.4.13 oifname c2 udp dport 53 meta mark 43 counter
nft add rule inet kats out ip daddr 10.99.4.14 oifname c2 tcp dport 80 meta mark 44 counter
${command} >/tmp/${name}.log 2>&1 &
pid=$!
i=0
while [ $i -lt 120 ] && ! grep -qF '${FAILED}' /tmp/${name}.log; do sleep 1; i=$((i+1)); done
sleep 1
ipvsadm -Sn | sed 's/^/${name} ipvsadm: /'
nft list chain inet kats out | grep -o 'meta mark 0x[0-9a-f]* counter packets [0-9]*' | sed 's/^/${name} nft: /'
grep -F '${FAILED}' /tmp/${name}.log | sed 's/^.*UDP_CHECK/${name} log: UDP_CHECK/'
kill -TERM $pid
wait $pid || true
`;

const SCRIPT = `set -e
modprobe ip_vs
ip link set lo up
ip link add dummy0 type dummy && ip addr add 10.99.1.100/32 dev dummy0 && ip link set dummy0 up
ip link add c0 type veth peer name c1 && ip link set c1 up && ip addr add 10.99.2.1/24 dev c0 && ip link set c0 up
ip link add c2 type veth peer name c3 && ip link set c3 up && ip addr add 10.99.5.1/24 dev c2 && ip link set c2 up
ip route add 10.99.4.0/24 dev c0 metric 10
ip route add 10.99.4.0/24 dev c2 metric 20
nft add table inet kats
nft 'add chain inet kats out { type filter hook output priority 0 ; }'
mkdir -p /tmp/k
cat >/tmp/k/keepalived.conf <<'EOF'
${CONF}EOF
set +e
${run('keepalived', '/usr/sbin/keepalived -n -l -D -C -f /tmp/k/keepalived.conf -p /tmp/k/k.pid -c /tmp/k/c.pid')}
${run('ts', `${process.execPath} ${BIN} -n -l -D -C -f /tmp/k/keepalived.conf -p /tmp/k/t.pid -c /tmp/k/tc.pid`)}
`;

const linesOf = (output: string, name: string): string[] =>
  output
    .split('\n')
    .filter((l) => l.startsWith(`${name} `))
    .map((l) => l.slice(name.length + 1));

describe.skipIf(!requireLayerOrSkip('vm'))('checker sockets beside keepalived 2.2.7', () => {
  it('UDP_CHECK fails at once on a host unreachable; fwmark and bind_if reach the wire (UDP, DNS, TCP)', () => {
    const r = runInVm(prepareKernel(), SCRIPT, 540_000, { hostCache: 'loose' });
    const theirs = linesOf(r.output, 'keepalived');
    const ours = linesOf(r.output, 'ts');
    // what keepalived shows is what this test claims of it
    expect(theirs).toContain(`log: ${FAILED}`);
    // the TCP connect to 10.99.4.14 fails too (host unreachable), in both
    expect(theirs.filter((l) => l.startsWith('ipvsadm: -a'))).toEqual(['ipvsadm: -a -u 10.99.1.100:53 -r 10.99.4.13:53 -m -w 1']);
    expect(theirs.filter((l) => /^nft: meta mark 0x0000002[abc] counter packets [1-9]/.test(l))).toHaveLength(3);
    expect(ours.filter((l) => !l.startsWith('nft:')).sort()).toEqual(theirs.filter((l) => !l.startsWith('nft:')).sort());
    expect(ours.filter((l) => /^nft: meta mark 0x0000002[abc] counter packets [1-9]/.test(l))).toHaveLength(3);
  }, 600_000);
});
