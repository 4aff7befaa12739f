#!/usr/bin/env bats
# roci as the runc binary of containerd 1.6's runc v2 shim, driven with ctr,
# in a private containerd (tests/callers/lib.bash).
#
# How the shim is told to run roci: `ctr run --runc-binary` puts BinaryName
# in the container's runtime options (io.containerd.runc.v2's Options),
# which the shim gets with the task's create request; without one, the shim
# runs `runc` from its PATH (containerd's, here with $CB/bin first). ctr
# 1.6's --runtime-config-path applies to other runtimes only. Both are
# tested.
#
# What the 1.6 shim runs (each asserted below from the wrapper's
# $CB/argv.log): `--root R --log B/log.json --log-format json` then create
# --bundle --pid-file [--console-socket], start, kill [--all] ID SIGNUM,
# delete, exec --process F --detach --pid-file [--console-socket], pause,
# resume, ps --format json, update --resources -. It reads the cgroup
# itself for `task metrics` and never runs `events` or `features` (go-runc
# v1.0.0 has no features call): roci's `events --stats` is compared with
# the shim's figures instead.
load lib
# unique per run: ctr's default cgroup path is /default/ID on the host
CTR_ID=roci-c1-${CB##*.}

setup_file() {
	install_callers
	callers_tmp
	if ! start_containerd || ! ctr_import_busybox; then
		callers_cleanup
		return 1
	fi
}

teardown_file() {
	callers_cleanup
}

setup() { :; }
teardown() { :; }

# ctr_target: the long-running ctr container the exec tests share (started
# by the first test that needs it, removed by teardown_file)
ctr_target() {
	[ "$(ctrc task ls 2>/dev/null | awk -v id="$CTR_ID" '$1 == id {print $3}')" = RUNNING ] && return 0
	ctrc task rm -f "$CTR_ID" >/dev/null 2>&1 || true
	ctrc containers rm "$CTR_ID" >/dev/null 2>&1 || true
	ctrc run -d --null-io --runtime io.containerd.runc.v2 --runc-binary "$CB/roci" \
		--runc-root "$CTR_ROOT" "$IMAGE" "$CTR_ID" sleep 1000
}

# ctr_exec ARGS...: ctr task exec with a fresh exec id (and its fifos here)
ctr_exec() { ctrc task exec --fifo-dir "$CB/fifo" --exec-id "e$BATS_TEST_NUMBER-$RANDOM" "$@"; }

# cid NAME: a container id unique to this run
cid() { echo "roci-$1-${CB##*.}"; }

# ctr_run ARGS...: ctr run with roci as the shim's runc binary
ctr_run() {
	ctrc run --runtime io.containerd.runc.v2 --runc-binary "$CB/roci" --runc-root "$CTR_ROOT" "$@"
}

# task_field ID COLUMN: a column of `ctr task ls` (2: pid, 3: status)
task_field() {
	ctrc task ls 2>/dev/null | awk -v id="$1" -v c="$2" '$1 == id {print $c}'
}

task_is() { [ "$(task_field "$1" 3)" = "$2" ]; }

# rstate ID: roci's state of a ctr container (the shim's --root)
rstate() { "$ROCI" --root "$CTR_ROOT/default" state "$1"; }

# ctr_rm ID: remove a ctr container and its task
ctr_rm() {
	ctrc task rm -f "$1" >/dev/null 2>&1 || true
	ctrc containers rm "$1" >/dev/null 2>&1 || true
}

# ctr_cgroup_file ID CONTROLLER FILE: a cgroup file of the task's init
ctr_cgroup_file() { pid_cgroup_file "$(task_field "$1" 2)" "$2" "$3"; }

# ctr_update SOCK ID JSON: containerd's Tasks.Update, as a client with
# containerd's Go library sends it (ctr 1.6 has no `task update`): the
# LinuxResources are an Any of type
# types.containerd.io/opencontainers/runtime-spec/1/LinuxResources whose
# value is their JSON. The protobuf message is written by hand (field 1:
# container_id, 2: resources; Any's 1: type_url, 2: value).
ctr_update() {
	/usr/bin/python3 - "$@" <<'PY'
import sys, grpc
sock, cid, res = sys.argv[1:4]
def varint(n):
    out = b""
    while True:
        b = n & 0x7f
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])
def field(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data
url = b"types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"
req = field(1, cid.encode()) + field(2, field(1, url) + field(2, res.encode()))
ch = grpc.insecure_channel("unix://" + sock)
call = ch.unary_unary("/containerd.services.tasks.v1.Tasks/Update")
call(req, metadata=[("containerd-namespace", "default")], timeout=60)
PY
}

@test "ctr run -d: the task runs under roci" {
	ctr_target
	run ctrc task ls
	echo "$output"
	local pid
	pid=$(awk -v id="$CTR_ID" '$1 == id && $3 == "RUNNING" {print $2}' <<<"$output")
	[ -n "$pid" ]
	roci_running "$CTR_ROOT/default" "$CTR_ID" "$pid"
}

