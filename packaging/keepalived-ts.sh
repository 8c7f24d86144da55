#!/bin/sh
# /usr/sbin/keepalived-ts: runs the application as the systemd unit does (/usr/bin/node by absolute path, no PATH
# lookup for a root daemon), after checking that this node can load the native modules the package was built for.
app="$(dirname "$0")/../lib/keepalived-ts"
node=/usr/bin/node
built=$(cat "$app/node-abi") || exit 1
running=$("$node" -p process.versions.modules) || exit 1
if [ "$running" != "$built" ]; then
  echo "keepalived-ts: this package was built for Node.js ABI $built ($(cat "$app/node-version")), but $node is" \
    "$("$node" --version) (ABI $running): install the nodejs the package depends on, or a keepalived-ts package" \
    "built with this node (npm run package under it)" >&2
  exit 1
fi
exec "$node" "$app/bin/keepalived-ts" "$@"
