/**
 * SIGUSR1's keepalived.data: the VRRP process's state in keepalived 2.2.7's
 * layout (vrrp_print.c vrrp_print_data → vrrp_data.c dump_data_vrrp:
 * global_data.c dump_global_data, dump_vrrp, dump_sync_group, dump_vscript,
 * vrrp_ipaddress.c format_ipaddress), written to $TMPDIR or /tmp. Exporters
 * (mehdy/keepalived-exporter) read each ` VRRP Instance = NAME` block's
 * `State`, `Wantstate`, `Interface`, `Virtual Router ID`, `Gratuitous ARP
 * delay`, the address lines under `Virtual IP (N):` / `Virtual IP Excluded :`
 * (`ADDR[/LEN] dev IF scope S …`: address first, interface third), and each
 * ` VRRP Script = NAME` block's `Status` and `State`.
 *
 * keepalived prints some things we have no true value for; those lines are
 * left out rather than made up:
 *  - global definitions (global-dump.ts): Config save dir, the reload
 *    schedule (Reload time file, Reload scheduled for …), LVS syncd lines,
 *    libnftnl version, CPU affinity;
 *  - whole sections: Gratuitous ARP delays (garp_group), Static Addresses,
 *    Static Routes, Static Rules, Static Track groups, VRRP Sockpool, VRRP Track
 *    files, VRRP Track processes, VRRP Track BFDs, Interfaces;
 *  - per instance: Duplicate VRID, Configured interface (a VMAC on a
 *    macvlan), Next gratuitous
 *    ARP for secondaries, `fd_in N, fd_out N` (socket descriptors), Unicast
 *    checksum compatibility (the runner may have switched it), Virtual Routes
 *    and Virtual Rules (format_iproute/format_iprule), an address's
 *    iptable_set/nftable_set, the IPv6 multicast line when the interface index
 *    is not known, Master router/priority before any advert was heard;
 *  - per vrrp_script: Insecure and Init state;
 *  - instances with a configuration fault, which the runner does not run.
 */
import type { Config } from '../config/parse.js';
import { commandText } from '../config/scripts/parse.js';
import type { Script } from '../config/scripts/index.js';
import type { VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/vrrp/index.js';
import type { NotifyScriptsWithUsers } from '../vrrp/settings/from-config.js';
import type { InstanceView, SyncGroupView } from '../vrrp/runner/runner.js';
import { trackingVerdict } from '../vrrp/fsm/tracking.js';
import { writeFileSafely } from '../base/safe-file.js';
import { DUMP_FILE_MODE, dumpFilePath } from './stats-file.js';
import { enabled, formatG, secs, trueFalse, yesNo } from './dump-format.js';
import { globalDefinitionLines } from './global-dump.js';
import { formatVip } from '../vrrp/settings/vip-format.js';

/** A tracked vrrp_script and where its runner is. */
export interface VrrpScriptView {
  config: VrrpScript;
  /** keepalived's result counter (GOOD from `rise` up). */
  result: number;
  running: boolean;
}

export interface VrrpDumpInput {
  instances: readonly InstanceView[];
  groups: readonly SyncGroupView[];
  /** The configuration the instances run: global_defs, and what the run settings do not keep. */
  config: Pick<Config, 'global' | 'vrrp'>;
  scripts?: readonly VrrpScriptView[];
  /** Wall-clock µs minus the runner's clock µs: turns its times into keepalived's (wall-clock) timevals. */
  wallOffsetUs: number;
  /** Interface index by name (keepalived prints it on the IPv6 multicast line). */
  ifindex?(name: string): number | undefined;
  /** The process's SCHED_RR priority and RLIMIT_RTTIME hard limit now (0: none), as get_cur_priority/get_cur_rlimit_rttime. */
  scheduling?: { readonly realtimePriority: number; readonly rttimeLimit: number };
}

/** keepalived's numbers for the states (vrrp.h). */
export const STATE_NUMBER = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 98 } as const;

/** get_state_str: anything but the four RFC/internal states prints as "unknown". */
export function stateText(state: string): string {
  return state === 'INIT' || state === 'BACKUP' || state === 'MASTER' || state === 'FAULT' ? state : 'unknown';
}

