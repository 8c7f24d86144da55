/**
 * lvs_sync_daemon as commands: which IPVS connection-sync daemon to start or
 * stop, and when, in either process, as keepalived 2.2.7 sends them
 * (check/ipvswrapper.c ipvs_syncd_cmd/_master/_backup/_changed, called from
 * check_daemon.c, vrrp/vrrp.c, vrrp_scheduler.c vrrp_init_state and
 * vrrp_daemon.c). Pure: sync-daemon-driver.ts sends them through the IpvsPort.
 * keepalived's own quirks are kept, since the kernel shows them: a reload
 * leaves alone a daemon whose lvs_sync_daemon the new file dropped.
 */
import type { Config } from '../config/parse.js';
import type { LvsSyncDaemon } from '../config/global/model.js';
import type { DaemonKey, SyncDaemon } from '../ipvs/genl-sync-daemon.js';

/** keepalived's lvs_syncd_config once its sync id is settled. */
export interface SyncdConfig {
  readonly interface: string;
  readonly syncId: number;
  readonly maxLen?: number;
  readonly port?: number;
  readonly ttl?: number;
  readonly group?: SyncDaemon['group'];
}

export type SyncdState = SyncDaemon['state'];

/** One ipvs_syncd_cmd for one state; no `config` is keepalived's NULL: sync id 0 and no interface. */
export interface SyncdCommand {
  readonly cmd: 'start' | 'stop';
  readonly state: SyncdState;
  readonly config?: SyncdConfig;
  /** Failures are not logged (keepalived's ignore_error). */
  readonly ignoreError: boolean;
}

/** The VRRP process's sync daemon: the instance it follows. */
export interface VrrpSyncd {
  readonly instance: string;
  readonly config: SyncdConfig;
}

function resolved(d: Pick<LvsSyncDaemon, 'interface' | 'maxlen' | 'port' | 'ttl' | 'group'>, syncId: number): SyncdConfig {
  return {
    interface: d.interface,
    syncId,
    ...(d.maxlen !== undefined ? { maxLen: d.maxlen } : {}),
    ...(d.port !== undefined ? { port: d.port } : {}),
    ...(d.ttl !== undefined ? { ttl: d.ttl } : {}),
    ...(d.group !== undefined ? { group: { family: d.group.includes(':') ? 'inet6' : 'inet', address: d.group } } : {}),
  };
}

/** The checker runs both daemons when lvs_sync_daemon names no instance (check_daemon.c checker_ipvs_syncd_needed). */
export function checkerSyncd(config: Config): SyncdConfig | undefined {
  const d = config.global.lvsSyncDaemon;
  return d && d.vrrpInstance === undefined ? resolved(d, d.syncId ?? 0) : undefined;
}

/**
 * The instance the VRRP process drives the daemon for (vrrp.c, after reading
 * the file): the named one, its VRID the sync id unless `id` was given; or the
 * instance with the deprecated lvs_sync_daemon_interface, sync id 0.
 */
export function vrrpSyncd(config: Config): VrrpSyncd | undefined {
  const d = config.global.lvsSyncDaemon;
  if (d?.vrrpInstance !== undefined) {
    const instance = config.vrrp.instances.find((i) => i.name === d.vrrpInstance);
    return instance && { instance: instance.name, config: resolved(d, d.syncId ?? instance.vrid) };
  }
  const old = config.vrrp.lvsSyncDaemon;
  return old && !d ? { instance: old.instance, config: { interface: old.interface, syncId: 0 } } : undefined;
}

/** keepalived's error when the instance named is not in the file (vrrp.c, after reading it; -t does not say it). */
export function vrrpSyncdProblem(config: Config): string | undefined {
  const name = config.global.lvsSyncDaemon?.vrrpInstance;
  if (name === undefined || config.vrrp.instances.some((i) => i.name === name)) return undefined;
  return `Unable to find vrrp instance ${name} for lvs_syncd - clearing lvs_syncd config`;
}

