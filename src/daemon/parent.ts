/**
 * The parent process, as keepalived's: writes its pid file, starts the VRRP
 * child (the checker child comes with the checkers), passes signals on,
 * restarts a child that dies unless -R, and stops them all on SIGTERM/SIGINT.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { ignoredOptionNotices, readOptions, type CliOptions } from './cli-options.js';
import { CHILD_ENV } from '../base/child-env.js';
import { ConfigReadWait, isConfigRead } from './config-read.js';
import { childLauncher } from './child-launch.js';
import { ChildLiveness, type WatchedChild } from './child-liveness.js';
import { monotonicClock } from '../base/clock.js';
import { parseConfig } from '../config/parse.js';
import { keepalivedText, noticeText, operatorText } from '../config/diagnostics.js';
import { reloadVerdict, unchangeableAtReload, type ReloadGlobals } from '../config/reload-check.js';
import type { GlobalDefs } from '../config/global/model.js';
import { createLogger, type Logger } from '../log/log.js';
import { identSuffix, SYSLOG_FACILITY_ENV, SYSLOG_IDENT_SUFFIX_ENV, syslogIdent } from '../log/syslog.js';
import { parseListenAddress, startMetricsServer } from '../observe/metrics-server.js';
import { madviseLockedLibrary, sdNotify, sigrtmin, sigStatsClear, watchSignal } from '../base/native.js';
import { enterNetworkNamespace, inNetworkNamespace } from '../base/netns.js';
import { openProcEventsSocket, PROC_EVENTS_FD_ENV } from '../base/proc-events.js';
import { childEnvironment } from './child-environment.js';
import { claimPidFileAtStart, removePidFile } from './pid-file.js';
import { enterNamespaces, type RunDirectories } from './namespace.js';
import { pidFileNames, runNamespace, usesPidDir } from './pid-names.js';
import { writeFileSafely } from '../base/safe-file.js';
import { applyConfiguredUmask } from './umask.js';
import { startMemoryReturn } from './memory-return.js';
import { takeTuning } from './memory-tuning.js';
import { dumpedGlobals } from './dumped-globals.js';
import { hostSystem } from '../config/system.js';
import { VERSION } from './version.js';
import { writeParentDataFile } from '../observe/parent-data-file.js';


/** Each child is pinged this often and killed (so restarted) after this long without an answer. */
const LIVENESS_INTERVAL_MS = 1_000;
const LIVENESS_TIMEOUT_MS = 10_000;
/** A new child's first answer comes once its code has loaded (slow on an emulated CPU: seconds). */
const LIVENESS_STARTUP_MS = 60_000;

interface Child {
  name: 'VRRP' | 'Healthcheck';
  process?: ChildProcess;
  start(): ChildProcess;
}