/** dump_vrrp's Use VMAC / Use IPVLAN lines; is_up is true: the daemon makes the link before it runs the instance. */
function vmacLines(run: InstanceView['run']): string[] {
  const out: string[] = [];
  const { vmac, ipvlan, fsm } = run;
  if (vmac) {
    out.push(`   Use VMAC, i/f name ${vmac.ifname}, is_up = true, xmit_base = ${vmac.xmitBase}`);
    if (vmac.mac !== undefined) {
      const vrid = fsm.vrid.toString(16).padStart(2, '0');
      out.push(`     MAC = ${vmac.mac.replace('VRID', vrid)}${vmac.mac.endsWith('VRID') ? ' (using VRID)' : ''}`);
    }
  }
  if (run.useVmacAddr) out.push('   Use VMAC for VIPs on other interfaces');
  else if (ipvlan) {
    const full = fsm.family === 'inet' ? 32 : 128;
    const address = ipvlan.address === undefined ? '' : `, i/f address = ${ipvlan.address}${ipvlan.prefixLen === undefined || ipvlan.prefixLen === full ? '' : `/${ipvlan.prefixLen}`}`;
    out.push(`   Use IPVLAN, i/f ${ipvlan.ifname}, is_up = true${address}, type ${ipvlan.mode}`);
  }
  return out;
}

/** `vrrp.51, vmac on eth0[, xmit base i/f]` for an instance on its VMAC or ipvlan, else its interface. */
function interfaceText(run: InstanceView['run']): string {
  if (run.vmac) return `${run.vmac.ifname}, vmac on ${run.fsm.interface}${run.vmac.xmitBase ? ', xmit base i/f' : ''}`;
  if (run.ipvlan) return `${run.ipvlan.ifname}, ipvlan on ${run.fsm.interface}`;
  return run.fsm.interface;
}

/** An instance's addresses as keepalived lists them: vip (virtual_ipaddress) and evip (…_excluded). */
export function instanceAddresses(view: InstanceView): { vips: string[]; evips: string[] } {
  const { run, state } = view;
  const opts = { ...(run.vmac ? { vmacIfname: run.vmac.ifname } : {}), baseIfname: run.fsm.interface, set: state.vipsSet };
  const vips: string[] = [];
  const evips: string[] = [];
  for (const key of run.fsm.vips) {
    const vip = run.vipTable.get(key);
    if (vip) (vip.excluded ? evips : vips).push(formatVip(vip, opts));
  }
  return { vips, evips };
}

/** A wall-clock time in µs as keepalived's `%ld.%6.6ld`. */
export function timevalText(wallUs: number): string {
  const us = Math.floor(wallUs);
  return `${Math.floor(us / 1e6)}.${String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0')}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime_us_r: asctime's `Sat Jan 14 06:41:32` (local time), `.USEC`, then ` YEAR`. */
export function ctimeUs(wallUs: number): string {
  const us = Math.floor(wallUs);
  const d = new Date(Math.floor(us / 1000));
  const two = (n: number): string => String(n).padStart(2, '0');
  const usec = String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0');
  return (
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]}${String(d.getDate()).padStart(3, ' ')} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${usec} ${d.getFullYear()}`
  );
}

const reverse = (b: boolean): string => (b ? ' reverse' : '');

/** dump_notify_script: `   Backup state transition script = 'a' 'b', uid:gid 0:0`. */
function notifyLine(script: Pick<Script, 'argv' | 'uid' | 'gid'> | undefined, type: string): string[] {
  return script ? [`   ${type} state transition script = ${commandText(script)}, uid:gid ${script.uid}:${script.gid}`] : [];
}

function notifyLines(scripts: NotifyScriptsWithUsers, withInstanceOnly: boolean): string[] {
  return [
    ...notifyLine(scripts.backup, 'Backup'),
    ...notifyLine(scripts.master, 'Master'),
    ...notifyLine(scripts.fault, 'Fault'),
    ...notifyLine(scripts.stop, 'Stop'),
    ...(withInstanceOnly ? notifyLine(scripts.deleted, 'Deleted') : []),
    ...notifyLine(scripts.generic, 'Generic'),
    ...(withInstanceOnly ? notifyLine(scripts.masterRxLowerPri, 'Master rx lower pri') : []),
  ];
}

