import { describe, expect, it } from 'vitest';
import { fakeHost } from './fake-host.js';
import { instance, parseText, SCRIPT, SECURE } from './vrrp-helpers.js';

describe('vrrp_instance defaults', () => {
  it('fills keepalived defaults: priority 100, BACKUP, advert 1 s, version 2, multicast group, garp from globals', () => {
    const { result, messages, exitCode } = parseText(instance());
    expect(messages).toEqual([]);
    expect(exitCode).toBe(0);
    const v = result.config.vrrp.instances[0]!;
    expect(v).toMatchObject({
      name: 'VI_1',
      state: 'BACKUP',
      priority: 100,
      advertInt: 1_000_000,
      version: 2,
      family: 'inet',
      vrid: 51,
      interface: 'eth0',
      mcastDstIp: '224.0.0.18',
      unicastTtl: 255,
      accept: true,
      strictMode: false,
      nopreempt: false,
      garpMasterDelay: 5_000_000,
      garpMasterRepeat: 5,
      garpLowerPrioRepeat: 5,
      garpLowerPrioDelay: 5_000_000,
      downTimerAdverts: 3,
      smtpAlert: false,
    });
    expect(v.vips[0]).toMatchObject({ address: '10.0.0.1', prefixLen: 32, dev: 'eth0' });
  });

  it('state MASTER without priority means priority 255 (address owner)', () => {
    const v = parseText(instance(' state MASTER')).result.config.vrrp.instances[0]!;
    expect(v.priority).toBe(255);
    expect(v.state).toBe('MASTER');
  });

  it('priority 255 without state means MASTER', () => {
    expect(parseText(instance(' priority 255')).result.config.vrrp.instances[0]!.state).toBe('MASTER');
  });

  it('takes the version and garp settings from global_defs', () => {
    const g = 'global_defs {\n vrrp_version 3\n vrrp_garp_master_repeat 2\n vrrp_garp_master_delay 1\n}\n';
    const v = parseText(g + instance()).result.config.vrrp.instances[0]!;
    expect(v.version).toBe(3);
    expect(v.garpMasterRepeat).toBe(2);
    expect(v.garpMasterDelay).toBe(1_000_000);
  });

  it('IPv6 VIPs make the instance IPv6 and VRRPv3 with the IPv6 group', () => {
    const text = 'vrrp_instance V6 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1/64\n }\n}\n';
    const v = parseText(text).result.config.vrrp.instances[0]!;
    expect(v).toMatchObject({ family: 'inet6', version: 3, mcastDstIp: 'ff02::12' });
    expect(v.vips[0]).toMatchObject({ address: 'fe80::1', prefixLen: 64, preferredLft: 'forever' });
  });

  it('rounds a VRRPv2 fractional advert_int', () => {
    const { result, messages } = parseText(instance(' advert_int 1.4'));
    expect(messages).toEqual(['(VI_1) VRRPv2 advertisement interval 1.400000s must be an integer. rounding']);
    expect(result.config.vrrp.instances[0]!.advertInt).toBe(1_000_000);
  });

  it('keeps authentication for VRRPv2 and truncates the password to 8 characters', () => {
    const { result, messages } = parseText(instance(' authentication {\n  auth_type PASS\n  auth_pass 123456789\n }'));
    expect(messages).toEqual(['Truncating auth_pass to 8 characters']);
    expect(result.config.vrrp.instances[0]!.auth).toEqual({ type: 'PASS', pass: '12345678' });
  });
});

