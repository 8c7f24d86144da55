/**
 * Names for routing numbers (tables, scopes, protocols, realms, dsfields,
 * groups, route types), as keepalived resolves them: a number (strtoul base
 * 0) within range, else the iproute2 files under /etc/iproute2 plus
 * keepalived's built-in defaults for ids the files do not name.
 */
import { parseCInteger } from '../numbers.js';
import type { SystemPort } from '../system.js';

type Entry = readonly [id: number, name: string];

const RT_TABLE_MAX = 0xffffffff;

const DEFAULTS: Record<string, readonly Entry[]> = {
  rt_tables: [
    [253, 'default'],
    [254, 'main'],
    [255, 'local'],
  ],
  rt_protos: [
    [0, 'none'],
    [1, 'redirect'],
    [2, 'kernel'],
    [3, 'boot'],
    [4, 'static'],
    [8, 'gated'],
    [9, 'ra'],
    [10, 'mrt'],
    [11, 'zebra'],
    [12, 'bird'],
    [42, 'babel'],
    [13, 'dnrouted'],
    [14, 'xorp'],
    [15, 'ntk'],
    [16, 'dhcp'],
  ],
  rt_scopes: [
    [0, 'global'],
    [255, 'nowhere'],
    [254, 'host'],
    [253, 'link'],
    [200, 'site'],
  ],
};

/** Route types (`ip route add TYPE PREFIX`) by name. */
const RTN_TYPES: Record<string, number> = {
  local: 2,
  nat: 10,
  broadcast: 3,
  brd: 3,
  anycast: 4,
  multicast: 5,
  prohibit: 8,
  unreachable: 7,
  blackhole: 6,
  xresolve: 11,
  unicast: 1,
  throw: 9,
};
export const RTN_BLACKHOLE = 6;
export const RTN_UNREACHABLE = 7;
export const RTN_PROHIBIT = 8;

/** A route type name (`ip route add TYPE PREFIX`) or number 0..255 as its number (rtnl_rtntype_a2n). */
export function routeTypeNumber(name: string): number | undefined {
  if (name in RTN_TYPES) return RTN_TYPES[name];
  const n = parseCInteger(name, 0);
  return name.startsWith('-') || n.trailing || n.value > 255 ? undefined : n.value;
}

export interface RtTables {
  table(name: string): number | undefined;
  dsfield(name: string): number | undefined;
  group(name: string): number | undefined;
  realm(name: string): number | undefined;
  protocol(name: string): number | undefined;
  scope(name: string): number | undefined;
  /** A route type name or number 0..255. */
  routeType(name: string): number | undefined;
}

/** Each file is read once, when a name is first looked up in it; a missing file leaves the defaults. */
export function rtTables(files: Pick<SystemPort, 'readText'>): RtTables {
  const lists = new Map<string, Entry[]>();
  const list = (file: string, max: number): Entry[] => {
    let entries = lists.get(file);
    if (entries) return entries;
    entries = [];
    const read = files.readText(`/etc/iproute2/${file}`, 'utf8');
    for (const line of ('text' in read ? read.text : '').split('\n')) {
      const words = line.replace(/[#!].*/, '').trim().split(/\s+/).filter(Boolean);
      if (words.length !== 2) continue;
      const n = parseCInteger(words[0]!, 0);
      if (words[0]!.startsWith('-') || n.trailing || n.value > max) continue;
      entries.push([n.value, words[1]!]);
    }
    for (const d of DEFAULTS[file] ?? []) if (!entries.some(([id]) => id === d[0])) entries.push(d);
    lists.set(file, entries);
    return entries;
  };
  const find = (file: string, max: number) => (name: string): number | undefined => {
    const n = parseCInteger(name, 0);
    if (name.length > 0 && !n.trailing) return n.value <= max ? n.value : undefined;
    return list(file, max).find(([, entryName]) => entryName === name)?.[0];
  };
  return {
    table: find('rt_tables', RT_TABLE_MAX),
    dsfield: find('rt_dsfield', 255),
    group: find('group', 0x7fffffff),
    realm: find('rt_realms', 255),
    protocol: find('rt_protos', 255),
    scope: find('rt_scopes', 255),
    routeType: routeTypeNumber,
  };
}
