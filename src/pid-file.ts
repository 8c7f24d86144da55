/** keepalived's pid files: the pid and a newline; a stale file (its process gone) is taken over. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** true when the file is ours now, else the pid of the live process that holds it. */
export function claimPidFile(file: string): true | number {
  const holder = livePid(file);
  if (holder !== undefined && holder !== process.pid) return holder;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${process.pid}\n`);
  return true;
}

/** Removes the file only while it still names this process. */
export function removePidFile(file: string): void {
  if (livePid(file) === process.pid) fs.rmSync(file, { force: true });
}

function livePid(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
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
