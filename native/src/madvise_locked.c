/*
 * madvise_locked: preloaded (LD_PRELOAD) into the VRRP and checker children so that `*_no_swap` can lock them in
 * memory as keepalived's set_process_dont_swap (lib/process.c) does. V8 aborts unless madvise(MADV_DONTNEED)
 * succeeds (OS::DiscardSystemPages), and Linux refuses it (EINVAL) on locked mappings; this madvise retries such a
 * refusal as MADV_DONTNEED_LOCKED (Linux >= 5.18), the same discard allowed on locked pages. Every other call,
 * and every call on unlocked memory, is the system call unchanged. Not an addon: no N-API; process_sched.c's
 * schedLockMemory looks for KATS_MADVISE_LOCKED before it locks anything.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

/* Its presence (dlsym) says this file is preloaded. */
const int KATS_MADVISE_LOCKED = 1;

int madvise(void *addr, size_t length, int advice) {
  long ret = syscall(SYS_madvise, addr, length, advice);
  if (ret == -1 && errno == EINVAL && advice == MADV_DONTNEED) {
    int saved = errno;
    ret = syscall(SYS_madvise, addr, length, MADV_DONTNEED_LOCKED);
    /* an older kernel, or a range that was invalid anyway: the first refusal stands */
    if (ret == -1) errno = saved;
  }
  return (int)ret;
}
