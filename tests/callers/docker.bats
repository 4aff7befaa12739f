#!/usr/bin/env bats
# roci as a runtime of Docker 20.10: a private dockerd with --add-runtime,
# on a private containerd (tests/callers/lib.bash).
load lib
DK_NAME=roci-d1

setup_file() {
	install_callers
	callers_tmp
	if ! start_containerd || ! start_dockerd; then
		callers_cleanup
		return 1
	fi
	tar -C "$(rootfs_cache)" -c . | dk import - roci-busybox >/dev/null
}

teardown_file() {
	callers_cleanup
}

setup() { :; }

teardown() {
	dk rm -f roci-dtmp >/dev/null 2>&1 || true
}

# dk_field NAME GOTEMPLATE: docker inspect --format
dk_field() { dk inspect --format "$2" "$1"; }
dk_running() { [ "$(dk_field "$1" '{{.State.Running}}')" = true ]; }
dk_stopped() { [ "$(dk_field "$1" '{{.State.Status}}')" = exited ]; }

# dk_rstate NAME: roci's state of a docker container (dockerd's runc root)
dk_rstate() {
	"$ROCI" --root "$CB/dk/exec/runtime-runc/moby" state "$(dk_field "$1" '{{.Id}}')"
}

# dk_cgroup_file NAME CONTROLLER FILE: a cgroup file of the container's init
dk_cgroup_file() { pid_cgroup_file "$(dk_field "$1" '{{.State.Pid}}')" "$2" "$3"; }

# dk_run_tmp ARGS...: docker run -d --name roci-dtmp --runtime roci ARGS...
# (teardown removes it), waiting until it runs
dk_run_tmp() {
	dk run -d --name roci-dtmp --runtime roci "$@" >/dev/null
	wait_for "roci-dtmp running" 60 dk_running roci-dtmp
}

# an init that exits 42 on SIGTERM; /tmp/ready once the trap is set (a pid
# 1 without a handler ignores the signal)
TRAP_TERM='trap "exit 42" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
dk_ready() { wait_for "$1's trap" 60 dk exec "$1" test -e /tmp/ready; }

# docker_target: the long-running docker container the exec tests share
docker_target() {
	[ "$(dk inspect --format '{{.State.Running}}' "$DK_NAME" 2>/dev/null)" = true ] && return 0
	dk rm -f "$DK_NAME" >/dev/null 2>&1 || true
	dk run -d --name "$DK_NAME" --runtime roci roci-busybox sleep 1000 >/dev/null
}

@test "docker run -d --runtime roci: the container runs under roci" {
	docker_target
	local id pid
	id=$(dk inspect --format '{{.Id}}' "$DK_NAME")
	pid=$(dk inspect --format '{{.State.Pid}}' "$DK_NAME")
	roci_running "$CB/dk/exec/runtime-runc/moby" "$id" "$pid"
}

@test "docker exec: output, stdin and exit status" {
	docker_target
	run dk exec "$DK_NAME" echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run last_exec_argv
	echo "$output"
	[[ "$output" == *" exec "*"--process "*" --detach"*"--pid-file "* ]]
	run bash -c 'echo from-stdin | "$0" -H "unix://$1" exec -i "$2" cat' "$DOCKER" "$DK_SOCK" "$DK_NAME"
	[ "$status" -eq 0 ]
	[ "$output" = from-stdin ]
	run dk exec "$DK_NAME" sh -c 'exit 5'
	[ "$status" -eq 5 ]
}

@test "docker exec -u -e -w" {
	docker_target
	run dk exec -u 65534:65534 -e FOO=bar -w /tmp "$DK_NAME" sh -c 'id -u; id -g; echo "$FOO"; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "65534 65534 bar /tmp" ]
}

