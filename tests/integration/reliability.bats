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
	local i p id dur round tried=0 interrupted=0
	# rounds of 100 kills until 20 landed inside create after its state
	# existed (how many do depends on the machine's load), at most 8 rounds
	for round in $(seq 8); do
		# the kills spread over the time a create takes on this machine now
		dur=$(duration_ms roci create -b "$BUNDLE" "${P}t")
		roci delete -f "${P}t"
		for i in $(seq 100); do
			tried=$((tried + 1))
			"$ROCI" --root "$STATE" create -b "$BUNDLE" "$P$tried" </dev/null >/dev/null 2>&1 &
			p=$!
			# past the first quarter: the program's own start-up makes nothing
			spin_us $((dur * 250 + RANDOM * dur * 750 / 32768))
			kill -9 "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		done
		for id in $(roci list -q); do
			[ "$(container_status "$id")" = created ] || interrupted=$((interrupted + 1))
			roci delete -f "$id"
		done
		[ "$interrupted" -lt 20 ] || break
	done
	echo "create takes ${dur} ms; $interrupted of $tried interrupted after their state existed" >&3
	# the test means something only if kills landed inside create
	[ "$interrupted" -ge 20 ]
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ] || { find /sys/fs/cgroup -maxdepth 6 -type d -name "$P*"; false; }
	[ "$(sleepers)" -eq 0 ]
	! pgrep -f "roci --root $STATE" || false
}

@test "kill -9 of delete at random points: running delete -f again finishes the job" {
	local i p dur
	roci run -d -b "$BUNDLE" "${P}t" </dev/null >/dev/null 2>&1
	dur=$(duration_ms roci delete -f "${P}t")
	for i in $(seq 50); do
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

@test "races: two creates of one id, 100 times: exactly one wins, the loser leaves nothing" {
	local i r1 r2
	for i in $(seq 100); do
		"$ROCI" --root "$STATE" create -b "$BUNDLE" "$P" </dev/null >"$BATS_TEST_TMPDIR/o1" 2>&1 &
		local p1=$!
		"$ROCI" --root "$STATE" create -b "$BUNDLE" "$P" </dev/null >"$BATS_TEST_TMPDIR/o2" 2>&1 &
		local p2=$!
		r1=0; wait "$p1" || r1=$?
		r2=0; wait "$p2" || r2=$?
		[ $((r1 == 0)) -ne $((r2 == 0)) ] || { echo "iteration $i: $r1 $r2"; cat "$BATS_TEST_TMPDIR"/o?; false; }
		grep -q "already exists" "$BATS_TEST_TMPDIR/o$((r1 == 0 ? 2 : 1))"
		[ "$(container_status "$P")" = created ]
		roci delete -f "$P"
	done
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ]
	[ "$(sleepers)" -eq 0 ]
}

@test "races: state during create always answers a valid state, 100 times" {
	local i p out st
	for i in $(seq 100); do
		"$ROCI" --root "$STATE" create -b "$BUNDLE" "$P" </dev/null >/dev/null 2>&1 &
		p=$!
		while kill -0 "$p" 2>/dev/null; do
			if out=$("$ROCI" --root "$STATE" state "$P" 2>&1); then
				st=$(jq -r .status <<<"$out")
				[[ "$st" == creating || "$st" == created ]] || { echo "state: $out"; false; }
			else
				[[ "$out" == *"does not exist"* ]] || { echo "state: $out"; false; }
			fi
		done
		wait "$p"
		[ "$(container_status "$P")" = created ]
		roci delete -f "$P"
	done
	[ "$(state_dirs)" -eq 0 ]
}

