/**
 * The checker child process (keepalived's Keepalived_healthcheckers): one
 * scheduler per checker of every real server, each real server's health
 * folded from its checkers and FILE_CHECKs, and the IPVS sync keeping kernel
 * IPVS equal to what keepalived would program. Its own process keeps a
 * burst of checks from delaying a VRRP advert. The process plumbing
 * (pid file, signals, reload queue, IPC) is child-skeleton.ts's.
 */
import { readOptions, type CliOptions } from './cli-options.js';
import { monotonicClock } from '../base/clock.js';
import { enableMemorySaver } from '../base/v8-memory-saver.js';
import type { CheckConfig } from '../config/check/model.js';
import { openedFifos } from '../config/global/opened-fifo.js';
import { parseConfig, type Config } from '../config/parse.js';
import { openNetlinkPort } from '../ipvs/netlink-port.js';
import { NotifyFifos } from '../notify/fifo.js';
import { mailerFor } from '../notify/mail/mailer.js';
import { ApprovedScripts } from '../scripts/script-gate.js';
import { ChildScriptPort } from '../scripts/script-port.js';
import { TrackFileWatcher } from '../track/track-file-watcher.js';
import type { Logger } from '../base/logger.js';
import { CheckMetrics, type RealServerSource } from '../observe/check-metrics.js';
import { registerProcessMetrics } from '../observe/process-metrics.js';
import { ChildSkeleton, type ChildFeatures } from './child-skeleton.js';
import { CHILD_EXIT_FATAL } from './child-exit.js';
import { applyConfiguredUmask } from './umask.js';
import { hostProcessSched } from '../base/process-sched.js';
import { processSchedule, type ProcessSchedule } from './process-schedule.js';
import { ProcessScheduling } from './process-scheduling.js';
import { reportingLateTimers } from './late-timers.js';
import { slicedTimers } from './sliced-timers.js';
import type { Probe } from '../check/probe.js';
import { dnsProbe } from '../check/probes/dns.js';
import { loadSslContext, makeHttpProbe } from '../check/probes/http.js';
import { miscProbe } from '../check/probes/misc.js';
import { pingProbe } from '../check/probes/ping.js';
import { smtpProbe } from '../check/probes/smtp.js';
import { tcpProbe } from '../check/probes/tcp.js';
import { udpProbe } from '../check/probes/udp.js';
import { CheckerSet, type CheckerSetOptions } from '../check/checker-set.js';
import { sameTrackFiles } from '../check/reload-match.js';
import { serverName } from '../check/pool.js';
import { IpvsSync, type IpvsSyncPorts } from '../check/ipvs-sync.js';
import { LocalAddresses } from './local-addresses.js';
import { pidFileNames } from './pid-names.js';
import { readForReload } from './reload-read.js';
import { checkerStartCommands, checkerStopCommands, checkerSyncd } from '../check/sync-daemon.js';
import { SyncDaemonDriver, ipvsInitFailureLine } from '../check/sync-daemon-driver.js';
import { nftFirewall } from '../net/nft-firewall.js';

export function runCheckerProcess(o: CliOptions): Promise<number> {
  // from here the parent's pings are answered (by an idle checker without IPVS too)
  const child = ChildSkeleton.forProcess(o, 'checker');
  const { config } = parseConfig(o.configFile, { ...readOptions(o), testMode: false });
  return child.run(pidFileNames(o, config.global).checkers, 'Checker child', () => startChecker(o, child, config));
}

/** Timers due together run at most this long before sockets and the parent's pings get their turn. */
const TIMER_SLICE_US = 20_000;

