/*
 * proc_events: the kernel's process connector, as keepalived 2.2.7's core/track_process.c uses it for
 * track_process (nl_connect, set_proc_ev_listen, handle_proc_ev): a NETLINK_CONNECTOR socket joined to
 * CN_IDX_PROC that reports every fork, exec, comm change and exit on the host.
 *
 *   procEventsOpen(listen) -> fd             socket (close-on-exec, non-blocking), bind, and PROC_CN_MCAST_LISTEN
 *                                            if `listen` (nl_connect, then set_proc_ev_listen)
 *   procEventsRead(fd, max) -> events[]      at most `max` pending events, never blocking; each
 *                                            { what, pid, tgid, parentTgid?, comm? } with what 'ack', 'fork'
 *                                            (pid/tgid: the child's), 'exec', 'comm', 'exit' or 'overrun'
 *                                            (ENOBUFS: events were lost)
 *   procEventsListen(fd, on)                 PROC_CN_MCAST_LISTEN (or IGNORE) on a socket opened elsewhere: the
 *                                            parent opens it outside net_namespace, where the connector answers
 *   procEventsSetRcvBuf(fd, bytes, force)    SO_RCVBUF, or SO_RCVBUFFORCE past rmem_max (process_monitor_rcv_bufs)
 *   procEventsGetRcvBuf(fd)                  SO_RCVBUF as the kernel holds it (twice what was set)
 *   procEventsClose(fd)                      PROC_CN_MCAST_IGNORE, close
 *
 * Messages are read with a scatter read into the netlink header, the connector header and the event, as
 * keepalived does: the kernel sends one event per datagram, 4-byte aligned after the connector header.
 * Errors are thrown as JS Errors with `code`, `errno` and `syscall`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <node_api.h>

#include "napi_check.h"

napi_value proc_events_define(napi_env env, napi_value exports);


static int set_listen(int fd, enum proc_cn_mcast_op op) {
  struct __attribute__((aligned(NLMSG_ALIGNTO))) {
    struct nlmsghdr nl_hdr;
    struct __attribute__((__packed__)) {
      struct cn_msg cn_msg;
      enum proc_cn_mcast_op cn_mcast;
    };
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nl_hdr.nlmsg_len = sizeof msg;
  msg.nl_hdr.nlmsg_type = NLMSG_DONE;
  msg.cn_msg.id.idx = CN_IDX_PROC;
  msg.cn_msg.id.val = CN_VAL_PROC;
  msg.cn_msg.len = sizeof(enum proc_cn_mcast_op);
  msg.cn_mcast = op;
  return send(fd, &msg, sizeof msg, 0) < 0 ? -1 : 0;
}

static napi_value proc_events_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool listen;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_bool(env, argv[0], &listen));
  int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (fd < 0) return throw_errno(env, "socket", errno);
  /* nl_pid 0: the kernel picks a port id, which cannot clash with the process's other netlink sockets */
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
  const char *failed = bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? "bind" : listen && set_listen(fd, PROC_CN_MCAST_LISTEN) < 0 ? "send" : NULL;
  if (failed) {
    int err = errno;
    close(fd);
    return throw_errno(env, failed, err);
  }
  napi_value result;
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

