#!/bin/bash
# Build roci and run a real container from a busybox rootfs made on the spot.
set -euo pipefail
cd "$(dirname "$0")"
tests/lib/deps.sh @build @demo
tests/lib/build.sh build
. tests/lib/rootfs.sh
work=$(mktemp -d /tmp/roci-demo.XXXXXX)
chmod 755 "$work"
trap 'build/roci --root "$work/state" delete -f demo >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
make_busybox_rootfs "$work/bundle/rootfs"
build/roci spec -b "$work/bundle"
jq '.process.terminal = false
    | .hostname = "roci-demo"
    | .process.args = ["sh", "-c", "echo \"hostname: $(hostname)\"; ps"]' \
	"$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"
build/roci --version | head -1
build/roci --root "$work/state" run -b "$work/bundle" demo
