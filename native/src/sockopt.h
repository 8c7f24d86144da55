/* sockopt.c: the checker's socket options Node cannot set; its functions join the addon's exports. */
#ifndef KEEPALIVED_TS_SOCKOPT_H
#define KEEPALIVED_TS_SOCKOPT_H
#include <node_api.h>

/* IFNAMSIZ (16) and room for a longer name to be refused by the kernel rather than cut here. */
#define IF_NAMESIZE_MAX 64

napi_value sockopt_exports(napi_env env, napi_value exports);
#endif
