#!/usr/bin/env bats
# podman with cgroup_manager = "systemd" calls roci with --systemd-cgroup
# and cgroupsPath "machine.slice:libpod:<id>": a real caller of the systemd
# driver, against the real systemd of the test VM.
load ../integration/helpers
. "$REPO/tests/lib/podman.bash"
bats_require_minimum_version 1.5.0

setup_file() {
	podman_setup systemd 'netns = "none"'
}

teardown_file() {
	podman_teardown
}

setup() { :; }
teardown() { :; }

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
	! systemctl is-active "$unit" || false
	[ -z "$(ls -A "$PM/roci-state")" ]
}

@test "podman (systemd cgroup manager): run --rm and the exit status" {
	run pm run --rm localhost/roci-busybox sh -c 'echo hi; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = hi ]
}

@test "podman container checkpoint and restore with roci (CRIU): the counter goes on" {
	run pm run -d --name cr1 localhost/roci-busybox sh -c 'i=0; while true; do echo $i >/tmp/count; i=$((i+1)); sleep 0.1; done'
	[ "$status" -eq 0 ]
	wait_until 10 pm exec cr1 sh -c '[ "$(cat /tmp/count)" -gt 3 ]'
	run pm container checkpoint cr1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pm inspect -f '{{.State.Status}}' cr1)" = exited ]
	[ -z "$(ls -A "$PM/roci-state")" ]
	run pm container restore cr1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pm inspect -f '{{.State.Status}}' cr1)" = running ]
	local at
	at=$(pm exec cr1 cat /tmp/count)
	wait_until 10 pm exec cr1 sh -c '[ "$(cat /tmp/count)" -gt '"$at"' ]'
	# restored from where it was, not started again
	[ "$at" -gt 3 ]
	run pm rm -f -t 0 cr1
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$PM/roci-state")" ]
}

@test "podman container checkpoint and restore of a container with a terminal (-t): conmon gets the new pty" {
	run pm run -d -t --name cr2 localhost/roci-busybox sh -c 'i=0; while true; do echo tick$i; echo $i >/tmp/count; i=$((i+1)); sleep 0.1; done'
	[ "$status" -eq 0 ]
	wait_until 10 pm exec cr2 sh -c '[ "$(cat /tmp/count)" -gt 3 ]'
	run pm container checkpoint cr2
	echo "$output"
	[ "$status" -eq 0 ]
	run pm container restore cr2
	echo "$output"
	[ "$status" -eq 0 ]
	local at
	at=$(pm exec cr2 cat /tmp/count)
	[ "$at" -gt 3 ]
	# what the process writes on its new terminal reaches the log
	wait_until 20 eval 'pm logs cr2 | grep -q "tick$((at + 5))"'
	run pm rm -f -t 0 cr2
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$PM/roci-state")" ]
}
