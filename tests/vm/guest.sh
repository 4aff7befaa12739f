#!/bin/bash
# Runs inside the VM as roci-vm.service (see tests/vm/init): the command that
# boot.sh wrote to /run/roci-vm/cmd, from the repository root, with a clean
# environment. Its stdout, stderr and exit status go to the results share
# (/run/roci-vm = a host directory); systemd powers off when this exits.
set -euo pipefail
R=/run/roci-vm
REPO=$(cd "$(dirname "$0")/../.." && pwd)
layout=$(sed -n 's/.*roci\.layout=\([^ ]*\).*/\1/p' /proc/cmdline)
# guest uptime when the command starts (the host takes this file's mtime too)
cut -d' ' -f1 /proc/uptime >"$R/started"

# the cgroup layout must be the one asked for (systemd chose it at boot)
mi=/proc/self/mountinfo
v2=$(awk '$0 ~ / - cgroup2 / {print $5}' $mi)
v1=$(awk '$0 ~ / - cgroup / {print $NF}' $mi | tr , '\n' | sort -u)
has_v1() { local c; for c; do grep -qx "$c" <<<"$v1" || return 1; done; }
has_v2() { local c; for c; do grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || return 1; done; }
case $layout in
v2) [ "$v2" = /sys/fs/cgroup ] && [ -z "$v1" ] && has_v2 cpu cpuset memory io pids hugetlb ;;
v1) [ -z "$v2" ] && has_v1 name=systemd cpu cpuacct cpuset memory devices freezer blkio pids \
	hugetlb net_cls net_prio perf_event ;;
hybrid) [ "$v2" = /sys/fs/cgroup/unified ] && has_v1 name=systemd memory pids ;;
esac || {
	{ echo "roci-vm: the cgroup layout is not $layout:"; grep cgroup $mi; } >"$R/err"
	echo 125 >"$R/rc"
	exit 0
}

# A command that prints nothing for a while (boot.sh's ROCI_VM_HANG_DUMP,
# passed as roci.hangdump= on the kernel command line; default 300 s) gets
# a report on stderr, which the host prints as it comes: every process and
# what it waits on, and the kernel stacks, cgroups and fds of roci's. A
# test that stays stuck is then stopped by bats (BATS_TEST_TIMEOUT, set by
# tests/vm/run.sh), and the VM by boot.sh (ROCI_VM_IDLE) as the last resort.
hang_dump() {
	local p
	echo "roci-vm: no output for ${1}s; the processes, and where roci's wait:"
	ps --ppid 2 -p 2 --deselect -o pid,ppid,stat,wchan:24,etimes,args
	for p in $(pgrep -x roci; ps -eo pid=,stat= | awk '$2 ~ /^D/ {print $1}'); do
		echo "--- $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
		cat /proc/$p/stack /proc/$p/cgroup 2>/dev/null
		ls -l /proc/$p/fd 2>/dev/null | awk 'NR > 1 {print $9, $10, $11}'
	done
}
watch_output() {
	local after=$1 size=-1 since=$SECONDS dumped= now
	while sleep 10; do
		now=$(stat -c %s "$R/out" 2>/dev/null || echo 0)
		if [ "$now" != "$size" ]; then
			size=$now since=$SECONDS dumped=
		elif [ -z "$dumped" ] && ((SECONDS - since >= after)); then
			hang_dump $((SECONDS - since)) >>"$R/err" 2>&1
			dumped=1
		fi
	done
}
after=$(sed -n 's/.*roci\.hangdump=\([0-9]*\).*/\1/p' /proc/cmdline)
watch_output "${after:-300}" &
watcher=$!

rc=0
cd "$REPO"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 \
	ROCI="$REPO/build/roci" ROCI_VM_LAYOUT="$layout" \
	bash "$R/cmd" >"$R/out" 2>"$R/err" </dev/null || rc=$?
kill $watcher 2>/dev/null || true
echo "$rc" >"$R/rc"
