// The failover bench's client: sends a numbered probe to ADDRESS:PORT every
// INTERVAL ms and prints a JSON line whenever the answering node changes
// (and for the first answer): {"t": ms, "name": node, "from": address,
// "seq": n, "sent": ms}. It also watches the VRRP adverts on eth0 (group
// 224.0.0.18, joined on a raw socket) and prints each as {"advert": ms,
// "src": address, "priority": n}: the master's last advert (or its
// priority-0 one) is where the backup's timer starts.
// Times are CLOCK_MONOTONIC in ms (process.hrtime), one clock for every
// process on the host whatever its network namespace, so the harness
// compares them with its own kill time.
// Usage: node udp-prober.mjs ADDRESS PORT INTERVAL_MS
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';

const [address, port, intervalMs] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

// held here: raw-socket closes a socket that is garbage-collected
const vrrpSocket = watchAdverts('eth0');

const socket = dgram.createSocket('udp4');
const sent = new Map();
let seq = 0;
let last;
socket.on('message', (msg, rinfo) => {
  const t = now();
  const [name, n] = msg.toString().split(' ');
  if (name === last) return;
  last = name;
  const s = Number(n);
  out({ t, name, from: rinfo.address, seq: s, sent: sent.get(s) });
});
// ICMP errors (EHOSTUNREACH while the VIP has no owner) are expected
socket.on('error', () => undefined);
socket.bind(0, () => {
  out({ ready: true });
  setInterval(() => {
    seq++;
    sent.set(seq, now());
    sent.delete(seq - 100_000);
    socket.send(String(seq), Number(port), address);
  }, Number(intervalMs));
});
process.on('SIGTERM', () => {
  vrrpSocket?.close();
  process.exit(0);
});

/** VRRP (IP protocol 112) datagrams to 224.0.0.18 on `ifname`; without raw-socket (or CAP_NET_RAW) none are reported. */
function watchAdverts(ifname) {
  let raw;
  try {
    raw = createRequire(import.meta.url)('raw-socket');
  } catch {
    return undefined;
  }
  const ifindex = Number(fs.readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8'));
  const s = raw.createSocket({ addressFamily: raw.AddressFamily.IPv4, protocol: 112 });
  const IP_ADD_MEMBERSHIP = 35;
  const mreqn = Buffer.alloc(12);
  mreqn.set([224, 0, 0, 18], 0);
  if (endianness() === 'LE') mreqn.writeInt32LE(ifindex, 8);
  else mreqn.writeInt32BE(ifindex, 8);
  s.setOption(raw.SocketLevel.IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn, mreqn.length);
  s.on('error', (error) => process.stderr.write(`udp-prober: VRRP socket: ${error.message}\n`));
  s.on('message', (b) => {
    const t = now();
    const ihl = (b[0] & 0x0f) * 4;
    if (b.length < ihl + 4) return;
    out({ advert: t, src: `${b[12]}.${b[13]}.${b[14]}.${b[15]}`, priority: b[ihl + 2] });
  });
  return s;
}
