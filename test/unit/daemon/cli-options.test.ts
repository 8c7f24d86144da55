import { describe, expect, it } from 'vitest';
import { CliError, ignoredOptionNotices, parseArgs, readOptions, signalNumber } from '../../../src/daemon/cli-options.js';

describe("keepalived's command line", () => {
  it('has keepalived defaults: the pid files unnamed, so that the configuration names them', () => {
    const o = parseArgs([]);
    expect(o.configFile).toBe('/etc/keepalived/keepalived.conf');
    expect([o.pidFile, o.vrrpPidFile, o.checkersPidFile, o.namespace]).toEqual([undefined, undefined, undefined, undefined]);
  });
  it("takes keepalived's -s/--namespace", () => {
    expect(parseArgs(['-s', 'blue']).namespace).toBe('blue');
    expect(parseArgs(['--namespace=red']).namespace).toBe('red');
  });
  it('reads short, bundled and long forms', () => {
    expect(parseArgs(['-nlD', '-f', 'a.conf', '-ilb1', '--vrrp_pid=/x', '--checkers_pid', '/y'])).toMatchObject({
      dontFork: true,
      logConsole: true,
      logDetail: true,
      configFile: 'a.conf',
      configId: 'lb1',
      vrrpPidFile: '/x',
      checkersPidFile: '/y',
    });
  });
  it('takes -t with an optional log file only when attached', () => {
    expect(parseArgs(['-t'])).toMatchObject({ configTest: true, configTestLog: undefined });
    expect(parseArgs(['-t/tmp/log'])).toMatchObject({ configTest: true, configTestLog: '/tmp/log' });
    expect(parseArgs(['--config-test=/tmp/log'])).toMatchObject({ configTest: true, configTestLog: '/tmp/log' });
    expect(parseArgs(['-t', '-f', 'x'])).toMatchObject({ configTest: true, configTestLog: undefined, configFile: 'x' });
  });
  it('takes --print-config, a long option only (keepalived has no such option, so no letter of its own)', () => {
    expect(parseArgs([]).printConfig).toBe(false);
    expect(parseArgs(['--print-config', '-f', 'x', '-i', 'lb1'])).toMatchObject({ printConfig: true, configTest: false, configFile: 'x', configId: 'lb1' });
    expect(() => parseArgs(['--print-config=yes'])).toThrow("option '--print-config' doesn't allow an argument");
  });
  it("takes keepalived's -u/--umask, and refuses what is no mask", () => {
    expect(parseArgs([]).umask).toBeUndefined();
    expect(parseArgs(['-u', '0077']).umask).toBe(0o077);
    expect(parseArgs(['-nu022']).umask).toBe(0o022);
    expect(parseArgs(['--umask=0x3f']).umask).toBe(0o077);
    expect(() => parseArgs(['--umask', '0999'])).toThrow("invalid --umask option '0999' (a mask from 0 to 0777, e.g. 0177)");
  });
  it('rejects unknown options and missing arguments', () => {
    expect(() => parseArgs(['-Z'])).toThrow(CliError);
    expect(() => parseArgs(['-f'])).toThrow(CliError);
    expect(() => parseArgs(['--metrics-listen'])).toThrow(CliError);
  });
  it("takes keepalived's -S facilities and -G", () => {
    expect(parseArgs([])).toMatchObject({ logFacility: 3, noSyslog: false });
    expect(parseArgs(['-S', '0']).logFacility).toBe(16);
    expect(parseArgs(['--log-facility=local7']).logFacility).toBe(23);
    expect(parseArgs(['-Suser']).logFacility).toBe(1);
    expect(parseArgs(['-S', 'daemon']).logFacility).toBe(3);
    expect(parseArgs(['-G']).noSyslog).toBe(true);
    expect(() => parseArgs(['-S', '8'])).toThrow("Invalid log facility '8'");
    expect(() => parseArgs(['-S', 'kern'])).toThrow(CliError);
  });

  it('takes -V/--dont-release-vrrp', () => {
    expect(parseArgs([]).dontReleaseVrrp).toBe(false);
    expect(parseArgs(['-nV']).dontReleaseVrrp).toBe(true);
    expect(parseArgs(['--dont-release-vrrp']).dontReleaseVrrp).toBe(true);
  });
  it('takes --all as keepalived sets its bits: it undoes an earlier -P/-C, a later one applies', () => {
    expect(parseArgs(['-P', '--all'])).toMatchObject({ allChildren: true, vrrpOnly: false, checkOnly: false });
    expect(parseArgs(['--all', '-C'])).toMatchObject({ allChildren: true, vrrpOnly: false, checkOnly: true });
  });
  it('passes -e/--all-config to the configuration reader', () => {
    expect(readOptions(parseArgs(['-e', '-i', 'lb1'])).allConfig).toBe(true);
    expect(readOptions(parseArgs(['--all-config'])).allConfig).toBe(true);
    expect(readOptions(parseArgs(['-s', 'ns1']))).toEqual({ configId: undefined, namespace: 'ns1', allConfig: false });
  });
  it("answers --signum=SIGFUNC with keepalived's numbers (glibc: SIGRTMIN 34, SIGRTMAX 64)", () => {
    expect(parseArgs(['--signum=DATA']).signum).toBe('DATA');
    const numbers = ['STOP', 'RELOAD', 'DATA', 'STATS', 'STATS_CLEAR', 'JSON'].map((f) => signalNumber(f, 34, 64));
    expect(numbers).toEqual([15, 1, 10, 12, 63, 36]);
    expect(signalNumber('TDUMP', 34, 64)).toBeUndefined();
    expect(signalNumber('toString', 34, 64)).toBeUndefined();
  });
  it("refuses -g as Debian's keepalived does (built without --enable-log-file)", () => {
    expect(() => parseArgs(['-g'])).toThrow('-g requires configure option --enable-log-file');
    expect(() => parseArgs(['--log-file=/x'])).toThrow(CliError);
  });
  it('accepts the options with nothing to act on here, and says so once each', () => {
    const o = parseArgs(['-B', '-b', '/run/bfd.pid', '-a', '-x', '-A', '/s', '-m', '-M', '-Mcore.%p', '--config-fd=4', '-x']);
    const notices = ignoredOptionNotices(o);
    expect(notices).toHaveLength(8);
    expect(notices[0]).toBe('--no_bfd is accepted as keepalived accepts it, but not acted on: there is no BFD process');
    expect(ignoredOptionNotices(parseArgs(['-n']))).toEqual([]);
  });
});
