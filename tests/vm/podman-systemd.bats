#!/usr/bin/env bats
# podman with cgroup_manager = "systemd" calls roci with --systemd-cgroup
# and cgroupsPath "machine.slice:libpod:<id>": a real caller of the systemd
# driver, against the real systemd of the test VM.
load ../integration/helpers
bats_require_minimum_version 1.5.0

setup_file() {
	export PM=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PM"
	chmod 755 "$BATS_FILE_TMPDIR" "$PM"
	cat >"$PM/containers.conf" <<EOC
[containers]
default_ulimits = ["nofile=10240:10240", "nproc=32768:32768"]
log_driver = "k8s-file"
netns = "none"
[engine]
cgroup_manager = "systemd"
events_logger = "file"
EOC
	cat >"$PM/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$PM/graph"
runroot = "$PM/run"
EOC
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

@test "podman (systemd cgroup manager): the container is a libpod scope with its limits; rm stops it" {
	run pm run -d --name sd1 --memory 64m --pids-limit 30 localhost/roci-busybox sleep 1000
	[ "$status" -eq 0 ]
	local id unit pid
	id=$(pm inspect -f '{{.Id}}' sd1)
	unit=libpod-$id.scope
	[ "$(systemctl is-active "$unit")" = active ]
	[ "$(systemctl show -p Slice --value "$unit")" = machine.slice ]
	[ "$(systemctl show -p TasksMax --value "$unit")" = 30 ]
	pid=$(pm inspect -f '{{.State.Pid}}' sd1)
	grep -q "/machine.slice/$unit\$" "/proc/$pid/cgroup"
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(systemctl show -p MemoryMax --value "$unit")" = 67108864 ]
		[ "$(cat "/sys/fs/cgroup/machine.slice/$unit/memory.max")" = 67108864 ]
	else
		[ "$(systemctl show -p MemoryLimit --value "$unit")" = 67108864 ]
		[ "$(cat "/sys/fs/cgroup/memory/machine.slice/$unit/memory.limit_in_bytes")" = 67108864 ]
	fi
	run pm stop -t 1 sd1
	[ "$status" -eq 0 ]
	run pm rm sd1
	[ "$status" -eq 0 ]
	! systemctl is-active "$unit"
	[ -z "$(ls -A "$PM/roci-state")" ]
}

@test "podman (systemd cgroup manager): run --rm and the exit status" {
	run pm run --rm localhost/roci-busybox sh -c 'echo hi; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hi ]
}
