/*
 * malloc_trim: hands the C library's free heap memory back to the kernel.
 *
 *   mallocTrim() -> boolean   malloc_trim(0): true when some memory was returned
 *
 * glibc keeps what a thread freed in that thread's arena and returns it only from the arena's top: V8's helper
 * threads (compilers, concurrent marking) and libuv's pool fragment their arenas, and a Node process's resident
 * memory then climbs by a few MiB an hour with nothing leaked. malloc_trim(0) walks every arena and releases the
 * free pages inside them too. Other C libraries (musl) return memory on their own and have no such call: false.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <node_api.h>

#include "napi_check.h"

static napi_value malloc_trim_call(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef __GLIBC__
  bool released = malloc_trim(0) == 1;
#else
  bool released = false;
#endif
  napi_value result;
  CHECK(napi_get_boolean(env, released, &result));
  return result;
}

napi_value malloc_trim_define(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"mallocTrim", NULL, malloc_trim_call, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions) != napi_ok) return NULL;
  return exports;
}
