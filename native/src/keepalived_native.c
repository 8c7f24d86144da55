/*
 * keepalived_native: the few socket calls that Node and raw-socket cannot make.
 *
 *   sdNotify(path, message)            one datagram to $NOTIFY_SOCKET (path or "@abstract")
 *   packetOpen(ifindex) -> fd          AF_PACKET socket bound to one interface (send only)
 *   packetSend(fd, frame) -> bytes     a whole Ethernet frame (gratuitous ARP, unsolicited NA)
 *   ip6Open(ifindex, group) -> fd      raw IPv6 protocol 112 (VRRP) socket with ancillary data
 *   ip6Recv(fd) -> packet | null       recvmsg: data, source, destination, hop limit, ifindex
 *   ip6Send(fd, data, dest, source, hopLimit) -> bytes
 *   pollStart(fd, callback) -> handle  calls callback(err?) from the event loop when fd is readable; a socket's
 *                                      pending error (ENOBUFS) is passed on and the watch goes on
 *   pollStop(handle)
 *   signalStart(signum, callback) -> handle  calls callback() from the event loop on each signal, for the
 *                                      ones Node will not watch (real-time signals: keepalived's SIGJSON)
 *   signalStop(handle)
 *   sigrtmin() -> number               the C library's SIGRTMIN
 *   close(fd)
 *   cloexecFrom(lowest)                marks every descriptor from `lowest` up close-on-exec (raw-socket opens
 *                                      its sockets without it; scripts must inherit none of the daemon's)
 *   syslogSend(path, line)             one datagram to /dev/log (or a stand-in); throws if it is absent or full
 *   checkerSocketOpen, checkerErrQueue  the checker's sockets: see sockopt.c
 *   linkKind(name)                     a link's kind and macvlan/ipvlan mode: see link_kind.c
 *   mallocTrim()                       the C library's free memory back to the kernel: see malloc_trim.c
 *
 * Errors are thrown as JS Errors with `code` (e.g. "ENODEV"), `errno` and `syscall`, as Node does.
 * All socket I/O is non-blocking: the event loop carries VRRP timers and must never wait on the kernel.
 * No global state, so the addon is safe to load in worker threads.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <signal.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "napi_check.h"
#include "sockopt.h"
#include "link_kind.h"
#include "netns.h"

#define VRRP_PROTO 112
#define VRRP6_CHECKSUM_OFFSET 6 /* RFC 5798 §5.2.8: the kernel computes and verifies it with the pseudo-header */
#define RECV_BUFFER 8192        /* > the largest VRRP packet (255 IPv6 addresses: 4088 bytes) */

/* Called through syscall(): C libraries before glibc 2.34 have no close_range wrapper. */
#ifndef SYS_close_range
#define SYS_close_range 436 /* the same number on every architecture */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

napi_value throw_napi_failure(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  const char *msg = info && info->error_message ? info->error_message : "Node-API call failed";
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value errno_error(napi_env env, const char *syscall, int err, bool plain) {
  const char *code = strerrorname_np(err);
  if (!code) code = "UNKNOWN";
  char text[160];
  if (plain)
    snprintf(text, sizeof text, "%s", strerror(err));
  else
    snprintf(text, sizeof text, "%s %s: %s", syscall, code, strerror(err));
  napi_value js_code, js_text, error, js_errno, js_syscall;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &js_text);
  napi_create_error(env, js_code, js_text, &error);
  napi_create_int32(env, err, &js_errno);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall);
  napi_set_named_property(env, error, "errno", js_errno);
  napi_set_named_property(env, error, "syscall", js_syscall);
  return error;
}

napi_value throw_errno(napi_env env, const char *syscall, int err) {
  napi_throw(env, errno_error(env, syscall, err, false));
  return NULL;
}

napi_value throw_errno_plain(napi_env env, const char *syscall, int err) {
  napi_throw(env, errno_error(env, syscall, err, true));
  return NULL;
}

/* Copies a JS string into buf; throws unless it fits with its terminating NUL. */
static bool get_string(napi_env env, napi_value value, char *buf, size_t size, size_t *len) {
  size_t n;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &n) != napi_ok) {
    throw_napi_failure(env);
    return false;
  }
  if (n >= size) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "string argument too long");
    return false;
  }
  napi_get_value_string_utf8(env, value, buf, size, &n);
  if (len) *len = n;
  return true;
}

static bool get_in6(napi_env env, napi_value value, struct in6_addr *addr) {
  char text[INET6_ADDRSTRLEN];
  if (!get_string(env, value, text, sizeof text, NULL)) return false;
  if (inet_pton(AF_INET6, text, addr) != 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "not an IPv6 address (no %zone: the socket is bound to its interface)");
    return false;
  }
  return true;
}

static bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    throw_napi_failure(env);
    return false;
  }
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return false;
  }
  return true;
}

#define ARGS(n)          \
  napi_value argv[n];    \
  if (!get_args(env, info, n, argv)) return NULL

static napi_value int_value(napi_env env, int64_t n) {
  napi_value v;
  CHECK(napi_create_int64(env, n, &v));
  return v;
}

/* ---- unix datagrams: sd_notify and syslog ------------------------------------------------ */

/*
 * One datagram to the unix socket at path ("/file" or "@abstract"), never waiting: a full or absent
 * receiver is an error, not a blocked event loop. Returns 0 or an errno; *syscall names the failed call.
 */
static int send_unix_datagram(const char *path, size_t path_len, const void *data, size_t data_len, const char **syscall) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  socklen_t sa_len;
  *syscall = "sendto";
  if (path[0] == '@' && path_len > 1 && path_len <= sizeof sa.sun_path) {
    /* Abstract namespace: a leading NUL, and the length (not a terminator) ends the name. */
    memcpy(sa.sun_path + 1, path + 1, path_len - 1);
    sa_len = offsetof(struct sockaddr_un, sun_path) + path_len;
  } else if (path[0] == '/' && path_len < sizeof sa.sun_path) {
    memcpy(sa.sun_path, path, path_len + 1);
    sa_len = offsetof(struct sockaddr_un, sun_path) + path_len + 1;
  } else {
    return EAFNOSUPPORT; /* what libsystemd returns for such a $NOTIFY_SOCKET */
  }

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *syscall = "socket";
    return errno;
  }
  ssize_t sent = sendto(fd, data, data_len, MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa, sa_len);
  int err = sent < 0 ? errno : 0;
  close(fd);
  return err;
}

/* (path, buffer): throws the errno of a datagram that was not sent. */
static napi_value datagram_call(napi_env env, napi_callback_info info, const char *bad_path_syscall) {
  ARGS(2);
  char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
  size_t path_len;
  if (!get_string(env, argv[0], path, sizeof path, &path_len)) return NULL;
  void *data;
  size_t data_len;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &data_len));
  const char *syscall;
  int err = send_unix_datagram(path, path_len, data, data_len, &syscall);
  if (err == EAFNOSUPPORT) syscall = bad_path_syscall;
  if (err) return throw_errno(env, syscall, err);
  napi_value yes;
  CHECK(napi_get_boolean(env, true, &yes));
  return yes;
}

static napi_value sd_notify(napi_env env, napi_callback_info info) {
  return datagram_call(env, info, "sd_notify");
}

/* ---- AF_PACKET ---------------------------------------------------------------------------- */

static napi_value packet_open(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t ifindex;
  CHECK(napi_get_value_uint32(env, argv[0], &ifindex));
  /* Protocol 0: the socket receives nothing, so no frames queue up on a socket that only sends. */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)ifindex};
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  return int_value(env, fd);
}

static napi_value packet_send(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  void *frame;
  size_t len;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], &frame, &len));
  ssize_t sent = send(fd, frame, len, MSG_DONTWAIT);
  if (sent < 0) return throw_errno(env, "send", errno);
  return int_value(env, sent);
}

/* ---- raw IPv6 VRRP ------------------------------------------------------------------------ */

static napi_value ip6_open(napi_env env, napi_callback_info info) {
  ARGS(2);
  uint32_t ifindex;
  struct ipv6_mreq mreq;
  CHECK(napi_get_value_uint32(env, argv[0], &ifindex));
  if (!get_in6(env, argv[1], &mreq.ipv6mr_multiaddr)) return NULL;
  mreq.ipv6mr_interface = ifindex;

  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
  if (fd < 0) return throw_errno(env, "socket", errno);
  const int one = 1, zero = 0, hops = 255, csum = VRRP6_CHECKSUM_OFFSET, idx = (int)ifindex, tclass = 0xc0;
  const struct {
    int level, name;
    const void *value;
    socklen_t len;
  } opts[] = {
      /* Receive only what arrives on this interface, and send out of it. */
      {SOL_SOCKET, SO_BINDTOIFINDEX, &idx, sizeof idx},
      {IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx},
      {IPPROTO_IPV6, IPV6_CHECKSUM, &csum, sizeof csum},
      /* The hop limit and arrival interface come as ancillary data (RFC 5798 §7.1: drop unless 255). */
      {IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof one},
      {IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one},
      {IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops},
      {IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops},
      /* Internetwork control, as keepalived marks its adverts (IPv4's TOS 0xc0). */
      {IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof tclass},
      /* Our own adverts must not come back to us (keepalived does the same). */
      {IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof zero},
      {IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq},
  };
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    if (setsockopt(fd, opts[i].level, opts[i].name, opts[i].value, opts[i].len) < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "setsockopt", err);
    }
  }
  return int_value(env, fd);
}

