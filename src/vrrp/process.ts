/**
 * The VRRP child process (keepalived's Keepalived_vrrp): reads the
 * configuration, opens the kernel-facing ports, runs the instances and the
 * scripts and files they track, and stops gracefully on SIGTERM/SIGINT.
 * Its own process keeps the advert timers free of any other work.
 */
import type { CliOptions } from '../cli-options.js';
import { monotonicClock } from '../clock.js';
import { parseConfig } from '../config/parse.js';
import { rtnetlinkAddressPort } from '../net/addresses.js';
import { createAdvertSocketFactory } from '../net/advert-sockets.js';
import { createAnnouncePort } from '../net/announce.js';
import { AnnounceQueue } from '../net/announce-queue.js';
import { openInterfaceTable } from '../net/interfaces.js';
import { NotifyFifos } from '../notify/fifo.js';
import { notifyRunner } from '../notify/notify-runner.js';
import { ChildScriptPort } from '../notify/script-port.js';
import { TrackFileWatcher } from '../notify/track-file-watcher.js';
import { trackedScript, VrrpScriptTracker } from '../notify/vrrp-script-tracker.js';
import { createLogger } from '../observe/log.js';
import { dumpFilePath, writeStatsFile } from '../observe/stats-file.js';
import { claimPidFile, removePidFile } from '../pid-file.js';
import { VrrpRunner } from './runner.js';
import { vrrpSettingsFromConfig, type VrrpRunSettings } from './settings-from-config.js';

export async function runVrrpProcess(o: CliOptions): Promise<number> {
  const log = createLogger({ console: o.logConsole, detail: o.logDetail }).child({ process: 'vrrp' });
  const { config } = parseConfig(o.configFile, { configId: o.configId, testMode: false });
  const settings = vrrpSettingsFromConfig(config);
  for (const problem of settings.problems) log.warn(problem);
  const claimed = claimPidFile(o.vrrpPidFile);
  if (claimed !== true) {
    log.error(`VRRP child already running (pid ${claimed} in ${o.vrrpPidFile})`);
    return 1;
  }
  log.info('Registering Kernel netlink reflector');
  const clock = monotonicClock;
  const interfaces = await openInterfaceTable((error) => log.error(`Netlink: ${error.message}`));
  const scriptPort = new ChildScriptPort((message) => log.info(message));
  const fifos = NotifyFifos.open(fifoSpecs(settings), { scripts: scriptPort, log: (m) => log.info(m), process: 'vrrp' });
  const announcePort = createAnnouncePort();
  const announcer = new AnnounceQueue(
    clock,
    announcePort,
    (family, iface) => ({ intervalUs: pacingOf(settings, family, iface.name), group: iface.name }),
    (error, vip, iface) => log.error(`Sending gratuitous ARP on ${iface.name} for ${vip.address} failed: ${(error as Error).message}`),
  );
  const runner = new VrrpRunner(settings, {
    clock,
    interfaces,
    addresses: rtnetlinkAddressPort(),
    sockets: createAdvertSocketFactory((error, options) => log.error(`VRRP socket on ${options.ifname}: ${error.message}`)),
    announcer,
    notify: notifyRunner(scriptPort),
    fifo: (line) => fifos.write(line),
    log,
  });

  const tracked = new Set(settings.instances.flatMap((i) => i.fsm.tracked.filter((t) => t.kind === 'script').map((t) => t.name)));
  const trackers = config.vrrp.scripts
    .filter((s) => tracked.has(s.name))
    .flatMap((s) => {
      const script = trackedScript(s);
      return script ? [{ name: s.name, tracker: new VrrpScriptTracker(script, { clock, scripts: scriptPort, onChange: (c) => runner.track(c), log: (m) => log.info(m) }) }] : [];
    });
  const files = await TrackFileWatcher.start(config.trackFiles, { onChange: (c) => runner.track(c), log: (m) => log.info(m) });

  const scripts: Record<string, boolean> = {};
  for (const { name, tracker } of trackers) if (tracker.ok !== undefined) scripts[name] = tracker.ok;
  runner.start({ scripts, files: Object.fromEntries(files.values) });
  for (const { tracker } of trackers) tracker.start();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      for (const { tracker } of trackers) tracker.stop();
      files.close();
      await runner.stop();
      announcer.clear();
      announcePort.close();
      fifos.close();
      // Node cannot ask the kernel to end scripts with us (PR_SET_PDEATHSIG)
      scriptPort.killAll('SIGTERM');
      interfaces.close();
      removePidFile(o.vrrpPidFile);
      resolve(0);
    };
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => void stop());
    // keepalived's children get SIGTERM when the parent dies (PR_SET_PDEATHSIG); Node has no such call, but the
    // IPC channel fork() opened closes with the parent: an orphan must not go on holding the VIPs as MASTER
    process.on('disconnect', () => void stop());
    // reload and the data dump come with the operations work; until then they are logged, not fatal
    process.on('SIGHUP', () => log.warn('Reloading is not available in this version; the running configuration is kept'));
    process.on('SIGUSR1', () => undefined);
    process.on('SIGUSR2', () => {
      try {
        writeStatsFile(runner.instances());
      } catch (error) {
        log.info(`Can't open ${dumpFilePath('keepalived.stats')} (${(error as Error).message})`);
      }
    });
  });
}

function fifoSpecs(settings: VrrpRunSettings) {
  return settings.fifos.map((f) => ({
    which: f.which,
    path: f.path,
    ...(f.script === undefined ? {} : { script: f.script }),
    ...(f.owner === undefined ? {} : { owner: f.owner }),
  }));
}

/** vrrp_garp_interval / vrrp_gna_interval (the instance's own garp pacing is global in keepalived). */
function pacingOf(settings: VrrpRunSettings, family: 'inet' | 'inet6', ifname: string): number {
  const instance = settings.instances.find((i) => i.fsm.interface === ifname) ?? settings.instances[0];
  if (!instance) return 0;
  return family === 'inet' ? instance.garpPacing.garpIntervalUs : instance.garpPacing.gnaIntervalUs;
}
