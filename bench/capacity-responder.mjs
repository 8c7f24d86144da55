// The real servers of checker-capacity.ts, in a process of their own (so
// their CPU is not the checker's): TCP listeners that accept and let the
// checker close, and HTTP listeners that answer any request with a 200,
// all on 0.0.0.0 so every 127.0.0.0/8 address reaches them. Each connection
// is counted against the address and port it was made to (one real server);
// the harness drives it over IPC:
//   {cmd: 'status'} → {seen}           real servers seen since the last reset
//   {cmd: 'reset'}                     forget them
//   {cmd: 'start'} / {cmd: 'stop'}     a measuring window; 'stop' answers with its counts,
//                                      the intervals between two checks of one real server, our CPU, and
//                                      the system's accept-queue overflows and SYN retransmissions meanwhile
// It answers {ports: {tcp: [...], http: [...]}} once listening. Usage: node capacity-responder.mjs TCP_LISTENERS HTTP_LISTENERS
import * as fs from 'node:fs';
import * as net from 'node:net';

const [tcpCount, httpCount] = process.argv.slice(2).map(Number);
const RESPONSE = Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n');

const last = new Map();
let window;

function arrival(kind, socket) {
  const key = `${socket.localAddress}:${socket.localPort}`;
  const now = performance.now();
  const prev = last.get(key);
  last.set(key, now);
  if (!window) return;
  window.counts[kind]++;
  if (prev !== undefined) window.intervals[kind].push(now - prev);
}

function listen(handler) {
  const server = net.createServer({ allowHalfOpen: false }, handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '0.0.0.0', port: 0, backlog: 4096 }, () => resolve(server.address().port));
  });
}

const tcp = [];
const http = [];
for (let i = 0; i < tcpCount; i++) {
  tcp.push(
    await listen((socket) => {
      socket.on('error', () => {});
      arrival('tcp', socket);
      socket.resume();
    }),
  );
}
for (let i = 0; i < httpCount; i++) {
  http.push(
    await listen((socket) => {
      socket.on('error', () => {});
      arrival('http', socket);
      let answered = false;
      socket.on('data', () => {
        if (answered) return;
        answered = true;
        socket.end(RESPONSE);
      });
    }),
  );
}

/** TcpExt counters (system-wide): accept queues overflowing and SYNs sent again mean the responder fell behind. */
function tcpExt() {
  const [names, values] = fs.readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:')).map((l) => l.split(' '));
  const at = (k) => Number(values[names.indexOf(k)]);
  return { listenOverflows: at('ListenOverflows'), synRetrans: at('TCPSynRetrans') };
}

function percentiles(xs) {
  if (xs.length === 0) return undefined;
  const s = Float64Array.from(xs).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] };
}

process.on('message', (m) => {
  if (m.cmd === 'status') process.send({ seen: last.size });
  else if (m.cmd === 'reset') {
    last.clear();
    window = undefined;
  } else if (m.cmd === 'start') {
    window = { started: performance.now(), cpu: process.cpuUsage(), tcp: tcpExt(), counts: { tcp: 0, http: 0 }, intervals: { tcp: [], http: [] } };
  } else if (m.cmd === 'stop') {
    const w = window;
    window = undefined;
    const cpu = process.cpuUsage(w.cpu);
    const ext = tcpExt();
    process.send({
      listenOverflows: ext.listenOverflows - w.tcp.listenOverflows,
      synRetrans: ext.synRetrans - w.tcp.synRetrans,
      ms: performance.now() - w.started,
      counts: w.counts,
      intervals: { tcp: percentiles(w.intervals.tcp), http: percentiles(w.intervals.http), all: percentiles([...w.intervals.tcp, ...w.intervals.http]) },
      seen: last.size,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ports: { tcp, http } });
