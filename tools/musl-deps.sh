#!/bin/bash
# tools/musl-deps.sh PREFIX: build jansson and libseccomp as static
# libraries against musl (Debian's musl-tools), from Debian's own source
# packages of the versions this machine has installed, into PREFIX
# (lib/*.a, lib/pkgconfig, include). PREFIX/include also gets the kernel's
# headers (linux, asm, asm-generic), which musl-gcc does not search. The
# sources come from the machine's Debian archive through a private apt
# list (a deb-src line for that archive): nothing in /etc/apt changes.
# A PREFIX that is complete is left as it is.
#
# Then: PKG_CONFIG_LIBDIR=PREFIX/lib/pkgconfig CC=musl-gcc \
#       meson setup DIR -Dc_args=-IPREFIX/include
# (tools/build-musl.sh does both.)
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 PREFIX" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
pc=$prefix/lib/pkgconfig
if [ -s "$pc/jansson.pc" ] && [ -s "$pc/libseccomp.pc" ] && [ -s "$prefix/lib/libjansson.a" ] &&
	[ -s "$prefix/lib/libseccomp.a" ]; then
	exit 0
fi
"$here/tests/lib/deps.sh" musl-tools dpkg-dev xz-utils cmake make gperf linux-libc-dev libjansson-dev libseccomp-dev

work=$(mktemp -d /tmp/roci-musl-deps.XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/build.log
quiet() { "$@" >>"$log" 2>&1 || { echo "musl-deps: $* failed:" >&2; tail -n 40 "$log" >&2; return 1; }; }

. "$here/tests/lib/debsrc.sh"
# the .dsc files were checked by apt against the signed Sources index
unpack() { (cd "$work/src" && dpkg-source --no-check -x "$(ls "${1}_"*.dsc | head -n 1)" "$1") >>"$log" 2>&1; }
debsrc_fetch "$work" jansson libjansson-dev && unpack jansson
debsrc_fetch "$work" libseccomp libseccomp-dev && unpack libseccomp

mkdir -p "$prefix/include"
ln -sfn /usr/include/linux "$prefix/include/linux"
ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$prefix/include/asm"
ln -sfn /usr/include/asm-generic "$prefix/include/asm-generic"
cflags="-O2 -fPIE -I$prefix/include"

mkdir -p "$work/build-jansson"
(cd "$work/build-jansson" &&
	quiet cmake "$work/src/jansson" -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_C_FLAGS="$cflags" -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
		-DJANSSON_BUILD_DOCS=OFF -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON \
		-DJANSSON_BUILD_SHARED_LIBS=OFF &&
	quiet make -j"$(nproc)" && quiet make install)

(cd "$work/src/libseccomp" &&
	quiet env CC=musl-gcc CFLAGS="$cflags" ./configure --prefix="$prefix" --libdir="$prefix/lib" \
		--enable-static --disable-shared --disable-python &&
	quiet make -j"$(nproc)" -C src && quiet make -C src install &&
	quiet make -C include install && quiet make install-pkgconfDATA)
echo "musl-deps: jansson and libseccomp for musl are in $prefix" >&2
