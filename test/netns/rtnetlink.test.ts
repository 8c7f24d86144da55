/**
 * The rtnetlink interface table and address port against a real kernel:
 * the compiled modules run in a namespace (drivers/rtnetlink-driver.mjs),
 * and what they say and do is checked against `ip`. Needs `npm run build`.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceVips, type VipEntry } from '../../src/vrrp/settings/vips.js';
import { parseText } from '../unit/config/vrrp-helpers.js';
import { Netns, requireNetnsOrSkip } from './netns.js';

const DRIVER = path.resolve(import.meta.dirname, 'drivers/rtnetlink-driver.mjs');
const run = requireNetnsOrSkip();
const WAIT_MS = 5_000;

interface Address {
  family: string;
  address: string;
  prefixLen: number;
}
interface Info {
  name: string;
  index: number;
  mac: string;
  up: boolean;
  noArp: boolean;
  addresses: Address[];
}
interface Line {
  event?: 'ready' | 'change' | 'error' | 'route-deleted' | 'route-error';
  dst?: string;
  info?: Info;
  removed?: boolean;
  message?: string;
  id?: number;
  ok?: boolean;
  error?: string;
}

/** The driver process, its lines kept in order so a test can look for one after a mark. */
class Driver {
  readonly lines: Line[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private wake: (() => void)[] = [];
  private nextId = 1;

  constructor(ns: Netns) {
    this.child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, DRIVER]);
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      this.lines.push(JSON.parse(l) as Line);
      this.wake.splice(0).forEach((w) => w());
    });
  }

  mark(): number {
    return this.lines.length;
  }

  /** The first line at or after `from` that passes `test`. */
  async waitFor(test: (l: Line) => boolean, from = 0, what = 'a line', waitMs = WAIT_MS): Promise<Line> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = this.lines.slice(from).find(test);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`driver: no ${what} within ${waitMs} ms; heard ${JSON.stringify(this.lines.slice(from))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  async request(fields: { op: 'show' | 'add' | 'remove' | 'flood'; ifname?: string; vip?: VipEntry; ifindex?: number; lines?: string[] }): Promise<Line> {
    const id = this.nextId++;
    this.child.stdin.write(`${JSON.stringify({ id, ...fields })}\n`);
    return this.waitFor((l) => l.id === id, 0, `answer to ${fields.op}`);
  }

  async show(ifname: string): Promise<Info | undefined> {
    return (await this.request({ op: 'show', ifname })).info;
  }

  /** A change of `name` heard after `from` that passes `test`. */
  change(name: string, from: number, test: (l: Line) => boolean = () => true): Promise<Line> {
    return this.waitFor((l) => l.event === 'change' && l.info?.name === name && test(l), from, `change of ${name}`);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, WAIT_MS))]);
    this.child.kill();
  }
}

/** The VIPs of an IPv4 instance on eth0, keyed by address: `v4` lines as virtual_ipaddress, `v6` as virtual_ipaddress_excluded. */
function vipsOf(v4: string[], v6: string[]): Map<string, VipEntry> {
  const block = (name: string, lines: string[]): string => ` ${name} {\n${lines.map((l) => `  ${l}\n`).join('')} }\n`;
  const parsed = parseText(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n${block('virtual_ipaddress', v4)}${block('virtual_ipaddress_excluded', v6)}}\n`);
  expect(parsed.messages).toEqual([]);
  const { table } = instanceVips(parsed.result.config.vrrp.instances[0]!, 'eth0', undefined);
  return new Map([...table.values()].map((v) => [v.address, v]));
}

interface IpAddrInfo {
  family: string;
  local: string;
  address?: string;
  prefixlen: number;
  broadcast?: string;
  label?: string;
  nodad?: boolean;
  preferred_life_time?: number;
}

