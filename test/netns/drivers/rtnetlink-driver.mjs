/**
 * Runs inside a namespace: the compiled interface table and address port,
 * driven by JSON lines on stdin ({id, op: 'show'|'add'|'remove'|'flood', ifname?,
 * vip?, ifindex?, lines?}), answering ({id, ok, info?, error?}) and reporting every
 * table change ({event: 'change', info, removed}) as JSON lines on stdout.
 * 'flood' runs `ip -batch` over `lines` with the event loop blocked meanwhile,
 * so that the kernel's notifications overrun the listening socket. A route
 * monitor watching IPv4 routes reports ({event: 'route-deleted', dst}) and
 * its errors ({event: 'route-error', message}).
 */
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rtnetlinkAddressPort } from '../../../dist/src/net/addresses.js';
import { openInterfaceTable } from '../../../dist/src/net/interfaces.js';
import { RouteMonitor } from '../../../dist/src/net/route-monitor.js';

const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
// JSON has no Uint8Array: the MAC travels as hex.
const view = (info) => info && { ...info, mac: Buffer.from(info.mac).toString('hex') };

// the kernel's default receive buffer, which thousands of changes overrun (the daemon asks for 4 MiB)
const RCVBUF = 212992;
const table = await openInterfaceTable((e) => say({ event: 'error', message: e.message }), RCVBUF);
table.onChange((info, removed) => say({ event: 'change', info: view(info), removed }));
const port = rtnetlinkAddressPort();
const routes = new RouteMonitor({
  receiveBuffer: RCVBUF,
  deleted: (d) => d.kind === 'route' && say({ event: 'route-deleted', dst: d.route.dst && [...d.route.dst].join('.') }),
  malformed: (reason) => say({ event: 'route-error', message: reason }),
  error: (e) => say({ event: 'route-error', message: e.message }),
});
routes.watch({ ipv4Routes: true, ipv6Routes: false, ipv4Rules: false, ipv6Rules: false });
say({ event: 'ready' });

for await (const line of createInterface({ input: process.stdin })) {
  const { id, op, ifname, vip, ifindex, lines } = JSON.parse(line);
  try {
    if (op === 'flood') {
      const ran = spawnSync('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
      say({ id, ok: ran.status === 0, error: ran.stderr });
      continue;
    }
    if (op === 'show') {
      say({ id, ok: true, info: view(table.byName(ifname)) });
      continue;
    }
    const index = ifindex ?? table.byName(vip.device)?.index;
    if (index === undefined) throw new Error(`no interface ${vip.device}`);
    await port[op](vip, index);
    say({ id, ok: true });
  } catch (e) {
    say({ id, ok: false, error: e.message });
  }
}
table.close();
routes.close();
