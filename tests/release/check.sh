#!/bin/bash
# tests/release/check.sh: tools/release.sh, and what it made, as TAP: the
# checksums, each binary's architecture, linking and profile (the aarch64
# ones through qemu-user), and that the source tarball, unpacked on its
# own, configures, builds and runs.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/roci-release.XXXXXX)
trap 'rm -rf "$out"' EXIT
. tests/lib/tap.sh
check() { tap_check release "$@"; }
check "tools/release.sh makes the tarball and four binaries" tools/release.sh "$out/rel"
v=$(sed -n "s/^  version : '\(.*\)',$/\1/p" meson.build)
check "SHA256SUMS covers the five artifacts and matches them" \
	bash -c "cd '$out/rel' && [ \$(wc -l <SHA256SUMS) -eq 5 ] && sha256sum -c SHA256SUMS"
for a in x86_64 aarch64; do
	for p in full minimal; do
		b=$out/rel/roci-$v-$a-$p
		run=$b
		[ "$a" = x86_64 ] || run="qemu-aarch64-static $b"
		arch='x86-64'
		[ "$a" = x86_64 ] || arch='ARM aarch64'
		check "roci-$v-$a-$p: static $a, stripped, profile $p" bash -c \
			"file '$b' | grep -q '$arch.*statically linked.*stripped' && $run --version | grep -qx 'profile: $p'"
	done
done
mkdir "$out/src"
check "the source tarball builds on its own, offline, and runs" bash -c "
	tar -C '$out/src' -xJf '$out/rel/roci-$v.tar.xz' && cd '$out/src/roci-$v' &&
	[ ! -e .git ] && meson setup b && meson compile -C b && b/roci --version | grep -qx 'roci version $v'"
tap_end
