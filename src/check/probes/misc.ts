/**
 * MISC_CHECK (check_misc.c misc_check_child_thread): the script's exit
 * decides. 0 passes; with misc_dynamic 2..255 pass too and ask for weight
 * exit − 2; any other exit, a signal or the timeout (misc_timeout, else the
 * virtual server's delay_loop) fails. The message is keepalived's line
 * without its retry note, which the scheduler puts after the verdict word.
 */
import { constants } from 'node:os';
import type { ScriptExit, ScriptPort } from '../../base/scripts.js';
import { serverName } from '../pool.js';
import type { Probe, ProbeResult } from '../probe.js';

const DYNAMIC_MIN = 2;
const DYNAMIC_MAX = 255;

/** `outcome`: keepalived's word for how the script ended; `reason`: what its line adds in brackets. */
function verdict(exit: ScriptExit, dynamic: boolean): { ok: boolean; weight?: number; outcome: string; reason?: string } {
  const code = exit.code;
  if (code === 0) return { ok: true, outcome: 'succeeded' };
  if (code !== undefined && dynamic && code >= DYNAMIC_MIN && code <= DYNAMIC_MAX) return { ok: true, weight: code - DYNAMIC_MIN, outcome: 'succeeded' };
  if (code !== undefined) return { ok: false, outcome: 'failed', reason: `exited with status ${code}` };
  if (exit.timedOut) return { ok: false, outcome: 'timed out' };
  const signal = constants.signals[exit.signal as NodeJS.Signals] ?? exit.signal;
  return { ok: false, outcome: 'failed', reason: `due to signal ${signal}` };
}

/**
 * An abort does not stop the script (the ScriptPort has no way to): it
 * runs on to its timeout and the attempt fails at once without a message.
 */
export function miscProbe(scripts: ScriptPort): Probe {
  return async ({ vs, rs, checker }, signal): Promise<ProbeResult> => {
    if (checker.type !== 'MISC_CHECK') return { ok: false };
    const { script } = checker;
    const run = scripts.run(script.argv, { uid: script.uid, gid: script.gid }, checker.timeoutUs || vs.delayLoopUs);
    let onAbort = (): void => undefined;
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort);
    });
    const exit = await Promise.race([run, aborted]);
    signal.removeEventListener('abort', onAbort);
    if (exit === undefined) return { ok: false };
    const v = verdict(exit, checker.dynamic);
    const message = `Misc check for [${serverName(vs, rs)} VS ${vs.name}] by [${script.argv[0]}] ${v.outcome}${v.reason === undefined ? '' : ` (${v.reason})`}.`;
    return { ok: v.ok, message, outcome: v.outcome, ...(v.weight === undefined ? {} : { weight: v.weight }) };
  };
}
