#!/bin/bash
# tests/vm/boot.sh LAYOUT [--timeout SECS] -- CMD [ARGS...]
#
# Boots Debian's own kernel under qemu (TCG, no KVM) with systemd as PID 1
# and the cgroup layout LAYOUT (v1, v2 or hybrid), runs CMD as root inside
# (cwd: this repository; env: PATH, HOME=/root, ROCI=REPO/build/roci,
# ROCI_VM_LAYOUT=LAYOUT), prints its stdout and stderr, and exits with its
# status (124: timed out; 75: the guest kernel hung in a soft lockup). The
# VM's root is the host's / (read-only 9p) under a tmpfs overlay, so
# everything installed on the host is there at the same paths.
# Only /var/cache/roci-vm stays behind (the kernel; runs are removed).
set -euo pipefail
usage() { echo "usage: $0 v1|v2|hybrid [--timeout SECS] -- CMD [ARGS...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
LAYOUT=$1; shift
TIMEOUT=1800
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) TIMEOUT=$2; shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -ge 1 ] || usage
case $LAYOUT in
v2) CGFLAGS="systemd.unified_cgroup_hierarchy=1" ;;
v1) CGFLAGS="systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" ;;
hybrid) CGFLAGS="systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=0" ;;
*) usage ;;
esac
[ "$(id -u)" = 0 ] || { echo "roci-vm: must run as root" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
[[ $REPO != *[[:space:]]* ]] || { echo "roci-vm: repository path has spaces" >&2; exit 2; }
"$REPO/tests/lib/deps.sh" qemu-system-x86 kmod busybox-static dbus systemd

# The kernel: the package linux-image-amd64 depends on, extracted (never
# installed) into the cache, with depmod run over its modules. One lock
# around this for parallel runs.
CACHE=/var/cache/roci-vm
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'; }
PKG=$(kpkg)
if [ -z "$PKG" ]; then apt-get update -qq >/dev/null; PKG=$(kpkg); fi
[ -n "$PKG" ] || { echo "roci-vm: no linux-image-amd64 in apt" >&2; exit 2; }
K=$CACHE/$PKG
if [ ! -e "$K/ok" ]; then
	echo "roci-vm: fetching $PKG" >&2
	rm -rf "$CACHE"/linux-image-* "$CACHE/dl"
	mkdir -p "$CACHE/dl"
	(cd "$CACHE/dl" && { apt-get download -qq "$PKG" 2>/dev/null ||
		{ apt-get update -qq >/dev/null && apt-get download -qq "$PKG"; }; })
	dpkg-deb -x "$CACHE"/dl/*.deb "$K.tmp"
	rm -rf "$CACHE/dl"
	depmod -b "$K.tmp" "$(ls "$K.tmp/lib/modules")"
	touch "$K.tmp/ok"
	mv "$K.tmp" "$K"
fi
flock -u 9
KVER=$(ls "$K/lib/modules")

RUN=$(mktemp -d "$CACHE/run.XXXXXX")
QPID=
cleanup() {
	[ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
	[ -n "${ROCI_VM_KEEP:-}" ] || rm -rf "$RUN"   # ROCI_VM_KEEP=1: keep it to debug
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The initramfs: busybox, tests/vm/init, and the modules needed to mount the
# root (virtio_pci, 9p, overlay and their dependencies, in load order), and
# virtio_blk for a spare empty disk (/dev/vda: tests of blkio/io throttling
# need a block device; without udev nothing would load the module).
S=$RUN/initramfs
mkdir -p "$S/bin" "$S/dev" "$S/modules"
cp /bin/busybox "$S/bin/busybox"
cp "$REPO/tests/vm/init" "$S/init"
chmod 755 "$S/init"
mknod -m 600 "$S/dev/console" c 5 1
modprobe -d "$K" -S "$KVER" -a --show-depends virtio_pci 9pnet_virtio 9p overlay virtio_blk |
	awk '$1 == "insmod" && !seen[$2]++ {print $2}' | while read -r m; do
	cp "$m" "$S/modules/"
	basename "$m" >>"$S/modules.list"
done
(cd "$S" && find . | busybox cpio -o -H newc 2>/dev/null) >"$RUN/initrd"

# The results share (/run/roci-vm in the VM): the command, its output, its
# status. Pre-created so that tail can follow them from the start.
R=$RUN/share
mkdir "$R"
{ printf 'exec'; printf ' %q' "$@"; echo; } >"$R/cmd"
: >"$R/out"
: >"$R/err"

APPEND="console=ttyS0 panic=-1 mitigations=off init_on_alloc=0 quiet loglevel=4 systemd.show_status=error"
APPEND+=" systemd.unit=roci-vm.target $CGFLAGS"
APPEND+=" roci.hangdump=${ROCI_VM_HANG_DUMP:-300}"
APPEND+=" roci.layout=$LAYOUT roci.repo=$REPO roci.modules=$K/lib/modules/$KVER ${ROCI_VM_APPEND:-}"
truncate -s 64M "$RUN/disk.img"
t0=$(date +%s.%N)
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -nodefaults -no-user-config \
	-machine pc -accel tcg,thread=multi -cpu "${ROCI_VM_CPU:-max}" -smp "${ROCI_VM_SMP:-2}" -m 2G ${ROCI_VM_QEMU:-} \
	-display none -monitor none -serial "file:$RUN/console.log" -no-reboot \
	-kernel "$K/boot/vmlinuz-$KVER" -initrd "$RUN/initrd" \
	-append "$APPEND" \
	-drive "file=$RUN/disk.img,if=virtio,format=raw,cache=unsafe" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap \
	-virtfs "local,path=$R,mount_tag=results,security_model=passthrough" \
	>"$RUN/qemu.log" 2>&1 &
QPID=$!
# A guest kernel stuck for two minutes (TCG on a loaded host can starve
# it into a soft lockup) will not come back: stop it, exit 75. A command
# that prints nothing for IDLE seconds (ROCI_VM_IDLE, default 900: no test
# takes that long, however slow the machine) is hung: stop it, exit 124,
# and say so; the overall TIMEOUT is only the last resort.
IDLE=${ROCI_VM_IDLE:-900}
(
	size=0 since=$SECONDS
	while kill -0 $QPID 2>/dev/null; do
		if grep -qE 'soft lockup - CPU#[0-9]+ stuck for (1[2-9][0-9]|[2-9][0-9]{2}|[0-9]{4,})s' "$RUN/console.log" 2>/dev/null; then
			touch "$RUN/lockup"
			kill $QPID
			break
		fi
		now=$(stat -c %s "$R/out" 2>/dev/null || echo 0)
		if [ "$now" != "$size" ]; then
			size=$now since=$SECONDS
		elif [ -e "$R/started" ] && ((SECONDS - since > IDLE)); then
			touch "$RUN/idle"
			kill $QPID
			break
		fi
		sleep 5
	done
) &
wd=$!
tail -n +1 -f --pid=$QPID "$R/out" &
t1=$!
tail -n +1 -f --pid=$QPID "$R/err" >&2 &
t2=$!
qrc=0
wait $QPID || qrc=$?
QPID=
kill $wd 2>/dev/null || true
wait $t1 $t2 || true
t3=$(date +%s.%N)

if [ ! -s "$R/rc" ]; then
	rc=125
	last=$(grep -E '^(not )?ok ' "$R/out" 2>/dev/null | tail -n 1)
	if [ -e "$RUN/lockup" ]; then
		echo "roci-vm: $LAYOUT: the guest kernel hung (soft lockup), stopped" >&2
		rc=75
	elif [ -e "$RUN/idle" ]; then
		echo "roci-vm: $LAYOUT: hung: no output for ${IDLE}s, stopped; the last test that ended: ${last:-none}" >&2
		rc=124
	elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "roci-vm: $LAYOUT: still going after ${TIMEOUT}s (a slow machine: output came within the last ${IDLE}s), stopped; the last test that ended: ${last:-none}" >&2
		rc=124
	else
		echo "roci-vm: $LAYOUT: the VM stopped without a result (qemu exit $qrc)" >&2
	fi
	for f in "$RUN/qemu.log" "$RUN/console.log" "$R/guest.log"; do
		[ -s "$f" ] && { echo "--- ${f##*/}" >&2; tail -n 40 "$f" >&2; }
	done
	exit $rc
fi
rc=$(cat "$R/rc")
ts=$(stat -c %.3Y "$R/started") te=$(stat -c %.3Y "$R/rc")
awk -v l="$LAYOUT" -v a="$t0" -v s="$ts" -v e="$te" -v z="$t3" -v u="$(cat "$R/started")" -v rc="$rc" 'BEGIN {
	printf "roci-vm: %s: boot %.1fs (guest uptime %ss), command %.1fs, total %.1fs, exit %s\n",
		l, s - a, u, e - s, z - a, rc }' >&2
exit "$rc"
