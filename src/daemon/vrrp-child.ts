/**
 * The VRRP child process (keepalived's Keepalived_vrrp): reads the
 * configuration, opens the kernel-facing ports, runs the instances and the
 * scripts and files they track, reloads on SIGHUP and stops gracefully on
 * SIGTERM/SIGINT (the process plumbing is child-skeleton.ts's).
 * Its own process keeps the advert timers free of any other work.
 */
import { CHILD_EXIT_CONFIG, CHILD_EXIT_CRASH } from './child-exit.js';
import { readForReload } from './reload-read.js';
import { readOptions, type CliOptions } from './cli-options.js';
import { monotonicClock } from '../base/clock.js';
import { parseConfig, type Config } from '../config/parse.js';
import type { GlobalDefs } from '../config/global/model.js';
import type { Logger } from '../base/logger.js';
import { rtnetlinkAddressPort } from '../net/addresses.js';
import { rtnetlinkRoutePort } from '../net/routes.js';
import { StaticEntries } from '../vrrp/runner/static-entries.js';
import { createAdvertSocketFactory } from '../net/advert-sockets.js';
import { announceErrorLine, createAnnouncePort } from '../net/announce.js';
import { AnnounceQueue } from '../net/announce-queue.js';
import { openInterfaceTable } from '../net/interfaces.js';
import { nftFirewall } from '../net/nft-firewall.js';
import { nftDefaultTableNotice, nftOptions } from '../vrrp/firewall/options.js';
import { procSysctl, rtnetlinkLinkPort, VmacLinks, type VirtualLink } from '../net/vmac-links.js';
import { mailerFor } from '../notify/mail/mailer.js';
import { NotifyFifos } from '../notify/fifo.js';
import { notifyRunner } from '../notify/notify-runner.js';
import { ApprovedScripts } from '../scripts/script-gate.js';
import { ChildScriptPort } from '../scripts/script-port.js';
import { TrackFileWatcher } from '../track/track-file-watcher.js';
import { ProcessTracker } from '../track/process-tracker.js';
import { hostProcEvents, PROC_EVENTS_FD_ENV } from '../base/proc-events.js';
import { trackedScript, VrrpScriptTracker, type VrrpScriptTrackerPorts } from '../track/vrrp-script-tracker.js';
import { writeDataFile, type VrrpDumpInput } from '../observe/data-file.js';
import { writeJsonFile } from '../observe/json-file.js';
import { ChildSkeleton, type ChildFeatures } from './child-skeleton.js';
import { VrrpMetrics } from '../observe/vrrp-metrics.js';
import { registerProcessMetrics } from '../observe/process-metrics.js';
import { dumpFilePath, writeStatsFile } from '../observe/stats-file.js';
import { applyConfiguredUmask } from './umask.js';
import { dumpedGlobals } from './dumped-globals.js';
import { hostSystem } from '../config/system.js';
import { hostProcessSched } from '../base/process-sched.js';
import { processSchedule, type ProcessSchedule } from './process-schedule.js';
import { ProcessScheduling } from './process-scheduling.js';
import { reportingLateTimers } from './late-timers.js';
import { VrrpRunner } from '../vrrp/runner/runner.js';
import { vrrpSettingsFromConfig, type InstanceRunSettings, type VrrpRunSettings } from '../vrrp/settings/from-config.js';
import { VrrpSyncDaemon, type VrrpSyncDaemonPorts } from '../check/vrrp-sync-daemon.js';
import type { TrackChange } from '../vrrp/fsm/track.js';
import { pidFileNames } from './pid-names.js';
import { watchedInterfaces } from '../vrrp/fsm/settings.js';
import { addressVmacLinks, baseInterfaceOf, ipvlanLink, vmacLink } from '../vrrp/settings/vmac.js';
import { RouteMonitor } from '../net/route-monitor.js';
import { monitorGroups, type MonitorGroups } from '../vrrp/settings/route-track.js';
import { RateLimitedLog } from '../log/rate-limited-log.js';

