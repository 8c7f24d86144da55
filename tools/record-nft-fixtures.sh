#!/bin/bash
# Records the nftables ruleset keepalived 2.2.7 installs for each test/fixtures/nft/configs/*.conf
# (peer.conf aside): in namespace A (eth0 10.99.0.1, fd99::1), `nft list ruleset` and `nft -j list ruleset`
# one second after start (BACKUP), once MASTER, once a peer (peer.conf, priority 200, namespace B on the
# other end of the veth) has made it BACKUP, and after SIGTERM. Root; needs keepalived and nft.
# Usage: tools/record-nft-fixtures.sh [name...]   (default: every config)
set -euo pipefail
here=$(cd "$(dirname "$0")/../test/fixtures/nft" && pwd)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(default options ifindex)
a=kats-nftrec-a-$$ b=kats-nftrec-b-$$
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  ip netns delete "$a" 2>/dev/null || true
  ip netns delete "$b" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ka() { # ns name conf -> pid of keepalived (vrrp only, own pid files, console log)
  ip netns exec "$1" /usr/sbin/keepalived -n -l -D -P -f "$3" -p "$tmp/$2.pid" -r "$tmp/$2-vrrp.pid" -c "$tmp/$2-check.pid" \
    >"$tmp/$2.log" 2>&1 &
  echo $!
}
snap() { # name state
  ip netns exec "$a" nft list ruleset >"$here/$1/$2.nft"
  ip netns exec "$a" nft -j list ruleset | python3 -m json.tool >"$here/$1/$2.json"
}
wait_log() { # log pattern count: until that many lines match (bounded: 20 s)
  for _ in $(seq 100); do [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0; sleep 0.2; done
  echo "timed out waiting for $3 x '$2' in $1" >&2; return 1
}

for name in "${names[@]}"; do
  ip netns add "$a"; ip netns add "$b"
  ip -n "$a" link add eth0 type veth peer name eth0 netns "$b"
  ip -n "$a" addr add 10.99.0.1/24 dev eth0; ip -n "$a" addr add fd99::1/64 dev eth0 nodad
  ip -n "$b" addr add 10.99.0.2/24 dev eth0; ip -n "$b" addr add fd99::2/64 dev eth0 nodad
  for n in "$a" "$b"; do ip -n "$n" link set lo up; ip -n "$n" link set eth0 up; done
  mkdir -p "$here/$name"
  n=$(grep -c '^vrrp_instance' "$here/configs/$name.conf")
  pa=$(ka "$a" ours "$here/configs/$name.conf"); pids+=("$pa")
  sleep 1; snap "$name" start
  wait_log "$tmp/ours.log" 'Entering MASTER STATE$' "$n"; sleep 1; snap "$name" master
  pb=$(ka "$b" peer "$here/configs/peer.conf"); pids+=("$pb")
  wait_log "$tmp/ours.log" 'Entering BACKUP STATE$' "$n"; sleep 1; snap "$name" backup
  kill "$pa"; while kill -0 "$pa" 2>/dev/null; do sleep 0.2; done
  snap "$name" stop
  kill "$pb"; while kill -0 "$pb" 2>/dev/null; do sleep 0.2; done
  # the log without the run's paths: <fixtures> for test/fixtures/nft, <tmp> for the pid files' folder
  sed -e "s|$here|<fixtures>|g; s|$tmp|<tmp>|g" "$tmp/ours.log" >"$here/$name/keepalived.log"
  pids=()
  ip netns delete "$a"; ip netns delete "$b"
  rm -f "$tmp"/*
done
