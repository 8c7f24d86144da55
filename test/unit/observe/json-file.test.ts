import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VrrpDumpInput } from '../../../src/observe/data-file.js';
import { jsonString, jsonText, watchSigJson, writeJsonFile } from '../../../src/observe/json-file.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { parseText } from '../config/vrrp-helpers.js';
import { Lan, Node } from '../vrrp/runner-world.js';
import { tempDir } from '../../tmp.js';

const S = 1_000_000;
const WALL_OFFSET_US = 1_700_000_000 * S;

function conf(priority: number): string {
  return [
    'vrrp_script chk_haproxy {\n script "/usr/local/bin/check.sh haproxy"\n interval 2\n weight 10\n}',
    'vrrp_instance VI_1 {',
    ' interface eth0',
    ' virtual_router_id 51',
    ` priority ${priority}`,
    ' advert_int 1',
    ' garp_master_delay 3',
    ' authentication {\n  auth_type PASS\n  auth_pass secret123\n }',
    ' track_interface {\n  eth1 weight -20\n }',
    ' track_script {\n  chk_haproxy\n }',
    ' virtual_ipaddress {\n  10.0.0.100/24\n  10.0.0.101\n }',
    ' virtual_ipaddress_excluded {\n  192.168.1.5/24 dev eth0\n }',
    ' notify_master "/usr/local/bin/check.sh master"',
    ' notify "/usr/local/bin/check.sh"',
    '}',
    '',
  ].join('\n');
}

/** Two nodes elected: n1 (150) MASTER, n2 (100) BACKUP. */
function elected(): { a: VrrpDumpInput; b: VrrpDumpInput } {
  const lan = new Lan();
  const nodes = [150, 100].map((priority, i) => {
    const parsed = parseText(conf(priority));
    const node = new Node(lan, `n${i + 1}`, `10.0.0.${i + 1}`, `fe80::${i + 1}`, vrrpSettingsFromConfig(parsed.result.config));
    return { node, config: parsed.result.config };
  });
  for (const { node } of nodes) node.runner.start({ scripts: { chk_haproxy: true } });
  lan.clock.advance(5 * S);
  expect(nodes.map(({ node }) => node.state())).toEqual(['MASTER', 'BACKUP']);
  const input = ({ node, config }: (typeof nodes)[number]): VrrpDumpInput => ({
    instances: node.runner.instances(),
    groups: node.runner.syncGroups(),
    config,
    wallOffsetUs: WALL_OFFSET_US,
  });
  return { a: input(nodes[0]!), b: input(nodes[1]!) };
}

/** vrrp_json.c's keys in its order (this build: VMAC, firewall and VRRP authentication on; no routes or rules). */
const DATA_KEYS = [
  'iname', 'dont_track_primary', 'skip_check_adv_addr', 'strict_mode', 'vmac_ifname', 'ifp_ifname', 'master_priority',
  'last_transition', 'garp_delay', 'garp_refresh', 'garp_rep', 'garp_refresh_rep', 'garp_lower_prio_delay', 'garp_lower_prio_rep',
  'lower_prio_no_advert', 'higher_prio_send_advert', 'vrid', 'base_priority', 'effective_priority', 'vipset', 'promote_secondaries',
  'adver_int', 'master_adver_int', 'accept', 'nopreempt', 'preempt_delay', 'state', 'wantstate', 'version', 'smtp_alert',
  'notify_deleted', 'script_master', 'script', 'vips', 'evips', 'track_ifp', 'track_script', 'auth_type', 'auth_data',
];
const STATS_KEYS = [
  'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err', 'ip_ttl_err',
  'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd', 'pri_zero_sent',
];

