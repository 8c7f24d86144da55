/**
 * `ipvsadm -Sn` text, as ipvsadm 1.31 prints it (save format, numeric), and
 * back: tests and the VM layer compare the table keepalived-ts programs with
 * what keepalived programmed for the same configuration.
 */
import { canonicalAddress, parseIPv4, type Family } from '../src/base/inet.js';
import { SVC_FLAG } from '../src/ipvs/constants.js';
import { DecodeError, decoded, failed, type Decoded } from '../src/ipvs/nla.js';
import {
  defaultNetmask,
  destinationId,
  serviceId,
  sortTable,
  type Destination,
  type Forwarding,
  type Protocol,
  type Service,
  type Table,
  type TableEntry,
  type TunnelChecksum,
} from '../src/ipvs/table.js';

const PROTOCOL_OPTION: Record<Protocol, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const FORWARDING_OPTION: Record<Forwarding['method'], string> = { NAT: '-m', DR: '-g', TUN: '-i' };
const CHECKSUM_OPTION: Record<TunnelChecksum, string> = {
  nocsum: '--tun-nocsum',
  csum: '--tun-csum',
  remcsum: '--tun-remcsum',
};

const hostPort = (family: Family, address: string, port: number): string =>
  family === 'inet' ? `${address}:${port}` : `[${address}]:${port}`;

function serviceName(s: Service): string {
  const k = s.key;
  if (k.kind === 'fwmark') return k.family === 'inet6' ? `-f ${k.fwmark} -6` : `-f ${k.fwmark}`;
  return `${PROTOCOL_OPTION[k.protocol]} ${hostPort(k.family, k.address, k.port)}`;
}

/** The names ipvsadm gives the scheduler flags: sh-* and mh-* for those schedulers, flag-N otherwise. */
function schedulerFlagNames(scheduler: string): readonly [number, string][] {
  if (scheduler === 'sh' || scheduler === 'mh') {
    return [
      [SVC_FLAG.SCHED1, `${scheduler}-fallback`],
      [SVC_FLAG.SCHED2, `${scheduler}-port`],
    ];
  }
  return [
    [SVC_FLAG.SCHED1, 'flag-1'],
    [SVC_FLAG.SCHED2, 'flag-2'],
    [SVC_FLAG.SCHED3, 'flag-3'],
  ];
}

const ipv4Mask = (n: number): string => [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff).join('.');

function serviceLine(s: Service): string {
  let line = `-A ${serviceName(s)} -s ${s.scheduler}`;
  if (s.flags & SVC_FLAG.PERSISTENT) {
    line += ` -p ${s.timeout}`;
    if (s.netmask !== defaultNetmask(s.key.family)) {
      line += ` -M ${s.key.family === 'inet' ? ipv4Mask(s.netmask) : s.netmask | 0}`;
    }
  }
  if (s.peName) line += ` --pe ${s.peName}`;
  if (s.flags & SVC_FLAG.ONEPACKET) line += ' -o';
  // ipvsadm prints "-b" for any scheduler flag, even one it has no name for (flag-3 of sh/mh).
  if (s.flags & (SVC_FLAG.SCHED1 | SVC_FLAG.SCHED2 | SVC_FLAG.SCHED3)) {
    const names = schedulerFlagNames(s.scheduler).filter(([bit]) => s.flags & bit);
    line += ` -b ${names.map(([, name]) => name).join(',')}`;
  }
  return line;
}

function destinationLine(s: Service, d: Destination): string {
  const f = d.forwarding;
  const line = `-a ${serviceName(s)} -r ${hostPort(d.family, d.address, d.port)} ${FORWARDING_OPTION[f.method]} -w ${d.weight}`;
  if (f.method !== 'TUN') return line;
  const t = f.tunnel;
  if (t.type === 'ipip') return `${line} --tun-type ipip`;
  if (t.type === 'gue') return `${line} --tun-type gue --tun-port ${t.port} ${CHECKSUM_OPTION[t.checksum]}`;
  return `${line} --tun-type gre ${CHECKSUM_OPTION[t.checksum]}`;
}

/** `ipvsadm -Sn` output for the table, in ipvsadm's sort order; thresholds are not part of it. */
export function renderIpvsadm(table: Table): string {
  return sortTable(table)
    .flatMap((e) => [serviceLine(e.service), ...e.destinations.map((d) => destinationLine(e.service, d))])
    .map((line) => `${line}\n`)
    .join('');
}

// ---- parsing ----

const VALUE_OPTIONS = new Set(['-t', '-u', '--sctp-service', '-f', '-s', '-M', '--pe', '-b', '-r', '-w', '-x', '-y', '--tun-type', '--tun-port']);
const FLAG_OPTIONS = new Set(['-6', '-o', '-m', '-g', '-i', '--tun-nocsum', '--tun-csum', '--tun-remcsum']);
/** ipvsadm's defaults, for hand-written input (-Sn always prints these options). */
const DEFAULT_SCHEDULER = 'wlc';
const DEFAULT_PERSISTENCE = 300;

/** Option → value (true for switches). */
type Options = Map<string, string | true>;

function tokenize(words: readonly string[]): Options {
  const opts: Options = new Map();
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (FLAG_OPTIONS.has(w)) opts.set(w, true);
    else if (w === '-p') opts.set(w, /^\d+$/.test(words[i + 1] ?? '') ? words[++i]! : String(DEFAULT_PERSISTENCE));
    else if (VALUE_OPTIONS.has(w) && i + 1 < words.length) opts.set(w, words[++i]!);
    else throw new DecodeError(`unexpected "${w}"`);
  }
  return opts;
}

