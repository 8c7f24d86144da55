/**
 * The fake ScriptPort (src/base/scripts.ts): runs nothing, records each run (argv, identity, timeout) in `runs`.
 * Given an exit, every run ends with it at once; without one, each run waits until the test calls finish().
 */
import type { RunAs, ScriptExit, ScriptPort } from '../../src/base/scripts.js';

export interface ScriptRun {
  readonly argv: readonly string[];
  readonly runAs: RunAs;
  readonly timeoutUs: number | undefined;
}

export class FakeScripts implements ScriptPort {
  readonly runs: ScriptRun[] = [];
  // kept apart from `runs` so tests can compare runs with toEqual
  private readonly ends: ((exit: ScriptExit) => void)[] = [];

  constructor(private readonly exitAtOnce?: ScriptExit) {}

  run(argv: readonly string[], runAs: RunAs, timeoutUs?: number): Promise<ScriptExit> {
    this.runs.push({ argv, runAs, timeoutUs });
    if (this.exitAtOnce) {
      this.ends.push(() => undefined);
      return Promise.resolve(this.exitAtOnce);
    }
    return new Promise((resolve) => this.ends.push(resolve));
  }

  /** Ends run number `run` (the latest by default) with `exit`, then lets the caller's continuation run. */
  async finish(exit: ScriptExit, run = this.runs.length - 1): Promise<void> {
    const end = this.ends[run];
    if (!end) throw new Error(`no script run ${run}`);
    end(exit);
    await new Promise((r) => setImmediate(r));
  }
}
