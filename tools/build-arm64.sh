#!/bin/bash
# tools/build-arm64.sh DIR [MESON_OPTION...]: roci for arm64 (aarch64),
# cross-built in the meson build directory DIR with Debian's
# gcc-aarch64-linux-gnu, static with glibc, against Debian's arm64 jansson
# and libseccomp (the arm64 architecture is added to dpkg for them: Debian
# has no musl toolchain for aarch64). qemu-aarch64-static (qemu-user-static)
# is meson's exe_wrapper, so the unit tests run on this machine.
# tools/build-arm64.sh --deps installs what it needs, and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 DIR [MESON_OPTION...] | --deps" >&2; exit 2; }
dir=$1
shift
dpkg --print-foreign-architectures | grep -qx arm64 || {
	dpkg --add-architecture arm64
	apt-get update -qq >/dev/null
}
tests/lib/deps.sh meson ninja-build pkg-config gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
	libjansson-dev:arm64 libseccomp-dev:arm64 qemu-user-static file
[ "$dir" != --deps ] || exit 0
# meson's cross file, beside DIR
ini=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir").cross.ini
cat >"$ini" <<INI
[binaries]
c = 'aarch64-linux-gnu-gcc'
ar = 'aarch64-linux-gnu-ar'
strip = 'aarch64-linux-gnu-strip'
pkgconfig = 'pkg-config'
exe_wrapper = 'qemu-aarch64-static'

[properties]
pkg_config_libdir = ['/usr/lib/aarch64-linux-gnu/pkgconfig', '/usr/share/pkgconfig']

[host_machine]
system = 'linux'
cpu_family = 'aarch64'
cpu = 'aarch64'
endian = 'little'
INI
tests/lib/build.sh "$dir" --cross-file "$ini" "$@"
