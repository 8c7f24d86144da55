// An SMTP server that accepts every alert: answers 220, 250 to HELO/MAIL/RCPT, 354 to DATA, 250 once the message
// ends with a lone dot, 221 to QUIT. Prints `ready` once listening, then one JSON line per conversation ended:
// {"lines": [what the client sent, line by line]}. Bounded: 64 KiB per conversation, then the connection is cut.
// Usage: node smtp-sink.mjs ADDRESS PORT
import * as net from 'node:net';

const [address, port] = process.argv.slice(2);
const MAX = 64 * 1024;
const server = net.createServer((socket) => {
  socket.setEncoding('latin1');
  const lines = [];
  let pending = '';
  let inData = false;
  let size = 0;
  const reply = (text) => socket.write(`${text}\r\n`);
  reply('220 sink ESMTP');
  socket.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX) return socket.destroy();
    pending += chunk;
    let end;
    while ((end = pending.indexOf('\r\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 2);
      lines.push(line);
      if (inData) {
        if (line === '.') {
          inData = false;
          reply('250 queued');
        }
        continue;
      }
      const verb = line.split(/[ :]/)[0].toUpperCase();
      if (verb === 'DATA') {
        inData = true;
        reply('354 go ahead');
      } else if (verb === 'QUIT') {
        reply('221 bye');
        socket.end();
      } else reply('250 ok');
    }
  });
  socket.on('close', () => process.stdout.write(`${JSON.stringify({ lines })}\n`));
  socket.on('error', () => undefined);
});
server.listen(Number(port), address, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
