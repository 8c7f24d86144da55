/**
 * The demo's client: starts an HTTP GET of URL every INTERVAL ms (a new
 * connection each time, so IPVS can balance them) and prints one JSON line
 * per outcome: {"sent": ms, "t": ms, "name": body} for an answer,
 * {"sent": ms, "t": ms, "error": code} for a failure. Times are
 * CLOCK_MONOTONIC in ms (one clock for every process on the host, whatever
 * its network namespace), so the demo compares them with its kill time.
 * Usage: node client.js URL INTERVAL_MS TIMEOUT_MS — prints `ready` first;
 * INTERVAL_MS 0 makes one request only.
 */
import * as http from 'node:http';

const [url, intervalMs, timeoutMs] = process.argv.slice(2);
if (!url || !intervalMs || !timeoutMs) {
  process.stderr.write('usage: client.js URL INTERVAL_MS TIMEOUT_MS\n');
  process.exit(2);
}
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

function probe(): void {
  const sent = now();
  let done = false;
  const finish = (o: { name: string } | { error: string }): void => {
    if (done) return;
    done = true;
    out({ sent, t: now(), ...o });
  };
  const req = http.get(url!, { agent: false, timeout: Number(timeoutMs) }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
    res.on('end', () => finish({ name: body.trim() }));
    res.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
  });
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
}

process.stdout.write('ready\n');
// INTERVAL 0: one request (the process ends with it)
if (Number(intervalMs) === 0) probe();
else setInterval(probe, Number(intervalMs));
process.on('SIGTERM', () => process.exit(0));
