#!/usr/bin/env bats
# Process settings beyond user and capabilities: personality, scheduler,
# I/O priority, CPU affinity, sysctls, LSM labels and the session keyring.
# Each is checked from inside the container.
load helpers

setup() { common_setup; }
teardown() {
	common_teardown
	local rt=/sys/fs/cgroup/cpu/roci-test-rt-$$
	rmdir "$rt/a/b" "$rt/a" "$rt/c" "$rt" 2>/dev/null || true
}

@test "personality LINUX32: uname reports a 32-bit machine" {
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
	update_config '.linux.personality = {"domain": "LINUX"}'
	rrun roci run -b "$BUNDLE" c2
	[ "$output" = x86_64 ]
}

@test "personality: unknown domains and flags are refused" {
	update_config '.linux.personality = {"domain": "SVR4"}'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.personality.domain"* ]]
	update_config '.linux.personality = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.personality.flags"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

# /proc/self/stat: field 19 nice, 40 rt_priority, 41 policy
@test "scheduler: SCHED_FIFO with a priority, SCHED_BATCH with nice" {
	update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}'
	# with RT group scheduling (v1 cpu.rt_runtime_us), a cgroup needs a
	# realtime budget before its tasks may use SCHED_FIFO
	if [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
		update_config '.linux.resources.cpu = {"realtimePeriod": 1000000, "realtimeRuntime": 10000}'
	fi
	set_args sh -c 'cut -d" " -f19,40,41 /proc/self/stat'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = "0 10 1" ]
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	rrun roci run -b "$BUNDLE" c2
	[ "$output" = "7 0 3" ]
	update_config '.process.scheduler = {"policy": "SCHED_IDLE", "flags": ["SCHED_FLAG_RESET_ON_FORK"]}'
	rrun roci run -b "$BUNDLE" c3
	[ "$output" = "0 0 5" ]
}

@test "scheduler: bad values are refused before anything is made" {
	local bad
	for bad in '{"policy":"SCHED_FIFO"}|priority' '{"policy":"SCHED_RT"}|policy' \
		'{"policy":"SCHED_OTHER","nice":30}|nice' '{"policy":"SCHED_OTHER","flags":["SCHED_FLAG_NOPE"]}|flags[0]' \
		'{"policy":"SCHED_DEADLINE"}|runtime and deadline'; do
		update_config ".process.scheduler = ${bad%|*}"
		rrun roci create -b "$BUNDLE" c1
		[ "$status" -ne 0 ]
		[[ "$output" == *"process.scheduler"*"${bad#*|}"* ]] || { echo "missing ${bad#*|}"; false; }
		[ "$(state_dirs)" -eq 0 ]
	done
}

@test "ioPriority: class and level" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 3}'
	set_args sh -c 'ionice -p $$'
	rrun roci run -b "$BUNDLE" c1
	[ "$output" = "best-effort: prio 3" ]
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
	rrun roci run -b "$BUNDLE" c2
	[[ "$output" == idle* ]]
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8}'
	rrun roci create -b "$BUNDLE" c3
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.ioPriority.priority"* ]]
}

@test "execCPUAffinity: final wins at exec, initial alone stays" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	set_args sh -c 'taskset -p $$'
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	rrun roci run -b "$BUNDLE" c1
	[ "$output" = "pid 1's current affinity mask: 2" ]
	update_config '.process.execCPUAffinity = {"initial": "0"}'
	rrun roci run -b "$BUNDLE" c2
	[ "$output" = "pid 1's current affinity mask: 1" ]
	update_config '.process.execCPUAffinity = {"final": "0-1"}'
	rrun roci run -b "$BUNDLE" c3
	[ "$output" = "pid 1's current affinity mask: 3" ]
	update_config '.process.execCPUAffinity = {"final": "1-x"}'
	rrun roci create -b "$BUNDLE" c4
	[ "$status" -ne 0 ]
	[[ "$output" == *"execCPUAffinity.final"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "without execCPUAffinity, run and exec get the cgroup's CPUs, not the affinity roci was started with" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local all=$output
	rrun taskset -c 0 "$ROCI" --root "$STATE" run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$output" = "$all" ]
	set_args sleep 100
	roci run -d -b "$BUNDLE" c3
	rrun taskset -c 0 "$ROCI" --root "$STATE" exec c3 grep Cpus_allowed_list /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "$all" ]
	[ "$all" != "$(taskset -c 0 grep Cpus_allowed_list /proc/self/status)" ]
}

