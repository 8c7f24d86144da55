/**
 * `node --expose-gc --import …/build/lab/periodic-gc.js` (PERIODIC_GC_NODE_OPTIONS), for the soak's short form
 * (soak/long-soak.ts): a full collection every KATS_LAB_GC_EVERY_MS in each keepalived-ts process (NODE_OPTIONS
 * reaches the forked children). What each leaves behind (the daemon's heap_after_major_gc metric) then has points
 * a few seconds apart: a leak shows in minutes, where the parent's and VRRP child's own full collections come every
 * few minutes and RSS moves by tens of MiB while V8 sizes its heap.
 */
const everyMs = Number(process.env.KATS_LAB_GC_EVERY_MS);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('lab/periodic-gc.ts needs --expose-gc');
if (!(everyMs > 0)) throw new Error(`KATS_LAB_GC_EVERY_MS must be a positive number of ms, not ${process.env.KATS_LAB_GC_EVERY_MS}`);
// unref: the collections never keep a process alive that would end
setInterval(() => collect(), everyMs).unref();