/** ipvs_syncd_changed. */
export function syncdChanged(a: SyncdConfig | undefined, b: SyncdConfig | undefined): boolean {
  if (!a || !b) return a !== b;
  return (
    a.interface !== b.interface ||
    a.syncId !== b.syncId ||
    a.maxLen !== b.maxLen ||
    a.port !== b.port ||
    a.ttl !== b.ttl ||
    a.group?.family !== b.group?.family ||
    a.group?.address !== b.group?.address
  );
}

const other = (s: SyncdState): SyncdState => (s === 'master' ? 'backup' : 'master');
const cmd = (c: SyncdCommand['cmd'], state: SyncdState, config: SyncdConfig | undefined, ignoreError: boolean): SyncdCommand =>
  config ? { cmd: c, state, config, ignoreError } : { cmd: c, state, ignoreError };

/**
 * The checker at start (`previous` undefined) or reload: any daemons left
 * over are stopped first unless a reload kept the configuration, then both run.
 */
export function checkerStartCommands(next: SyncdConfig | undefined, previous?: { readonly config: SyncdConfig | undefined }): SyncdCommand[] {
  if (!next) return [];
  const restart = previous === undefined || syncdChanged(previous.config, next);
  return [
    ...(restart ? [cmd('stop', 'master', undefined, true), cmd('stop', 'backup', undefined, true)] : []),
    cmd('start', 'master', next, false),
    cmd('start', 'backup', next, false),
  ];
}

/** The checker stopping (checker_terminate_phase2). */
export function checkerStopCommands(config: SyncdConfig | undefined): SyncdCommand[] {
  return config ? [cmd('stop', 'master', undefined, true), cmd('stop', 'backup', undefined, true)] : [];
}

/** vrrp_init_state: the daemon of the state the instance starts in (MASTER only when a reload keeps it master). */
export function vrrpInitCommands(syncd: VrrpSyncd, state: SyncdState): SyncdCommand[] {
  return [cmd('start', state, syncd.config, false)];
}

/** vrrp_state_become_master (ipvs_syncd_master) and vrrp_state_leave_master (ipvs_syncd_backup). */
export function vrrpTransitionCommands(syncd: VrrpSyncd, instance: string, from: string, to: string): SyncdCommand[] {
  if (instance !== syncd.instance || (from === 'MASTER') === (to === 'MASTER')) return [];
  const now: SyncdState = to === 'MASTER' ? 'master' : 'backup';
  return [cmd('stop', other(now), syncd.config, false), cmd('start', now, syncd.config, false)];
}

/** vrrp_terminate_phase1: the daemon of the instance's state now. */
export function vrrpShutdownCommands(syncd: VrrpSyncd, state: SyncdState): SyncdCommand[] {
  return [cmd('stop', state, syncd.config, false)];
}

/**
 * reload_vrrp_thread's commands, then vrrp_init_state's once the instances
 * run again (`state`: the instance's, kept through the reload): a changed
 * configuration stops the daemon of that state; a start without a
 * configuration (no interface: the kernel refuses it) and a stop of the
 * other state, both ignored; then the start with the configuration, whose
 * refusal is logged: a daemon that was kept answers EEXIST
 * ("Daemon has already run"), as keepalived logs at every such reload.
 */
export function vrrpReloadCommands(previous: SyncdConfig | undefined, next: VrrpSyncd, state: SyncdState): SyncdCommand[] {
  return [
    ...(syncdChanged(previous, next.config) ? [cmd('stop', state, undefined, true)] : []),
    cmd('start', state, undefined, true),
    cmd('stop', other(state), undefined, true),
    ...vrrpInitCommands(next, state),
  ];
}

/** What ipvs_syncd_cmd puts in the request. */
export function commandRequest(c: SyncdCommand): { readonly cmd: 'start'; readonly daemon: SyncDaemon } | { readonly cmd: 'stop'; readonly daemon: DaemonKey } {
  const syncId = c.config?.syncId ?? 0;
  if (c.cmd === 'stop') return { cmd: 'stop', daemon: { state: c.state, syncId } };
  return { cmd: 'start', daemon: c.config ? { ...c.config, state: c.state } : { state: c.state, interface: '', syncId } };
}
