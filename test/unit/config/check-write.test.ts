/**
 * writeCheck: parse → write the checker section → parse again gives the same
 * checker model (locations aside), on the corpus files with virtual servers,
 * the IPVS vectors' configurations and the tricky cases below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Checker } from '../../../src/config/check/index.js';
import { writeCheck } from '../../../src/config/check/write.js';
import { escapedWord } from '../../../src/config/check/write/text.js';
import { parseConfig, type Config } from '../../../src/config/parse.js';
import { quoteWord, scriptCommand, scriptLine } from '../../../src/config/quote.js';
import type { SystemPort } from '../../../src/config/system.js';
import { CORPUS_DIR, corpusAvailable, loadVerdicts, modeBSystem, runCorpusFile } from '../../../lab/corpus.js';
import { fakeSystem, vs } from './check-helpers.js';
import { stripLocations } from './strip-locations.js';
import { IPVS_VECTORS, ipvsCases } from '../ipvs/vectors.js';
import { tempDir } from '../../tmp.js';

const tmp = tempDir('check-write');
let written = 0;

/** Parse text written as the reader reads it: one latin1 byte per character. */
function parse(lines: readonly string[], sys: SystemPort = fakeSystem()): Config {
  const file = path.join(tmp, `c${written++}.conf`);
  fs.writeFileSync(file, lines.join('\n') + '\n', 'latin1');
  return parseConfig(file, { cwd: tmp, system: sys, testMode: true, randomSeed: 1 }).config;
}

/** What the checker pass reads from outside its own section: the default script user, rs_init_notifies and the track files. */
function outsideCheck(c: Config): string[] {
  const g = c.global;
  const globals = [
    ...(g.scriptUser ? [scriptUserLine(g.scriptUser)] : []),
    ...(g.enableScriptSecurity ? ['enable_script_security'] : []),
    ...(g.rsInitNotifies ? ['rs_init_notifies'] : []),
  ];
  return [
    ...(globals.length ? ['global_defs {', ...globals, '}'] : []),
    ...c.trackFiles.flatMap((t) => [`track_file ${quoteWord(t.name)} {`, `file ${quoteWord(t.file)}`, '}']),
  ];
}

function scriptUserLine(u: NonNullable<Config['global']['scriptUser']>): string {
  return ['script_user', u.user, ...(u.group !== undefined ? [u.group] : [])].join(' ');
}

/** The checker model read back from its own text (with what it needs from the rest of `c`). */
function checkReadBack(c: Config, sys: SystemPort): unknown {
  return stripLocations(parse([...outsideCheck(c), ...writeCheck(c.check)], sys).check);
}

describe.skipIf(!corpusAvailable())('writeCheck on the corpus', () => {
  const files = corpusAvailable() ? loadVerdicts().map((v) => v.file) : [];
  const withVirtualServers = files.filter((f) => /virtual_server/.test(fs.readFileSync(path.join(CORPUS_DIR, f), 'latin1')));

  it('reads back every checker model', () => {
    const sys = modeBSystem();
    const differ = withVirtualServers.filter((f) => {
      const c = runCorpusFile(f, sys).config;
      return JSON.stringify(checkReadBack(c, sys)) !== JSON.stringify(stripLocations(c.check));
    });
    expect(differ).toEqual([]);
  }, 600_000);
});

if (!corpusAvailable()) console.log(`writeCheck corpus round trip skipped: no corpus at ${CORPUS_DIR}`);

describe('writeCheck on the IPVS vectors', () => {
  it.each(ipvsCases)('%s reads back', (dir) => {
    const sys = modeBSystem();
    const c = parseConfig(path.join(IPVS_VECTORS, dir, 'keepalived.conf'), { system: sys, testMode: true, randomSeed: 1 }).config;
    expect(c.check.virtualServers.length).toBeGreaterThan(0);
    expect(checkReadBack(c, sys)).toEqual(stripLocations(c.check));
  });
});

const rsBody = (checkers: string): string => `protocol TCP\nlvs_sched rr\nlvs_method NAT\nreal_server 10.0.0.2 80 {\n${checkers}\n}`;

