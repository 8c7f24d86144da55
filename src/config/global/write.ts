/**
 * The parent's settings back to text: the root keywords, then global_defs.
 * A setting is written when it differs from newGlobalDraft's default, or
 * always when keepalived derives it from the host (router_id, the e-mail
 * sender), so re-reading never depends on defaults being filled the same way.
 */
import { block, quoteWord, scriptLine, seconds } from '../quote.js';
import { newGlobalDraft, type GlobalDefs, type NetlinkBufs, type NotifyFifo, type ProcessTuning, type ScriptIdentity } from './model.js';

const TIMER_HZ = 1_000_000;
const DEFAULTS = newGlobalDraft();

const line = (...words: (string | number)[]): string => words.map((w) => (typeof w === 'number' ? String(w) : w)).join(' ');
const bool = (v: boolean): string => (v ? 'true' : 'false');

export function writeGlobalRoot(g: GlobalDefs): string[] {
  const out: string[] = [];
  if (g.networkNamespace !== undefined) out.push(line('net_namespace', quoteWord(g.networkNamespace)));
  if (g.networkNamespaceIpvs !== undefined) out.push(g.networkNamespaceIpvs === '' ? 'net_namespace_ipvs' : line('net_namespace_ipvs', quoteWord(g.networkNamespaceIpvs)));
  if (g.namespaceWithIpsets) out.push('namespace_with_ipsets');
  if (g.instanceName !== undefined) out.push(line('instance', quoteWord(g.instanceName)));
  if (g.usePidDir) out.push('use_pid_dir');
  if (g.childWaitTime !== DEFAULTS.childWaitTime) out.push(line('child_wait_time', g.childWaitTime));
  if (g.linkbeatUsePolling) out.push('linkbeat_use_polling');
  return out;
}

export function writeGlobalDefs(g: GlobalDefs): string[] {
  return block('global_defs', [...processLines(g), ...smtpLines(g), ...scriptLines(g), ...vrrpLines(g), ...firewallLines(g), ...lvsLines(g), ...miscLines(g)]);
}

function processLines(g: GlobalDefs): string[] {
  const out: string[] = [];
  const names: [string, string | undefined][] = [
    ['process_name', g.processName],
    ['vrrp_process_name', g.vrrpProcessName],
    ['checker_process_name', g.checkerProcessName],
    ['bfd_process_name', g.bfdProcessName],
  ];
  for (const [kw, name] of names) if (name !== undefined) out.push(line(kw, quoteWord(name)));
  out.push(...tuningLines('vrrp', g.vrrpProcess), ...tuningLines('checker', g.checkerProcess), ...tuningLines('bfd', g.bfdProcess));
  if (g.maxAutoPriority !== DEFAULTS.maxAutoPriority) out.push(line('max_auto_priority', g.maxAutoPriority));
  if (g.minAutoPriorityDelay !== DEFAULTS.minAutoPriorityDelay) out.push(line('min_auto_priority_delay', g.minAutoPriorityDelay));
  return out;
}

function tuningLines(prefix: string, t: ProcessTuning): string[] {
  const d = DEFAULTS.vrrpProcess;
  const out: string[] = [];
  if (t.priority !== d.priority) out.push(line(`${prefix}_priority`, t.priority));
  if (t.noSwap) out.push(`${prefix}_no_swap`);
  if (t.realtimePriority !== undefined) out.push(line(`${prefix}_rt_priority`, t.realtimePriority));
  if (t.cpuAffinity !== undefined) out.push(line(`${prefix}_cpu_affinity`, ...t.cpuAffinity));
  if (t.rlimitRttime !== d.rlimitRttime) out.push(line(`${prefix}_rlimit_rttime`, t.rlimitRttime));
  return out;
}

function smtpLines(g: GlobalDefs): string[] {
  const out: string[] = [line('router_id', quoteWord(g.routerId))];
  if (g.notificationEmail.length) out.push(...block('notification_email', g.notificationEmail.map(quoteWord)));
  if (g.notificationEmailFrom !== undefined) out.push(line('notification_email_from', quoteWord(g.notificationEmailFrom)));
  if (g.smtpServer) out.push(line('smtp_server', quoteWord(g.smtpServer.host), g.smtpServer.port));
  if (g.smtpHeloName !== undefined) out.push(line('smtp_helo_name', quoteWord(g.smtpHeloName)));
  if (g.smtpConnectTimeout !== DEFAULTS.smtpConnectTimeout) out.push(line('smtp_connect_timeout', g.smtpConnectTimeout));
  if (g.smtpAlert !== undefined) out.push(line('smtp_alert', bool(g.smtpAlert)));
  if (g.smtpAlertVrrp !== undefined) out.push(line('smtp_alert_vrrp', bool(g.smtpAlertVrrp)));
  if (g.smtpAlertChecker !== undefined) out.push(line('smtp_alert_checker', bool(g.smtpAlertChecker)));
  if (g.checkerLogAllFailures) out.push('checker_log_all_failures');
  if (g.noEmailFaults) out.push('no_email_faults');
  if (g.noCheckerEmails) out.push('no_checker_emails');
  return out;
}