/** `untuned`: why this process could not execute itself again with its memory settings (memory-tuning.ts), if so. */
export function runDaemon(o: CliOptions, argv: readonly string[], untuned?: string): Promise<number> | number {
  if (!o.dontFork) return detach(o, argv);
  const childTuning = takeTuning(process.env);
  let log = createLogger({ console: o.logConsole, detail: o.logDetail });
  log.info(`Starting keepalived-ts v${VERSION}`);
  if (untuned !== undefined) log.info(`Memory settings not applied: ${untuned}`);
  log.info(`Command line: ${process.argv.map((a) => `'${a}'`).join(' ')}`);
  for (const line of ignoredOptionNotices(o)) log.warn(line);
  log.info(`Opening file '${o.configFile}'.`);
  // the process connector answers only outside a network namespace: keep a way back before parsing enters one
  const homeNetns = fs.openSync('/proc/self/ns/net', 'r');
  // as keepalived's parent, the children's parts are checked inside the namespace (its interfaces)
  const parsed = parseConfig(o.configFile, { ...readOptions(o), enterNamespace: enterNetworkNamespace, testMode: true });
  for (const line of [...parsed.diagnostics.map(operatorText), ...parsed.notices.map(noticeText)]) log.warn(line);
  applyConfiguredUmask(o.umask, parsed.config.global.umask, (m) => log.info(m));
  if (o.metricsListen !== undefined && !parseListenAddress(o.metricsListen)) {
    log.error(`--metrics-listen: '${o.metricsListen}' is not HOST:PORT (an IPv6 host in brackets: [::1]:9165)`);
    return 1;
  }
  const global = parsed.config.global;
  const namespace = runNamespace(o, global);
  if (o.namespace !== undefined && global.networkNamespace !== undefined) {
    log.info(`Overriding config net_namespace '${global.networkNamespace}' with command line namespace '${o.namespace}'`);
  }
  // as make_syslog_ident: the children read it from the environment they are forked with (never from our starter's)
  process.env[SYSLOG_IDENT_SUFFIX_ENV] = identSuffix(namespace, global.instanceName);
  if (namespace !== undefined || global.instanceName !== undefined) {
    log.info(`Changing syslog ident to ${syslogIdent(process.env)}`);
    log = createLogger({ console: o.logConsole, detail: o.logDetail });
  }
  // sockets opened from here on, and the children, are in the namespace
  const runDirectories = enterNamespaces({ usePidDir: usesPidDir(o, global), namespace, underSystemd: process.env.INVOCATION_ID !== undefined }, log);
  if (!runDirectories) {
    log.info(`Stopped keepalived-ts v${VERSION}`);
    return 0;
  }
  const pidFile = pidFileNames(o, global).main;
  if (!claimPidFileAtStart(pidFile, 'daemon is', log)) {
    runDirectories.release();
    return 1;
  }
  // keepalived's hint, now that late timers raise the priority (process-scheduling.ts)
  if (global.maxAutoPriority === 0) log.info('NOTICE: setting config option max_auto_priority should result in better keepalived performance');
  const procEventsFd = trackProcessSocket(namespace, homeNetns, log);
  fs.closeSync(homeNetns);
  const children: Child[] = [];
  // Never --disable-sigusr1 (Node 22.14+): it leaves SIGUSR1 blocked, so the dump listener would never run.
  // The parent passing signals only to children that answered a ping keeps their inspector shut instead.
  const env = childEnvironment(process.env, madviseLockedLibrary(), childTuning);
  const child = (name: Child['name'], which: string): Child => ({
    name,
    start: () =>
      which === 'vrrp' && procEventsFd !== undefined
        ? // the socket becomes the child's descriptor 3
          fork(process.argv[1]!, argv, { env: { ...env, [CHILD_ENV]: which, [PROC_EVENTS_FD_ENV]: '3' }, stdio: ['inherit', 'inherit', 'inherit', procEventsFd, 'ipc'] })
        : fork(process.argv[1]!, argv, { env: { ...env, [CHILD_ENV]: which } }),
  });
  // as keepalived: a subsystem's child runs only when the configuration has something for it
  const { vrrp, check } = parsed.config;
  // running_vrrp/running_checker: -P and -C only leave the other subsystem out; --all runs one with nothing to do
  if (!o.checkOnly && (vrrp.instances.length > 0 || o.allChildren)) children.push(child('VRRP', 'vrrp'));
  if (!o.vrrpOnly && (check.virtualServers.length > 0 || o.allChildren)) children.push(child('Healthcheck', 'check'));
  if (children.length === 0) log.info('Warning - keepalived has no configuration to run');
  return supervise(children, o, log, {
    pidFile,
    runDirectories,
    unchangeable: reloadGlobals(o, global),
    reloadCheckConfig: global.reloadCheckConfig,
    global: dumpedGlobals(o, global, hostSystem()),
  });
}

