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

rc=0
cd "$REPO"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 \
	ROCI="$REPO/build/roci" ROCI_VM_LAYOUT="$layout" \
	bash "$R/cmd" >"$R/out" 2>"$R/err" </dev/null || rc=$?
echo "$rc" >"$R/rc"
