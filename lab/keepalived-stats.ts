/**
 * keepalived.stats (what SIGUSR2 makes keepalived 2.2.7 and keepalived-ts write) read back as numbers:
 * `VI_1:Section.Label` (`VI_1:Packet Errors.TTL`) or `VI_1:Label` (`VI_1:Became master`) → value.
 */

export type KeepalivedStats = Record<string, number>;

export function parseKeepalivedStats(text: string): KeepalivedStats {
  const stats: KeepalivedStats = {};
  let instance: string | undefined;
  let section = '';
  for (const line of text.split('\n')) {
    const head = /^VRRP Instance: (\S+)/.exec(line);
    if (head) {
      instance = head[1];
      continue;
    }
    if (instance === undefined) continue;
    const m = /^( +)([^:]+):\s*(\d*)$/.exec(line);
    if (!m) continue;
    const [, indent, label, value] = m;
    if (indent!.length === 2) {
      if (value === '') section = label!;
      else stats[`${instance}:${label!}`] = Number(value);
    } else if (value !== '') stats[`${instance}:${section}.${label!}`] = Number(value);
  }
  return stats;
}

/** One instance's counters, without the `NAME:` prefix. */
export function instanceStats(stats: KeepalivedStats, instance: string): KeepalivedStats {
  const prefix = `${instance}:`;
  return Object.fromEntries(Object.entries(stats).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));
}
