// Runs under `ip netns exec` for vrrp-sockets.test.ts: sockets belong to the namespace they are created in,
// so this process, not the test runner, opens them, through the compiled modules the daemon uses.
import { readFileSync } from 'node:fs';
import { createAdvertSocketFactory } from '../../../dist/src/net/advert-sockets.js';
import { createAnnouncePort } from '../../../dist/src/net/announce.js';

const [command, ...args] = process.argv.slice(2);
const optional = (word) => (word === '-' ? undefined : word);
const link = (name) => ({
  name,
  index: Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8')),
  mac: new Uint8Array(readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim().split(':').map((b) => parseInt(b, 16))),
  up: true,
  noArp: false,
  addresses: [],
});

/** FAMILY IFNAME GROUP|- SOURCE|-: the socket options the runner would pass. */
function socketOptions([family, ifname, group, source]) {
  const options = { family, ifname, ifindex: link(ifname).index };
  if (optional(group)) options.multicastGroup = group;
  if (optional(source)) options.sourceAddress = source;
  return options;
}

const factory = createAdvertSocketFactory((error) => {
  console.error(`receive error: ${error.message}`);
  process.exit(2);
});

if (command === 'receive') {
  // receive FAMILY IFNAME GROUP|- SOURCE|- COUNT [ah]: print `ready`, then the first COUNT packets as JSON (or what
  // came in 5 s). `ah`: an IPv4 socket for auth_type AH (the option vrrp-socket4 takes beside the port's).
  const count = Number(args[4]);
  const received = [];
  const socket = factory.open({ ...socketOptions(args), ...(args[5] === 'ah' ? { ah: true } : {}) }, (p) => {
    received.push({ ...p, bytes: Buffer.from(p.bytes).toString('hex') });
    if (received.length === count) done();
  });
  const done = () => {
    clearTimeout(timer);
    socket.close();
    console.log(JSON.stringify(received));
  };
  const timer = setTimeout(done, 5_000);
  console.log('ready');
} else if (command === 'send') {
  // send FAMILY IFNAME GROUP|- SOURCE|- SENDS_JSON: send each [destination, hex, source?] in order.
  const socket = factory.open(socketOptions(args), () => undefined);
  for (const [destination, hex, source] of JSON.parse(args[4])) socket.send(Buffer.from(hex, 'hex'), destination, source ?? undefined);
  socket.close();
} else if (command === 'announce') {
  // announce IFNAME ADDRESS...: one gratuitous ARP or unsolicited NA per address.
  const port = createAnnouncePort();
  const iface = link(args[0]);
  for (const address of args.slice(1)) port.announce({ family: address.includes(':') ? 'inet6' : 'inet', address }, iface);
  port.close();
} else {
  throw new Error(`unknown command ${command}`);
}
