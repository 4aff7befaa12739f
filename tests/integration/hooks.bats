#!/usr/bin/env bats
# Hooks: order, where they run, the state they receive, failures, timeouts.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# hook KIND: a hook appending "KIND <status> <id>" from its stdin to $LOG
hook() {
	printf '{"path":"/bin/sh","args":["sh","-c","read -r s; echo \\"%s $(echo \\"$s\\" | sed -n \\"s/.*\\\\\\"status\\\\\\":\\\\\\"\\\\([a-z]*\\\\)\\\\\\".*/\\\\1/p\\") $(echo \\"$s\\" | sed -n \\"s/.*\\\\\\"id\\\\\\":\\\\\\"\\\\([a-z0-9]*\\\\)\\\\\\".*/\\\\1/p\\")\\" >> %s"]}' "$1" "$2"
}

@test "all six hooks run in order, each with the state on stdin" {
	local log=$BATS_TEST_TMPDIR/hooks.log
	: >"$log"
	# startContainer runs inside the container: give it the log by a bind mount
	update_config '.mounts += [{"destination":"/hooklog","type":"bind","source":"'"$log"'","options":["bind"]}]'
	local k hooks='{}'
	for k in prestart createRuntime createContainer poststart poststop; do
		hooks=$(jq --argjson h "$(hook "$k" "$log")" --arg k "$k" '.[$k] = [$h]' <<<"$hooks")
	done
	hooks=$(jq --argjson h "$(hook startContainer /hooklog)" '.startContainer = [$h]' <<<"$hooks")
	update_config ".hooks = $hooks"
	roci create -b "$BUNDLE" hk1
	[ "$(cut -d' ' -f1 "$log" | tr '\n' ' ')" = "prestart createRuntime createContainer " ]
	roci start hk1
	wait_status hk1 stopped
	roci delete hk1
	run cat "$log"
	[ "${lines[0]}" = "prestart created hk1" ]
	[ "${lines[1]}" = "createRuntime created hk1" ]
	[ "${lines[2]}" = "createContainer created hk1" ]
	[ "$(cut -d' ' -f1,3 <<<"${lines[3]}")" = "startContainer hk1" ]
	[ "${lines[4]}" = "poststart running hk1" ]
	[ "${lines[5]}" = "poststop stopped hk1" ]
}

@test "hook args and env are the hook's own" {
	update_config '.hooks = {"prestart": [{"path":"/bin/sh","args":["sh","-c","echo \"$0 $1\" > '"$BATS_TEST_TMPDIR"'/out; /usr/bin/env >> '"$BATS_TEST_TMPDIR"'/out","first","second"],"env":["X=yes"]}]}'
	HOSTONLY=leak roci create -b "$BUNDLE" c1
	cat "$BATS_TEST_TMPDIR/out"
	[ "$(head -1 "$BATS_TEST_TMPDIR/out")" = "first second" ]
	grep -qx "X=yes" "$BATS_TEST_TMPDIR/out"
	! grep -q "HOSTONLY" "$BATS_TEST_TMPDIR/out" || false
}

@test "hooks get stdin, stdout and stderr only: no fd of roci's leaks into them" {
	# not even fd 3, which --preserve-fds keeps open for the container; both
	# libcs (glibc closes with a spawn file action, musl with one close per
	# open fd). Each hook becomes ls, which lists its own fds: 0, 1, 2 and
	# the directory it reads (3). A shell listing its own would race with
	# its pipes and saved redirections on a loaded machine.
	local k hooks='{}' h
	for k in prestart createRuntime poststart poststop; do
		h='{"path":"/bin/sh","args":["sh","-c","exec ls /proc/self/fd > '"$BATS_TEST_TMPDIR"'/fds.'"$k"'"]}'
		hooks=$(jq --argjson h "$h" --arg k "$k" '.[$k] = [$h]' <<<"$hooks")
	done
	update_config ".hooks = $hooks"
	roci run --preserve-fds 1 -b "$BUNDLE" c1 3</dev/null
	for k in prestart createRuntime poststart poststop; do
		echo "$k: $(tr '\n' ' ' <"$BATS_TEST_TMPDIR/fds.$k")"
		[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/fds.$k")" = "0 1 2 3 " ]
	done
}