describe('vrrp_instance keyword errors', () => {
  const cases: [string, string][] = [
    [' priority 0', '(VI_1) Priority not valid! must be between 1 & 255. Using default 100'],
    [' state FOO', "(VI_1) unknown state 'FOO', defaulting to BACKUP"],
    [' advert_int 0', '(VI_1) Advert interval (0) not valid! Must be > 0 - ignoring'],
    [' version 4', '(VI_1): Version must be either 2 or 3'],
    [' garp_master_repeat 0', '(VI_1): garp_master_repeat must be greater than 0, setting to 1'],
    [' down_timer_adverts 101', "(VI_1): Invalid down_timer_adverts [1:100] '101'"],
    [' authentication {\n auth_type FOO\n }', "(VI_1) unknown authentication type 'FOO'"],
    [' notify_master /a\n notify_master /b', '(VI_1) notify_master script already specified - ignoring /b'],
    [' mcast_dst_ip 10.0.0.1', '(VI_1) mcast_dst_ip 10.0.0.1 not multicast. Skipping...'],
    [' unicast_src_ip 1.2.3', 'Configuration error: VRRP instance[VI_1] malformed src address[1.2.3]. Skipping...'],
    [' interface lo', '(VI_1) cannot use a loopback interface (lo) for vrrp - ignoring'],
  ];
  for (const [line, message] of cases) {
    it(message, () => expect(parseText(instance(line)).messages).toContain(message));
  }

  it('a keyword without its parameter stops like keepalived (exit 2)', () => {
    const r = parseText(instance(' priority'));
    expect(r.exitCode).toBe(2);
    expect(r.messages[0]).toBe('*** Configuration line starting `priority` is missing a parameter after keyword `priority` at word position 2');
  });

  it('rejects a duplicate instance name and skips its block', () => {
    const r = parseText(instance() + instance(' priority 0'));
    expect(r.messages).toEqual(['vrrp instance VI_1 already defined']);
    expect(r.result.config.vrrp.instances).toHaveLength(1);
  });
});

describe('VRRP checks after parsing', () => {
  it('a missing interface is a warning at its line, then "Non-existent interface" stops the checks', () => {
    const text = 'vrrp_instance VI_1 {\n interface eth9\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
    const r = parseText(text);
    expect(r.messages).toEqual(['WARNING - interface eth9 for vrrp_instance VI_1 doesn\'t exist', 'Non-existent interface specified in configuration']);
    expect(r.result.diagnostics[0]!.loc?.line).toBe(2);
    // no "virtual router id must be set": keepalived stopped before
    expect(r.exitCode).toBe(5);
  });

  it('dynamic_interfaces accepts a missing interface', () => {
    const r = parseText('global_defs {\n dynamic_interfaces\n}\n' + instance().replace('eth0', 'eth9'));
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.instances[0]!.interface).toBe('eth9');
  });

  it('requires a virtual router id', () => {
    const text = 'vrrp_instance VI_1 {\n interface eth0\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
    expect(parseText(text).messages).toEqual(['(VI_1) the virtual router id must be set']);
  });

  it('requires an interface', () => {
    const text = 'vrrp_instance VI_1 {\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
    expect(parseText(text).messages).toEqual(['(VI_1) Unknown interface!']);
  });

  it('warns when there is no VIP (v2) and refuses it for v3', () => {
    const noVip = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n';
    expect(parseText(noVip).messages).toContain('(VI_1) No VIP specified; at least one is sensible');
    expect(parseText(noVip.replace('}\n', ' version 3\n}\n')).messages).toContain('(VI_1) No VIP specified; at least one is required');
  });

  it('deprecates unicast keywords without peers', () => {
    const r = parseText(instance(' unicast_src_ip 10.0.0.2'));
    expect(r.messages).toEqual([
      '(VI_1) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.',
    ]);
    expect(r.exitCode).toBe(5);
  });

  it('unicast with use_vmac requires vmac_xmit_base (set at the end of the block)', () => {
    const r = parseText(instance(' use_vmac\n unicast_peer {\n  10.0.0.9\n }'));
    expect(r.messages).toContain('(VI_1) unicast with use_vmac requires vmac_xmit_base - setting');
    expect(r.result.config.vrrp.instances[0]).toMatchObject({ vmacXmitBase: true, unicast: true, vmac: { ifname: 'vrrp.51' } });
  });

  it("takes an existing link of a use_vmac / use_ipvlan name when it is a previous run's (a private macvlan, an l2 ipvlan), as keepalived", () => {
    const host = fakeHost({
      interfaces: ['lo', 'eth0', 'mine', 'bridged', 'vlan2', 'ipv0', 'ipv3'],
      linkKinds: { mine: { kind: 'macvlan', mode: 1 }, bridged: { kind: 'macvlan', mode: 4 }, vlan2: { kind: 'vlan' }, ipv0: { kind: 'ipvlan', mode: 0 }, ipv3: { kind: 'ipvlan', mode: 1 } },
      hostname: 'test',
    });
    const vmacName = (line: string): { messages: string[]; ifname: string | undefined } => {
      const r = parseText(instance(line), host);
      const inst = r.result.config.vrrp.instances[0]!;
      return { messages: r.messages, ifname: inst.vmac?.ifname ?? inst.ipvlan?.ifname };
    };
    expect(vmacName(' use_vmac mine')).toEqual({ messages: [], ifname: 'mine' });
    expect(vmacName(' use_ipvlan ipv0 10.0.0.9/24')).toEqual({ messages: [], ifname: 'ipv0' });
    expect(vmacName(' use_vmac bridged')).toEqual({ messages: ['(VI_1) interface bridged already exists and is not a private macvlan; ignoring vmac if_name'], ifname: 'vrrp.51' });
    expect(vmacName(' use_vmac vlan2').messages).toEqual(['(VI_1) interface vlan2 already exists and is not a private macvlan; ignoring vmac if_name']);
    expect(vmacName(' use_vmac eth0').messages).toEqual(['(VI_1) interface eth0 already exists and is not a private macvlan; ignoring vmac if_name']);
    expect(vmacName(' use_ipvlan ipv3 10.0.0.9/24').messages).toEqual(['(VI_1) interface ipv3 already exists and is not an l2 ipvlan; ignoring ipvlan if_name']);
    expect(vmacName(' use_ipvlan mine 10.0.0.9/24').messages).toEqual(['(VI_1) interface mine already exists and is not an l2 ipvlan; ignoring ipvlan if_name']);
  });

  it('ignores tracking of the own interface', () => {
    const r = parseText(instance(' track_interface {\n  eth0\n  eth1 weight 10\n }'));
    expect(r.messages).toEqual(['(VI_1) Ignoring track_interface eth0 since own interface']);
    expect(r.result.config.vrrp.instances[0]!.trackInterfaces.map((t) => t.name)).toEqual(['eth1']);
  });

  it('reports sync groups with one member, unknown members, and tracking on both levels', () => {
    const sg = 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_X\n }\n track_interface {\n  eth0\n }\n}\n';
    const r = parseText(sg + instance());
    expect(r.messages).toEqual([
      'Virtual router VI_X specified in sync group G doesn\'t exist - ignoring',
      "Sync group G has only 1 virtual router(s) - this probably isn't what you want",
      '(VI_1) track_interface eth0 is configured on VRRP instance and sync group. Remove vrrp instance or sync group config',
    ]);
    expect(r.result.config.vrrp.instances[0]!.syncGroup).toBe('G');
  });

  it('flags the same VRID on the same interface', () => {
    const r = parseText(instance('', 'A') + instance('', 'B'));
    expect(r.messages).toEqual(['A and B both use VRID 51 with IPv4 on interface eth0']);
  });

  it('clears nopreempt for the address owner', () => {
    expect(parseText(instance(' priority 255\n nopreempt')).messages).toEqual(['(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt']);
  });

  it('strict mode rejects authentication and forbids accept for non-owners', () => {
    const r = parseText('global_defs {\n vrrp_strict\n}\n' + instance(' authentication {\n  auth_type PASS\n  auth_pass x\n }'));
    expect(r.messages).toContain('(VI_1) Strict mode does not support authentication. Ignoring.');
    expect(r.result.config.vrrp.instances[0]).toMatchObject({ accept: false, lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0 });
  });
});

