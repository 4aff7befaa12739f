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
