#!/usr/bin/env bats
# Cgroups on the host's own layout (hybrid on the reference machine; the
# checks read v1 or v2 file names, whichever holds the controller), plus a
# pure cgroup v2 mount and a host without cgroups, both in a private mount
# namespace. tests/vm/cgroup-layouts.sh covers pure v1 and v2 with every
# controller.
load helpers

setup() {
	common_setup
	CID=cg$BATS_TEST_NUMBER-$$
}
teardown() {
	common_teardown
	rmdir /sys/fs/cgroup/*/roci-test-parent-$$ /sys/fs/cgroup/roci-test-parent-$$ 2>/dev/null || true
}

# cgdir ID CONTROLLER: the container's directory holding CONTROLLER (a v1
# hierarchy, or the v2 directory when cgroup2 owns it).
cgdir() {
	local st=$STATE/$1/state.json d
	d=$(jq -r --arg c "$2" '.cgroup.dirs[] | select(.v2 | not) |
		select(.controllers | split(",") | index($c)) | .path' "$st" | head -1)
	if [ -n "$d" ]; then echo "$d"; return 0; fi
	for d in $(jq -r '.cgroup.dirs[] | select(.v2) | .path' "$st"); do
		if grep -qw "$2" "$d/cgroup.controllers"; then echo "$d"; return 0; fi
	done
	echo "no $2 controller for $1" >&2
	return 1
}

# v2dir ID: the container's cgroup v2 directory.
v2dir() {
	jq -r '.cgroup.dirs[] | select(.v2) | .path' "$STATE/$1/state.json"
}

is_v2() { [ -e "$1/cgroup.controllers" ]; }
# pure_v2: cgroup2 is the only hierarchy
pure_v2() { is_v2 /sys/fs/cgroup; }
pure_v1() { ! grep -q " - cgroup2 " /proc/self/mountinfo; }

# all_dirs ID: every directory create made for the container
all_dirs() {
	jq -r '.cgroup.dirs[].path' "$STATE/$1/state.json"
}

sleeper() {
	set_args sleep 1000
}

@test "the init is in the container's cgroup in every hierarchy, and delete removes them" {
	sleeper
	roci create -b "$BUNDLE" "$CID"
	local pid n=0 d
	pid=$(roci state "$CID" | jq .pid)
	mapfile -t dirs < <(all_dirs "$CID")
	[ "${#dirs[@]}" -ge 1 ]
	for d in "${dirs[@]}"; do
		grep -qx "$pid" "$d/cgroup.procs"
		n=$((n + 1))
	done
	# hybrid: v1 controllers and the cgroup2 mount, as runc does
	if grep -q " - cgroup " /proc/self/mountinfo && grep -q " - cgroup2 " /proc/self/mountinfo; then
		[ "$(jq -r .cgroup.mode "$STATE/$CID/state.json")" = hybrid ]
		[ -n "$(v2dir "$CID")" ]
		grep -q "^0::/.*$CID\$" "/proc/$pid/cgroup"
	fi
	roci delete -f "$CID"
	for d in "${dirs[@]}"; do [ ! -e "$d" ]; done
	echo "$n hierarchies"
}

@test "exec: the new process joins the container's cgroup in every hierarchy" {
	sleeper
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$CID" sleep 100
	local pid d n=0
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	for d in $(all_dirs "$CID"); do
		grep -qx "$pid" "$d/cgroup.procs"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

@test "no process is moved by its pid: run and exec are born in v2, and join each v1 hierarchy themselves" {
	# Moving a pid (cgroup.procs) takes the kernel's global threadgroup
	# lock, which waits out an RCU grace period (~8 ms); a thread writing
	# "0" to a v1 `tasks` file moves itself without it.
	local t=$BATS_TEST_TMPDIR/trace v1 n
	strace -f -y -e trace=write -o "$t" "$ROCI" --root "$STATE" run -b "$BUNDLE" "$CID" </dev/null
	! grep -E 'cgroup\.procs>, "[0-9]+"' "$t" || false
	n=$(grep -cE '/tasks>, "0", 1\) = 1' "$t" || true)
	v1=$(grep -c " - cgroup " /proc/self/mountinfo || true)
	echo "run: $n self-joins, $v1 v1 hierarchies"
	if [ "$v1" -gt 0 ]; then [ "$n" -ge 1 ]; else [ "$n" -eq 0 ]; fi

	sleeper
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	strace -f -y -e trace=write -o "$t" "$ROCI" --root "$STATE" exec "$CID" true
	! grep -E 'cgroup\.procs>, "[0-9]+"' "$t" || false
	n=$(grep -cE '/tasks>, "0", 1\) = 1' "$t" || true)
	v1=$(jq '[.cgroup.dirs[] | select(.v2 | not)] | length' "$STATE/$CID/state.json")
	echo "exec: $n self-joins, $v1 v1 directories"
	[ "$n" -eq "$v1" ]
	roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$CID" sleep 100
	for d in $(all_dirs "$CID"); do grep -qx "$(cat "$BATS_TEST_TMPDIR/pid")" "$d/cgroup.procs"; done
}

@test "cgroupsPath: absolute from each root, relative below our own cgroup, parents roci made go too" {
	sleeper
	# where the pids controller lives, and our own cgroup there (on v2
	# its parent: ours holds processes, so it cannot enable controllers)
	local base own d
	if pure_v2; then
		base=/sys/fs/cgroup
		own=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
		own=${own%/*}
	else
		base=/sys/fs/cgroup/pids
		own=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ {print $3}' /proc/self/cgroup)
	fi
	mkdir -p "$base/roci-test-parent-$$"
	update_config '.linux.cgroupsPath = "/roci-test-parent-'$$'/abs"'
	roci create -b "$BUNDLE" "$CID"
	d=$(cgdir "$CID" pids)
	[ "$d" = "$base/roci-test-parent-$$/abs" ]
	roci delete -f "$CID"
	[ ! -e "$d" ]
	# the parent existed before: it stays; elsewhere roci made it: it goes
	[ -d "$base/roci-test-parent-$$" ]
	pure_v2 || [ ! -e /sys/fs/cgroup/memory/roci-test-parent-$$ ]
	rmdir "$base/roci-test-parent-$$"

	update_config '.linux.cgroupsPath = "rel/a"'
	roci create -b "$BUNDLE" "$CID"
	[ "$(cgdir "$CID" pids)" = "$base${own%/}/rel/a" ]
	roci delete -f "$CID"
	[ ! -e "$base${own%/}/rel" ]

	update_config '.linux.cgroupsPath = "/a/../b"'
	rrun roci create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'".." is not allowed'* ]]
	[ "$(state_dirs)" -eq 0 ]
}

# nested ID: in every hierarchy of the running container ID, a child and a
# grandchild and another child, as a workload makes them, and a process of
# the container (`sleep 999`, pid $NESTED) moved into the grandchild; the
# container's directories in ${dirs[@]}
nested() {
	local d sub f
	mapfile -t dirs < <(jq -r '.cgroup.dirs[].path' "$STATE/$1/state.json")
	for d in "${dirs[@]}"; do
		mkdir -p "$d/child/grand" "$d/other"
		# a v1 cpuset takes tasks only once it has cpus and mems
		for sub in child child/grand other; do
			for f in cpuset.cpus cpuset.mems; do
				[ ! -e "$d/$sub/$f" ] || [ -n "$(cat "$d/$sub/$f")" ] || cat "$d/$f" >"$d/$sub/$f"
			done
		done
	done
	roci exec -d "$1" sleep 999
	NESTED=$(pgrep -f "^sleep 999$")
	for d in "${dirs[@]}"; do
		echo "$NESTED" >"$d/child/grand/cgroup.procs"
	done
}

# tree_gone DIR...: none of the directories is left
tree_gone() {
	local d
	for d in "$@"; do
		[ ! -e "$d" ] || { echo "left: $d"; ls -R "$d"; return 1; }
	done
}

@test "sub-cgroups: ps and kill -a see their processes; delete -f kills them and removes the tree, deepest first" {
	sleeper
	roci run -d -b "$BUNDLE" "$CID"
	local d dirs=() v1dir="" pid
	nested "$CID"
	pid=$NESTED
	# and a host process in one v1 hierarchy's grandchild only
	roci ps -f json "$CID" | jq -e --argjson p "$pid" 'index($p) != null'
	if ! pure_v2; then
		v1dir=$(cgdir "$CID" memory)
		sh -c "echo \$\$ >$v1dir/other/cgroup.procs; exec sleep 998" &
		wait_until 5 pgrep -f "^sleep 998$"
	fi
	roci delete -f "$CID"
	pid_gone "$pid"
	! pgrep -f "^sleep 99[89]$" || false
	tree_gone "${dirs[@]}"
	[ "$(state_dirs)" -eq 0 ]
}

@test "a paused container with sub-cgroups: update applies, kill --all KILL ends every process, delete removes the tree" {
	sleeper
	roci run -d -b "$BUNDLE" "$CID"
	local d dirs=() init
	init=$(roci state "$CID" | jq .pid)
	nested "$CID"
	roci pause "$CID"
	[ "$(container_status "$CID")" = paused ]
	# update on the paused container lands, and it stays paused
	roci update --pids-limit 77 --memory 300000000 "$CID"
	[ "$(cat "$(cgdir "$CID" pids)/pids.max")" = 77 ]
	if pure_v2; then
		[ "$(cat "$(cgdir "$CID" memory)/memory.max")" = 299999232 ] ||
			[ "$(cat "$(cgdir "$CID" memory)/memory.max")" = 300000000 ]
	else
		[ "$(cat "$(cgdir "$CID" memory)/memory.limit_in_bytes")" = 299999232 ]
	fi
	[ "$(container_status "$CID")" = paused ]
	# kill --all with SIGKILL reaches the frozen processes, the nested one too
	roci kill --all "$CID" KILL
	wait_until 10 pid_gone "$init"
	wait_until 10 pid_gone "$NESTED"
	wait_until 10 eval '[ "$(container_status "$CID")" = stopped ]'
	roci delete "$CID"
	tree_gone "${dirs[@]}"
	[ "$(state_dirs)" -eq 0 ]
}

@test "a paused container with sub-cgroups: delete -f ends every process and removes the tree" {
	sleeper
	roci run -d -b "$BUNDLE" "$CID"
	local d dirs=()
	nested "$CID"
	roci pause "$CID"
	roci delete -f "$CID"
	pid_gone "$NESTED"
	tree_gone "${dirs[@]}"
	[ "$(state_dirs)" -eq 0 ]
}

# child_frozen DIR...: the "child" sub-cgroup is frozen ($froze: 1 by the
# v1 freezer, 2 by v2's cgroup.freeze)
child_frozen() {
	local d
	for d in "$@"; do
		if [ -e "$d/child/freezer.state" ]; then
			[ "$(cat "$d/child/freezer.state")" = FROZEN ] || return 1
		elif [ "$froze" = 2 ] && [ -e "$d/child/cgroup.events" ]; then
			grep -q "^frozen 1" "$d/child/cgroup.events" || return 1
		fi
	done
}

@test "a sub-cgroup the workload froze never makes delete -f hang" {
	sleeper
	roci run -d -b "$BUNDLE" "$CID"
	local d dirs=() pid f froze=0 t0
	mapfile -t dirs < <(jq -r '.cgroup.dirs[].path' "$STATE/$CID/state.json")
	roci exec -d "$CID" sleep 997
	pid=$(pgrep -f "^sleep 997$")
	for d in "${dirs[@]}"; do
		mkdir "$d/child"
		for f in cpuset.cpus cpuset.mems; do
			[ ! -e "$d/child/$f" ] || [ -n "$(cat "$d/child/$f")" ] || cat "$d/$f" >"$d/child/$f"
		done
		echo "$pid" >"$d/child/cgroup.procs"
	done
	# frozen by itself, below the container's cgroup: the v1 freezer where
	# there is one (a v2 freeze does not complete over a v1 one), else v2
	for d in "${dirs[@]}"; do
		[ -e "$d/child/freezer.state" ] || continue
		echo FROZEN >"$d/child/freezer.state"; froze=1
	done
	for d in "${dirs[@]}"; do
		[ "$froze" = 0 ] && [ -e "$d/child/cgroup.freeze" ] || continue
		echo 1 >"$d/child/cgroup.freeze"; froze=2
	done
	[ "$froze" != 0 ]
	wait_until 5 child_frozen "${dirs[@]}"
	t0=$SECONDS
	roci delete -f "$CID"
	[ $((SECONDS - t0)) -lt 5 ]
	pid_gone "$pid"
	for d in "${dirs[@]}"; do
		[ ! -e "$d" ]
	done
}

@test "v1 cpuset: a container under empty parents someone else made gets the nearest ancestor's cpus and mems" {
	# a pod cgroup two levels deep, made and never filled (as a caller
	# that makes its own parents would); pure v2 has no such thing, but the
	# same nested path must still work there
	local base=/sys/fs/cgroup/cpuset
	pure_v2 && base=/sys/fs/cgroup
	mkdir -p "$base/roci-test-parent-$$/pod"
	if ! pure_v2; then
		[ -z "$(cat "$base/roci-test-parent-$$/pod/cpuset.cpus")" ]
		[ -z "$(cat "$base/roci-test-parent-$$/cpuset.mems")" ]
	fi
	update_config '.linux.cgroupsPath = "/roci-test-parent-'$$'/pod/c"'
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	rrun roci run -b "$BUNDLE" "$CID"
	rmdir "$base/roci-test-parent-$$/pod" "$base/roci-test-parent-$$"
	[ "$status" -eq 0 ]
	[[ "$output" == "Cpus_allowed_list:"*"$(cat "$base/cpuset.cpus" 2>/dev/null || cat "$base/cpuset.cpus.effective")" ]]
}

@test "memory: limit, reservation, swap, swappiness; the limit stops an allocation" {
	update_config '.linux.resources.memory = {"limit": 33554432, "reservation": 16777216, "swap": 33554432, "swappiness": 10}'
	sleeper
	roci create -b "$BUNDLE" "$CID"
	local d
	d=$(cgdir "$CID" memory)
	if is_v2 "$d"; then
		[ "$(cat "$d/memory.max")" = 33554432 ]
		[ "$(cat "$d/memory.low")" = 16777216 ]
		[ "$(cat "$d/memory.swap.max")" = 0 ]
	else
		[ "$(cat "$d/memory.limit_in_bytes")" = 33554432 ]
		[ "$(cat "$d/memory.soft_limit_in_bytes")" = 16777216 ]
		[ "$(cat "$d/memory.memsw.limit_in_bytes")" = 33554432 ]
		[ "$(cat "$d/memory.swappiness")" = 10 ]
	fi
	roci delete -f "$CID"
	# 64 MiB into a tmpfs charged to a 32 MiB cgroup without swap
	set_args sh -c 'head -c 67108864 /dev/zero > /dev/shm/fill; echo written $(wc -c < /dev/shm/fill)'
	update_config '.mounts += [{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["size=128m"]}]'
	rrun roci run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ] || [[ "$output" != *"written 67108864"* ]]
}

@test "memory: disableOOMKiller (v1) and kernel limits warn" {
	update_config '.linux.resources.memory = {"limit": 33554432, "disableOOMKiller": true, "kernel": 1048576}'
	sleeper
	rrun roci create -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"kernel and kernelTCP limits"*"ignored"* ]]
	local d
	d=$(cgdir "$CID" memory)
	if ! is_v2 "$d"; then
		grep -qx "oom_kill_disable 1" "$d/memory.oom_control"
	else
		[[ "$output" == *"disableOOMKiller: not available on cgroup v2"* ]]
	fi
}

@test "pids: the limit stops a fork bomb" {
	update_config '.linux.resources.pids = {"limit": 10}'
	set_args sh -c 'for i in $(seq 30); do sleep 1 & done; echo all-started'
	rrun roci run -b "$BUNDLE" "$CID"
	[[ "$output" == *"can't fork"* ]]
	[[ "$output" != *all-started* ]]
	# the same without the limit
	update_config 'del(.linux.resources.pids)'
	rrun roci run -b "$BUNDLE" "$CID"
	[ "$output" = all-started ]
	update_config '.linux.resources.pids = {"limit": 10}'
	sleeper
	roci create -b "$BUNDLE" "$CID"
	[ "$(cat "$(cgdir "$CID" pids)/pids.max")" = 10 ]
}

@test "cpu: shares, quota, period, burst, realtime, idle, cpus and mems" {
	update_config '.linux.resources.cpu = {"shares": 512, "quota": 20000, "period": 100000, "burst": 1000, "cpus": "0", "mems": "0", "idle": 0}'
	sleeper
	roci create -b "$BUNDLE" "$CID"
	local d s
	d=$(cgdir "$CID" cpu)
	if is_v2 "$d"; then
		[ "$(cat "$d/cpu.weight")" = 20 ]   # runc's conversion of 512 shares
		[ "$(cat "$d/cpu.max")" = "20000 100000" ]
		[ "$(cat "$d/cpu.max.burst")" = 1000 ]
	else
		[ "$(cat "$d/cpu.shares")" = 512 ]
		[ "$(cat "$d/cpu.cfs_quota_us")" = 20000 ]
		[ "$(cat "$d/cpu.cfs_period_us")" = 100000 ]
		[ "$(cat "$d/cpu.cfs_burst_us")" = 1000 ]
	fi
	[ "$(cat "$d/cpu.idle")" = 0 ]
	s=$(cgdir "$CID" cpuset)
	[ "$(cat "$s/cpuset.cpus")" = 0 ]
	[ "$(cat "$s/cpuset.mems")" = 0 ]
	grep -q "Cpus_allowed_list:.*0$" "/proc/$(roci state "$CID" | jq .pid)/status"
	local v2=0 rt=0
	is_v2 "$d" && v2=1
	[ -e "${d%/*}/cpu.rt_period_us" ] && rt=1
	roci delete -f "$CID"
	update_config '.linux.resources.cpu = {"realtimePeriod": 1000000, "realtimeRuntime": 1000}'
	rrun roci create -b "$BUNDLE" "$CID"
	if [ "$v2" = 1 ]; then
		[ "$status" -ne 0 ]
		[[ "$output" == *"realtimeRuntime and realtimePeriod are not supported on cgroup v2"* ]]
	elif [ "$rt" = 0 ]; then
		# a kernel without CONFIG_RT_GROUP_SCHED (Debian's)
		[ "$status" -ne 0 ]
		[[ "$output" == *"need realtime group scheduling, which this kernel lacks"* ]]
	else
		[ "$status" -eq 0 ]
		d=$(cgdir "$CID" cpu)
		[ "$(cat "$d/cpu.rt_runtime_us")" = 1000 ]
		[ "$(cat "$d/cpu.rt_period_us")" = 1000000 ]
		# a period below the current runtime: the runtime goes in first
		roci update --cpu-rt-period 900 --cpu-rt-runtime 800 "$CID"
		[ "$(cat "$d/cpu.rt_runtime_us")" = 800 ]
		[ "$(cat "$d/cpu.rt_period_us")" = 900 ]
		# and back up: the period first
		roci update --cpu-rt-period 1000000 --cpu-rt-runtime 5000 "$CID"
		[ "$(cat "$d/cpu.rt_runtime_us")" = 5000 ]
		[ "$(cat "$d/cpu.rt_period_us")" = 1000000 ]
	fi
}

@test "blockIO: throttles per device; weights the host cannot apply are an error that leaves nothing" {
	local dev
	dev=$(cat /sys/block/*/dev | head -1)
	local maj=${dev%:*} min=${dev#*:}
	update_config '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": '$maj', "minor": '$min', "rate": 1048576}],
		"throttleWriteIOPSDevice": [{"major": '$maj', "minor": '$min', "rate": 100}]}'
	sleeper
	roci create -b "$BUNDLE" "$CID"
	local d
	if d=$(cgdir "$CID" blkio 2>/dev/null); then
		grep -qx "$maj:$min 1048576" "$d/blkio.throttle.read_bps_device"
		grep -qx "$maj:$min 100" "$d/blkio.throttle.write_iops_device"
	else
		d=$(cgdir "$CID" io)
		grep -q "^$maj:$min rbps=1048576 wbps=max riops=max wiops=100" "$d/io.max"
	fi
	roci delete -f "$CID"
	update_config '.linux.resources.blockIO = {"weight": 500}'
	rrun roci create -b "$BUNDLE" "$CID"
	if [ "$status" -eq 0 ]; then
		# CFQ, BFQ (same range) or io.weight (converted: 500 -> 4950)
		d=$(cgdir "$CID" blkio 2>/dev/null || cgdir "$CID" io)
		cat "$d"/blkio.weight "$d"/blkio.bfq.weight "$d"/io.bfq.weight "$d"/io.weight 2>/dev/null |
			grep -Eqx '500|default 500|default 4950'
	else
		# neither CFQ nor BFQ nor io.weight on this host
		[[ "$output" == *"weights need"* ]]
		[ "$(state_dirs)" -eq 0 ]
		[ ! -e "$d" ]
	fi
	roci delete -f "$CID" 2>/dev/null || true
	# a weight of 0 is no weight (Docker 20.10 sends one with every
	# container, as runc reads it): created on any host
	update_config '.linux.resources.blockIO = {"weight": 0, "leafWeight": 0}'
	roci create -b "$BUNDLE" "$CID"
	roci delete -f "$CID"
}

