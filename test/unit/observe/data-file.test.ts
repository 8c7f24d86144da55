import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ctimeUs, dataFileName, dataText, timevalText, writeDataFile, type VrrpDumpInput } from '../../../src/observe/data-file.js';
import { formatG } from '../../../src/observe/dump-format.js';
import type { Config } from '../../../src/config/parse.js';
import { vrrpSettingsFromConfig } from '../../../src/vrrp/settings/from-config.js';
import { parseText } from '../config/vrrp-helpers.js';
import { Lan, Node } from '../vrrp/runner-world.js';
import { tempDir } from '../../tmp.js';

const S = 1_000_000;
/** 2023-11-14 22:13:20 UTC on the fake clock's 0. */
const WALL_OFFSET_US = 1_700_000_000 * S;

function conf(priority: number, extra = ''): string {
  return [
    'global_defs {\n router_id lb1\n}',
    'vrrp_script chk_haproxy {\n script "/usr/local/bin/check.sh haproxy"\n interval 2\n weight 10\n}',
    'vrrp_instance VI_1 {',
    ' interface eth0',
    ' virtual_router_id 51',
    ` priority ${priority}`,
    ' advert_int 1',
    ' authentication {\n  auth_type PASS\n  auth_pass secret123\n }',
    ' track_script {\n  chk_haproxy\n }',
    extra,
    ' virtual_ipaddress {\n  10.0.0.100/24\n  10.0.0.101\n }',
    ' virtual_ipaddress_excluded {\n  192.168.1.5/24 dev eth0 label eth0:1\n }',
    ' notify_master "/usr/local/bin/check.sh master"',
    '}',
    '',
  ].join('\n');
}

interface Built {
  node: Node;
  config: Config;
}

function build(lan: Lan, n: number, text: string): Built {
  const parsed = parseText(text);
  expect(parsed.result.config.vrrp.instances).toHaveLength(1);
  const node = new Node(lan, `n${n}`, `10.0.0.${n}`, `fe80::${n}`, vrrpSettingsFromConfig(parsed.result.config));
  return { node, config: parsed.result.config };
}

function input({ node, config }: Built, scripts: VrrpDumpInput['scripts'] = []): VrrpDumpInput {
  return { instances: node.runner.instances(), groups: node.runner.syncGroups(), config, scripts, wallOffsetUs: WALL_OFFSET_US, ifindex: () => 2 };
}

/** Two nodes elected: n1 (150) MASTER, n2 (100) BACKUP, both with chk_haproxy reporting OK. */
function elected(extra = ''): { lan: Lan; a: Built; b: Built } {
  const lan = new Lan();
  const a = build(lan, 1, conf(150, extra));
  const b = build(lan, 2, conf(100, extra));
  a.node.runner.start({ scripts: { chk_haproxy: true } });
  b.node.runner.start({ scripts: { chk_haproxy: true } });
  lan.clock.advance(5 * S);
  expect([a.node.state(), b.node.state()]).toEqual(['MASTER', 'BACKUP']);
  return { lan, a, b };
}

/**
 * mehdy/keepalived-exporter's keepalived.data parsers (internal/collector/parser.go ParseVRRPData,
 * ParseVRRPScript, ParseVIP), restated: the exporter's view of our file.
 */
const EXPORTER_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
interface ExporterData {
  iname: string;
  state?: number;
  wantState?: number;
  intf?: string;
  garpDelay?: number;
  vrid?: number;
  vips: string[];
  excludedVips: string[];
}

