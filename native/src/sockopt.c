/*
 * The checker's sockets as keepalived sets them up (core/layer4.c socket_bind_connect and
 * udp_bind_connect): the options Node cannot set, then the bind; Node adopts the descriptor
 * (net.Socket({fd}), dgram bind({fd})) and connects it.
 *
 *   checkerSocketOpen(inet6, stream, fwmark, bindIf, recvErr, bindAddr, bindPort)
 *       -> { fd, softErrno } | { errno, code, call }
 *       a TCP (stream) or UDP socket, non-blocking and close-on-exec. recvErr asks for ICMP errors
 *       (IP_RECVERR / IPV6_RECVERR), whose failure keepalived only logs: softErrno holds it.
 *       fwmark 0 and bindIf "" set nothing, bindAddr "" does not bind. A failed call closes the socket and names itself in `call` (socket, SO_MARK,
 *       SO_BINDTODEVICE, bind).
 *   checkerErrQueue(fd) -> { origin, type, code, errno } | null
 *       the next entry of the socket's error queue (recvmsg MSG_ERRQUEUE), null when it is empty
 *       or the call fails (keepalived's udp_socket_error counts both as no ICMP error).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#include "napi_check.h"
#include "sockopt.h"

static napi_value set_int(napi_env env, napi_value object, const char *name, int64_t value) {
  napi_value v;
  CHECK(napi_create_int64(env, value, &v));
  CHECK(napi_set_named_property(env, object, name, v));
  return object;
}

static napi_value failure(napi_env env, const char *call, int err) {
  napi_value result, js_call, js_code;
  const char *code = strerrorname_np(err);
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &js_call));
  CHECK(napi_create_string_utf8(env, code ? code : "UNKNOWN", NAPI_AUTO_LENGTH, &js_code));
  CHECK(napi_set_named_property(env, result, "call", js_call));
  CHECK(napi_set_named_property(env, result, "code", js_code));
  return set_int(env, result, "errno", err);
}

/* An address text and port as a sockaddr of the socket's family; false when the text is not one. */
static bool to_sockaddr(bool inet6, const char *text, uint32_t port, struct sockaddr_storage *sa, socklen_t *len) {
  memset(sa, 0, sizeof *sa);
  if (inet6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    *len = sizeof *s6;
    return inet_pton(AF_INET6, text, &s6->sin6_addr) == 1;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
  s4->sin_family = AF_INET;
  s4->sin_port = htons((uint16_t)port);
  *len = sizeof *s4;
  return inet_pton(AF_INET, text, &s4->sin_addr) == 1;
}

static napi_value socket_open(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "checkerSocketOpen takes 7 arguments");
    return NULL;
  }
  bool inet6, stream, recv_err;
  uint32_t fwmark, bind_port;
  char bind_if[IF_NAMESIZE_MAX], bind_addr[INET6_ADDRSTRLEN];
  size_t n;
  CHECK(napi_get_value_bool(env, argv[0], &inet6));
  CHECK(napi_get_value_bool(env, argv[1], &stream));
  CHECK(napi_get_value_uint32(env, argv[2], &fwmark));
  CHECK(napi_get_value_string_utf8(env, argv[3], bind_if, sizeof bind_if, &n));
  CHECK(napi_get_value_bool(env, argv[4], &recv_err));
  CHECK(napi_get_value_string_utf8(env, argv[5], bind_addr, sizeof bind_addr, &n));
  CHECK(napi_get_value_uint32(env, argv[6], &bind_port));

  struct sockaddr_storage sa;
  socklen_t sa_len = 0;
  if (bind_addr[0] && !to_sockaddr(inet6, bind_addr, bind_port, &sa, &sa_len)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "bindAddr is not an address of the socket's family");
    return NULL;
  }

  int fd = socket(inet6 ? AF_INET6 : AF_INET, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  stream ? IPPROTO_TCP : IPPROTO_UDP);
  if (fd < 0) return failure(env, "socket", errno);
  /*
   * No SO_LINGER, which keepalived sets to 5 s on TCP sockets: on Linux it only makes close() wait
   * for the FIN to be acknowledged (the event loop with it: some 50 ms a socket when a server does
   * not read), and nothing different reaches the wire.
   */
  int soft_errno = 0;
  const int on = 1;
  if (recv_err &&
      setsockopt(fd, inet6 ? SOL_IPV6 : SOL_IP, inet6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof on) < 0)
    soft_errno = errno;
  const char *failed = NULL;
  if (fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof fwmark) < 0) failed = "SO_MARK";
  else if (bind_if[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_if, (socklen_t)strlen(bind_if) + 1) < 0)
    failed = "SO_BINDTODEVICE";
  else if (sa_len && bind(fd, (struct sockaddr *)&sa, sa_len) < 0) failed = "bind";
  if (failed) {
    int err = errno;
    close(fd);
    return failure(env, failed, err);
  }
  napi_value result;
  CHECK(napi_create_object(env, &result));
  if (!set_int(env, result, "fd", fd)) {
    close(fd);
    return NULL;
  }
  return set_int(env, result, "softErrno", soft_errno);
}

static napi_value err_queue(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));

  char data[64];
  union {
    struct cmsghdr align;
    char space[512];
  } control;
  struct sockaddr_storage offender;
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  struct msghdr msg = {.msg_name = &offender, .msg_namelen = sizeof offender, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control.space, .msg_controllen = sizeof control.space};
  napi_value result;
  if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
          (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
      continue;
    struct sock_extended_err ee;
    memcpy(&ee, CMSG_DATA(c), sizeof ee);
    CHECK(napi_create_object(env, &result));
    if (!set_int(env, result, "origin", ee.ee_origin) || !set_int(env, result, "type", ee.ee_type) ||
        !set_int(env, result, "code", ee.ee_code) || !set_int(env, result, "errno", ee.ee_errno))
      return NULL;
    return result;
  }
  CHECK(napi_get_null(env, &result));
  return result;
}

napi_value sockopt_exports(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"checkerSocketOpen", NULL, socket_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"checkerErrQueue", NULL, err_queue, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions));
  return exports;
}