@test "hugepageLimits: the limit lands in v1 or v2, a page size the host lacks is an error" {
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	sleeper
	roci create -b "$BUNDLE" "$CID"
	local d
	d=$(cgdir "$CID" hugetlb)
	if is_v2 "$d"; then
		[ "$(cat "$d/hugetlb.2MB.max")" = 4194304 ]
	else
		[ "$(cat "$d/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
	fi
	roci delete -f "$CID"
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "4MB", "limit": 4194304}]'
	rrun roci create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"page size 4MB is not supported"* ]]
	update_config '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 4194304}]'
	rrun roci create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'"3MB" is not a page size'* ]]
	[ "$(state_dirs)" -eq 0 ]
	[ ! -e "$d" ]
}

@test "network and rdma: applied where the host has the controller, a clear error where not" {
	update_config '.linux.resources.network = {"classID": 1048577, "priorities": [{"name": "lo", "priority": 5}]}'
	sleeper
	rrun roci create -b "$BUNDLE" "$CID"
	if grep -q " - cgroup .*net_cls" /proc/self/mountinfo; then
		[ "$status" -eq 0 ]
		[ "$(cat "$(cgdir "$CID" net_cls)/net_cls.classid")" = 1048577 ]
		grep -qx "lo 5" "$(cgdir "$CID" net_prio)/net_prio.ifpriomap"
		roci delete -f "$CID"
	elif pure_v2; then
		# v2 has no such controllers at all: runc and crun ignore them
		[ "$status" -eq 0 ]
		[[ "$output" == *"network.classID: cgroup v2 has no net_cls controller; ignored"* ]]
		[[ "$output" == *"network.priorities: cgroup v2 has no net_prio controller; ignored"* ]]
		roci delete -f "$CID"
	else
		[ "$status" -ne 0 ]
		[[ "$output" == *"network.classID: the net_cls controller is not available"* ]]
	fi
	update_config 'del(.linux.resources.network) | .linux.resources.rdma = {"roci_no_such_hca": {"hcaHandles": 3}}'
	rrun roci create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *rdma* ]]
	[ "$(state_dirs)" -eq 0 ]
	for d in /sys/fs/cgroup/*/"$CID"; do [ ! -e "$d" ]; done
}

@test "unified: v2 files written as given; a file that does not exist is an error" {
	update_config '.linux.resources.unified = {"cgroup.max.descendants": "3"}'
	sleeper
	if pure_v1; then
		rrun roci create -b "$BUNDLE" "$CID"
		[ "$status" -ne 0 ]
		[[ "$output" == *"linux.resources.unified: needs cgroup v2, and this host has only v1"* ]]
		[ "$(state_dirs)" -eq 0 ]
		return 0
	fi
	roci create -b "$BUNDLE" "$CID"
	[ "$(cat "$(v2dir "$CID")/cgroup.max.descendants")" = 3 ]
	roci delete -f "$CID"
	update_config '.linux.resources.unified = {"memory.nonsense": "3"}'
	rrun roci create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unified.memory.nonsense: no such file"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "devices: configured rules in order, then the defaults; denied devices cannot be opened" {
	# /dev/kmsg: writing needs no capability, only the device rule
	update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 420}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	set_args sh -c 'echo roci-device-test > /dev/kmsg && echo kmsg-written; cat /dev/kmsg 2>/dev/null || echo kmsg-read-denied; echo > /dev/null && echo null-ok'
	rrun roci run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = $'kmsg-written\nkmsg-read-denied\nnull-ok' ]
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	rrun roci run -b "$BUNDLE" "$CID"
	[[ "$output" == *"can't create /dev/kmsg: Operation not permitted"* ]]
	[[ "$output" == *null-ok* ]]
	sleeper
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "r"}, {"allow": true, "type": "b", "major": 7, "access": "rw"}]'
	roci create -b "$BUNDLE" "$CID"
	local d
	# v1 lists the rules; v2 has only the program (tested with pure v2)
	if d=$(cgdir "$CID" devices 2>/dev/null); then
		[ "$(sed -n 1,3p "$d/devices.list")" = $'c 1:11 r\nb 7:* rw\nc *:* m' ]
	else
		[ "$(jq -r .cgroup.mode "$STATE/$CID/state.json")" = v2 ]
	fi
}

@test "update: flags and -r, values land in the cgroup; checkBeforeUpdate" {
	sleeper
	update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 100}}'
	roci create -b "$BUNDLE" "$CID"
	roci start "$CID"
	roci update --memory 96m --pids-limit 50 --cpu-share 256 --cpu-quota 30000 --cpu-period 100000 "$CID"
	local m p c
	m=$(cgdir "$CID" memory) p=$(cgdir "$CID" pids) c=$(cgdir "$CID" cpu)
	[ "$(cat "$p/pids.max")" = 50 ]
	if is_v2 "$m"; then [ "$(cat "$m/memory.max")" = 100663296 ]; else [ "$(cat "$m/memory.limit_in_bytes")" = 100663296 ]; fi
	if is_v2 "$c"; then [ "$(cat "$c/cpu.max")" = "30000 100000" ]; else [ "$(cat "$c/cpu.cfs_quota_us")" = 30000 ] && [ "$(cat "$c/cpu.shares")" = 256 ]; fi
	echo '{"pids": {"limit": 7}, "cpu": {"cpus": "0"}}' >"$BATS_TEST_TMPDIR/r.json"
	roci update -r "$BATS_TEST_TMPDIR/r.json" "$CID"
	[ "$(cat "$p/pids.max")" = 7 ]
	echo '{"pids": {"limit": 9}}' | roci update -r - "$CID"
	[ "$(cat "$p/pids.max")" = 9 ]
	echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' >"$BATS_TEST_TMPDIR/r.json"
	rrun roci update -r "$BATS_TEST_TMPDIR/r.json" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"below the current usage"* ]]
	rrun roci update --memory lots "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'--memory: invalid value "lots"'* ]]
	rrun roci update --pids-limit 5 nosuch
	[[ "$output" == *"does not exist"* ]]
}

# dockerd's `docker update --pids-limit 50 --cpu-shares 512` sends zeros
# for what it leaves alone; runc reads 0 as "unchanged" for every field
@test "update: every flag counts, however many are given; the last of a repeated one wins" {
	sleeper
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	local i args=()
	for i in $(seq 39); do args+=(--pids-limit "$((100 + i))"); done
	roci update "${args[@]}" --pids-limit 33 "$CID"
	[ "$(cat "$(cgdir "$CID" pids)/pids.max")" = 33 ]
}

@test "update: 0 leaves a setting unchanged, in -r documents and flags" {
	sleeper
	update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 100}, "cpu": {"shares": 1024, "quota": 20000, "period": 100000}}'
	roci create -b "$BUNDLE" "$CID"
	roci start "$CID"
	local m p c mem
	m=$(cgdir "$CID" memory) p=$(cgdir "$CID" pids) c=$(cgdir "$CID" cpu)
	mem() { if is_v2 "$m"; then cat "$m/memory.max"; else cat "$m/memory.limit_in_bytes"; fi; }
	echo '{"memory":{"limit":0,"reservation":0,"kernel":0},"cpu":{"shares":512},"pids":{"limit":50}}' | roci update -r - "$CID"
	[ "$(cat "$p/pids.max")" = 50 ]
	[ "$(mem)" = 67108864 ]
	if is_v2 "$c"; then
		[ "$(cat "$c/cpu.weight")" = 20 ]
		[ "$(cat "$c/cpu.max")" = "20000 100000" ]
	else
		[ "$(cat "$c/cpu.shares")" = 512 ]
		[ "$(cat "$c/cpu.cfs_quota_us")" = 20000 ]
	fi
	# the flags: 0 and an empty cpuset list change nothing either
	roci update --memory 0 --pids-limit 0 --cpu-quota 0 --cpu-period 0 --cpuset-cpus '' "$CID"
	[ "$(cat "$p/pids.max")" = 50 ]
	[ "$(mem)" = 67108864 ]
	# a whole document of zeros (the CRI plugin's shape) changes only what is set
	echo '{"memory":{"limit":100663296,"swap":0},"cpu":{"shares":0,"quota":0,"period":0,"cpus":"","mems":""},"pids":{"limit":0},"blockIO":{"weight":0}}' | roci update -r - "$CID"
	[ "$(mem)" = 100663296 ]
	[ "$(cat "$p/pids.max")" = 50 ]
	# -1 still means no limit
	roci update --pids-limit -1 "$CID"
	[ "$(cat "$p/pids.max")" = max ]
}

@test "pause and resume freeze the whole container; state says paused" {
	set_args sh -c 'while :; do echo tick >> /tmp/ticks; sleep 0.05; done'
	roci run -d -b "$BUNDLE" "$CID"
	local pid n1 n2
	pid=$(roci state "$CID" | jq .pid)
	wait_until 30 test -s "/proc/$pid/root/tmp/ticks"
	roci pause "$CID"
	[ "$(container_status "$CID")" = paused ]
	n1=$(wc -l <"/proc/$pid/root/tmp/ticks")
	# a negative check needs time to pass: ten turns of the 50 ms loop
	sleep 0.5
	n2=$(wc -l <"/proc/$pid/root/tmp/ticks")
	[ "$n1" -eq "$n2" ]
	rrun roci pause "$CID"
	[[ "$output" == *"container not running"* ]]
	roci resume "$CID"
	[ "$(container_status "$CID")" = running ]
	wait_until 30 eval '[ "$(wc -l <"/proc/$pid/root/tmp/ticks")" -gt "$n2" ]'
	rrun roci resume "$CID"
	[[ "$output" == *"container not paused"* ]]
	# a paused container can be deleted with --force
	roci pause "$CID"
	roci delete -f "$CID"
	[ "$(state_dirs)" -eq 0 ]
}

@test "ps: json is the list of pids, table keeps ps's header and the container's lines" {
	set_args sh -c 'sleep 1000 & sleep 1001'
	roci run -d -b "$BUNDLE" "$CID"
	wait_until 30 eval '[ "$(roci ps -f json "$CID" | jq length)" -eq 2 ]'
	local pid
	pid=$(roci state "$CID" | jq .pid)
	# sh execs its last command: the init is "sleep 1001"
	rrun roci ps -f json "$CID"
	[ "$(jq length <<<"$output")" -eq 2 ]
	jq -e "index($pid)" <<<"$output"
	rrun roci ps "$CID"
	[[ "${lines[0]}" == *PID*CMD* ]]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *"sleep 1001"* ]]
	[[ "$output" == *"sleep 1000"* ]]
	rrun roci ps "$CID" -- -o pid,comm
	[[ "${lines[0]}" == *PID*COMMAND* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "events: --stats prints one stats object; the stream ends when the container stops" {
	update_config '.linux.resources.pids = {"limit": 20}'
	set_args sleep 1000
	roci run -d -b "$BUNDLE" "$CID"
	rrun roci events --stats "$CID"
	[ "$status" -eq 0 ]
	jq -e '.type == "stats" and .data.pids.limit == 20 and .data.pids.current >= 1 and .data.memory.usage.usage > 0 and (.data.cpu.usage.total | type) == "number"' <<<"$output"
	# the stream: two objects at least, then the container stops and the
	# stream ends by itself (waits on conditions: the VM is slow)
	local ev=$BATS_TEST_TMPDIR/events
	"$ROCI" --root "$STATE" events --interval 500ms "$CID" >"$ev" 2>&1 &
	local bg=$!
	wait_until 60 eval '[ "$(wc -l <"$ev")" -ge 2 ]'
	roci kill "$CID" KILL
	wait_until 60 eval '! kill -0 '"$bg"' 2>/dev/null'
	wait "$bg"
	jq -e '.type == "stats"' <<<"$(head -n 1 "$ev")"
}

@test "events: an OOM kill is reported" {
	update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}
		| .mounts += [{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["size=64m"]}]'
	set_args sh -c 'sleep 1; head -c 33554432 /dev/zero > /dev/shm/fill; sleep 1'
	roci run -d -b "$BUNDLE" "$CID"
	rrun tmo 10 "$ROCI" --root "$STATE" events --interval 5s "$CID"
	[[ "$output" == *'"type":"oom"'* ]]
}

@test "kill --all signals every process in the cgroup, also without a pid namespace" {
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'sleep 1000 & sleep 1001 & sleep 1002'
	roci run -d -b "$BUNDLE" "$CID"
	wait_until 30 eval '[ "$(roci ps -f json "$CID" | jq length)" -eq 3 ]'
	local pids
	pids=$(roci ps -f json "$CID" | jq -r '.[]')
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	roci kill --all "$CID" KILL
	local p
	for p in $pids; do wait_until 30 pid_gone "$p"; done
	roci delete "$CID"
	[ "$(state_dirs)" -eq 0 ]
}

@test "kill --all after the init exited: what is left in the cgroup gets the signal" {
	# the runc shim does this at the exit of an init without its own pid
	# namespace, the CRI before it deletes a task: runc signals the
	# leftovers and succeeds, also when nothing is left
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'sleep 1000 & echo $! >/tmp/left; exit 0'
	roci run -d -b "$BUNDLE" "$CID"
	wait_status "$CID" stopped
	local left
	left=$(cat "$BUNDLE/rootfs/tmp/left")
	! pid_gone "$left" || false
	roci kill --all "$CID" KILL
	local i
	for i in $(seq 50); do pid_gone "$left" && break; sleep 0.1; done
	pid_gone "$left"
	# nothing left: still no error; without --all the init is not running
	roci kill --all "$CID" KILL
	rrun "$ROCI" --root "$STATE" kill "$CID" KILL
	[ "$status" -ne 0 ]
	[[ $output == *"container not running"* ]]
	roci delete "$CID"
	[ "$(state_dirs)" -eq 0 ]
}

@test "without a cgroup filesystem: containers run; resources are a clear error" {
	sleeper
	set_args true
	rrun unshare -m --propagation private sh -c \
		'umount -R /sys/fs/cgroup && exec "$1" --root "$2" run -b "$3" "$4"' sh "$ROCI" "$STATE" "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	update_config '.linux.resources.memory = {"limit": 33554432}'
	rrun unshare -m --propagation private sh -c \
		'umount -R /sys/fs/cgroup && exec "$1" --root "$2" run -b "$3" "$4"' sh "$ROCI" "$STATE" "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"no cgroup filesystem is mounted"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

# Pure v2 with the hierarchy this host gives cgroup2: born in the cgroup
# (clone3 CLONE_INTO_CGROUP), device rules as an eBPF program, the v2
# freezer, cgroup.kill, and cleanup.
@test "pure cgroup v2 (private mount): clone into the cgroup, eBPF device rules, freeze, kill" {
	cat >"$BATS_TEST_TMPDIR/v2.sh" <<'EOF'
set -e
ROCI=$1 STATE=$2 BUNDLE=$3 CID=$4
umount -R /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
r() { "$ROCI" --root "$STATE" "$@"; }
r create -b "$BUNDLE" "$CID"
jq -r .cgroup.mode "$STATE/$CID/state.json"
d=$(jq -r '.cgroup.dirs[0].path' "$STATE/$CID/state.json")
pid=$(r state "$CID" | jq .pid)
grep -qx "$pid" "$d/cgroup.procs" && echo in-cgroup
r start "$CID"
r pause "$CID"; r state "$CID" | jq -r .status
r resume "$CID"; r state "$CID" | jq -r .status
r kill --all "$CID" KILL
for i in $(seq 50); do [ "$(r state "$CID" | jq -r .status)" = stopped ] && break; sleep 0.1; done
r delete "$CID"
[ ! -e "$d" ] && echo removed
EOF
	update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 420}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	set_args sleep 1000
	rrun unshare -m --propagation private sh "$BATS_TEST_TMPDIR/v2.sh" "$ROCI" "$STATE" "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = $'v2\nin-cgroup\npaused\nrunning\nremoved' ]
	# the device program's verdicts, from inside the container
	set_args sh -c 'echo roci-device-test > /dev/kmsg && echo kmsg-written; cat /dev/kmsg 2>/dev/null || echo kmsg-read-denied; cat /dev/null && echo null-ok'
	rrun unshare -m --propagation private sh -c \
		'umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$1" --root "$2" run -b "$3" "$4"' sh "$ROCI" "$STATE" "$BUNDLE" "$CID"
	[ "$status" -eq 0 ]
	[ "$output" = $'kmsg-written\nkmsg-read-denied\nnull-ok' ]
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
	rrun unshare -m --propagation private sh -c \
		'umount -R /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec "$1" --root "$2" run -b "$3" "$4"' sh "$ROCI" "$STATE" "$BUNDLE" "$CID"
	[[ "$output" == *"can't create /dev/kmsg: Operation not permitted"* ]]
	[[ "$output" == *null-ok* ]]
}

@test "pure cgroup v1 (private mount, the cgroup2 mount gone): placement, self-joins, limits, update, freeze, exec, kill" {
	grep -q " - cgroup " /proc/self/mountinfo || skip "no cgroup v1 hierarchy here"
	cat >"$BATS_TEST_TMPDIR/v1.sh" <<'EOF'
set -e
ROCI=$1 STATE=$2 BUNDLE=$3 CID=$4
umount /sys/fs/cgroup/unified 2>/dev/null || true
! grep -q " - cgroup2 " /proc/self/mountinfo || false
r() { "$ROCI" --root "$STATE" "$@"; }
# the parent writes no pid; the init is in every hierarchy all the same
strace -y -e trace=write -o "$STATE.trace" "$ROCI" --root "$STATE" create -b "$BUNDLE" "$CID"
jq -r .cgroup.mode "$STATE/$CID/state.json"
pid=$(r state "$CID" | jq .pid)
dirs=$(jq -r '.cgroup.dirs[].path' "$STATE/$CID/state.json")
n=0
for d in $dirs; do
	grep -qx "$pid" "$d/cgroup.procs"
	n=$((n + 1))
done
# exec's process joins each hierarchy itself
strace -f -y -e trace=write -o "$STATE.trace2" "$ROCI" --root "$STATE" exec "$CID" true
[ "$n" -eq "$(grep -c '/tasks>, "0", 1) = 1' "$STATE.trace2")" ] && echo self-joined
! grep -qE 'cgroup\.procs>, "[0-9]+"' "$STATE.trace" "$STATE.trace2" || false
m=$(jq -r '.cgroup.dirs[] | select(.controllers | split(",") | index("memory")) | .path' "$STATE/$CID/state.json")
cat "$m/memory.limit_in_bytes"
r start "$CID"
r update --memory 134217728 "$CID"
cat "$m/memory.limit_in_bytes"
r pause "$CID"; r state "$CID" | jq -r .status
r resume "$CID"; r state "$CID" | jq -r .status
# in the container's cgroup namespace, its own cgroups are the roots
r exec "$CID" cat /proc/self/cgroup | grep -c ':/$'
r delete -f "$CID"
for d in $dirs; do [ ! -e "$d" ]; done
echo removed
EOF
	update_config '.linux.resources.memory = {limit: 67108864}'
	set_args sleep 1000
	rrun unshare -m --propagation private bash "$BATS_TEST_TMPDIR/v1.sh" "$ROCI" "$STATE" "$BUNDLE" "$CID"
	echo "$output"
	[ "$status" -eq 0 ]
	# each v1 hierarchy, and the unified one the kernel always lists
	local v1
	v1=$(($(grep -c " - cgroup " /proc/self/mountinfo) + 1))
	[ "$output" = "v1"$'\n'"self-joined"$'\n'"67108864"$'\n'"134217728"$'\n'"paused"$'\n'"running"$'\n'"$v1"$'\n'"removed" ]
}

@test "bad resources are refused before anything is made" {
	local bad
	for bad in '{"memory": {"limit": "1G"}}' '{"memory": {"swappiness": 101}}' '{"cpu": {"cpus": "0-"}}' \
		'{"devices": [{"allow": true, "access": "rwx"}]}' '{"devices": [{"access": "r"}]}' \
		'{"blockIO": {"weightDevice": [{"weight": 10}]}}' '{"unified": {"../x": "1"}}' \
		'{"pids": {"limit": 1.5}}' '{"cpu": {"idle": 2}}'; do
		update_config ".linux.resources = $bad"
		rrun roci create -b "$BUNDLE" "$CID"
		[ "$status" -ne 0 ]
		[[ "$output" == *"linux.resources"* ]]
		[ "$(state_dirs)" -eq 0 ]
		[ -z "$(ls -d /sys/fs/cgroup/*/"$CID" 2>/dev/null)" ]
	done
}

