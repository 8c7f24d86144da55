import { describe, expect, it } from 'vitest';
import { ConfigErr, type Location } from '../../../src/config/diagnostics.js';
import { newGlobalDraft, type GlobalDraft } from '../../../src/config/global/index.js';
import { checkScripts, checkScriptSecure, defaultScriptIdentity, isExecutable, type Script, type ScriptApproval } from '../../../src/config/scripts/index.js';
import type { PassEnv } from '../../../src/config/subsystem.js';
import type { SystemPort } from '../../../src/config/system.js';
import { EXEC, fakeHost, type FakeHostOptions } from './fake-host.js';
import { parseText } from './parse-text.js';

const loc: Location = { file: 'k.conf', line: 1 };

function envFor(sys: SystemPort) {
  const reports: Array<{ cls: ConfigErr; message: string }> = [];
  const logs: string[] = [];
  const approved: ScriptApproval[] = [];
  const env = {
    pass: 'vrrp',
    sys,
    testMode: true,
    configId: 'lb1',
    report: (cls: ConfigErr, message: string) => void reports.push({ cls, message }),
    log: (m: string) => void logs.push(m),
    approveScript: (a: ScriptApproval) => void approved.push(a),
  } as unknown as PassEnv;
  return { env, reports, logs, approved };
}

const script = (argv: string[], uid = 0, gid = 0): Script => ({ argv, uid, gid, loc });

function check(host: FakeHostOptions, s: Script, security = false) {
  const { env, reports, logs } = envFor(fakeHost(host));
  const g: GlobalDraft = newGlobalDraft();
  g.enableScriptSecurity = security;
  return { result: checkScriptSecure(s, env, g), reports, logs };
}

describe('default script user', () => {
  it('is keepalived_script when it exists, else ourselves', () => {
    const withUser = envFor(fakeHost({ users: [{ name: 'keepalived_script', uid: 901, gid: 902 }] }));
    expect(defaultScriptIdentity(newGlobalDraft(), withUser.env)).toEqual({ uid: 901, gid: 902 });
    const without = envFor(fakeHost({ uid: 0, gid: 0 }));
    expect(defaultScriptIdentity(newGlobalDraft(), without.env)).toEqual({ uid: 0, gid: 0 });
    expect(without.reports).toEqual([]);
    expect(without.logs).toEqual(["Script user 'keepalived_script' does not exist"]);
  });

  it('with script security a missing keepalived_script is an error, once, and refuses every default-user script', () => {
    const { env, reports } = envFor(fakeHost());
    const g = newGlobalDraft();
    g.enableScriptSecurity = true;
    expect(defaultScriptIdentity(g, env)).toBeUndefined();
    expect(defaultScriptIdentity(g, env)).toBeUndefined();
    expect(reports).toEqual([{ cls: ConfigErr.GeneralError, message: 'Unable to set default user keepalived_script for script' }]);
  });

  it('startup_script takes the user written after it, or logs and drops an unknown one', () => {
    const host = fakeHost({
      users: [{ name: 'root', uid: 0, gid: 0 }, { name: 'ops', uid: 1000, gid: 1000 }],
      groups: { wheel: 10 },
      files: { '/bin/start.sh': EXEC },
    });
    const r = parseText('global_defs {\n  startup_script "/bin/start.sh arg" ops wheel\n  shutdown_script /bin/stop.sh ghost\n}\n', host);
    expect(r.config.global.startupScript).toMatchObject({ argv: ['/bin/start.sh', 'arg'], user: 'ops', group: 'wheel', uid: 1000, gid: 10 });
    expect(r.config.global.startupScriptTimeout).toBe(10);
    expect(r.texts).toContain('(Line 3) Invalid shutdown script');
    expect(r.logs).toContain('Invalid user/group for shutdown script /bin/stop.sh - ignoring');
  });
});

describe('isExecutable (is_executable)', () => {
  const stat = (mode: number) => ({ mode, uid: 1000, gid: 100 });
  it('root needs any x bit', () => {
    expect(isExecutable(stat(0o001), 0, 0)).toBe(true);
    expect(isExecutable(stat(0o644), 0, 0)).toBe(false);
  });
  it('others need the bit of their class only', () => {
    expect(isExecutable(stat(0o100), 1000, 5)).toBe(true);
    expect(isExecutable(stat(0o011), 1000, 100)).toBe(false);
    expect(isExecutable(stat(0o010), 2000, 100)).toBe(true);
    expect(isExecutable(stat(0o001), 2000, 100)).toBe(false);
    expect(isExecutable(stat(0o001), 2000, 7)).toBe(true);
  });
});

