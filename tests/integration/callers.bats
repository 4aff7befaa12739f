#!/usr/bin/env bats
# roci under two more real callers, both through containerd-shim-runc-v2:
# containerd 1.6 (driven with ctr) and Docker 20.10 (dockerd, on the same
# containerd). Both daemons are private: their own root, state, sockets and
# config, so the host's daemons and /etc stay untouched. The runtime is a
# wrapper that logs its argv to $CB/argv.log, then execs $ROCI.
load helpers
bats_require_minimum_version 1.5.0

# the docker.io client: another docker may come first in PATH
DOCKER=/usr/bin/docker
IMAGE=docker.io/library/roci-busybox:latest
CTR_ID=roci-c1
DK_NAME=roci-d1

ctrc() { ctr -a "$CTD_SOCK" "$@"; }
dk() { "$DOCKER" -H "unix://$DK_SOCK" "$@"; }

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for ((i = 0; i < secs * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "timed out after ${secs}s waiting for $what" >&2
	return 1
}

# in_pty CMDLINE: run the shell command line with a pseudo-terminal as its
# stdio (util-linux script), bounded. Its status is the command's.
in_pty() {
	timeout 120 script -qec "$1" /dev/null </dev/null
}

# last_exec_argv: the last `exec` command line roci got from a caller
last_exec_argv() {
	grep -E '^(--[a-z-]+ [^ ]+ )*exec ' "$CB/argv.log" | tail -n 1
}

install_callers() {
	local made='' rc=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		# the packages' scripts must not start the host's containerd and dockerd
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made=1
	fi
	"$REPO/tests/lib/deps.sh" containerd docker.io || rc=$?
	[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d
	return "$rc"
}

# wait_daemon NAME PID LOG READY_CMD...: wait (up to 90 s) until READY_CMD
# succeeds; fail early, with the end of LOG, if the daemon dies
wait_daemon() {
	local name=$1 pid=$2 log=$3 i
	shift 3
	for ((i = 0; i < 450; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if pid_gone "$pid"; then
			echo "$name exited during startup; the end of its log ($log):" >&2
			tail -n 20 "$log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "$name did not answer within 90 s; the end of its log ($log):" >&2
	tail -n 20 "$log" >&2
	return 1
}

start_containerd() {
	mkdir -p "$CB/ctd"
	cat >"$CB/ctd/config.toml" <<EOF
version = 2
root = "$CB/ctd/root"
state = "$CB/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[debug]
  address = "$CB/ctd/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CB/ctd/opt"
EOF
	containerd --config "$CB/ctd/config.toml" >"$CB/ctd/log" 2>&1 </dev/null 3>&- &
	echo $! >"$CB/ctd/pid"
	wait_daemon containerd "$(cat "$CB/ctd/pid")" "$CB/ctd/log" ctr -a "$CTD_SOCK" version
}

start_dockerd() {
	mkdir -p "$CB/dk"
	# the trust key would go to /etc/docker/key.json (no flag, a config key)
	printf '{"deprecated-key-path": "%s"}\n' "$CB/dk/key.json" >"$CB/dk/daemon.json"
	dockerd --config-file "$CB/dk/daemon.json" \
		--data-root "$CB/dk/data" --exec-root "$CB/dk/exec" -H "unix://$DK_SOCK" \
		--pidfile "$CB/dk/pid" --containerd "$CTD_SOCK" \
		--iptables=false --ip6tables=false --bridge=none \
		--exec-opt native.cgroupdriver=cgroupfs \
		--default-ulimit nofile=10240:10240 --default-ulimit nproc=32768:32768 \
		--add-runtime "roci=$CB/roci" >"$CB/dk/log" 2>&1 </dev/null 3>&- &
	echo $! >"$CB/dk/pid.bg"
	wait_daemon dockerd "$(cat "$CB/dk/pid.bg")" "$CB/dk/log" dk version --format '{{.Server.Version}}'
}

setup_file() {
	install_callers
	# short: the sockets live here
	CB=$(mktemp -d /tmp/roci-callers.XXXXXX)
	chmod 755 "$CB"
	export CB CTD_SOCK=$CB/ctd/ctd.sock DK_SOCK=$CB/dk/docker.sock
	export DOCKER_CONFIG=$CB/docker-config CTR_ROOT=$CB/ctr-runc-root
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%s\nexec %s "$@"\n' "$CB/argv.log" "$ROCI" >"$CB/roci"
	chmod 755 "$CB/roci"
	if ! start_containerd || ! start_dockerd; then
		teardown_file
		return 1
	fi
	local rootfs
	rootfs=$(rootfs_cache)
	tar -C "$rootfs" -c . | dk import - roci-busybox >/dev/null
	dk save -o "$CB/busybox.tar" roci-busybox
	ctrc images import "$CB/busybox.tar" >/dev/null
	if ! ctrc images ls -q | grep -qx "$IMAGE"; then
		echo "ctr images import did not give $IMAGE" >&2
		return 1
	fi
}

# stop_daemon PID: SIGTERM, then SIGKILL after 60 s
stop_daemon() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		pid_gone "$pid" && return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
}

teardown_file() {
	[ -n "${CB:-}" ] && [ -d "$CB" ] || return 0
	local id
	if [ -S "$DK_SOCK" ]; then
		for id in $(dk ps -aq 2>/dev/null); do
			dk rm -f "$id" >/dev/null 2>&1 || true
		done
	fi
	stop_daemon "$(cat "$CB/dk/pid.bg" 2>/dev/null)"
	local ns
	if [ -S "$CTD_SOCK" ]; then
		# ctr's, and any that dockerd left in its namespace
		for ns in default moby; do
			for id in $(ctrc -n "$ns" containers ls -q 2>/dev/null); do
				ctrc -n "$ns" task rm -f "$id" >/dev/null 2>&1 || true
				ctrc -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
			done
		done
	fi
	stop_daemon "$(cat "$CB/ctd/pid" 2>/dev/null)"
	# shims left by a failed test: ours name our socket on their command line
	local pid
	for pid in $(pgrep -f -- "-address $CTD_SOCK" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	grep -o " $CB/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$CB"
}

setup() { :; }

teardown() {
	dk rm -f roci-dtmp >/dev/null 2>&1 || true
}

# ctr_target: the long-running ctr container the exec tests share (started
# by the first test that needs it, removed by teardown_file)
ctr_target() {
	[ "$(ctrc task ls 2>/dev/null | awk -v id="$CTR_ID" '$1 == id {print $3}')" = RUNNING ] && return 0
	ctrc task rm -f "$CTR_ID" >/dev/null 2>&1 || true
	ctrc containers rm "$CTR_ID" >/dev/null 2>&1 || true
	ctrc run -d --null-io --runtime io.containerd.runc.v2 --runc-binary "$CB/roci" \
		--runc-root "$CTR_ROOT" "$IMAGE" "$CTR_ID" sleep 1000
}

# docker_target: the same for docker
docker_target() {
	[ "$(dk inspect --format '{{.State.Running}}' "$DK_NAME" 2>/dev/null)" = true ] && return 0
	dk rm -f "$DK_NAME" >/dev/null 2>&1 || true
	dk run -d --name "$DK_NAME" --runtime roci roci-busybox sleep 1000 >/dev/null
}

# ctr_exec ARGS...: ctr task exec with a fresh exec id (and its fifos here)
ctr_exec() { ctrc task exec --fifo-dir "$CB/fifo" --exec-id "e$BATS_TEST_NUMBER-$RANDOM" "$@"; }

# --- containerd (ctr) ---

@test "ctr run -d: the task runs under roci" {
	ctr_target
	run ctrc task ls
	echo "$output"
	local pid
	pid=$(awk -v id="$CTR_ID" '$1 == id && $3 == "RUNNING" {print $2}' <<<"$output")
	[ -n "$pid" ]
	run "$ROCI" --root "$CTR_ROOT/default" state "$CTR_ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
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

# --- Docker ---

@test "docker run -d --runtime roci: the container runs under roci" {
	docker_target
	local id pid
	id=$(dk inspect --format '{{.Id}}' "$DK_NAME")
	pid=$(dk inspect --format '{{.State.Pid}}' "$DK_NAME")
	run "$ROCI" --root "$CB/dk/exec/runtime-runc/moby" state "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
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

# Docker 20.10 gives every exec that fails to start 126, whatever the
# reason (with runc too); the 127 mapping is for `docker run` only.
@test "docker exec of a missing program: 126 and roci's message" {
	docker_target
	run -126 dk exec "$DK_NAME" nosuchprogram
	echo "$output"
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
	run dk exec "$DK_NAME" true
	[ "$status" -eq 0 ]
}

@test "docker run maps a missing program to 127" {
	run -127 dk run --name roci-dtmp --runtime roci roci-busybox nosuchprogram
	echo "$output"
	[[ "$output" == *"executable file not found"* ]]
}

# the docker client matches "permission denied" case-sensitively (runc's,
# Go's spelling of EACCES)
@test "docker run maps a non-executable file to 126" {
	run dk run --name roci-dtmp --runtime roci roci-busybox /etc/passwd
	echo "$output"
	[ "$status" -eq 126 ]
	[[ "$output" == *"permission denied"* ]]
}