function scriptLines(g: GlobalDefs): string[] {
  const out: string[] = [];
  const scriptUser = g.scriptUser ? [line('script_user', quoteWord(g.scriptUser.user), ...(g.scriptUser.group !== undefined ? [quoteWord(g.scriptUser.group)] : []))] : [];
  // A script_user that failed leaves no default: scripts read with one came before it.
  const scriptUserFirst = g.defaultScriptUser !== 'unresolvable';
  const fifos: [string, NotifyFifo][] = [['', g.notifyFifo], ['vrrp_', g.vrrpNotifyFifo], ['lvs_', g.lvsNotifyFifo]];
  // A FIFO that took the default owner before script_user changed the default was read before it.
  const readBeforeScriptUser = ([, f]: [string, NotifyFifo]): boolean => f.owner !== undefined && !f.ownerNames && !isDefaultScriptUser(f.owner, g);
  if (scriptUserFirst) out.push(...fifos.filter(readBeforeScriptUser).flatMap(([prefix, f]) => fifoNameLine(prefix, f)), ...scriptUser);
  if (g.startupScript) out.push(scriptLine('startup_script', g.startupScript));
  if (g.startupScriptTimeout !== DEFAULTS.startupScriptTimeout) out.push(line('startup_script_timeout', g.startupScriptTimeout));
  if (g.shutdownScript) out.push(scriptLine('shutdown_script', g.shutdownScript));
  if (g.shutdownScriptTimeout !== DEFAULTS.shutdownScriptTimeout) out.push(line('shutdown_script_timeout', g.shutdownScriptTimeout));
  for (const fifo of fifos) {
    const [prefix, f] = fifo;
    if (!scriptUserFirst || !readBeforeScriptUser(fifo)) out.push(...fifoNameLine(prefix, f));
    if (f.script) out.push(scriptLine(`${prefix}notify_fifo_script`, f.script));
  }
  if (!scriptUserFirst) out.push(...scriptUser);
  out.push(...defaultUserBeforeSecurity(g));
  // Last: a default script user resolved above was resolved before security was known (and kept), as keepalived does.
  if (g.enableScriptSecurity) out.push('enable_script_security');
  return out;
}

const isDefaultScriptUser = (id: ScriptIdentity, g: GlobalDefs): boolean =>
  typeof g.defaultScriptUser === 'object' && id.uid === g.defaultScriptUser.uid && id.gid === g.defaultScriptUser.gid;

/**
 * With script security on, a default script user that is an identity was
 * resolved before enable_script_security was read, possibly by a script
 * disabled since. A start/stop script that cannot be found asks for it again
 * and is then dropped; only a slot whose timeout is already set leaves no trace.
 */
function defaultUserBeforeSecurity(g: GlobalDefs): string[] {
  if (!g.enableScriptSecurity || typeof g.defaultScriptUser !== 'object' || g.scriptUser) return [];
  const probe = { argv: ['/nonexistent/keepalived-default-script-user'] };
  if (!g.startupScript && g.startupScriptTimeout) return [scriptLine('startup_script', probe), line('startup_script_timeout', g.startupScriptTimeout)];
  if (!g.shutdownScript && g.shutdownScriptTimeout) return [scriptLine('shutdown_script', probe), line('shutdown_script_timeout', g.shutdownScriptTimeout)];
  return [];
}

/** `notify_fifo NAME [user [group]]`: an owner by the names it was given (keepalived resolves names only), else the default's. */
function fifoNameLine(prefix: string, f: NotifyFifo): string[] {
  if (f.name === undefined) return [];
  const owner = f.ownerNames ? [f.ownerNames.user, ...(f.ownerNames.group !== undefined ? [f.ownerNames.group] : [])].map(quoteWord) : [];
  return [line(`${prefix}notify_fifo`, quoteWord(f.name), ...owner)];
}

