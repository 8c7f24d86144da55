/*
 * process_sched: the scheduling and memory calls of keepalived's lib/process.c (set_process_priorities,
 * reset_process_priorities, set_process_cpu_affinity, set_process_dont_swap) for the addon.
 *
 *   schedGetNice() -> number                 getpriority(PRIO_PROCESS, 0): the calling thread's nice value
 *   schedSetNice(nice)                       setpriority on every thread of the process
 *   schedSetRealtime(priority)               the calling thread: SCHED_RR|SCHED_RESET_ON_FORK at priority,
 *                                            or SCHED_OTHER when priority is 0
 *   schedSetRlimitRttime(soft, hard)         setrlimit(RLIMIT_RTTIME), in µs
 *   schedSetAffinity(cpus)                   sched_setaffinity on every thread of the process
 *   schedLockMemory()                        mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT), as keepalived; refused
 *                                            unless madvise_locked.c is preloaded and the kernel has
 *                                            MADV_DONTNEED_LOCKED (V8 would abort on its first discard)
 *   schedUnlockMemory()                      munlockall
 *   schedSetForkReset(realtime, rttime, niceSet, nice)
 *                                            what a forked child takes back before it runs anything: SCHED_OTHER
 *                                            (when realtime), then RLIMIT_RTTIME 0:0 (when rttime), then nice
 *                                            (when niceSet), as system_call_script's reset_process_priorities
 *
 * keepalived's process is one thread; a Node process is several (V8's helpers, libuv's pool), and Linux keeps
 * nice and CPU affinity per thread, so those two go to every thread in /proc/self/task. Threads started later
 * inherit them from the thread that starts them. Errors are thrown as JS Errors with `code`, `errno`, `syscall`.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <node_api.h>
#include <pthread.h>

#include "napi_check.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

napi_value process_sched_define(napi_env env, napi_value exports);

static bool int_args(napi_env env, napi_callback_info info, size_t want, int32_t *out) {
  napi_value argv[4];
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "missing argument");
    return false;
  }
  for (size_t i = 0; i < want; i++) {
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "integer argument expected");
      return false;
    }
  }
  return true;
}

typedef int (*thread_call)(pid_t tid, const void *arg);

/* Calls fn for each thread of this process; returns 0 or the first failure's errno. */
static int each_thread(thread_call fn, const void *arg) {
  DIR *dir = opendir("/proc/self/task");
  if (!dir) return fn(0, arg) ? errno : 0;
  int first = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    pid_t tid = (pid_t)strtol(entry->d_name, NULL, 10);
    /* a thread that ended meanwhile is no failure */
    if (fn(tid, arg) && errno != ESRCH && !first) first = errno;
  }
  closedir(dir);
  return first;
}

static int nice_thread(pid_t tid, const void *arg) {
  return setpriority(PRIO_PROCESS, (id_t)tid, *(const int *)arg);
}

static int affinity_thread(pid_t tid, const void *arg) {
  return sched_setaffinity(tid, sizeof(cpu_set_t), (const cpu_set_t *)arg);
}

static napi_value get_nice(napi_env env, napi_callback_info info) {
  (void)info;
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  if (nice == -1 && errno) return throw_errno_plain(env, "getpriority", errno);
  napi_value result;
  napi_create_int32(env, nice, &result);
  return result;
}

static napi_value set_nice(napi_env env, napi_callback_info info) {
  int32_t nice;
  if (!int_args(env, info, 1, &nice)) return NULL;
  int value = nice;
  int err = each_thread(nice_thread, &value);
  return err ? throw_errno_plain(env, "setpriority", err) : NULL;
}

static napi_value set_realtime(napi_env env, napi_callback_info info) {
  int32_t priority;
  if (!int_args(env, info, 1, &priority)) return NULL;
  struct sched_param sp = {.sched_priority = priority};
  int policy = priority ? SCHED_RR | SCHED_RESET_ON_FORK : SCHED_OTHER;
  if (sched_setscheduler(0, policy, &sp)) return throw_errno_plain(env, "sched_setscheduler", errno);
  return NULL;
}

static napi_value set_rlimit_rttime(napi_env env, napi_callback_info info) {
  int32_t limits[2];
  if (!int_args(env, info, 2, limits)) return NULL;
  struct rlimit rlim = {.rlim_cur = (rlim_t)(uint32_t)limits[0], .rlim_max = (rlim_t)(uint32_t)limits[1]};
  if (setrlimit(RLIMIT_RTTIME, &rlim)) return throw_errno_plain(env, "setrlimit", errno);
  return NULL;
}

