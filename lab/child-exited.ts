/** Waiting for a child process of a test or soak helper to end, for a bounded time. */
import type { ChildProcess } from 'node:child_process';

/** True once `child` has exited (at once if it already has); false after `ms` without that. */
export function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