static napi_value ip6_recv(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));

  unsigned char buf[RECV_BUFFER];
  union {
    struct cmsghdr align;
    char space[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } control;
  struct sockaddr_in6 from;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control.space, .msg_controllen = sizeof control.space};
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_value null;
      CHECK(napi_get_null(env, &null));
      return null;
    }
    return throw_errno(env, "recvmsg", errno);
  }

  int hop_limit = -1;
  struct in6_pktinfo pktinfo = {0};
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT) memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
    if (c->cmsg_type == IPV6_PKTINFO) memcpy(&pktinfo, CMSG_DATA(c), sizeof pktinfo);
  }

  char source[INET6_ADDRSTRLEN], destination[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &from.sin6_addr, source, sizeof source);
  inet_ntop(AF_INET6, &pktinfo.ipi6_addr, destination, sizeof destination);
  napi_value result, data, js_source, js_destination;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_buffer_copy(env, (size_t)n, buf, NULL, &data));
  CHECK(napi_create_string_utf8(env, source, NAPI_AUTO_LENGTH, &js_source));
  CHECK(napi_create_string_utf8(env, destination, NAPI_AUTO_LENGTH, &js_destination));
  CHECK(napi_set_named_property(env, result, "data", data));
  CHECK(napi_set_named_property(env, result, "source", js_source));
  CHECK(napi_set_named_property(env, result, "destination", js_destination));
  CHECK(napi_set_named_property(env, result, "hopLimit", int_value(env, hop_limit)));
  CHECK(napi_set_named_property(env, result, "ifindex", int_value(env, pktinfo.ipi6_ifindex)));
  return result;
}

/* source "" lets the kernel choose (the link-local address, which VRRPv3 wants). */
static napi_value ip6_send(napi_env env, napi_callback_info info) {
  ARGS(5);
  int32_t fd;
  uint32_t hop_limit;
  void *data;
  size_t len;
  char source[INET6_ADDRSTRLEN];
  size_t source_len;
  struct sockaddr_in6 to = {.sin6_family = AF_INET6};
  struct in6_pktinfo pktinfo = {0};
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  if (!get_in6(env, argv[2], &to.sin6_addr)) return NULL;
  if (!get_string(env, argv[3], source, sizeof source, &source_len)) return NULL;
  if (source_len > 0 && !get_in6(env, argv[3], &pktinfo.ipi6_addr)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[4], &hop_limit));
  if (hop_limit > 255) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "hop limit must be 0..255");
    return NULL;
  }

  /* Per-packet hop limit and source as ancillary data; the bound interface supplies the scope. */
  union {
    struct cmsghdr align;
    char space[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = data, .iov_len = len};
  struct msghdr msg = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control.space, .msg_controllen = sizeof control.space};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  int hops = (int)hop_limit;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_HOPLIMIT;
  c->cmsg_len = CMSG_LEN(sizeof hops);
  memcpy(CMSG_DATA(c), &hops, sizeof hops);
  c = CMSG_NXTHDR(&msg, c);
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof pktinfo);
  memcpy(CMSG_DATA(c), &pktinfo, sizeof pktinfo);

  ssize_t sent = sendmsg(fd, &msg, MSG_DONTWAIT);
  if (sent < 0) return throw_errno(env, "sendmsg", errno);
  return int_value(env, sent);
}

/* ---- readability and signal watches -------------------------------------------------------- */

/*
 * One watcher per pollStart or signalStart. Two owners share it: the uv handle (until its close
 * callback) and the JS external (until it is garbage collected); whichever lets go last frees it.
 */
typedef struct {
  union {
    uv_handle_t handle;
    uv_poll_t poll;
    uv_signal_t signal;
  } uv; /* first member: the uv callbacks get a pointer to it */
  bool is_signal;
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  bool stopped;
  int owners;
} watcher_t;

static void release(watcher_t *w) {
  if (--w->owners == 0) free(w);
}

static void on_uv_closed(uv_handle_t *handle) {
  watcher_t *w = (watcher_t *)handle;
  /* Node holds an ending environment (and this addon's code) until the hook is removed: only now. */
  if (w->cleanup) napi_remove_async_cleanup_hook(w->cleanup);
  release(w);
}

