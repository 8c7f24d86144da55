// Runs inside the test VM (see ipvs-netlink.test.ts): drives the real IPVS
// port over generic netlink for each vector case and prints one
// `KATS <json>` line per step; the host test judges the results.
// Usage: node ipvs-netlink-guest.mjs VECTORS_DIR CASE...
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const lib = (name) => import(new URL(`../../dist/src/ipvs/${name}.js`, import.meta.url).href);
const { openNetlinkPort } = await lib('netlink-port');
const { describeOp } = await lib('genl-port');
const { deleteServices } = await lib('port');
// the ipvsadm text format is lab code: npm test's pretest builds it into build/
const { parseIpvsadm } = await import(new URL('../../build/lab/ipvsadm.js', import.meta.url).href);
const { reconcile } = await lib('reconcile');

const emit = (record) => console.log(`KATS ${JSON.stringify(record)}`);
const ipvsadm = () => execFileSync('ipvsadm', ['-Sn'], { encoding: 'utf8' });
const summary = (r) => ({ done: r.done.length, tolerated: r.tolerated.map((t) => t.errno), failures: r.failures });
const tableOf = async (port) => {
  const dumped = await port.dump();
  if (!dumped.ok) throw new Error(dumped.failure.message);
  return dumped;
};

const [vectors, ...cases] = process.argv.slice(2);
const opened = await openNetlinkPort();
if (!opened.ok) {
  emit({ step: 'open', failure: opened.failure });
  process.exit(1);
}
const port = opened.port;

for (const name of cases) {
  const parsed = parseIpvsadm(readFileSync(join(vectors, name, 'expected-ipvsadm-Sn.txt'), 'utf8'));
  if (!parsed.ok) throw new Error(`${name}: ${parsed.diagnostic.message}`);
  const desired = parsed.value;
  const started = Date.now();
  const ops = reconcile(desired, (await tableOf(port)).table);
  const applied = summary(await port.apply(ops));
  const kernel = ipvsadm();
  const dumped = await tableOf(port);
  const second = reconcile(desired, dumped.table).map(describeOp);
  // The same ops again: each one's goal already holds, so each is refused and tolerated.
  const replayed = summary(await port.apply(ops));
  const services = dumped.table.map((e) => e.service);
  const deleted = summary(await deleteServices(port, services));
  const deletedAgain = summary(await deleteServices(port, services));
  emit({
    step: 'case', name, ops: ops.length, applied, kernel, malformed: dumped.malformed, second, replayed, deleted, deletedAgain,
    left: ipvsadm(), leftDumped: (await tableOf(port)).table.length, ms: Date.now() - started,
  });
}

// Refusals that are real failures come back typed, with the op and the errno.
const [first] = parseIpvsadm(readFileSync(join(vectors, cases[0], 'expected-ipvsadm-Sn.txt'), 'utf8')).value;
const bad = await port.apply([
  { op: 'add-service', service: { ...first.service, scheduler: 'nosuch' } },
  { op: 'add-dest', service: first.service, dest: first.destinations[0] },
]);
emit({ step: 'errors', failures: bad.failures.map(({ action, errno, message }) => ({ action, errno, message })) });

// FLUSH empties the table whoever owns it.
await port.apply(reconcile([first], []));
const before = (await tableOf(port)).table.length;
emit({ step: 'flush', before, failure: await port.flush(), left: ipvsadm(), leftDumped: (await tableOf(port)).table.length });
port.close();
