import { describe, expect, it } from 'vitest';
import { ConfigErr, keepalivedText } from '../../../src/config/diagnostics.js';
import { parseConfig } from '../../../src/config/parse.js';
import { conf, fakeHost, withFiles } from './fake-host.js';
import { parseText } from './parse-text.js';

describe('global_defs defaults', () => {
  it('are keepalived 2.2.7 values, with the host name as router_id', () => {
    const { config, exitCode, texts } = parseText('global_defs {\n}\n');
    expect(texts).toEqual([]);
    expect(exitCode).toBe(0);
    const g = config.global;
    expect(g.routerId).toBe('lb1');
    expect(g.vrrpGarpMasterDelay).toBe(5_000_000);
    expect(g.vrrpGarpMasterRepeat).toBe(5);
    expect(g.vrrpGarpMasterRefreshRepeat).toBe(1);
    expect(g.vrrpDownTimerAdverts).toBe(3);
    expect(g.vrrpVersion).toBe(2);
    expect(g.vrrpMcastGroup4).toBe('224.0.0.18');
    expect(g.vrrpMcastGroup6).toBe('ff02::12');
    expect(g.smtpConnectTimeout).toBe(30);
    expect(g.vrrpStrict).toBe(false);
    expect(g.enableScriptSecurity).toBe(false);
    expect(g.childWaitTime).toBe(5);
    expect(g.vrrpProcess.rlimitRttime).toBe(10000);
    expect(g.smtpAlert).toBeUndefined();
  });

  it('are frozen in the model the daemon runs', () => {
    const system = fakeHost({ files: { '/etc/keepalived/keepalived.conf': conf('global_defs {\n router_id lb1\n}\n') } });
    const { config } = parseConfig('/etc/keepalived/keepalived.conf', { system, testMode: false });
    expect(config.global.routerId).toBe('lb1');
    expect(Object.isFrozen(config.global.vrrpProcess)).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the common keywords', () => {
    const { config, texts } = parseText(`global_defs {
  notification_email {
    a@b.c
    "Ops <ops@b.c>"
  }
  notification_email_from lb@b.c
  smtp_server 10.0.0.25 2525
  smtp_connect_timeout 10
  router_id LVS_1
  vrrp_skip_check_adv_addr
  vrrp_strict
  vrrp_garp_interval 0.001
  vrrp_gna_interval 0.000001
  vrrp_garp_master_delay 2
  vrrp_version 3
  smtp_alert false
  enable_script_security
}
`);
    expect(texts).toEqual([]);
    const g = config.global;
    expect(g.notificationEmail).toEqual(['a@b.c', 'Ops <ops@b.c>']);
    expect(g.smtpServer).toEqual({ host: '10.0.0.25', address: '10.0.0.25', port: 2525 });
    expect(g.smtpConnectTimeout).toBe(10);
    expect(g.smtpHeloName).toBe('lb1');
    expect(g.routerId).toBe('LVS_1');
    expect(g.vrrpStrict && g.vrrpSkipCheckAdvAddr && g.enableScriptSecurity).toBe(true);
    expect(g.vrrpGarpInterval).toBe(1000);
    expect(g.vrrpGnaInterval).toBe(1);
    expect(g.vrrpGarpMasterDelay).toBe(2_000_000);
    expect(g.vrrpVersion).toBe(3);
    expect(g.smtpAlert).toBe(false);
  });
});