/**
 * SIGHUP: the new configuration is read as `-t` reads it; if it would break
 * the running node (config/reload-check.ts) the children are not told and
 * keep the running configuration. `reloadCheckConfig`: the running
 * configuration's reload_check_config log file, if any; `running`: what
 * a reload may not change (the namespaces, the instance name). Returns whether
 * to reload, and the reload_check_config of the configuration that now runs.
 */
function checkReload(
  o: CliOptions,
  log: Logger,
  reloadCheckConfig: string | undefined,
  running: ReloadGlobals,
): { reload: boolean; reloadCheckConfig: string | undefined; global?: GlobalDefs } {
  const refused = { reload: false, reloadCheckConfig };
  let parsed: ReturnType<typeof parseConfig>;
  try {
    // only looked for: a reload never moves the daemon to another namespace
    parsed = parseConfig(o.configFile, { ...readOptions(o), testMode: true });
  } catch (error) {
    log.error(`Reload aborted: the new configuration cannot be read (${(error as Error).message}); the running one is kept`);
    return refused;
  }
  for (const line of [...parsed.diagnostics.map(operatorText), ...parsed.notices.map(noticeText)]) log.warn(line);
  const verdict = reloadVerdict(parsed, { strict: reloadCheckConfig !== undefined });
  const unchangeable = verdict.accept ? unchangeableAtReload(running, reloadGlobals(o, parsed.config.global)) : [];
  for (const line of unchangeable) log.info(line);
  if (unchangeable.length > 0) return refused;
  if (verdict.accept) {
    applyConfiguredUmask(o.umask, parsed.config.global.umask, (m) => log.info(m));
    return { reload: true, reloadCheckConfig: parsed.config.global.reloadCheckConfig, global: dumpedGlobals(o, parsed.config.global, hostSystem()) };
  }
  if (reloadCheckConfig !== undefined) {
    // keepalived's config-test child writes its report there
    try {
      writeFileSafely(reloadCheckConfig, parsed.diagnostics.map((d) => `${keepalivedText(d)}\n`).join(''), { mode: 0o600, warn: (m) => log.warn(m) });
    } catch (error) {
      log.info(`Unable to write the config check log: ${(error as Error).message}`);
    }
    log.info(`New config failed validation, see ${reloadCheckConfig} for details`);
  }
  log.error(`Reload aborted: the new configuration has errors; the running one is kept\n    ${verdict.reason}`);
  return refused;
}

/**
 * main.c: "If we want to monitor processes, we have to do it before calling setns()": under a network
 * namespace the connector socket is opened (not listened on) in the namespace we started in, whatever the
 * configuration tracks, so that a reload may add vrrp_track_process, and handed to each VRRP child. Its
 * failure is the child's to report (it then opens its own, which the connector refuses).
 */
function trackProcessSocket(namespace: string | undefined, homeNetns: number, log: Logger): number | undefined {
  if (namespace === undefined) return undefined;
  try {
    return inNetworkNamespace(`/proc/self/fd/${homeNetns}`, openProcEventsSocket);
  } catch (error) {
    log.info(`Failed to open process monitoring socket - ${(error as Error).message}`);
    return undefined;
  }
}

/** print_parent_data: keepalived's parent dumps its global definitions after passing SIGUSR1 on. */
function printParentData(global: GlobalDefs, log: Logger): void {
  log.info(`Printing parent data for process(${process.pid}) on signal`);
  try {
    writeParentDataFile(global, (m) => log.warn(m));
  } catch (error) {
    log.info(`Can't open dump file keepalived_parent.data (${(error as Error).message})`);
  }
}

function reloadGlobals(o: CliOptions, g: GlobalDefs): ReloadGlobals {
  return { namespace: runNamespace(o, g), networkNamespaceIpvs: g.networkNamespaceIpvs, instanceName: g.instanceName };
}

/** What the parent releases as it stops, what a reload may not change, the running reload_check_config and global_defs. */
interface RunState {
  pidFile: string;
  unchangeable: ReloadGlobals;
  runDirectories: RunDirectories;
  reloadCheckConfig: string | undefined;
  /** The running configuration's global_defs: child_wait_time at stop, keepalived_parent.data at SIGUSR1. */
  global: GlobalDefs;
}