function exporterParseData(text: string): Map<string, ExporterData> {
  const data = new Map<string, ExporterData>();
  let instance = '';
  let key = '';
  let val = '';
  const stateOf = (v: string): number => {
    const i = EXPORTER_STATES.indexOf(v);
    if (i < 0) throw new Error(`Unknown state found: ${v}`);
    return i;
  };
  const int = (v: string): number => {
    if (!/^[+-]?\d+$/.test(v)) throw new Error(`not an int: ${v}`);
    return Number(v);
  };
  for (const l of text.split('\n')) {
    if (l.startsWith(' VRRP Instance') && l.includes('=')) {
      instance = l.trim().split('=')[1]!.trim();
      data.set(instance, { iname: instance, vips: [], excludedVips: [] });
    } else if (l.startsWith('   ') && instance !== '') {
      if (l.startsWith('     ')) val = l.trim();
      else {
        let args: string[];
        if (l.includes('=')) args = l.trim().split('=');
        else if (l.includes(':')) args = l.trim().split(':');
        else continue;
        key = args[0]!.trim();
        if (key === 'Virtual IP') continue;
        val = args[1]!.trim();
      }
      const d = data.get(instance)!;
      if ((key.startsWith('Virtual IP (') || key === 'Virtual IP') && val !== '') d.vips.push(val.trim());
      if (key.startsWith('Virtual IP Excluded') && val !== '') d.excludedVips.push(val.trim());
      if (key === 'State') d.state = stateOf(val);
      else if (key === 'Wantstate') d.wantState = stateOf(val);
      else if (key === 'Interface' || key === 'Listening device') d.intf = val;
      else if (key === 'Gratuitous ARP delay') d.garpDelay = int(val);
      else if (key === 'Virtual Router ID') d.vrid = int(val);
    } else if (l.startsWith(' VRRP Version') || l.startsWith(' VRRP Script')) continue;
    else instance = '';
  }
  return data;
}

function exporterParseScripts(text: string): { name: string; status?: string; state?: string }[] {
  const scripts: { name: string; status?: string; state?: string }[] = [];
  let script: { name: string; status?: string; state?: string } = { name: '' };
  for (const l of text.split('\n')) {
    if (l.startsWith(' VRRP Script') && l.includes('=')) {
      if (script.name !== '') scripts.push(script);
      script = { name: l.trim().split('=')[1]!.trim() };
    } else if (l.startsWith('   ') && script.name !== '') {
      if (!l.includes('=')) continue;
      const [k, v] = l.trim().split('=').map((w) => w.trim()) as [string, string];
      if (k === 'Status') script.status = v;
      if (k === 'State') script.state = v;
    } else if (!l.startsWith('    ') && script.name !== '') {
      scripts.push(script);
      script = { name: '' };
    }
  }
  if (script.name !== '') scripts.push(script);
  return scripts;
}

/** ParseVIP: the address and the interface (`ADDR dev IF …`). */
function exporterParseVip(vip: string): [string, string] {
  const args = vip.split(' ');
  if (args.length < 3) throw new Error(`Failed to parse VIP ${vip}`);
  return [args[0]!, args[2]!];
}

/** The lines of one ` VRRP Instance = NAME` block. */
function instanceBlock(text: string, name = 'VI_1'): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(` VRRP Instance = ${name}`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('   '));
  return lines.slice(start, end);
}

