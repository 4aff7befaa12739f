#!/bin/bash
# tools/busybox-rootfs.sh DIR: a minimal root filesystem in DIR from
# Debian's busybox-static (the binary, one symlink per applet, /etc/passwd
# and /etc/group), for trying roci and its callers without a registry.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 || {
	echo "$0: needs /bin/busybox (apt-get install busybox-static)" >&2
	exit 1
}
. "$(dirname "$0")/../tests/lib/rootfs.sh"
make_busybox_rootfs "$1"
