#!/usr/bin/env bats
# checkpoint and restore: what the host can check. Debian's criu 3.17
# cannot dump on this 6.18 kernel, so the dumps and restores themselves
# run in the 6.1 VM (tests/vm/criu.bats); here, the errors around them.
load helpers

setup() {
	common_setup
	CID=c1
}
teardown() { common_teardown; }

@test "checkpoint without criu: a clear error, and the container runs on" {
	set_args sleep 100
	roci run -d -b "$BUNDLE" "$CID"
	rrun "$ROCI" --root "$STATE" --criu /nonexistent/criu checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$CID"
	[ "$status" -ne 0 ]
	[ "$output" = "roci: criu dump: /nonexistent/criu not found (install criu, or give --criu PATH)" ]
	[ "$(container_status "$CID")" = running ]
}

@test "checkpoint refuses what is not running, and bad flags, before running criu" {
	set_args sleep 100
	roci create -b "$BUNDLE" "$CID"
	rrun roci checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	roci start "$CID"
	roci pause "$CID"
	rrun roci checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$CID"
	[[ "$output" == *"container is paused: resume it before a checkpoint"* ]]
	roci resume "$CID"
	rrun roci checkpoint --manage-cgroups-mode sometimes "$CID"
	[[ "$output" == *'invalid --manage-cgroups-mode "sometimes" (want soft, full, strict or ignore)'* ]]
	rrun roci checkpoint --empty-ns pid "$CID"
	[[ "$output" == *'--empty-ns pid: only "network" is supported'* ]]
	rrun roci checkpoint --page-server nowhere "$CID"
	[[ "$output" == *'invalid --page-server "nowhere" (want ADDRESS:PORT)'* ]]
	rrun roci checkpoint --image-path "$BATS_TEST_TMPDIR/img" nosuch
	[[ "$output" == *"does not exist"* ]]
	# none of these made the image directory
	[ ! -e "$BATS_TEST_TMPDIR/img" ]
	[ "$(container_status "$CID")" = running ]
	# podman asks `checkpoint --help` whether the runtime can checkpoint
	roci checkpoint --help | grep -q -- --leave-running
	roci restore --help | grep -q -- --image-path
}

@test "restore errors leave no state, cgroup or mount: no images, a terminal, no criu" {
	rrun roci restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/none" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"image path $BATS_TEST_TMPDIR/none: No such file or directory"* ]]
	[ "$(state_dirs)" -eq 0 ]
	# in the foreground, roci must be the restored process's subreaper
	rrun roci restore --no-subreaper -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/none" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--no-subreaper needs -d"* ]]
	[ "$(state_dirs)" -eq 0 ]
	# a directory that holds no checkpoint
	mkdir "$BATS_TEST_TMPDIR/empty"
	rrun roci restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/empty" "$CID"
	[[ "$output" == *"descriptors.json"*"is this a checkpoint image directory?"* ]]
	[ "$(state_dirs)" -eq 0 ]
	echo '["pipe:[1]","pipe:[2]","pipe:[3]"]' >"$BATS_TEST_TMPDIR/empty/descriptors.json"
	rrun "$ROCI" --root "$STATE" --criu /nonexistent/criu restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/empty" "$CID"
	[[ "$output" == *"criu restore: /nonexistent/criu not found"* ]]
	[ "$(state_dirs)" -eq 0 ]
	# a checkpoint with a terminal, for a config without one
	echo '["/dev/null","tty[8800:29]","tty[8800:29]"]' >"$BATS_TEST_TMPDIR/empty/descriptors.json"
	rrun roci restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/empty" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"the checkpoint in $BATS_TEST_TMPDIR/empty has a terminal, but process.terminal is false"* ]]
	[ "$(state_dirs)" -eq 0 ]
	# a terminal needs a console socket that answers when detached, as with run
	update_config '.process.terminal = true'
	rrun roci restore -d -b "$BUNDLE" --console-socket /nonexistent --image-path "$BATS_TEST_TMPDIR/empty" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"console socket /nonexistent: No such file or directory"* ]]
	[ "$(state_dirs)" -eq 0 ]
	rrun roci restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/empty" "$CID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"detach without setting console socket"* ]]
	[ "$(state_dirs)" -eq 0 ]
	! ls -d /sys/fs/cgroup/*/"$CID" /sys/fs/cgroup/"$CID" 2>/dev/null || false
	! grep -q "$BUNDLE" /proc/self/mountinfo || false
}