function vrrpLines(g: GlobalDefs): string[] {
  const d = DEFAULTS;
  const out: string[] = [];
  if (g.dynamicInterfaces) out.push(g.allowIfChanges ? 'dynamic_interfaces allow_if_changes' : 'dynamic_interfaces');
  if (g.defaultInterface !== undefined) out.push(line('default_interface', quoteWord(g.defaultInterface)));
  if (g.disableLocalIgmp) out.push('disable_local_igmp');
  if (g.vrrpMcastGroup4 !== d.vrrpMcastGroup4) out.push(line('vrrp_mcast_group4', g.vrrpMcastGroup4));
  if (g.vrrpMcastGroup6 !== d.vrrpMcastGroup6) out.push(line('vrrp_mcast_group6', g.vrrpMcastGroup6));
  // A refresh repeat of 0 is only reachable through vrrp_min_garp; the settings it changes are then written after it.
  const minGarp = g.vrrpGarpMasterRefreshRepeat === 0;
  if (minGarp) out.push('vrrp_min_garp');
  if (minGarp || g.vrrpGarpMasterDelay !== d.vrrpGarpMasterDelay) out.push(line('vrrp_garp_master_delay', g.vrrpGarpMasterDelay / TIMER_HZ));
  if (minGarp || g.vrrpGarpMasterRepeat !== d.vrrpGarpMasterRepeat) out.push(line('vrrp_garp_master_repeat', g.vrrpGarpMasterRepeat));
  if (g.vrrpGarpMasterRefresh !== d.vrrpGarpMasterRefresh) out.push(line('vrrp_garp_master_refresh', g.vrrpGarpMasterRefresh));
  if (!minGarp && g.vrrpGarpMasterRefreshRepeat !== d.vrrpGarpMasterRefreshRepeat) out.push(line('vrrp_garp_master_refresh_repeat', g.vrrpGarpMasterRefreshRepeat));
  if (g.vrrpGarpLowerPrioDelay !== undefined) out.push(line('vrrp_garp_lower_prio_delay', g.vrrpGarpLowerPrioDelay / TIMER_HZ));
  if (g.vrrpGarpLowerPrioRepeat !== undefined) out.push(line('vrrp_garp_lower_prio_repeat', g.vrrpGarpLowerPrioRepeat));
  if (g.vrrpDownTimerAdverts !== d.vrrpDownTimerAdverts) out.push(line('vrrp_down_timer_adverts', g.vrrpDownTimerAdverts));
  if (g.vrrpGarpInterval) out.push(line('vrrp_garp_interval', seconds(g.vrrpGarpInterval)));
  if (g.vrrpGnaInterval) out.push(line('vrrp_gna_interval', seconds(g.vrrpGnaInterval)));
  if (g.vrrpGarpExtraIf) out.push(line('vrrp_garp_extra_if', ...(g.vrrpGarpExtraIfAll ? ['all'] : []), g.vrrpGarpExtraIf));
  else if (g.vrrpGarpExtraIfAll) out.push('vrrp_garp_extra_if all');
  if (g.vrrpLowerPrioNoAdvert) out.push('vrrp_lower_prio_no_advert');
  if (g.vrrpHigherPrioSendAdvert) out.push('vrrp_higher_prio_send_advert');
  if (g.vrrpVersion !== d.vrrpVersion) out.push(line('vrrp_version', g.vrrpVersion));
  if (g.vrrpCheckUnicastSrc) out.push('vrrp_check_unicast_src');
  if (g.vrrpSkipCheckAdvAddr) out.push('vrrp_skip_check_adv_addr');
  if (g.vrrpStrict) out.push('vrrp_strict');
  if (g.vrrpNotifyPriorityChanges) out.push('vrrp_notify_priority_changes');
  if (g.fifoWriteVrrpStatesOnReload) out.push('fifo_write_vrrp_states_on_reload');
  if (g.vrrpStartupDelay) out.push(line('vrrp_startup_delay', seconds(g.vrrpStartupDelay)));
  if (g.logUnknownVrids) out.push('log_unknown_vrids');
  if (g.vmacPrefix !== undefined) out.push(line('vmac_prefix', quoteWord(g.vmacPrefix)));
  if (g.vmacAddrPrefix !== undefined) out.push(line('vmac_addr_prefix', quoteWord(g.vmacAddrPrefix)));
  const p = g.vrrpRxBufsPolicy;
  const policy = [...(p.mtu ? ['MTU'] : []), ...(p.advert ? ['ADVERT'] : []), ...(p.size !== undefined ? [String(p.size)] : [])];
  if (policy.length) out.push(line('vrrp_rx_bufs_policy', ...policy));
  if (g.vrrpRxBufsMultiplier !== d.vrrpRxBufsMultiplier) out.push(line('vrrp_rx_bufs_multiplier', g.vrrpRxBufsMultiplier));
  out.push(...bufsLines('vrrp_netlink_cmd', g.vrrpNetlinkCmdRcvBufs), ...bufsLines('vrrp_netlink_monitor', g.vrrpNetlinkMonitorRcvBufs), ...bufsLines('process_monitor', g.processMonitorRcvBufs));
  return out;
}