@test "races: delete racing start, and kill racing the container's exit, 100 times each: no hang, nothing left" {
	local i p
	for i in $(seq 100); do
		roci create -b "$BUNDLE" "$P$i"
		"$ROCI" --root "$STATE" start "$P$i" </dev/null >/dev/null 2>&1 &
		p=$!
		tmo 20 "$ROCI" --root "$STATE" delete -f "$P$i"
		wait "$p" || true
	done
	set_args true
	for i in $(seq 100); do
		roci create -b "$BUNDLE" "$P$i"
		roci start "$P$i"
		# the process exits at once: the kill lands before, during or after
		rrun tmo 20 "$ROCI" --root "$STATE" kill "$P$i" KILL
		[ "$status" -eq 0 ] || [[ "$output" == *"container not running"* ]]
		tmo 20 "$ROCI" --root "$STATE" delete -f "$P$i"
	done
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ]
	[ "$(sleepers)" -eq 0 ]
}

@test "races: 20 parallel execs racing delete -f, 10 times: no hang, nothing left" {
	local i j
	for i in $(seq 10); do
		roci run -d -b "$BUNDLE" "$P$i" </dev/null >/dev/null 2>&1
		for j in $(seq 20); do
			tmo 30 "$ROCI" --root "$STATE" exec "$P$i" sleep 50 </dev/null >/dev/null 2>&1 &
		done
		spin_us $((RANDOM % 20000))
		tmo 30 "$ROCI" --root "$STATE" delete -f "$P$i"
		wait
		! pgrep -f "^sleep 50$" || false
	done
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ]
}

@test "exhaustion: out of fds, pids, memory and state space each give a clear error and leave nothing" {
	set_args true
	# fds
	rrun bash -c 'ulimit -n 12; exec "$@"' _ "$ROCI" --root "$STATE" run -b "$BUNDLE" "${P}f"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Too many open files"* || "$output" == *"No file descriptors available"* ]]
	# pids: roci's own cgroup (v1 pids here) allows roci alone
	local lim=/sys/fs/cgroup/pids/$P-lim
	mkdir "$lim"
	echo 1 >"$lim/pids.max"
	rrun sh -c 'echo $$ >"$1/cgroup.procs"; exec "$2" --root "$3" run -b "$4" "$5"' _ \
		"$lim" "$ROCI" "$STATE" "$BUNDLE" "${P}p"
	rmdir "$lim"
	[ "$status" -ne 0 ]
	[[ "$output" == *"clone container process: Resource temporarily unavailable"* ]]
	# memory: a limit the init cannot set up under
	update_config '.linux.resources.memory = {"limit": 100000}'
	rrun roci run -b "$BUNDLE" "${P}m"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container init was OOM-killed during setup (memory limit too low?)"* ]]
	# a full state filesystem
	mkdir "$BATS_TEST_TMPDIR/tiny"
	mount -t tmpfs -o size=8k tmpfs "$BATS_TEST_TMPDIR/tiny"
	dd if=/dev/zero of="$BATS_TEST_TMPDIR/tiny/fill" bs=1k count=8 2>/dev/null || true
	rrun "$ROCI" --root "$BATS_TEST_TMPDIR/tiny/state" run -b "$BUNDLE" "${P}s"
	local left
	left=$(ls -A "$BATS_TEST_TMPDIR/tiny/state" 2>/dev/null | wc -l)
	umount "$BATS_TEST_TMPDIR/tiny"
	[ "$status" -ne 0 ]
	[[ "$output" == *"No space left on device"* ]]
	[ "$left" -eq 0 ]
	[ "$(state_dirs)" -eq 0 ]
	[ "$(cgroup_dirs)" -eq 0 ]
}

@test "the unnamed state directory of a create killed before its rename is removed by list and by delete" {
	mkdir -p "$STATE"
	local dead live
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	mkdir "$STATE/#creating.$dead"
	# one whose create still runs stays
	sleep 100 &
	live=$!
	mkdir "$STATE/#creating.$live"
	roci list
	[ ! -e "$STATE/#creating.$dead" ]
	[ -d "$STATE/#creating.$live" ]
	kill "$live"
	wait "$live" || true
	mkdir "$STATE/#creating.$dead"
	set_args true
	roci run -b "$BUNDLE" "${P}x"
	[ ! -e "$STATE/#creating.$dead" ] && [ ! -e "$STATE/#creating.$live" ]
	[ "$(state_dirs)" -eq 0 ]
}
