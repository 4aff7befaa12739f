#!/usr/bin/env bats
# bench/: the floor program and a quick run of the benchmark (roci only).
# The speed targets live in bench/bench.sh itself, never in a timed test.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

cgroup_dirs() {
	find /sys/fs/cgroup -maxdepth 4 -type d -name "$1" 2>/dev/null
}

@test "bench/floor.c: the stock spec's kernel work in one process, cleaned up after" {
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$BATS_TEST_TMPDIR/floor" "$REPO/bench/floor.c"
	run "$BATS_TEST_TMPDIR/floor" "$BUNDLE/rootfs" /bin/sh -c '
		hostname
		grep CapEff /proc/self/status
		grep NoNewPrivs /proc/self/status
		echo pid $$
		[ -c /dev/null ] && echo null
		cat /proc/kcore 2>/dev/null | wc -c
		touch /proc/sys/x 2>/dev/null || echo sys-ro
		ls /sys/fs/cgroup | grep -c .
		exit 7'
	echo "$output"
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = floor ]
	# CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
	[ "${lines[1]}" = $'CapEff:\t0000000020000420' ]
	[ "${lines[2]}" = $'NoNewPrivs:\t1' ]
	[ "${lines[3]}" = "pid 1" ]
	[ "${lines[4]}" = null ]
	[ "${lines[5]}" = 0 ]
	[ "${lines[6]}" = sys-ro ]
	[ "${lines[7]}" -ge 1 ]
	# its cgroups are gone
	[ -z "$(cgroup_dirs 'floor-*')" ]
}

@test "bench/bench.sh BENCH_QUICK=1 BENCH_PEERS=0: every speed and memory row, no container left" {
	local ids='-name e-roci -o -name e-roci-ro -o -name k-roci -o -name k-roci-ro -o -name m2-roci'
	local before
	# shellcheck disable=SC2086
	before=$(find /sys/fs/cgroup -maxdepth 4 -type d \( $ids \) 2>/dev/null | sort)
	BENCH_QUICK=1 BENCH_PEERS=0 run "$REPO/bench/bench.sh" "$ROCI"
	echo "$output"
	[ "$status" -eq 0 ]
	local row
	for row in lifecycle run exec kill seq100 par100; do
		# a median for roci, roci-ro and the floor column ("-" but for run)
		[[ "$output" =~ $'\n'"$row"\ +[0-9]+\.[0-9]+\ +[0-9]+\.[0-9]+ ]]
	done
	[[ "$output" =~ $'\n'run\ +[0-9.]+\ +[0-9.]+\ +[0-9]+\.[0-9]+ ]]
	for row in "peak RSS create" "peak RSS exec" "peak RSS delete" "parked init PSS" "smallest memory limit"; do
		[[ "$output" =~ $'\n'"$row"\ +[0-9]+ ]]
	done
	[[ "$output" == *"shared libraries beyond libc"* ]]
	[[ "$output" == *"targets: no crun to compare with"* ]]
	[ -z "$(ls /tmp/roci-bench.* 2>/dev/null)" ]
	[ -z "$(cgroup_dirs 'floor-*')" ]
	# the sleeping containers (exec and kill targets) are deleted: their
	# cgroups are gone (compared with before, for a host that has others)
	# shellcheck disable=SC2086
	[ "$(find /sys/fs/cgroup -maxdepth 4 -type d \( $ids \) 2>/dev/null | sort)" = "$before" ]
}