/** A flood of undecodable route notifications gets one line per window, then a count. */
const NOTIFICATION_LOG_WINDOW_US = 10_000_000;

export async function runVrrpProcess(o: CliOptions): Promise<number> {
  const child = ChildSkeleton.forProcess(o, 'vrrp');
  const { log } = child;
  const { config } = parseConfig(o.configFile, { ...readOptions(o), testMode: false });
  if (config.vrrp.fatal !== undefined) {
    // as keepalived's VRRP process (start_vrrp → stop_vrrp(KEEPALIVED_EXIT_CONFIG)): nothing runs, no script either
    log.error(config.vrrp.fatal);
    return CHILD_EXIT_CONFIG;
  }
  const settings = vrrpSettingsFromConfig(config);
  for (const problem of settings.problems) log.warn(problem);
  return child.run(pidFileNames(o, config.global).vrrp, 'VRRP child', () => startVrrp(o, child, config, settings));
}

/** Opens the kernel-facing ports and starts the instances and the scripts and files they track. */
async function startVrrp(o: CliOptions, child: ChildSkeleton, startConfig: Config, startSettings: VrrpRunSettings): Promise<ChildFeatures> {
  const { log } = child;
  // replaced at each SIGHUP that brings a usable configuration
  let config = startConfig;
  let settings = startSettings;
  // as start_vrrp's ipvs_start, IPVS first: failing to open it ends the child before anything runs, as a crash
  // the parent restarts (keepalived's dies of SIGSEGV there, see vrrp-sync-daemon.ts)
  const syncd = new VrrpSyncDaemon({
    open: openIpvs,
    state: (instance) => (runner.instances().find((i) => i.name === instance)?.state.state === 'MASTER' ? 'master' : 'backup'),
    log,
  });
  if (!(await syncd.take(config, false))) {
    child.exit(CHILD_EXIT_CRASH);
    return { stop: () => undefined };
  }
  log.info('Registering Kernel netlink reflector');
  // applied once everything runs (below); late timers may raise the priority before (max_auto_priority)
  const scheduling = new ProcessScheduling(hostProcessSched(), 'vrrp', log);
  const clock = reportingLateTimers(monotonicClock, (lateUs) => scheduling.timerLate(lateUs));
  const interfaces = await openInterfaceTable((error) => log.error(`Netlink: ${error.message}`));
  // keepalived's netlink_if_link_filter says so for a link an instance follows, and under -D for any; not of
  // the links it deletes itself as it stops
  let stopping = false;
  interfaces.onChange((info, removed) => {
    if (!removed || stopping) return;
    const line = `Interface ${info.name} deleted`;
    if (followedInterfaces(settings).has(info.name)) log.info(line);
    else log.detail(line);
  });
  logFirewallNotice(settings, log);
  // keepalived creates the VMACs before it opens the sockets on them
  // the runner (made below) hears of a VMAC gone and made again: its firewall maps are keyed by interface index
  let runnerOf: () => VrrpRunner | undefined = () => undefined;
  const vmacs = new VmacLinks({
    link: rtnetlinkLinkPort(),
    sysctl: procSysctl,
    interfaces,
    log: (m) => log.info(m),
    detail: (m) => log.detail(m),
    gone: (ifname, index) => runnerOf()?.vmacGone(ifname, index),
    remade: (ifname) => runnerOf()?.vmacMade(ifname),
  });
  await vmacs.apply(vmacLinks(settings), namedInterfaces(settings));
  const scriptPort = new ChildScriptPort(new ApprovedScripts(config.approvedScripts, 'vrrp'), (message) => log.info(message));
  const fifos = NotifyFifos.open(settings.fifos, { scripts: scriptPort, log: (m) => log.info(m), process: 'vrrp' });
  // the tables announcements are paced by, made again when a reload brings new settings
  let pacing = announcePacing(settings);
  const announcePort = createAnnouncePort(undefined, undefined, (line) => log.detail(line));
  const announcer = new AnnounceQueue(
    clock,
    announcePort,
    (family, iface) => {
      const base = pacing.baseOf(iface.name);
      return { intervalUs: pacing.intervalUs(family, base), group: base };
    },
    (error, vip, iface) => log.info(announceErrorLine(error, vip, iface)),
  );
  // read at each scrape (--metrics-listen: the parent asks over the IPC channel)
  const metrics = new VrrpMetrics(
    {
      instances: () => runner.instances(),
      scripts: () => trackers.map(({ name, tracker }) => ({ name, ok: tracker.ok, running: tracker.progress.running })),
      configFaulted: () => settings.instances.filter((i) => i.configFault !== undefined),
    },
    { nowUs: () => clock.nowUs() },
  );
  registerProcessMetrics(metrics.registry, 'vrrp');
  const addresses = rtnetlinkAddressPort();
  const routes = rtnetlinkRoutePort((name) => interfaces.byName(name)?.index);
  const statics = new StaticEntries(settings.statics, { interfaces, addresses, routes, log });
  // notification_email / smtp_server as the configuration running has them
  let mail = mailerFor(config.global, { log, detail: o.logDetail });
  const runner = new VrrpRunner(settings, {
    clock,
    interfaces,
    addresses,
    routes,
    firewall: nftFirewall,
    sockets: createAdvertSocketFactory((error, options) => log.error(`VRRP socket on ${options.ifname}: ${error.message}`)),
    announcer,
    notify: notifyRunner(scriptPort),
    fifo: (line) => fifos.write(line),
    mail: (subject, body) => mail(subject, body),
    log,
    onStateChange: (instance, from, to, atUs) => {
      metrics.stateChanged(instance, from, to, atUs);
      syncd.transition(instance, from, to);
    },
  });
  runnerOf = () => runner;

  // keepalived_netlink.c: deleted routes and rules, first against the instances' entries, then the static ones
  const droppedNotices = new RateLimitedLog(clock, NOTIFICATION_LOG_WINDOW_US);
  let dropped = 0;
  const routeMonitor = new RouteMonitor({
    deleted: (d) => void (runner.routingDeleted(d) || statics.deleted(d)),
    malformed: (reason) => droppedNotices.write('malformed', `Netlink: route/rule notification dropped (${++dropped} so far): ${reason}`, (line) => log.error(line)),
    error: (error) => log.error(`Netlink: ${error.message}`),
  });
  const trackerPorts = { clock, scripts: scriptPort, onChange: (c: TrackChange) => runner.track(c), log: (m: string) => log.info(m) };
  let trackers = scriptTrackers(config, settings, trackerPorts);
  const filePorts = { onChange: (c: TrackChange) => runner.track(c), log: (m: string) => log.info(m) };
  let files = await TrackFileWatcher.start(config.trackFiles, filePorts);

  await syncd.started();

  // vrrp_track_process: the kernel's process events (vrrp.c vrrp_complete_init → init_track_processes)
  const processPorts = {
    clock,
    proc: childProcEvents(),
    onChange: (c: TrackChange) => runner.track(c),
    log: (m: string) => log.info(m),
    logDetail: (m: string) => log.detail(m),
  };
  let processes = new ProcessTracker(config.vrrp.trackProcesses, processPorts, config.global.processMonitorRcvBufs);
  // start_vrrp: leftover static rules cleared, the instances' leftovers cleared, static entries set, instances run
  statics.clearLeftovers();
  const newLinks = new Set(vmacLinks(settings).flatMap((l) => (vmacs.isNew(l.ifname) ? [l.ifname] : [])));
  runner.start({
    scripts: scriptStates(trackers),
    files: Object.fromEntries(files.values),
    processes: processes.start(),
    newLinks,
    dontReleaseVrrp: o.dontReleaseVrrp,
  });
  await statics.start();
  routeMonitor.watch(monitoredGroups(settings));
  for (const { tracker } of trackers) tracker.start();

  // as keepalived's timers: monotonic, shown as wall-clock times through an offset taken once at startup
  const wallOffsetUs = Math.round(Date.now() * 1000 - clock.nowUs());
  /** What SIGUSR1's and SIGJSON's dumps print: the runner's view, the configuration and the script runners. */
  const dumpSystem = hostSystem();
  const dumpInput = (): VrrpDumpInput => ({
    instances: runner.instances(),
    groups: runner.syncGroups(),
    config: dumpedConfig(config, settings, dumpedGlobals(o, config.global, dumpSystem)),
    scripts: trackers.flatMap(({ name, tracker }) => {
      const configured = config.vrrp.scripts.find((s) => s.name === name);
      return configured ? [{ config: configured, ...tracker.progress }] : [];
    }),
    wallOffsetUs,
    ifindex: (name) => interfaces.byName(name)?.index,
    scheduling: scheduling.current(),
  });
  const dump = (file: string, write: () => unknown): void => {
    try {
      write();
    } catch (error) {
      log.info(`Can't open dump file ${file} (${(error as Error).message})`);
    }
  };
  const warn = (message: string): void => log.warn(message);

  /**
   * SIGHUP (keepalived's sigreload_vrrp, reload_vrrp_thread): masters advertise once, the configuration is read
   * again and, unless it would break the node (config/reload-check.ts), the runner takes it over; the scripts
   * and track files are restarted for it, each script keeping the standing of the same-named one.
   */
  const reload = async (): Promise<void> => {
    log.info('Reloading');
    runner.advertiseMasters();
    const parsed = readForReload(o.configFile, { ...readOptions(o), testMode: false }, log);
    if (!parsed) return;
    if (parsed.config.vrrp.fatal !== undefined) {
      // keepalived's VRRP process would exit here; keeping the running configuration is kinder
      log.error(`Reload aborted: ${parsed.config.vrrp.fatal}; the running configuration is kept`);
      return;
    }
    applyConfiguredUmask(o.umask, parsed.config.global.umask, (m) => log.info(m));
    const next = vrrpSettingsFromConfig(parsed.config);
    for (const problem of next.problems) log.warn(problem);
    logFirewallNotice(next, log);
    const nextFiles = await TrackFileWatcher.start(parsed.config.trackFiles, filePorts, { reload: true });
    if (child.stopping) {
      nextFiles.close();
      return;
    }
    const previousSyncd = syncd.current;
    if (!(await syncd.take(parsed.config, true))) {
      nextFiles.close();
      child.exit(CHILD_EXIT_CRASH);
      return;
    }
    const nextTrackers = scriptTrackers(parsed.config, next, trackerPorts);
    for (const { name, tracker } of nextTrackers) {
      const previous = trackers.find((t) => t.name === name);
      if (previous) tracker.adopt(previous.tracker);
    }
    for (const { tracker } of trackers) tracker.stop();
    files.close();
    fifos.reconfigure(next.fifos);
    config = parsed.config;
    mail = mailerFor(config.global, { log, detail: o.logDetail });
    scriptPort.approve(new ApprovedScripts(config.approvedScripts, 'vrrp'));
    const previousVmacs = vmacLinks(settings);
    settings = next;
    pacing = announcePacing(next);
    trackers = nextTrackers;
    files = nextFiles;
    // new VMACs before the runner opens sockets on them; the ones no instance uses any more after it let go
    const nextVmacs = vmacLinks(next);
    const madeBefore = new Set(nextVmacs.flatMap((l) => (vmacs.has(l.ifname) ? [l.ifname] : [])));
    await vmacs.apply([...previousVmacs.filter((l) => !nextVmacs.some((n) => n.ifname === l.ifname)), ...nextVmacs], namedInterfaces(next));
    const newLinks = new Set(nextVmacs.flatMap((l) => (!madeBefore.has(l.ifname) && vmacs.isNew(l.ifname) ? [l.ifname] : [])));
    // reload_track_processes: counted afresh for the new blocks
    processes.stop();
    processes = new ProcessTracker(config.vrrp.trackProcesses, { ...processPorts, proc: childProcEvents() }, config.global.processMonitorRcvBufs);
    await statics.reload(next.statics);
    runner.reload(next, { scripts: scriptStates(trackers), files: Object.fromEntries(files.values), processes: processes.start(), newLinks });
    routeMonitor.watch(monitoredGroups(next));
    await vmacs.apply(nextVmacs, namedInterfaces(next));
    for (const { tracker } of trackers) tracker.start();
    await syncd.reloaded(previousSyncd);
  };

  // as start_vrrp: once everything runs; a reload takes it back and applies the new one
  const schedule = (): ProcessSchedule => processSchedule(config.global, 'vrrp');
  scheduling.apply(schedule());

  return {
    metrics: () => metrics.metrics(),
    reload: () => scheduling.reloading(reload, schedule),
    stop: async () => {
      stopping = true;
      // our own deletions from here on are not to be put back
      routeMonitor.close();
      droppedNotices.close();
      // vrrp_terminate_phase1: end_process_monitor first
      processes.stop();
      for (const { tracker } of trackers) tracker.stop();
      files.close();
      await syncd.stop();
      // -V: keepalived skips restore_vrrp_interfaces and shutdown_vrrp_instances: VIPs, VMACs and their sysctls stay
      await runner.stop({ keepAddresses: o.dontReleaseVrrp });
      // the static entries go whatever -V says (vrrp_terminate_phase1)
      await statics.stop();
      if (!o.dontReleaseVrrp) await vmacs.removeAll();
      announcer.clear();
      announcePort.close();
      fifos.close();
      // Node cannot ask the kernel to end scripts with us (PR_SET_PDEATHSIG)
      scriptPort.killAll('SIGTERM');
      interfaces.close();
    },
    dumps: {
      // vrrp_daemon.c sigusr1_vrrp, sigusr2_vrrp, sigjson_vrrp log before they dump
      SIGUSR1: () => {
        log.info(`Printing VRRP data for process(${process.pid}) on signal`);
        dump('keepalived.data', () => writeDataFile(dumpInput(), warn));
      },
      SIGUSR2: () => {
        log.info(`Printing VRRP stats for process(${process.pid}) on signal`);
        try {
          writeStatsFile(runner.instances(), warn);
        } catch (error) {
          log.info(`Can't open ${dumpFilePath('keepalived.stats')} (${(error as Error).message})`);
        }
      },
      SIGSTATS_CLEAR: () => {
        log.info(`Printing and clearing VRRP stats for process(${process.pid}) on signal`);
        try {
          writeStatsFile(runner.instances(), warn);
        } catch (error) {
          log.info(`Can't open ${dumpFilePath('keepalived.stats')} (${(error as Error).message})`);
        }
        runner.clearStats();
      },
      SIGJSON: () => {
        log.info(`Printing VRRP as json for process(${process.pid}) on signal`);
        dump('keepalived.json', () => writeJsonFile(dumpInput(), warn));
      },
    },
  };
}

