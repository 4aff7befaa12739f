#!/usr/bin/env bats
# Bad input: a clear error, a non-zero exit, and nothing left behind (no
# state directory, no mount, no process).
load helpers

setup() {
	common_setup
	MOUNTS_BEFORE=$(wc -l </proc/self/mountinfo)
}
teardown() { common_teardown; }

# expect_clean_failure ID MESSAGE: the last rrun failed with MESSAGE, and
# the failed create left nothing behind.
expect_clean_failure() {
	[ "$status" -ne 0 ]
	[[ "$output" == *"$2"* ]]
	[ "$(state_dirs)" -eq 0 ]
	[ "$(wc -l </proc/self/mountinfo)" -eq "$MOUNTS_BEFORE" ]
	run pgrep -f "roci --root $STATE"
	[ "$status" -ne 0 ]
}

@test "missing bundle" {
	rrun roci create -b "$BATS_TEST_TMPDIR/nope" c1
	expect_clean_failure c1 "nope/config.json: No such file or directory"
}

@test "malformed JSON" {
	echo '{"ociVersion": "1.0.0", "root": ' >"$BUNDLE/config.json"
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 "invalid JSON at line"
}

@test "a field of the wrong type" {
	update_config '.process.args = "sh"'
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 "process.args: expected an array of strings"
	make_bundle "$BUNDLE" '.linux.namespaces[0].type = 5'
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 "linux.namespaces[0].type"
}

@test "invalid container ids" {
	local id
	for id in ../x a/b .. "a b"; do
		rrun roci create -b "$BUNDLE" "$id"
		expect_clean_failure "$id" "invalid container id"
	done
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "a program that does not exist" {
	set_args nosuchprogram
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 'exec: "nosuchprogram": executable file not found in $PATH'
	set_args /bin/nosuch
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 'no such file or directory'
}

@test "an unknown capability" {
	update_config '.process.capabilities.bounding += ["CAP_NOPE"]'
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 'unknown capability "CAP_NOPE"'
}

@test "a failing mount" {
	update_config '.mounts += [{"destination":"/x","type":"nosuchfs","source":"none"}]'
	rrun roci create -b "$BUNDLE" c1
	expect_clean_failure c1 "nosuchfs"
}

@test "an existing id" {
	roci create -b "$BUNDLE" c1
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'container with id "c1" already exists'* ]]
	[ "$(container_status c1)" = created ]
}

@test "configs using settings applied by later work still run" {
	update_config '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW"} | .linux.sysctl = {"kernel.shmmax":"1000"} | .linux.resources = {"pids":{"limit":100}}'
	set_args echo fine
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = fine ]
}

@test "start, kill, delete and state of a missing container" {
	local c
	for c in start state delete "kill"; do
		rrun roci $c nope
		[ "$status" -ne 0 ]
		[[ "$output" == *'container "nope" does not exist'* ]]
	done
}

@test "linux.intelRdt without resctrl: runc's error, and nothing is made" {
	update_config '.linux.intelRdt = {"closID": "roci-test", "l3CacheSchema": "L3:0=f"}'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	if [ "$(stat -f -c %t /sys/fs/resctrl 2>/dev/null)" != 7655821 ]; then
		[[ "$output" == *"intelRdt is specified in config, but Intel RDT is not supported or enabled"* ]]
	else
		[[ "$output" == *"linux.intelRdt"* ]]
	fi
	[ "$(state_dirs)" -eq 0 ]
	[ -z "$(ls -d /sys/fs/cgroup/*/c1 2>/dev/null)" ]
	roci features | jq -e '.linux.intelRdt.enabled == false'
}

@test "every command on a container that does not exist, or has stopped: a clear error, never a crash" {
	local cmd
	for cmd in state start "exec" ps pause resume "update --pids-limit 5" "events --stats" events kill delete; do
		rrun roci $cmd nothere
		[ "$status" -eq 1 ] || { echo "roci $cmd: status $status"; false; }
		[[ "$output" == *'container "nothere" does not exist'* ]] || [[ "$output" == *usage* ]]
	done
	roci run -d -b "$BUNDLE" stopped1 </dev/null >/dev/null 2>&1
	wait_until 10 eval '[ "$(container_status stopped1)" = stopped ]'
	for cmd in start "exec" pause resume "update --pids-limit 5" "events --stats" events kill; do
		rrun roci $cmd stopped1
		[ "$status" -eq 1 ] || { echo "roci $cmd: status $status"; false; }
	done
	roci delete stopped1
}