type Tracked = readonly { readonly name: string; readonly weight: number; readonly reverse: boolean }[];

/** The track_* lists of an instance or sync group (vrrp_track.c dump_track_if, …_script, track_file.c, …). */
function trackedLines(t: { trackInterfaces: Tracked; trackScripts: Tracked; trackFiles: Tracked; trackProcesses: Tracked; trackBfds: Tracked }, processTitle: string): string[] {
  const out: string[] = [];
  const list = (title: string, items: Tracked, line: (i: Tracked[number]) => string): void => {
    if (items.length === 0) return;
    out.push(`   ${title} :`);
    for (const i of items) out.push(line(i));
  };
  list('Tracked interfaces', t.trackInterfaces, (i) => `     ${i.name} weight ${i.weight}${reverse(i.reverse)}`);
  list('Tracked scripts', t.trackScripts, (i) => `     ${i.name} weight ${i.weight}${reverse(i.reverse)}`);
  list('Tracked files', t.trackFiles, (i) => `     ${i.name}, weight ${i.weight}${reverse(i.reverse)}`);
  list(processTitle, t.trackProcesses, (i) => `     ${i.name}, weight ${i.weight}${reverse(i.reverse)}`);
  list('Tracked BFDs', t.trackBfds, (i) => `     ${i.name}: weight ${i.weight}${reverse(i.reverse)}`);
  return out;
}

/** The instance's own track_* entries: keepalived's vrrp->track_* lists (the sync group's stay on the group). */
export function ownTracking(view: InstanceView, cfg: VrrpInstance | undefined) {
  const { fsm } = view.run;
  // what the runner actually tracks (scripts that could not be run are dropped, as keepalived drops them)
  const tracked = (kind: string, name: string): boolean => fsm.tracked.some((t) => t.kind === kind && t.name === name);
  const mine = (list: Tracked | undefined, kind: string): Tracked => (list ?? []).filter((t) => tracked(kind, t.name));
  return {
    trackInterfaces: (cfg?.trackInterfaces ?? []).filter((t) => t.name !== fsm.interface),
    trackScripts: mine(cfg?.trackScripts, 'script'),
    trackFiles: mine(cfg?.trackFiles, 'file'),
    trackProcesses: mine(cfg?.trackProcesses, 'process'),
    trackBfds: mine(cfg?.trackBfds, 'bfd'),
  };
}

