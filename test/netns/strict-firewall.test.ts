/**
 * vrrp_strict's nftables drop rules beside keepalived 2.2.7: the same configuration (an IPv4 instance with an
 * eVIP, an IPv6 one with a link-local and a global VIP) run by keepalived, then by keepalived-ts, in the same
 * node. Once both instances are MASTER, `nft list ruleset` is the same, a ping from the peer node to a VIP gets
 * no answer from either (the node's own address does answer), and after SIGTERM no table is left. After a
 * SIGKILL the table stays behind; a restart deletes it (saying so) and builds one, as keepalived does. The
 * firewall's log lines are keepalived's. The same, short of the SIGKILL, with nftables/nftables_priority/
 * nftables_counters and no_accept, and with nftables_ifindex. Then a strict pair, keepalived and
 * keepalived-ts, elects as two keepalived nodes do. At a SIGHUP an instance that starts accepting leaves the
 * set as under keepalived. Alone on its node, an instance runs VRRPv3 at 0.1 s adverts, so that it is MASTER
 * 0.3 s after its start rather than 3.6 s: the firewall depends on neither (keepalived's vrrp_nftables.c and
 * src/vrrp/firewall/ read neither). The pair keeps VRRPv2 at 1 s: its subject is the election. Needs `npm run build`.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../tmp.js';
import { Lab, lastState, waitFor, type Daemon, type Running } from '../../lab/netns-lab.js';
import { requireNetnsOrSkip } from './netns.js';

const SUBNET = 87;
const V4 = `10.99.${SUBNET}.100`;
const V6 = `fd99:${SUBNET}::100`;

/**
 * The firewall options: vrrp_strict alone; a table of our own with a priority and counters and no_accept
 * without strict mode, dont_track_primary keying the link-local VIP by interface name; strict mode with
 * nftables_ifindex, which keys it by index even so; strict mode with VMACs (their IGMP/MLD part).
 */
const VARIANTS = {
  strict: { global: 'vrrp_strict', v4: '', v6: '' },
  options: { global: 'nftables kts_fw\n    nftables_priority -5\n    nftables_counters', v4: '    no_accept\n', v6: '    no_accept\n    dont_track_primary\n' },
  ifindex: { global: 'vrrp_strict\n    nftables_ifindex', v4: '', v6: '    dont_track_primary\n' },
  vmac: { global: 'vrrp_strict', v4: '    use_vmac\n', v6: '    use_vmac\n' },
  // a reload from noAccept to accepting: VI_1 starts accepting, VI_6 still needs the table
  noAccept: { global: '', v4: '    no_accept\n', v6: '    no_accept\n' },
  accepting: { global: '', v4: '    accept\n', v6: '    no_accept\n' },
} as const;
type Variant = keyof typeof VARIANTS;

/**
 * `linkLocal`: VI_6 also holds a link-local VIP (a pair leaves it out: its adverts then come from that address on one
 * side). `fast`: both instances VRRPv3 at 0.1 s (a node alone: the master-down wait is 0.3 s and the skew); a pair runs
 * VRRPv2 (VI_1) at 1 s.
 */
const instances = (priority: number, linkLocal = true, variant: Variant = 'strict', fast = true): string => `global_defs {
    ${VARIANTS[variant].global}
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id ${SUBNET}
    priority ${priority}
${fast ? '    version 3\n    advert_int 0.1' : '    advert_int 1'}
${VARIANTS[variant].v4}    virtual_ipaddress {
        ${V4}/24
    }
    virtual_ipaddress_excluded {
        10.99.${SUBNET}.102/24
    }
}
vrrp_instance VI_6 {
    interface eth0
    virtual_router_id ${SUBNET + 1}
    priority ${priority}
    advert_int ${fast ? '0.1' : '1'}
${VARIANTS[variant].v6}    virtual_ipaddress {
${linkLocal ? `        fe80::${SUBNET}/64\n` : ''}        ${V6}/64
    }
}
`;

/** The lines about the firewall, without the time stamps, in order per instance (the two instances interleave freely). */
const firewallLines = (r: Running): string[] =>
  r.lines
    .filter((l) => /firewall drop rule|no firewall configured|Deleting old|nftables:/.test(l))
    .map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, ''))
    .sort();

