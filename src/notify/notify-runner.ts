/**
 * Carries out the reducer's `notify` actions: the script runs on its own
 * (keepalived neither waits for nor looks at a notify script's exit), except
 * that a STOP script's `killAfterUs` kills it if it outlives the shutdown wait.
 */
import type { RunAs, ScriptPort } from '../base/scripts.js';

/** Starts argv as runAs; resolves once it has exited or been killed, never rejects. */
export type NotifyRun = (argv: readonly string[], runAs: RunAs, killAfterUs?: number) => Promise<void>;

/**
 * A failure to start is logged by the ScriptPort (keepalived's child logs
 * it); the exit status is dropped, as keepalived drops it.
 */
export function notifyRunner(scripts: ScriptPort): NotifyRun {
  return async (argv, runAs, killAfterUs) => {
    await scripts.run(argv, runAs, killAfterUs);
  };
}
