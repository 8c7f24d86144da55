/**
 * Real servers that flap, for the soak (soak/long-soak.ts), run in a namespace of their own:
 *   node build/lab/flapping-servers.js ADDRESS BASE_PORT COUNT PERIOD_MS DOWN_MS
 * Server i listens on BASE_PORT+i (even i: bare TCP, closed at once; odd i: HTTP 200), and stops listening while
 * lab/flap-schedule.ts says it is down (connections are then refused). Prints READY once every server listens.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { isDown, type FlapSchedule } from './flap-schedule.js';

const [address, basePort, count, periodMs, downMs] = process.argv.slice(2);
if (address === undefined || downMs === undefined) {
  process.stderr.write('usage: flapping-servers ADDRESS BASE_PORT COUNT PERIOD_MS DOWN_MS\n');
  process.exit(2);
}
const schedule: FlapSchedule = { count: Number(count), periodMs: Number(periodMs), downMs: Number(downMs) };

const servers: net.Server[] = [];
for (let i = 0; i < schedule.count; i++) {
  servers.push(
    i % 2 === 0
      ? net.createServer((socket) => socket.end())
      : http.createServer({ keepAliveTimeout: 1000 }, (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n')),
  );
  // a check torn down mid-answer must not end the process
  servers[i]!.on('connection', (socket: net.Socket) => socket.on('error', () => undefined));
}
const listening = new Array<boolean>(schedule.count).fill(false);
const started = performance.now();
let ready = false;

function listen(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = servers[i]!;
    const failed = (error: Error): void => reject(error);
    server.once('error', failed);
    server.listen({ host: address, port: Number(basePort) + i, backlog: 64 }, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

async function follow(): Promise<void> {
  const elapsed = performance.now() - started;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < schedule.count; i++) {
    const up = !isDown(schedule, i, elapsed);
    if (up === listening[i]) continue;
    listening[i] = up;
    if (up) pending.push(listen(i));
    else servers[i]!.close();
  }
  await Promise.all(pending);
  if (!ready) {
    ready = true;
    process.stdout.write('READY\n');
  }
}

const tick = (): void => {
  follow().then(
    () => setTimeout(tick, 100),
    (error: Error) => {
      process.stderr.write(`flapping-servers: ${error.message}\n`);
      process.exit(1);
    },
  );
};
tick();
