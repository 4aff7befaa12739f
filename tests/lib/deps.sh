#!/bin/bash
# tests/lib/deps.sh PACKAGE|@SET...: install the Debian packages given (and
# those of each named set), only those that are missing, without their
# recommended packages: so every package a command needs is named here or
# by its caller, and a minimal Debian root (debootstrap --variant=minbase,
# tested by tests/callers/newcomer.bats) gets all of them.
#   @build  building roci: the compiler with the C library's headers and
#           crt files (libc6-dev is only a recommendation of gcc),
#           scdoc for the manual pages, and lld for meson's link_order
#   @demo   ./demo.sh, besides @build
#   @test   tests/run.sh, besides @build (tests/vm/boot.sh and
#           tests/callers/lib.bash install what they add)
set -euo pipefail
BUILD=(meson ninja-build pkg-config gcc libc6-dev linux-libc-dev libjansson-dev libseccomp-dev libsystemd-dev scdoc lld)
DEMO=(busybox-static jq)
# procps: `roci ps` runs ps, the tests pgrep and pkill
TEST=(busybox-static jq bats file time procps iproute2 util-linux bsdutils mount gzip tar tmux podman conmon strace python3 passwd uidmap)
pkgs=()
for p in "$@"; do
	case $p in
	@build) pkgs+=("${BUILD[@]}") ;;
	@demo) pkgs+=("${DEMO[@]}") ;;
	@test) pkgs+=("${TEST[@]}") ;;
	@*) echo "deps.sh: no package set $p" >&2; exit 2 ;;
	*) pkgs+=("$p") ;;
	esac
done
# one deps.sh at a time (the VM runs boot in parallel, and each installs
# what it needs): the second waits, then finds the packages there; apt
# run by anyone else is waited for too (DPkg::Lock::Timeout)
lock=/run/lock/roci-deps.lock
if mkdir -p /run/lock 2>/dev/null && : 2>/dev/null >>"$lock"; then
	exec 8>>"$lock"
	flock 8
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