function instanceLines(view: InstanceView, input: VrrpDumpInput): string[] {
  const { name, state: s, run } = view;
  const { fsm, transport } = run;
  const cfg = input.config.vrrp.instances.find((i) => i.name === name);
  const v3 = fsm.version === 3;
  const out: string[] = [` VRRP Instance = ${name}`, `   VRRP Version = ${fsm.version}`];
  if (run.syncGroup !== undefined) out.push(`   Sync group = ${run.syncGroup}`);
  if (fsm.family === 'inet6') out.push('   Using Native IPv6');
  out.push(`   State = ${stateText(s.state)}`);
  if (s.state === 'BACKUP') {
    if (s.masterAddress !== undefined) out.push(`   Master router = ${s.masterAddress}`);
    if (s.masterPriority !== undefined) out.push(`   Master priority = ${s.masterPriority}`);
    if (v3) out.push(`   Master advert int = ${(s.masterAdverIntUs / 1e6).toFixed(2)} sec`);
  }

  const unicastConfigured = cfg?.unicastConfigured ?? transport.unicast;
  const unicastFaultNoPeer = cfg?.unicastFaultNoPeer ?? false;
  const evipOtherFamily = [...run.vipTable.values()].some((e) => e.excluded && e.family !== fsm.family);
  const anyFlag =
    unicastConfigured ||
    transport.unicast ||
    unicastFaultNoPeer ||
    fsm.dontTrackPrimary ||
    (cfg?.linkbeatUsePolling ?? false) ||
    run.skipCheckAdvAddr ||
    transport.sourceAddress !== undefined ||
    transport.trackSourceAddress ||
    run.receive.checkUnicastSource ||
    run.promoteSecondaries ||
    evipOtherFamily ||
    !fsm.preempt ||
    run.vmac !== undefined ||
    run.ipvlan !== undefined;
  if (anyFlag) {
    out.push('   Flags:');
    if (transport.unicast) out.push('     Using unicast');
    else if (unicastConfigured) out.push('     Unicast config option specified but using multicast');
    if (unicastFaultNoPeer) out.push('     If unicast go to fault state if no peers');
  } else out.push('   Flags: none');

  const verdict = trackingVerdict(s);
  out.push(
    `   Wantstate = ${stateText(s.wantState)}`,
    '   Number of config faults = 0',
    `   Number of interface and track script faults = ${verdict.faults.length}`,
    `   Number of track scripts init = ${verdict.awaitingScripts.length}`,
  );
  const lastWall = view.lastTransitionUs + input.wallOffsetUs;
  out.push(`   Last transition = ${timevalText(lastWall)} (${ctimeUs(lastWall)})`);
  const due = [s.timers['master-down'], s.timers.advert].filter((t): t is number => t !== undefined);
  if (due.length === 0) out.push('   Read timeout = DISABLED');
  else {
    const wall = Math.min(...due) + input.wallOffsetUs;
    out.push(`   Read timeout = ${timevalText(wall)} (${ctimeUs(wall)})`);
  }
  out.push(`   Master down timer = ${s.downTimerUs} usecs`);
  out.push(...vmacLines(run), `   Interface = ${interfaceText(run)}`);
  if (transport.vrf !== undefined) out.push(`   VRF = ${transport.vrf}`);
  if (fsm.dontTrackPrimary) out.push('   VRRP interface tracking disabled');
  if (run.skipCheckAdvAddr) out.push('   Skip checking advert IP addresses');
  if (run.strict) out.push('   Enforcing strict VRRP compliance');
  const source = transport.sourceAddress ?? s.tracking.interfaceAddress;
  out.push(`   Using src_ip = ${source ?? '(none)'}${transport.sourceAddress !== undefined ? ' (from configuration)' : ''}`);
  if (!transport.unicast && transport.multicastDestination !== undefined) {
    if (fsm.family === 'inet') out.push(`   Multicast address ${transport.multicastDestination}`);
    else {
      const index = input.ifindex?.(fsm.interface);
      if (index !== undefined) out.push(`   Multicast address ${transport.multicastDestination}, ifindex ${index}`);
    }
  }
  const g = fsm.garp;
  out.push(
    `   Gratuitous ARP delay = ${secs(g.masterDelayUs)}`,
    `   Gratuitous ARP repeat = ${g.masterRepeat}`,
    `   Gratuitous ARP refresh = ${secs(g.masterRefreshUs)}`,
    `   Gratuitous ARP refresh repeat = ${g.masterRefreshRepeat}`,
    `   Gratuitous ARP lower priority delay = ${secs(g.lowerPrioDelayUs)}`,
    `   Gratuitous ARP lower priority repeat = ${g.lowerPrioRepeat}`,
    `   Down timer adverts = ${fsm.downTimerAdverts}`,
  );
  // the interval in effect: keepalived turns it off when there is no secondary interface to announce on
  if (secs(g.extraIfUs) > 0) {
    out.push(`   Gratuitous ARP for each secondary ${run.garpPacing.extraIfAll ? 'i/f' : 'VMAC'} = ${secs(g.extraIfUs)}`);
  }
  out.push(
    `   Send advert after receive lower priority advert = ${trueFalse(!fsm.lowerPrioNoAdvert)}`,
    `   Send advert after receive higher priority advert = ${trueFalse(fsm.higherPrioSendAdvert)}`,
    `   Virtual Router ID = ${fsm.vrid}`,
    `   Priority = ${s.basePriority}`,
    `   Effective priority = ${s.effectivePriority}`,
    `   Total priority = ${s.basePriority + verdict.adjustment}`,
    v3 ? `   Advert interval = ${Math.floor(fsm.advertIntUs / 1000)} milli-sec` : `   Advert interval = ${secs(fsm.advertIntUs)} sec`,
  );
  if (s.state === 'BACKUP' && v3) out.push(`   Master advert interval = ${Math.floor(s.masterAdverIntUs / 1000)} milli-sec`);
  out.push(`   Accept = ${enabled(run.accept)}`, `   Preempt = ${enabled(fsm.preempt)}`);
  if (fsm.preemptDelayUs) out.push(`   Preempt delay = ${formatG(fsm.preemptDelayUs / 1e6)} secs`);
  out.push(`   Promote_secondaries = ${enabled(run.promoteSecondaries)}`);
  if (run.auth) {
    out.push(`   Authentication type = ${run.auth.type === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    if (run.auth.type !== 'AH') out.push(`   Password = ${authData(run.auth.pass)}`);
  } else if (!v3) out.push('   Authentication type = none');
  if (transport.kernelRxBufSize) out.push(`   Kernel rx buffer size = ${transport.kernelRxBufSize}`);
  if (cfg?.debug) out.push(`   Debug level = ${cfg.debug}`);

  const { vips, evips } = instanceAddresses(view);
  if (vips.length > 0) {
    out.push(`   Virtual IP (${vips.length}):`);
    for (const a of vips) out.push(`     ${a}`);
  }
  if (evips.length > 0) {
    out.push('   Virtual IP Excluded :');
    for (const a of evips) out.push(`     ${a}`);
  }
  if (transport.unicast) {
    if (transport.unicastTtl !== undefined) out.push(`   Unicast TTL = ${transport.unicastTtl}`);
    out.push(`   Check unicast src : ${yesNo(run.receive.checkUnicastSource)}`, '   Unicast Peer :');
    for (const p of transport.unicastPeers) out.push(`     ${p.address} min_ttl ${p.minTtl} max_ttl ${p.maxTtl}`);
  }
  out.push(...trackedLines(ownTracking(view, cfg), 'Tracked processes'));
  out.push(`   Using smtp notification = ${yesNo(run.smtpAlert)}`);
  out.push(`   Notify deleted = ${fsm.notifyDeleted ? 'Deleted' : 'Fault'}`);
  out.push(...notifyLines(run.notifyScripts, true));
  out.push(`   Notify priority changes = ${trueFalse(fsm.notifyPriorityChanges)}`);
  return out;
}

/** vrrp->auth_data: the password in 8 bytes, up to its first NUL. */
export function authData(pass: string): string {
  const bytes = Buffer.from(pass, 'utf8').subarray(0, 8);
  const nul = bytes.indexOf(0);
  return (nul < 0 ? bytes : bytes.subarray(0, nul)).toString('utf8');
}

function groupLines(group: SyncGroupView, input: VrrpDumpInput): string[] {
  const cfg: VrrpSyncGroup | undefined = input.config.vrrp.syncGroups.find((sg) => sg.name === group.name);
  const g = input.config.global;
  const members = input.instances.filter((i) => group.members.includes(i.name));
  const running = (i: InstanceView): boolean => i.state.state !== 'INIT' && i.state.state !== 'STOP';
  const fault = members.filter((i) => running(i) && trackingVerdict(i.state).faults.length > 0).length;
  const init = members.filter((i) => running(i) && trackingVerdict(i.state).awaitingScripts.length > 0).length;
  const out = [` VRRP Sync Group = ${group.name}, ${stateText(group.state)}`, `   Num member fault ${fault}, num member init ${init}`];
  if (group.members.length > 0) {
    out.push('   VRRP member instances :');
    for (const m of group.members) out.push(`     ${m}`);
  }
  if (cfg?.trackingWeight) out.push('   sync group tracking weight set');
  out.push(`   Using smtp notification = ${yesNo(cfg?.smtpAlert ?? g.smtpAlertVrrp ?? g.smtpAlert ?? false)}`);
  if (cfg?.notifyPriorityChanges !== undefined) out.push(`   Notify priority changes = ${yesNo(cfg.notifyPriorityChanges)}`);
  if (cfg) {
    out.push(...trackedLines(cfg, 'Tracked process'));
    const scripts: NotifyScriptsWithUsers = {
      ...(cfg.notifyBackup ? { backup: cfg.notifyBackup } : {}),
      ...(cfg.notifyMaster ? { master: cfg.notifyMaster } : {}),
      ...(cfg.notifyFault ? { fault: cfg.notifyFault } : {}),
      ...(cfg.notifyStop ? { stop: cfg.notifyStop } : {}),
      ...(cfg.notify ? { generic: cfg.notify } : {}),
    };
    out.push(...notifyLines(scripts, false));
  }
  return out;
}

function scriptLines(view: VrrpScriptView, instances: readonly InstanceView[]): string[] {
  const c = view.config;
  const out = [` VRRP Script = ${c.name}`];
  if (c.script) out.push(`   Command = ${commandText(c.script)}`);
  out.push(
    `   Interval = ${secs(c.interval)} sec`,
    `   Timeout = ${secs(c.timeout)} sec`,
    `   Weight = ${c.weight}${reverse(c.weightReverse)}`,
    `   Rise = ${c.rise}`,
    `   Fall = ${c.fall}`,
    `   Result = ${view.result}`,
    `   Status = ${view.result >= c.rise ? 'GOOD' : 'BAD'}`,
  );
  if (c.script) out.push(`   Script uid:gid = ${c.script.uid}:${c.script.gid}`);
  out.push('   VRRP instances :');
  const tracking = instances.flatMap((i) => i.run.fsm.tracked.filter((t) => t.kind === 'script' && t.name === c.name).map((t) => ({ instance: i.name, t })));
  if (tracking.length > 0) {
    out.push('   Tracking instances :');
    for (const { instance, t } of tracking) out.push(`     ${instance}, weight ${t.weight}${reverse(t.reverse)}`);
  }
  out.push(`   State = ${view.running ? 'running' : 'idle'}`);
  return out;
}

export function dataText(input: VrrpDumpInput): string {
  const out = globalDefinitionLines(input.config.global, 'vrrp');
  if (input.scheduling?.realtimePriority) out.push(` current realtime priority = ${input.scheduling.realtimePriority}`);
  if (input.scheduling?.rttimeLimit) out.push(` current realtime time limit = ${input.scheduling.rttimeLimit}`);
  if (input.instances.length > 0) {
    out.push('------< VRRP Topology >------');
    for (const i of input.instances) out.push(...instanceLines(i, input));
  }
  if (input.groups.length > 0) {
    out.push('------< VRRP Sync groups >------');
    for (const g of input.groups) out.push(...groupLines(g, input));
  }
  if (input.scripts && input.scripts.length > 0) {
    out.push('------< VRRP Scripts >------');
    for (const s of input.scripts) out.push(...scriptLines(s, input.instances));
  }
  return out.map((l) => `${l}\n`).join('');
}

/** open_dump_file: NAME.EXT, or NAME.NS_INSTANCE.EXT under data_use_instance. */
export function dumpFileName(fileName: string, g: Pick<Config['global'], 'dataUseInstance' | 'instanceName' | 'networkNamespace'>): string {
  const ns = g.networkNamespace;
  const instance = g.instanceName;
  if (!g.dataUseInstance || (instance === undefined && ns === undefined)) return fileName;
  const dot = fileName.lastIndexOf('.');
  return `${fileName.slice(0, dot)}.${ns ?? ''}${ns !== undefined && instance !== undefined ? '_' : ''}${instance ?? ''}${fileName.slice(dot)}`;
}

/** keepalived.data, or keepalived.NS_INSTANCE.data under data_use_instance. */
export function dataFileName(g: Pick<Config['global'], 'dataUseInstance' | 'instanceName' | 'networkNamespace'>): string {
  return dumpFileName('keepalived.data', g);
}

/** vrrp_print_data: $TMPDIR/keepalived.data (or /tmp), a new 0600 file as writeStatsFile's. */
export function writeDataFile(input: VrrpDumpInput, warn: (message: string) => void): string {
  const file = dumpFilePath(dataFileName(input.config.global));
  writeFileSafely(file, dataText(input), { mode: DUMP_FILE_MODE, warn });
  return file;
}