/** IPVS for the sync daemon, in net_namespace_ipvs's namespace as keepalived's ipvs_init. */
async function openIpvs(namespace: string | undefined): ReturnType<VrrpSyncDaemonPorts['open']> {
  // loaded only here: most VRRP processes never speak IPVS
  const { openNetlinkPort } = await import('../ipvs/netlink-port.js');
  return openNetlinkPort(namespace);
}

/**
 * The configuration as the VRRP process's keepalived.data shows it: the globals as dumped (dumped-globals.ts),
 * and the default nftables table vrrp_complete_instance names when an instance needs one.
 */
function dumpedConfig(config: Config, settings: VrrpRunSettings, global: GlobalDefs): Config {
  const table = nftOptions(settings.nftables, settings.instances)?.table;
  return { ...config, global: { ...global, ...(table === undefined ? {} : { vrrpNftablesTable: table }) } };
}

/** As keepalived's vrrp_complete_instance, each time the VRRP process reads the configuration. */
function logFirewallNotice(settings: VrrpRunSettings, log: Logger): void {
  const notice = nftDefaultTableNotice(settings.nftables, settings.instances);
  if (notice) log.info(notice);
}

/** A runner for every vrrp_script some instance or sync group tracks. */
function scriptTrackers(config: Config, settings: VrrpRunSettings, ports: VrrpScriptTrackerPorts): { name: string; tracker: VrrpScriptTracker }[] {
  const tracked = new Set(settings.instances.flatMap((i) => i.fsm.tracked.filter((t) => t.kind === 'script').map((t) => t.name)));
  return config.vrrp.scripts
    .filter((s) => tracked.has(s.name))
    .flatMap((s) => {
      const script = trackedScript(s);
      return script ? [{ name: s.name, tracker: new VrrpScriptTracker(script, ports) }] : [];
    });
}

