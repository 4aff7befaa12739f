#!/usr/bin/env bats
# Embedded devices: roci run from a read-only root filesystem, its state
# (--root) on a 1 MiB tmpfs, and roci itself under a 16 MiB memory limit,
# both with the machine's cgroups and with no cgroup filesystem at all. The
# host is hybrid; tests/vm/run.sh runs this file on pure v1 and pure v2.
load helpers

setup() {
	common_setup
	CG=
}

teardown() {
	# the state tmpfs went with the test's mount namespace; a container
	# that a failed test left is still in the machine's cgroups
	local d
	for d in /sys/fs/cgroup/*/roci-embedded-$$/* /sys/fs/cgroup/roci-embedded-$$/*; do
		[ -d "$d" ] || continue
		cat "$d/cgroup.procs" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	done
	[ -z "$CG" ] || wait_until 10 rmdir_tree "$CG" || true
	common_teardown
}

rmdir_tree() { find "$1" -depth -type d -exec rmdir {} + 2>/dev/null; [ ! -e "$1" ]; }

# memory_cgroup LIMIT: a memory cgroup with that limit, for roci, in CG
memory_cgroup() {
	if grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		CG=/sys/fs/cgroup/roci-embedded-$$
		mkdir "$CG"
		echo "$1" >"$CG/memory.max"
		echo 0 >"$CG/memory.swap.max"
	else
		CG=/sys/fs/cgroup/memory/roci-embedded-$$
		mkdir "$CG"
		echo "$1" >"$CG/memory.limit_in_bytes"
	fi
}

# on_device CGROUPS: run the lifecycle below in a private mount namespace
# whose root (and the mounts holding roci and the bundle) are read-only,
# with --root on a 1 MiB tmpfs; CGROUPS=none unmounts /sys/fs/cgroup first.
# Its output in $output, its status in $status.
on_device() {
	local sleeper=$BATS_TEST_TMPDIR/sleeper
	mkdir -p "$sleeper" "$BATS_TEST_TMPDIR/state"
	jq --arg r "$BUNDLE/rootfs" '.root.path = $r | .process.args = ["sleep", "1000"]' \
		"$BUNDLE/config.json" >"$sleeper/config.json"
	cat >"$BATS_TEST_TMPDIR/device.sh" <<'EOF'
set -eu
ROCI=$1 B=$2 SLEEPER=$3 S=$4 CGROUPS=$5
mount -t tmpfs -o size=1m,mode=0700 roci-state "$S"
[ "$CGROUPS" != none ] || umount -R /sys/fs/cgroup
for m in / "$(findmnt -no TARGET -T "$B")" "$(findmnt -no TARGET -T "$ROCI")"; do
	mount -o remount,bind,ro "$m"
done
for d in / "$B" "${ROCI%/*}"; do
	! touch "$d/.roci-rw" 2>/dev/null || { echo "$d is writable"; exit 1; }
done
r() { "$ROCI" --root "$S" "$@"; }
r run -b "$B" d1
echo "run: $?"
r run -d -b "$SLEEPER" d2 </dev/null
echo "exec: $(r exec d2 echo hi)"
r kill d2 KILL
for i in $(seq 100); do [ "$(r state d2 | jq -r .status)" = stopped ] && break; sleep 0.1; done
r delete d2
r create -b "$SLEEPER" d3 </dev/null
r start d3
echo "d3: $(r state d3 | jq -r .status)"
r delete -f d3
echo "left: $(r list -q | wc -l) containers, $(ls -A "$S" | wc -l) state entries"
EOF
	rrun bash -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; shift
		exec unshare -m --propagation private bash "$@"' device "$CG" \
		"$BATS_TEST_TMPDIR/device.sh" "$ROCI" "$BUNDLE" "$sleeper" "$BATS_TEST_TMPDIR/state" "$1"
}

# the lifecycle worked, and left nothing
lived() {
	[ "$status" -eq 0 ] &&
		[[ "$output" == *"run: 0"*"exec: hi"*"d3: running"*"left: 0 containers, 0 state entries"* ]]
}

@test "embedded: a read-only root, --root on a 1 MiB tmpfs, roci under a 16 MiB memory limit" {
	memory_cgroup 16777216
	on_device cgroups
	lived
	# the containers had their own cgroups, and delete removed them
	[ -z "$(find "$CG" -mindepth 1 -type d)" ]
	local peak
	peak=$(cat "$CG/memory.peak" "$CG/memory.max_usage_in_bytes" 2>/dev/null | head -n 1)
	echo "# roci and its containers: at most $((peak / 1024)) KiB" >&3
	[ "$peak" -le 16777216 ]
}

@test "embedded: the same with no cgroup filesystem mounted" {
	memory_cgroup 16777216
	on_device none
	lived
}
