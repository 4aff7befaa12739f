#!/bin/bash
# tests/callers/cri/client.sh: make sure the Python client of the CRI API
# (the kubelet's gRPC API, runtime.v1) is in the cache, and print the
# directory that holds it (cri_api_pb2.py, cri_api_pb2_grpc.py).
#
# The API definition comes from Debian's containerd source package (the
# version installed here if the archive still has it, else the archive's
# own), fetched with a private apt configuration (nothing under /etc or
# /var/lib/apt is touched), and compiled with python3-grpc-tools. Neither
# the .proto nor the generated code is part of the repository.
#   ROCI_CRI_CACHE  the cache (default /var/cache/roci-cri)
# In the test VM (ROCI_VM_LAYOUT set, no network) nothing is fetched: the
# host run must have filled the cache.
set -euo pipefail
CACHE=${ROCI_CRI_CACHE:-/var/cache/roci-cri}
PY=/usr/bin/python3
PROTO=$CACHE/cri_api.proto
OUT=$CACHE/py

ready() { [ -s "$OUT/cri_api_pb2.py" ] && [ -s "$OUT/cri_api_pb2_grpc.py" ]; }
if ready; then
	echo "$OUT"
	exit 0
fi
if [ ! -s "$PROTO" ] && [ -n "${ROCI_VM_LAYOUT:-}" ]; then
	echo "cri client: $PROTO is missing and the VM has no network; run tests/callers/cri.bats on the host first" >&2
	exit 1
fi
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -s "$PROTO" ]; then
	"$(dirname "$0")/../../lib/deps.sh" dpkg-dev xz-utils python3-grpc-tools
	. "$(dirname "$0")/../../lib/debsrc.sh"
	debsrc_fetch "$work" containerd
	orig=$(ls "$work/src"/containerd_*.orig.tar.* | head -n 1)
	member=$(tar -tf "$orig" | grep '/vendor/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto$' || true)
	[ -n "$member" ] || {
		echo "cri client: $orig has no vendor/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto" >&2
		exit 1
	}
	tar -xf "$orig" -C "$work" "$member"
	# the gogoproto import and options only steer Go's code generator
	sed -e '/gogoproto/d' "$work/$member" >"$work/cri_api.proto"
	basename "$orig" >"$work/cri_api.proto.source"
	mv "$work/cri_api.proto.source" "$PROTO.source"
	mv "$work/cri_api.proto" "$PROTO"
fi

"$(dirname "$0")/../../lib/deps.sh" python3-grpc-tools
mkdir -p "$work/py"
cp "$PROTO" "$work/py/cri_api.proto"
(cd "$work/py" && "$PY" -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. cri_api.proto)
rm -f "$work/py/cri_api.proto"
# a concurrent run may have made it meanwhile: either copy will do
rm -rf "$OUT.old"
[ ! -e "$OUT" ] || mv "$OUT" "$OUT.old"
mv "$work/py" "$OUT"
rm -rf "$OUT.old"
ready
echo "$OUT"
