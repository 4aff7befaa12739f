#!/bin/bash
# tools/build-musl.sh DIR [MESON_OPTION...]: a static roci linked with
# musl in the meson build directory DIR: jansson and libseccomp for musl
# are built once into DIR-deps, or MUSL_DEPS to share them between builds
# (tools/musl-deps.sh), then roci with
# musl-gcc (tests/lib/build.sh), through a meson native file that makes
# pkg-config see only DIR-deps.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
deps=${MUSL_DEPS:-$dir-deps}
tools/musl-deps.sh "$deps"
deps=$(cd "$deps" && pwd)
cat >"$deps/musl.ini" <<INI
[binaries]
c = 'musl-gcc'

[properties]
pkg_config_libdir = ['$deps/lib/pkgconfig']

[built-in options]
c_args = ['-I$deps/include']
INI
tests/lib/build.sh "$dir" --native-file "$deps/musl.ini" "$@"