@test "linux.memoryPolicy: each mode and flag reaches the process; nodes the host lacks are a clear error" {
	[ -e /proc/self/numa_maps ] || skip "a kernel without NUMA"
	local node mp want
	node=$(cut -d, -f1 /sys/devices/system/node/online | cut -d- -f1)
	# numa_maps shows the policy of mappings that have none of their own
	set_args sh -c 'head -1 /proc/self/numa_maps | cut -d" " -f2'
	# MPOL_WEIGHTED_INTERLEAVE came with Linux 6.9: before, the kernel's
	# refusal is the error
	local major minor
	IFS=. read -r major minor _ <<<"$(uname -r)"
	while read -r mp want; do
		update_config ".linux.memoryPolicy = $mp"
		rrun roci run -b "$BUNDLE" c1
		if [ "$want" = weighted ] && [ "$major" -lt 6 -o \( "$major" -eq 6 -a "$minor" -lt 9 \) ]; then
			[ "$status" -ne 0 ]
			[[ "$output" == *"set_mempolicy MPOL_WEIGHTED_INTERLEAVE nodes $node: Invalid argument"* ]]
			continue
		fi
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done <<EOF2
{"mode":"MPOL_BIND","nodes":"$node"} bind:$node
{"mode":"MPOL_BIND","nodes":"$node","flags":["MPOL_F_NUMA_BALANCING"]} bind=balancing:$node
{"mode":"MPOL_INTERLEAVE","nodes":"$node","flags":["MPOL_F_STATIC_NODES"]} interleave=static:$node
{"mode":"MPOL_INTERLEAVE","nodes":"$node","flags":["MPOL_F_RELATIVE_NODES"]} interleave=relative:$node
{"mode":"MPOL_PREFERRED","nodes":"$node"} prefer:$node
{"mode":"MPOL_PREFERRED"} local
{"mode":"MPOL_PREFERRED_MANY","nodes":"$node"} prefer
{"mode":"MPOL_WEIGHTED_INTERLEAVE","nodes":"$node"} weighted
{"mode":"MPOL_LOCAL"} local
{"mode":"MPOL_DEFAULT"} default
EOF2
	refused '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "1000"}' \
		"linux.memoryPolicy.nodes: node 1000 does not exist on this host"
	refused '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE"}' "MPOL_INTERLEAVE needs at least one node"
	[ "$(state_dirs)" -eq 0 ]
	roci features | jq -e '.linux.memoryPolicy | (.modes | length) == 7 and (.flags | length) == 3'
}

@test "SCHED_FIFO in a new v1 cpu cgroup gets realtime runtime from its parent, or an error naming cpu.rt_runtime_us" {
	local cpu=/sys/fs/cgroup/cpu
	[ -e "$cpu/cpu.rt_runtime_us" ] || skip "no v1 cpu controller with realtime group scheduling"
	local p=roci-test-rt-$$
	mkdir "$cpu/$p"
	echo 10000 >"$cpu/$p/cpu.rt_runtime_us"
	update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10} |
		.process.capabilities |= with_entries(.value += ["CAP_SYS_NICE"]) |
		.linux.cgroupsPath = "/'"$p"'/a/b"'
	set_args sleep 100
	rrun roci run -d -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(grep "^policy" "/proc/$(roci state c1 | jq .pid)/sched" | tr -d " ")" = policy:1 ]
	# a and b, made by roci, each took what their parent had
	[ "$(cat "$cpu/$p/a/cpu.rt_runtime_us")" = 10000 ]
	[ "$(cat "$cpu/$p/a/b/cpu.rt_runtime_us")" = 10000 ]
	# the next one is told what is missing, and leaves nothing
	update_config '.linux.cgroupsPath = "/'"$p"'/c"'
	rrun roci run -d -b "$BUNDLE" c2
	[ "$status" -ne 0 ]
	[[ "$output" == *"a realtime policy needs realtime runtime, and $cpu/$p/cpu.rt_runtime_us has none left"* ]]
	[ ! -e "$cpu/$p/c" ]
	[ ! -e "$STATE/c2" ]
	roci delete -f c1
	update_config '.linux.cgroupsPath = "/'"$p"'/c"'
	set_args sh -c 'grep "^policy" /proc/self/sched | tr -d " "'
	rrun roci run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$output" = policy:1 ]
	rmdir "$cpu/$p"
}

@test "sysctl: net, ipc and uts sysctls land in the container's namespaces" {
	update_config '.linux.sysctl = {
		"net.ipv4.ip_forward": "1", "net/ipv4/conf/lo/forwarding": "1", "kernel.shmmni": "1234",
		"fs.mqueue.msg_max": "20", "kernel.domainname": "example.org"}'
	set_args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/lo/forwarding /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/domainname'
	local host_shmmni
	host_shmmni=$(cat /proc/sys/kernel/shmmni)
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'1\n1\n1234\n20\nexample.org' ]
	# the host kept its own values
	[ "$(cat /proc/sys/kernel/shmmni)" = "$host_shmmni" ]
}

