/** Writing the model back as text: the entries that are hardest to write so they read back the same. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/parse.js';
import { scriptCommand } from '../../../src/config/quote.js';
import { writeConfig } from '../../../src/config/write.js';
import { writtenModel } from './written-model.js';
import { SECURE, instance, parseText } from './vrrp-helpers.js';
import { fakeHost } from './fake-host.js';
import { parseText as parseOn } from './parse-text.js';

/** parse → write → parse; returns both models and the text written. */
function roundTrip(text: string): { first: unknown; second: unknown; written: string } {
  const first = parseText(text).result.config;
  const written = writeConfig(first);
  return { first: writtenModel(first), second: writtenModel(parseText(written).result.config), written };
}

describe('writeConfig', () => {
  it('writes script words with quotes, escapes, comment and brace characters so both splitting levels give them back', () => {
    const words = fc.string({ unit: fc.constantFrom(...'ab /\'"\\#!{}$~@\t\n\x01-'.split('')), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(words, { minLength: 1, maxLength: 4 }), (argv) => {
        const text = `global_defs {\n notify_fifo /tmp/fifo\n notify_fifo_script ${scriptCommand(argv)}\n}\n`;
        expect(parseText(text).result.config.global.notifyFifo.script?.argv).toEqual(argv);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips notify scripts with a run-as user, and a vrrp_script with arguments', () => {
    const text = `${SECURE}vrrp_script chk {\n script "/usr/local/bin/check.sh 'a b' \\"c\\" d\\\\e"\n weight -20 reverse\n}\n${instance(
      ' track_script {\n  chk\n }\n notify_master "/usr/local/bin/check.sh master \'#1\'" root root',
    )}`;
    const { first, second } = roundTrip(text);
    expect((first as Config).vrrp.scripts[0]!.script!.argv).toEqual(['/usr/local/bin/check.sh', 'a b', 'c', 'de']);
    expect(second).toEqual(first);
  });

  it('round-trips addresses with every option', () => {
    const { first, second } = roundTrip(
      instance(
        [
          ' virtual_ipaddress_excluded {',
          '  10.1.0.1/24 brd + dev eth1 scope link label eth1:vip home noprefixroute no_track',
          '  10.2.0.1 peer 10.2.0.2 dev eth0',
          '  fe80::1/64 dev eth1 -nodad mngtmpaddr autojoin preferred_lft 30',
          ' }',
        ].join('\n'),
      ),
    );
    expect(((first as Config).vrrp.instances[0]!.evips ?? []).length).toBe(3);
    expect(second).toEqual(first);
  });

  it('round-trips routes with nexthops, encapsulation, locked metrics and a table', () => {
    const { first, second, written } = roundTrip(
      instance(
        [
          ' virtual_routes {',
          '  10.3.0.0/16 via 10.0.0.254 dev eth0 table 100 metric 5 mtu lock 1400 rtt 300 append',
          '  blackhole 10.4.0.0/16 no_track',
          '  10.5.0.0/16 encap ip id 7 dst 10.9.9.9 ttl 5 dev eth0',
          '  default nexthop via 10.0.0.1 dev eth0 weight 2 nexthop via 10.0.0.2 dev eth1 onlink',
          '  2001:db8::/32 dev eth1 pref high expires 60',
          ' }',
        ].join('\n'),
      ),
    );
    expect((first as Config).vrrp.instances[0]!.vroutes.length).toBe(5);
    expect(written).toContain('mtu lock 1400');
    expect(second).toEqual(first);
  });

  it('round-trips rules, keeping assigned preferences assigned', () => {
    const { first, second, written } = roundTrip(
      instance(
        [
          ' virtual_rules {',
          '  from 10.0.0.0/8 fwmark 0x10/0xff table 100',
          '  to 10.6.0.0/16 iif eth1 uidrange 1000-2000 ipproto tcp dport 80-90 prohibit',
          '  preference 100 from all goto 200',
          '  from 2001:db8::/32 l3mdev no_track',
          ' }',
        ].join('\n'),
      ),
    );
    expect(written).not.toContain('preference 16384');
    expect(second).toEqual(first);
  });

  it('round-trips the global and VRRP settings no corpus file sets (measured: always at their defaults there)', () => {
    const host = fakeHost({
      files: { '/usr/local/bin/check.sh': { mode: 0o755 } },
      users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'ka', uid: 990, gid: 990 }],
      groups: { root: 0, ka: 990, adm: 4 },
      interfaces: ['lo', 'eth0', 'eth1', 'eth2', 'eth3'],
    });
    const text = [
      'net_namespace_ipvs',
      'namespace_with_ipsets',
      'global_defs {',
      ' router_id lb1',
      ' smtp_server 192.0.2.9 2525',
      ' smtp_alert_vrrp true',
      ' smtp_alert_checker false',
      ' vrrp_cpu_affinity 0 1',
      ' bfd_priority -5',
      ' script_user ka adm',
      ' startup_script "/usr/local/bin/check.sh start"',
      ' shutdown_script "/usr/local/bin/check.sh stop" root',
      ' notify_fifo /run/fifo1 root root',
      ' notify_fifo_script "/usr/local/bin/check.sh fifo" ka',
      ' lvs_notify_fifo /run/fifo3 ka ka',
      ' lvs_notify_fifo_script /usr/local/bin/check.sh root root',
      ' vrrp_notify_priority_changes',
      ' disable_local_igmp',
      ' vrrp_down_timer_adverts 5',
      ' vrrp_garp_extra_if all 30',
      ' vrrp_rx_bufs_policy ADVERT',
      ' nftables_ifindex',
      ' nftables_ipvs ipvs_tbl',
      ' nftables_ipvs_priority -3',
      ' nftables_ipvs_start_fwmark 2000',
      ' lvs_sync_daemon eth0 inst VI_1 id 5 maxlen 1400 port 8848 ttl 3 group 224.0.0.82',
      ' lvs_netlink_cmd_rcv_bufs_force',
      ' include_check',
      ' config_save_dir /run/saved',
      ' tmp_config_directory /run/tmpcfg',
      ' data_use_instance',
      ' enable_script_security',
      '}',
      'vrrp_script chk {',
      ' script "/usr/local/bin/check.sh chk"',
      ' weight 10 reverse',
      ' user ka',
      '}',
      'track_group TG1 {',
      ' group {',
      '  VI_1',
      ' }',
      '}',
      'static_ipaddress {',
      ' 10.9.0.1/24 dev eth1 no_track',
      ' 10.9.1.1/24 dev eth1 track_group TG1',
      '}',
      'static_routes {',
      ' unicast 2001:db8:8::/48 from 2001:db8::2 via 2001:db8::1 dev eth0 onlink track_group TG1',
      '}',
      'static_rules {',
      ' preference 5 not from 10.0.0.0/8 table 100 iif eth0 track_group TG1 suppress_ifgroup 5 uidrange 5-10 ipproto udp sport 1-2 dport 3-4 protocol 5 no_track',
      '}',
      'vrrp_sync_group SG {',
      ' group {',
      '  VI_1',
      ' }',
      ' track_script {',
      '  chk weight 4 reverse',
      ' }',
      ' notify_master "/usr/local/bin/check.sh m" ka',
      ' notify_backup "/usr/local/bin/check.sh b" ka adm',
      ' notify_stop "/usr/local/bin/check.sh s"',
      ' notify "/usr/local/bin/check.sh n" root',
      '}',
      'vrrp_instance VI_1 {',
      ' state BACKUP',
      ' interface eth0',
      ' virtual_router_id 5',
      ' virtual_ipaddress {',
      '  10.0.0.1/24 home',
      '  10.0.0.5/24 dev eth0 -nodad mngtmpaddr autojoin',
      ' }',
      ' virtual_ipaddress_excluded {',
      '  10.0.1.1 scope site label eth0:x peer 10.0.1.2 home no_track',
      ' }',
      ' virtual_routes {',
      '  10.3.0.0/16 via 10.0.0.254 dev eth0 tos 4 realms 1/2 onlink',
      '  10.5.0.0/16 dev eth0 metric 3 nexthop via 10.0.0.1 dev eth0 weight 3 onlink realms 5 encap mpls 300',
      ' }',
      ' virtual_rules {',
      '  preference 7 not from all to 10.2.0.0/16 table 100 tos 4 fwmark 1/0xf realms 1/2 suppress_prefixlength 8 oif eth1 tunnel-id 9 uidrange 1-2 protocol 6 ipproto tcp sport 1-10 dport 5',
      '  preference 101 from 10.0.0.0/8 l3mdev',
      '  preference 102 from 10.1.0.0/16 unreachable',
      ' }',
      ' unicast_fault_no_peer',
      ' notify_master "/usr/local/bin/check.sh m" ka',
      ' notify_backup "/usr/local/bin/check.sh b" ka adm',
      ' notify_stop "/usr/local/bin/check.sh s" root',
      ' notify_deleted "/usr/local/bin/check.sh d" ka',
      ' notify_master_rx_lower_pri "/usr/local/bin/check.sh l" ka',
      ' garp_extra_if all 20',
      ' down_timer_adverts 6',
      ' use_vmac vrrp5',
      '}',
      'vrrp_instance VI_2 {',
      ' interface eth2',
      ' virtual_router_id 6',
      ' use_ipvlan ipv5 10.0.7.1/24 bridge',
      ' virtual_ipaddress {',
      '  10.0.6.1/24',
      ' }',
      '}',
      '',
    ].join('\n');
    const first = parseOn(text, host).config;
    const written = writeConfig(first);
    for (const kw of ['namespace_with_ipsets', 'lvs_notify_fifo /run/fifo3 ka ka', 'lvs_notify_fifo_script', 'nftables_ipvs_start_fwmark 2000', 'encap mpls 300', 'notify_master_rx_lower_pri', 'use_ipvlan']) expect(written).toContain(kw);
    expect(writtenModel(parseOn(written, host).config)).toEqual(writtenModel(first));
  });

  it('writes a FIFO owner by the names it was given, and a FIFO that took the default owner before script_user before it', () => {
    const host = fakeHost({
      users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'ka', uid: 990, gid: 990 }, { name: 'keepalived_script', uid: 900, gid: 900 }],
      groups: { root: 0, ka: 990 },
    });
    const text = 'global_defs {\n notify_fifo /run/a.fifo\n script_user ka\n vrrp_notify_fifo /run/b.fifo\n lvs_notify_fifo /run/c.fifo root root\n}\n';
    const first = parseOn(text, host).config;
    expect([first.global.notifyFifo.owner, first.global.vrrpNotifyFifo.owner, first.global.lvsNotifyFifo.owner]).toEqual([
      { uid: 900, gid: 900 },
      { uid: 990, gid: 990 },
      { uid: 0, gid: 0 },
    ]);
    const written = writeConfig(first);
    // keepalived resolves owners by name (getpwnam): numbers would name no user
    expect(written).toContain('lvs_notify_fifo /run/c.fifo root root');
    expect(written).not.toMatch(/notify_fifo \S+ \d/);
    expect(written.indexOf('notify_fifo /run/a.fifo')).toBeLessThan(written.indexOf('script_user ka'));
    expect(writtenModel(parseOn(written, host).config)).toEqual(writtenModel(first));
  });

  it('round-trips BFD sessions with passive, ttl and an IPv6 hoplimit, tracked in reverse', () => {
    const { first, second, written } = roundTrip(
      [
        'bfd_instance B1 {\n neighbor_ip 10.0.0.2\n source_ip 10.0.0.1\n passive\n ttl 5\n max_hops 3\n}',
        'bfd_instance B2 {\n neighbor_ip 2001:db8::2\n hoplimit 7\n}',
        instance(' track_bfd {\n  B1 weight 10 reverse\n }'),
      ].join('\n'),
    );
    expect(written).toMatch(/^ *passive$/m);
    expect(second).toEqual(first);
  });
});