static napi_status set_int(napi_env env, napi_value obj, const char *key, int32_t value) {
  napi_value v;
  napi_status s = napi_create_int32(env, value, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

static napi_status set_uint(napi_env env, napi_value obj, const char *key, uint32_t value) {
  napi_value v;
  napi_status s = napi_create_uint32(env, value, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

static napi_status set_str(napi_env env, napi_value obj, const char *key, const char *value, size_t len) {
  napi_value v;
  napi_status s = napi_create_string_latin1(env, value, len, &v);
  return s == napi_ok ? napi_set_named_property(env, obj, key, v) : s;
}

/* One event as an object, or NULL (through *skip) for a message that is no event (keepalived drops it unnumbered). */
static napi_value event_object(napi_env env, const struct cn_msg *cn, const struct proc_event *ev, int *skip) {
  napi_value obj;
  *skip = 0;
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  switch (ev->what) {
    case PROC_EVENT_NONE:
      /* an ack of the listen request; anything else without the ack flag is not one */
      if (!cn->ack) {
        *skip = 1;
        return NULL;
      }
      if (set_str(env, obj, "what", "ack", 3) != napi_ok) return NULL;
      return obj;
    case PROC_EVENT_FORK:
      if (set_str(env, obj, "what", "fork", 4) != napi_ok || set_int(env, obj, "pid", ev->event_data.fork.child_pid) != napi_ok ||
          set_int(env, obj, "tgid", ev->event_data.fork.child_tgid) != napi_ok ||
          set_int(env, obj, "parentTgid", ev->event_data.fork.parent_tgid) != napi_ok)
        return NULL;
      return obj;
    case PROC_EVENT_EXEC:
      if (set_str(env, obj, "what", "exec", 4) != napi_ok || set_int(env, obj, "pid", ev->event_data.exec.process_pid) != napi_ok ||
          set_int(env, obj, "tgid", ev->event_data.exec.process_tgid) != napi_ok)
        return NULL;
      return obj;
    case PROC_EVENT_COMM:
      if (set_str(env, obj, "what", "comm", 4) != napi_ok || set_int(env, obj, "pid", ev->event_data.comm.process_pid) != napi_ok ||
          set_int(env, obj, "tgid", ev->event_data.comm.process_tgid) != napi_ok ||
          set_str(env, obj, "comm", ev->event_data.comm.comm, strnlen(ev->event_data.comm.comm, sizeof ev->event_data.comm.comm)) != napi_ok)
        return NULL;
      return obj;
    case PROC_EVENT_EXIT:
      if (set_str(env, obj, "what", "exit", 4) != napi_ok || set_int(env, obj, "pid", ev->event_data.exit.process_pid) != napi_ok ||
          set_int(env, obj, "tgid", ev->event_data.exit.process_tgid) != napi_ok)
        return NULL;
      return obj;
    default:
      /* uid, gid, sid, ptrace, coredump: nothing to track, but numbered like the rest */
      if (set_str(env, obj, "what", "other", 5) != napi_ok) return NULL;
      return obj;
  }
}

static napi_value proc_events_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], events;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t max;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &max));
  CHECK(napi_create_array(env, &events));
  uint32_t count = 0;
  while (count < max) {
    union {
      struct nlmsghdr hdr;
      char pad[NLMSG_ALIGN(sizeof(struct nlmsghdr))];
    } u;
    struct cn_msg cn;
    struct proc_event ev;
    struct iovec iov[3] = {{&u, sizeof u}, {&cn, sizeof cn}, {&ev, sizeof ev}};
    struct sockaddr_nl from;
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = iov, .msg_iovlen = 3};
    memset(&ev, 0, sizeof ev);
    ssize_t len = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        napi_value obj;
        CHECK(napi_create_object(env, &obj));
        CHECK(set_str(env, obj, "what", "overrun", 7));
        CHECK(napi_set_element(env, events, count++, obj));
        continue;
      }
      return throw_errno(env, "recvmsg", errno);
    }
    /* only the kernel (port 0) speaks for the connector; short or foreign messages are dropped */
    if (msg.msg_namelen != sizeof from || from.nl_pid != 0) continue;
    if (!NLMSG_OK(&u.hdr, (size_t)len) || u.hdr.nlmsg_type == NLMSG_ERROR || u.hdr.nlmsg_type == NLMSG_NOOP) continue;
    if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC) continue;
    int skip;
    napi_value obj = event_object(env, &cn, &ev, &skip);
    if (skip) continue;
    if (!obj) return NULL;
    /* the connector numbers its messages per CPU: a gap is events this socket lost */
    CHECK(set_uint(env, obj, "cpu", ev.cpu));
    CHECK(set_uint(env, obj, "seq", cn.seq));
    CHECK(napi_set_element(env, events, count++, obj));
  }
  return events;
}

static napi_value proc_events_listen(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  bool on;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_bool(env, argv[1], &on));
  if (set_listen(fd, on ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE) < 0) return throw_errno(env, "send", errno);
  return NULL;
}

static napi_value proc_events_set_rcvbuf(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t bytes;
  bool force;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &bytes));
  CHECK(napi_get_value_bool(env, argv[2], &force));
  if (setsockopt(fd, SOL_SOCKET, force ? SO_RCVBUFFORCE : SO_RCVBUF, &bytes, sizeof bytes) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

static napi_value proc_events_get_rcvbuf(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  int bytes;
  socklen_t len = sizeof bytes;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &len) < 0) return throw_errno(env, "getsockopt", errno);
  napi_value result;
  CHECK(napi_create_uint32(env, (uint32_t)bytes, &result));
  return result;
}

static napi_value proc_events_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  /* the kernel counts listeners: tell it this one stops, then close */
  set_listen(fd, PROC_CN_MCAST_IGNORE);
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

napi_value proc_events_define(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"procEventsOpen", NULL, proc_events_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"procEventsRead", NULL, proc_events_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"procEventsListen", NULL, proc_events_listen, NULL, NULL, NULL, napi_enumerable, NULL},
      {"procEventsSetRcvBuf", NULL, proc_events_set_rcvbuf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"procEventsGetRcvBuf", NULL, proc_events_get_rcvbuf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"procEventsClose", NULL, proc_events_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions));
  return exports;
}
