#!/usr/bin/env bats
# checkpoint and restore through Debian's criu (3.17), which cannot dump on
# the host's 6.18 kernel (its vDSO check fails) but can on the VM's 6.1:
# tests/vm/run.sh runs this file in v2 and v1. The host keeps the error
# paths (tests/integration/checkpoint.bats).
load ../integration/helpers

setup() {
	common_setup
	CID=cr$BATS_TEST_NUMBER-$$
	IMG=$BATS_TEST_TMPDIR/img
	mkdir -p "$BATS_TEST_TMPDIR/host-data"
	echo from-host >"$BATS_TEST_TMPDIR/host-data/f"
	# a counter that writes where the test can read it (renamed into
	# place: a dump between the truncation and the write of a plain
	# `echo >` would leave the file empty), and a bind mount
	# from the host (an external mount for CRIU)
	update_config '.mounts += [{"destination": "/data", "type": "bind",
		"source": "'"$BATS_TEST_TMPDIR"'/host-data", "options": ["rbind", "ro"]}]'
	set_args sh -c 'i=0; while true; do echo $i >/tmp/count.n; mv /tmp/count.n /tmp/count; i=$((i+1)); sleep 0.1; done'
}
teardown() {
	common_teardown
}

count() { cat "$BUNDLE/rootfs/tmp/count"; }

# counting_past N: the counter goes beyond N, within 10 s
counting_past() {
	wait_until 10 eval '[ "$(count)" -gt '"$1"' ]'
}

# the container's cgroup, in the hierarchy of the pids controller
pids_cgroup() {
	awk -F: '$2 ~ /(^|,)pids(,|$)/ || $1 == "0" {print $3; exit}' "/proc/$1/cgroup"
}

@test "checkpoint ends and deletes the container; restore -d brings it back counting, in its cgroup, with its mounts" {
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	counting_past 3
	local old new at cg
	old=$(roci state "$CID" | jq .pid)
	cg=$(pids_cgroup "$old")
	roci checkpoint --image-path "$IMG" "$CID"
	# runc's behaviour: the processes are gone, and so is the container
	pid_gone "$old"
	rrun roci state "$CID"
	[[ "$output" == *"does not exist"* ]]
	[ "$(state_dirs)" -eq 0 ]
	[ -s "$IMG/descriptors.json" ] && [ -s "$IMG/dump.log" ]
	at=$(count)
	sleep 0.3
	[ "$(count)" = "$at" ]

	roci restore -d -b "$BUNDLE" --image-path "$IMG" "$CID" </dev/null >/dev/null 2>&1
	[ "$(roci state "$CID" | jq -r .status)" = running ]
	new=$(roci state "$CID" | jq .pid)
	# it goes on from where it was, not from 0
	counting_past "$at"
	[ "$(count)" -lt $((at + 200)) ]
	[ "$(pids_cgroup "$new")" = "$cg" ]
	[ "$(cat "/proc/$new/root/data/f")" = from-host ]
	grep -q " /data ro," "/proc/$new/mountinfo"
	roci ps "$CID" | grep -q "$new"
	roci delete -f "$CID"
	pid_gone "$new"
	[ "$(state_dirs)" -eq 0 ]
}

@test "checkpoint and restore --empty-ns network: the network is not saved, and comes back new and empty" {
	# CAP_NET_ADMIN, to bring lo up: a restored namespace keeps it up, a
	# new one has it down
	update_config '.process.capabilities.bounding += ["CAP_NET_ADMIN"] |
		.process.capabilities.effective += ["CAP_NET_ADMIN"] |
		.process.capabilities.permitted += ["CAP_NET_ADMIN"]'
	set_args sh -c 'ip link set lo up; i=0; while true; do echo $i >/tmp/count.n; mv /tmp/count.n /tmp/count; i=$((i+1)); sleep 0.1; done'
	# lo_up PID: whether lo is up in PID's network namespace
	lo_up() { nsenter -t "$1" -n ip -o link show lo | grep -q '[<,]UP[,>]'; }
	# without the flag: the devices are in the images, lo comes back up
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	counting_past 2
	lo_up "$(roci state "$CID" | jq .pid)"
	roci checkpoint --image-path "$IMG" "$CID"
	ls "$IMG" | grep -q '^netdev-'
	roci restore -d -b "$BUNDLE" --image-path "$IMG" "$CID" </dev/null >/dev/null 2>&1
	lo_up "$(roci state "$CID" | jq .pid)"
	# with it: no device saved, and a new namespace with lo down
	rm -rf "$IMG"
	roci checkpoint --empty-ns network --image-path "$IMG" "$CID"
	! ls "$IMG" | grep -q '^netdev-' || false
	local at
	at=$(count)
	roci restore -d --empty-ns network -b "$BUNDLE" --image-path "$IMG" "$CID" </dev/null >/dev/null 2>&1
	[ "$(roci state "$CID" | jq -r .status)" = running ]
	counting_past "$at"
	! lo_up "$(roci state "$CID" | jq .pid)" || false
	roci delete -f "$CID"
	[ "$(state_dirs)" -eq 0 ]
}