function integer(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new DecodeError(`bad ${what} "${text}"`);
  return Number(text);
}

function parseHostPort(text: string): { family: Family; address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const family: Family = text.startsWith('[') ? 'inet6' : 'inet';
  const address = m ? canonicalAddress(family, m[1]!) : undefined;
  if (!m || address === undefined) throw new DecodeError(`bad address:port "${text}"`);
  return { family, address, port: integer(m[2]!, 'port', 0xffff) };
}

function serviceKeyOf(opts: Options): Service['key'] {
  const fwmark = opts.get('-f');
  if (typeof fwmark === 'string') {
    return { kind: 'fwmark', family: opts.has('-6') ? 'inet6' : 'inet', fwmark: integer(fwmark, 'fwmark', 0xffffffff) };
  }
  for (const protocol of ['tcp', 'udp', 'sctp'] as const) {
    const at = opts.get(PROTOCOL_OPTION[protocol]);
    if (typeof at === 'string') return { kind: 'address', protocol, ...parseHostPort(at) };
  }
  throw new DecodeError('no -t, -u, --sctp-service or -f');
}

function parseNetmask(family: Family, text: string): number {
  if (family === 'inet6') return integer(text, 'prefix length', 128);
  const bytes = parseIPv4(text);
  if (!bytes) throw new DecodeError(`bad netmask "${text}"`);
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

function parseSchedulerFlags(scheduler: string, text: string): number {
  const bits = new Map(schedulerFlagNames(scheduler).map(([bit, name]) => [name, bit]));
  let flags = 0;
  for (const name of text.split(',').filter((n) => n !== '')) {
    const bit = bits.get(name);
    if (bit === undefined) throw new DecodeError(`unknown scheduler flag "${name}" for ${scheduler}`);
    flags |= bit;
  }
  return flags;
}

function parseService(opts: Options): Service {
  const key = serviceKeyOf(opts);
  const value = (o: string): string | undefined => {
    const v = opts.get(o);
    return typeof v === 'string' ? v : undefined;
  };
  const scheduler = value('-s') ?? DEFAULT_SCHEDULER;
  const persistence = value('-p');
  const schedFlags = parseSchedulerFlags(scheduler, value('-b') ?? '');
  const mask = value('-M');
  const peName = value('--pe');
  return {
    key,
    scheduler,
    flags: (persistence !== undefined ? SVC_FLAG.PERSISTENT : 0) | (opts.has('-o') ? SVC_FLAG.ONEPACKET : 0) | schedFlags,
    timeout: persistence !== undefined ? integer(persistence, 'timeout', 0xffffffff) : 0,
    netmask: mask !== undefined ? parseNetmask(key.family, mask) : defaultNetmask(key.family),
    ...(peName ? { peName } : {}),
  };
}

function parseForwarding(opts: Options): Forwarding {
  if (opts.has('-m')) return { method: 'NAT' };
  if (!opts.has('-i')) return { method: 'DR' };
  const checksum: TunnelChecksum = opts.has('--tun-remcsum') ? 'remcsum' : opts.has('--tun-csum') ? 'csum' : 'nocsum';
  const type = opts.get('--tun-type') ?? 'ipip';
  if (type === 'ipip') return { method: 'TUN', tunnel: { type } };
  if (type === 'gre') return { method: 'TUN', tunnel: { type, checksum } };
  if (type !== 'gue') throw new DecodeError(`bad tunnel type "${String(type)}"`);
  const port = opts.get('--tun-port');
  if (typeof port !== 'string') throw new DecodeError('gue tunnel without --tun-port');
  return { method: 'TUN', tunnel: { type, port: integer(port, 'tunnel port', 0xffff), checksum } };
}

function parseDestination(opts: Options): Destination {
  const at = opts.get('-r');
  if (typeof at !== 'string') throw new DecodeError('no -r');
  const number = (o: string, fallback: number): number => {
    const v = opts.get(o);
    return typeof v === 'string' ? integer(v, o, 0x7fffffff) : fallback;
  };
  return {
    ...parseHostPort(at),
    forwarding: parseForwarding(opts),
    weight: number('-w', 1),
    upperThreshold: number('-x', 0),
    lowerThreshold: number('-y', 0),
  };
}

/** Parses `ipvsadm -Sn` (or `ipvsadm-save -n`) output; the first bad line gives the diagnostic. */
export function parseIpvsadm(text: string): Decoded<Table> {
  const entries = new Map<string, { service: Service; destinations: Map<string, Destination> }>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const words = lines[n]!.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) continue;
    try {
      const opts = tokenize(words);
      if (words[0] === '-A') {
        const service = parseService(opts);
        const id = serviceId(service.key);
        if (entries.has(id)) throw new DecodeError('service listed twice');
        entries.set(id, { service, destinations: new Map() });
      } else if (words[0] === '-a') {
        const entry = entries.get(serviceId(serviceKeyOf(opts)));
        if (!entry) throw new DecodeError('destination of a service not listed before it');
        const dest = parseDestination(opts);
        if (entry.destinations.has(destinationId(dest))) throw new DecodeError('destination listed twice');
        entry.destinations.set(destinationId(dest), dest);
      } else {
        throw new DecodeError(`unknown command "${words[0]}"`);
      }
    } catch (e) {
      if (e instanceof DecodeError) return failed(`line ${n + 1}: ${e.message}`);
      throw e;
    }
  }
  return decoded(
    [...entries.values()].map((e): TableEntry => ({ service: e.service, destinations: [...e.destinations.values()] })),
  );
}