describe.skipIf(!requireNetnsOrSkip())('vrrp_strict firewall: keepalived-ts beside keepalived', () => {
  let lab: Lab;
  let node: string;
  let peer: string;
  beforeAll(() => {
    lab = new Lab(SUBNET, tempDir('strict-firewall'));
    node = lab.addNode(1);
    peer = lab.addNode(2);
  });
  afterAll(async () => {
    // a test that failed half way may leave a table: the namespaces go, and the tables with them
    await lab?.close();
  });

  // the counters count real packets: not what either daemon set
  const ruleset = (ns: string): string => execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }).replace(/counter packets \d+ bytes \d+/g, 'counter');
  /** One ping; a dropped one costs its 2 s wait, so callers probe several addresses at once. */
  const answers = (from: string, address: string): Promise<boolean> =>
    new Promise((resolve) => {
      const ping = spawn('ip', ['netns', 'exec', from, 'busybox', 'ping', '-q', '-c', '1', '-W', '2', address], { stdio: 'ignore', timeout: 10_000 });
      ping.once('exit', (code) => resolve(code === 0));
      ping.once('error', () => resolve(false));
    });
  /** The pings of `probes` (name → address, from the peer node) at once. */
  const answersFromPeer = async <K extends string>(probes: Record<K, string>): Promise<Record<K, boolean>> => {
    const names = Object.keys(probes) as K[];
    const results = await Promise.all(names.map((name) => answers(peer, probes[name])));
    return Object.fromEntries(names.map((name, i) => [name, results[i]])) as Record<K, boolean>;
  };
  /** On any link of the node: a VMAC holds its instance's VIPs. */
  const hasVip = (ns: string, address: string): boolean => execFileSync('ip', ['-n', ns, '-o', 'addr', 'show'], { encoding: 'utf8' }).includes(` ${address}/`);
  const masterOn = (ns: string, r: Running): boolean => lastState(r, 'VI_1') === 'MASTER' && lastState(r, 'VI_6') === 'MASTER' && hasVip(ns, V4) && hasVip(ns, V6);
  const bothMaster = (r: Running): boolean => masterOn(node, r);
  const bothMaster2 = (r: Running): boolean => masterOn(peer, r);

  async function masterOnce(daemon: Daemon, variant: Variant = 'strict'): Promise<{ running: Running; ruleset: string }> {
    const r = lab.start(node, daemon, instances(100, true, variant));
    await waitFor(`${daemon}: both instances MASTER`, () => bothMaster(r), 20_000, () => r.lines.join('\n'));
    // the elements go in before the VIPs: by now the sets are full
    return { running: r, ruleset: ruleset(node) };
  }

  interface Seen {
    master: string;
    vipAnswers: { v4: boolean; v6: boolean; own: boolean; own6: boolean };
    afterStop: string;
    afterKill: string;
    restarted: string;
    afterRestartStop: string;
    lines: string[];
    restartLines: string[];
  }

  async function run(daemon: Daemon, variant: Variant = 'strict'): Promise<Seen> {
    const first = await masterOnce(daemon, variant);
    const vipAnswers = await answersFromPeer({ v4: V4, v6: V6, own: `10.99.${SUBNET}.1`, own6: `fd99:${SUBNET}::1` });
    await lab.stop(first.running);
    const afterStop = ruleset(node);

    const killed = await masterOnce(daemon, variant);
    await lab.killAllAndWait(killed.running);
    // a dead daemon's VIPs go with a new start; its table stays until then
    const afterKill = ruleset(node);
    const restarted = await masterOnce(daemon, variant);
    await lab.stop(restarted.running);
    return {
      master: first.ruleset,
      vipAnswers,
      afterStop,
      afterKill,
      restarted: restarted.ruleset,
      afterRestartStop: ruleset(node),
      lines: firewallLines(first.running),
      restartLines: firewallLines(restarted.running),
    };
  }

  it('MASTER: the same ruleset, VIP traffic dropped; after SIGTERM nothing; after SIGKILL and a restart one table', { timeout: 180_000 }, async () => {
    const keepalived = await run('keepalived');
    const kats = await run('kats');
    expect(keepalived.master).toMatch(/table ip keepalived/);
    expect(keepalived.master).toContain(V4);
    expect(kats.master).toBe(keepalived.master);
    expect(keepalived.vipAnswers).toEqual({ v4: false, v6: false, own: true, own6: true });
    expect(kats.vipAnswers).toEqual(keepalived.vipAnswers);
    expect(keepalived.afterStop).toBe('');
    expect(kats.afterStop).toBe('');
    expect(keepalived.afterKill).toBe(keepalived.master);
    expect(kats.afterKill).toBe(keepalived.master);
    expect(kats.restarted).toBe(keepalived.restarted);
    expect(keepalived.restarted).toBe(keepalived.master);
    expect(kats.afterRestartStop).toBe('');
    expect(kats.lines).toEqual(keepalived.lines);
    expect(keepalived.restartLines).toContain('Deleting old ip keepalived table');
    expect(kats.restartLines).toEqual(keepalived.restartLines);
  });

  /** MASTER, the VIPs probed, SIGTERM. */
  async function once(daemon: Daemon, variant: Variant): Promise<{ master: string; vipAnswers: Record<string, boolean>; afterStop: string; lines: string[] }> {
    const r = await masterOnce(daemon, variant);
    const vipAnswers = await answersFromPeer({ v4: V4, v6: V6, own: `10.99.${SUBNET}.1` });
    await lab.stop(r.running);
    return { master: r.ruleset, vipAnswers, afterStop: ruleset(node), lines: firewallLines(r.running) };
  }

  it('SIGUSR1: keepalived.data shows the table keepalived picked for strict mode', { timeout: 120_000 }, async () => {
    const dumped = async (daemon: Daemon): Promise<string[]> => {
      const r = await masterOnce(daemon);
      const file = path.join(r.running.tmpDir, 'keepalived.data');
      const lines = (): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('nftables')) : []);
      r.running.proc.kill('SIGUSR1');
      await waitFor(`${daemon}'s keepalived.data`, () => lines().length > 0, 15_000, () => r.running.lines.join('\n'));
      await lab.stop(r.running);
      return lines();
    };
    const keepalived = await dumped('keepalived');
    expect(keepalived).toContain(' nftables table name = keepalived');
    expect(await dumped('kats')).toEqual(keepalived);
  });

  it('SIGHUP: an instance that starts accepting takes its VIP out of the set, as keepalived', { timeout: 120_000 }, async () => {
    const reloaded = async (daemon: Daemon): Promise<{ before: string; after: string; afterStop: string; lines: string[] }> => {
      const r = await masterOnce(daemon, 'noAccept');
      fs.writeFileSync(r.running.config, instances(100, true, 'accepting'));
      r.running.proc.kill('SIGHUP');
      await waitFor(`${daemon}: ${V4} out of the set`, () => !ruleset(node).includes(V4), 15_000, () => `${r.running.lines.join('\n')}\n${ruleset(node)}`);
      const after = ruleset(node);
      await lab.stop(r.running);
      return { before: r.ruleset, after, afterStop: ruleset(node), lines: firewallLines(r.running) };
    };
    const keepalived = await reloaded('keepalived');
    const kats = await reloaded('kats');
    expect(keepalived.before).toContain(V4);
    expect(keepalived.after).toContain(V6);
    expect(kats).toEqual(keepalived);
  });

  const SHOWN: Record<Exclude<Variant, 'strict' | 'noAccept' | 'accepting'>, RegExp> = {
    options: /table ip kts_fw[^]*priority filter - 5[^]*counter[^]*vips_link_local_name/,
    ifindex: /vips_link_local \{\n\t\ttype ipv6_addr \. iface_index/,
    vmac: /map vmac_map[^]*"vrrp\.87" : "eth0"[^]*igmp[^]*vips[^]*set vmac_set[^]*nd-router-solicit/,
  };
  it.each(['options', 'ifindex', 'vmac'] as const)('%s: the ruleset, the VIPs unreachable and the clean-up as keepalived', { timeout: 120_000 }, async (variant) => {
    const keepalived = await once('keepalived', variant);
    const kats = await once('kats', variant);
    expect(keepalived.master).toMatch(SHOWN[variant]);
    expect(kats).toEqual(keepalived);
    expect(keepalived.vipAnswers).toEqual({ v4: false, v6: false, own: true });
  });

  it('use_vmac after SIGKILL and a restart: the VMACs found again, their part not rebuilt, as keepalived', { timeout: 180_000 }, async () => {
    const keepalived = await run('keepalived', 'vmac');
    const kats = await run('kats', 'vmac');
    expect(keepalived.afterKill).toBe(keepalived.master);
    expect(keepalived.restarted).not.toContain('vmac_map');
    expect(kats).toEqual(keepalived);
  });

  it('a strict pair of keepalived and keepalived-ts elects and fails over as two keepalived nodes do', { timeout: 120_000 }, async () => {
    const pair = async (high: Daemon, low: Daemon): Promise<string[]> => {
      // one after the other: started together, the lower priority may time out first and be MASTER for a moment
      const a = lab.start(node, high, instances(150, false, 'strict', false));
      let b: Running | undefined;
      try {
        await waitFor(`${high} MASTER`, () => bothMaster(a), 20_000, () => a.lines.join('\n'));
        const backup = lab.start(peer, low, instances(100, false, 'strict', false));
        b = backup;
        await waitFor(`${low} BACKUP`, () => lastState(backup, 'VI_1') === 'BACKUP' && lastState(backup, 'VI_6') === 'BACKUP', 20_000, () => backup.lines.join('\n'));
        // longer than its master-down interval (3 adverts and the skew): it hears the MASTER and stays BACKUP; the
        // VIP is pinged from it meanwhile
        const [vipFromBackup] = await Promise.all([answers(peer, V4), new Promise((resolve) => setTimeout(resolve, 5000))]);
        const held = [lastState(backup, 'VI_1'), lastState(backup, 'VI_6'), ruleset(peer), String(vipFromBackup)];
        await lab.stop(a);
        await waitFor(`${low} MASTER`, () => bothMaster2(backup), 20_000, () => backup.lines.join('\n'));
        const masters = backup.lines.filter((l) => l.includes('Entering MASTER STATE')).length;
        return [...held.map(String), ruleset(peer), String(await answers(node, V4)), String(masters)];
      } finally {
        await lab.stop(a);
        if (b) await lab.stop(b);
      }
    };
    const keepalivedPair = await pair('keepalived', 'keepalived');
    // BACKUP without a table, the VIP unreachable from it; then MASTER once, with the table, the VIP unreachable from the first node
    expect(keepalivedPair.slice(0, 4)).toEqual(['BACKUP', 'BACKUP', '', 'false']);
    expect(keepalivedPair[4]).toContain(V6);
    expect(keepalivedPair.slice(5)).toEqual(['false', '2']);
    expect(await pair('keepalived', 'kats')).toEqual(keepalivedPair);
    expect(await pair('kats', 'keepalived')).toEqual(keepalivedPair);
  });
});
