// The failover bench's service on a director: answers every UDP datagram
// with this node's name and the datagram's text.
// Usage: node udp-responder.mjs NAME ADDRESS PORT
// ADDRESS is the VIP (bound with net.ipv4.ip_nonlocal_bind=1, so that the
// answers come from the VIP itself) or 0.0.0.0. Prints `ready` once bound.
import * as dgram from 'node:dgram';

const [name, address, port] = process.argv.slice(2);
const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  socket.send(`${name} ${msg.toString()}`, rinfo.port, rinfo.address);
});
// a send towards a client that went away must not end the service
socket.on('error', (error) => process.stderr.write(`udp-responder: ${error.message}\n`));
socket.bind(Number(port), address, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
