/**
 * How keepalived 2.x starts a script whose path script security has already
 * resolved (notify.c system_call_script): execve of the file; `/bin/sh -c`
 * only for a file without a `#!` line that is no binary (keepalived asks
 * libmagic) or for the `</path` file-openable test idiom.
 */
import * as fs from 'node:fs/promises';
import type { RunAs } from '../base/scripts.js';
import { isExecutable } from '../config/scripts/index.js';

export type ScriptCommand =
  /** execve(file, argv): argv[0] is the file. */
  | { kind: 'exec'; file: string; argv: readonly string[] }
  /** system(command). */
  | { kind: 'shell'; command: string }
  /** Not found, or found but not executable for the script's user: exec would fail with this errno. */
  | { kind: 'error'; code: 'ENOENT' | 'EACCES' };

/** `argv[0]`: the file script security checked (the gate puts it there). */
export async function scriptCommand(argv: readonly string[], runAs: RunAs): Promise<ScriptCommand> {
  const file = argv[0];
  if (file === undefined || file === '') return { kind: 'error', code: 'ENOENT' };
  if (/^<[ \t]*\//.test(file)) return { kind: 'shell', command: shellCommandText(argv) };
  const usable = await checkFile(file, runAs);
  if (usable !== true) return { kind: 'error', code: usable.code };
  return (await runsDirectly(file)) ? { kind: 'exec', file, argv } : { kind: 'shell', command: shellCommandText(argv) };
}

/**
 * cmd_str: every word in single quotes (no escaping, as keepalived does),
 * except a first word starting with `<` or `>` (a redirection).
 */
export function shellCommandText(argv: readonly string[]): string {
  return argv.map((word, i) => (i === 0 && (word.startsWith('<') || word.startsWith('>')) ? word : `'${word}'`)).join(' ');
}

type Failure = { code: 'ENOENT' | 'EACCES' };

/** The file may have gone or changed since the check: execve would fail with this errno. */
async function checkFile(file: string, runAs: RunAs): Promise<true | Failure> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code === 'EACCES' ? 'EACCES' : 'ENOENT' };
  }
  return stat.isFile() && isExecutable(stat, runAs.uid, runAs.gid) ? true : { code: 'EACCES' };
}

/** What libmagic calls "executable" or "shared object": a `#!` script or an ELF file. */
async function runsDirectly(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    // unreadable: keepalived's default is execve, which will report its own error
    return true;
  }
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    const start = head.subarray(0, bytesRead);
    return start.subarray(0, 2).toString('latin1') === '#!' || start.toString('latin1') === '\x7fELF';
  } finally {
    await handle.close();
  }
}