@test "docker exec -d: the detached process runs" {
	docker_target
	dk exec "$DK_NAME" rm -f /tmp/flag
	run dk exec -d "$DK_NAME" sh -c 'echo done >/tmp/flag'
	[ "$status" -eq 0 ]
	wait_for "the detached exec's file" 30 dk exec "$DK_NAME" test -s /tmp/flag
	[ "$(dk exec "$DK_NAME" cat /tmp/flag)" = "done" ]
}

@test "docker exec -it under a pseudo-terminal" {
	docker_target
	run in_pty "$DOCKER -H unix://$DK_SOCK exec -it $DK_NAME sh -c 'tty; exit 3'"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	run last_exec_argv
	echo "$output"
	[[ "$output" == *" exec "*"--console-socket "* ]]
}

# docker puts its terminal in raw mode (no output processing): the
# container's pty must turn \n into \r\n, as runc's does, or every line of
# an interactive session starts where the last one ended
@test "docker exec -it: output lines end in CRLF on the raw terminal" {
	docker_target
	run in_pty "$DOCKER -H unix://$DK_SOCK exec -it $DK_NAME sh -c 'echo a; echo b'"
	printf '%s' "$output" | od -c
	[ "$status" -eq 0 ]
	[[ "$output" == *$'a\r\nb\r'* ]]
}

@test "docker run --rm: output and exit status" {
	: >"$CB/argv.log"
	run dk run --rm --name roci-dtmp --runtime roci roci-busybox sh -c 'echo out-$((6 * 7)); exit 7'
	echo "$output"
	[ "$status" -eq 7 ]
	[ "$output" = out-42 ]
	argv_has "^$SHIM_G create --bundle [^ ]+ --pid-file [^ ]+ [0-9a-f]{64}\$"
	argv_has "^$SHIM_G start [0-9a-f]{64}\$"
	argv_has "^$SHIM_G delete [0-9a-f]{64}\$"
	wait_for "roci-dtmp removed" 60 eval '! dk inspect roci-dtmp'
}

@test "docker stop: SIGTERM reaches the init, its trap's status is kept" {
	dk_run_tmp roci-busybox sh -c "$TRAP_TERM"
	dk_ready roci-dtmp
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk stop -t 60 roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.ExitCode}}')" = 42 ]
	[ "$(dk_field roci-dtmp '{{.State.Running}}')" = false ]
	argv_has "^$SHIM_G kill $id 15\$"
}

@test "docker stop of an init without a TERM handler: killed after the timeout (137)" {
	dk_run_tmp roci-busybox sleep 1000
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk stop -t 1 roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.ExitCode}}')" = 137 ]
	argv_has "^$SHIM_G kill $id 15\$"
	argv_has "^$SHIM_G kill $id 9\$"
}

@test "docker kill and kill -s: the signal reaches the init" {
	dk_run_tmp roci-busybox sh -c 'trap "exit 10" USR1; touch /tmp/ready; while :; do sleep 0.1; done'
	dk_ready roci-dtmp
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk kill -s USR1 roci-dtmp
	wait_for "roci-dtmp exited" 60 dk_stopped roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.ExitCode}}')" = 10 ]
	argv_has "^$SHIM_G kill $id 10\$"
	dk rm roci-dtmp
	dk_run_tmp roci-busybox sleep 1000
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk kill roci-dtmp
	wait_for "roci-dtmp exited" 60 dk_stopped roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.ExitCode}}')" = 137 ]
	argv_has "^$SHIM_G kill $id 9\$"
}

@test "docker pause/unpause: State.Paused, roci's state and the freezer" {
	dk_run_tmp roci-busybox sleep 1000
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk pause roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.Paused}}')" = true ]
	[ "$(dk_rstate roci-dtmp | jq -r .status)" = paused ]
	[ "$(dk_cgroup_file roci-dtmp freezer freezer.state)" = FROZEN ]
	argv_has "^$SHIM_G pause $id\$"
	dk unpause roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.Paused}}')" = false ]
	[ "$(dk_rstate roci-dtmp | jq -r .status)" = running ]
	[ "$(dk_cgroup_file roci-dtmp freezer freezer.state)" = THAWED ]
	argv_has "^$SHIM_G resume $id\$"
	run dk exec roci-dtmp echo thawed
	[ "$output" = thawed ]
}

