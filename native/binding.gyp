{
  "targets": [
    {
      "target_name": "keepalived_native",
      "sources": ["src/keepalived_native.c", "src/sockopt.c", "src/process_sched.c", "src/netns.c", "src/proc_events.c", "src/link_kind.c", "src/rtnl_monitor.c", "src/malloc_trim.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"]
    },
    {
      "target_name": "madvise_locked",
      "sources": ["src/madvise_locked.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"]
    }
  ]
}
