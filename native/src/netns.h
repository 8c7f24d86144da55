/* netns.c's functions, added to the addon's exports by keepalived_native.c */
#ifndef KEEPALIVED_TS_NETNS_H
#define KEEPALIVED_TS_NETNS_H

#include <node_api.h>

napi_status netns_register(napi_env env, napi_value exports);

#endif