static void stop_watcher(watcher_t *w) {
  if (w->stopped) return;
  w->stopped = true;
  if (w->is_signal) uv_signal_stop(&w->uv.signal);
  else uv_poll_stop(&w->uv.poll);
  if (w->callback) napi_delete_reference(w->env, w->callback);
  if (w->async) napi_async_destroy(w->env, w->async);
  uv_close(&w->uv.handle, on_uv_closed);
}

/* The environment is ending (process exit, or a worker thread finishing) with the watch still on. */
static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  stop_watcher(arg);
}

static void on_external_finalized(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  release(data);
}

/* Calls the watcher's callback, with an error made of `status` when it is negative. */
static void call_watcher(watcher_t *w, int status) {
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, error = NULL, exception;
  size_t argc = 0;
  if (status < 0) {
    error = errno_error(env, "poll", -status, false); /* libuv status codes are negated errno values on Linux */
    argc = 1;
  }
  /* napi_make_callback (not napi_call_function) so that async hooks and the microtask queue run; its
   * receiver must be an object, so the global one. */
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok && napi_get_global(env, &recv) == napi_ok &&
      napi_make_callback(env, w->async, recv, callback, argc, &error, NULL) == napi_pending_exception &&
      napi_get_and_clear_last_exception(env, &exception) == napi_ok) {
    napi_fatal_exception(env, exception); /* no JS frame to throw into: report it as uncaught */
  }
  napi_close_handle_scope(env, scope);
}

/*
 * On POLLERR libuv stops the watch for good and says EBADF. A socket's pending error (a netlink socket's
 * overrun: ENOBUFS) is read and cleared here instead, the watch goes on, and the callback hears that errno.
 */
static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  if (status == UV_EBADF) {
    uv_os_fd_t fd;
    int err = 0;
    socklen_t len = sizeof err;
    if (uv_fileno((uv_handle_t *)handle, &fd) == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0 &&
        uv_poll_start(handle, UV_READABLE, on_readable) == 0)
      status = -err;
  }
  call_watcher((watcher_t *)handle, status);
}

static void on_signal(uv_signal_t *handle, int signum) {
  (void)signum;
  call_watcher((watcher_t *)handle, 0);
}

/*
 * Ties an initialised libuv handle to its JS callback and returns the external that owns it
 * (the second owner); on failure the handle is stopped and NULL returned with an exception pending.
 */
static napi_value bind_watcher(napi_env env, watcher_t *w, napi_value callback, napi_value name) {
  napi_value handle;
  if (napi_create_reference(env, callback, 1, &w->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &w->async) != napi_ok ||
      napi_add_async_cleanup_hook(env, on_env_cleanup, w, &w->cleanup) != napi_ok ||
      napi_create_external(env, w, on_external_finalized, NULL, &handle) != napi_ok) {
    throw_napi_failure(env);
    stop_watcher(w);
    return NULL;
  }
  w->owners = 2;
  return handle;
}

static napi_value poll_start(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  napi_valuetype type;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_typeof(env, argv[1], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "keepalived_native.poll", NAPI_AUTO_LENGTH, &name));

  watcher_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "calloc", ENOMEM);
  w->env = env;
  w->owners = 1;
  int rc = uv_poll_init(loop, &w->uv.poll, fd);
  if (rc < 0) {
    free(w);
    return throw_errno(env, "uv_poll_init", -rc);
  }
  napi_value handle = bind_watcher(env, w, argv[1], name);
  if (!handle) return NULL;
  rc = uv_poll_start(&w->uv.poll, UV_READABLE, on_readable);
  if (rc < 0) {
    stop_watcher(w);
    return throw_errno(env, "uv_poll_start", -rc);
  }
  return handle;
}

/* Idempotent; the callback is not called after this returns. */
static napi_value poll_stop(napi_env env, napi_callback_info info) {
  ARGS(1);
  watcher_t *w;
  CHECK(napi_get_value_external(env, argv[0], (void **)&w));
  stop_watcher(w);
  return NULL;
}

/*
 * libuv, unlike Node's process.on, watches any signal number; the handle is unreferenced, so a
 * watch alone does not keep the process running (as Node's own signal watches).
 */
