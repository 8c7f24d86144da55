/**
 * The C library's free heap memory handed back to the kernel (native/src/malloc_trim.c): what V8's helper threads
 * and libuv's pool freed stays resident in glibc's arenas otherwise.
 */
import { loadAddon } from './native.js';

interface MallocTrimAddon {
  mallocTrim(): boolean;
}

/** True when some memory went back; false when none could, or the C library has no malloc_trim (musl). */
export function trimMalloc(): boolean {
  return loadAddon<MallocTrimAddon>().mallocTrim();
}