describe('keepalived.data', () => {
  const tz = process.env.TZ;
  const tmp = process.env.TMPDIR;
  beforeEach(() => {
    process.env.TZ = 'UTC';
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  });

  it('reads, as mehdy/keepalived-exporter parses it, the state, interface, VRID, garp delay and addresses of master and backup', () => {
    const { a, b } = elected();
    const master = exporterParseData(dataText(input(a)));
    const backup = exporterParseData(dataText(input(b)));
    expect(master.get('VI_1')).toEqual({
      iname: 'VI_1',
      state: 2,
      wantState: 2,
      intf: 'eth0',
      garpDelay: 5,
      vrid: 51,
      vips: ['10.0.0.100/24 dev eth0 scope global set', '10.0.0.101 dev eth0 scope global set'],
      excludedVips: ['192.168.1.5/24 dev eth0 scope global label eth0:1 set'],
    });
    // the backup has not installed them: no ` set`
    expect(backup.get('VI_1')).toEqual({
      iname: 'VI_1',
      state: 1,
      wantState: 1,
      intf: 'eth0',
      garpDelay: 5,
      vrid: 51,
      vips: ['10.0.0.100/24 dev eth0 scope global', '10.0.0.101 dev eth0 scope global'],
      excludedVips: ['192.168.1.5/24 dev eth0 scope global label eth0:1'],
    });
    expect(master.get('VI_1')!.vips.map(exporterParseVip)).toEqual([
      ['10.0.0.100/24', 'eth0'],
      ['10.0.0.101', 'eth0'],
    ]);
    expect([...master.keys()]).toEqual(['VI_1']);
  });

  it("prints an instance block line for line in keepalived 2.2.7's layout", () => {
    const { b } = elected();
    const lastTransition = b.node.runner.instances()[0]!.lastTransitionUs;
    const masterDown = b.node.runner.instances()[0]!.state.timers['master-down']!;
    const wall = (us: number): string => `${timevalText(us + WALL_OFFSET_US)} (${ctimeUs(us + WALL_OFFSET_US)})`;
    expect(instanceBlock(dataText(input(b)))).toEqual([
      ' VRRP Instance = VI_1',
      '   VRRP Version = 2',
      '   State = BACKUP',
      '   Master router = 10.0.0.1',
      '   Master priority = 160',
      '   Flags: none',
      '   Wantstate = BACKUP',
      '   Number of config faults = 0',
      '   Number of interface and track script faults = 0',
      '   Number of track scripts init = 0',
      `   Last transition = ${wall(lastTransition)}`,
      `   Read timeout = ${wall(masterDown)}`,
      `   Master down timer = ${3 * S + Math.floor((256 - 110) * S / 256)} usecs`,
      '   Interface = eth0',
      '   Using src_ip = 10.0.0.2',
      '   Multicast address 224.0.0.18',
      '   Gratuitous ARP delay = 5',
      '   Gratuitous ARP repeat = 5',
      '   Gratuitous ARP refresh = 0',
      '   Gratuitous ARP refresh repeat = 1',
      '   Gratuitous ARP lower priority delay = 5',
      '   Gratuitous ARP lower priority repeat = 5',
      '   Down timer adverts = 3',
      '   Send advert after receive lower priority advert = true',
      '   Send advert after receive higher priority advert = false',
      '   Virtual Router ID = 51',
      '   Priority = 100',
      '   Effective priority = 110',
      '   Total priority = 110',
      '   Advert interval = 1 sec',
      '   Accept = enabled',
      '   Preempt = enabled',
      '   Promote_secondaries = disabled',
      '   Authentication type = SIMPLE_PASSWORD',
      '   Password = secret12',
      '   Virtual IP (2):',
      '     10.0.0.100/24 dev eth0 scope global',
      '     10.0.0.101 dev eth0 scope global',
      '   Virtual IP Excluded :',
      '     192.168.1.5/24 dev eth0 scope global label eth0:1',
      '   Tracked scripts :',
      '     chk_haproxy weight 10',
      '   Using smtp notification = no',
      '   Notify deleted = Fault',
      "   Master state transition script = '/usr/local/bin/check.sh' 'master', uid:gid 0:0",
      '   Notify priority changes = false',
    ]);
    // the wall-clock times as keepalived prints them (ctime_us_r, local time)
    expect(timevalText(WALL_OFFSET_US + 5 * S + 12)).toBe('1700000005.000012');
    expect(ctimeUs(WALL_OFFSET_US + 5 * S + 12)).toBe('Tue Nov 14 22:13:25.000012 2023');
    expect(ctimeUs(Date.UTC(2023, 0, 4, 6, 1, 2) * 1000 + 348360)).toBe('Wed Jan  4 06:01:02.348360 2023');
  });

  it('prints VRRPv3, unicast peers, nopreempt and preempt delay', () => {
    const extra = ' version 3\n nopreempt\n unicast_src_ip 10.0.0.7\n unicast_peer {\n  10.0.0.8\n }';
    const lan = new Lan();
    const a = build(lan, 1, conf(150, extra).replace(/ authentication \{[^}]*\}\n/, ''));
    a.node.runner.start({ scripts: { chk_haproxy: false } });
    lan.clock.advance(5 * S);
    const block = instanceBlock(dataText(input(a)));
    expect(block).toContain('   VRRP Version = 3');
    expect(block).toContain('   Flags:');
    expect(block).toContain('     Using unicast');
    expect(block).toContain('   Using src_ip = 10.0.0.7 (from configuration)');
    expect(block.some((l) => l.startsWith('   Multicast address'))).toBe(false);
    expect(block).toContain('   Advert interval = 1000 milli-sec');
    expect(block).toContain('   Preempt = disabled');
    // keepalived resets preempt_delay under nopreempt: no line
    expect(block.some((l) => l.startsWith('   Preempt delay'))).toBe(false);
    expect(block.some((l) => l.startsWith('   Authentication type'))).toBe(false);
    expect(block.slice(block.indexOf('   Unicast TTL = 255'), block.indexOf('   Unicast TTL = 255') + 4)).toEqual([
      '   Unicast TTL = 255',
      '   Check unicast src : no',
      '   Unicast Peer :',
      '     10.0.0.8 min_ttl 0 max_ttl 255',
    ]);
    // the script failed: its weight is not earned
    expect(block).toContain('   Effective priority = 150');

    const delayed = build(new Lan(), 1, conf(150, ' preempt_delay 2.5'));
    delayed.node.runner.start({ scripts: { chk_haproxy: true } });
    expect(instanceBlock(dataText(input(delayed)))).toContain('   Preempt delay = 2.5 secs');
  });

  it("prints the VMAC and ipvlan lines and the instance's interface as keepalived's dump_vrrp", () => {
    const block = (extra: string): string[] => {
      const a = build(new Lan(), 1, conf(150, extra));
      a.node.runner.start({ scripts: { chk_haproxy: true } });
      const lines = instanceBlock(dataText(input(a)));
      return lines.slice(lines.findIndex((l) => l.startsWith('   Master down timer')) + 1, lines.findIndex((l) => l.startsWith('   Interface = ')) + 1);
    };
    expect(block(' use_vmac vm51 02:11:22:33:44\n vmac_xmit_base\n use_vmac_addr')).toEqual([
      '   Use VMAC, i/f name vm51, is_up = true, xmit_base = true',
      '     MAC = 02:11:22:33:44:33 (using VRID)',
      '   Use VMAC for VIPs on other interfaces',
      '   Interface = vm51, vmac on eth0, xmit base i/f',
    ]);
    expect(block(' use_ipvlan 10.0.0.9/24 private')).toEqual(['   Use IPVLAN, i/f vrrp.51, is_up = true, i/f address = 10.0.0.9/24, type private', '   Interface = vrrp.51, ipvlan on eth0']);
    expect(block('')).toEqual(['   Interface = eth0']);
  });

  it('prints sync groups and vrrp_scripts with the status and state the exporter reads', () => {
    const text = conf(150).replace(' track_script {\n  chk_haproxy\n }', '') + 'vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 150\n advert_int 1\n track_script {\n  chk_haproxy weight 0\n }\n}\nvrrp_sync_group G1 {\n group {\n  VI_1\n  VI_2\n }\n notify_backup "/usr/local/bin/check.sh backup"\n}\n';
    const parsed = parseText(text);
    const lan = new Lan();
    const node = new Node(lan, 'n1', '10.0.0.1', 'fe80::1', vrrpSettingsFromConfig(parsed.result.config));
    node.runner.start({ scripts: { chk_haproxy: true } });
    lan.clock.advance(5 * S);
    const built = { node, config: parsed.result.config };
    const script = parsed.result.config.vrrp.scripts[0]!;
    const out = dataText(input(built, [{ config: script, result: 1, running: true }]));
    const lines = out.split('\n');
    expect(lines.slice(lines.indexOf('------< VRRP Sync groups >------'), lines.indexOf('------< VRRP Scripts >------'))).toEqual([
      '------< VRRP Sync groups >------',
      ' VRRP Sync Group = G1, MASTER',
      '   Num member fault 0, num member init 0',
      '   VRRP member instances :',
      '     VI_1',
      '     VI_2',
      '   Using smtp notification = no',
      "   Backup state transition script = '/usr/local/bin/check.sh' 'backup', uid:gid 0:0",
    ]);
    expect(lines.slice(lines.indexOf('------< VRRP Scripts >------'))).toEqual([
      '------< VRRP Scripts >------',
      ' VRRP Script = chk_haproxy',
      "   Command = '/usr/local/bin/check.sh' 'haproxy'",
      '   Interval = 2 sec',
      '   Timeout = 0 sec',
      '   Weight = 10',
      '   Rise = 1',
      '   Fall = 1',
      '   Result = 1',
      '   Status = GOOD',
      '   Script uid:gid = 0:0',
      '   VRRP instances :',
      '   Tracking instances :',
      '     VI_2, weight 0',
      '   State = running',
      '',
    ]);
    expect(exporterParseScripts(out)).toEqual([{ name: 'chk_haproxy', status: 'GOOD', state: 'running' }]);
    const parsedData = exporterParseData(out);
    expect([...parsedData.keys()]).toEqual(['VI_1', 'VI_2']);
    expect(parsedData.get('VI_2')).toMatchObject({ state: 2, intf: 'eth0', vrid: 52, vips: [] });
    expect(instanceBlock(out, 'VI_2')).toContain('   Sync group = G1');
  });

  it('starts with the global definitions and the section headers keepalived prints', () => {
    const { a } = elected();
    const lines = dataText(input(a)).split('\n');
    expect(lines.slice(0, 4)).toEqual(['------< Global definitions >------', ' Network namespace = (default)', ' Network namespace ipvs = (main namespace)', ' Router ID = lb1']);
    expect(lines.filter((l) => l.startsWith('------<'))).toEqual([
      '------< Global definitions >------',
      '------< VRRP Topology >------',
    ]);
    expect(lines).toContain(' Gratuitous ARP delay = 5');
    expect(lines).toContain(' VRRP default protocol version = 2');
    expect(lines.at(-1)).toBe('');
  });

  it('ends the global definitions with the current SCHED_RR priority and RLIMIT_RTTIME limit, when there are', () => {
    const { a } = elected();
    const global = (scheduling?: VrrpDumpInput['scheduling']): string[] => {
      const out = dataText({ ...input(a), ...(scheduling ? { scheduling } : {}) }).split('\n');
      return out.slice(0, out.indexOf('------< VRRP Topology >------')).slice(-2);
    };
    const none = global();
    expect(global({ realtimePriority: 0, rttimeLimit: 0 })).toEqual(none);
    expect(global({ realtimePriority: 10, rttimeLimit: 1_000_000 })).toEqual([' current realtime priority = 10', ' current realtime time limit = 1000000']);
    expect(global({ realtimePriority: 3, rttimeLimit: 0 })).toEqual([none.at(-1), ' current realtime priority = 3']);
  });

  it('prints max_auto_priority and min_auto_priority_delay after the strict mode line, as dump_global_data', () => {
    const lines = (globals: string): string[] => {
      const { a } = elected();
      const config = parseText(`global_defs {\n${globals}\n}\n`).result.config;
      const out = dataText({ ...input(a), config: { ...a.config, global: config.global } }).split('\n');
      return out.slice(out.findIndex((l) => l.startsWith(' VRRP strict mode')), out.findIndex((l) => l.startsWith(' VRRP strict mode')) + 3);
    };
    expect(lines('')).toEqual([' VRRP strict mode = false', ' Max auto priority = 0', ' Min auto priority delay = 1000000 usecs']);
    expect(lines(' max_auto_priority -1\n min_auto_priority_delay 5000')).toEqual([' VRRP strict mode = false', ' Max auto priority = Disabled', ' Min auto priority delay = 5000 usecs']);
  });

  it('writes $TMPDIR/keepalived.data (a fresh 0600 file in place of a loose one), or keepalived.NS_INSTANCE.data under data_use_instance', () => {
    process.env.TMPDIR = tempDir('data');
    const loose = path.join(process.env.TMPDIR, 'keepalived.data');
    fs.writeFileSync(loose, 'old\n');
    fs.chmodSync(loose, 0o666);
    const { a } = elected();
    const file = writeDataFile(input(a), () => undefined);
    expect(file).toBe(loose);
    expect(fs.readFileSync(file, 'utf8')).toBe(dataText(input(a)));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(dataFileName({ dataUseInstance: false, instanceName: 'i1' })).toBe('keepalived.data');
    expect(dataFileName({ dataUseInstance: true })).toBe('keepalived.data');
    expect(dataFileName({ dataUseInstance: true, instanceName: 'i1' })).toBe('keepalived.i1.data');
    expect(dataFileName({ dataUseInstance: true, instanceName: 'i1', networkNamespace: 'ns' })).toBe('keepalived.ns_i1.data');
  });

  it("formats numbers as C's %g", () => {
    expect([1, 0.5, 2.5, 0, 100, 123456, 1234567, 0.0001, 0.00001, 1 / 3].map(formatG)).toEqual([
      '1', '0.5', '2.5', '0', '100', '123456', '1.23457e+06', '0.0001', '1e-05', '0.333333',
    ]);
  });
});