describe('global_defs diagnostics', () => {
  it('an smtp_server that does not resolve is an error; the hosts file resolves, no DNS', () => {
    const bad = parseText('global_defs {\n  smtp_server mail.example.org\n}\n');
    expect(bad.texts).toEqual(['(Line 2) Invalid smtp server mail.example.org 25']);
    expect(bad.exitCode).toBe(5);
    const good = parseText('global_defs {\n  smtp_server mail.example.org\n}\n', fakeHost({ hosts: { 'mail.example.org': '192.0.2.5' } }));
    expect(good.texts).toEqual([]);
    expect(good.config.global.smtpServer?.address).toBe('192.0.2.5');
    expect(good.config.global.notificationEmailFrom).toBe('root@lb1');
  });

  it('an smtp_server port that is no number is said by each try, the address and the name, and unsets the server', () => {
    const r = parseText('global_defs {\n  smtp_server 192.0.2.5 25\n  smtp_server 192.0.2.6 XXX\n  smtp_server mail-1 XXX\n}\n');
    expect(r.transcript.map(keepalivedText)).toEqual([
      "(Line 3) invalid number 'XXX'",
      "(Line 3) invalid number 'XXX'",
      '(Line 3) Invalid smtp server 192.0.2.6 XXX',
      "(Line 4) invalid number 'XXX'",
      '(Line 4) Invalid smtp server mail-1 XXX',
    ]);
    expect(r.config.global.smtpServer).toBeUndefined();
  });

  it('vrrp_iptables falls back to nftables (this build has no iptables) and vrrp_ipsets is unknown', () => {
    const r = parseText('global_defs {\n  vrrp_iptables\n  vrrp_ipsets keepalived\n}\n');
    expect(r.texts).toEqual([
      "(Line 2) iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option",
      "(Line 3) Unknown keyword 'vrrp_ipsets'",
    ]);
    expect(r.diagnostics[0]!.cls).toBe(ConfigErr.GeneralError);
    expect(r.config.global.vrrpNftablesTable).toBe('keepalived');
  });

  it('vrrp_garp_interval 0 is rejected and the default stays', () => {
    const r = parseText('global_defs {\n  vrrp_garp_interval 0\n}\n');
    expect(r.texts).toEqual(["(Line 2) number '0' outside range [0.000001, 4294.967295]", "(Line 2) vrrp_garp_interval '0' is invalid"]);
    expect(r.config.global.vrrpGarpInterval).toBe(0);
  });

  it('script_user naming a missing user is an error', () => {
    const r = parseText('global_defs {\n  script_user nobody_here\n}\n');
    expect(r.texts).toEqual(['(Line 2) Error setting global script uid/gid']);
    expect(r.logs).toContain("Script user 'nobody_here' does not exist");
    expect(r.config.global.defaultScriptUser).toBe('unresolvable');
  });

  it('script_user resolves user and group', () => {
    const host = fakeHost({ users: [{ name: 'ka', uid: 990, gid: 990 }], groups: { adm: 4 } });
    const r = parseText('global_defs {\n  script_user ka adm\n}\n', host);
    expect(r.texts).toEqual([]);
    expect(r.config.global.defaultScriptUser).toEqual({ uid: 990, gid: 4 });
  });

  it('mcast groups must be multicast of the right family', () => {
    const r = parseText('global_defs {\n  vrrp_mcast_group4 10.0.0.1\n  vrrp_mcast_group6 224.0.0.9\n  vrrp_mcast_group6 ff05::12\n}\n');
    expect(r.texts).toEqual([
      '(Line 2) vrrp_mcast_group4 [10.0.0.1] is not multicast. Skipping',
      '(Line 3) vrrp_mcast_group6 [224.0.0.9] is not IPv6. Skipping',
      '(Line 4) vrrp_mcast_group6 [ff05::12] should be link-local multicast.',
    ]);
    expect(r.config.global.vrrpMcastGroup6).toBe('ff05::12');
  });

  it('umask accepts numbers and flag lists', () => {
    expect(parseText('global_defs {\n  umask 0022\n}\n').config.global.umask).toBe(0o022);
    expect(parseText('global_defs {\n  umask IWGRP | IWOTH\n}\n').config.global.umask).toBe(0o022);
    expect(parseText('global_defs {\n  umask IWGRP IWOTH\n}\n').texts).toEqual(['(Line 2) Invalid umask syntax IWOTH']);
  });

  it('lvs_sync_daemon reads the old positional and the keyword forms', () => {
    const r = parseText('global_defs {\n  lvs_sync_daemon eth0 VI_1 7\n}\n');
    expect(r.texts).toEqual(['(Line 2) Please use keyword "id" before lvs_sync_daemon SYNCID']);
    expect(r.config.global.lvsSyncDaemon).toMatchObject({ interface: 'eth0', vrrpInstance: 'VI_1', syncId: 7 });
    const k = parseText('global_defs {\n  lvs_sync_daemon eth1 inst VI_2 id 3 port 8849 group 224.0.0.82\n}\n');
    expect(k.texts).toEqual([]);
    expect(k.config.global.lvsSyncDaemon).toMatchObject({ interface: 'eth1', vrrpInstance: 'VI_2', syncId: 3, port: 8849, group: '224.0.0.82' });
  });

  it('include_check and process names report what keepalived reports', () => {
    const r = parseText('global_defs {\n  include_check read bogus\n  include_check -bogus\n  vrrp_process_name a_very_long_process_name\n}\n');
    expect(r.texts).toEqual([
      "(Line 2) Duplicate include_check 'bogus' specified - ignoring",
      "(Line 3) Unknown include_check type 'bogus' - ignoring",
      '(Line 4) Process name a_very_long_process_name more than 15 characters, truncating',
    ]);
    expect(r.config.global.vrrpProcessName).toBe('a_very_long_pro');
  });

  it('notify FIFOs take an owner, defaulting to the script user', () => {
    const host = fakeHost({ users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'keepalived_script', uid: 900, gid: 900 }] });
    const r = parseText('global_defs {\n  vrrp_notify_fifo /run/k.fifo\n  notify_fifo /run/g.fifo root\n}\n', host);
    expect(r.texts).toEqual([]);
    expect(r.config.global.vrrpNotifyFifo).toEqual({ name: '/run/k.fifo', owner: { uid: 900, gid: 900 } });
    expect(r.config.global.notifyFifo).toEqual({ name: '/run/g.fifo', owner: { uid: 0, gid: 0 }, ownerNames: { user: 'root' } });
  });

  it('a keyword missing its parameter stops keepalived with exit 2', () => {
    const r = parseText('global_defs {\n  vrrp_version\n}\n');
    expect(r.exitCode).toBe(2);
    expect(r.readToEnd).toBe(false);
  });
});

