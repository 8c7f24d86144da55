/**
 * lvs_sync_daemon over the fake kernel: the commands keepalived 2.2.7 sends
 * from each process (check_daemon.c, vrrp.c, vrrp_scheduler.c, vrrp_daemon.c)
 * and what the kernel then runs.
 */
import { describe, expect, it } from 'vitest';
import { SyncDaemonDriver } from '../../../src/check/sync-daemon-driver.js';
import {
  checkerStartCommands,
  checkerStopCommands,
  checkerSyncd,
  vrrpInitCommands,
  vrrpReloadCommands,
  vrrpShutdownCommands,
  vrrpSyncd,
  vrrpSyncdProblem,
  vrrpTransitionCommands,
  type VrrpSyncd,
} from '../../../src/check/sync-daemon.js';
import type { Config } from '../../../src/config/parse.js';
import { fakeIpvsPort } from '../../../lab/fakes/ipvs.js';
import { parseText } from '../config/vrrp-helpers.js';

const INSTANCE = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  10.99.0.100\n }\n}\n';
const configOf = (globalDefs: string, extra = ''): Config => parseText(`global_defs {\n${globalDefs}\n}\n${INSTANCE}${extra}`).result.config;

function kernel() {
  const { port, kernel } = fakeIpvsPort({ interfaces: ['eth0', 'eth1'] });
  const logged: string[] = [];
  return { kernel, logged, driver: new SyncDaemonDriver(port, (m) => logged.push(m)) };
}

describe('the checker process: lvs_sync_daemon without an instance', () => {
  it('runs the master and the backup daemon with every attribute given', async () => {
    const syncd = checkerSyncd(configOf(' lvs_sync_daemon eth1 id 5 maxlen 1400 port 8849 ttl 3 group 224.0.0.82'));
    const { kernel: k, logged, driver } = kernel();
    await driver.run(checkerStartCommands(syncd));
    const daemon = { interface: 'eth1', syncId: 5, maxLen: 1400, port: 8849, ttl: 3, group: { family: 'inet', address: '224.0.0.82' } };
    expect(k.daemons()).toEqual([
      { state: 'master', ...daemon },
      { state: 'backup', ...daemon },
    ]);
    // the stops of daemons left behind are sent first, their ESRCH unlogged
    expect(k.requests.map((r) => r.cmd)).toEqual(['DEL_DAEMON', 'DEL_DAEMON', 'NEW_DAEMON', 'NEW_DAEMON']);
    expect(logged).toEqual([]);
    await driver.run(checkerStopCommands(syncd));
    expect(k.daemons()).toEqual([]);
  });

  it('sync id 0 by default; a reload that keeps it starts both again and logs the EEXISTs, as keepalived', async () => {
    const syncd = checkerSyncd(configOf(' lvs_sync_daemon eth0'));
    expect(syncd).toEqual({ interface: 'eth0', syncId: 0 });
    const { kernel: k, logged, driver } = kernel();
    await driver.run(checkerStartCommands(syncd));
    await driver.run(checkerStartCommands(syncd, { config: syncd }));
    expect(logged).toEqual([
      'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)',
      'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)',
    ]);
    expect(k.daemons().map((d) => d.state)).toEqual(['master', 'backup']);
  });

  it('a reload that changes it restarts both with the new one', async () => {
    const before = checkerSyncd(configOf(' lvs_sync_daemon eth0'));
    const after = checkerSyncd(configOf(' lvs_sync_daemon eth1 id 9'));
    const { kernel: k, logged, driver } = kernel();
    await driver.run(checkerStartCommands(before));
    await driver.run(checkerStartCommands(after, { config: before }));
    expect(logged).toEqual([]);
    expect(k.daemons().map((d) => [d.state, d.interface, d.syncId])).toEqual([
      ['master', 'eth1', 9],
      ['backup', 'eth1', 9],
    ]);
  });

  it('leaves it to the VRRP process when an instance is named', () => {
    expect(checkerSyncd(configOf(' lvs_sync_daemon eth0 VI_1'))).toBeUndefined();
    expect(checkerSyncd(configOf(' lvs_sync_daemon eth0 inst NO_SUCH'))).toBeUndefined();
  });
});

