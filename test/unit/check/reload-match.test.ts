/** What a checker reload keeps: virtual and real servers matched by identity, checkers kept, migrated or new, and their start states. */
import { describe, expect, it } from 'vitest';
import {
  groupEntryChanges,
  matchRealServers,
  matchVirtualServers,
  planCheckers,
  reloadedCheckerStates,
  sameCheck,
  sameChecker,
  sameTrackFiles,
} from '../../../src/check/reload-match.js';
import type { CheckConfig, RealServer } from '../../../src/config/check/model.js';
import { parseText } from '../config/check-helpers.js';

function check(text: string): CheckConfig {
  const parsed = parseText(text);
  if (parsed.config.check.virtualServers.length === 0) throw new Error(parsed.messages.join('\n'));
  return parsed.config.check;
}

const vs = (head: string, body = '', protocol = 'TCP') => `virtual_server ${head} {\n protocol ${protocol}\n${body}\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n`;
const rsBody = (checkers: string) => `virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n${checkers}\n }\n}\n`;
const server = (checkers: string): RealServer => check(rsBody(checkers)).virtualServers[0]!.realServers[0]!;

describe('matchVirtualServers', () => {
  it('matches by address, port and protocol, whatever the order', () => {
    const old = check(vs('10.0.0.1 80') + vs('10.0.0.1 81') + vs('10.0.0.1 80', '', 'UDP')).virtualServers;
    const next = check(vs('10.0.0.1 80', '', 'UDP') + vs('10.0.0.9 80') + vs('10.0.0.1 80')).virtualServers;
    expect(matchVirtualServers(old, next)).toEqual([2, undefined, 0]);
  });

  it('matches fwmarks by mark and family, groups by name and protocol', () => {
    const groups = 'virtual_server_group G {\n 10.0.0.5 80\n}\nvirtual_server_group H {\n 10.0.0.6 80\n}\n';
    const old = check(groups + vs('fwmark 1') + vs('group G') + vs('group H')).virtualServers;
    const next = check(groups + vs('group H', '', 'UDP') + vs('group G') + vs('fwmark 2') + vs('fwmark 1')).virtualServers;
    expect(matchVirtualServers(old, next)).toEqual([undefined, 1, undefined, 0]);
  });

  it('changes inside a virtual server do not unmatch it', () => {
    const old = check(vs('10.0.0.1 80', ' lb_algo rr')).virtualServers;
    const next = check(`\n\n${vs('10.0.0.1 80', ' lb_algo wlc\n quorum 1')}`).virtualServers;
    expect(matchVirtualServers(old, next)).toEqual([0]);
  });
});

describe('matchRealServers', () => {
  it('matches by address and port within the virtual server', () => {
    const text = (servers: string[]) => `virtual_server 10.0.0.1 80 {\n protocol TCP\n${servers.map((s) => ` real_server ${s} {\n  weight 2\n }\n`).join('')}}\n`;
    const [old] = check(text(['10.0.0.2 80', '10.0.0.3 80', '10.0.0.4 80'])).virtualServers;
    const [next] = check(text(['10.0.0.4 80', '10.0.0.2 8080', '10.0.0.2 80'])).virtualServers;
    expect(matchRealServers(old!, next!)).toEqual([2, undefined, 0]);
  });
});

describe('checker identity', () => {
  const tcp = (extra = '') => `  TCP_CHECK {\n   connect_port 80\n${extra}  }\n`;

  it('a checker moved to another line is the same checker', () => {
    const a = server(tcp()).checkers[0]!;
    const b = server(`\n\n\n${tcp()}`).checkers[0]!;
    expect(a.loc).not.toEqual(b.loc);
    expect(sameChecker(a, b)).toBe(true);
  });

  it('timing apart, it is the same check; otherwise another one', () => {
    const a = server(tcp()).checkers[0]!;
    const timing = server(tcp('   delay_loop 3\n   retry 4\n   alpha\n')).checkers[0]!;
    const port = server(tcp().replace('connect_port 80', 'connect_port 81')).checkers[0]!;
    expect(sameChecker(a, timing)).toBe(false);
    expect(sameCheck(a, timing)).toBe(true);
    expect(sameCheck(a, port)).toBe(false);
    expect(sameCheck(a, server('  PING_CHECK {\n  }\n').checkers[0]!)).toBe(false);
  });

  it('plans: identical checkers kept first, then checks with new timing migrated, the rest new', () => {
    const old = server(tcp() + '  MISC_CHECK {\n   misc_path "/bin/true"\n  }\n');
    const next = server('  MISC_CHECK {\n   misc_path "/bin/true"\n   misc_timeout 3\n  }\n' + tcp() + '  PING_CHECK {\n  }\n');
    expect(planCheckers(old, next)).toEqual([{ kind: 'migrate', from: 1 }, { kind: 'keep', from: 0 }, { kind: 'new' }]);
    expect(planCheckers(undefined, next).map((p) => p.kind)).toEqual(['new', 'new', 'new']);
  });

  it('track files compare without their lines', () => {
    const a = parseText('track_file f {\n file /tmp/f\n}\n').config.trackFiles;
    const b = parseText('\ntrack_file f {\n file /tmp/f\n}\n').config.trackFiles;
    const c = parseText('track_file f {\n file /tmp/g\n}\n').config.trackFiles;
    expect(sameTrackFiles(a, b)).toBe(true);
    expect(sameTrackFiles(a, c)).toBe(false);
  });
});

