#!/usr/bin/env bats
# Fault injection: a SIGKILL at every step of create, start, run, exec and
# delete. ROCI must be a build with -Dfault_injection=true (tests/run.sh
# builds build-fault): it lists the steps it passes in ROCI_FAULT_TRACE and
# dies by SIGKILL at the step ROCI_FAULT names (src/util/fault.h). Each
# test lists the steps of one clean command, then, for each step, kills
# roci there (the init and exec's child are roci too: their steps count),
# runs `delete -f`, and checks that nothing of the container is left: no
# state directory, no cgroup in any hierarchy, no mount, no process, no
# open descriptor.
load ../integration/helpers

setup() {
	common_setup
	"$ROCI" --version | grep -q "fault injection: on" ||
		{ echo "ROCI=$ROCI is not a -Dfault_injection=true build" >&2; return 1; }
	ID=fz$$-$BATS_TEST_NUMBER
	MARK=31$$
	set_args sleep "$MARK"
	chmod 1777 "$BUNDLE/rootfs/tmp"
	MOUNTS=$(wc -l </proc/self/mountinfo)
}
teardown() {
	rm -f /tmp/roci-fault-"$ID".*
	common_teardown
}

# A trace is a path under /tmp, which the container sees as its own /tmp:
# what the init traces after pivot_root (or exec's child after joining the
# container) lands in the rootfs, at the same path.
trace() { echo "/tmp/roci-fault-$ID.$1"; }
traced() { cat "$1" "$BUNDLE/rootfs$1" 2>/dev/null; }
rm_trace() { rm -f "$1" "$BUNDLE/rootfs$1"; }

# steps TRACE: the distinct steps a trace lists
steps() { traced "$1" | awk '!seen[$0]++'; }

leftovers() {
	ls -A "$STATE" 2>/dev/null
	find /sys/fs/cgroup -maxdepth 6 -type d -name "$ID*" 2>/dev/null
	pgrep -af "sleep $MARK|--root $STATE" || true
	grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true
	[ "$(wc -l </proc/self/mountinfo)" -eq "$MOUNTS" ] || echo "mountinfo: $MOUNTS lines before, $(wc -l </proc/self/mountinfo) now"
	find /proc/[0-9]*/fd -lname "$BATS_TEST_TMPDIR/*" 2>/dev/null || true
}

# clean STEP: nothing of the container is left (processes may take a moment
# to be reaped)
clean() {
	if ! wait_until 10 eval '[ -z "$(leftovers)" ]'; then
		echo "left after a kill at \"$1\":" >&2
		leftovers >&2
		return 1
	fi
}

# killed_at STEP TRACE: the step was reached (the kill landed there)
killed_at() {
	traced "$2" | grep -qxF "$1" || { echo "step \"$1\" was not reached" >&2; return 1; }
}

# kill_each_step PREP ARGS...: for each step of the clean trace: PREP (a
# function, or :), then `roci ARGS` killed at that step; the kill must land
# there, and `delete -f` must leave nothing. Says how many steps.
kill_each_step() {
	local prep=$1 s n=0
	shift
	while IFS= read -r s; do
		rm_trace "$(trace k)"
		$prep || return 1
		ROCI_FAULT="$s" ROCI_FAULT_TRACE=$(trace k) "$ROCI" --root "$STATE" "$@" \
			</dev/null >/dev/null 2>&1 || true
		killed_at "$s" "$(trace k)" || return 1
		"$ROCI" --root "$STATE" delete -f "$ID" >/dev/null 2>&1 || true
		clean "$s" || return 1
		n=$((n + 1))
	done < <(steps "$(trace clean)")
	echo "# $n steps" >&3
	[ "$n" -ge 2 ]
}

created() { roci create -b "$BUNDLE" "$ID" </dev/null; }
running() { roci run -d -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1; }

@test "create: a SIGKILL at each step, then delete -f, leaves nothing" {
	ROCI_FAULT_TRACE=$(trace clean) roci create -b "$BUNDLE" "$ID" </dev/null
	roci delete -f "$ID"
	clean "(clean run)"
	traced "$(trace clean)" | grep -qx "create: cgroup made"
	traced "$(trace clean)" | grep -qx "init: parked"
	kill_each_step : create -b "$BUNDLE" "$ID"
}

@test "start: a SIGKILL at each step, then delete -f, leaves nothing" {
	created
	ROCI_FAULT_TRACE=$(trace clean) roci start "$ID"
	roci delete -f "$ID"
	clean "(clean run)"
	kill_each_step created start "$ID"
}

@test "run: a SIGKILL at each step, then delete -f, leaves nothing" {
	set_args sh -c "sleep 0.2 && exec true $MARK"
	ROCI_FAULT_TRACE=$(trace clean) roci run -b "$BUNDLE" "$ID" </dev/null
	clean "(clean run)"
	traced "$(trace clean)" | grep -qx "run: the process exited"
	traced "$(trace clean)" | grep -qx "delete: state directory removed"
	kill_each_step : run -b "$BUNDLE" "$ID"
}

@test "exec: a SIGKILL at each step, then delete -f, leaves nothing" {
	running
	ROCI_FAULT_TRACE=$(trace clean) roci exec "$ID" sleep "$MARK" &
	wait_until 10 eval 'traced "$(trace clean)" | grep -qx "exec: recorded"'
	roci delete -f "$ID"
	wait || true
	clean "(clean run)"
	kill_each_step running exec -d "$ID" sleep "$MARK"
}

@test "delete: a SIGKILL at each step, then delete -f again, leaves nothing" {
	running
	ROCI_FAULT_TRACE=$(trace clean) roci delete -f "$ID"
	clean "(clean run)"
	traced "$(trace clean)" | grep -qx "delete: init killed"
	kill_each_step running delete -f "$ID"
}
