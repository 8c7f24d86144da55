#!/bin/bash
# Records the rtnetlink route and rule requests keepalived 2.2.7 sends for each
# test/fixtures/routes/configs/*.conf: in a namespace with eth0 (10.99.71.1/24, fd99:71::1/64) and eth1 (its veth
# peer), keepalived runs under strace until MASTER, one second more, then SIGTERM. Each RTM_NEWROUTE,
# RTM_DELROUTE, RTM_NEWRULE and RTM_DELRULE it sent becomes one line of <name>.messages: the type, the nlmsg flags
# and the payload after the nlmsghdr in hex. The first line names the interface indexes. Root; needs keepalived
# and strace. Usage: tools/record-route-fixtures.sh [name...]   (default: every config)
set -euo pipefail
here=$(cd "$(dirname "$0")/../test/fixtures/routes" && pwd)
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$here"/configs/*.conf; do names+=("$(basename "$f" .conf)"); done
fi
ns=kats-routerec-$$
tmp=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  [ -z "$pid" ] || wait "$pid" 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

for name in "${names[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" link add eth0 type veth peer name eth1
  ip -n "$ns" addr add 10.99.71.1/24 dev eth0
  ip -n "$ns" addr add fd99:71::1/64 dev eth0 nodad
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set eth1 up
  ip netns exec "$ns" strace -f -qq -o "$tmp/trace" -e trace=sendmsg -e write=all \
    /usr/sbin/keepalived -n -l -D -P -f "$here/configs/$name.conf" -p "$tmp/ka.pid" -r "$tmp/vrrp.pid" -c "$tmp/check.pid" \
    >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q 'Entering MASTER' "$tmp/log" && break; sleep 0.2; done
  grep -q 'Entering MASTER' "$tmp/log" || { echo "$name: keepalived never became MASTER" >&2; cat "$tmp/log" >&2; exit 1; }
  sleep 1
  kill -TERM "$(cat "$tmp/ka.pid")"
  wait "$pid" || true
  pid=
  # a refused request changes what keepalived sends later: say so
  grep 'Netlink: error' "$tmp/log" | sed "s/^/$name: keepalived logged: /" >&2 || true
  {
    echo "# ifindex eth0=$(ip -n "$ns" -o link show eth0 | cut -d: -f1) eth1=$(ip -n "$ns" -o link show eth1 | cut -d: -f1 )"
    # a sendmsg line names the type and flags; its hex dump follows (offset, 16 bytes, text)
    awk '
      function flush() { if (type != "") print type, flags, substr(hex, 33); type = "" }
      / sendmsg\(/ {
        flush()
        if (match($0, /nlmsg_type=RTM_(NEW|DEL)(ROUTE|RULE)/)) {
          type = substr($0, RSTART + 11, RLENGTH - 11)
          match($0, /nlmsg_flags=[A-Z_|]+/); flags = substr($0, RSTART + 12, RLENGTH - 12)
          hex = ""
        }
        next
      }
      type != "" && /^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / { line = substr($0, 11, 49); gsub(/ /, "", line); hex = hex line }
      END { flush() }
    ' "$tmp/trace"
  } >"$here/$name.messages"
  ip netns delete "$ns"
  echo "$name: $(($(wc -l <"$here/$name.messages") - 1)) messages"
done
