/**
 * How keepalived 2.x would start a configured argv (notify.c
 * check_script_secure, find_path, system_call_script): execve of the file,
 * bare names found by a PATH search; `/bin/sh -c` only for a file without a
 * `#!` line that is no binary (keepalived asks libmagic) or for the
 * `</path` file-openable test idiom.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { RunAs } from '../vrrp/ports.js';

export type ScriptCommand =
  /** execve(file, argv): argv[0] is the file, PATH-resolved as keepalived rewrites it. */
  | { kind: 'exec'; file: string; argv: readonly string[] }
  /** system(command). */
  | { kind: 'shell'; command: string }
  /** Not found, or found but not executable for the script's user: exec would fail with this errno. */
  | { kind: 'error'; code: 'ENOENT' | 'EACCES' };

/** glibc's confstr(_CS_PATH), keepalived's PATH when none is set. */
const DEFAULT_PATH = '/bin:/usr/bin';

export async function scriptCommand(argv: readonly string[], runAs: RunAs, searchPath = process.env.PATH ?? DEFAULT_PATH): Promise<ScriptCommand> {
  const name = argv[0];
  if (name === undefined || name === '') return { kind: 'error', code: 'ENOENT' };
  if (/^<[ \t]*\//.test(name)) return { kind: 'shell', command: shellCommandText(argv) };
  const found = name.includes('/') ? await checkFile(name, runAs) : await searchPathFor(name, runAs, searchPath);
  if (typeof found !== 'string') return { kind: 'error', code: found.code };
  const resolved = [found, ...argv.slice(1)];
  return (await runsDirectly(found)) ? { kind: 'exec', file: found, argv: resolved } : { kind: 'shell', command: shellCommandText(resolved) };
}

/**
 * cmd_str: every word in single quotes (no escaping, as keepalived does),
 * except a first word starting with `<` or `>` (a redirection).
 */
export function shellCommandText(argv: readonly string[]): string {
  return argv.map((word, i) => (i === 0 && (word.startsWith('<') || word.startsWith('>')) ? word : `'${word}'`)).join(' ');
}

/** keepalived's is_executable: root needs any x bit; others the bit of the class they fall in. */
export function isExecutableBy(stat: { mode: number; uid: number; gid: number }, runAs: RunAs): boolean {
  if (runAs.uid === 0) return (stat.mode & 0o111) !== 0;
  if (runAs.uid === stat.uid) return (stat.mode & 0o100) !== 0;
  return (stat.mode & (runAs.gid === stat.gid ? 0o010 : 0o001)) !== 0;
}

type Failure = { code: 'ENOENT' | 'EACCES' };

async function checkFile(file: string, runAs: RunAs): Promise<string | Failure> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code === 'EACCES' ? 'EACCES' : 'ENOENT' };
  }
  return stat.isFile() && isExecutableBy(stat, runAs) ? file : { code: 'EACCES' };
}

/** execvp's search: the first executable regular file wins; EACCES if only unusable ones were seen. */
async function searchPathFor(name: string, runAs: RunAs, searchPath: string): Promise<string | Failure> {
  let denied = false;
  for (const dir of searchPath.split(':')) {
    // an empty entry is the current directory
    const candidate = dir === '' ? name : path.join(dir, name);
    const found = await checkFile(candidate, runAs);
    if (typeof found === 'string') return found;
    if (found.code === 'EACCES') denied = true;
  }
  return { code: denied ? 'EACCES' : 'ENOENT' };
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