@test "a cgroup that holds processes, or is frozen, is refused at once; nothing is left" {
	sleeper
	local p=roci-test-parent-$$
	update_config '.linux.cgroupsPath = "/'"$p"'/busy"'
	roci run -d -b "$BUNDLE" "$CID"
	rrun roci run -d -b "$BUNDLE" "$CID-2"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container's cgroup is not empty: "*"/$p/busy has 1 process(es)"* ]]
	[ ! -e "$STATE/$CID-2" ]
	# the first one is untouched
	[ "$(container_status "$CID")" = running ]
	roci delete -f "$CID"
	# an empty cgroup that is frozen: the init would stop there, and create with it
	local f
	if [ -d /sys/fs/cgroup/freezer ]; then
		f=/sys/fs/cgroup/freezer/$p/frozen
		mkdir -p "$f"
		echo FROZEN >"$f/freezer.state"
	else
		f=/sys/fs/cgroup/$p/frozen
		mkdir -p "$f"
		echo 1 >"$f/cgroup.freeze"
	fi
	update_config '.linux.cgroupsPath = "/'"$p"'/frozen"'
	rrun tmo 20 "$ROCI" --root "$STATE" run -d -b "$BUNDLE" "$CID-3"
	[ -e "$f/freezer.state" ] && echo THAWED >"$f/freezer.state" || echo 0 >"$f/cgroup.freeze"
	rmdir "$f"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"container's cgroup is frozen"* ]]
	[ "$(state_dirs)" -eq 0 ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -path "*$p/*" 2>/dev/null)" ]
}

@test "--systemd-cgroup without a reachable systemd: a clear error, nothing left" {
	sleeper
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BATS_TEST_TMPDIR/no-bus rrun roci --systemd-cgroup create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	# features says what this build has, and the error matches it: a build
	# without the driver (a static musl one: no dlopen) says so
	if roci features | jq -e '.linux.cgroup.systemd' >/dev/null; then
		[[ "$output" == *"systemd cgroup driver: connect to the system bus (is systemd running?)"* ]]
	else
		[[ "$output" == *"--systemd-cgroup: this roci was built without the systemd cgroup driver (build option 'systemd'"* ]]
		[ "$(roci_build_libc)" = musl ]
	fi
	[ "$(state_dirs)" -eq 0 ]
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "*$CID*" 2>/dev/null)" ]
	roci features | jq -e '.linux.cgroup | .v1 and .v2 and (.systemdUser | not)'
}