@test "docker update --memory: update --resources - and memory.limit_in_bytes" {
	dk_run_tmp roci-busybox sleep 1000
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk update --memory 96m --memory-swap 192m roci-dtmp
	argv_has "^$SHIM_G update --resources - $id\$"
	cat "$CB/update.json"
	[ "$(jq -r .memory.limit "$CB/update.json")" = 100663296 ]
	[ "$(dk_cgroup_file roci-dtmp memory memory.limit_in_bytes)" = 100663296 ]
	[ "$(dk_field roci-dtmp '{{.HostConfig.Memory}}')" = 100663296 ]
}

# dockerd sends {"memory":{"limit":0,"reservation":0,"kernel":0},...} here:
# a 0 leaves the memory settings as they are
@test "docker update --pids-limit --cpu-shares: pids.max and cpu.shares" {
	dk_run_tmp --memory 64m roci-busybox sleep 1000
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	dk update --pids-limit 50 --cpu-shares 512 roci-dtmp
	argv_has "^$SHIM_G update --resources - $id\$"
	cat "$CB/update.json"
	# zeros for the memory settings it leaves alone
	[ "$(jq -c .memory "$CB/update.json")" = '{"limit":0,"reservation":0,"kernel":0}' ]
	[ "$(jq -r .pids.limit "$CB/update.json")" = 50 ]
	[ "$(jq -r .cpu.shares "$CB/update.json")" = 512 ]
	[ "$(dk_cgroup_file roci-dtmp pids pids.max)" = 50 ]
	[ "$(dk_cgroup_file roci-dtmp cpu cpu.shares)" = 512 ]
	# the memory limit set at run is unchanged
	[ "$(dk_cgroup_file roci-dtmp memory memory.limit_in_bytes)" = 67108864 ]
}

# a raised limit above the old swap limit: memsw must be raised first
@test "docker update --memory above the old swap limit, --cpus, --cpuset-cpus" {
	dk_run_tmp --memory 64m roci-busybox sleep 1000
	[ "$(dk_cgroup_file roci-dtmp memory memory.limit_in_bytes)" = 67108864 ]
	dk update --memory 256m --memory-swap 512m --cpus 0.5 --cpuset-cpus 0 roci-dtmp
	cat "$CB/update.json"
	[ "$(dk_cgroup_file roci-dtmp memory memory.limit_in_bytes)" = 268435456 ]
	[ "$(dk_cgroup_file roci-dtmp memory memory.memsw.limit_in_bytes)" = 536870912 ]
	[ "$(dk_cgroup_file roci-dtmp cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(dk_cgroup_file roci-dtmp cpu cpu.cfs_period_us)" = 100000 ]
	[ "$(dk_cgroup_file roci-dtmp cpuset cpuset.cpus)" = 0 ]
	# and down again, below the old limit
	dk update --memory 32m --memory-swap 48m roci-dtmp
	[ "$(dk_cgroup_file roci-dtmp memory memory.limit_in_bytes)" = 33554432 ]
	[ "$(dk_cgroup_file roci-dtmp memory memory.memsw.limit_in_bytes)" = 50331648 ]
}

@test "docker top: the container's processes (roci ps)" {
	dk_run_tmp roci-busybox sh -c 'sleep 1000 & sleep 1000; :'
	local id
	id=$(dk_field roci-dtmp '{{.Id}}')
	wait_for "3 processes" 30 eval '[ "$(dk top roci-dtmp | grep -c "sleep 1000")" -eq 3 ]'
	run dk top roci-dtmp
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'sleep 1000' <<<"$output")" -eq 3 ]
	argv_has "^$SHIM_G ps --format json $id\$"
}

