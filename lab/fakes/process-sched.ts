/**
 * The fake ProcessSchedPort (src/base/process-sched.ts): records each call in `calls` as text
 * (`setNice(-5)`, `setRealtime(10)`, `setRlimitRttime(5000,10000)`, `setAffinity(0,1)`, `lockMemory()`),
 * and fails the calls named in `failing` with the given message, as the addon throws strerror's text.
 * `cpuTimeLimit()` delivers a SIGXCPU to the handlers registered; `forkReset` is the last setForkReset's
 * (what a script would start with), undefined until one.
 */
import type { ForkReset, ProcessSchedPort } from '../../src/base/process-sched.js';

export interface FakeProcessSched {
  readonly port: ProcessSchedPort;
  readonly calls: string[];
  /** Method name → the error message it throws. */
  readonly failing: Map<keyof ProcessSchedPort, string>;
  cpuTimeLimit(): void;
  readonly forkReset: ForkReset | undefined;
}

export function fakeProcessSched(initialNice = 0): FakeProcessSched {
  const calls: string[] = [];
  const failing = new Map<keyof ProcessSchedPort, string>();
  const handlers: (() => void)[] = [];
  let nice = initialNice;
  let forkReset: ForkReset | undefined;
  const call = (name: keyof ProcessSchedPort, args: readonly unknown[]): void => {
    calls.push(`${name}(${args.join(',')})`);
    const message = failing.get(name);
    if (message !== undefined) throw new Error(message);
  };
  const port: ProcessSchedPort = {
    getNice: () => nice,
    setNice: (value) => {
      call('setNice', [value]);
      nice = value;
    },
    setRealtime: (priority) => call('setRealtime', [priority]),
    setRlimitRttime: (soft, hard) => call('setRlimitRttime', [soft, hard]),
    setAffinity: (cpus) => call('setAffinity', cpus),
    lockMemory: () => call('lockMemory', []),
    unlockMemory: () => call('unlockMemory', []),
    setForkReset: (reset) => void (forkReset = reset),
    onCpuTimeLimit: (handler) => {
      calls.push('onCpuTimeLimit()');
      handlers.push(handler);
    },
  };
  return {
    port,
    calls,
    failing,
    cpuTimeLimit: () => handlers.forEach((h) => h()),
    get forkReset() {
      return forkReset;
    },
  };
}
