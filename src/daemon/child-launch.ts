/**
 * The parent's start and restart of a child process. A child that dies is
 * restarted after keepalived's back-off (`respawn-delay.ts`: at once, then
 * 1, 2, 4… s while it keeps dying within a minute of its start). A fork that fails
 * (EAGAIN at the process limit, EMFILE with the descriptors used up: Node
 * reports both as an 'error' event, some failures by throwing) is logged
 * and tried again after a backoff; it must never take the parent down, as
 * an 'error' without a listener would.
 */
import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../base/clock.js';
import { permanentError } from './child-exit.js';
import { respawnDelay } from './respawn-delay.js';

export interface LaunchedChild {
  readonly name: string;
  process?: ChildProcess;
  start(): ChildProcess;
}

export interface LaunchPolicy {
  log: { info(message: string): void; error(message: string): void };
  /** -R: a child that dies (or cannot be started) stops the daemon instead of being restarted. */
  dontRespawn: boolean;
  stopping(): boolean;
  /** `status`: the daemon's exit status (a child's permanent error passes its own on). */
  stop(status?: number): void;
  /** Uptimes and the delays before a restart or a retried fork. */
  clock: Clock;
}

/** Failed forks are retried after 1 s, doubling up to this, until one succeeds. */
const FIRST_SPAWN_RETRY_MS = 1_000;
const MAX_SPAWN_RETRY_MS = 60_000;

/** Returns `launch(child)`: starts it, and restarts it whenever it dies or fails to start. */
export function childLauncher(policy: LaunchPolicy): (child: LaunchedChild) => void {
  const failedSpawns = new Map<LaunchedChild, number>();
  /** Per child, keepalived's next_restart_delay (s). */
  const nextRespawnS = new Map<LaunchedChild, number>();
  const after = (ms: number, fn: () => void): void => void policy.clock.at(policy.clock.nowUs() + ms * 1000, fn);

  const retry = (child: LaunchedChild, error: Error): void => {
    child.process = undefined;
    if (policy.stopping()) return;
    const failures = (failedSpawns.get(child) ?? 0) + 1;
    failedSpawns.set(child, failures);
    if (policy.dontRespawn) {
      policy.log.error(`Cannot start ${child.name} child process: ${error.message}`);
      policy.stop();
      return;
    }
    const delayMs = Math.min(FIRST_SPAWN_RETRY_MS * 2 ** (failures - 1), MAX_SPAWN_RETRY_MS);
    policy.log.error(`Cannot start ${child.name} child process: ${error.message}; trying again in ${delayMs / 1000} s`);
    after(delayMs, () => launch(child));
  };

  const launch = (child: LaunchedChild): void => {
    if (policy.stopping()) return;
    const startedUs = policy.clock.nowUs();
    let p: ChildProcess;
    try {
      p = child.start();
    } catch (error) {
      retry(child, error as Error);
      return;
    }
    child.process = p;
    let spawnFailed = false;
    p.on('error', (error) => {
      // no pid: the fork itself failed, and no 'exit' follows
      if (p.pid === undefined) {
        if (spawnFailed) return;
        spawnFailed = true;
        retry(child, error);
      } else policy.log.error(`${child.name} child process(${p.pid}): ${error.message}`);
    });
    if (p.pid === undefined) return;
    failedSpawns.delete(child);
    policy.log.info(`Starting ${child.name} child process, pid=${p.pid}`);
    p.on('exit', (code, signal) => {
      child.process = undefined;
      if (policy.stopping()) return;
      const permanent = permanentError(code);
      if (permanent !== undefined) {
        // keepalived's parent names its children here by pid only (report_child_status)
        policy.log.error(`pid ${p.pid} exited with permanent error ${permanent.name}. Terminating`);
        policy.stop(permanent.daemonStatus);
        return;
      }
      policy.log.error(`${child.name} child process(${p.pid}) died: ${signal ?? `exited with status ${code}`}`);
      if (policy.dontRespawn) {
        policy.stop();
        return;
      }
      const { delayS, nextS } = respawnDelay(nextRespawnS.get(child) ?? 0, policy.clock.nowUs() - startedUs);
      nextRespawnS.set(child, nextS);
      if (delayS === 0) {
        launch(child);
        return;
      }
      policy.log.info(`Restart of ${child.name} process delayed ${delayS} seconds to limit respawn rate`);
      after(delayS * 1000, () => launch(child));
    });
  };
  return launch;
}
