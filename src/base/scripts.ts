/**
 * The script port: how any layer runs a script (notify, vrrp_script, MISC_CHECK). The real one is
 * src/scripts/script-port.ts (behind the security gate); the tests' fake is lab/fakes/scripts.ts.
 */
/** The identity a script runs as. */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface ScriptExit {
  /** Exit status, or undefined when killed by a signal. */
  code: number | undefined;
  signal: string | undefined;
  /** Killed by us after its timeout. */
  timedOut: boolean;
}

/** Runs scripts with execve semantics (no shell), as keepalived 2.x does. */
export interface ScriptPort {
  /**
   * Start argv as `runAs`; `timeoutUs` kills it (SIGKILL to its process group) when over.
   * Resolves when it has exited; never rejects (a failure to start is exit 127 / 126).
   */
  run(argv: readonly string[], runAs: RunAs, timeoutUs?: number): Promise<ScriptExit>;
}
