/*
 * rtnl_monitor: the rtnetlink socket that hears link and address changes, as keepalived 2.2.7's nl_kernel
 * (keepalived_netlink.c). Ours because the netlink package's socket ends the process when the kernel
 * overruns it: an overrun sets the socket's error, libuv's poll reports it as EBADF, and the package's
 * handler then throws out of its native callback. Here an overrun is read out like any datagram.
 *
 *   rtnlMonitorOpen(groups, rcvbuf) -> fd   socket (close-on-exec, non-blocking), a receive buffer of `rcvbuf`
 *                                           bytes (SO_RCVBUFFORCE, else SO_RCVBUF capped at rmem_max; a refusal
 *                                           keeps the default), bind, NETLINK_ADD_MEMBERSHIP of each RTNLGRP_* number
 *   rtnlMonitorJoin(fd, group, join)        NETLINK_ADD_MEMBERSHIP (or DROP) of one group later on
 *   rtnlMonitorRead(fd, max) -> items[]     at most `max` pending datagrams from the kernel, never blocking;
 *                                           each a Buffer of netlink messages, or null for ENOBUFS (notifications
 *                                           were lost; reading it clears the socket's error)
 *
 * Closed with the addon's close(fd). Errors are thrown as JS Errors with `code`, `errno` and `syscall`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <node_api.h>

#include "napi_check.h"

napi_value rtnl_monitor_define(napi_env env, napi_value exports);


/* A notification is one message of a few hundred bytes; a datagram larger than this is cut and dropped. */
#define DATAGRAM_MAX 65536

static napi_value rtnl_monitor_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t count, rcvbuf;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_array_length(env, argv[0], &count));
  CHECK(napi_get_value_uint32(env, argv[1], &rcvbuf));
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return throw_errno(env, "socket", errno);
  /* many instances changing addresses at once: the default buffer overruns (soak case 6, 1,000 instances) */
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  /* nl_pid 0: the kernel picks a port id, which cannot clash with the process's other netlink sockets */
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    uint32_t group;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || napi_get_value_uint32(env, v, &group) != napi_ok) {
      close(fd);
      return NULL;
    }
    if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "setsockopt", err);
    }
  }
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

static napi_value rtnl_monitor_join(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  uint32_t group;
  bool join;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &group));
  CHECK(napi_get_value_bool(env, argv[2], &join));
  if (setsockopt(fd, SOL_NETLINK, join ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP, &group, sizeof group) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

static napi_value rtnl_monitor_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], items;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t max;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &max));
  CHECK(napi_create_array(env, &items));
  static char buf[DATAGRAM_MAX];
  uint32_t count = 0;
  while (count < max) {
    struct sockaddr_nl from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t len = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        napi_value overrun;
        CHECK(napi_get_null(env, &overrun));
        CHECK(napi_set_element(env, items, count++, overrun));
        continue;
      }
      return throw_errno(env, "recvmsg", errno);
    }
    /* only the kernel (port 0) speaks for rtnetlink; a cut datagram cannot be parsed */
    if (msg.msg_namelen != sizeof from || from.nl_pid != 0 || (msg.msg_flags & MSG_TRUNC)) continue;
    napi_value datagram;
    CHECK(napi_create_buffer_copy(env, (size_t)len, buf, NULL, &datagram));
    CHECK(napi_set_element(env, items, count++, datagram));
  }
  return items;
}

napi_value rtnl_monitor_define(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"rtnlMonitorOpen", NULL, rtnl_monitor_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rtnlMonitorJoin", NULL, rtnl_monitor_join, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rtnlMonitorRead", NULL, rtnl_monitor_read, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions));
  return exports;
}
