#!/usr/bin/env bats
# Soak: 1000 containers (`run`, 4 at a time) and 200 run/exec/kill/delete
# cycles of one id, with `events` streaming stats from another container
# all along. Afterwards nothing has leaked: processes, zombies, mounts,
# cgroup directories, state directories, key rings, and descriptors of the
# long-lived processes (`events`, the container init, the caller); the RSS
# of `events` stays flat.
load helpers

setup() {
	common_setup
	P=sk$$
	MARK=41$$
}
teardown() { common_teardown; }

# the processes of these containers and of roci (other work on the
# machine may come and go)
procs() {
	{ grep -ls "$P" /proc/[0-9]*/cgroup; grep -lsaF -- "$STATE" /proc/[0-9]*/cmdline; } |
		xargs -r -n 1 dirname | sort -u | wc -l
}
zombies() { ps -eo stat= | grep -c '^Z' || true; }
mounts() { wc -l </proc/self/mountinfo; }
cgroup_dirs() { find /sys/fs/cgroup -type d 2>/dev/null | wc -l; }
keys() { awk '$1 == "0:" {print $2}' /proc/key-users; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# counts NAME: one line of everything counted, for the report and the check
counts() { echo "procs=$(procs) zombies=$(zombies) mounts=$(mounts) cgroups=$(cgroup_dirs) states=$(state_dirs) keys=$(keys)"; }

@test "soak: 1000 runs 4 at a time and 200 run/exec/kill/delete cycles leak nothing; events stays flat" {
	# the long-lived container and its events stream
	set_args sleep 100000
	roci run -d -b "$BUNDLE" "${P}ev" </dev/null >/dev/null 2>&1
	local init
	init=$(roci state "${P}ev" | jq .pid)
	"$ROCI" --root "$STATE" events --interval 50ms "${P}ev" >"$BATS_TEST_TMPDIR/events.out" 2>&1 &
	local ev=$!
	wait_until 10 test -s "$BATS_TEST_TMPDIR/events.out"
	# warmed up: a few dozen reports
	wait_until 20 eval '[ "$(wc -l <"$BATS_TEST_TMPDIR/events.out")" -ge 40 ]'
	local before rss0 evfds0 initfds0 selffds0
	before=$(counts)
	rss0=$(rss_kb $ev) evfds0=$(fds $ev) initfds0=$(fds "$init") selffds0=$(fds $$)

	# 1000 containers, 4 at a time
	set_args true
	local t0=$SECONDS
	local st=0
	seq 1000 | xargs -P 4 -I {} "$ROCI" --root "$STATE" run -b "$BUNDLE" "$P-{}" >"$BATS_TEST_TMPDIR/runs.out" 2>&1 || st=$?
	[ "$st" -eq 0 ] && [ ! -s "$BATS_TEST_TMPDIR/runs.out" ] || { echo "xargs: $st"; head "$BATS_TEST_TMPDIR/runs.out"; false; }
	echo "# 1000 runs, 4 at a time: $((SECONDS - t0)) s" >&3

	# 200 cycles of one id: run -d, exec, kill, delete
	set_args sleep "$MARK"
	local i
	for i in $(seq 200); do
		roci run -d -b "$BUNDLE" "${P}cy" </dev/null >/dev/null 2>&1
		[ "$(roci exec "${P}cy" echo "$i")" = "$i" ]
		roci kill "${P}cy" KILL
		roci delete -f "${P}cy"
	done

	local lines rss1
	lines=$(wc -l <"$BATS_TEST_TMPDIR/events.out")
	rss1=$(rss_kb $ev)
	# the stream still runs, and its reports are well formed
	kill -0 $ev
	tail -n 1 "$BATS_TEST_TMPDIR/events.out" | jq -e '.type == "stats"' >/dev/null
	echo "# events: $lines reports; RSS $rss0 KiB before, $rss1 KiB after; fds $evfds0 -> $(fds $ev)" >&3
	[ "$rss1" -le $((rss0 + 64)) ]
	[ "$(fds $ev)" -eq "$evfds0" ]
	[ "$(fds "$init")" -eq "$initfds0" ]
	[ "$(fds $$)" -eq "$selffds0" ]
	# everything else as it was (the key rings of exited containers are
	# collected by the kernel a moment later)
	echo "# before: $before" >&3
	wait_until 30 eval '[ "$(counts)" = "$before" ]' || { echo "after:  $(counts)"; echo "before: $before"; false; }
	echo "# after:  $(counts)" >&3
	! pgrep -f "sleep $MARK" || false
	kill $ev
	wait $ev || true
	roci delete -f "${P}ev"
	[ "$(state_dirs)" -eq 0 ]
}
