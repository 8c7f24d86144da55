/*
 * linkKind: what keepalived's vrrp_parser.c looks at when a configuration names a VMAC or an ipvlan
 * that already exists (use_vmac / use_ipvlan if_name: "already exists and is not a private macvlan"):
 * the link's kind and its macvlan or ipvlan mode, from one rtnetlink RTM_GETLINK by name. The config
 * reader is synchronous, so this is too; it never waits: rtnetlink answers within the sendmsg.
 *
 *   linkKind(name) -> { kind, mode } | null
 *       null: no link of that name (ENODEV). kind: IFLA_INFO_KIND ("macvlan", "ipvlan", "veth", …) or
 *       null for a link without one (a physical NIC, lo); mode: IFLA_MACVLAN_MODE of a macvlan,
 *       IFLA_IPVLAN_MODE of an ipvlan, else null. Other failures throw as Node's errors do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

#include "napi_check.h"

#include "link_kind.h"

#define REPLY_SIZE 32768

struct link_type {
  char kind[32];
  int64_t mode; /* -1: none */
};

/* IFLA_INFO_DATA of a macvlan or ipvlan: their mode attributes have the same number (1). */
static void read_info_data(const struct rtattr *data, int len, const char *kind, struct link_type *out) {
  for (const struct rtattr *a = data; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (!strcmp(kind, "macvlan") && a->rta_type == IFLA_MACVLAN_MODE && RTA_PAYLOAD(a) >= sizeof(uint32_t))
      out->mode = *(const uint32_t *)RTA_DATA(a);
    else if (!strcmp(kind, "ipvlan") && a->rta_type == IFLA_IPVLAN_MODE && RTA_PAYLOAD(a) >= sizeof(uint16_t))
      out->mode = *(const uint16_t *)RTA_DATA(a);
  }
}

static void read_link_info(const struct rtattr *info, int len, struct link_type *out) {
  const struct rtattr *data = NULL;
  int data_len = 0;
  for (const struct rtattr *a = info; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFLA_INFO_KIND) {
      size_t n = RTA_PAYLOAD(a) < sizeof out->kind - 1 ? RTA_PAYLOAD(a) : sizeof out->kind - 1;
      memcpy(out->kind, RTA_DATA(a), n);
      out->kind[n] = '\0';
    } else if (a->rta_type == IFLA_INFO_DATA) {
      data = RTA_DATA(a);
      data_len = (int)RTA_PAYLOAD(a);
    }
  }
  if (data && out->kind[0]) read_info_data(data, data_len, out->kind, out);
}

/* The RTM_NEWLINK answer (or the error) into *out. */
static int read_reply(const struct nlmsghdr *nh, struct link_type *out) {
  if (nh->nlmsg_type == NLMSG_ERROR) {
    if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) return EPROTO;
    int code = -((const struct nlmsgerr *)NLMSG_DATA(nh))->error;
    return code > 0 ? code : EPROTO;
  }
  if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return EPROTO;
  out->kind[0] = '\0';
  out->mode = -1;
  int len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct ifinfomsg)));
  for (const struct rtattr *a = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFLA_LINKINFO) read_link_info(RTA_DATA(a), (int)RTA_PAYLOAD(a), out);
  }
  return 0;
}

/* 0 with *out filled, ENODEV for no such link, else the errno of what failed (EPROTO: a reply it cannot read). */
static int query(const char *name, struct link_type *out) {
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
    char attrs[RTA_SPACE(IFNAMSIZ)];
  } req;
  memset(&req, 0, sizeof req);
  size_t name_len = strlen(name) + 1;
  struct rtattr *rta = (struct rtattr *)req.attrs;
  rta->rta_type = IFLA_IFNAME;
  rta->rta_len = (unsigned short)RTA_LENGTH(name_len);
  memcpy(RTA_DATA(rta), name, name_len);
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifi) + RTA_ALIGN(rta->rta_len);
  req.nh.nlmsg_type = RTM_GETLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.nh.nlmsg_seq = 1;
  req.ifi.ifi_family = AF_UNSPEC;

  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return errno;
  char *reply = malloc(REPLY_SIZE); /* no static buffer: the addon may be loaded in worker threads */
  int err = 0;
  ssize_t n;
  if (!reply) err = ENOMEM;
  else if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) err = errno;
  else if ((n = recv(fd, reply, REPLY_SIZE, MSG_TRUNC)) < 0) err = errno;
  else if ((size_t)n > REPLY_SIZE || !NLMSG_OK((struct nlmsghdr *)reply, (size_t)n)) err = EPROTO;
  close(fd);
  if (!err) err = read_reply((const struct nlmsghdr *)reply, out);
  free(reply);
  return err;
}

static napi_value link_kind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, kind, mode;
  char name[IFNAMSIZ];
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "linkKind takes an interface name");
    return NULL;
  }
  if (len == 0 || len >= IFNAMSIZ) {
    napi_get_null(env, &result);
    return result; /* no link can have that name */
  }
  napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len);
  struct link_type type;
  int err = query(name, &type);
  if (err == ENODEV) {
    napi_get_null(env, &result);
    return result;
  }
  if (err) return throw_errno(env, "RTM_GETLINK", err);
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  if (type.kind[0]) napi_create_string_utf8(env, type.kind, NAPI_AUTO_LENGTH, &kind);
  else napi_get_null(env, &kind);
  if (type.mode >= 0) napi_create_int64(env, type.mode, &mode);
  else napi_get_null(env, &mode);
  napi_set_named_property(env, result, "kind", kind);
  napi_set_named_property(env, result, "mode", mode);
  return result;
}

napi_status link_kind_register(napi_env env, napi_value exports) {
  napi_value fn;
  napi_status status = napi_create_function(env, "linkKind", NAPI_AUTO_LENGTH, link_kind, NULL, &fn);
  return status == napi_ok ? napi_set_named_property(env, exports, "linkKind", fn) : status;
}