describe('checkScriptSecure', () => {
  it('finds bare names on PATH as the script user', () => {
    const { result, logs } = check({ files: { '/usr/bin/pidof': EXEC } }, script(['pidof', 'haproxy']));
    expect(result).toMatchObject({ isScript: true, executable: true, notFound: false, argv: ['/usr/bin/pidof', 'haproxy'] });
    expect(logs).toEqual(['WARNING - script `pidof` resolved by path search to `/usr/bin/pidof`. Please specify full path.']);
  });

  it('a bare name not on PATH, or only non-executable there, is disabled', () => {
    expect(check({}, script(['nope'])).logs).toEqual(['Cannot find script nope in path - disabling']);
    const denied = check({ files: { '/usr/bin/x': { mode: 0o100644 } } }, script(['x']));
    expect(denied.result.notFound).toBe(true);
    expect(denied.logs).toEqual(['Permissions failure for script x in path - disabling']);
  });

  it('a missing path cannot be accessed', () => {
    const { result, logs } = check({}, script(['/etc/keepalived/check.sh']));
    expect(result).toMatchObject({ notFound: true, isScript: false });
    expect(logs).toEqual(['Script /etc/keepalived/check.sh cannot be accessed - No such file or directory']);
  });

  it('a file not executable by its user is disabled', () => {
    const { result, logs } = check({ files: { '/opt/c.sh': { mode: 0o100744, uid: 0 } } }, script(['/opt/c.sh'], 1000, 1000));
    expect(result).toMatchObject({ isScript: true, executable: false });
    expect(logs).toEqual(["WARNING - script '/opt/c.sh' is not executable for uid:gid 1000:1000 - disabling."]);
  });

  it('a root script under a world-writable directory is insecure, and inhibited only with script security', () => {
    const files = { '/tmp': { mode: 0o40777, dir: true }, '/tmp/c.sh': EXEC };
    const lax = check({ files }, script(['/tmp/c.sh']));
    expect(lax.result).toMatchObject({ insecure: true, inhibit: false });
    expect(lax.logs).toEqual(["Unsafe permissions found for script '/tmp/c.sh'."]);
    const strict = check({ files }, script(['/tmp/c.sh']), true);
    expect(strict.result).toMatchObject({ insecure: true, inhibit: true });
    expect(strict.logs).toEqual(["Unsafe permissions found for script '/tmp/c.sh' - disabling."]);
  });

  it('a sticky world-writable directory is safe; a file owned by another user is not', () => {
    expect(check({ files: { '/tmp': { mode: 0o41777, dir: true }, '/tmp/c.sh': EXEC } }, script(['/tmp/c.sh'])).result.insecure).toBe(false);
    expect(check({ files: { '/opt/c.sh': { mode: 0o100755, uid: 1000 } } }, script(['/opt/c.sh'])).result.insecure).toBe(true);
  });

  it('a script run as a non-root user needs no path check', () => {
    const files = { '/tmp': { mode: 0o40777, dir: true }, '/tmp/c.sh': EXEC };
    expect(check({ files }, script(['/tmp/c.sh'], 1000, 1000)).result).toMatchObject({ executable: true, insecure: false });
  });

  it('keeps the name a script was called by when a link names the same file', () => {
    const files = { '/usr/bin/dash': EXEC, '/usr/bin/sh': { mode: 0o120777, link: '/usr/bin/dash' }, '/bin': { mode: 0o120777, link: '/usr/bin' } };
    const { result } = check({ files }, script(['/bin/sh', '-c', 'true']));
    expect(result).toMatchObject({ executable: true, insecure: false, inhibit: false, argv: ['/usr/bin/sh', '-c', 'true'] });
  });

  it('`</file` existence tests are run by the shell, not checked', () => {
    expect(check({}, script(['< /etc/passwd'])).result).toMatchObject({ system: true, isScript: false });
  });
});