describe('the VRRP process: lvs_sync_daemon with an instance', () => {
  const syncd = (globalDefs: string, extra = ''): VrrpSyncd => {
    const s = vrrpSyncd(configOf(globalDefs, extra));
    if (!s) throw new Error('no sync daemon for the VRRP process');
    return s;
  };

  it("the sync id is the instance's VRID unless given", () => {
    expect(syncd(' lvs_sync_daemon eth0 inst VI_1')).toEqual({ instance: 'VI_1', config: { interface: 'eth0', syncId: 51 } });
    expect(syncd(' lvs_sync_daemon eth0 VI_1 id 7').config.syncId).toBe(7);
    expect(vrrpSyncd(configOf(' lvs_sync_daemon eth0 inst NO_SUCH'))).toBeUndefined();
    expect(vrrpSyncdProblem(configOf(' lvs_sync_daemon eth0 inst NO_SUCH'))).toBe('Unable to find vrrp instance NO_SUCH for lvs_syncd - clearing lvs_syncd config');
    expect(vrrpSyncdProblem(configOf(' lvs_sync_daemon eth0 inst VI_1'))).toBeUndefined();
    expect(vrrpSyncd(configOf(' lvs_sync_daemon eth0'))).toBeUndefined();
  });

  it('the deprecated lvs_sync_daemon_interface: that instance, sync id 0', () => {
    const c = parseText(`${INSTANCE.replace(' priority 100\n', ' priority 100\n lvs_sync_daemon_interface eth1\n')}`).result.config;
    expect(vrrpSyncd(c)).toEqual({ instance: 'VI_1', config: { interface: 'eth1', syncId: 0 } });
  });

  it('backup from the start, master while MASTER, backup again on leaving it, stopped at shutdown', async () => {
    const s = syncd(' lvs_sync_daemon eth0 inst VI_1');
    const { kernel: k, logged, driver } = kernel();
    await driver.run(vrrpInitCommands(s, 'backup'));
    expect(k.daemons()).toEqual([{ state: 'backup', interface: 'eth0', syncId: 51 }]);
    await driver.run(vrrpTransitionCommands(s, 'VI_1', 'INIT', 'BACKUP'));
    await driver.run(vrrpTransitionCommands(s, 'OTHER', 'BACKUP', 'MASTER'));
    expect(k.daemons().map((d) => d.state)).toEqual(['backup']);
    await driver.run(vrrpTransitionCommands(s, 'VI_1', 'BACKUP', 'MASTER'));
    expect(k.daemons()).toEqual([{ state: 'master', interface: 'eth0', syncId: 51 }]);
    await driver.run(vrrpTransitionCommands(s, 'VI_1', 'MASTER', 'FAULT'));
    expect(k.daemons().map((d) => d.state)).toEqual(['backup']);
    expect(logged).toEqual([]);
    await driver.run(vrrpShutdownCommands(s, 'backup'));
    expect(k.daemons()).toEqual([]);
  });

  /** VI_1 MASTER (or BACKUP) under `before`, then a SIGHUP bringing `after`: the daemons, the log, the requests of the reload. */
  async function reloaded(before: VrrpSyncd, after: VrrpSyncd, state: 'master' | 'backup' = 'master') {
    const { kernel: k, logged, driver } = kernel();
    await driver.run([...vrrpInitCommands(before, 'backup'), ...vrrpTransitionCommands(before, 'VI_1', 'BACKUP', state === 'master' ? 'MASTER' : 'BACKUP')]);
    const sent = k.requests.length;
    await driver.run(vrrpReloadCommands(before.config, after, state));
    const requests = k.requests.slice(sent).map((r) => `${r.cmd} ${'daemon' in r ? `${r.daemon.state} ${'interface' in r.daemon ? `'${r.daemon.interface}' ` : ''}${r.daemon.syncId}` : ''}`);
    return { daemons: k.daemons(), logged, requests };
  }
  const reloadedMaster = async (before: VrrpSyncd, after: VrrpSyncd) => {
    const { daemons, logged } = await reloaded(before, after);
    return { daemons, logged };
  };
  const EEXIST = 'IPVS cmd IP_VS_SO_SET_STARTDAEMON(1163) error: Daemon has already run(17)';

  it("a reload that keeps the configuration keeps the daemon; vrrp_init_state's start of it is refused, and logged", async () => {
    const s = syncd(' lvs_sync_daemon eth0 inst VI_1');
    expect(await reloaded(s, s)).toEqual({
      daemons: [{ state: 'master', interface: 'eth0', syncId: 51 }],
      logged: [EEXIST],
      // reload_vrrp_thread's start without a configuration and stop of the other state, then vrrp_init_state's start
      requests: ["NEW_DAEMON master '' 0", 'DEL_DAEMON backup 0', "NEW_DAEMON master 'eth0' 51"],
    });
  });

  it('the same while BACKUP: the backup daemon kept, its start refused and logged', async () => {
    const s = syncd(' lvs_sync_daemon eth0 inst VI_1');
    expect(await reloaded(s, s, 'backup')).toEqual({
      daemons: [{ state: 'backup', interface: 'eth0', syncId: 51 }],
      logged: [EEXIST],
      requests: ["NEW_DAEMON backup '' 0", 'DEL_DAEMON master 0', "NEW_DAEMON backup 'eth0' 51"],
    });
  });

  it('while BACKUP a changed configuration restarts the backup daemon with it, nothing logged', async () => {
    const { daemons, logged } = await reloaded(syncd(' lvs_sync_daemon eth0 inst VI_1'), syncd(' lvs_sync_daemon eth1 inst VI_1 id 7'), 'backup');
    expect({ daemons, logged }).toEqual({ daemons: [{ state: 'backup', interface: 'eth1', syncId: 7 }], logged: [] });
  });

  it("a reload that changes it restarts the daemon of the instance's state with the new one, as keepalived in the VM", async () => {
    const after = syncd(' lvs_sync_daemon eth0 inst VI_1 id 7');
    expect(await reloadedMaster(syncd(' lvs_sync_daemon eth0 inst VI_1'), after)).toEqual({ daemons: [{ state: 'master', interface: 'eth0', syncId: 7 }], logged: [] });
  });
});
