/* link_kind.c's function, added to the addon's exports by keepalived_native.c, and what it uses of that file. */
#ifndef KEEPALIVED_TS_LINK_KIND_H
#define KEEPALIVED_TS_LINK_KIND_H

#include <node_api.h>

napi_status link_kind_register(napi_env env, napi_value exports);

/* keepalived_native.c: throws an Error with `code`, `errno` and `syscall`, as Node's; returns NULL. */
napi_value throw_errno(napi_env env, const char *syscall, int err);

#endif
