/*
 * netns: the namespace calls keepalived's core/namespaces.c makes (set_namespaces, set_run_mount,
 * unmount_run, set_netns_name, restore_net_namespace), for the thread that calls them: Node's main
 * thread.
 *
 *   netnsEnter(path)              setns(2) into the network namespace at path (/var/run/netns/NAME)
 *   netnsSave() -> fd             the calling thread's network namespace, to come back to (close-on-exec)
 *   netnsRestore(fd)              setns(2) back into it; closes fd, also when that fails
 *   netnsUnshareMounts()          unshare(CLONE_NEWNS): a mount namespace of our own
 *   netnsMountSlave()             every mount made a slave of the one it copies (systemd shares them)
 *   netnsBind(source, target)     bind-mounts source on target: keepalived's per-namespace pid directory
 *   netnsUnmount(target)          umount(2)
 *
 * setns(2) and unshare(2) change only the calling thread: sockets opened from JS on the main thread and
 * processes it forks follow; libuv's thread pool stays where it was. Errors are thrown as Node's are,
 * with `code`, `errno` and `syscall`.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <unistd.h>

#include <node_api.h>

#include "napi_check.h"

#include "netns.h"

/* The n string arguments, each into its PATH_MAX buffer; false (an exception pending) otherwise. */
static bool string_args(napi_env env, napi_callback_info info, size_t n, char (*out)[4096]) {
  napi_value argv[2];
  size_t argc = 2;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    size_t len;
    if (napi_get_value_string_utf8(env, argv[i], NULL, 0, &len) != napi_ok) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "a string argument is required");
      return false;
    }
    if (len >= sizeof out[i]) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "path too long");
      return false;
    }
    napi_get_value_string_utf8(env, argv[i], out[i], sizeof out[i], &len);
  }
  return true;
}

/* setns(fd), closing fd whatever the outcome. */
static napi_value enter_and_close(napi_env env, int fd) {
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, "setns", err);
  return NULL;
}

static napi_value netns_enter(napi_env env, napi_callback_info info) {
  char path[1][4096];
  if (!string_args(env, info, 1, path)) return NULL;
  int fd = open(path[0], O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", errno);
  return enter_and_close(env, fd);
}

static napi_value netns_save(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", errno);
  napi_value v;
  napi_create_int32(env, fd, &v);
  return v;
}

static napi_value netns_restore(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "a descriptor is required");
    return NULL;
  }
  return enter_and_close(env, fd);
}

static napi_value netns_unshare_mounts(napi_env env, napi_callback_info info) {
  (void)info;
  if (unshare(CLONE_NEWNS) < 0) return throw_errno(env, "unshare", errno);
  return NULL;
}

/* systemd makes every mount shared: as slaves, what we mount stays ours */
static napi_value netns_mount_slave(napi_env env, napi_callback_info info) {
  (void)info;
  if (mount("", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) return throw_errno(env, "mount", errno);
  return NULL;
}

static napi_value netns_bind(napi_env env, napi_callback_info info) {
  char paths[2][4096];
  if (!string_args(env, info, 2, paths)) return NULL;
  if (mount(paths[0], paths[1], NULL, MS_BIND, NULL) < 0) return throw_errno(env, "mount", errno);
  return NULL;
}

static napi_value netns_unmount(napi_env env, napi_callback_info info) {
  char path[1][4096];
  if (!string_args(env, info, 1, path)) return NULL;
  if (umount(path[0]) < 0) return throw_errno(env, "umount", errno);
  return NULL;
}

napi_status netns_register(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"netnsEnter", NULL, netns_enter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsSave", NULL, netns_save, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsRestore", NULL, netns_restore, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsUnshareMounts", NULL, netns_unshare_mounts, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsMountSlave", NULL, netns_mount_slave, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsBind", NULL, netns_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsUnmount", NULL, netns_unmount, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}