@test "ctr task exec: output and exit status" {
	ctr_target
	run ctr_exec "$CTR_ID" sh -c 'echo hi'
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run last_exec_argv
	echo "$output"
	[[ "$output" == *" exec "*"--process "*" --detach"*"--pid-file "*" $CTR_ID" ]]
	[[ "$output" == *"--log $CB/ctd/state/"*"/log.json --log-format json "* ]]
	run ctr_exec "$CTR_ID" sh -c 'exit 5'
	[ "$status" -eq 5 ]
}

@test "ctr task exec --user --cwd" {
	ctr_target
	run ctr_exec --user 65534 --cwd /tmp "$CTR_ID" sh -c 'id -u; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = /tmp ]
}

@test "ctr task exec -t under a pseudo-terminal" {
	ctr_target
	run in_pty "ctr -a $CTD_SOCK task exec --fifo-dir $CB/fifo -t --exec-id pty$RANDOM $CTR_ID sh -c 'tty; exit 3'"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	run last_exec_argv
	echo "$output"
	[[ "$output" == *" exec "*"--console-socket "*" $CTR_ID" ]]
}

@test "ctr task exec of a missing program fails with roci's message" {
	ctr_target
	run ctr_exec "$CTR_ID" nosuchprogram
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
	# the shim took it from roci's --log file
	local log
	log=$(find "$CB/ctd/state" -path "*/$CTR_ID/log.json")
	[ -n "$log" ]
	jq -e 'select(.level == "error" and (.msg | contains("executable file not found")))' "$log"
	# the container is unharmed
	run ctr_exec "$CTR_ID" true
	[ "$status" -eq 0 ]
}


@test "ctr run --rm: output, exit status, and the shim's create/start/delete" {
	local id
	id=$(cid rm)
	: >"$CB/argv.log"
	run ctr_run --rm "$IMAGE" "$id" sh -c 'echo out-$((6 * 7)); exit 7'
	echo "$output"
	[ "$status" -eq 7 ]
	[ "$output" = out-42 ]
	argv_has "^$SHIM_G create --bundle [^ ]+/$id --pid-file [^ ]+ $id\$"
	argv_has "^$SHIM_G start $id\$"
	argv_has "^$SHIM_G delete $id\$"
	# every call had the global options, --root first
	run grep -Ev "^$SHIM_G " "$CB/argv.log"
	[ -z "$output" ]
	# --rm: nothing left, in ctr or under roci's root
	[ -z "$(ctrc containers ls -q | grep -x "$id")" ]
	[ ! -e "$CTR_ROOT/default/$id" ]
}

# the container's init traps SIGTERM and exits 3; ctr sees the status
@test "ctr run -d, task kill -s SIGTERM: the signal and the exit status" {
	local id
	id=$(cid kill)
	ctr_run -d --null-io "$IMAGE" "$id" sh -c 'trap "exit 3" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
	wait_for "$id running" 60 task_is "$id" RUNNING
	# the trap is set (a pid 1 without a handler ignores SIGTERM)
	wait_for "$id's trap" 60 ctr_exec "$id" test -e /tmp/ready
	ctrc task kill -s SIGTERM "$id"
	wait_for "$id stopped" 60 task_is "$id" STOPPED
	argv_has "^$SHIM_G kill $id 15\$"
	[ "$(rstate "$id" | jq -r .status)" = stopped ]
	# ctr task rm reports the task's status
	run ctrc task rm "$id"
	echo "$output"
	[[ "$output" == *"task $id exit with non-zero exit code 3"* ]]
	argv_has "^$SHIM_G delete $id\$"
	run rstate "$id"
	[ "$status" -ne 0 ]
	[ ! -e "$CTR_ROOT/default/$id" ]
	ctrc containers rm "$id"
}

@test "ctr task kill --all: kill --all ID 9 stops every process" {
	local id pid
	id=$(cid killall)
	ctr_run -d --null-io "$IMAGE" "$id" sh -c 'sleep 1000 & sleep 1000; :'
	wait_for "$id running" 60 task_is "$id" RUNNING
	wait_for "3 processes in $id" 30 eval '[ "$(ctrc task ps "$id" | tail -n +2 | wc -l)" -eq 3 ]'
	local pids
	pids=$(ctrc task ps "$id" | awk 'NR > 1 {print $1}')
	ctrc task kill --all -s SIGKILL "$id"
	wait_for "$id stopped" 60 task_is "$id" STOPPED
	argv_has "^$SHIM_G kill --all $id 9\$"
	for pid in $pids; do
		wait_for "pid $pid gone" 30 pid_gone "$pid"
	done
	run ctrc task rm "$id"
	[[ "$output" == *"task $id exit with non-zero exit code 137"* ]]
	ctrc containers rm "$id"
}