function supervise(children: Child[], o: CliOptions, log: Logger, run: RunState): Promise<number> {
  let stopping = false;
  const launch = childLauncher({ log, dontRespawn: o.dontRespawn, stopping: () => stopping, stop: (status) => void stop(status), clock: monotonicClock });

  let running = run.global;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  const stop = async (status = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(watchdog);
    liveness.stop();
    clearInterval(keepRunning);
    stopMemoryReturn();
    notifySystemd('STOPPING=1');
    log.info('Stopping');
    await Promise.all(children.map((c) => stopChild(c, running.childWaitTime * 1000, log)));
    await metrics?.close();
    removePidFile(run.pidFile);
    log.info(`Stopped keepalived-ts v${VERSION}`);
    run.runDirectories.release();
    resolveExit(status);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop());
  let runningCheck = run.reloadCheckConfig;
  const reload = (): void => {
    notifySystemd('RELOADING=1');
    log.info('Reloading ...');
    const verdict = checkReload(o, log, runningCheck, run.unchangeable);
    runningCheck = verdict.reloadCheckConfig;
    if (verdict.global) running = verdict.global;
    const told = verdict.reload ? children.filter((c) => c.process?.pid !== undefined && c.process.exitCode === null) : [];
    configRead.expect(told.length);
    for (const c of told) c.process!.kill('SIGHUP');
    // nothing reloads: systemd hears at once that the reload is over
    if (told.length === 0) notifySystemd('READY=1');
  };
  const configRead = new ConfigReadWait({
    log: (m) => log.info(m),
    detail: o.logDetail,
    ready: () => notifySystemd('READY=1'),
    reload: () => {
      if (!stopping) reload();
    },
  });
  process.on('SIGHUP', () => {
    if (!stopping && configRead.reloadNow()) reload();
  });
  for (const c of children) {
    const start = c.start;
    c.start = () => {
      const p = start();
      p.on('message', (message) => void (isConfigRead(message) && configRead.childRead()));
      return p;
    };
  }
  const { liveness, ready } = watchChildren(children, log);
  for (const signal of ['SIGUSR1', 'SIGUSR2'] as const) {
    process.on(signal, () => {
      for (const c of children) if (ready(c)) c.process?.kill(signal);
      if (signal === 'SIGUSR1') printParentData(running, log);
    });
  }
  forwardSigJson(children, ready, log);
  configRead.expect(children.length);
  for (const child of children) launch(child);
  const metrics = startMetricsServer(o.metricsListen, children.map((c) => ({ name: c.name.toLowerCase(), channel: () => c.process })), log, VERSION);
  // keepalived, with no child, never says so (nor READY=1, and systemd would give up on it): here at once
  if (children.length === 0) {
    log.info('Startup complete');
    notifySystemd('READY=1');
  }
  liveness.start();
  const watchdog = startWatchdog(() => liveness.allAnswering());
  const stopMemoryReturn = startMemoryReturn(log);
  // with no child to wait for (nothing configured), keepalived still runs until stopped
  const keepRunning = setInterval(() => undefined, 1 << 30);
  return exited;
}

/**
 * keepalived's SIGJSON (SIGRTMIN+2) and SIGSTATS_CLEAR (SIGRTMAX-1) go to the VRRP child only. Node cannot
 * watch a real-time signal (and its default action ends the process): the native addon does, for as long as
 * the parent runs.
 */
