/**
 * The demo's web server: answers every HTTP request with its name (`web1`,
 * or a director's name when the director answers on the VIP itself).
 * Usage: node web.js NAME ADDRESS PORT — prints `ready` once listening.
 * ADDRESS may be a VIP the node does not hold yet (net.ipv4.ip_nonlocal_bind=1).
 */
import * as http from 'node:http';

const [name, address, port] = process.argv.slice(2);
if (!name || !address || !port) {
  process.stderr.write('usage: web.js NAME ADDRESS PORT\n');
  process.exit(2);
}
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${name}\n`);
});
server.on('error', (error) => {
  process.stderr.write(`web ${name}: ${error.message}\n`);
  process.exit(1);
});
server.listen(Number(port), address, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