describe.skipIf(!run)('rtnetlink interface table and address port in a namespace', () => {
  let ns: Netns;
  let driver: Driver;
  const ipJson = <T>(...args: string[]): T => JSON.parse(execFileSync('ip', ['-n', ns.name, '-j', ...args], { encoding: 'utf8' })) as T;
  const ipAddrs = (dev: string): IpAddrInfo[] => ipJson<{ addr_info: IpAddrInfo[] }[]>('addr', 'show', 'dev', dev)[0]!.addr_info;
  const asTable = (dev: string): Address[] => ipAddrs(dev).map((a) => ({ family: a.family, address: a.local, prefixLen: a.prefixlen }));
  const ipAddr = (dev: string, local: string): IpAddrInfo | undefined => ipAddrs(dev).find((a) => a.local === local);

  /** Waits until the table's view of `dev`'s addresses is `ip`'s. */
  async function tableMatchesIp(dev: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const ours = (await driver.show(dev))?.addresses;
      const theirs = asTable(dev);
      if (JSON.stringify(ours) === JSON.stringify(theirs) || Date.now() > deadline) return expect(ours).toEqual(theirs);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    ns = new Netns('rtnl');
    ns.addVeths(['eth0', 'eth1']);
    ns.ip('addr', 'add', '10.99.0.1/24', 'dev', 'eth0');
    ns.ip('addr', 'add', 'fd99::1/64', 'dev', 'eth0', 'nodad');
    ns.ip('link', 'add', 'ifb9', 'type', 'ifb');
    driver = new Driver(ns);
    await driver.waitFor((l) => l.event === 'ready', 0, 'ready');
  });
  afterAll(async () => {
    await driver?.stop();
    ns?.delete();
  });

  it('dumps the links as ip sees them: index, MAC, up (UP and RUNNING), NOARP', async () => {
    const link = ipJson<{ ifindex: number; address: string }[]>('link', 'show', 'dev', 'eth0')[0]!;
    expect(await driver.show('eth0')).toMatchObject({ name: 'eth0', index: link.ifindex, mac: link.address.replaceAll(':', ''), up: true, noArp: false });
    expect(await driver.show('ifb9')).toMatchObject({ name: 'ifb9', up: false, noArp: true });
    expect(await driver.show('nosuch0')).toBeUndefined();
    await tableMatchesIp('lo');
    await tableMatchesIp('eth0');
    expect((await driver.show('eth0'))!.addresses.slice(0, 2)).toEqual([
      { family: 'inet', address: '10.99.0.1', prefixLen: 24 },
      { family: 'inet6', address: 'fd99::1', prefixLen: 64 },
    ]);
  });

  it('adds an IPv4 VIP with a label and broadcast and an IPv6 VIP, hears them, and adds them again without error', async () => {
    const vips = vipsOf(['10.99.1.10/24 brd + label eth0:vip'], ['fd99::10']);
    const from = driver.mark();
    for (const vip of vips.values()) expect(await driver.request({ op: 'add', vip })).toMatchObject({ ok: true });
    expect(ipAddr('eth0', '10.99.1.10')).toMatchObject({ prefixlen: 24, broadcast: '10.99.1.255', label: 'eth0:vip' });
    expect(ipAddr('eth0', 'fd99::10')).toMatchObject({ prefixlen: 128, nodad: true, preferred_life_time: 0 });
    const has = (l: Line, address: string): boolean => !!l.info?.addresses.some((a) => a.address === address);
    await driver.change('eth0', from, (l) => has(l, '10.99.1.10') && has(l, 'fd99::10'));
    for (const vip of vips.values()) expect(await driver.request({ op: 'add', vip })).toMatchObject({ ok: true });
    await tableMatchesIp('eth0');
  });

  it('removes them, hears it, and removes them again without error', async () => {
    const vips = vipsOf(['10.99.1.10/24 brd + label eth0:vip'], ['fd99::10']);
    const from = driver.mark();
    for (const vip of vips.values()) expect(await driver.request({ op: 'remove', vip })).toMatchObject({ ok: true });
    expect(ipAddr('eth0', '10.99.1.10')).toBeUndefined();
    expect(ipAddr('eth0', 'fd99::10')).toBeUndefined();
    await driver.change('eth0', from, (l) => !l.info!.addresses.some((a) => a.address === '10.99.1.10' || a.address === 'fd99::10'));
    for (const vip of vips.values()) expect(await driver.request({ op: 'remove', vip })).toMatchObject({ ok: true });
    await tableMatchesIp('eth0');
  });

  it('adds and removes an address with a peer', async () => {
    const vip = vipsOf(['10.99.2.1 peer 10.99.2.2'], []).get('10.99.2.1')!;
    expect(await driver.request({ op: 'add', vip })).toMatchObject({ ok: true });
    expect(ipAddr('eth0', '10.99.2.1')).toMatchObject({ address: '10.99.2.2', prefixlen: 32 });
    expect(await driver.request({ op: 'remove', vip })).toMatchObject({ ok: true });
    expect(ipAddr('eth0', '10.99.2.1')).toBeUndefined();
  });

  it('rejects naming the address and device, except a remove from a vanished interface', async () => {
    const vip = vipsOf(['10.99.1.10/24'], []).get('10.99.1.10')!;
    expect(await driver.request({ op: 'add', vip, ifindex: 99_999 })).toMatchObject({ ok: false, error: 'cannot add 10.99.1.10/24 dev eth0: ENODEV' });
    expect(await driver.request({ op: 'remove', vip, ifindex: 99_999 })).toMatchObject({ ok: true });
  });

  it('keeps addresses in the kernel order: primaries, secondaries, promotion, IPv6 by scope', async () => {
    ns.ip('addr', 'add', '10.99.0.2/24', 'dev', 'eth0');
    ns.ip('addr', 'add', '10.99.5.1/24', 'dev', 'eth0');
    ns.ip('addr', 'add', 'fd99::20/64', 'dev', 'eth0', 'nodad');
    await tableMatchesIp('eth0');
    expect(ns.run('sysctl', ['-qw', 'net.ipv4.conf.eth0.promote_secondaries=1']).status).toBe(0);
    ns.ip('addr', 'del', '10.99.0.1/24', 'dev', 'eth0');
    await tableMatchesIp('eth0');
    expect((await driver.show('eth0'))!.addresses[0]).toEqual({ family: 'inet', address: '10.99.5.1', prefixLen: 24 });
  });

  it('hears a link go down and up, and lose and regain its carrier', async () => {
    let from = driver.mark();
    ns.ip('link', 'set', 'dev', 'eth0', 'down');
    await driver.change('eth0', from, (l) => l.info!.up === false);
    from = driver.mark();
    ns.ip('link', 'set', 'dev', 'eth0', 'up');
    await driver.change('eth0', from, (l) => l.info!.up === true);
    from = driver.mark();
    ns.ip('link', 'set', 'dev', 'peer0', 'down');
    await driver.change('eth0', from, (l) => l.info!.up === false);
    from = driver.mark();
    ns.ip('link', 'set', 'dev', 'peer0', 'up');
    await driver.change('eth0', from, (l) => l.info!.up === true);
    await tableMatchesIp('eth0');
  });

  it('follows links appearing, renamed, leaving a bridge (still there) and deleted', async () => {
    let from = driver.mark();
    ns.ip('link', 'add', 'tmp0', 'type', 'veth', 'peer', 'name', 'tmp1');
    const added = await driver.change('tmp0', from, (l) => !l.removed);
    const index = added.info!.index;
    from = driver.mark();
    ns.ip('link', 'set', 'dev', 'tmp0', 'name', 'tmp2');
    expect((await driver.change('tmp2', from)).info!.index).toBe(index);
    expect(await driver.show('tmp0')).toBeUndefined();
    from = driver.mark();
    ns.ip('link', 'add', 'br9', 'type', 'bridge');
    ns.ip('link', 'set', 'dev', 'tmp2', 'master', 'br9');
    ns.ip('link', 'set', 'dev', 'tmp2', 'nomaster');
    ns.ip('link', 'del', 'dev', 'br9');
    await driver.change('br9', from, (l) => l.removed === true);
    expect(driver.lines.slice(from).filter((l) => l.removed && l.info?.index === index)).toEqual([]);
    expect(await driver.show('tmp2')).toMatchObject({ index });
    from = driver.mark();
    ns.ip('link', 'del', 'dev', 'tmp2');
    expect((await driver.change('tmp2', from, (l) => l.removed === true)).info!.index).toBe(index);
    await driver.change('tmp1', from, (l) => l.removed === true);
    expect(await driver.show('tmp2')).toBeUndefined();
  });

  it('reported no error all along', () => {
    expect(driver.lines.filter((l) => l.event === 'error')).toEqual([]);
  });

  it('reads the interfaces again when the kernel overruns its socket, so no address change is lost', async () => {
    const addresses = Array.from({ length: 3000 }, (_, i) => `10.99.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`);
    const from = driver.mark();
    expect(await driver.request({ op: 'flood', lines: addresses.map((a) => `addr add ${a}/32 dev eth1`) })).toMatchObject({ ok: true });
    await driver.waitFor((l) => l.event === 'error' && !!l.message?.startsWith('Receive buffer overrun on monitor socket'), from, 'the overrun');
    await tableMatchesIp('eth1');
    expect((await driver.show('eth1'))!.addresses.filter((a) => a.family === 'inet')).toHaveLength(3000);
    const again = driver.mark();
    expect(await driver.request({ op: 'flood', lines: addresses.map((a) => `addr del ${a}/32 dev eth1`) })).toMatchObject({ ok: true });
    await driver.waitFor((l) => l.event === 'error' && !!l.message?.startsWith('Receive buffer overrun on monitor socket'), again, 'the overrun');
    await tableMatchesIp('eth1');
  });
  it('keeps hearing deleted routes after the kernel overruns the route monitor socket', async () => {
    ns.ip('addr', 'add', '10.99.7.1/24', 'dev', 'eth1');
    const dsts = Array.from({ length: 3000 }, (_, i) => `10.${100 + Math.floor(i / 250)}.${i % 250}.0`);
    const from = driver.mark();
    expect(await driver.request({ op: 'flood', lines: dsts.map((d) => `route add ${d}/24 via 10.99.7.2 proto 18`) })).toMatchObject({ ok: true });
    await driver.waitFor((l) => l.event === 'route-error' && !!l.message?.startsWith('Receive buffer overrun on route monitor socket'), from, 'the overrun');
    // After an overrun the kernel drops every notification until the reader has emptied the socket (netlink's
    // CONGESTED state; keepalived's socket loses them too): delete one route after another until one is heard.
    const after = driver.mark();
    let heard: Line | undefined;
    for (const dst of dsts.slice(0, 20)) {
      ns.ip('route', 'del', `${dst}/24`, 'via', '10.99.7.2', 'proto', '18');
      heard = await driver.waitFor((l) => l.event === 'route-deleted', after, 'a deleted route', 500).catch(() => undefined);
      if (heard) break;
    }
    expect(heard?.dst).toBeDefined();
    expect(dsts.slice(0, 20)).toContain(heard!.dst);
  });
});
