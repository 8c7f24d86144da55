/**
 * The fail-closed gate in front of every script the daemon starts. A script
 * runs only when the configuration's script-security pass approved its
 * command for this process and identity, and then the file that pass checked
 * is what runs (keepalived execs the path check_script_secure resolved): no
 * second PATH search, no symbolic link followed again after the check.
 */
import type { ScriptApproval, ScriptSubsystem } from '../config/scripts/index.js';
import type { RunAs } from '../base/scripts.js';

export interface ScriptGate {
  /** argv with the checked file in place of the command, or undefined: the script has no approval and must not run. */
  argvToRun(argv: readonly string[], runAs: RunAs): readonly string[] | undefined;
}

export class ApprovedScripts implements ScriptGate {
  private readonly files = new Map<string, string>();

  constructor(approvals: readonly ScriptApproval[], subsystem: ScriptSubsystem) {
    for (const a of approvals) if (a.subsystem === subsystem) this.files.set(key(a.command, a), a.file);
  }

  argvToRun(argv: readonly string[], runAs: RunAs): readonly string[] | undefined {
    const file = this.files.get(key(argv[0] ?? '', runAs));
    return file === undefined ? undefined : [file, ...argv.slice(1)];
  }
}

const key = (command: string, runAs: RunAs): string => `${runAs.uid}:${runAs.gid}:${command}`;