describe('keepalived.json', () => {
  const tmp = process.env.TMPDIR;
  afterEach(() => {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });

  it("has vrrp_json.c's keys, in its order, with keepalived's numbers", () => {
    const { a, b } = elected();
    const [master] = JSON.parse(jsonText(a)) as { data: Record<string, unknown>; stats: Record<string, number> }[];
    const [backup] = JSON.parse(jsonText(b)) as { data: Record<string, unknown>; stats: Record<string, number> }[];
    expect(Object.keys(master!)).toEqual(['data', 'stats']);
    expect(Object.keys(master!.data)).toEqual(DATA_KEYS);
    expect(Object.keys(master!.stats)).toEqual(STATS_KEYS);
    const view = a.instances[0]!;
    expect(master!.data).toEqual({
      iname: 'VI_1',
      dont_track_primary: 0,
      skip_check_adv_addr: 0,
      strict_mode: 0,
      vmac_ifname: '',
      ifp_ifname: 'eth0',
      master_priority: 0,
      last_transition: Number(((view.lastTransitionUs + WALL_OFFSET_US) / S).toFixed(6)),
      garp_delay: 3,
      garp_refresh: 0,
      garp_rep: 5,
      garp_refresh_rep: 1,
      garp_lower_prio_delay: 5,
      garp_lower_prio_rep: 5,
      lower_prio_no_advert: 0,
      higher_prio_send_advert: 0,
      vrid: 51,
      base_priority: 150,
      // chk_haproxy +10 up, eth1 -20 down (the simulated host has no eth1)
      effective_priority: 140,
      vipset: true,
      promote_secondaries: false,
      adver_int: 1,
      master_adver_int: 1,
      accept: 1,
      nopreempt: false,
      preempt_delay: 0,
      state: 2,
      wantstate: 2,
      version: 2,
      smtp_alert: false,
      notify_deleted: false,
      script_master: "'/usr/local/bin/check.sh' 'master'",
      script: "'/usr/local/bin/check.sh'",
      vips: ['10.0.0.100/24 dev eth0 scope global set', '10.0.0.101 dev eth0 scope global set'],
      evips: ['192.168.1.5/24 dev eth0 scope global set'],
      track_ifp: ['eth1'],
      track_script: ["'/usr/local/bin/check.sh' 'haproxy'"],
      auth_type: 1,
      auth_data: 'secret12',
    });
    expect(master!.stats).toEqual(Object.fromEntries(STATS_KEYS.map((k) => [k, view.stats[k as keyof typeof view.stats]])));
    expect(master!.stats.become_master).toBe(1);
    expect(master!.stats.advert_sent).toBeGreaterThan(0);
    expect(backup!.data).toMatchObject({ state: 1, wantstate: 1, master_priority: 140, vipset: false, effective_priority: 90 });
    expect(backup!.data.vips).toEqual(['10.0.0.100/24 dev eth0 scope global', '10.0.0.101 dev eth0 scope global']);
    expect(backup!.stats.advert_rcvd).toBeGreaterThan(0);
  });

  it("is json_writer's compact text: one line, `/` escaped, %f and %g numbers", () => {
    const { a } = elected();
    const text = jsonText(a);
    expect(text.endsWith(']\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(text.startsWith('[{"data":{"iname":"VI_1","dont_track_primary":0,')).toBe(true);
    expect(text).toMatch(/"last_transition":\d+\.\d{6},"garp_delay":3,/);
    expect(text).toContain('"adver_int":1,"master_adver_int":1,');
    expect(text).toContain('"vips":["10.0.0.100\\/24 dev eth0 scope global set","10.0.0.101 dev eth0 scope global set"]');
    expect(text).toContain('},"stats":{"advert_rcvd":');
    expect(jsonString('a/b"c\\d\te\u0001')).toBe('"a\\/b\\"c\\\\d\\te\\u0001"');
    expect(JSON.parse(jsonString('a/b"c\\d\te\u0001'))).toBe('a/b"c\\d\te\u0001');
  });

  it('reads as gen2brain/keepalived_exporter reads it: state names from the numbers, counters by name', () => {
    const { a, b } = elected();
    const names = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
    const read = (input: VrrpDumpInput) =>
      (JSON.parse(jsonText(input)) as { data: { iname: string; ifp_ifname: string; vrid: number; state: number }; stats: { advert_sent: number } }[]).map(
        ({ data, stats }) => ({ name: data.iname, intf: data.ifp_ifname, vrid: String(data.vrid), state: names[data.state], sent: stats.advert_sent }),
      );
    expect(read(a)).toEqual([{ name: 'VI_1', intf: 'eth0', vrid: '51', state: 'MASTER', sent: a.instances[0]!.stats.advert_sent }]);
    expect(read(b)).toEqual([{ name: 'VI_1', intf: 'eth0', vrid: '51', state: 'BACKUP', sent: 0 }]);
  });

  it('writes $TMPDIR/keepalived.json 0600, and nothing without instances', () => {
    process.env.TMPDIR = tempDir('json');
    const { a } = elected();
    const file = writeJsonFile(a, () => undefined);
    expect(file).toBe(path.join(process.env.TMPDIR, 'keepalived.json'));
    expect(fs.readFileSync(file!, 'utf8')).toBe(jsonText(a));
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
    fs.rmSync(file!);
    expect(writeJsonFile({ ...a, instances: [] }, () => undefined)).toBeUndefined();
    expect(fs.existsSync(file!)).toBe(false);
  });

  it('catches SIGRTMIN+2 through the native addon (Node cannot), and stops catching it', async () => {
    let calls = 0;
    let delivered: () => void = () => undefined;
    const watch = watchSigJson(() => {
      calls++;
      delivered();
    });
    expect(watch.signum).toBe(36);
    await new Promise<void>((resolve) => {
      delivered = resolve;
      process.kill(process.pid, watch.signum);
    });
    expect(calls).toBe(1);
    watch.stop();
    watch.stop();
  });
});
