/**
 * The "Global definitions" section keepalived 2.2.7 writes at the top of each
 * dump file (global_data.c dump_global_data): keepalived.data from the VRRP
 * process, keepalived_parent.data from the parent (main.c print_parent_data).
 * Lines we hold no true value for are left out (see data-file.ts).
 */
import type { Config } from '../config/parse.js';
import type { NetlinkBufs } from '../config/global/model.js';
import { commandText } from '../config/scripts/parse.js';
import { enabled, formatG, onOff, secs, trueFalse, yesNo } from './dump-format.js';

/** keepalived's PARAMETER_UNSET printed with %u. */
const PARAMETER_UNSET = 4294967295;

/** Which process dumps: the VRRP process completes some values the parent leaves unset. */
export type DumpingProcess = 'parent' | 'vrrp';

/** dump_global_data: the lines we hold a value for, in keepalived's order. */
export function globalDefinitionLines(g: Config['global'], process: DumpingProcess): string[] {
  // the VRRP process's vrrp_complete_init fills unset ones in from garp_master_*; the parent's stay PARAMETER_UNSET
  const lowerPrio =
    process === 'vrrp'
      ? { delay: secs(g.vrrpGarpLowerPrioDelay ?? g.vrrpGarpMasterDelay), repeat: g.vrrpGarpLowerPrioRepeat ?? g.vrrpGarpMasterRepeat }
      : { delay: g.vrrpGarpLowerPrioDelay === undefined ? PARAMETER_UNSET : secs(g.vrrpGarpLowerPrioDelay), repeat: g.vrrpGarpLowerPrioRepeat ?? PARAMETER_UNSET };
  const out = ['------< Global definitions >------'];
  out.push(` Network namespace = ${g.networkNamespace ?? '(default)'}`);
  out.push(` Network namespace ipvs = ${g.networkNamespaceIpvs === undefined ? '(main namespace)' : g.networkNamespaceIpvs || '(default)'}`);
  if (g.instanceName !== undefined) out.push(` Instance name = ${g.instanceName}`);
  if (g.processName !== undefined) out.push(` Parent process name = ${g.processName}`);
  if (g.vrrpProcessName !== undefined) out.push(` VRRP process name = ${g.vrrpProcessName}`);
  if (g.checkerProcessName !== undefined) out.push(` LVS process name = ${g.checkerProcessName}`);
  if (g.bfdProcessName !== undefined) out.push(` BFD process name = ${g.bfdProcessName}`);
  if (g.routerId) out.push(` Router ID = ${g.routerId}`);
  if (g.smtpServer) {
    out.push(` Smtp server = ${g.smtpServer.address}`, ` Smtp server port = ${g.smtpServer.port}`);
  }
  if (g.smtpHeloName !== undefined) out.push(` Smtp HELO name = ${g.smtpHeloName}`);
  if (g.smtpServer) out.push(` Smtp server connection timeout = ${g.smtpConnectTimeout}`);
  if (g.notificationEmailFrom !== undefined) {
    out.push(` Email notification from = ${g.notificationEmailFrom}`, ' Email notification to:');
    for (const e of g.notificationEmail) out.push(`   ${e}`);
  }
  out.push(
    ` Default smtp_alert = ${onOff(g.smtpAlert)}`,
    ` Default smtp_alert_vrrp = ${onOff(g.smtpAlertVrrp)}`,
    ` Default smtp_alert_checker = ${onOff(g.smtpAlertChecker)}`,
    ` Checkers log all failures = ${trueFalse(g.checkerLogAllFailures)}`,
  );
  out.push(g.reloadCheckConfig !== undefined ? ` Test config before reload, log to ${g.reloadCheckConfig}` : ' No test config before reload');
  if (g.reloadFile !== undefined) out.push(` Reload_file = ${g.reloadFile}`);
  if (g.tmpConfigDirectory !== undefined) out.push(` config save directory = ${g.tmpConfigDirectory}`);
  if (g.dataUseInstance) out.push(' Use instance name in data dumps');
  const s = g.startupScript;
  if (s) out.push(` Startup script = ${commandText(s)}, uid:gid ${s.uid}:${s.gid}, timeout ${g.startupScriptTimeout}`);
  const t = g.shutdownScript;
  if (t) out.push(` Shutdown script = ${commandText(t)}, uid:gid ${t.uid}:${t.gid} timeout ${g.shutdownScriptTimeout}`);
  out.push(` Dynamic interfaces = ${trueFalse(g.dynamicInterfaces)}`);
  if (g.dynamicInterfaces) out.push(` Allow interface changes = ${trueFalse(g.allowIfChanges)}`);
  if (g.noEmailFaults) out.push(' Send emails for fault transitions = off');
  if (g.lvsTimeouts.tcp) out.push(` LVS TCP timeout = ${g.lvsTimeouts.tcp}`);
  if (g.lvsTimeouts.tcpFin) out.push(` LVS TCP FIN timeout = ${g.lvsTimeouts.tcpFin}`);
  // sic: keepalived 2.2.7 labels the UDP timeout "LVS TCP timeout"
  if (g.lvsTimeouts.udp) out.push(` LVS TCP timeout = ${g.lvsTimeouts.udp}`);
  // only the VRRP process knows its default interface
  if (process === 'vrrp') out.push(` Default interface = ${g.defaultInterface ?? 'eth0'}`);
  out.push(` Disable local IGMP = ${yesNo(g.disableLocalIgmp)}`);
  out.push(` LVS flush = ${trueFalse(g.lvsFlush)}`);
  out.push(` LVS flush on stop = ${g.lvsFlushOnStop === 'full' ? 'full' : g.lvsFlushOnStop === 'vs' ? 'VS' : 'disabled'}`);
  const defaultUser = typeof g.defaultScriptUser === 'object' ? g.defaultScriptUser : undefined;
  const fifo = (label: string, f: Config['global']['notifyFifo']): void => {
    if (f.name === undefined) return;
    const owner = f.owner ?? defaultUser;
    if (owner) out.push(` ${label} notify fifo = ${f.name}, uid:gid ${owner.uid}:${owner.gid}`);
    if (f.script) out.push(` ${label} notify fifo script = ${commandText(f.script)}, uid:gid ${f.script.uid}:${f.script.gid}`);
  };
  fifo('Global', g.notifyFifo);
  fifo('VRRP', g.vrrpNotifyFifo);
  fifo('LVS', g.lvsNotifyFifo);
  out.push(
    ` FIFO write vrrp states on reload = ${trueFalse(g.fifoWriteVrrpStatesOnReload)}`,
    ` VRRP notify priority changes = ${trueFalse(g.vrrpNotifyPriorityChanges)}`,
    ` VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`,
    ` VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`,
    ` Gratuitous ARP delay = ${secs(g.vrrpGarpMasterDelay)}`,
    ` Gratuitous ARP repeat = ${g.vrrpGarpMasterRepeat}`,
    ` Gratuitous ARP refresh timer = ${g.vrrpGarpMasterRefresh}`,
    ` Gratuitous ARP refresh repeat = ${g.vrrpGarpMasterRefreshRepeat}`,
    ` Gratuitous ARP lower priority delay = ${lowerPrio.delay}`,
    ` Gratuitous ARP lower priority repeat = ${lowerPrio.repeat}`,
    ` Num adverts before down = ${g.vrrpDownTimerAdverts}`,
  );
  // printed unless PARAMETER_UNSET, which its default (0) is not
  out.push(` Gratuitous ARP for each secondary ${g.vrrpGarpExtraIfAll ? 'i/f' : 'VMAC'} = ${g.vrrpGarpExtraIf}s`);
  out.push(
    ` Send advert after receive lower priority advert = ${trueFalse(!g.vrrpLowerPrioNoAdvert)}`,
    ` Send advert after receive higher priority advert = ${trueFalse(g.vrrpHigherPrioSendAdvert)}`,
    ` Gratuitous ARP interval = ${(g.vrrpGarpInterval / 1e6).toFixed(6)}`,
    ` Gratuitous NA interval = ${(g.vrrpGnaInterval / 1e6).toFixed(6)}`,
    ` VRRP default protocol version = ${g.vrrpVersion}`,
  );
  if (g.vrrpNftablesTable !== undefined) {
    out.push(
      ` nftables table name = ${g.vrrpNftablesTable}`,
      ` nftables base chain priority = ${g.vrrpNftablesPriority}`,
      ` nftables ${g.vrrpNftablesIfindex ? '' : "don't "}force use ifindex for link local IPv6`,
    );
  }
  if (g.ipvsNftablesTable !== undefined) {
    out.push(
      ` ipvs nftables table name = ${g.ipvsNftablesTable}`,
      ` ipvs nftables base chain priority = ${g.ipvsNftablesPriority}`,
      ` ipvs nftables start fwmark = ${g.ipvsNftablesStartFwmark}`,
    );
  }
  out.push(` nftables with${g.nftablesCounters ? '' : 'out'} counters`);
  out.push(
    ` VRRP check unicast_src = ${trueFalse(g.vrrpCheckUnicastSrc)}`,
    ` VRRP skip check advert addresses = ${trueFalse(g.vrrpSkipCheckAdvAddr)}`,
    ` VRRP strict mode = ${trueFalse(g.vrrpStrict)}`,
    ` Max auto priority = ${g.maxAutoPriority === -1 ? 'Disabled' : g.maxAutoPriority}`,
    ` Min auto priority delay = ${g.minAutoPriorityDelay} usecs`,
  );
  const tuning = (label: string, p: Config['global']['vrrpProcess']): void => {
    out.push(
      ` ${label} process priority = ${p.priority}`,
      ` ${label} don't swap = ${trueFalse(p.noSwap)}`,
      ` ${label} realtime priority = ${p.realtimePriority ?? 0}`,
      ` ${label} realtime limit = ${p.rlimitRttime}`,
    );
  };
  tuning('VRRP', g.vrrpProcess);
  tuning('Checker', g.checkerProcess);
  tuning('BFD', g.bfdProcess);
  out.push(
    ` SNMP vrrp ${enabled(g.enableSnmpVrrp)}`,
    ` SNMP checker ${enabled(g.enableSnmpChecker)}`,
    ` SNMP RFCv2 ${enabled(g.enableSnmpRfcv2)}`,
    ` SNMP RFCv3 ${enabled(g.enableSnmpRfcv3)}`,
    ` SNMP traps ${enabled(g.enableTraps)}`,
    ` SNMP socket = ${g.snmpSocket ?? 'default (unix:/var/agentx/master)'}`,
    ` DBus ${enabled(g.enableDbus)}`,
    ` DBus service name = ${g.dbusServiceName ?? ''}`,
  );
  out.push(` Script security ${enabled(g.enableScriptSecurity)}`);
  if (defaultUser) out.push(` Default script uid:gid ${defaultUser.uid}:${defaultUser.gid}`);
  const bufs = (name: string, b: NetlinkBufs): string[] => [` ${name}_rcv_bufs = ${b.size ?? 0}`, ` ${name}_rcv_bufs_force = ${b.force ? 1 : 0}`];
  out.push(
    ...bufs('vrrp_netlink_cmd', g.vrrpNetlinkCmdRcvBufs),
    ...bufs('vrrp_netlink_monitor', g.vrrpNetlinkMonitorRcvBufs),
    ...bufs('process_monitor', g.processMonitorRcvBufs),
    ...bufs('lvs_netlink_cmd', g.lvsNetlinkCmdRcvBufs),
    ...bufs('lvs_netlink_monitor', g.lvsNetlinkMonitorRcvBufs),
    ` rs_init_notifies = ${g.rsInitNotifies ? 1 : 0}`,
    ` no_checker_emails = ${g.noCheckerEmails ? 1 : 0}`,
  );
  const rx = g.vrrpRxBufsPolicy;
  if (rx.mtu) out.push(' rx_bufs_policy = MTU');
  else if (rx.advert) out.push(' rx_bufs_policy = ADVERT');
  else if (rx.size !== undefined) out.push(` rx_bufs_size = ${rx.size}`);
  out.push(` rx_bufs_multiples = ${g.vrrpRxBufsMultiplier}`);
  // the daemons pass the mask in force; a configuration read alone has only what it sets
  if (g.umask !== undefined) out.push(` umask = 0${g.umask.toString(8)}`);
  if (g.vrrpStartupDelay) out.push(` vrrp_startup_delay = ${formatG(g.vrrpStartupDelay / 1e6)}`);
  if (g.logUnknownVrids) out.push(' log_unknown_vrids');
  if (g.vmacPrefix !== undefined) out.push(` VMAC prefix = ${g.vmacPrefix}`);
  if (g.vmacAddrPrefix !== undefined) out.push(` VMAC address prefix = ${g.vmacAddrPrefix}`);
  return out;
}

