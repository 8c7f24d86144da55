/**
 * The VRRP process's sync daemon over the fake kernel: IPVS opened only when
 * lvs_sync_daemon names an instance, an IPVS that cannot be opened the
 * process's end at the start and at a reload (keepalived's start_vrrp:
 * ipvs_start fails, the process dies), and keepalived's lines for both.
 */
import { describe, expect, it } from 'vitest';
import { VrrpSyncDaemon, type VrrpSyncDaemonPorts } from '../../../src/check/vrrp-sync-daemon.js';
import type { Config } from '../../../src/config/parse.js';
import type { SyncdState } from '../../../src/check/sync-daemon.js';
import type { PortFailure } from '../../../src/ipvs/port.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { fakeLogger } from '../../../lab/fakes/logger.js';
import { parseText } from '../config/vrrp-helpers.js';

const INSTANCE = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.99.0.100\n }\n}\n';
const configOf = (globalDefs: string, root = ''): Config => parseText(`${root}global_defs {\n${globalDefs}\n}\n${INSTANCE}`).result.config;

/** `failure`: what opening IPVS answers; otherwise a fake kernel's port. */
function world(failure?: PortFailure) {
  const { port, kernel } = fakeIpvsPort({ interfaces: ['eth0', 'eth1'] });
  const { log, lines } = fakeLogger();
  const opened: (string | undefined)[] = [];
  let state: SyncdState = 'backup';
  const ports: VrrpSyncDaemonPorts = {
    open: (namespace) => {
      opened.push(namespace);
      return Promise.resolve(failure ? { ok: false, failure } : { ok: true, port });
    },
    state: () => state,
    log,
  };
  return { syncd: new VrrpSyncDaemon(ports), kernel, lines, opened, master: () => (state = 'master') };
}

const NO_IPVS: PortFailure = { action: 'resolve the IPVS generic-netlink family', errno: 'ENOENT', message: 'resolve the IPVS generic-netlink family: ENOENT' };

describe('the VRRP process opening IPVS for lvs_sync_daemon', () => {
  it('cannot open it at the start: the end, with keepalived’s lines (no ip_vs module: ENOENT’s text, as on this host)', async () => {
    const w = world(NO_IPVS);
    expect(await w.syncd.take(configOf(' lvs_sync_daemon eth0 inst VI_1'), false)).toBe(false);
    expect(w.lines).toEqual(['Initializing ipvs', "IPVS: Can't initialize ipvs: No such file or directory"]);
    expect(w.syncd.current).toBeUndefined();
  });

  it('not as root: ipvs_strerror’s EPERM text', async () => {
    const w = world({ action: 'open', errno: 'EPERM', message: 'open: EPERM' });
    expect(await w.syncd.take(configOf(' lvs_sync_daemon eth0 inst VI_1'), false)).toBe(false);
    expect(w.lines.at(-1)).toBe("IPVS: Can't initialize ipvs: Permission denied (you must be root)");
  });

  it('does not open it, nor log, when lvs_sync_daemon names no instance (the checker’s then)', async () => {
    const w = world(NO_IPVS);
    expect(await w.syncd.take(configOf(' lvs_sync_daemon eth0 id 9'), false)).toBe(true);
    expect(await w.syncd.take(configOf(' router_id r1'), true)).toBe(true);
    expect({ opened: w.opened, lines: w.lines }).toEqual({ opened: [], lines: [] });
  });

  it('a reload that names an instance for the first time opens it: the end when it cannot', async () => {
    const w = world(NO_IPVS);
    expect(await w.syncd.take(configOf(' router_id r1'), false)).toBe(true);
    expect(await w.syncd.take(configOf(' lvs_sync_daemon eth0 inst VI_1'), true)).toBe(false);
    expect(w.lines).toEqual(['Reinitializing ipvs', "IPVS: Can't initialize ipvs: No such file or directory"]);
  });

  it('opens it once, in net_namespace_ipvs’s namespace, and says so at the start and each reload', async () => {
    const w = world();
    const c = configOf(' lvs_sync_daemon eth0 inst VI_1', 'net_namespace_ipvs blue\n');
    expect(await w.syncd.take(c, false)).toBe(true);
    expect(await w.syncd.take(c, true)).toBe(true);
    expect({ opened: w.opened, lines: w.lines }).toEqual({ opened: ['blue'], lines: ['Initializing ipvs', 'Reinitializing ipvs'] });
  });

  it('opens it for an instance named but missing, as keepalived, then clears the daemon', async () => {
    const w = world();
    expect(await w.syncd.take(configOf(' lvs_sync_daemon eth0 inst VI_9'), false)).toBe(true);
    expect(w.lines).toEqual(['Initializing ipvs', 'Unable to find vrrp instance VI_9 for lvs_syncd - clearing lvs_syncd config']);
    expect(w.syncd.current).toBeUndefined();
  });

  it('runs the daemon of the instance’s state from start to stop', async () => {
    const w = world();
    const c = configOf(' lvs_sync_daemon eth0 inst VI_1');
    await w.syncd.take(c, false);
    await w.syncd.started();
    expect(w.kernel.daemons()).toEqual([{ state: 'backup', interface: 'eth0', syncId: 51 }]);
    w.syncd.transition('VI_1', 'BACKUP', 'MASTER');
    w.master();
    const previous = w.syncd.current;
    await w.syncd.take(c, true);
    await w.syncd.reloaded(previous);
    expect(w.kernel.daemons()).toEqual([{ state: 'master', interface: 'eth0', syncId: 51 }]);
    await w.syncd.stop();
    expect(w.kernel.daemons()).toEqual([]);
  });
});
