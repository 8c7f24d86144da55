/**
 * The route and rule requests beside keepalived 2.2.7's: each configuration
 * in test/fixtures/routes/configs is run through the static entries and an
 * instance's route list as the VRRP process runs them (start, MASTER, stop),
 * every request encoded by src/net/route-requests.ts, and the whole sequence
 * compared with the one keepalived sent (<name>.messages, recorded with
 * strace by tools/record-route-fixtures.sh): the type, the flags and every
 * byte after the nlmsghdr but the attributes' alignment padding, where
 * keepalived leaves whatever its stack held (rta_addattr8/16).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { parseText } from '../config/vrrp-helpers.js';
import { routeRequest, ruleRequest } from '../../../src/net/route-requests.js';
import { RouteList } from '../../../src/vrrp/runner/route-list.js';
import { StaticEntries } from '../../../src/vrrp/runner/static-entries.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import type { AddressPort, InterfaceInfo, InterfacePort, RoutePort } from '../../../src/vrrp/ports.js';

const DIR = path.join(import.meta.dirname, '../../fixtures/routes');
const FLAG_NAMES: readonly [number, string][] = [
  [0x100, 'NLM_F_REPLACE'],
  [0x200, 'NLM_F_EXCL'],
  [0x400, 'NLM_F_CREATE'],
  [0x800, 'NLM_F_APPEND'],
];

function flagText(flags: number): string {
  return ['NLM_F_REQUEST', 'NLM_F_ACK', ...FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name)].join('|');
}

const RTA_METRICS = 8;
const RTA_MULTIPATH = 9;
const RTA_ENCAP = 22;
const LWTUNNEL_ENCAP_MPLS = 1;
const LWTUNNEL_ENCAP_ILA = 3;

/** Zeroes the padding after each attribute in bytes [from, to), inside the nests routes carry. */
function zeroPadding(b: Buffer, from: number, to: number, route: boolean): void {
  let at = from;
  while (at + 4 <= to) {
    const len = b.readUInt16LE(at);
    const type = b.readUInt16LE(at + 2) & 0x3fff;
    if (len < 4) return;
    const end = Math.min(to, (at + len + 3) & ~3);
    b.fill(0, at + len, end);
    if (route && (type === RTA_METRICS || type === RTA_ENCAP)) zeroPadding(b, at + 4, at + len, route);
    if (route && type === RTA_MULTIPATH) {
      for (let hop = at + 4; hop + 8 <= at + len; ) {
        const hopLen = b.readUInt16LE(hop);
        if (hopLen < 8) break;
        zeroPadding(b, hop + 8, hop + hopLen, route);
        hop += (hopLen + 3) & ~3;
      }
    }
    at = end;
  }
}

function normalized(line: string): string {
  const [type, flags, hex] = line.split(' ') as [string, string, string];
  const b = Buffer.from(hex, 'hex');
  zeroPadding(b, 12, b.length, type.endsWith('ROUTE'));
  return `${type} ${flags} ${b.toString('hex')}`;
}

function recorded(name: string): { ifindex: Record<string, number>; messages: string[] } {
  const [head, ...lines] = fs.readFileSync(path.join(DIR, `${name}.messages`), 'utf8').trim().split('\n');
  const ifindex = Object.fromEntries([...head!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  return { ifindex, messages: lines.map(normalized) };
}

/** What the VRRP process sends for `name`'s configuration, start to stop, as the recording's lines. */
async function ours(name: string, ifindex: Record<string, number>): Promise<string[]> {
  const text = fs.readFileSync(path.join(DIR, 'configs', `${name}.conf`), 'utf8');
  const settings = vrrpSettingsFromConfig(parseText(text).result.config);
  const sent: string[] = [];
  const of = (n: string): number | undefined => ifindex[n];
  const port: RoutePort = {
    route: async (op, spec) => {
      const r = routeRequest(op, spec, of);
      sent.push(`RTM_${op === 'delete' ? 'DEL' : 'NEW'}ROUTE ${flagText(r.flags)} ${r.body.toString('hex')}`);
      // the recording kernel had no MPLS or ILA lightweight tunnels: keepalived's add failed, so it never deleted them
      return spec.encap?.type === LWTUNNEL_ENCAP_MPLS || spec.encap?.type === LWTUNNEL_ENCAP_ILA ? 'EOPNOTSUPP' : undefined;
    },
    rule: async (op, spec) => {
      const r = ruleRequest(op, spec);
      sent.push(`RTM_${op === 'delete' ? 'DEL' : 'NEW'}RULE ${flagText(r.flags)} ${r.body.toString('hex')}`);
      return undefined;
    },
  };
  const iface = (n: string): InterfaceInfo | undefined =>
    ifindex[n] === undefined ? undefined : { name: n, index: ifindex[n], mac: new Uint8Array(6), up: true, noArp: false, addresses: [] };
  const interfaces: InterfacePort = { byName: iface, byIndex: () => undefined, all: () => [], onChange: () => undefined, close: () => undefined };
  const addresses: AddressPort = { add: async () => undefined, remove: async () => undefined };
  const { log } = fakeLogger();
  const statics = new StaticEntries(settings.statics, { interfaces, addresses, routes: port, log });
  const pending: Promise<unknown>[] = [];
  const lists = settings.instances.map((i) => new RouteList(i.routes, i.rules, { port, log: (l) => log.info(l), pending: (p) => pending.push(p) }));
  statics.clearLeftovers();
  for (const l of lists) l.remove(true);
  await statics.start();
  for (const l of lists) l.add();
  await Promise.allSettled(pending);
  for (const l of lists) l.remove();
  await Promise.allSettled(pending);
  await statics.stop();
  return sent;
}

const NAMES = fs.readdirSync(path.join(DIR, 'configs')).map((f) => path.basename(f, '.conf'));

describe('route and rule requests: byte for byte as keepalived 2.2.7 sent them', () => {
  for (const name of NAMES) {
    it(name, async () => {
      const { ifindex, messages } = recorded(name);
      expect(messages.length).toBeGreaterThan(0);
      expect((await ours(name, ifindex)).map(normalized)).toEqual(messages);
    });
  }
});