@test "checkpoint --leave-running, and --pre-dump followed by --parent-path" {
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	counting_past 2
	local pid
	pid=$(roci state "$CID" | jq .pid)
	roci checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" "$CID"
	[ "$(roci state "$CID" | jq -r .status)" = running ]
	roci checkpoint --leave-running --parent-path ../pre --image-path "$IMG" "$CID"
	[ "$(roci state "$CID" | jq -r .status)" = running ]
	[ "$(roci state "$CID" | jq .pid)" = "$pid" ]
	local at
	at=$(count)
	counting_past "$at"
	# the dump used the pre-dump's pages: its parent link is there
	[ -L "$IMG/parent" ]
	roci delete -f "$CID"
	# the images restore a second copy of it
	roci restore -d -b "$BUNDLE" --image-path "$IMG" "$CID" </dev/null >/dev/null 2>&1
	counting_past "$at"
}

@test "restore in the foreground waits for the container, exits with its status and deletes it" {
	set_args sh -c 'i=0; while [ $i -lt 40 ]; do echo $i >/tmp/count.n; mv /tmp/count.n /tmp/count; i=$((i+1)); sleep 0.1; done; exit 7'
	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	counting_past 1
	roci checkpoint --image-path "$IMG" "$CID"
	rrun roci restore -b "$BUNDLE" --image-path "$IMG" "$CID"
	[ "$status" -eq 7 ]
	[ "$(count)" = 39 ]
	[ "$(state_dirs)" -eq 0 ]
}

# the highest "tickN" in file OUT (-1 when there is none)
last_tick() {
	{ grep -o 'tick[0-9]*' "$1" || true; } | tr -d tick | sort -n | tail -n 1 | grep . || echo -1
}

@test "a container with a terminal: restore hands a new pty to the console socket, or relays it in the foreground" {
	update_config '.process.terminal = true'
	set_args sh -c 'i=0; while true; do echo tick$i; echo $i >/tmp/count.n; mv /tmp/count.n /tmp/count; i=$((i+1)); sleep 0.1; done'
	console_receiver "$BATS_TEST_TMPDIR/c1.sock" "$BATS_TEST_TMPDIR/c1.out"
	roci run -d --console-socket "$BATS_TEST_TMPDIR/c1.sock" -b "$BUNDLE" "$CID" </dev/null
	wait_until 20 eval '[ "$(last_tick "$BATS_TEST_TMPDIR/c1.out")" -ge 3 ]'
	roci checkpoint --image-path "$IMG" "$CID"
	[ "$(state_dirs)" -eq 0 ]
	# the pty was external to the dump: its old master hangs up
	wait_until 20 eval '! kill -0 $CONSOLE_PID 2>/dev/null'
	local at
	at=$(last_tick "$BATS_TEST_TMPDIR/c1.out")

	# detached: the new pty's master goes to the console socket
	console_receiver "$BATS_TEST_TMPDIR/c2.sock" "$BATS_TEST_TMPDIR/c2.out"
	roci restore -d --console-socket "$BATS_TEST_TMPDIR/c2.sock" -b "$BUNDLE" --image-path "$IMG" "$CID" </dev/null
	wait_until 20 eval '[ "$(last_tick "$BATS_TEST_TMPDIR/c2.out")" -gt '"$at"' ]'
	# it goes on from where it was, on the new terminal, which is its
	# controlling terminal, its stdio and /dev/console
	local first pid
	first=$({ grep -o 'tick[0-9]*' "$BATS_TEST_TMPDIR/c2.out" || true; } | head -n 1 | tr -d tick)
	[ "$first" -gt "$at" ] && [ "$first" -lt $((at + 50)) ]
	pid=$(roci state "$CID" | jq .pid)
	[ "$(awk '{print $7}' "/proc/$pid/stat")" -ne 0 ]
	[[ "$(readlink "/proc/$pid/fd/1")" == /dev/pts/* ]]
	grep -q " /dev/console .* - devpts " "/proc/$pid/mountinfo"

	# in the foreground without a console socket, restore relays the pty
	roci checkpoint --image-path "$IMG.2" "$CID"
	at=$(last_tick "$BATS_TEST_TMPDIR/c2.out")
	roci restore -b "$BUNDLE" --image-path "$IMG.2" "$CID" </dev/null >"$BATS_TEST_TMPDIR/fg.out" 2>&1 &
	local fg=$!
	wait_until 20 eval '[ "$(last_tick "$BATS_TEST_TMPDIR/fg.out")" -gt '"$at"' ]'
	roci kill "$CID" KILL
	wait "$fg" || true
	wait_until 10 eval '[ "$(state_dirs)" -eq 0 ]'
}

@test "restore errors leave nothing: no images, an id in use, a bad cgroup mode" {
	rrun roci restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/none" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"image path $BATS_TEST_TMPDIR/none: No such file or directory"* ]]
	[ "$(state_dirs)" -eq 0 ]
	[ ! -e "/sys/fs/cgroup/pids/$CID" ] && [ ! -e "/sys/fs/cgroup/$CID" ]

	roci run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	roci checkpoint --leave-running --image-path "$IMG" "$CID"
	rrun roci restore -d -b "$BUNDLE" --image-path "$IMG" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(roci state "$CID" | jq -r .status)" = running ]
	rrun roci restore -d -b "$BUNDLE" --image-path "$IMG" --manage-cgroups-mode bogus "$CID-2"
	[ "$status" -ne 0 ]
	[[ "$output" == *'invalid --manage-cgroups-mode "bogus"'* ]]
	[ "$(state_dirs)" -eq 1 ]
}