static napi_value set_affinity(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  bool is_array = false;
  uint32_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[0], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "array of CPU numbers expected");
    return NULL;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    int32_t cpu;
    if (napi_get_element(env, argv[0], i, &element) != napi_ok || napi_get_value_int32(env, element, &cpu) != napi_ok ||
        cpu < 0 || cpu >= CPU_SETSIZE) {
      napi_throw_range_error(env, NULL, "CPU number out of range");
      return NULL;
    }
    CPU_SET(cpu, &set);
  }
  int err = each_thread(affinity_thread, &set);
  return err ? throw_errno_plain(env, "sched_setaffinity", err) : NULL;
}

#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

static napi_value refuse(napi_env env, const char *message) {
  napi_throw_error(env, "ENOTSUP", message);
  return NULL;
}

/* Whether the kernel knows MADV_DONTNEED_LOCKED (Linux 5.18): tried on a page of our own. */
static bool kernel_discards_locked(void) {
  long page = sysconf(_SC_PAGESIZE);
  void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return false;
  bool ok = madvise(p, (size_t)page, MADV_DONTNEED_LOCKED) == 0;
  munmap(p, (size_t)page);
  return ok;
}

static napi_value lock_memory(napi_env env, napi_callback_info info) {
  (void)info;
  if (!dlsym(RTLD_DEFAULT, "KATS_MADVISE_LOCKED"))
    return refuse(env, "madvise_locked is not preloaded, and V8 aborts on locked pages without it");
  if (!kernel_discards_locked()) return refuse(env, "the kernel has no MADV_DONTNEED_LOCKED (Linux 5.18), and V8 aborts on locked pages without it");
  if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) return throw_errno_plain(env, "mlockall", errno);
  return NULL;
}

static napi_value unlock_memory(napi_env env, napi_callback_info info) {
  (void)info;
  if (munlockall()) return throw_errno_plain(env, "munlockall", errno);
  return NULL;
}

/* Read in the forked child, written only by the thread that forks (the event loop's): no lock. */
static struct {
  bool realtime, rttime, nice_set;
  int nice;
} fork_reset;

/* pthread_atfork's child handler: plain system calls only, as after any fork of a threaded process. Node's
 * child_process forks with fork(), so each script passes here before its exec. SCHED_RESET_ON_FORK has already
 * put a SCHED_RR child back to SCHED_OTHER; keepalived's RLIMIT_RTTIME "restore" is to the 0:0 it never saved. */
static void reset_in_child(void) {
  if (fork_reset.realtime) {
    struct sched_param sp = {.sched_priority = 0};
    if (!sched_setscheduler(0, SCHED_OTHER, &sp) && fork_reset.rttime) {
      struct rlimit none = {.rlim_cur = 0, .rlim_max = 0};
      setrlimit(RLIMIT_RTTIME, &none);
    }
  }
  if (fork_reset.nice_set) setpriority(PRIO_PROCESS, 0, fork_reset.nice);
}

static napi_value set_fork_reset(napi_env env, napi_callback_info info) {
  static bool registered;
  int32_t args[4];
  if (!int_args(env, info, 4, args)) return NULL;
  if (!registered) {
    int err = pthread_atfork(NULL, NULL, reset_in_child);
    if (err) return throw_errno_plain(env, "pthread_atfork", err);
    registered = true;
  }
  fork_reset.realtime = args[0] != 0;
  fork_reset.rttime = args[1] != 0;
  fork_reset.nice_set = args[2] != 0;
  fork_reset.nice = args[3];
  return NULL;
}

#define SCHED_FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_enumerable, NULL}

napi_value process_sched_define(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      SCHED_FN("schedGetNice", get_nice),
      SCHED_FN("schedSetNice", set_nice),
      SCHED_FN("schedSetRealtime", set_realtime),
      SCHED_FN("schedSetRlimitRttime", set_rlimit_rttime),
      SCHED_FN("schedSetAffinity", set_affinity),
      SCHED_FN("schedSetForkReset", set_fork_reset),
      SCHED_FN("schedLockMemory", lock_memory),
      SCHED_FN("schedUnlockMemory", unlock_memory),
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return NULL;
  return exports;
}
