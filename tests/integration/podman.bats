#!/usr/bin/env bats
# roci under a real caller: podman 4.3 through conmon, with private config
# and storage so the host's /etc stays untouched.
load helpers
. "$REPO/tests/lib/podman.bash"
bats_require_minimum_version 1.5.0

setup_file() {
	podman_setup cgroupfs
}

teardown_file() {
	podman_teardown
}

setup() { :; }
teardown() { :; }

@test "podman run through roci" {
	run pm run --rm localhost/roci-busybox sh -c 'echo hello; ps -o pid,args'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	echo "$output"
	grep -Eq '^ *1 .*sh -c echo hello' <<<"$output"
}

@test "podman sees the container's exit status" {
	run pm run --rm localhost/roci-busybox sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "podman maps a missing program to 127" {
	run -127 pm run --rm localhost/roci-busybox nosuchprogram
	[ "$status" -eq 127 ]
	[[ "$output" == *"executable file not found"* ]]
}

@test "podman run -d, ps, stop, rm" {
	run pm run -d --name p1 localhost/roci-busybox sleep 100
	[ "$status" -eq 0 ]
	run pm ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == "p1 Up"* ]]
	run pm stop -t 1 p1
	[ "$status" -eq 0 ]
	run pm rm p1
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$PM/roci-state")" ]
}