/** Parse, write the checker section, parse that: the checker models must agree. */
function readsBack(text: string): Config['check'] {
  const first = parse([text]);
  expect(checkReadBack(first, fakeSystem())).toEqual(stripLocations(first.check));
  return first.check;
}

const firstChecker = (lines: string): Checker | undefined =>
  parse([vs(rsBody(lines))]).check.virtualServers[0]?.realServers[0]?.checkers[0];

/** Latin-1 text, control characters included: what a configuration line can carry. */
const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 });

describe('writeCheck quoting', () => {
  it('gives a script its argv back through both levels of splitting', () => {
    fc.assert(
      fc.property(fc.array(latin1, { maxLength: 4 }), (args) => {
        const argv = ['/bin/true', ...args];
        const k = firstChecker(`MISC_CHECK {\nmisc_path ${scriptCommand(argv)}\n}`);
        expect(k?.type === 'MISC_CHECK' && k.script.argv).toEqual(argv);
      }),
      { numRuns: 150, examples: [[['$_PWD', '${_RANDOM 1 2}', '', 'a\\', `'"'`, '\\x41\\0']]] },
    );
  });

  it('gives a regex its pattern back', () => {
    fc.assert(
      fc.property(latin1, (pattern) => {
        const k = firstChecker(`HTTP_GET {\nurl {\npath /\nregex ${escapedWord(pattern)}\n}\n}`);
        expect(k?.type === 'HTTP_GET' && k.urls[0]?.regex?.pattern).toBe(pattern);
      }),
      { numRuns: 150, examples: [['^ok$'], ['$_PWD ${_HASH}'], ['a\\"#{}!\\']] },
    );
  });

  it('keeps plain words with spaces, comment characters and braces whole', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '#', '!', '{', '}', "'", '/', '\t'), minLength: 0, maxLength: 10 });
    fc.assert(
      fc.property(text, (host) => {
        const k = firstChecker(`HTTP_GET {\nvirtualhost ${quoteWord(host)}\nurl {\npath /\n}\n}`);
        expect(k?.type === 'HTTP_GET' && k.virtualhost).toBe(host);
      }),
      { numRuns: 100 },
    );
  });

  it("writes a script's run-as user and group after the command", () => {
    const check = readsBack(vs(`${rsBody('')}\nquorum_up "/bin/echo 'up now' \\"#1\\"" root root`));
    expect(check.virtualServers[0]?.quorumUp).toMatchObject({ argv: ['/bin/echo', 'up now', '#1'], user: 'root', group: 'root' });
    expect(scriptLine('quorum_up', check.virtualServers[0]!.quorumUp!)).toBe(`quorum_up "/bin/echo 'up now' '#1'" root root`);
  });
});

