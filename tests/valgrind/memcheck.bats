#!/usr/bin/env bats
# valgrind's memcheck over every command of a container's life, the error
# paths too, on a dynamic build ($ROCI; tests/run.sh builds build-valgrind).
# memcheck does not know the new mount API (open_tree, fsopen, ...), which
# the init's root filesystem setup needs, so the container has no mount
# namespace here; that setup is covered by the sanitizer run instead. It
# also refuses raising RLIMIT_NOFILE, so the config sets no rlimits. Leaks
# are not checked: roci's commands leave their heap to the exit on purpose.
load ../integration/helpers

setup() {
	common_setup
	export VG_LOGS=$BATS_TEST_TMPDIR/vg VG_SUPP=$BATS_TEST_DIRNAME/roci.supp
	mkdir -p "$VG_LOGS"
	update_config '.linux.namespaces |= map(select(.type != "mount")) | .mounts = [] |
		del(.linux.maskedPaths, .linux.readonlyPaths, .process.rlimits) | .root.readonly = false'
	set_args sleep 1000
	ID=vg$$
}
teardown() {
	common_teardown
}

# vg ARGS...: roci ARGS under memcheck, as `rrun` (status, output)
vg() {
	rrun "$BATS_TEST_DIRNAME/roci-memcheck" "$ROCI" --root "$STATE" "$@"
	[ "$status" -ne 99 ] || { echo "memcheck failed: roci $*"; cat "$VG_LOGS"/vg.*.log; return 1; }
}

# reports FILE: the memcheck errors a log holds: "==PID==" lines, but not
# its warnings about ioctls it does not know ("--PID--" lines are its notes
# on system calls it does not know, which then fail with ENOSYS)
reports() {
	grep '^==[0-9]*==' "$1" | grep -v -e 'unhandled ioctl' -e 'could cause spurious' \
		-e 'README_MISSING_SYSCALL'
}

# no_reports: no process logged a memcheck error
no_reports() {
	local f n=0
	for f in "$VG_LOGS"/vg.*.log; do
		n=$((n + 1))
		if reports "$f" | grep -q .; then
			echo "memcheck report in $f:"
			cat "$f"
			return 1
		fi
	done
	echo "# $n processes checked" >&3
	[ "$n" -gt 0 ]
}

@test "memcheck: create, state, start, exec, ps, pause, update, events, resume, kill, delete" {
	vg create -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	vg state "$ID"
	[ "$(echo "$output" | jq -r .status)" = created ]
	vg start "$ID"
	[ "$status" -eq 0 ]
	vg exec "$ID" echo hello
	[ "$output" = hello ]
	vg ps -f json "$ID"
	[ "$status" -eq 0 ]
	vg pause "$ID"
	[ "$status" -eq 0 ]
	[ "$(container_status "$ID")" = paused ]
	vg update --pids-limit 50 "$ID"
	[ "$status" -eq 0 ]
	vg events --stats "$ID"
	echo "$output" | jq -e '.type == "stats"'
	vg resume "$ID"
	[ "$status" -eq 0 ]
	vg list
	[[ "$output" == *"$ID"*running* ]]
	vg kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_until 20 eval '[ "$(container_status "$ID")" = stopped ]'
	vg delete "$ID"
	[ "$status" -eq 0 ]
	[ "$(state_dirs)" -eq 0 ]
	no_reports
}

@test "memcheck: run in the foreground and detached, exec -d, delete -f" {
	set_args sh -c 'echo out; exit 3'
	vg run -b "$BUNDLE" "$ID"
	[ "$status" -eq 3 ] && [ "$output" = out ]
	set_args sleep 1000
	vg run -d -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	vg exec -d "$ID" sleep 999
	[ "$status" -eq 0 ]
	vg delete -f "$ID"
	[ "$status" -eq 0 ]
	[ "$(state_dirs)" -eq 0 ]
	no_reports
}

@test "memcheck: the error paths of every command, a bad config, an id in use" {
	local cmd
	for cmd in state start "exec" ps pause resume "update --pids-limit 5" "events --stats" kill delete; do
		vg $cmd nothere
		[ "$status" -ne 0 ]
		[[ "$output" == *"does not exist"* ]] || [[ "$output" == *"requires"* ]] || [[ "$output" == *usage* ]]
	done
	update_config '.process.args = 5'
	vg create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	set_args sleep 1000
	vg run -d -b "$BUNDLE" "$ID"
	vg create -b "$BUNDLE" "$ID"
	[[ "$output" == *"already exists"* ]]
	vg exec "$ID" /nonexistent
	[ "$status" -ne 0 ]
	vg delete "$ID"
	[[ "$output" == *"not stopped"* ]]
	vg delete -f "$ID"
	[ "$(state_dirs)" -eq 0 ]
	vg spec -b "$BATS_TEST_TMPDIR"
	[ -s "$BATS_TEST_TMPDIR/config.json" ]
	vg features
	echo "$output" | jq -e .ociVersionMax
	no_reports
}
