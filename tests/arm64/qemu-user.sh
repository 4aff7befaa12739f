#!/bin/bash
# tests/arm64/qemu-user.sh BUILD: what can be checked of an arm64 build
# (tools/build-arm64.sh) on this x86_64 machine, through qemu-user, as TAP:
# the binary is aarch64 and static; the unit tests of pure logic pass; roci
# answers --version, spec and features, and its seccomp knows the arm64
# architectures. Not here: the unit tests that load seccomp filters or exec
# missing programs (qemu-user emulates neither as an arm64 kernel would:
# unit-security, unit-hooks), and anything that makes a container; those
# need an arm64 kernel.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=$1
Q=qemu-aarch64-static
. tests/lib/tap.sh
check() { tap_check arm64 "$@"; }
check "the binary is static aarch64" bash -c "file '$B/roci' | grep -q 'ARM aarch64.*statically linked'"
for u in cgroups config ids mountopts signals state systemd timefmt; do
	t=$B/tests/unit/unit-$u
	check "unit-$u passes under qemu-user" bash -c "out=\$($Q '$t' 2>&1) && grep -q '^ok' <<<\"\$out\" && ! grep -q '^not ok' <<<\"\$out\""
done
check "--version names the build" bash -c "$Q '$B/roci' --version | grep -q '^roci version '"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check "spec writes a config that jq reads" bash -c "$Q '$B/roci' spec -b '$tmp' && jq -e '.process.args' '$tmp/config.json'"
check "features: seccomp with SCMP_ARCH_AARCH64 and SCMP_ARCH_ARM" bash -c \
	"$Q '$B/roci' features | jq -e '.linux.seccomp.enabled and ([\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\"] - .linux.seccomp.archs | length == 0)'"
tap_end