describe('writeCheck reproduces what keepalived derives', () => {
  it('writes every checker type with its settings', () => {
    const checkers = [
      'HTTP_GET {\nconnect_port 8080\nhttp_protocol 1.1\nenable_sni\nurl {\npath "/a b#c"\ndigest 0123456789abcdef0123456789ABCDEF\nstatus_code 200 301-302\nregex "^ok {1,3}$"\nregex_options caseless\nregex_no_match\nregex_min_offset 2\nregex_max_offset 9\nregex_stack 10 20\n}\n}',
      'SSL_GET {\nbindto 10.0.0.9\nbind_port 999\nurl {\npath /\nvirtualhost www.example.com\n}\n}',
      'TCP_CHECK {\nconnect_ip 10.0.0.3\nfwmark 7\nconnect_timeout 0.25\nlog_all_failures\n}',
      'PING_CHECK {\nalpha\ndelay_loop 1.5\nwarmup 0.000001\n}',
      'SMTP_CHECK {\nhelo_name mx.example.com\nhost {\nconnect_ip 10.0.0.4\n}\nhost {\nconnect_port 2525\n}\n}',
      'DNS_CHECK {\ntype aaaa\nname example.com\n}',
      'UDP_CHECK {\npayload 01 02 ab\nrequire_reply 0x x1 ff 00\nmin_reply_length 2\nmax_reply_length 80\n}',
      'MISC_CHECK {\nmisc_path "/bin/true -v"\nmisc_timeout 4\nmisc_dynamic\nuser root\n}',
      'BFD_CHECK {\nname bfd1\nalpha no\n}',
    ];
    const check = readsBack(vs(rsBody(checkers.join('\n'))));
    expect(check.sslRequired).toBe(true);
    expect(check.virtualServers[0]!.realServers[0]!.checkers.map((k) => k.type)).toEqual([
      'HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'MISC_CHECK', 'BFD_CHECK',
    ]);
  });

  it("keeps 'no port' for a checker of a real server that inherits the service's port", () => {
    const check = readsBack(vs('protocol TCP\nlvs_method DR\nreal_server 10.0.0.2 {\nTCP_CHECK {\n}\n}\nreal_server 10.0.0.3 {\nTCP_CHECK {\nconnect_port 80\n}\n}'));
    const [a, b] = check.virtualServers[0]!.realServers;
    expect([a!.addr.port, b!.addr.port]).toEqual([80, 80]);
    expect([a!.checkers[0], b!.checkers[0]].map((k) => k && 'connection' in k && k.connection.dst?.port)).toEqual([0, 80]);
  });

  it('keeps servers that only became equal when their ports were settled', () => {
    const check = readsBack(
      vs('protocol TCP\nlvs_method DR\nreal_server 10.0.0.2 8000 {\n}\nreal_server 10.0.0.2 80 {\n}\nreal_server 10.0.0.2 {\n}\nsorry_server 10.0.0.2 23'),
    );
    const v = check.virtualServers[0]!;
    expect(v.realServers.map((r) => r.addr.port)).toEqual([80, 80, 80]);
    expect(v.sorryServer).toMatchObject({ addr: { port: 80 }, duplicatesRealServer: false });
  });

  it('keeps a destination keepalived rejected', () => {
    const check = readsBack(vs(rsBody('TCP_CHECK {\nconnect_ip 10.0.0.300\n}')));
    const k = check.virtualServers[0]!.realServers[0]!.checkers[0]!;
    expect('connection' in k && k.connection.dst).toBeUndefined();
  });

  it('numbers group virtual servers as keepalived did, counting the dropped ones', () => {
    const group = 'virtual_server_group G {\n10.0.0.1-10.0.1.3 80\n10.0.2.1/30\nfwmark 5 inet\n}\n';
    const member = (body: string): string => `virtual_server group G {\n${body}\n}\n`;
    const check = readsBack(group + member('') + member(rsBody('')) + member('') + member(rsBody('')));
    expect(check.virtualServers.map((v) => v.name)).toEqual(['[G]:1', '[G]:3']);
  });

  it('says an SSL context is needed when the SSL_GET that asked for it was dropped', () => {
    const check = readsBack(vs(rsBody('SSL_GET {\n}')) + 'SSL {\npassword "p w"\nca /etc/ca.pem\n}\n');
    expect(check.sslRequired).toBe(true);
    expect(check.virtualServers[0]!.realServers[0]!.checkers).toEqual([]);
  });

  it('gives fwmark and mixed-family group services their family', () => {
    const tun6 = 'real_server 2001:db8::2 {\nlvs_method TUN type gue port 6080 csum\n}';
    const mixed = 'virtual_server_group M {\n10.0.0.1 80\n2001:db8::1 80\n}\n';
    const check = readsBack(vs(tun6, 'fwmark 3') + mixed + `virtual_server group M {\nprotocol TCP\n${tun6}\n}\n`);
    expect(check.virtualServers.map((v) => [v.name, v.family])).toEqual([
      ['FWM 3', 'inet6'],
      ['[M]:0', 'inet'],
    ]);
  });

  it('writes service settings, including a quorum lowered to 0 by zero weights', () => {
    const body =
      'protocol UDP\nlvs_sched sh\nsh-port\nops\npersistence_granularity 255.255.0.0\npersistence_engine sip\nquorum 3\nhysteresis 1\nha_suspend\nalpha\nomega\ninhibit_on_failure\nretry 2\nwarmup 3\ndelay_before_retry 0.5\nreal_server 10.0.0.2 53 {\nweight 0\nuthreshold 9\nnotify_down /bin/false\n}';
    const check = readsBack(vs(body, '10.0.0.1 53'));
    expect(check.virtualServers[0]).toMatchObject({ quorum: 0, hysteresis: 4294967295, persistenceTimeout: 360 });
  });
});
