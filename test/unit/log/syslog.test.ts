/**
 * The background daemon's syslog lines: glibc's RFC 3164 format with
 * keepalived's idents, one datagram per line, never blocking; lines that
 * cannot be sent are counted and reported once /dev/log answers again.
 * A python3 datagram socket bound in a temp dir stands in for /dev/log.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_ENV } from '../../../src/base/child-env.js';
import { identSuffix, syslogFromEnvironment, syslogIdent, syslogLine, syslogLogger, SYSLOG_FACILITY_ENV, SYSLOG_IDENT_SUFFIX_ENV } from '../../../src/log/syslog.js';
import { tempDir } from '../../tmp.js';

const havePython = spawnSync('python3', ['--version']).status === 0;
const AT = new Date(2026, 11, 6, 9, 5, 7);

function capture(detail = false) {
  const sent: string[] = [];
  let absent = false;
  const log = syslogLogger(
    {
      ident: 'Keepalived_vrrp',
      facility: 3,
      pid: 42,
      now: () => AT,
      send: (_path, datagram) => {
        if (absent) throw Object.assign(new Error('sendto ENOENT'), { code: 'ENOENT' });
        sent.push(datagram.toString());
      },
    },
    detail,
  );
  return { sent, log, setAbsent: (value: boolean) => (absent = value) };
}

describe('syslog', () => {
  it("names each process as make_syslog_ident does, after the namespace and the instance", () => {
    expect(identSuffix(undefined, undefined)).toBe('');
    expect(identSuffix('blue', undefined)).toBe('_blue');
    expect(identSuffix(undefined, 'lb1')).toBe('_lb1');
    expect(identSuffix('blue', 'lb1')).toBe('_blue_lb1');
    const env = { [SYSLOG_IDENT_SUFFIX_ENV]: '_blue_lb1' };
    expect(syslogIdent(env)).toBe('Keepalived_blue_lb1');
    expect(syslogIdent({ ...env, [CHILD_ENV]: 'vrrp' })).toBe('Keepalived_vrrp_blue_lb1');
    expect(syslogIdent({ ...env, [CHILD_ENV]: 'check' })).toBe('Keepalived_healthcheckers_blue_lb1');
    expect(syslogIdent({ [CHILD_ENV]: 'check' })).toBe('Keepalived_healthcheckers');
  });
  it("writes glibc's <PRI>timestamp ident[pid]: line", () => {
    expect(syslogLine(30, AT, 'Keepalived', 7, 'Startup complete')).toBe('<30>Dec  6 09:05:07 Keepalived[7]: Startup complete');
    expect(syslogLine(158, new Date(2026, 0, 16, 23, 0, 0), 'Keepalived_healthcheckers', 9, 'x')).toBe('<158>Jan 16 23:00:00 Keepalived_healthcheckers[9]: x');
  });

  it('maps levels to severities, drops detail without -D and sends each line of a message alone', () => {
    const { sent, log } = capture();
    log.info('(VI_1) Entering MASTER STATE');
    log.detail('(VI_1) sending 0 priority');
    log.warn('NOTICE: x');
    log.child({ process: 'vrrp' }).error('Reload aborted\n    reason');
    expect(sent).toEqual([
      '<30>Dec  6 09:05:07 Keepalived_vrrp[42]: (VI_1) Entering MASTER STATE',
      '<28>Dec  6 09:05:07 Keepalived_vrrp[42]: NOTICE: x',
      '<27>Dec  6 09:05:07 Keepalived_vrrp[42]: Reload aborted',
      '<27>Dec  6 09:05:07 Keepalived_vrrp[42]:     reason',
    ]);
  });

  it('counts lines it could not send and says so when /dev/log answers again', () => {
    const { sent, log, setAbsent } = capture();
    setAbsent(true);
    log.info('one');
    log.info('two');
    setAbsent(false);
    log.info('three');
    expect(sent).toEqual([
      '<28>Dec  6 09:05:07 Keepalived_vrrp[42]: 2 log line(s) dropped: /dev/log was absent or full (ENOENT)',
      '<30>Dec  6 09:05:07 Keepalived_vrrp[42]: three',
    ]);
  });

  it('is chosen by the facility the detaching parent set, with the ident of the process', () => {
    expect(syslogFromEnvironment({})).toBeUndefined();
    expect(syslogFromEnvironment({ [SYSLOG_FACILITY_ENV]: '3' })).toEqual({ ident: 'Keepalived', facility: 3 });
    expect(syslogFromEnvironment({ [SYSLOG_FACILITY_ENV]: '19', [CHILD_ENV]: 'vrrp' })).toEqual({ ident: 'Keepalived_vrrp', facility: 19 });
    expect(syslogFromEnvironment({ [SYSLOG_FACILITY_ENV]: '3', [CHILD_ENV]: 'check' })?.ident).toBe('Keepalived_healthcheckers');
    expect(syslogFromEnvironment({ [SYSLOG_FACILITY_ENV]: 'x' })).toBeUndefined();
  });

  it.skipIf(!havePython && !process.env.CI)('sends datagrams to a unix socket, and drops them without waiting when it is absent', async () => {
    const dir = tempDir('syslog');
    const socket = path.join(dir, 'log');
    const log = syslogLogger({ ident: 'Keepalived', facility: 16, socketPath: socket, pid: 5, now: () => AT }, false);
    log.info('before the socket exists');
    const catcher = spawn('python3', [
      '-c',
      'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("bound",flush=True)\n' +
        'while True:\n  m=s.recv(65536).decode()\n  print(m,flush=True)\n  if m.endswith("last"): break\n',
      socket,
    ]);
    try {
      const received: string[] = [];
      catcher.stdout.on('data', (d: Buffer) => received.push(...d.toString().split('\n').filter(Boolean)));
      await waitUntil(() => received.includes('bound'));
      log.info('last');
      await waitUntil(() => received.length === 3);
      expect(received.slice(1)).toEqual([
        '<132>Dec  6 09:05:07 Keepalived[5]: 1 log line(s) dropped: ' + socket + ' was absent or full (ENOENT)',
        '<134>Dec  6 09:05:07 Keepalived[5]: last',
      ]);
    } finally {
      catcher.kill();
    }
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