@test "a hook without env gets roci's environment, startContainer's the process's; createContainer runs in the bundle" {
	local d=$BATS_TEST_TMPDIR
	: >"$d/sc"
	update_config '.process.env += ["CONTAINER_ONLY=yes"] |
		.mounts += [{"destination":"/hookenv","type":"bind","source":"'"$d/sc"'","options":["bind"]}] |
		.hooks = {"prestart": [{"path":"/bin/sh","args":["sh","-c","env > '"$d"'/prestart"]}],
			"poststop": [{"path":"/bin/sh","args":["sh","-c","env > '"$d"'/poststop"]}],
			"createContainer": [{"path":"/bin/sh","args":["sh","-c","pwd > '"$d"'/cc"]}],
			"startContainer": [{"path":"/bin/sh","args":["sh","-c","env > /hookenv"]}]}'
	(cd / && HOSTONLY=from-roci roci run -b "$BUNDLE" c1)
	grep -qx HOSTONLY=from-roci "$d/prestart"
	grep -qx HOSTONLY=from-roci "$d/poststop"
	! grep -q CONTAINER_ONLY "$d/prestart" || false
	grep -qx CONTAINER_ONLY=yes "$d/sc"
	! grep -q HOSTONLY "$d/sc" || false
	[ "$(cat "$d/cc")" = "$(cd "$BUNDLE" && pwd -P)" ]
}

@test "createContainer hooks run in the container's namespaces" {
	update_config '.hooks = {"createContainer": [{"path":"/bin/sh","args":["sh","-c","readlink /proc/self/ns/uts > '"$BATS_TEST_TMPDIR"'/ns"]}]}'
	set_args sleep 100
	roci run -d -b "$BUNDLE" c1
	local pid
	pid=$(roci state c1 | jq .pid)
	[ "$(cat "$BATS_TEST_TMPDIR/ns")" = "$(readlink /proc/"$pid"/ns/uts)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/ns")" != "$(readlink /proc/self/ns/uts)" ]
}

@test "a failing createRuntime hook fails create and leaves nothing" {
	update_config '.hooks = {"createRuntime": [{"path":"/bin/sh","args":["sh","-c","echo broken >&2; exit 3"]}]}'
	set_args sleep 4321
	local before
	before=$(wc -l </proc/self/mountinfo)
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"createRuntime hook"*"exit status 3"* ]]
	[ "$(state_dirs)" -eq 0 ]
	[ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
	run pgrep -x -f "sleep 4321"
	[ "$status" -ne 0 ]
}

@test "a hook timeout kills the hook and fails create" {
	update_config '.hooks = {"prestart": [{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}]}'
	local start=$SECONDS
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"timed out after 1 seconds"* ]]
	[ $((SECONDS - start)) -le 5 ]
	[ "$(state_dirs)" -eq 0 ]
}

@test "failing poststart and poststop hooks are warnings" {
	update_config '.hooks = {"poststart": [{"path":"/bin/false"}], "poststop": [{"path":"/bin/false"}]}'
	roci create -b "$BUNDLE" c1
	run roci start c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"poststart hook"* ]]
	wait_status c1 stopped
	run roci delete c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"poststop hook"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "without hooks before the process, create makes no hook round trip; a startContainer hook alone still gets the state" {
	local log=$BATS_TEST_TMPDIR/debug.log
	set_args true
	rrun roci --debug --log "$log" run -b "$BUNDLE" hk2
	[ "$status" -eq 0 ]
	grep -q 'create hk2: created' "$log"
	! grep -q 'run the runtime hooks' "$log" || false
	! grep -q 'prestart and createRuntime hooks' "$log" || false
	local hl=$BATS_TEST_TMPDIR/hooks.log
	: >"$hl"
	update_config '.mounts += [{"destination":"/hooklog","type":"bind","source":"'"$hl"'","options":["bind"]}]'
	update_config ".hooks = {\"startContainer\": [$(hook startContainer /hooklog)]}"
	: >"$log"
	rrun roci --debug --log "$log" run -b "$BUNDLE" hk3
	[ "$status" -eq 0 ]
	grep -q 'prestart and createRuntime hooks' "$log"
	[ "$(cat "$hl")" = "startContainer created hk3" ]
}