@test "sysctl: host-wide sysctls and shared namespaces are refused, nothing is made" {
	update_config '.linux.sysctl = {"kernel.pid_max": "4096"}'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'sysctl "kernel.pid_max" is not in a separate kernel namespace'* ]]
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces -= [{"type": "network"}]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"net.ipv4.ip_forward"*"network namespace"* ]]
	# joining the host's own ipc namespace is not owning one
	make_bundle "$BUNDLE"
	update_config '.linux.sysctl = {"kernel.shmmni": "1"} |
		.linux.namespaces = [.linux.namespaces[] | if .type == "ipc" then .path = "/proc/'$$'/ns/ipc" else . end]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"host's ipc namespace"* ]]
	update_config '.linux.sysctl = {"net..x": "1"}'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid name"* ]]
	# hostname and domainname against their sysctls: two values are refused
	make_bundle "$BUNDLE"
	refused '.hostname = "a" | .linux.sysctl = {"kernel.hostname": "b"}' \
		'sysctl "kernel.hostname" ("b") conflicts with hostname "a"'
	refused '.hostname = "a" | .domainname = "x" | .linux.sysctl = {"kernel/domainname": "y"}' \
		'conflicts with domainname "x"'
	# nor without a UTS namespace of the container's own
	refused 'del(.hostname, .domainname) | .linux.sysctl = {"kernel.domainname": "y"} |
		.linux.namespaces -= [{"type": "uts"}]' 'sysctl "kernel.domainname" is not allowed without a private uts namespace'
	[ "$(state_dirs)" -eq 0 ]
	# one value, said twice, is fine
	make_bundle "$BUNDLE"
	update_config '.hostname = "same" | .linux.sysctl = {"kernel.hostname": "same"}'
	set_args hostname
	rrun roci run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$output" = same ]
}

@test "a new session keyring unless --no-new-keyring" {
	local helper=$REPO/build/tests/helpers/keyring-id
	cp "$helper" "$BUNDLE/rootfs/keyring-id"
	set_args /keyring-id
	local host
	host=$("$helper")
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
	[ "$output" != "$host" ]
	rrun roci run --no-new-keyring -b "$BUNDLE" c2
	[ "$output" = "$host" ]
}

# The kernel's last capability is read on the host, before the clone: a
# capability this kernel does not have gets a warning and is left out.
@test "capabilities the running kernel lacks are skipped with a warning" {
	local cap_last
	cap_last=$(cat /proc/sys/kernel/cap_last_cap)
	echo $((cap_last - 1)) >"$BATS_TEST_TMPDIR/cap_last_cap"
	local top=CAP_CHECKPOINT_RESTORE   # number 40, the last one since Linux 5.9
	[ "$cap_last" -eq 40 ]
	update_config '.process.capabilities |= with_entries(.value += ["'"$top"'"])'
	set_args sh -c 'grep CapEff /proc/self/status'
	rrun unshare -m --propagation private sh -c \
		'mount --bind "$1/cap_last_cap" /proc/sys/kernel/cap_last_cap && exec "$2" --root "$3" run -b "$4" c1' \
		sh "$BATS_TEST_TMPDIR" "$ROCI" "$STATE" "$BUNDLE"
	[ "$status" -eq 0 ]
	[[ "$output" == *"capability $top is not known to the running kernel; skipped"* ]]
	local eff
	eff=$(grep CapEff <<<"$output" | awk '{print $2}')
	[ $(( 0x$eff & (1 << cap_last) )) -eq 0 ]
	[ $(( 0x$eff & (1 << 21) )) -eq 0 ]   # CAP_SYS_ADMIN was never listed
}

# No AppArmor and no SELinux on the reference host: labels behave as runc's
# (an error, here before anything is made); mountLabel is ignored, as crun
# does, instead of a context= mount that fails.
@test "LSM labels on a host without that LSM" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
		[ -e /sys/fs/selinux/enforce ]; then
		echo "this host has an LSM enabled; the test expects none" >&2
		return 1
	fi
	update_config '.process.apparmorProfile = "roci-test"'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'apparmor profile "roci-test" is specified in config, but apparmor is disabled or not supported'* ]]
	[ "$(state_dirs)" -eq 0 ]
	update_config 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *selinux* ]]
	[ "$(state_dirs)" -eq 0 ]
	update_config 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	set_args sh -c 'grep -c context= /proc/self/mountinfo || true'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
}
