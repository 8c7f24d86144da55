import { describe, expect, it } from 'vitest';
import { parseText, vs } from './check-helpers.js';

const TCP_RS = (addr = '10.0.0.2 80', extra = '') => `real_server ${addr} {\n${extra}\nTCP_CHECK {\n}\n}`;

describe('virtual_server defaults', () => {
  it("resolves keepalived's defaults and reports the missing protocol, scheduler and method", () => {
    const r = parseText(vs(TCP_RS()));
    expect(r.messages).toEqual([
      'Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP',
      "Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
      'Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT',
    ]);
    expect(r.exitCode).toBe(5);
    const v = r.config.check.virtualServers[0]!;
    expect(v).toMatchObject({ protocol: 'udp', scheduler: 'wlc', family: 'inet', delayLoopUs: 60e6, connectTimeoutUs: 5e6, quorum: 1, weight: 1 });
    expect(v.forwarding.method).toBe('NAT');
    const rs = v.realServers[0]!;
    expect(rs).toMatchObject({ weight: 1, inhibitOnFailure: false, alpha: false, smtpAlert: true, delayLoopUs: 60e6 });
    expect(rs.checkers[0]).toMatchObject({ type: 'TCP_CHECK', retry: 1, delayBeforeRetryUs: 1e6, warmupUs: 60e6, alpha: false });
    expect(rs.checkers[0]!.type === 'TCP_CHECK' && rs.checkers[0]!.connection).toMatchObject({ dst: { address: '10.0.0.2', port: 80 }, connectTimeoutUs: 5e6 });
  });

  it('is clean with protocol, scheduler and method given; lb_algo/lb_kind are silent aliases', () => {
    const r = parseText(vs(`protocol TCP\nlb_algo rr\nlb_kind DR\n${TCP_RS()}`));
    expect(r.messages).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.config.check.virtualServers[0]).toMatchObject({ scheduler: 'rr', forwarding: { method: 'DR' }, name: '[10.0.0.1]:tcp:80' });
  });

  it('takes timing defaults VS → RS → checker, with per-checker retry and delay_before_retry defaults', () => {
    const body = `protocol TCP\nlvs_sched rr\nlvs_method NAT\ndelay_loop 10\nconnect_timeout 3\nretry 4\n
      real_server 10.0.0.2 80 {\n delay_before_retry 2\n HTTP_GET {\n url {\n path /\n }\n }\n MISC_CHECK {\n misc_path "/bin/true"\n user root\n }\n DNS_CHECK {\n retry 7\n }\n }`;
    const r = parseText(`global_defs {\n enable_script_security\n}\n${vs(body)}`);
    const [http, misc, dns] = r.config.check.virtualServers[0]!.realServers[0]!.checkers;
    expect(http).toMatchObject({ type: 'HTTP_GET', retry: 4, delayBeforeRetryUs: 2e6, delayLoopUs: 10e6, warmupUs: 10e6 });
    expect(misc).toMatchObject({ type: 'MISC_CHECK', retry: 4, timeoutUs: 0, script: { argv: ['/bin/true'], uid: 0 } });
    expect(dns).toMatchObject({ type: 'DNS_CHECK', retry: 7, delayBeforeRetryUs: 2e6, queryType: 'SOA', name: '.' });
  });

  it('uses the checker defaults when nothing above sets them: MISC retry 0, DNS retry 3 and delay_loop, HTTP 3 s', () => {
    const body = `protocol TCP\nlvs_sched rr\nlvs_method NAT\ndelay_loop 6\nreal_server 10.0.0.2 80 {\n SSL_GET {\n url {\n path /\n }\n }\n DNS_CHECK {\n }\n MISC_CHECK {\n misc_path /bin/true\n user root\n }\n }`;
    const r = parseText(`global_defs {\n enable_script_security\n}\n${vs(body)}`);
    const [ssl, dns, misc] = r.config.check.virtualServers[0]!.realServers[0]!.checkers;
    expect(ssl).toMatchObject({ retry: 1, delayBeforeRetryUs: 3e6 });
    expect(dns).toMatchObject({ retry: 3, delayBeforeRetryUs: 6e6 });
    expect(misc).toMatchObject({ retry: 0, delayBeforeRetryUs: 1e6 });
    expect(r.config.check.sslRequired).toBe(true);
  });
});