function forwardSigJson(children: readonly Child[], ready: (child: Child) => boolean, log: Logger): void {
  const forward = (what: string, signum: () => number): void => {
    try {
      const n = signum();
      watchSignal(n, () => {
        // ChildProcess.kill only takes the signals Node names; process.kill passes a number on
        for (const c of children) if (c.name === 'VRRP' && c.process?.pid !== undefined && ready(c)) process.kill(c.process.pid, n);
      });
    } catch (error) {
      log.warn(`${what} cannot be watched: ${(error as Error).message}`);
    }
  };
  forward('SIGRTMIN+2 (keepalived.json)', () => sigrtmin() + 2);
  forward('SIGRTMAX-1 (keepalived.stats, cleared)', sigStatsClear);
}

/** sd_notify when started by systemd with Type=notify; a failure to reach it is not fatal. */
function notifySystemd(state: string): void {
  try {
    sdNotify(state);
  } catch {
    // no systemd listening: nothing to tell
  }
}

/** WatchdogSec=: systemd sets WATCHDOG_USEC (and WATCHDOG_PID); ping at half the period, while the children answer. */
function startWatchdog(childrenAnswer: () => boolean): NodeJS.Timeout | undefined {
  const usec = Number(process.env.WATCHDOG_USEC);
  const pid = process.env.WATCHDOG_PID;
  if (!Number.isFinite(usec) || usec <= 0 || (pid !== undefined && Number(pid) !== process.pid)) return undefined;
  return setInterval(() => childrenAnswer() && notifySystemd('WATCHDOG=1'), Math.max(1, Math.floor(usec / 2000)));
}

/** A child whose event loop stops answering is killed; its exit handler restarts it (unless -R). */
interface KillableChild extends WatchedChild {
  kill(pid: number): void;
}

function watchChildren(children: readonly Child[], log: Logger): { liveness: ChildLiveness<KillableChild>; ready: (child: Child) => boolean } {
  const watched = new Map<Child, KillableChild>(
    children.map((c) => [
      c,
      {
        name: c.name,
        running: () => (c.process?.pid !== undefined && c.process.connected ? { pid: c.process.pid, channel: c.process } : undefined),
        kill: (pid: number) => void (c.process?.pid === pid && c.process.kill('SIGKILL')),
      },
    ]),
  );
  const liveness = new ChildLiveness([...watched.values()], {
    clock: monotonicClock,
    intervalMs: LIVENESS_INTERVAL_MS,
    timeoutMs: LIVENESS_TIMEOUT_MS,
    startupMs: LIVENESS_STARTUP_MS,
    onSilent: (child, pid, silentMs) => {
      log.error(`${child.name} child process(${pid}) not responding for ${Math.floor(silentMs / 1000)} seconds: killing it`);
      child.kill(pid);
    },
  });
  return { liveness, ready: (child) => liveness.hasAnswered(watched.get(child)!) };
}

/** keepalived's short names in "%s process failed to die - forcing termination". */
const SHORT_NAME: Record<Child['name'], string> = { VRRP: 'vrrp', Healthcheck: 'checker' };

function stopChild(child: Child, waitMs: number, log: Logger): Promise<void> {
  const p = child.process;
  if (!p || p.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // setTimeout takes at most 2^31-1 ms (longer fires at once); child_wait_time goes up to UINT_MAX seconds
    const kill = setTimeout(() => {
      log.info(`${SHORT_NAME[child.name]} process failed to die - forcing termination`);
      p.kill('SIGKILL');
    }, Math.min(waitMs, 2 ** 31 - 1));
    p.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/**
 * Without -n keepalived goes to the background: start a detached copy with -n
 * and return. It has no terminal, so it and its children log to syslog as
 * keepalived does (facility -S), or nowhere with -G.
 */
function detach(o: CliOptions, argv: readonly string[]): number {
  const env = { ...process.env };
  if (o.noSyslog) delete env[SYSLOG_FACILITY_ENV];
  else env[SYSLOG_FACILITY_ENV] = String(o.logFacility);
  const child = spawn(process.execPath, [process.argv[1]!, '--dont-fork', ...argv], { detached: true, stdio: 'ignore', env });
  child.unref();
  return 0;
}
