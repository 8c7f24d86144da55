/**
 * The guest script of sync-failover.test.ts: the topology, the three pairs
 * in turn, and each step's record as a `KATS <d1>-<d2> <what> <line>` line.
 */
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const IMPLS = { keepalived: '/usr/sbin/keepalived', 'keepalived-ts': `${process.execPath} ${path.join(ROOT, 'bin/keepalived-ts')}` };
export const PAIRS = [
  ['keepalived', 'keepalived'],
  ['keepalived-ts', 'keepalived-ts'],
  ['keepalived', 'keepalived-ts'],
] as const;

const config = (priority: number): string =>
  'global_defs {\n  lvs_sync_daemon eth0 inst VI_1\n}\n' +
  `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority ${priority}\n  advert_int 1\n  virtual_ipaddress {\n    10.99.0.100/24\n  }\n}\n` +
  'virtual_server 10.99.0.100 7000 {\n  delay_loop 2\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n' +
  '  real_server 10.99.0.20 7000 {\n    TCP_CHECK {\n      connect_timeout 2\n    }\n  }\n}\n';

// the real server: an echo; the client: one connection, sending each /tmp/f/send-N as it appears
const SERVER = "require('net').createServer((c) => { c.on('error', () => {}); c.pipe(c); }).listen(7000)";
const CLIENT =
  "const net = require('net'), fs = require('fs'); const s = net.connect(7000, '10.99.0.100', () => fs.writeFileSync('/tmp/f/port', String(s.localPort)));" +
  " s.on('data', (d) => fs.appendFileSync('/tmp/f/out', d)); s.on('close', () => fs.appendFileSync('/tmp/f/out', 'CLOSED\\n'));" +
  " s.on('error', (e) => fs.appendFileSync('/tmp/f/out', 'ERROR ' + e.code + '\\n'));" +
  " let n = 1; setInterval(() => { const f = '/tmp/f/send-' + n; if (fs.existsSync(f)) { s.write(fs.readFileSync(f)); n++; } }, 100);";

export function guestScript(): string {
  const lines = [
    'modprobe ip_vs',
    'mkdir -p /tmp/s /tmp/f',
    `cat > /tmp/s/d1.conf <<'CONF'\n${config(150)}CONF`,
    `cat > /tmp/s/d2.conf <<'CONF'\n${config(100)}CONF`,
    `cat > /tmp/s/server.js <<'JS'\n${SERVER}\nJS`,
    `cat > /tmp/s/client.js <<'JS'\n${CLIENT}\nJS`,
    'say() { echo "KATS $pair $*"; }',
    // bounded: `until CMD` tried each second for $1 s; false when it never held
    'upto() { n=$1; shift; i=0; while [ $i -lt $n ]; do if eval "$@"; then return 0; fi; sleep 1; i=$((i+1)); done; return 1; }',
    // links named anew for each pair ($x): a namespace deleted takes its veth peers with it only later
    'x=0',
    'setup() {',
    '  x=$((x+1)); ip link add br$x type bridge mcast_snooping 0 && ip link set br$x up',
    '  for n in d1:1 d2:2 c:10 r:20; do',
    '    ns=${n%:*}; h=${n#*:}',
    '    ip netns add $ns && ip link add v$ns$x type veth peer name eth0 netns $ns',
    '    ip link set v$ns$x master br$x && ip link set v$ns$x up',
    '    ip -n $ns link set lo up && ip -n $ns addr add 10.99.0.$h/24 dev eth0 && ip -n $ns link set eth0 up',
    '  done',
    // LVS-DR: the real server takes packets for the VIP on lo and never answers ARP for it
    '  ip -n r addr add 10.99.0.100/32 dev lo',
    '  ip netns exec r sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2',
    `  ip netns exec r ${process.execPath} /tmp/s/server.js & server=$!`,
    '}',
    'teardown() {',
    '  kill $server $client 2>/dev/null; wait $server $client 2>/dev/null',
    '  for ns in d1 d2 c r; do ip netns del $ns; done; ip link del br$x; rm -f /tmp/f/*',
    '}',
    'daemons() { ip netns exec $1 ipvsadm -L --daemon | sed "s/^/KATS $pair $1-daemons /"; echo "KATS $pair $1-daemons end"; }',
    'run() {',
    '  pair=$1-$2; setup',
    '  ip netns exec d1 $3 -n -l -f /tmp/s/d1.conf -p /tmp/s/d1.pid -r /tmp/s/d1r.pid -c /tmp/s/d1c.pid > /tmp/s/$pair-d1.log 2>&1 & d1=$!',
    '  ip netns exec d2 $4 -n -l -f /tmp/s/d2.conf -p /tmp/s/d2.pid -r /tmp/s/d2r.pid -c /tmp/s/d2c.pid > /tmp/s/$pair-d2.log 2>&1 & d2=$!',
    '  upto 120 \'ip netns exec d1 ipvsadm -L --daemon | grep -q "master sync daemon" && ip netns exec d2 ipvsadm -L --daemon | grep -q "backup sync daemon"\' || say "no daemons"',
    '  upto 60 \'ip netns exec d1 ipvsadm -Ln | grep -q 10.99.0.20:7000 && ip netns exec d2 ipvsadm -Ln | grep -q 10.99.0.20:7000\' || say "no real server"',
    '  sleep 2; daemons d1; daemons d2',
    `  ip netns exec c ${process.execPath} /tmp/s/client.js & client=$!`,
    '  echo one > /tmp/f/send-1',
    '  upto 60 \'grep -q one /tmp/f/out 2>/dev/null\' && say "echo before ok"',
    '  port=$(cat /tmp/f/port 2>/dev/null)',
    // synced once the director has counted 3 of the client's packets, sent within 2 s; a line a second meanwhile
    '  k=2; seen=""; while [ $k -lt 30 ]; do',
    '    if ip netns exec d2 ipvsadm -Lnc | grep -q "10.99.0.10:$port *10.99.0.100:7000"; then seen=1; break; fi',
    '    echo "more$k" > /tmp/f/send-$k; k=$((k+1)); sleep 1',
    '  done',
    '  [ -n "$seen" ] && say "conn on d2"; ip netns exec d2 ipvsadm -Lnc | sed "s/^/KATS $pair d2-conns /"',
    '  kill -TERM $d1; wait $d1',
    '  upto 60 \'ip -n d2 addr show eth0 | grep -q 10.99.0.100\' || say "d2 never took the VIP"',
    '  echo after > /tmp/f/send-$k',
    '  upto 60 \'grep -q after /tmp/f/out\' && say "echo after ok"',
    '  sed "s/^/KATS $pair client /" /tmp/f/out',
    '  kill -TERM $d2; wait $d2',
    '  for d in d1 d2; do grep -i "ipvs\\|sync\\|STATE" /tmp/s/$pair-$d.log | sed "s/^/KATS-LOG $pair $d /"; done',
    '  teardown',
    '}',
  ];
  for (const [d1, d2] of PAIRS) lines.push(`run ${d1} ${d2} "${IMPLS[d1]}" "${IMPLS[d2]}"`);
  return lines.join('\n') + '\n';
}