/** Opens IPVS and starts the checkers of every real server and the IPVS sync keeping IPVS in step with them. */
async function startChecker(o: CliOptions, child: ChildSkeleton, startConfig: Config): Promise<ChildFeatures> {
  const { log } = child;
  // replaced at each SIGHUP that brings a readable configuration
  let config = startConfig;
  // as start_check: once everything runs; a reload takes it back and applies the new one
  const scheduling = new ProcessScheduling(hostProcessSched(), 'checker', log);
  const schedule = (): ProcessSchedule => processSchedule(config.global, 'checker');
  // keepalived's start_check says so (LOG_DEBUG) when there are virtual servers
  if (config.check.virtualServers.length > 0) log.info('Initializing ipvs');
  const opened = await openNetlinkPort(config.global.networkNamespaceIpvs);
  if (!opened.ok) {
    log.error(ipvsInitFailureLine(opened.failure));
    // with virtual servers keepalived's start_check stops FATAL, and its parent stops everything
    if (config.check.virtualServers.length > 0) child.exit(CHILD_EXIT_FATAL);
    // without any (--all) keepalived opens no IPVS: the checker idles
    else scheduling.apply(schedule());
    return { stop: () => undefined };
  }
  const ipvs = opened.port;
  // each probe allocates: left to size its heap by speed, V8 swings the checker between 80 and 180 MiB resident at
  // 200 real servers (issue 13's soak); memory saver holds it near 50 MiB for about a tenth more CPU
  enableMemorySaver();
  const clock = reportingLateTimers(slicedTimers(monotonicClock, TIMER_SLICE_US, setImmediate), (lateUs) => scheduling.timerLate(lateUs));
  const scripts = new ChildScriptPort(new ApprovedScripts(config.approvedScripts, 'checker'), (m) => log.info(m));
  const fifos = NotifyFifos.open(fifoSpecs(config), { scripts, log: (m) => log.info(m), process: 'lvs' });
  // rebuilt at each reload, as the smtp settings may change
  let mail = mailerFor(config.global, { log, detail: o.logDetail });
  // read at each scrape (--metrics-listen: the parent asks over the IPC channel)
  const metrics: CheckMetrics = new CheckMetrics((): RealServerSource[] => {
    const health = set.health();
    return config.check.virtualServers.flatMap((vs, v) =>
      vs.realServers.flatMap((rs, i) => {
        const h = health[v]?.[i];
        return h ? [{ vs: vs.name, rs: serverName(vs, rs), alive: h.alive, weight: h.weight }] : [];
      }),
    );
  }, clock);
  registerProcessMetrics(metrics.registry, 'healthcheck');
  const ipvsSync = new IpvsSync(config.check, {
    ipvs: metrics.counted(ipvs),
    clock,
    log,
    notify: (argv, runAs) => void scripts.run(argv, runAs),
    fifo: (line) => fifos.write(line),
    mail: (subject, body) => mail(subject, body),
    ...ipvsNftPort(config),
  });
  let probes = await probeTable(config.check, scripts, log);
  let checkers: CheckerSet | undefined;
  const watchFiles = (c: Config, reload: boolean): Promise<TrackFileWatcher> =>
    TrackFileWatcher.start(
      // at a reload keepalived creates a missing track file but overwrites none
      reload ? c.trackFiles.map((f) => (f.init?.overwrite ? { ...f, init: { ...f.init, overwrite: false } } : f)) : c.trackFiles,
      {
        onChange: (change) => {
          if (change.kind === 'file') checkers?.fileChanged(change.name, change.value);
        },
        log: (m) => log.info(m),
      },
    );
  let files = await watchFiles(config, false);
  const addresses = new LocalAddresses(log, () => checkers?.addressesChanged());
  await addresses.need(config.check);
  const set = new CheckerSet(
    config.check,
    checkerSetOptions(config),
    {
      clock,
      probe: metrics.timed((target, signal, probeClock) => probes[target.checker.type](target, signal, probeClock)),
      log: (m) => log.info(m),
      ipvsSync,
      fileValue: (name) => files.values.get(name) ?? 0,
      mail: (subject, body) => mail(subject, body),
      holdsAddress: (addr) => addresses.holds(addr),
    },
  );
  checkers = set;
  // lvs_sync_daemon naming no instance: both connection-sync daemons run from here (check_daemon.c start_check)
  const syncd = new SyncDaemonDriver(ipvs, (m) => log.info(m));
  await syncd.run(checkerStartCommands(checkerSyncd(config)));
  await ipvsSync.start();
  set.start();

  /**
   * SIGHUP (reload_check_thread): the new configuration takes over the
   * checkers, the real servers' health and IPVS (src/check/checker-set.ts).
   * Reading the configuration, SSL files and track files is done first; the
   * switch itself does not wait, so no verdict falls between the two.
   */
  async function reload(): Promise<void> {
    log.info('Reloading');
    const parsed = readForReload(o.configFile, { ...readOptions(o), testMode: false }, log);
    if (!parsed) return;
    const next = parsed.config;
    applyConfiguredUmask(o.umask, next.global.umask, (m) => log.info(m));
    const nextProbes = await probeTable(next.check, scripts, log);
    const nextFiles = sameTrackFiles(config.trackFiles, next.trackFiles) ? undefined : await watchFiles(next, true);
    await addresses.need(next.check);
    if (child.stopping) {
      nextFiles?.close();
      return;
    }
    const previousSyncd = checkerSyncd(config);
    // start_check's ipvs_start again, IPVS reopened there (kept open here)
    if (next.check.virtualServers.length > 0 || config.check.virtualServers.length > 0) log.info('Reinitializing ipvs');
    config = next;
    const syncdDone = syncd.run(checkerStartCommands(checkerSyncd(next), { config: previousSyncd }));
    scripts.approve(new ApprovedScripts(next.approvedScripts, 'checker'));
    probes = nextProbes;
    if (nextFiles) {
      files.close();
      files = nextFiles;
    }
    fifos.reconfigure(fifoSpecs(next));
    mail = mailerFor(next.global, { log, detail: o.logDetail });
    const done = set.reload(next.check, checkerSetOptions(next));
    log.detail(`Reloaded: ${done.kept} checkers kept running, ${done.started} started, ${done.stopped} stopped`);
    await Promise.all([done.sync, syncdDone]);
  }

  scheduling.apply(schedule());

  return {
    metrics: () => metrics.metrics(),
    reload: () => scheduling.reloading(reload, schedule),
    stop: async () => {
      set.stop();
      files.close();
      addresses.close();
      await ipvsSync.stop(o.dontReleaseIpvs);
      await syncd.run(checkerStopCommands(checkerSyncd(config)));
      ipvs.close();
      fifos.close();
      scripts.killAll('SIGTERM');
    },
  };
}

