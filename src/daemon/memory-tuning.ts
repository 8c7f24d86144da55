/**
 * The daemon's processes run with one malloc arena and a young generation held at 1 MiB, and V8 keeps the bytecode of
 * functions it has not run lately. Issue 13's hour-long soak: each process otherwise climbs by about 1 MiB an hour
 * with nothing leaked — glibc gives V8's helper threads and libuv's pool arenas of their own whose free pieces
 * malloc_trim cannot hand back, the young generation grows to its largest under a scrape a second, and each forced
 * full collection (memory-return.ts) flushes bytecode that the next advert or check compiles again.
 *
 * glibc reads MALLOC_ARENA_MAX once, when the process starts, and V8 sizes its heap once: so the parent executes
 * itself again (same pid, nothing opened yet) with both, and its children are forked with both. Nothing they run
 * inherits them: each process takes the variables out of its environment once it has started.
 */
export const TUNED_ENV = 'KEEPALIVED_TS_MEMORY_TUNED';
const ARENA_ENV = 'MALLOC_ARENA_MAX';
export const TUNING_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--no-flush-bytecode'];

/** TUNED_ENV's values: whether the arena count is ours, or the operator's own MALLOC_ARENA_MAX is left as it was. */
const OURS = 'arena';
const THEIRS = 'flags';

export interface Exec {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * What this process is executed again as, or undefined when it already runs tuned. `execArgv`: Node's own options
 * it was started with (the operator's --max-semi-space-size, if any, stays: Node takes the last one given).
 */
export function tunedExec(execPath: string, execArgv: readonly string[], scriptArgv: readonly string[], env: NodeJS.ProcessEnv): Exec | undefined {
  if (env[TUNED_ENV] !== undefined) return undefined;
  const arenaIsTheirs = env[ARENA_ENV] !== undefined;
  return {
    argv: [execPath, ...TUNING_V8_FLAGS, ...execArgv, ...scriptArgv],
    env: { ...env, [TUNED_ENV]: arenaIsTheirs ? THEIRS : OURS, ...(arenaIsTheirs ? {} : { [ARENA_ENV]: '1' }) },
  };
}

/**
 * Takes out of `env` what tunedExec (or the parent's fork) added, in effect in this process from now on, and returns
 * it for the children's environment. Empty when the process was not started tuned.
 */
export function takeTuning(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const marker = env[TUNED_ENV];
  if (marker === undefined) return {};
  delete env[TUNED_ENV];
  if (marker !== OURS) return { [TUNED_ENV]: marker };
  const arenas = env[ARENA_ENV];
  delete env[ARENA_ENV];
  return { [TUNED_ENV]: marker, ...(arenas === undefined ? {} : { [ARENA_ENV]: arenas }) };
}

/** Node 22.15 and later (the types this project builds with are older). */
type Execve = (file: string, args: readonly string[], env: Record<string, string>) => never;

/**
 * Executes this process again tuned, or returns: undefined when it already runs tuned, else why it runs untuned.
 * Called before the daemon opens anything, so no descriptor or child is carried across.
 */
export function execTuned(): string | undefined {
  const exec = tunedExec(process.execPath, process.execArgv, process.argv.slice(1), process.env);
  if (exec === undefined) return undefined;
  const execve = (process as { execve?: Execve }).execve;
  if (execve === undefined) return `Node.js ${process.version} cannot execute itself again (process.execve: 22.15 and later)`;
  const env = Object.fromEntries(Object.entries(exec.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  try {
    // no return from it: the process is replaced
    return execve(process.execPath, exec.argv, env);
  } catch (error) {
    return `process.execve failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
