/* link_kind.c's function, added to the addon's exports by keepalived_native.c */
#ifndef KEEPALIVED_TS_LINK_KIND_H
#define KEEPALIVED_TS_LINK_KIND_H

#include <node_api.h>

napi_status link_kind_register(napi_env env, napi_value exports);

#endif
