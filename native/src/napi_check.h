/* What every file of the addon shares to turn a failure into a JS throw (defined in keepalived_native.c). */
#ifndef KEEPALIVED_TS_NAPI_CHECK_H
#define KEEPALIVED_TS_NAPI_CHECK_H

#include <node_api.h>

/* A failed napi_* call either left an exception pending or only set an error status: make it a throw. */
napi_value throw_napi_failure(napi_env env);

/* Throws an Error with code (EPERM…), errno (positive) and syscall; message "syscall CODE: strerror". */
napi_value throw_errno(napi_env env, const char *syscall, int err);

/* The same with strerror's text alone as the message (what keepalived's %m prints). */
napi_value throw_errno_plain(napi_env env, const char *syscall, int err);

/* In a function returning napi_value: a failed napi_* call returns NULL with the exception thrown. */
#define CHECK(call)                                          \
  do {                                                       \
    if ((call) != napi_ok) return throw_napi_failure(env);   \
  } while (0)

#endif