describe('checkScripts', () => {
  const files = { '/etc/keepalived/ok.sh': EXEC };

  it('running scripts without enable_script_security is a SECURITY VIOLATION (exit 6)', () => {
    const { env, reports } = envFor(fakeHost({ files }));
    const verdicts = checkScripts([{ script: script(['/etc/keepalived/ok.sh']), role: 'track', name: 'chk' }], env, newGlobalDraft(), 'vrrp');
    expect(verdicts.map((v) => v.enabled)).toEqual([true]);
    expect(reports).toEqual([{ cls: ConfigErr.SecurityError, message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.' }]);
  });

  it('names the subsystem and the insecure scripts', () => {
    const { env, reports } = envFor(fakeHost({ files: { '/tmp': { mode: 0o40777, dir: true }, '/tmp/x.sh': EXEC } }));
    checkScripts([{ script: script(['/tmp/x.sh']), role: 'misc' }], env, newGlobalDraft(), 'checker');
    expect(reports.map((r) => r.message)).toEqual(['SECURITY VIOLATION - check scripts are being executed but script_security not enabled. There are insecure scripts.']);
  });

  it('with script security on there is no violation; a missing track script is disabled with an error', () => {
    const { env, reports } = envFor(fakeHost({ files }));
    const g = newGlobalDraft();
    g.enableScriptSecurity = true;
    const verdicts = checkScripts(
      [
        { script: script(['/etc/keepalived/ok.sh']), role: 'notify' },
        { script: script(['/etc/keepalived/gone.sh']), role: 'track', name: 'chk_gone' },
      ],
      env,
      g,
      'vrrp',
    );
    expect(verdicts.map((v) => v.enabled)).toEqual([true, false]);
    expect(reports).toEqual([{ cls: ConfigErr.GeneralError, message: 'Disabling track script chk_gone since not found/accessible' }]);
  });

  it('only scripts that were not found do not count towards the violation', () => {
    const { env, reports } = envFor(fakeHost());
    checkScripts([{ script: script(['/nowhere.sh']), role: 'notify' }], env, newGlobalDraft(), 'vrrp');
    expect(reports).toEqual([]);
  });

  it('a `</file` test is kept for track scripts but dropped for notify scripts', () => {
    const { env } = envFor(fakeHost());
    const v = checkScripts(
      [
        { script: script(['</etc/hosts']), role: 'track', name: 't' },
        { script: script(['</etc/hosts']), role: 'notify' },
      ],
      env,
      newGlobalDraft(),
      'vrrp',
    );
    expect(v.map((x) => x.enabled)).toEqual([true, false]);
  });

  it('also checks the global notify FIFO scripts of the subsystem', () => {
    const { env, reports } = envFor(fakeHost({ files }));
    const g = newGlobalDraft();
    g.vrrpNotifyFifo.script = script(['/etc/keepalived/ok.sh']);
    expect(checkScripts([], env, g, 'checker')).toEqual([]);
    expect(reports).toEqual([]);
    checkScripts([], env, g, 'vrrp');
    expect(reports.map((r) => r.cls)).toEqual([ConfigErr.SecurityError]);
  });

  it('approves exactly the scripts it keeps, with the file it checked', () => {
    const host = fakeHost({ files: { ...files, '/usr/local/bin/ok': { mode: 0o120777, link: '/etc/keepalived/ok.sh' } } });
    const { env, approved } = envFor(host);
    const g = newGlobalDraft();
    g.enableScriptSecurity = true;
    checkScripts(
      [
        { script: script(['/usr/local/bin/ok', 'arg']), role: 'notify' },
        { script: script(['/etc/keepalived/gone.sh']), role: 'track', name: 'chk_gone' },
        { script: script(['</etc/hosts']), role: 'track', name: 'file_test' },
        { script: script(['</etc/hosts']), role: 'notify' },
      ],
      env,
      g,
      'vrrp',
    );
    expect(approved).toEqual([
      { subsystem: 'vrrp', command: '/usr/local/bin/ok', uid: 0, gid: 0, file: '/etc/keepalived/ok.sh' },
      { subsystem: 'vrrp', command: '</etc/hosts', uid: 0, gid: 0, file: '</etc/hosts' },
    ]);
  });

  it('an insecure FIFO script gets no approval (it never runs)', () => {
    const insecure = { '/tmp': { mode: 0o40777, dir: true }, '/tmp/fifo.sh': EXEC };
    const { env, approved, logs } = envFor(fakeHost({ files: { ...files, ...insecure } }));
    const g = newGlobalDraft();
    g.enableScriptSecurity = true;
    g.notifyFifo.script = script(['/tmp/fifo.sh']);
    g.vrrpNotifyFifo.script = script(['/etc/keepalived/ok.sh']);
    checkScripts([], env, g, 'vrrp');
    expect(logs).toContain("Unsafe permissions found for script '/tmp/fifo.sh' - disabling.");
    expect(approved.map((a) => a.command)).toEqual(['/etc/keepalived/ok.sh']);
  });

  it('start/stop scripts are checked by the parent', () => {
    const r = parseText('global_defs {\n  startup_script /etc/keepalived/ok.sh\n}\n', fakeHost({ files }));
    expect(r.texts).toEqual(['SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.']);
    expect(r.exitCode).toBe(6);
    const gone = parseText('global_defs {\n  enable_script_security\n  script_user root\n  startup_script /etc/keepalived/gone.sh\n}\n', fakeHost({ files }));
    expect(gone.exitCode).toBe(0);
    expect(gone.config.global.startupScript).toBeUndefined();
  });
});