type ProbeTable = Record<Exclude<CheckConfig['virtualServers'][number]['realServers'][number]['checkers'][number]['type'], 'BFD_CHECK'>, Probe>;

/** nftables_ipvs: the checker's table goes through the same nft runner as VRRP's (its options as at start). */
function ipvsNftPort(c: Config): Pick<IpvsSyncPorts, 'nft'> {
  const g = c.global;
  if (g.ipvsNftablesTable === undefined) return {};
  const options = { table: g.ipvsNftablesTable, priority: g.ipvsNftablesPriority, startFwmark: g.ipvsNftablesStartFwmark, counters: g.nftablesCounters };
  return { nft: { options, apply: (commands) => nftFirewall.apply(commands) } };
}

async function probeTable(check: CheckConfig, scripts: ChildScriptPort, log: Logger): Promise<ProbeTable> {
  let http = makeHttpProbe();
  if (check.ssl) {
    const loaded = await loadSslContext(check.ssl);
    if (loaded.ok) http = makeHttpProbe(loaded.context);
    else log.error(loaded.message);
  }
  return {
    TCP_CHECK: tcpProbe,
    HTTP_GET: http,
    SSL_GET: http,
    SMTP_CHECK: smtpProbe,
    DNS_CHECK: dnsProbe,
    UDP_CHECK: udpProbe,
    PING_CHECK: pingProbe,
    MISC_CHECK: miscProbe(scripts),
  };
}

function checkerSetOptions(c: Config): CheckerSetOptions {
  return { logAllFailures: c.global.checkerLogAllFailures, noCheckerEmails: c.global.noCheckerEmails };
}

/** notify_fifo and lvs_notify_fifo: the checker process writes every line to both. */
function fifoSpecs(c: Config) {
  return openedFifos([
    ['notify_fifo', c.global.notifyFifo],
    ['lvs_notify_fifo', c.global.lvsNotifyFifo],
  ]);
}