# SIGKILL does not end a frozen process: the container is thawed, or rm -f
# would hang or leave it
@test "docker rm -f of a paused container: killed and gone" {
	dk_run_tmp roci-busybox sleep 1000
	local id pid
	id=$(dk_field roci-dtmp '{{.Id}}')
	pid=$(dk_field roci-dtmp '{{.State.Pid}}')
	dk pause roci-dtmp
	[ "$(dk_rstate roci-dtmp | jq -r .status)" = paused ]
	timeout 120 "$DOCKER" -H "unix://$DK_SOCK" rm -f roci-dtmp
	wait_for "pid $pid gone" 30 pid_gone "$pid"
	run dk inspect roci-dtmp
	[ "$status" -ne 0 ]
	[ ! -e "$CB/dk/exec/runtime-runc/moby/$id" ]
}

@test "docker stop of a paused container: stopped" {
	dk_run_tmp roci-busybox sh -c "$TRAP_TERM"
	dk_ready roci-dtmp
	dk pause roci-dtmp
	timeout 120 "$DOCKER" -H "unix://$DK_SOCK" stop -t 30 roci-dtmp
	[ "$(dk_field roci-dtmp '{{.State.Running}}')" = false ]
	[ "$(dk_field roci-dtmp '{{.State.ExitCode}}')" = 42 ]
}

@test "docker stats --no-stream: memory and pids figures" {
	dk_run_tmp roci-busybox sh -c 'sleep 1000 & sleep 1000; :'
	wait_for "3 processes" 30 eval '[ "$(dk top roci-dtmp | grep -c "sleep 1000")" -eq 3 ]'
	run dk stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}|{{.CPUPerc}}' roci-dtmp
	echo "$output"
	[ "$status" -eq 0 ]
	local mem pids
	IFS='|' read -r mem pids _ <<<"$output"
	[[ "$mem" =~ ^[0-9.]+[KMG]i?B\ / ]]
	[[ "$mem" != 0B* ]]
	[ "$pids" -eq 3 ]
}

@test "docker logs: the container's output" {
	dk_run_tmp roci-busybox sh -c 'echo to-out; echo to-err >&2; sleep 1000'
	wait_for "the logs" 30 eval 'dk logs roci-dtmp 2>&1 | grep -q to-err'
	[ "$(dk logs roci-dtmp 2>/dev/null)" = to-out ]
	[ "$(dk logs roci-dtmp 2>&1 >/dev/null)" = to-err ]
}

@test "docker restart: a new init, running" {
	dk_run_tmp roci-busybox sh -c "$TRAP_TERM"
	dk_ready roci-dtmp
	local pid1 pid2
	pid1=$(dk_field roci-dtmp '{{.State.Pid}}')
	dk restart -t 30 roci-dtmp
	wait_for "roci-dtmp running" 60 dk_running roci-dtmp
	pid2=$(dk_field roci-dtmp '{{.State.Pid}}')
	[ "$pid2" != "$pid1" ]
	[ "$pid2" -gt 0 ]
	pid_gone "$pid1"
	[ "$(dk_rstate roci-dtmp | jq -r .status)" = running ]
	[ "$(dk_rstate roci-dtmp | jq -r .pid)" = "$pid2" ]
	[ "$(dk_field roci-dtmp '{{.RestartCount}}')" = 0 ]
}

@test "docker rm -f of a running container: killed, deleted, gone from roci" {
	dk_run_tmp roci-busybox sleep 1000
	local id pid
	id=$(dk_field roci-dtmp '{{.Id}}')
	pid=$(dk_field roci-dtmp '{{.State.Pid}}')
	dk rm -f roci-dtmp
	run dk inspect roci-dtmp
	[ "$status" -ne 0 ]
	wait_for "pid $pid gone" 30 pid_gone "$pid"
	argv_has "^$SHIM_G kill $id 9\$"
	argv_has "^$SHIM_G delete $id\$"
	[ ! -e "$CB/dk/exec/runtime-runc/moby/$id" ]
}

