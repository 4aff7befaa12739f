#!/usr/bin/env bats
# roci under a real caller: podman 4.3 through conmon, with private config
# and storage so the host's /etc stays untouched.
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	export PM=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PM"
	chmod 755 "$BATS_FILE_TMPDIR" "$PM"
	cat >"$PM/containers.conf" <<EOC
[containers]
default_ulimits = ["nofile=10240:10240", "nproc=32768:32768"]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOC
	cat >"$PM/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$PM/graph"
runroot = "$PM/run"
EOC
	# podman's cleanup drops --runtime-flag: a wrapper gives roci its root
	printf '#!/bin/sh\nexec %s --root %s "$@"\n' "$ROCI" "$PM/roci-state" >"$PM/roci"
	chmod 755 "$PM/roci"
	export CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf
	tar -C "$(rootfs_cache)" -c . | podman import - localhost/roci-busybox:latest >/dev/null
}

teardown_file() {
	podman rm -af -t 0 >/dev/null 2>&1 || true
	podman system reset -f >/dev/null 2>&1 || true
	umount -R "$PM/graph" 2>/dev/null || true
}

setup() { :; }
teardown() { :; }

pm() {
	podman --runtime "$PM/roci" "$@"
}

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
