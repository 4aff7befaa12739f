#!/usr/bin/env bats
# Regression tests for the lessons in shared/security.md that apply to the
# core runtime: each performs the attack against a real container and
# asserts that it fails.
load helpers

setup() { common_setup; }
teardown() {
	common_teardown
	rm -rf "/tmp/roci-escape-$BATS_TEST_NUMBER"
}

# 3: mount destinations resolve inside the root, never on the host.
@test "#3 a symlinked mount destination stays inside the root" {
	local host=/tmp/roci-escape-$BATS_TEST_NUMBER
	mkdir -p "$host"
	ln -s "$host" "$BUNDLE/rootfs/evil"
	mkdir -p "$BUNDLE/rootfs/a"
	ln -s ../../../../../../../tmp "$BUNDLE/rootfs/a/up"
	update_config '.mounts += [{"destination":"/evil","type":"tmpfs","source":"tmpfs"},
		{"destination":"/a/up/roci-escape-'"$BATS_TEST_NUMBER"'/deeper","type":"tmpfs","source":"tmpfs"}]'
	set_args sh -c 'echo inside > /evil/file; cat '"$host"'/file; grep -c " '"$host"'/deeper " /proc/self/mounts'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# both mounts landed inside the root (the container sees them there)
	[ "$output" = $'inside\n1' ]
	# and nothing happened on the host
	[ -z "$(ls -A "$host")" ]
}

@test "#3 a bind-mount source file is never created on the host through a symlink" {
	local host=/tmp/roci-escape-$BATS_TEST_NUMBER
	mkdir -p "$host"
	ln -s "$host/created-by-roci" "$BUNDLE/rootfs/target"
	echo data >"$BATS_TEST_TMPDIR/src"
	update_config '.mounts += [{"destination":"/target","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/src","options":["bind"]}]'
	set_args true
	rrun roci run -b "$BUNDLE" c1
	[ ! -e "$host/created-by-roci" ]
}

# 4: /proc must be the real procfs.
@test "#4 a non-procfs mount over /proc is refused" {
	update_config '.mounts += [{"destination":"/proc","type":"tmpfs","source":"tmpfs"}]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"/proc"* ]]
	[ "$(state_dirs)" -eq 0 ]
	make_bundle "$BUNDLE" '.mounts += [{"destination":"/proc","type":"bind","source":"/tmp","options":["rbind"]}]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[ "$(state_dirs)" -eq 0 ]
}

@test "#4 /proc in the rootfs as a symlink is refused" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s /tmp "$BUNDLE/rootfs/proc"
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"symlink"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

# 5: masking uses the real /dev/null, whatever the rootfs holds there.
@test "#5 /dev/null replaced by a file or a symlink does not unmask paths" {
	local secret=$BATS_TEST_TMPDIR/secret
	echo host-secret >"$secret"
	local kind
	for kind in file symlink; do
		make_bundle "$BUNDLE" '.mounts = [.mounts[] | select(.destination != "/dev")] | .linux.maskedPaths = ["/proc/cmdline"]'
		mkdir -p "$BUNDLE/rootfs/dev"
		if [ $kind = file ]; then
			echo fake >"$BUNDLE/rootfs/dev/null"
		else
			ln -sf "$secret" "$BUNDLE/rootfs/dev/null"
		fi
		set_args sh -c 'cat /proc/cmdline; stat -c "%t:%T" /proc/cmdline'
		rrun roci run -b "$BUNDLE" "c-$kind"
		[ "$status" -eq 0 ]
		[ "$output" = "1:3" ]
		[ "$(cat "$secret")" = host-secret ]
	done
}

# 2: no host fd and no host cwd reach the container.
@test "#2 host file descriptors do not leak" {
	set_args sh -c 'ls -l /proc/self/fd 2>/dev/null | grep -c secret || true'
	exec 7<"$BATS_TEST_TMPDIR"
	echo s >"$BATS_TEST_TMPDIR/secret"
	exec 8<"$BATS_TEST_TMPDIR/secret"
	"$ROCI" --root "$STATE" run -b "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/out" 2>&1
	exec 7<&- 8<&-
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = 0 ]
}

@test "#2 the container's cwd is inside its root" {
	update_config '.process.cwd = "/"'
	set_args sh -c 'pwd; ls'
	cd "$BATS_TEST_TMPDIR"
	rrun roci run -b "$BUNDLE" c1
	[ "${lines[0]}" = / ]
	[[ "$output" == *"bin"* ]]
	[[ "$output" != *"bundle"* ]]
}

# 7: no capabilities that were not asked for.
@test "#7 no inheritable or ambient capabilities unless listed" {
	set_args sh -c 'grep -E "^Cap(Inh|Amb)" /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'CapInh:\t0000000000000000\nCapAmb:\t0000000000000000' ]
	[ "$("$ROCI" spec -b "$BATS_TEST_TMPDIR" >/dev/null && jq '.process.capabilities | has("inheritable")' "$BATS_TEST_TMPDIR/config.json")" = false ]
}

# 8: without a cgroup namespace, /sys/fs/cgroup is read-only.
@test "#8 /sys/fs/cgroup is read-only without a cgroup namespace" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "cgroup")]'
	set_args sh -c 'mkdir /sys/fs/cgroup/roci-test 2>&1; mkdir /sys/fs/cgroup/memory/roci-test 2>&1; true'
	rrun roci run -b "$BUNDLE" c1
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[ ! -e /sys/fs/cgroup/memory/roci-test ]
}

# 9: pids get reused; a stale record never reaches another process.
@test "#9 a recorded pid that now belongs to another process is not signalled" {
	set_args sleep 100
	roci run -d -b "$BUNDLE" c1
	local state=$STATE/c1/state.json
	sleep 0.2 # start times count in clock ticks: let one pass
	sleep 1000 &
	local victim=$!
	# pretend the container's pid was reused by an unrelated process
	jq --argjson p "$victim" '.pid = $p' "$state" >"$state.new" && mv "$state.new" "$state"
	[ "$(container_status c1)" = stopped ]
	run roci kill c1 KILL
	[ "$status" -ne 0 ]
	run roci delete -f c1
	kill -0 "$victim"
	kill "$victim"
}

# 10: state changes are atomic and serialised.
@test "#10 concurrent creates: one wins, and the winner is intact" {
	set_args sleep 100
	local i
	for i in $(seq 6); do roci create -b "$BUNDLE" race >/dev/null 2>&1 & done
	wait || true
	[ "$(container_status race)" = created ]
	roci start race
	[ "$(container_status race)" = running ]
}

@test "#10 a create killed halfway is not listed as healthy and delete removes it" {
	update_config '.hooks = {"createRuntime": [{"path":"/bin/sleep","args":["sleep","30"]}]}'
	"$ROCI" --root "$STATE" create -b "$BUNDLE" half >/dev/null 2>&1 &
	local pid=$!
	for i in $(seq 50); do [ -d "$STATE/half" ] && break; sleep 0.1; done
	sleep 0.3
	kill -9 "$pid"
	wait "$pid" || true
	pkill -f "sleep 30" || true
	run roci list
	[[ "$output" != *"running"* && "$output" != *"created"* ]]
	run roci delete half
	[ "$status" -eq 0 ]
	[ "$(state_dirs)" -eq 0 ]
}

# 11: never trust config.json.
@test "#11 ids with / or .. are refused before anything is touched" {
	rrun roci create -b "$BUNDLE" "../../escape"
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid container id"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
	[ ! -e "$(dirname "$STATE")/../escape" ]
}