@test "docker run -it under a pseudo-terminal" {
	: >"$CB/argv.log"
	run in_pty "$DOCKER -H unix://$DK_SOCK run --rm -it --name roci-dtmp --runtime roci roci-busybox sh -c 'tty; echo a; echo b; exit 3'"
	printf '%s' "$output" | od -c | head -20
	[ "$status" -eq 3 ]
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	[[ "$output" == *$'a\r\nb\r'* ]]
	argv_has "^$SHIM_G create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ [0-9a-f]{64}\$"
}

# host_lacks_caps: the numbers of the capabilities, up to cap_last_cap,
# that this shell's bounding set (CapBnd) lacks
host_lacks_caps() {
	local bnd last cap
	bnd=$((16#$(awk '/^CapBnd/ {print $2}' /proc/self/status)))
	last=$(cat /proc/sys/kernel/cap_last_cap)
	for ((cap = 0; cap <= last; cap++)); do
		((bnd >> cap & 1)) || echo "$cap"
	done
}

# --privileged asks for every capability the kernel knows. Where roci's
# own bounding set lacks one (this host has no CAP_SYS_RESOURCE), capset
# must fail, as with runc, and the error must name what is missing.
@test "docker run and exec --privileged: every capability, or an error naming the missing one" {
	local lacks
	lacks=$(host_lacks_caps)
	docker_target
	run dk run --rm --name roci-dtmp --privileged --runtime roci roci-busybox sh -c 'grep CapEff /proc/self/status'
	echo "$output"
	if [ -z "$lacks" ]; then
		[ "$status" -eq 0 ]
		[[ "$output" == *"CapEff:"*"$(awk '/^CapBnd/ {print $2}' /proc/self/status)" ]]
		run dk exec --privileged "$DK_NAME" sh -c 'grep CapEff /proc/self/status'
		[ "$status" -eq 0 ]
		return 0
	fi
	[ "$status" -ne 0 ]
	[[ "$output" == *"capset: the process asks for "*"which roci itself does not hold"* ]]
	# CAP_SYS_RESOURCE is 24
	if grep -qx 24 <<<"$lacks"; then
		[[ "$output" == *CAP_SYS_RESOURCE* ]]
	fi
	run dk exec --privileged "$DK_NAME" sh -c 'grep CapEff /proc/self/status'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"capset: the process asks for "*"which roci itself does not hold"* ]]
}

# Docker 20.10 gives every exec that fails to start 126, whatever the
# reason (with runc too); the 127 mapping is for `docker run` only.
@test "docker exec of a missing program: 126 and roci's message" {
	docker_target
	run -126 dk exec "$DK_NAME" nosuchprogram
	echo "$output"
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
	# the --log file the shim gave roci (the container's bundle) has it
	local id log
	id=$(dk_field "$DK_NAME" '{{.Id}}')
	log=$CB/ctd/state/io.containerd.runtime.v2.task/moby/$id/log.json
	argv_has "^--root [^ ]+ --log $log --log-format json exec "
	jq -e 'select(.level == "error" and (.msg | contains("exec: \"nosuchprogram\": executable file not found")))' "$log"
	run dk exec "$DK_NAME" true
	[ "$status" -eq 0 ]
}

@test "docker run maps a missing program to 127; the --log file has roci's error" {
	rm -rf "$CB/faillog"
	run -127 dk run --name roci-dtmp --runtime roci roci-busybox nosuchprogram
	echo "$output"
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
	argv_has "^$SHIM_G create --bundle [^ ]+ --pid-file [^ ]+ [0-9a-f]{64}\$"
	faillog_has 'exec: "nosuchprogram": executable file not found in $PATH'
}

# the docker client matches "permission denied" case-sensitively (runc's,
# Go's spelling of EACCES)
@test "docker run maps a non-executable file to 126" {
	run dk run --name roci-dtmp --runtime roci roci-busybox /etc/passwd
	echo "$output"
	[ "$status" -eq 126 ]
	[[ "$output" == *"permission denied"* ]]
}