/** What the scripts that have spoken say (the others are still on keepalived's init assumption). */
function scriptStates(trackers: readonly { name: string; tracker: VrrpScriptTracker }[]): Record<string, boolean> {
  const scripts: Record<string, boolean> = {};
  for (const { name, tracker } of trackers) if (tracker.ok !== undefined) scripts[name] = tracker.ok;
  return scripts;
}

/** The route and rule groups the instances that run and the static entries need (vrrp.c set_extra_netlink_monitoring). */
function monitoredGroups(settings: VrrpRunSettings): MonitorGroups {
  const running = settings.instances.filter((i) => i.configFault === undefined);
  return monitorGroups({ routes: running.flatMap((i) => i.routes), rules: running.flatMap((i) => i.rules) }, settings.statics);
}

/** Each instance's VMAC or ipvlan, then its addresses' VMACs (keepalived's order), each name once. */
function vmacLinks(settings: VrrpRunSettings): VirtualLink[] {
  const links = settings.instances.flatMap((run): VirtualLink[] => [ipvlanLink(run) ?? vmacLink(run) ?? [], addressVmacLinks(run)].flat());
  return links.filter((l, i) => links.findIndex((o) => o.ifname === l.ifname) === i);
}

/** The interfaces the instances name: their own, the tracked ones and their VIPs' (keepalived's interface list). */
function namedInterfaces(settings: VrrpRunSettings): Set<string> {
  return new Set(settings.instances.flatMap((run) => [...watchedInterfaces(run.fsm), ...[...run.vipTable.values()].map((v) => v.device)]));
}

