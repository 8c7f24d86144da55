// Runs under `ip netns exec` for native.test.ts: sockets belong to the namespace they are created in,
// so this process, not the test runner, opens them. It uses the compiled wrapper, as the daemon does.
import { openPacketSocket, openVrrp6Socket } from '../../../dist/src/base/native.js';

const [command, ...args] = process.argv.slice(2);

if (command === 'packet-send') {
  // packet-send IFINDEX FRAME_HEX
  const socket = openPacketSocket(Number(args[0]));
  socket.send(Buffer.from(args[1], 'hex'));
  socket.close();
} else if (command === 'vrrp6') {
  // vrrp6 SEND_IFINDEX RECV_IFINDEX DATA_HEX SENDS_JSON: send each [destination, options] out of one
  // interface, print as JSON what the socket on the other receives (through its readability watch).
  const [sendIf, recvIf, hex, sends] = [Number(args[0]), Number(args[1]), args[2], JSON.parse(args[3])];
  const receiver = openVrrp6Socket(recvIf);
  const sender = openVrrp6Socket(sendIf);
  const received = [];
  const done = () => {
    clearTimeout(timer);
    receiver.close();
    sender.close();
    console.log(JSON.stringify(received));
  };
  const timer = setTimeout(done, 5_000);
  receiver.watch((error) => {
    if (error) throw error;
    for (let p = receiver.receive(); p; p = receiver.receive()) received.push({ ...p, data: p.data.toString('hex') });
    if (received.length === sends.length) done();
  });
  for (const [destination, options] of sends) sender.send(Buffer.from(hex, 'hex'), destination, options);
} else {
  throw new Error(`unknown command ${command}`);
}