describe('reloadedCheckerStates (migrate_checkers)', () => {
  const two = server('  TCP_CHECK {\n   retry 3\n  }\n  PING_CHECK {\n   alpha\n  }\n');

  it('a new real server: alpha checkers down, no retries counted', () => {
    expect(reloadedCheckerStates(two, planCheckers(undefined, two), () => undefined, false, true)).toEqual([
      { up: true, hasRun: false, retryIt: 0 },
      { up: false, hasRun: false, retryIt: 0 },
    ]);
  });

  it('a kept checker goes on as it is; a migrated one takes the verdict and caps the retries', () => {
    const plans = [
      { kind: 'migrate', from: 0 },
      { kind: 'keep', from: 1 },
    ] as const;
    const before = [
      { up: true, hasRun: true, retryIt: 5 },
      { up: true, hasRun: true, retryIt: 0 },
    ];
    expect(reloadedCheckerStates(two, plans, (k) => before[k], true, true)).toEqual([
      { up: true, hasRun: true, retryIt: 2 },
      { up: true, hasRun: true, retryIt: 0 },
    ]);
  });

  it('a failed checker carried over: unrun new checkers need one failure, alpha ones start down', () => {
    const plans = [{ kind: 'migrate', from: 0 }, { kind: 'new' }] as const;
    const states = reloadedCheckerStates(two, plans, () => ({ up: false, hasRun: true, retryIt: 0 }), true, false);
    expect(states).toEqual([
      { up: false, hasRun: true, retryIt: 0 },
      { up: false, hasRun: false, retryIt: 1 },
    ]);
  });

  it('a server down with no checker run yet: new non-alpha checkers start up with one failure enough', () => {
    const states = reloadedCheckerStates(two, [{ kind: 'new' }, { kind: 'new' }], () => undefined, true, false);
    expect(states).toEqual([
      { up: true, hasRun: false, retryIt: 3 },
      { up: false, hasRun: false, retryIt: 1 },
    ]);
  });

  it('an alive server takes new checkers up, alpha or not', () => {
    const states = reloadedCheckerStates(two, [{ kind: 'new' }, { kind: 'new' }], () => undefined, true, true);
    expect(states.map((s) => s?.up)).toEqual([true, true]);
  });

  it('a dynamic MISC_CHECK carries its asked weight', () => {
    const misc = server('  MISC_CHECK {\n   misc_path "/bin/true"\n   misc_dynamic\n  }\n');
    const states = reloadedCheckerStates(misc, [{ kind: 'migrate', from: 0 }], () => ({ up: true, hasRun: true, retryIt: 0, weight: 7 }), true, true);
    expect(states).toEqual([{ up: true, hasRun: true, retryIt: 0, weight: 7 }]);
  });
});

describe('groupEntryChanges', () => {
  const text = (entries: string) => `virtual_server_group G {\n${entries}}\n${vs('group G')}`;

  it("names entries gone and entries new as keepalived's reload does", () => {
    const old = check(text(' 10.0.0.5 80\n 10.0.0.6-8 80\n fwmark 3\n'));
    const next = check(text(' 10.0.0.5 80\n 10.0.0.9 80\n fwmark 4\n'));
    expect(groupEntryChanges(old.virtualServers[0]!, old.groups, next.virtualServers[0]!, next.groups)).toEqual({
      removed: ['VS [[10.0.0.6]:tcp:80-10.0.0.8] in group G no longer exists', 'VS [3] in group G no longer exists'],
      added: ['VS [[10.0.0.9]:tcp:80] added into group G', 'VS [FWM 4] added into group G'],
    });
  });
});
