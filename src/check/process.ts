/**
 * The checker child process (keepalived's Keepalived_healthcheckers): one
 * scheduler per checker of every real server, each real server's health
 * folded from its checkers and FILE_CHECKs, and the runner keeping kernel
 * IPVS equal to what keepalived would program. Its own process keeps a
 * burst of checks from delaying a VRRP advert.
 */
import type { CliOptions } from '../cli-options.js';
import { monotonicClock } from '../clock.js';
import type { CheckConfig } from '../config/check/model.js';
import { parseConfig } from '../config/parse.js';
import { openNetlinkPort } from '../ipvs/netlink-port.js';
import { NotifyFifos } from '../notify/fifo.js';
import { ChildScriptPort } from '../notify/script-port.js';
import { TrackFileWatcher } from '../notify/track-file-watcher.js';
import { createLogger, type Logger } from '../observe/log.js';
import { claimPidFile, removePidFile } from '../pid-file.js';
import type { Probe } from './probe.js';
import { dnsProbe } from './probes/dns.js';
import { loadSslContext, makeHttpProbe } from './probes/http.js';
import { miscProbe } from './probes/misc.js';
import { pingProbe } from './probes/ping.js';
import { smtpProbe } from './probes/smtp.js';
import { tcpProbe } from './probes/tcp.js';
import { udpProbe } from './probes/udp.js';
import { RealServerHealth, type HealthChange } from './real-server-health.js';
import { CheckerRunner } from './runner.js';
import { CheckerScheduler } from './scheduler.js';

export async function runCheckerProcess(o: CliOptions): Promise<number> {
  const log = createLogger({ console: o.logConsole, detail: o.logDetail }).child({ process: 'checker' });
  const { config } = parseConfig(o.configFile, { configId: o.configId, testMode: false });
  const claimed = claimPidFile(o.checkersPidFile);
  if (claimed !== true) {
    log.error(`Checker child already running (pid ${claimed} in ${o.checkersPidFile})`);
    return 1;
  }
  const opened = await openNetlinkPort();
  if (!opened.ok) {
    // keepalived's checker stays up without IPVS (and so is not respawned in a loop)
    log.error(`IPVS: Can't initialize ipvs: ${opened.failure.message}`);
    return waitForStop(() => removePidFile(o.checkersPidFile));
  }
  const ipvs = opened.port;
  const clock = monotonicClock;
  const scripts = new ChildScriptPort((m) => log.info(m));
  const g = config.global;
  const fifos = NotifyFifos.open(
    [
      ...(g.notifyFifo.name === undefined ? [] : [fifoSpec('notify_fifo', g.notifyFifo)]),
      ...(g.lvsNotifyFifo.name === undefined ? [] : [fifoSpec('lvs_notify_fifo', g.lvsNotifyFifo)]),
    ],
    { scripts, log: (m) => log.info(m), process: 'lvs' },
  );
  const runner = new CheckerRunner(config.check, {
    ipvs,
    clock,
    log,
    notify: (argv, runAs) => void scripts.run(argv, runAs),
    fifo: (line) => fifos.write(line),
  });
  const probes = await probeTable(config.check, scripts, log);
  const files = await TrackFileWatcher.start(config.trackFiles, {
    onChange: (c) => {
      if (c.kind === 'file') fileChanged(c.name, c.value);
    },
    log: (m) => log.info(m),
  });

  const healths = config.check.virtualServers.map((vs) =>
    vs.realServers.map((rs) => new RealServerHealth(rs, rs.fileChecks.map((f) => files.values.get(f.trackFile) ?? 0))),
  );
  const apply = (v: number, i: number, changes: readonly HealthChange[]): void => {
    for (const change of changes) {
      if (change.type === 'alive') void runner.serverChanged(v, i, { alive: change.alive });
      else if (change.type === 'weight') void runner.serverChanged(v, i, { weight: change.weight, quiet: change.quiet });
    }
  };
  function fileChanged(name: string, value: number): void {
    config.check.virtualServers.forEach((vs, v) =>
      vs.realServers.forEach((rs, i) =>
        rs.fileChecks.forEach((f, k) => {
          if (f.trackFile === name) apply(v, i, healths[v]![i]!.file(k, value));
        }),
      ),
    );
  }
  // real servers whose FILE_CHECK starts in fault, or whose weight a file moves, start that way
  config.check.virtualServers.forEach((vs, v) =>
    vs.realServers.forEach((rs, i) => {
      const health = healths[v]![i]!;
      if (health.weight !== rs.weight) void runner.serverChanged(v, i, { weight: health.weight, quiet: true });
      if (!health.alive) void runner.serverChanged(v, i, { alive: false });
    }),
  );

  const schedulers: CheckerScheduler[] = [];
  config.check.virtualServers.forEach((vs, v) =>
    vs.realServers.forEach((rs, i) =>
      rs.checkers.forEach((checker, c) => {
        if (checker.type === 'BFD_CHECK') return;
        schedulers.push(
          new CheckerScheduler(
            { vs, rs, checker },
            {
              clock,
              probe: probes[checker.type],
              log: (m) => log.info(m),
              onVerdict: (verdict) => apply(v, i, healths[v]![i]!.checker(c, verdict)),
              logAllFailures: g.checkerLogAllFailures,
            },
          ),
        );
      }),
    ),
  );
  await runner.start();
  for (const s of schedulers) s.start();

  return waitForStop(async () => {
    for (const s of schedulers) s.stop();
    files.close();
    await runner.stop(o.dontReleaseIpvs);
    ipvs.close();
    fifos.close();
    scripts.killAll('SIGTERM');
    removePidFile(o.checkersPidFile);
  }, log);
}

type ProbeTable = Record<Exclude<CheckConfig['virtualServers'][number]['realServers'][number]['checkers'][number]['type'], 'BFD_CHECK'>, Probe>;

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

function fifoSpec(which: 'notify_fifo' | 'lvs_notify_fifo', fifo: { name?: string; owner?: { uid: number; gid: number }; script?: { argv: readonly string[]; uid: number; gid: number } }) {
  const path = fifo.name!;
  return {
    which,
    path,
    ...(fifo.script === undefined ? {} : { script: { argv: [...fifo.script.argv, path], uid: fifo.script.uid, gid: fifo.script.gid } }),
    ...(fifo.owner === undefined ? {} : { owner: fifo.owner }),
  };
}

/** Resolves with exit code 0 after SIGTERM/SIGINT (or the parent going away) and `stop`. */
function waitForStop(stop: () => Promise<void> | void, log?: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await stop();
      resolve(0);
    };
    process.on('SIGTERM', () => void onStop());
    process.on('SIGINT', () => void onStop());
    process.on('disconnect', () => void onStop());
    process.on('SIGHUP', () => log?.warn('Reloading is not available in this version; the running configuration is kept'));
    process.on('SIGUSR1', () => undefined);
    process.on('SIGUSR2', () => undefined);
  });
}
