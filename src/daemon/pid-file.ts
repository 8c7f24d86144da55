/**
 * keepalived's pid files: the pid and a newline, mode 0644 whatever the
 * umask; a stale file (its process gone) is taken over. Neither reading,
 * writing nor removing follows a symbolic link at the path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileSafely } from '../base/safe-file.js';

const PID_FILE_MODE = 0o644;
const PID_DIRECTORY_MODE = 0o755;

export type PidClaim = { claimed: true } | { heldBy: number } | { error: string };

/** Ours now, or held by a live process, or not writable (the error in keepalived's words and why). */
export function claimPidFile(file: string, warn: (message: string) => void): PidClaim {
  const holder = livePid(file);
  if (holder !== undefined && holder !== process.pid) return { heldBy: holder };
  try {
    makeDirectories(path.dirname(file));
    writeFileSafely(file, `${process.pid}\n`, { mode: PID_FILE_MODE, exactMode: true, warn });
  } catch (error) {
    return { error: `pidfile_write : Cannot open ${file} pidfile (${(error as Error).message})` };
  }
  return { claimed: true };
}

/** claimPidFile for a process's start: true when ours, else says why not (`who`: keepalived's name for the holder). */
export function claimPidFileAtStart(file: string, who: string, log: { warn(m: string): void; error(m: string): void }): boolean {
  const claim = claimPidFile(file, (m) => log.warn(m));
  if ('heldBy' in claim) log.error(`${who} already running (pid ${claim.heldBy} in ${file})`);
  else if ('error' in claim) log.error(claim.error);
  return 'claimed' in claim;
}

/** Removes the file only while it still names this process (unlink removes a link, never its target). */
export function removePidFile(file: string): void {
  if (livePid(file) !== process.pid) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone
  }
}

/** keepalived's pid directory is rwxr-xr-x whatever the umask. */
function makeDirectories(dir: string): void {
  const umask = process.umask(0o022);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: PID_DIRECTORY_MODE });
  } finally {
    process.umask(umask);
  }
}

/** The pid in a regular file at the path (not through a link, never blocking on a FIFO) while that process lives. */
function livePid(file: string): number | undefined {
  const text = readRegularFile(file);
  if (text === undefined) return undefined;
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but someone else's
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

function readRegularFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(32);
    return buffer.subarray(0, fs.readSync(fd, buffer)).toString('utf8');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
