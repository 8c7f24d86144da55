/**
 * The IPVS vectors (../shared/vectors/ipvs/*): configurations keepalived
 * 2.2.7 programmed into a real kernel, with the resulting `ipvsadm -Sn`.
 * Each must parse cleanly, and the model must carry everything that table
 * is made of: the table is rebuilt here from the model alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addressBytes } from '../../../src/config/check/address.js';
import { SVC_FLAG, type RealServer, type VirtualServer, type VirtualServerGroup } from '../../../src/config/check/index.js';
import { parseConfig } from '../../../src/config/parse.js';
import { formatAddress } from '../../../src/inet.js';
import { fakeSystem } from './check-helpers.js';

const VECTORS = path.resolve(import.meta.dirname, '../../../../shared/vectors/ipvs');
const cases = fs.existsSync(VECTORS) ? fs.readdirSync(VECTORS).filter((d) => fs.existsSync(path.join(VECTORS, d, 'keepalived.conf'))) : [];

const hostPort = (address: string, family: string, port: number): string => (family === 'inet6' ? `[${address}]:${port}` : `${address}:${port}`);

/** The addresses of a group range entry, first to last. */
function expand(family: 'inet' | 'inet6', start: string, end: string): string[] {
  const a = addressBytes({ family, address: start });
  const last = addressBytes({ family, address: end });
  const out: string[] = [];
  for (let b = [...a]; ; ) {
    out.push(formatAddress(family, Uint8Array.from(b)));
    if (b.every((x, i) => x === last[i])) return out;
    for (let i = b.length - 1; i >= 0 && ++b[i]! > 255; i--) b[i] = 0;
  }
}

/** `-A …` service options as ipvsadm -Sn prints them. */
function serviceOptions(vs: VirtualServer): string {
  let s = ` -s ${vs.scheduler}`;
  if (vs.persistenceTimeout) s += ` -p ${vs.persistenceTimeout}`;
  if (typeof vs.persistenceGranularity === 'string' && vs.persistenceGranularity !== '255.255.255.255') s += ` -M ${vs.persistenceGranularity}`;
  const sched = vs.scheduler === 'sh' || vs.scheduler === 'mh' ? vs.scheduler : 'flag';
  const names = [vs.flags & SVC_FLAG.sched1 && `${sched}-fallback`, vs.flags & SVC_FLAG.sched2 && `${sched}-port`].filter(Boolean);
  if (names.length) s += ` -b ${names.join(',')}`;
  if (vs.flags & SVC_FLAG.onePacket) s += ' -o';
  return s;
}

function destination(service: string, rs: RealServer, port: number): string {
  const method = { NAT: '-m', DR: '-g', TUN: '-i' }[rs.forwarding.method];
  const tun = rs.forwarding.method === 'TUN' ? ` --tun-type ${rs.forwarding.tunnelType}` : '';
  return `-a ${service} -r ${hostPort(rs.addr.address, rs.addr.family, port)} ${method} -w ${rs.weight}${tun}`;
}

/** The table with every real server up (what the vectors recorded once the checks had passed). */
function table(servers: readonly VirtualServer[], groups: readonly VirtualServerGroup[]): string[] {
  const lines: string[] = [];
  for (const vs of servers) {
    const proto = vs.protocol === 'udp' ? '-u' : vs.protocol === 'sctp' ? '--sctp-service' : '-t';
    const services: { spec: string; port: number }[] = [];
    if (vs.key.kind === 'address') services.push({ spec: `${proto} ${hostPort(vs.key.addr.address, vs.family, vs.key.addr.port)}`, port: vs.key.addr.port });
    else if (vs.key.kind === 'fwmark') services.push({ spec: `-f ${vs.key.fwmark}`, port: 0 });
    else {
      const key = vs.key;
      for (const e of groups.find((g) => g.name === key.group)!.entries) {
        if (e.kind === 'fwmark') services.push({ spec: `-f ${e.fwmark}`, port: 0 });
        else for (const a of expand(e.family, e.start, e.end)) services.push({ spec: `${proto} ${hostPort(a, e.family, e.port)}`, port: e.port });
      }
    }
    for (const s of services) {
      lines.push(`-A ${s.spec}${serviceOptions(vs)}`);
      for (const rs of vs.realServers) lines.push(destination(s.spec, rs, rs.forwarding.method === 'NAT' || vs.key.kind === 'group' ? rs.addr.port : s.port));
    }
  }
  return lines;
}

describe.skipIf(cases.length === 0)('IPVS vectors', () => {
  it.each(cases)('%s parses cleanly into the table keepalived programmed', (name) => {
    const dir = path.join(VECTORS, name);
    const r = parseConfig('keepalived.conf', { cwd: dir, system: fakeSystem(), testMode: true, randomSeed: 1 });
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    expect(r.exitCode).toBe(0);
    const expected = fs.readFileSync(path.join(dir, 'expected-ipvsadm-Sn.txt'), 'utf8').split('\n').filter(Boolean);
    expect(table(r.config.check.virtualServers, r.config.check.groups).sort()).toEqual([...expected].sort());
  });
});