@test "ctr task pause/resume: PAUSED, then RUNNING, and roci's state agrees" {
	ctr_target
	ctrc task pause "$CTR_ID"
	wait_for "$CTR_ID paused" 30 task_is "$CTR_ID" PAUSED
	[ "$(rstate "$CTR_ID" | jq -r .status)" = paused ]
	argv_has "^$SHIM_G pause $CTR_ID\$"
	# frozen: the init's state in the freezer
	[ "$(ctr_cgroup_file "$CTR_ID" freezer freezer.state)" = FROZEN ]
	ctrc task resume "$CTR_ID"
	wait_for "$CTR_ID running" 30 task_is "$CTR_ID" RUNNING
	[ "$(rstate "$CTR_ID" | jq -r .status)" = running ]
	argv_has "^$SHIM_G resume $CTR_ID\$"
	[ "$(ctr_cgroup_file "$CTR_ID" freezer freezer.state)" = THAWED ]
	run ctr_exec "$CTR_ID" echo thawed
	[ "$output" = thawed ]
}

@test "ctr task ps: the pids from roci ps --format json" {
	ctr_target
	local init
	init=$(task_field "$CTR_ID" 2)
	run ctrc task ps "$CTR_ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "PID    INFO" ] || [[ "${lines[0]}" == PID* ]]
	awk 'NR > 1 {print $1}' <<<"$output" | grep -qx "$init"
	argv_has "^$SHIM_G ps --format json $CTR_ID\$"
	# the same pids roci gives
	[ "$(awk 'NR > 1 {print $1}' <<<"$output" | sort -n)" = \
		"$("$ROCI" --root "$CTR_ROOT/default" ps --format json "$CTR_ID" | jq -r '.[]' | sort -n)" ]
}

@test "ctr task metrics: memory, cpu and pids figures; roci events --stats agrees" {
	ctr_target
	run ctrc task metrics --format json "$CTR_ID"
	echo "$output"
	[ "$status" -eq 0 ]
	local mem cpu pids
	mem=$(jq -r '.memory.usage.usage' <<<"$output")
	cpu=$(jq -r '.cpu.usage.total' <<<"$output")
	pids=$(jq -r '.pids.current' <<<"$output")
	[ "$mem" -gt 0 ]
	[ "$cpu" -gt 0 ]
	[ "$pids" -ge 1 ]
	# the shim read the cgroup roci made: roci's own figures
	run "$ROCI" --root "$CTR_ROOT/default" events --stats "$CTR_ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .data.pids.current <<<"$output")" = "$pids" ]
	[ "$(jq -r .data.memory.usage.usage <<<"$output")" -gt 0 ]
	[ "$(jq -r .data.cpu.usage.total <<<"$output")" -ge "$cpu" ]
}

# ctr 1.6 has no `task update`: containerd's Tasks.Update, called over its
# gRPC socket, makes the shim run `update --resources -`
@test "Tasks.Update through the shim: update --resources - sets the cgroup" {
	ctr_target
	ctr_update "$CTD_SOCK" "$CTR_ID" \
		'{"memory":{"limit":134217728},"cpu":{"shares":256},"pids":{"limit":42}}'
	argv_has "^$SHIM_G update --resources - $CTR_ID\$"
	cat "$CB/update.json"
	[ "$(jq -c . "$CB/update.json")" = '{"memory":{"limit":134217728},"cpu":{"shares":256},"pids":{"limit":42}}' ]
	[ "$(ctr_cgroup_file "$CTR_ID" memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(ctr_cgroup_file "$CTR_ID" cpu cpu.shares)" = 256 ]
	[ "$(ctr_cgroup_file "$CTR_ID" pids pids.max)" = 42 ]
}

@test "ctr run -t under a pseudo-terminal: create --console-socket" {
	local id
	id=$(cid tty)
	: >"$CB/argv.log"
	run in_pty "ctr -a $CTD_SOCK run --rm -t --runtime io.containerd.runc.v2 --runc-binary $CB/roci --runc-root $CTR_ROOT $IMAGE $id sh -c 'tty; echo a; exit 4'"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	[[ "$output" == *a* ]]
	argv_has "^$SHIM_G create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ $id\$"
}

@test "ctr run of a missing program: roci's message in ctr's output and the --log file" {
	local id
	id=$(cid missing)
	rm -rf "$CB/faillog"
	run ctr_run --rm "$IMAGE" "$id" nosuchprogram
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
	argv_has "^$SHIM_G create --bundle [^ ]+ --pid-file [^ ]+ $id\$"
	faillog_has 'exec: "nosuchprogram": executable file not found in $PATH'
	ctr_rm "$id"
	[ ! -e "$CTR_ROOT/default/$id" ]
}

# no BinaryName in the runtime options: the shim runs `runc` from its PATH
@test "the shim's default runc binary (no BinaryName) is roci from PATH" {
	local id
	id=$(cid path)
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%s\nexec %s "$@"\n' "$CB/runc-argv.log" "$CB/roci" >"$CB/bin/runc"
	chmod 755 "$CB/bin/runc"
	run ctrc run --rm --runtime io.containerd.runc.v2 --runc-root "$CTR_ROOT" "$IMAGE" "$id" sh -c 'echo via-path; exit 2'
	rm -f "$CB/bin/runc"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$output" = via-path ]
	cat "$CB/runc-argv.log"
	grep -Eq "^$SHIM_G create --bundle [^ ]+ --pid-file [^ ]+ $id\$" "$CB/runc-argv.log"
	grep -Eq "^$SHIM_G delete $id\$" "$CB/runc-argv.log"
}
