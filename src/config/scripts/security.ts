/**
 * keepalived's script-security rules (lib/notify.c check_script_secure and
 * its callers): a script must be found (bare names by PATH search as the
 * user it runs as), be executable by that user, and - when it runs as root -
 * no element of its path may be writable by anyone but root. Scripts failing
 * these are disabled; running any script without `enable_script_security`
 * is a SECURITY VIOLATION (`-t` exits 6).
 */
import * as path from 'node:path';
import { ConfigErr } from '../diagnostics.js';
import type { GlobalDefs } from '../global/model.js';
import type { PassEnv } from '../subsystem.js';
import type { FileInfo, SystemPort } from '../system.js';
import type { ScriptApproval, ScriptSubsystem } from './approval.js';
import type { Script } from './model.js';
import { commandText } from './parse.js';

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IXUSR = 0o100;
const S_IXGRP = 0o010;
const S_IXOTH = 0o001;
const S_IWGRP = 0o020;
const S_IWOTH = 0o002;

/** What keepalived found out about one script (its SC_* flags). */
export interface ScriptSecurity {
  /** A real file was found (counts towards the SECURITY VIOLATION). */
  readonly isScript: boolean;
  readonly executable: boolean;
  /** A `</file` existence test, run by the shell, never executed. */
  readonly system: boolean;
  readonly notFound: boolean;
  /** Must not run (unsafe path with script security on, or a wrong file type). */
  readonly inhibit: boolean;
  /** Some element of its path is writable by non-root. */
  readonly insecure: boolean;
  /** The argv keepalived would run: path search and symbolic links resolved. */
  readonly argv: readonly string[];
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/** keepalived's is_executable: root needs any x bit; others the bit of the class they fall in. */
export function isExecutable(st: Pick<FileInfo, 'mode' | 'uid' | 'gid'>, uid: number, gid: number): boolean {
  if (uid === 0) return (st.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0;
  if (uid === st.uid) return (st.mode & S_IXUSR) !== 0;
  return gid === st.gid ? (st.mode & S_IXGRP) !== 0 : (st.mode & S_IXOTH) !== 0;
}

/** execvp's search, as the script's user: the first regular file it may execute, or why none. */
function searchPath(sys: SystemPort, file: string, uid: number, gid: number): { found: string } | { error: 'ENOENT' | 'EACCES' } {
  if (file === '') return { error: 'ENOENT' };
  let denied = false;
  for (const dir of sys.pathEnv.split(':')) {
    const candidate = dir === '' ? file : `${dir}/${file}`;
    const st = sys.stat(candidate);
    if (!st) continue;
    if (st.isFile && isExecutable(st, uid, gid)) return { found: candidate };
    denied = true;
  }
  return { error: denied ? 'EACCES' : 'ENOENT' };
}

/** Walk every element of the path (`/`, `/usr`, …, the file) for non-root write access. */
function checkPathSecurity(env: PassEnv, file: string, enforcing: boolean): Partial<ScriptSecurity> {
  const prefixes: string[] = [];
  for (let i = file.indexOf('/'); i >= 0; i = file.indexOf('/', i + 1)) prefixes.push(file.slice(0, i === 0 ? 1 : i));
  const elements = [...prefixes.map((p) => ({ p, last: false })), { p: file, last: true }];
  for (const { p, last } of elements) {
    const st = env.sys.lstat(p);
    if (!st) {
      env.log(`check_script_secure could not find script '${file}' - disabling`);
      return { notFound: true };
    }
    if ((!last && !st.isDirectory) || (last && !st.isFile && !st.isSymbolicLink)) {
      env.log(`Wrong file type found in script path '${file}'.`);
      return { inhibit: true };
    }
    const writableByOthers = (st.gid !== 0 && (st.mode & S_IWGRP) !== 0) || (st.mode & S_IWOTH) !== 0;
    const guarded = (st.isDirectory && (st.mode & S_ISVTX) === 0) || st.isFile;
    if (st.uid !== 0 || (guarded && writableByOthers)) {
      env.log(`Unsafe permissions found for script '${file}'${enforcing ? ' - disabling' : ''}.`);
      return { insecure: true, inhibit: enforcing };
    }
  }
  return {};
}

/**
 * keepalived's check_script_secure for one script. Logs what keepalived
 * logs; reports nothing (the callers decide what is an error).
 */
export function checkScriptSecure(script: Pick<Script, 'argv' | 'uid' | 'gid'>, env: PassEnv, global: GlobalDefs): ScriptSecurity {
  const none = { isScript: false, executable: false, system: false, notFound: false, inhibit: false, insecure: false };
  const argv = [...script.argv];
  const { uid, gid } = script;
  const sys = env.sys;
  let cmd = argv[0] ?? '';

  if (cmd[0] === '<' && cmd.slice(1).replace(/^[ \t]*/, '')[0] === '/') return { ...none, system: true, argv };

  if (!cmd.includes('/')) {
    const r = searchPath(sys, cmd, uid, gid);
    if ('error' in r) {
      env.log(r.error === 'EACCES' ? `Permissions failure for script ${cmd} in path - disabling` : `Cannot find script ${cmd} in path - disabling`);
      return { ...none, notFound: true, argv };
    }
    env.log(`WARNING - script \`${cmd}\` resolved by path search to \`${r.found}\`. Please specify full path.`);
    cmd = r.found;
  }

  const resolved = sys.realpath(cmd);
  if ('error' in resolved) {
    env.log(`Script ${cmd} cannot be accessed - ${STRERROR[resolved.error] ?? resolved.error}`);
    return { ...none, notFound: true, argv: [cmd, ...argv.slice(1)] };
  }
  // keepalived keeps the name the script was called by (some programs act on it) when it names the same file.
  let runPath = resolved.path;
  let realFile: string | undefined;
  if (path.basename(cmd) !== path.basename(runPath)) {
    const called = path.join(path.dirname(runPath), path.basename(cmd));
    const real = sys.stat(runPath);
    const alias = sys.stat(called);
    const sameFile = alias !== undefined && real !== undefined && alias.dev === real.dev && alias.ino === real.ino;
    if (!real || sameFile) {
      realFile = runPath;
      runPath = called;
    }
  }
  cmd = runPath;
  argv[0] = cmd;

  const st = sys.stat(realFile ?? cmd);
  if (!st) {
    env.log(`Unable to access script \`${cmd}\` - disabling`);
    return { ...none, notFound: true, argv };
  }

  const executable = isExecutable(st, uid, gid);
  let needsProtection = false;
  if (executable) {
    needsProtection =
      uid === 0 ||
      gid === 0 ||
      (st.uid === 0 && (st.mode & S_IXUSR) !== 0 && (st.mode & S_ISUID) !== 0) ||
      (st.gid === 0 && (st.mode & S_IXGRP) !== 0 && (st.mode & S_ISGID) !== 0);
  } else {
    env.log(`WARNING - script '${cmd}' is not executable for uid:gid ${uid}:${gid} - disabling.`);
  }
  const result = { ...none, isScript: true, executable, argv };
  if (!needsProtection) return result;

  const enforcing = global.enableScriptSecurity;
  const merged = { ...result, ...checkPathSecurity(env, cmd, enforcing) };
  if (!realFile) return merged;
  const second = checkPathSecurity(env, realFile, enforcing);
  return {
    ...merged,
    notFound: merged.notFound || !!second.notFound,
    inhibit: merged.inhibit || !!second.inhibit,
    insecure: merged.insecure || !!second.insecure,
  };
}

/**
 * How a subsystem treats a script it found wanting:
 * - 'track' (vrrp_script): disabled with an error `Disabling track script NAME …`;
 * - 'misc' (MISC_CHECK): disabled with a log line `Disabling misc script …`;
 * - 'notify' (notify_*, quorum_*, FIFO scripts): silently dropped, and also when only a `</file` test;
 * - 'startStop' (startup_script/shutdown_script): silently dropped.
 */
export type ScriptRole = 'track' | 'misc' | 'notify' | 'startStop';

export interface ScriptToCheck {
  readonly script: Script;
  readonly role: ScriptRole;
  /** The vrrp_script's name, for the track messages. */
  readonly name?: string;
}

export interface ScriptVerdict extends ScriptSecurity {
  /** Whether keepalived keeps the script (runs it). */
  readonly enabled: boolean;
}

const VIOLATION_SUBJECT: Record<ScriptSubsystem, string> = {
  parent: 'start/shutdown scripts',
  vrrp: 'scripts',
  checker: 'check scripts',
};

function judge(env: PassEnv, item: ScriptToCheck, sec: ScriptSecurity): ScriptVerdict {
  const usable = item.role === 'notify' ? sec.executable : sec.executable || sec.system;
  const enabled = !sec.inhibit && !sec.notFound && usable;
  if (item.role === 'track') {
    if (sec.inhibit) env.report(ConfigErr.GeneralError, `Disabling track script ${item.name ?? ''} due to insecure`);
    else if (sec.notFound) env.report(ConfigErr.GeneralError, `Disabling track script ${item.name ?? ''} since not found/accessible`, `script ${sec.argv[0] ?? ''}`);
  } else if (item.role === 'misc') {
    if (sec.inhibit) env.log(`Disabling misc script ${commandText(sec)} due to insecure`);
    else if (sec.notFound) env.log(`Disabling misc script ${commandText(sec)} since not found/accessible`);
  }
  return { ...sec, enabled };
}

/**
 * The script-security pass a subsystem runs after parsing (keepalived's
 * check_vrrp_script_security, check_check_script_security and the parent's
 * start/stop check). Call it with the subsystem's scripts in keepalived's
 * order - vrrp: vrrp_scripts, then each instance's notify scripts, then each
 * sync group's; checker: misc scripts, then each virtual server's quorum
 * scripts and its real servers' notify_up/down - and only when keepalived
 * would (vrrp: some vrrp_instance exists; checker: some virtual_server).
 * The global FIFO scripts the subsystem runs are checked after them here.
 * Reports per-script errors and the SECURITY VIOLATION (exit 6) when
 * enable_script_security is off; hands every script it keeps to
 * `env.approveScript` (the only way a script gets to run); returns one
 * verdict per given script.
 */
export function checkScripts(scripts: readonly ScriptToCheck[], env: PassEnv, global: GlobalDefs, subsystem: ScriptSubsystem): ScriptVerdict[] {
  const fifoScripts = (subsystem === 'vrrp' ? [global.notifyFifo, global.vrrpNotifyFifo] : subsystem === 'checker' ? [global.notifyFifo, global.lvsNotifyFifo] : [])
    .map((f) => f.script)
    .filter((s): s is Script => s !== undefined)
    .map((script): ScriptToCheck => ({ script, role: 'notify' }));
  let anyScript = false;
  let anyInsecure = false;
  const verdicts = [...scripts, ...fifoScripts].map((item) => {
    const sec = checkScriptSecure(item.script, env, global);
    anyScript ||= sec.isScript;
    anyInsecure ||= sec.insecure;
    const verdict = judge(env, item, sec);
    if (verdict.enabled) env.approveScript(approval(subsystem, item.script, verdict));
    return verdict;
  });
  if (!global.enableScriptSecurity && anyScript) {
    env.report(
      ConfigErr.SecurityError,
      `SECURITY VIOLATION - ${VIOLATION_SUBJECT[subsystem]} are being executed but script_security not enabled.${anyInsecure ? ' There are insecure scripts.' : ''}`,
      "add 'enable_script_security' to global_defs",
    );
  }
  return verdicts.slice(0, scripts.length);
}

function approval(subsystem: ScriptSubsystem, script: Script, verdict: ScriptVerdict): ScriptApproval {
  return { subsystem, command: script.argv[0] ?? '', uid: script.uid, gid: script.gid, file: verdict.argv[0] ?? '' };
}