/** The links an instance follows (keepalived's tracking_vrrp): its interface, its VMAC or ipvlan, the tracked ones. */
function followedInterfaces(settings: VrrpRunSettings): Set<string> {
  return new Set(settings.instances.flatMap((run) => [...watchedInterfaces(run.fsm), ...vmacLinks({ ...settings, instances: [run] }).map((l) => l.ifname)]));
}

/**
 * What paces an announcement: the base interface of the link it leaves on, and vrrp_garp_interval /
 * vrrp_gna_interval of the first instance on that base (the instance's own garp pacing is global in keepalived).
 */
function announcePacing(settings: VrrpRunSettings): { baseOf: (ifname: string) => string; intervalUs: (family: 'inet' | 'inet6', base: string) => number } {
  const firstOn = new Map<string, InstanceRunSettings>();
  for (const run of settings.instances) if (!firstOn.has(run.fsm.interface)) firstOn.set(run.fsm.interface, run);
  return {
    baseOf: baseInterfaceOf(settings.instances),
    intervalUs(family, base) {
      const instance = firstOn.get(base) ?? settings.instances[0];
      if (!instance) return 0;
      return family === 'inet' ? instance.garpPacing.garpIntervalUs : instance.garpPacing.gnaIntervalUs;
    },
  };
}

/** The connector socket the parent passed (under net_namespace), else one of our own. */
function childProcEvents(): ReturnType<typeof hostProcEvents> {
  const fd = process.env[PROC_EVENTS_FD_ENV];
  return hostProcEvents(fd === undefined ? undefined : Number(fd));
}