describe('root keywords of the parent', () => {
  it('net_namespace naming a missing namespace stops keepalived: exit 0, nothing else checked', () => {
    const r = parseText('net_namespace blue\nglobal_defs {\n  bogus\n}\nvrrp_instance X {\n  bogus2\n}\n');
    expect(r.exitCode).toBe(0);
    expect(r.texts).toEqual(["(Line 3) Unknown keyword 'bogus'"]);
    expect(r.logs).toContain('Unable to set network namespace blue - exiting');
    // the children's parts were never read: --print-config must not print the parent's alone
    expect(r.readToEnd).toBe(false);
  });

  it('net_namespace naming an existing namespace goes on', () => {
    const host = fakeHost({ files: { '/run/netns/blue': { mode: 0o100444 } } });
    const r = parseText('net_namespace blue\ninstance one\nchild_wait_time 9\n', host);
    expect(r.exitCode).toBe(0);
    expect(r.config.global).toMatchObject({ networkNamespace: 'blue', instanceName: 'one', usePidDir: true, childWaitTime: 9 });
  });

  it("-s names the namespace instead, as keepalived's override_namespace", () => {
    const host = withFiles(fakeHost({ files: { '/run/netns/red': { mode: 0o100444 } } }), { '/etc/keepalived/keepalived.conf': 'net_namespace blue\nglobal_defs {\n  bogus\n}\n' });
    const on = parseConfig('keepalived.conf', { cwd: '/etc/keepalived', system: host, namespace: 'red' });
    expect(on.readToEnd).toBe(true);
    expect(on.logs).toEqual([]);
    // the configuration's own is still what it says (the daemon logs the override)
    expect(on.config.global.networkNamespace).toBe('blue');
    const off = parseConfig('keepalived.conf', { cwd: '/etc/keepalived', system: host, namespace: 'green' });
    expect(off.logs).toEqual(['Failed to open /run/netns/green', 'Unable to set network namespace green - exiting']);
    expect(off.readToEnd).toBe(false);
  });

  it('enters the namespace, when asked to, before the children are checked; stops when it cannot', () => {
    const host = withFiles(fakeHost(), { '/etc/keepalived/keepalived.conf': 'net_namespace blue\nvrrp_instance X {\n  bogus2\n}\n' });
    const entered: string[] = [];
    const parse = (enterNamespace: (path: string) => void) => parseConfig('keepalived.conf', { cwd: '/etc/keepalived', system: host, enterNamespace });
    const inside = parse((path) => void entered.push(path));
    expect(entered).toEqual(['/run/netns/blue']);
    expect(inside.readToEnd).toBe(true);
    expect(inside.diagnostics.map((d) => d.message)).toContain("Unknown keyword 'bogus2'");
    const refused = parse(() => {
      throw Object.assign(new Error('setns EPERM: Operation not permitted'), { code: 'EPERM', errno: 1, syscall: 'setns' });
    });
    expect(refused.logs).toEqual(['setns() failed with error 1', 'Unable to set network namespace blue - exiting']);
    expect(refused.readToEnd).toBe(false);
  });

  it('duplicates are reported', () => {
    const host = fakeHost({ files: { '/run/netns/a': { mode: 0o100444 } } });
    expect(parseText('net_namespace a\nnet_namespace b\n', host).texts).toEqual(['(Line 2) Duplicate net_namespace definition b - ignoring']);
  });
});
