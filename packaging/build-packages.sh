#!/usr/bin/env bash
# npm run package: builds dist/packages/keepalived-ts_*.deb and keepalived-ts-*.rpm from this clone.
# The native modules (native/ and raw-socket) are those `npm ci` built: the packages are for the Node.js major
# (ABI) of the node running this script, which they depend on and record in /usr/lib/keepalived-ts/node-abi.
# For another Node.js line, run `npm ci && npm run package` under that node.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
node=${npm_node_execpath:-$(command -v node)}

for tool in dpkg-deb rpmbuild; do
  command -v "$tool" >/dev/null || { echo "build-packages: $tool not found (apt-get install -y dpkg rpm)" >&2; exit 1; }
done

version=$("$node" -p 'require("./package.json").version')
node_version=$("$node" --version)
node_abi=$("$node" -p process.versions.modules)
node_major=$("$node" -p 'process.versions.node.split(".")[0]')
node_next_major=$((node_major + 1))
release="1.node${node_major}"
deb_version="${version}-1+node${node_major}"

work=$(mktemp -d "${TMPDIR:-/tmp}/keepalived-ts-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 022

npm run --silent build
app="$work/app"
mkdir -p "$app/dist" "$app/bin" "$app/native/build/Release"
cp -a dist/src "$app/dist/"
cp -a bin/keepalived-ts "$app/bin/"
cp -a native/build/Release/*.node "$app/native/build/Release/"
cp -a package.json package-lock.json node_modules "$app/"
# production dependencies only; no install scripts run (the native modules are already built)
(cd "$app" && npm prune --omit=dev --ignore-scripts --offline --no-audit --no-fund --loglevel=error >/dev/null)
# no build leftovers, caches (.vite), or prebuilt addons for other architectures; no source maps of sources not shipped
rm -rf "$app"/node_modules/.[!.]* "$app"/node_modules/*/build/Release/{obj.target,.deps} "$app"/node_modules/*/build/{Makefile,config.gypi,*.mk}
find "$app/node_modules" -path '*/prebuilds/*' -prune -type d ! -name linux-x64 -exec rm -rf {} +
find "$app/dist" -name '*.map' -delete
# dependencies' own tests and examples are not needed to run them
find "$app/node_modules" -type d \( -name test -o -name tests -o -name __tests__ -o -name example -o -name examples \) \
  -prune -exec rm -rf {} +
# type declarations some dependencies list as dependencies (netlink: @types/node) are not needed to run
find "$app/node_modules" -type d -name @types -prune -exec rm -rf {} +
find "$app/node_modules" -type f \( -name '*.test-d.ts' -o -name '*.tst.ts' -o -name '*.test.js' \) -delete
# the packaged tree must load its native modules under this node, or the package would not run on its nodejs
(cd "$app" && "$node" -e 'require("raw-socket"); require("./native/build/Release/keepalived_native.node")') || {
  echo "build-packages: the native modules do not load under $node_version; run npm ci (or npm rebuild) under it first" >&2
  exit 1
}
echo "$node_abi" >"$app/node-abi"
echo "$node_version" >"$app/node-version"

# the tree both packages share; the unit's directory differs
tree="$work/tree"
install -D -m 0755 packaging/keepalived-ts.sh "$tree/usr/sbin/keepalived-ts"
mkdir -p "$tree/usr/lib"
cp -a "$app" "$tree/usr/lib/keepalived-ts"
doc="$tree/usr/share/doc/keepalived-ts"
install -D -m 0644 README.md "$doc/README.md"
install -D -m 0644 SECURITY.md "$doc/SECURITY.md"
install -D -m 0644 packaging/copyright "$doc/copyright"
install -D -m 0644 conf/keepalived.conf "$doc/samples/keepalived.conf"
install -D -m 0644 systemd/net-namespace.conf "$doc/samples/net-namespace.conf"
install -D -m 0644 packaging/keepalived-ts.8 "$tree/usr/share/man/man8/keepalived-ts.8"
gzip -9n "$tree/usr/share/man/man8/keepalived-ts.8"

fill() {
  sed -e "s|@VERSION@|$version|g" -e "s|@RELEASE@|$release|g" -e "s|@DEB_VERSION@|$deb_version|g" -e "s|@NODE_MAJOR@|$node_major|g" \
    -e "s|@NODE_NEXT_MAJOR@|$node_next_major|g" -e "s|@NODE_VERSION@|$node_version|g" -e "s|@NODE_ABI@|$node_abi|g" \
    -e "s|@STAGE@|${2:-}|g" -e "s|@INSTALLED_SIZE@|${3:-}|g" "$1"
}

out="$repo/dist/packages"
mkdir -p "$out"

# .deb: Debian 12's keepalived has its unit in /lib/systemd/system
deb="$work/deb"
cp -a "$tree" "$deb"
install -D -m 0644 systemd/keepalived-ts.service "$deb/lib/systemd/system/keepalived-ts.service"
install -D -m 0644 packaging/defaults.deb "$deb/usr/share/keepalived-ts/defaults"
mkdir -p "$deb/DEBIAN"
fill packaging/deb/control.in "" "$(du -sk --exclude=DEBIAN "$deb" | cut -f1)" >"$deb/DEBIAN/control"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$deb/DEBIAN/"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/keepalived-ts_${deb_version}_amd64.deb" >/dev/null

# .rpm: RHEL's unit path
rpmroot="$work/rpm-root"
cp -a "$tree" "$rpmroot"
install -D -m 0644 systemd/keepalived-ts.service "$rpmroot/usr/lib/systemd/system/keepalived-ts.service"
install -D -m 0600 packaging/defaults.rpm "$rpmroot/usr/share/keepalived-ts/defaults"
fill packaging/rpm/keepalived-ts.spec.in "$rpmroot" >"$work/keepalived-ts.spec"
rpmbuild -bb --quiet --target x86_64-linux --define "_topdir $work/rpmbuild" --define "_rpmdir $out" \
  --define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' "$work/keepalived-ts.spec"

ls -1 "$out"
