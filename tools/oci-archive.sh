#!/bin/bash
# tools/oci-archive.sh DIR NAME OUT.tar [CMD...]: an OCI image archive (an
# image layout in a tar: `ctr images import`, `podman load`) with the tree
# DIR as its one layer, named NAME (e.g. docker.io/library/busybox:latest),
# with CMD as its default command. No registry needed.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 DIR NAME OUT.tar [CMD...]" >&2; exit 2; }
dir=$1 name=$2 out=$3
shift 3
lay=$(mktemp -d)
trap 'rm -rf "$lay"' EXIT
mkdir -p "$lay/blobs/sha256"

# blob FILE: move FILE into the layout under its digest; prints the digest
blob() {
	local d
	d=$(sha256sum <"$1" | cut -d' ' -f1)
	mv "$1" "$lay/blobs/sha256/$d"
	echo "$d"
}
size() { stat -c %s "$lay/blobs/sha256/$1"; }

tar -C "$dir" --numeric-owner -c . | gzip -n >"$lay/layer"
diffid=$(gzip -dc "$lay/layer" | sha256sum | cut -d' ' -f1)
layer=$(blob "$lay/layer")
jq -cn --arg d "sha256:$diffid" '{architecture: "amd64", os: "linux",
	config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		Cmd: (if $ARGS.positional == [] then null else $ARGS.positional end)},
	rootfs: {type: "layers", diff_ids: [$d]}}' --args "$@" >"$lay/config"
config=$(blob "$lay/config")
jq -cn --arg c "sha256:$config" --argjson cs "$(size "$config")" \
	--arg l "sha256:$layer" --argjson ls "$(size "$layer")" \
	'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
	layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >"$lay/manifest"
manifest=$(blob "$lay/manifest")
jq -cn --arg m "sha256:$manifest" --argjson ms "$(size "$manifest")" --arg n "$name" \
	'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
	digest: $m, size: $ms, platform: {architecture: "amd64", os: "linux"},
	annotations: {"io.containerd.image.name": $n,
		"org.opencontainers.image.ref.name": ($n | sub(".*:"; ""))}}]}' >"$lay/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' >"$lay/oci-layout"
tar -C "$lay" -cf "$out" oci-layout index.json blobs