function bufsLines(prefix: string, b: NetlinkBufs): string[] {
  return [...(b.size !== undefined ? [line(`${prefix}_rcv_bufs`, b.size)] : []), ...(b.force ? [`${prefix}_rcv_bufs_force`] : [])];
}

function firewallLines(g: GlobalDefs): string[] {
  const d = DEFAULTS;
  const out: string[] = [];
  // nftables resets the priority, so the priority follows it.
  if (g.vrrpNftablesTable !== undefined) out.push(line('nftables', quoteWord(g.vrrpNftablesTable)));
  if (g.vrrpNftablesPriority !== d.vrrpNftablesPriority) out.push(line('nftables_priority', g.vrrpNftablesPriority));
  if (g.vrrpNftablesIfindex) out.push('nftables_ifindex');
  if (g.ipvsNftablesTable !== undefined) out.push(line('nftables_ipvs', quoteWord(g.ipvsNftablesTable)));
  if (g.ipvsNftablesPriority !== d.ipvsNftablesPriority) out.push(line('nftables_ipvs_priority', g.ipvsNftablesPriority));
  if (g.ipvsNftablesStartFwmark !== d.ipvsNftablesStartFwmark) out.push(line('nftables_ipvs_start_fwmark', g.ipvsNftablesStartFwmark));
  if (g.nftablesCounters) out.push('nftables_counters');
  return out;
}

function lvsLines(g: GlobalDefs): string[] {
  const out: string[] = [];
  const t = g.lvsTimeouts;
  const timeouts = [...(t.tcp !== undefined ? ['tcp', t.tcp] : []), ...(t.tcpFin !== undefined ? ['tcpfin', t.tcpFin] : []), ...(t.udp !== undefined ? ['udp', t.udp] : [])];
  if (timeouts.length) out.push(line('lvs_timeouts', ...timeouts));
  if (g.lvsFlush) out.push('lvs_flush');
  if (g.lvsFlushOnStop !== 'none') out.push(g.lvsFlushOnStop === 'vs' ? 'lvs_flush_on_stop VS' : 'lvs_flush_on_stop');
  const s = g.lvsSyncDaemon;
  if (s) {
    const opt = (name: string, v: string | number | undefined): (string | number)[] => (v === undefined ? [] : [name, v]);
    out.push(line('lvs_sync_daemon', quoteWord(s.interface), ...opt('inst', s.vrrpInstance && quoteWord(s.vrrpInstance)), ...opt('id', s.syncId), ...opt('maxlen', s.maxlen), ...opt('port', s.port), ...opt('ttl', s.ttl), ...opt('group', s.group)));
  }
  out.push(...bufsLines('lvs_netlink_cmd', g.lvsNetlinkCmdRcvBufs), ...bufsLines('lvs_netlink_monitor', g.lvsNetlinkMonitorRcvBufs));
  if (g.rsInitNotifies) out.push('rs_init_notifies');
  return out;
}

function miscLines(g: GlobalDefs): string[] {
  const out: string[] = [];
  if (g.snmpSocket !== undefined) out.push(line('snmp_socket', quoteWord(g.snmpSocket)));
  if (g.enableTraps) out.push('enable_traps');
  if (g.enableSnmpVrrp) out.push('enable_snmp_vrrp');
  if (g.enableSnmpRfcv2) out.push('enable_snmp_rfcv2');
  if (g.enableSnmpRfcv3) out.push('enable_snmp_rfcv3');
  if (g.enableSnmpChecker) out.push('enable_snmp_checker');
  if (g.enableDbus) out.push('enable_dbus');
  if (g.dbusServiceName !== undefined) out.push(line('dbus_service_name', quoteWord(g.dbusServiceName)));
  if (g.umask !== undefined) out.push(line('umask', `0${g.umask.toString(8)}`));
  if (g.randomSeed !== undefined) out.push(line('random_seed', g.randomSeed));
  if (g.includeCheck !== undefined) out.push(line('include_check', ...g.includeCheck.map(quoteWord)));
  if (g.reloadCheckConfig !== undefined) out.push(line('reload_check_config', quoteWord(g.reloadCheckConfig)));
  if (g.reloadTimeFile !== undefined) out.push(line('reload_time_file', quoteWord(g.reloadTimeFile)));
  if (g.reloadRepeat) out.push('reload_repeat');
  if (g.reloadFile !== undefined) out.push(g.reloadFile === 'default' ? 'reload_file' : line('reload_file', quoteWord(g.reloadFile)));
  if (g.configSaveDir !== undefined) out.push(line('config_save_dir', quoteWord(g.configSaveDir)));
  if (g.tmpConfigDirectory !== undefined) out.push(line('tmp_config_directory', quoteWord(g.tmpConfigDirectory)));
  if (g.dataUseInstance) out.push('data_use_instance');
  return out;
}