describe('ports and servers', () => {
  it('resets a DR real server port to the service port, and NAT inherits only a missing port', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method DR\n${TCP_RS('10.0.0.2 8080')}\n${TCP_RS('10.0.0.3', 'lvs_method NAT')}`));
    expect(r.messages).toEqual(['WARNING - virtual server [10.0.0.1]:tcp:80 and real server [10.0.0.2]:tcp:8080 ports don\'t match - resetting']);
    const [a, b] = r.config.check.virtualServers[0]!.realServers;
    expect(a!.addr.port).toBe(80);
    expect(b!.addr.port).toBe(80);
    // keepalived's checker keeps the port the real server had when the checker was read
    expect(b!.checkers[0]!.type === 'TCP_CHECK' && b!.checkers[0]!.connection.dst?.port).toBe(0);
  });

  it('clears real server ports of a fwmark service unless NAT, and ignores its protocol', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched wlc\nlvs_method DR\n${TCP_RS('10.0.0.2 80')}`, 'fwmark 1'));
    expect(r.messages).toEqual([
      'Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored',
      'WARNING - fwmark virtual server FWM 1, real server [10.0.0.2]:none:80 has port specified - clearing',
    ]);
    const v = r.config.check.virtualServers[0]!;
    expect(v.protocol).toBeUndefined();
    expect(v.key).toEqual({ kind: 'fwmark', fwmark: 1 });
    expect(v.realServers[0]!.addr.port).toBe(0);
  });

  it('drops a virtual server without real servers and a duplicated real server', () => {
    const r = parseText(vs('protocol TCP\nlvs_sched rr\nlvs_method NAT') + vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\n${TCP_RS()}\n${TCP_RS()}`, '10.0.0.9 80'));
    expect(r.messages).toEqual([
      'Virtual server [10.0.0.1]:tcp:80 has no real servers - ignoring',
      'VS [10.0.0.9]:tcp:80: real server [10.0.0.2]:tcp:80 is duplicated - removing second rs',
    ]);
    expect(r.config.check.virtualServers.map((v) => v.realServers.length)).toEqual([1]);
  });

  it('caps quorum at the total weight and hysteresis below quorum', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nquorum 5\nhysteresis 9\n${TCP_RS('10.0.0.2 80', 'weight 2')}`));
    expect(r.messages).toEqual([
      'Warning - quorum 5 for [10.0.0.1]:tcp:80 exceeds total weight of real servers 2, reducing quorum to 2',
      'Virtual server [10.0.0.1]:tcp:80: hysteresis 9 >= quorum 2; setting hysteresis to 1',
    ]);
    expect(r.config.check.virtualServers[0]).toMatchObject({ quorum: 2, hysteresis: 1 });
  });

  it('reads a sorry server with inhibit and its own method, and matches it against real servers', () => {
    const r = parseText(
      vs(`protocol TCP\nlvs_sched rr\nlvs_method DR\nsorry_server 10.0.0.2 80\nsorry_server_inhibit\nsorry_server_lvs_method NAT\n${TCP_RS('10.0.0.2 80')}`),
    );
    expect(r.messages).toEqual(['Virtual server [10.0.0.1]:tcp:80: real server [10.0.0.2]:tcp:80 matches sorry server, but inhibit setting differs, clearing on sorry server']);
    expect(r.config.check.virtualServers[0]!.sorryServer).toMatchObject({ inhibit: false, duplicatesRealServer: true, forwarding: { method: 'NAT' } });
  });

  it('refuses invalid addresses with keepalived\'s texts', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nreal_server 10.0.0.300 80 {\n}\n${TCP_RS()}`) + 'virtual_server 1.2.3 80 {\n}\n');
    expect(r.messages).toContain('(keepalived.conf: Line 4) Invalid real server ip address/port 10.0.0.300/80 - skipping');
    expect(r.messages).toContain('(keepalived.conf: Line 12) Invalid virtual server IP address/port 1.2.3/80 - skipping');
  });
});

describe('keywords', () => {
  it('parses tunnel options and rejects bad ones', () => {
    const r = parseText(
      vs(`protocol TCP\nlvs_sched rr\nlvs_method TUN type gue port 6080 csum\n${TCP_RS('10.0.0.2 80', 'lvs_method TUN type ipip csum')}`),
    );
    expect(r.messages).toEqual(['(keepalived.conf: Line 6) ipip tunnels do not support checksum option.']);
    const v = r.config.check.virtualServers[0]!;
    expect(v.forwarding).toEqual({ method: 'TUN', tunnelType: 'gue', tunnelPort: 6080, tunnelChecksum: 'csum' });
    // the method sticks, the tunnel options are the VS's
    expect(v.realServers[0]!.forwarding).toEqual(v.forwarding);
  });

  it('applies scheduler flags only with their scheduler', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched sh\nsh-port\nmh-port\nhashed\nflag-3\nops\nlvs_method NAT\n${TCP_RS()}`) + vs(`protocol UDP\nlvs_sched rr\nsh-port\nlvs_method NAT\n${TCP_RS()}`, '10.0.0.5 53'));
    expect(r.messages).toEqual([
      '(keepalived.conf: Line 19) sh-port only applies to sh scheduler - ignoring',
      'Virtual server [10.0.0.1]:tcp:80: one packet scheduling requires UDP - resetting',
    ]);
    expect(r.config.check.virtualServers[0]!.flags).toBe(0x10 | 0x20);
  });

  it('reads persistence: timeout default 360, granularity as netmask, 0 refused', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\npersistence_granularity 255.255.255.0\npersistence_timeout 0\n${TCP_RS()}`));
    expect(r.messages).toEqual(["(keepalived.conf: Line 6) number '0' outside range [1, 2678400]", '(keepalived.conf: Line 6) persistence_timeout invalid']);
    expect(r.config.check.virtualServers[0]).toMatchObject({ persistenceTimeout: 360, persistenceGranularity: '255.255.255.0' });
  });

  it('warns that nb_get_retry is deprecated and still uses it', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\n HTTP_GET {\n nb_get_retry 5\n url {\n path /x\n digest 0123456789ABCDEF0123456789abcdef\n status_code 200-204 301\n }\n }\n }`));
    expect(r.messages).toEqual(["(keepalived.conf: Line 7) nb_get_retry is deprecated - please use 'retry'"]);
    const http = r.config.check.virtualServers[0]!.realServers[0]!.checkers[0]!;
    expect(http).toMatchObject({ retry: 5, urls: [{ path: '/x', digest: '0123456789abcdef0123456789abcdef', statusCodes: [[200, 204], [301, 301]] }] });
  });

  // keepalived 2.2.7 reports the same and then crashes (it re-reads the checker it just dropped)
  it('drops HTTP checkers without urls and urls without a path', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\n HTTP_GET {\n url {\n digest xx\n }\n }\n }`));
    expect(r.messages).toEqual([
      "(keepalived.conf: Line 8) digest 'xx' character length should be 32 rather than 2",
      '(keepalived.conf: Line 9) HTTP/SSL_GET checker url has no path - ignoring',
      '(keepalived.conf: Line 10) HTTP/SSL_GET checker has no urls specified - ignoring',
    ]);
    expect(r.config.check.virtualServers[0]!.realServers[0]!.checkers).toEqual([]);
  });

  it('reads UDP payloads as hex, refusing a last octet of ff as keepalived does', () => {
    const r = parseText(vs(`protocol UDP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 53 {\n UDP_CHECK {\n payload 01 02 0a\n require_reply 0x 0f\n }\n UDP_CHECK {\n payload 01ff\n }\n }`, '10.0.0.1 53'));
    expect(r.messages).toEqual(['(keepalived.conf: Line 11) Invalid hex string for UDP_CHECK payload']);
    const udp = r.config.check.virtualServers[0]!.realServers[0]!.checkers[0]!;
    expect(udp).toMatchObject({ type: 'UDP_CHECK', payload: '01020a', requireReply: true, replyData: '000f', replyMask: '0f00' });
  });

  it('reports DNS names with an empty label (and keepalived\'s second-character quirk)', () => {
    const r = parseText(vs(`protocol UDP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 53 {\n DNS_CHECK {\n name a..b\n name a.example.com\n type mx\n }\n }`, '10.0.0.1 53'));
    expect(r.messages).toEqual(["(keepalived.conf: Line 7) DNS_CHECK name 'a..b' has empty label - ignoring", "(keepalived.conf: Line 8) DNS_CHECK name 'a.example.com' has empty label - ignoring"]);
    expect(r.config.check.virtualServers[0]!.realServers[0]!.checkers[0]).toMatchObject({ queryType: 'MX', name: '.' });
  });

  it('needs bind_if for an IPv6 link-local checker address', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server fe80::2 80 {\n TCP_CHECK {\n }\n }`, 'fe80::1 80'));
    expect(r.messages).toEqual(['(keepalived.conf: Line 7) Checker link local address fe80::2 requires a bind_if']);
    expect(r.config.check.virtualServers[0]!.realServers[0]!.checkers).toEqual([]);
  });

  it('expands deprecated SMTP host blocks into checkers of their own', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 25 {\n SMTP_CHECK {\n host {\n connect_ip 10.0.0.7\n }\n host {\n connect_ip 10.0.0.8\n connect_port 2525\n }\n }\n }`, '10.0.0.1 25'));
    const checkers = r.config.check.virtualServers[0]!.realServers[0]!.checkers;
    expect(checkers.map((k) => k.type === 'SMTP_CHECK' && [k.connection.dst?.address, k.connection.dst?.port, k.heloName])).toEqual([
      ['10.0.0.7', 25, 'smtpchecker.keepalived.org'],
      ['10.0.0.8', 2525, 'smtpchecker.keepalived.org'],
    ]);
  });
});

describe('virtual_server_group', () => {
  it('reads ranges, masks and fwmarks, numbers its virtual servers and checks ports', () => {
    const r = parseText(
      'virtual_server_group G {\n 10.0.0.1-3 80\n 10.0.1.0/30 80\n 10.0.2.1-10.0.2.9 81\n fwmark 7 inet\n}\n' +
        vs(`protocol TCP\nlvs_sched rr\nlvs_method DR\n${TCP_RS('10.0.0.2 80')}`, 'group G') +
        vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\n${TCP_RS('10.0.0.2 80')}`, 'group G'),
    );
    expect(r.messages).toEqual([
      'WARNING - fwmark virtual server [G]:0, real server [10.0.0.2]:tcp:80 has port specified - port will be ignored',
      "virtual server [G]:0:[10.0.2.1-10.0.2.9,81] and real server [10.0.0.2]:tcp:80 ports don't match",
    ]);
    const g = r.config.check.groups[0]!;
    expect(g.entries.map((e) => (e.kind === 'range' ? `${e.start}-${e.end}:${e.port}` : `fwm${e.fwmark}`))).toEqual([
      '10.0.0.1-10.0.0.3:80',
      '10.0.1.0-10.0.1.3:80',
      '10.0.2.1-10.0.2.9:81',
      'fwm7',
    ]);
    expect(r.config.check.virtualServers.map((v) => v.name)).toEqual(['[G]:0', '[G]:1']);
  });

  it("reports bad entries with keepalived's texts and removes an empty group", () => {
    const r = parseText('virtual_server_group G {\n 10.0.0.1/24\n 10.0.0.5-2\n 10.0.0.1-7x\n fwmark 1 inet7\n}\n');
    expect(r.messages).toEqual([
      '(keepalived.conf: Line 2) Address mask bits not empty - 10.0.0.1/24 - skipping',
      '(keepalived.conf: Line 3) Address range end is not greater than address range start - 10.0.0.5-2 - skipping',
      "(keepalived.conf: Line 4) Virtual server group range '10.0.0.1-7x' has extra characters at end 'x'",
      "(keepalived.conf: Line 5) (G): fwmark '1' family inet7 unknown - ignoring",
      '(keepalived.conf: Line 6) virtual server group G has no entries - removing',
    ]);
    expect(r.config.check.groups).toEqual([]);
  });
});

describe('scripts', () => {
  it('is a SECURITY VIOLATION to run MISC_CHECK scripts without script security', () => {
    const r = parseText(vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\n MISC_CHECK {\n misc_path "/bin/true arg"\n misc_timeout 5\n misc_dynamic\n }\n }`));
    expect(r.messages).toEqual(['SECURITY VIOLATION - check scripts are being executed but script_security not enabled.']);
    expect(r.exitCode).toBe(6);
    expect(r.config.check.virtualServers[0]!.realServers[0]!.checkers[0]).toMatchObject({ script: { argv: ['/bin/true', 'arg'] }, timeoutUs: 5e6, dynamic: true });
  });

  it('removes misc checkers when script security is on and keepalived_script does not exist', () => {
    const r = parseText(`global_defs {\n enable_script_security\n}\n` + vs(`protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\n MISC_CHECK {\n misc_path /bin/true\n }\n }`));
    expect(r.messages).toEqual(['(keepalived.conf: Line 11) Unable to set default user keepalived_script for script', "(keepalived.conf: Line 11) Unable to set default user for misc script '/bin/true' - removing"]);
    expect(r.config.check.virtualServers[0]!.realServers[0]!.checkers).toEqual([]);
  });
});