static napi_value signal_start(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t signum;
  napi_valuetype type;
  CHECK(napi_get_value_int32(env, argv[0], &signum));
  CHECK(napi_typeof(env, argv[1], &type));
  if (type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "callback must be a function");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  napi_value name;
  CHECK(napi_create_string_utf8(env, "keepalived_native.signal", NAPI_AUTO_LENGTH, &name));

  watcher_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "calloc", ENOMEM);
  w->env = env;
  w->owners = 1;
  w->is_signal = true;
  int rc = uv_signal_init(loop, &w->uv.signal);
  if (rc < 0) {
    free(w);
    return throw_errno(env, "uv_signal_init", -rc);
  }
  uv_unref(&w->uv.handle);
  napi_value handle = bind_watcher(env, w, argv[1], name);
  if (!handle) return NULL;
  rc = uv_signal_start(&w->uv.signal, on_signal, signum);
  if (rc < 0) {
    stop_watcher(w);
    return throw_errno(env, "uv_signal_start", -rc);
  }
  return handle;
}

/* SIGRTMIN is a function call in glibc (it reserves some real-time signals for itself). */
static napi_value sig_rtmin(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, SIGRTMIN);
}

static napi_value close_fd(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* ---- close-on-exec ------------------------------------------------------------------------ */

static int set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return -1;
  return (flags & FD_CLOEXEC) ? 0 : fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

/* Each descriptor /proc/self/fd lists, for kernels without close_range's CLOEXEC flag.
 * Returns NULL, or the call that failed with errno set. */
static const char *cloexec_listed(unsigned int lowest) {
  DIR *dir = opendir("/proc/self/fd"); /* glibc opens it O_CLOEXEC */
  if (!dir) return "opendir";
  int listing = dirfd(dir), err = 0;
  const char *failed = NULL;
  for (;;) {
    errno = 0;
    struct dirent *entry = readdir(dir);
    if (!entry) {
      if (errno) failed = "readdir", err = errno;
      break;
    }
    char *end;
    unsigned long fd = strtoul(entry->d_name, &end, 10);
    if (end == entry->d_name || *end || fd < lowest || fd == (unsigned long)listing) continue;
    /* EBADF: closed since it was listed (another thread), nothing left to mark */
    if (set_cloexec((int)fd) < 0 && errno != EBADF) {
      failed = "fcntl", err = errno;
      break;
    }
  }
  closedir(dir);
  errno = err;
  return failed;
}

static napi_value cloexec_from(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t lowest;
  CHECK(napi_get_value_uint32(env, argv[0], &lowest));
  if (syscall(SYS_close_range, lowest, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return NULL;
  /* ENOSYS before Linux 5.9, EINVAL for the flag before 5.11, EPERM from seccomp filters that predate it */
  if (errno != ENOSYS && errno != EINVAL && errno != EPERM) return throw_errno(env, "close_range", errno);
  const char *failed = cloexec_listed(lowest);
  return failed ? throw_errno(env, failed, errno) : NULL;
}

/* mkfifo(path, mode): notify FIFOs keepalived creates when missing; Node has no mkfifo. */
static napi_value make_fifo(napi_env env, napi_callback_info info) {
  ARGS(2);
  char path[4096];
  uint32_t mode;
  if (!get_string(env, argv[0], path, sizeof path, NULL)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[1], &mode));
  if (mkfifo(path, (mode_t)mode) < 0) return throw_errno(env, "mkfifo", errno);
  return NULL;
}

/* syslogSend(path, line): one syslog datagram to /dev/log (or a stand-in), as syslog(3) sends it. */
static napi_value syslog_send(napi_env env, napi_callback_info info) {
  return datagram_call(env, info, "syslog");
}

napi_value process_sched_define(napi_env env, napi_value exports); /* process_sched.c */
napi_value proc_events_define(napi_env env, napi_value exports);   /* proc_events.c */
napi_value rtnl_monitor_define(napi_env env, napi_value exports);  /* rtnl_monitor.c */
napi_value malloc_trim_define(napi_env env, napi_value exports);   /* malloc_trim.c */

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor functions[] = {
      {"sdNotify", NULL, sd_notify, NULL, NULL, NULL, napi_enumerable, NULL},
      {"packetOpen", NULL, packet_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"packetSend", NULL, packet_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ip6Open", NULL, ip6_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ip6Recv", NULL, ip6_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ip6Send", NULL, ip6_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStart", NULL, poll_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStop", NULL, poll_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"signalStart", NULL, signal_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"signalStop", NULL, poll_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sigrtmin", NULL, sig_rtmin, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mkfifo", NULL, make_fifo, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cloexecFrom", NULL, cloexec_from, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syslogSend", NULL, syslog_send, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions));
  sockopt_exports(env, exports);
  process_sched_define(env, exports);
  CHECK(netns_register(env, exports));
  CHECK(link_kind_register(env, exports));
  proc_events_define(env, exports);
  rtnl_monitor_define(env, exports);
  malloc_trim_define(env, exports);
  return exports;
}
