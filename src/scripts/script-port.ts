/**
 * The real ScriptPort: starts scripts as keepalived's system_call_script
 * does — in their own process group, as the configured user, stdio on
 * /dev/null — and SIGKILLs the group when the timeout is over. Only what the
 * script-security gate approves is started, as the file it checked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { strerror } from '../base/strerror.js';
import { markDescriptorsCloseOnExec } from '../base/native.js';
import type { RunAs, ScriptExit, ScriptPort } from '../base/scripts.js';
import { scriptCommand } from './script-command.js';
import type { ScriptGate } from './script-gate.js';

/** Not passed on to scripts (they could make a root script load foreign code or split words oddly). */
const UNSAFE_ENV = ['IFS', 'LD_PRELOAD', 'LD_LIBRARY_PATH'];

/** How system() reports what its shell could not find or run. */
const SHELL_NOT_FOUND = 127;
const SHELL_NOT_EXECUTABLE = 126;

export class ChildScriptPort implements ScriptPort {
  /** Process group ids of the scripts still running. */
  private readonly running = new Set<number>();

  /** `gate`: the running configuration's approvals (replaced on reload through `approve`). */
  constructor(
    private gate: ScriptGate,
    private readonly log: (message: string) => void,
  ) {}

  approve(gate: ScriptGate): void {
    this.gate = gate;
  }

  async run(argv: readonly string[], runAs: RunAs, timeoutUs?: number): Promise<ScriptExit> {
    const approved = this.gate.argvToRun(argv, runAs);
    if (approved === undefined) return this.refused(argv[0] ?? '', runAs);
    const command = await scriptCommand(approved, runAs);
    if (command.kind === 'error') return this.failedToStart(approved[0] ?? '', command.code);
    if (command.kind === 'exec') return this.spawn(command.file, command.argv.slice(1), command.file, runAs, timeoutUs);
    const exit = await this.spawn('/bin/sh', ['-c', command.command], command.command, runAs, timeoutUs, 'sh');
    return this.shellExit(exit, command.command);
  }

  /** Signal every running script's process group (keepalived's script_killall, at shutdown). */
  killAll(signal: NodeJS.Signals): void {
    for (const pgid of this.running) killGroup(pgid, signal);
  }

  private spawn(file: string, args: readonly string[], shown: string, runAs: RunAs, timeoutUs: number | undefined, argv0?: string): Promise<ScriptExit> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        // whatever a library opened without O_CLOEXEC since: the script gets stdio only
        markDescriptorsCloseOnExec();
        child = spawn(file, args, {
          ...(argv0 === undefined ? {} : { argv0 }),
          detached: true,
          stdio: 'ignore',
          env: scriptEnvironment(),
          // setuid/setgid need root; a daemon run as the script's user needs neither
          ...(runAs.uid === process.getuid?.() ? {} : { uid: runAs.uid }),
          ...(runAs.gid === process.getgid?.() ? {} : { gid: runAs.gid }),
        });
      } catch (error) {
        resolve(this.failedToStart(shown, (error as NodeJS.ErrnoException).code));
        return;
      }
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const pgid = child.pid;
      const settle = (exit: ScriptExit): void => {
        clearTimeout(timer);
        if (pgid !== undefined) this.running.delete(pgid);
        resolve(exit);
      };
      child.once('error', (error: NodeJS.ErrnoException) => settle(this.failedToStart(shown, error.code)));
      child.once('exit', (code, signal) => settle({ code: code ?? undefined, signal: signal ?? undefined, timedOut }));
      if (pgid === undefined) return;
      this.running.add(pgid);
      if (timeoutUs !== undefined) {
        timer = setTimeout(() => {
          timedOut = killGroup(pgid, 'SIGKILL');
        }, Math.ceil(timeoutUs / 1000));
      }
    });
  }

  /** keepalived's child logs what its shell could not do and exits 0; a signal is passed on. */
  private shellExit(exit: ScriptExit, command: string): ScriptExit {
    if (exit.code === SHELL_NOT_FOUND) this.log(`Couldn't find command: ${command}`);
    else if (exit.code === SHELL_NOT_EXECUTABLE) this.log(`Couldn't execute command: ${command}`);
    else return exit;
    return { ...exit, code: 0 };
  }

  /** Fail closed: a script script security did not pass (or never checked) is not started. */
  private refused(command: string, runAs: RunAs): ScriptExit {
    this.log(`Refusing to run script '${command}' as uid:gid ${runAs.uid}:${runAs.gid}: script security has not approved it`);
    return { code: 126, signal: undefined, timedOut: false };
  }

  /** As execve failing: 127 when there is no such file, 126 when it cannot be run. */
  private failedToStart(name: string, code: string | undefined): ScriptExit {
    const errno = code === undefined ? undefined : constants.errno[code as keyof typeof constants.errno];
    const message = errno === undefined ? code ?? 'unknown error' : `${errno}: ${strerror(errno)}`;
    this.log(`Error exec-ing command '${name}', error ${message}`);
    return { code: code === 'ENOENT' || code === 'ENOTDIR' ? 127 : 126, signal: undefined, timedOut: false };
  }
}

function scriptEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of UNSAFE_ENV) delete env[name];
  return env;
}

/** True when the signal was sent (the group still existed). */
function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