describe('vrrp_script and tracking', () => {
  it('tracks a defined script with its weight, and refuses one defined later', () => {
    const script = `vrrp_script chk {\n script "${SCRIPT} arg"\n interval 2\n weight -20\n fall 3\n}\n`;
    const r = parseText(SECURE + script + instance(' track_script {\n  chk\n }'));
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.scripts[0]).toMatchObject({ name: 'chk', interval: 2_000_000, weight: -20, fall: 3, rise: 1, script: { argv: [SCRIPT, 'arg'], uid: 0 } });
    expect(r.result.config.vrrp.instances[0]!.trackScripts[0]).toMatchObject({ name: 'chk', weight: -20 });
    const late = parseText(SECURE + instance(' track_script {\n  chk\n }') + script);
    expect(late.messages).toContain('(VI_1) track script chk not found, ignoring...');
  });

  it('removes a vrrp_script without a script', () => {
    const r = parseText('vrrp_script chk {\n interval 2\n}\n' + instance());
    expect(r.messages).toEqual(['No script set for vrrp_script chk - removing']);
    expect(r.result.config.vrrp.scripts).toEqual([]);
  });

  it('reports a bad weight range', () => {
    const r = parseText(`vrrp_script chk {\n script ${SCRIPT}\n weight 300\n}\n`);
    expect(r.messages).toContain('vrrp_script chk weight 300 must be in [-253, 253]');
  });

  it('an unknown user for the script removes it', () => {
    const r = parseText(`vrrp_script chk {\n script ${SCRIPT}\n user nobody_here\n}\n`);
    expect(r.messages).toContain(`Unable to set uid/gid for script '${SCRIPT}'`);
    expect(r.result.config.vrrp.scripts).toEqual([]);
  });

  it('disables a track script that cannot be found', () => {
    const r = parseText(SECURE + 'vrrp_script chk {\n script /nonexistent/check\n}\n' + instance(' track_script {\n  chk\n }'));
    expect(r.messages).toContain('Disabling track script chk since not found/accessible');
    expect(r.result.config.vrrp.instances[0]!.trackScripts).toEqual([]);
  });

  it('running scripts without enable_script_security is a SECURITY VIOLATION (exit 6)', () => {
    const r = parseText('global_defs {\n script_user root\n}\n' + instance(` notify_master ${SCRIPT}`));
    expect(r.messages).toContain('SECURITY VIOLATION - scripts are being executed but script_security not enabled.');
    expect(r.exitCode).toBe(6);
  });

  it('clamps a track_interface weight of 254', () => {
    const r = parseText(instance(' track_interface {\n  eth1 weight 254\n }'));
    expect(r.messages).toEqual(['(VI_1) weight for eth1 cannot be +/-254. Setting to +/-253']);
    expect(r.result.config.vrrp.instances[0]!.trackInterfaces[0]!.weight).toBe(253);
  });

  it('track_file must be defined first; its default weight is 1', () => {
    const tf = 'track_file TF {\n file /tmp/tf\n}\n';
    const r = parseText(tf + instance(' track_file {\n  TF\n }'));
    expect(r.messages).toEqual([]);
    expect(r.result.config.trackFiles[0]).toMatchObject({ name: 'TF', file: '/tmp/tf', weight: 1 });
    expect(r.result.config.vrrp.instances[0]!.trackFiles[0]).toMatchObject({ name: 'TF', weight: 1 });
    expect(parseText('track_file TF {\n}\n').messages).toEqual(['No file set for track_file TF - ignoring']);
  });

  it('vrrp_track_process needs a process', () => {
    const r = parseText('vrrp_track_process P {\n weight 10\n}\n');
    expect(r.messages).toEqual(["track process 'P' process name not specified"]);
  });
});

