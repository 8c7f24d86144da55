/**
 * The environment the parent starts its VRRP and checker children with: its own, the memory settings it runs with
 * (memory-tuning.ts; each child takes them out again), and madvise_locked preloaded
 * (native/src/madvise_locked.c) so that `*_no_swap` can lock a child in memory without V8 aborting, at start as
 * after any reload. Scripts never inherit the preload (scripts/script-port.ts drops LD_PRELOAD).
 */
export function childEnvironment(env: NodeJS.ProcessEnv, madviseLocked: string | undefined, tuning: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // ld.so splits LD_PRELOAD at spaces and colons: a path holding one cannot be preloaded (the lock is then refused)
  if (madviseLocked === undefined || /[\s:]/.test(madviseLocked)) return { ...env, ...tuning };
  // ours first, the operator's after it
  const preload = [madviseLocked, ...(env.LD_PRELOAD ? [env.LD_PRELOAD] : [])].join(' ');
  return { ...env, ...tuning, LD_PRELOAD: preload };
}
