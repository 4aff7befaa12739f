#!/bin/bash
# tools/release.sh OUT: the release artifacts, in OUT:
#   roci-VERSION.tar.xz   the source (meson dist of the committed tree), which
#                         builds offline with Debian's packages alone
#   roci-VERSION-ARCH-PROFILE   four static binaries, stripped: x86_64 with
#                         musl and aarch64 with glibc (Debian has no musl
#                         toolchain for aarch64), each in the full and the
#                         minimal profile (the latter built for size)
#   SHA256SUMS            of all of them
# The builds are build-musl, build-musl-min, build-arm64 and
# build-arm64-min, brought up to date where they exist (CI's are).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
min=(-Dprofile=minimal -Doptimization=s -Db_lto=true)
tools/build-musl.sh build-musl
MUSL_DEPS=build-musl-deps tools/build-musl.sh build-musl-min "${min[@]}"
tools/build-arm64.sh build-arm64
tools/build-arm64.sh build-arm64-min "${min[@]}"
version=$(sed -n "s/^  version : '\(.*\)',$/\1/p" meson.build)
[ -n "$version" ] || { echo "release: no version in meson.build" >&2; exit 1; }
strip -o "$out/roci-$version-x86_64-full" build-musl/roci
strip -o "$out/roci-$version-x86_64-minimal" build-musl-min/roci
aarch64-linux-gnu-strip -o "$out/roci-$version-aarch64-full" build-arm64/roci
aarch64-linux-gnu-strip -o "$out/roci-$version-aarch64-minimal" build-arm64-min/roci
# the source, from a configured build of the host (any will do)
[ -f build/build.ninja ] || tests/lib/build.sh build
meson dist -C build --no-tests --formats xztar --allow-dirty >/dev/null
cp "build/meson-dist/roci-$version.tar.xz" "$out/"
(cd "$out" && sha256sum "roci-$version.tar.xz" "roci-$version"-*-* >SHA256SUMS)
ls -l "$out"