describe('other VRRP roots', () => {
  it('static_ipaddress uses the default interface and accepts track_group', () => {
    const text = 'track_group TG {\n group {\n  VI_1\n }\n}\nstatic_ipaddress {\n 192.168.1.1/24 track_group TG\n}\n' + instance();
    const r = parseText(text);
    expect(r.messages).toEqual([]);
    expect(r.result.config.vrrp.staticAddresses[0]).toMatchObject({ address: '192.168.1.1', prefixLen: 24, dev: 'eth0', trackGroup: 'TG' });
  });

  it('garp_group without delay is removed', () => {
    expect(parseText('garp_group {\n interface eth0\n}\n').messages).toEqual(['garp group 0 does not have any delay set - removing']);
  });

  it('linkbeat_interfaces with an unknown interface is fatal class', () => {
    const r = parseText('linkbeat_interfaces {\n eth7\n}\n');
    expect(r.messages).toEqual(['unknown interface eth7 specified for linkbeat interface']);
    expect(r.exitCode).toBe(4);
  });

  it('interface_up_down_delays stores µs', () => {
    const r = parseText('interface_up_down_delays {\n eth0 2 0.5\n}\n');
    expect(r.result.config.vrrp.upDownDelays).toEqual([{ name: 'eth0', down: 2_000_000, up: 500_000 }]);
  });

  it('bfd_instance is visible to track_bfd in the VRRP process', () => {
    const r = parseText('bfd_instance B {\n neighbor_ip 10.0.0.9\n weight 5\n}\n' + instance(' track_bfd {\n  B\n  C\n }'));
    expect(r.messages).toContain('(VI_1) track bfd C not found, ignoring...');
    expect(r.result.config.vrrp.instances[0]!.trackBfds).toMatchObject([{ name: 'B', weight: 5 }]);
  });
});
