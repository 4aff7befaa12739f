#!/usr/bin/env bats
# Whatever point a SIGKILL lands on, `delete -f` leaves the host clean:
# no state directory, no cgroup in any hierarchy, no process.
load helpers

setup() {
	common_setup
	set_args sleep 1000
	P=rz$$x
}
teardown() { common_teardown; }

# leftovers: cgroup directories and processes of containers named $P*
cgroup_dirs() { find /sys/fs/cgroup -maxdepth 6 -type d -name "$P*" 2>/dev/null | wc -l; }
sleepers() { pgrep -f "^sleep 1000$" | while read -r p; do
	grep -q "$P" "/proc/$p/cgroup" 2>/dev/null && echo "$p"; done | wc -l; }

# spin_us N: wait N microseconds without a fork (an external sleep alone
# takes longer than a create here)
spin_us() {
	local end=$((${EPOCHREALTIME/./} + $1))
	while ((${EPOCHREALTIME/./} < end)); do :; done
}

# duration_ms CMD...: how long CMD takes here, in ms (at least 2)
duration_ms() {
	local t0=${EPOCHREALTIME/./} t1
	"$@" >/dev/null 2>&1 </dev/null
	t1=${EPOCHREALTIME/./}
	local ms=$(((t1 - t0) / 1000))
	echo $((ms < 2 ? 2 : ms))
}

@test "kill -9 of create at random points: delete -f of what list shows leaves nothing" {
	local i p id dur interrupted=0
	# the kills spread over the time a create takes on this machine now
	dur=$(duration_ms roci create -b "$BUNDLE" "${P}t")
	roci delete -f "${P}t"
	for i in $(seq 30); do
		"$ROCI" --root "$STATE" create -b "$BUNDLE" "$P$i" </dev/null >/dev/null 2>&1 &
		p=$!
		spin_us $((RANDOM % (dur * 1000)))
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for id in $(roci list -q); do
		[ "$(container_status "$id")" = created ] || interrupted=$((interrupted + 1))
		roci delete -f "$id"
	done
	echo "create takes ${dur} ms; $interrupted of 30 interrupted after their state existed" >&3
	# the test means something only if kills landed inside create
	[ "$interrupted" -ge 3 ]
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ] || { find /sys/fs/cgroup -maxdepth 6 -type d -name "$P*"; false; }
	[ "$(sleepers)" -eq 0 ]
	! pgrep -f "roci --root $STATE"
}

@test "kill -9 of delete at random points: running delete -f again finishes the job" {
	local i p dur
	roci run -d -b "$BUNDLE" "${P}t" </dev/null >/dev/null 2>&1
	dur=$(duration_ms roci delete -f "${P}t")
	for i in $(seq 10); do
		roci run -d -b "$BUNDLE" "$P$i" </dev/null >/dev/null 2>&1
		"$ROCI" --root "$STATE" delete -f "$P$i" </dev/null >/dev/null 2>&1 &
		p=$!
		spin_us $((RANDOM % (dur * 1000)))
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		roci delete -f "$P$i"
	done
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ]
	[ "$(sleepers)" -eq 0 ]
}
