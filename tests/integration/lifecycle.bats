#!/usr/bin/env bats
# create / start / state / kill / delete / list / run, and their transitions.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "create, start, kill, delete: every state transition" {
	set_args sh -c "$TERM_AWARE"
	rrun roci create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1
	[ "$status" -eq 0 ]
	run roci state c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .id <<<"$output")" = c1 ]
	[ "$(jq -r .ociVersion <<<"$output")" = 1.3.0 ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$BUNDLE/rootfs" ]
	[ "$(jq -r 'has("created") and has("owner") and has("annotations")' <<<"$output")" = true ]
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$pid" ]
	# the pid file holds the bare number, no newline
	[ "$(wc -c <"$BATS_TEST_TMPDIR/pid")" -eq "${#pid}" ]
	kill -0 "$pid"
	run roci start c1
	[ "$status" -eq 0 ]
	[ "$(container_status c1)" = running ]
	run roci start c1
	[ "$status" -ne 0 ]
	run roci kill c1
	[ "$status" -eq 0 ]
	wait_status c1 stopped
	run roci state c1
	[ "$(jq 'has("pid")' <<<"$output")" = false ]
	run roci delete c1
	[ "$status" -eq 0 ]
	run roci state c1
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "c1" does not exist'* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "annotations appear in state" {
	update_config '.annotations = {"org.example.a": "1", "b": "two"}'
	roci create -b "$BUNDLE" c1
	run roci state c1
	[ "$(jq -c .annotations <<<"$output")" = '{"org.example.a":"1","b":"two"}' ]
}

@test "kill accepts names, SIG names, numbers, and rejects bad signals" {
	set_args sleep 100
	local sig
	for sig in KILL SIGKILL 9 kill sigkill; do
		roci run -d -b "$BUNDLE" c1
		run roci kill c1 "$sig"
		[ "$status" -eq 0 ]
		wait_status c1 stopped
		roci delete c1
	done
	set_args sh -c 'trap "exit 0" USR1; while :; do sleep 0.1; done'
	roci run -d -b "$BUNDLE" c1
	run roci kill c1 NOSUCHSIG
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown signal "NOSUCHSIG"'* ]]
	# signal 0 only checks that the init exists
	run roci kill c1 0
	[ "$status" -eq 0 ]
	[ "$(container_status c1)" = running ]
	run roci kill c1 USR1
	[ "$status" -eq 0 ]
	wait_status c1 stopped
}

@test "kill of a stopped container: container not running" {
	roci run -d -b "$BUNDLE" c1
	wait_status c1 stopped
	run roci kill c1 KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	run roci kill nope KILL
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "nope" does not exist'* ]]
}

@test "kill --all signals every process in the container" {
	set_args sh -c 'sleep 100 & sleep 100 & wait'
	roci run -d -b "$BUNDLE" c1
	local pid
	pid=$(roci state c1 | jq .pid)
	# both sleeps forked
	wait_until 30 eval '[ "$(cat /proc/$pid/task/*/children | wc -w)" -eq 2 ]'
	local children
	children=$(cat /proc/"$pid"/task/*/children)
	[ -n "$children" ]
	run roci kill --all c1 KILL
	[ "$status" -eq 0 ]
	wait_status c1 stopped
	for c in $children; do
		pid_gone "$c"
	done
}

@test "delete: running needs --force, created and stopped do not" {
	set_args sleep 100
	roci run -d -b "$BUNDLE" c1
	run roci delete c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not stopped"* ]]
	[ "$(container_status c1)" = running ]
	local pid
	pid=$(roci state c1 | jq .pid)
	run roci delete -f c1
	[ "$status" -eq 0 ]
	# delete -f returns only once the process is gone
	pid_gone "$pid"
	[ "$(state_dirs)" -eq 0 ]

	roci create -b "$BUNDLE" c2
	pid=$(roci state c2 | jq .pid)
	run roci delete c2
	[ "$status" -eq 0 ]
	pid_gone "$pid"
	run roci delete nope
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "nope" does not exist'* ]]
}

@test "list: table, json and quiet" {
	set_args sleep 100
	roci create -b "$BUNDLE" a1
	roci run -d -b "$BUNDLE" b2
	run roci list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
	[[ "${lines[1]}" =~ ^a1\ +[0-9]+\ +created\ +$BUNDLE ]]
	[[ "${lines[2]}" =~ ^b2\ +[0-9]+\ +running\ +$BUNDLE ]]
	run roci list -q
	[ "$output" = $'a1\nb2' ]
	run roci list -f json
	[ "$(jq -r '.[] | "\(.id) \(.status)"' <<<"$output")" = $'a1 created\nb2 running' ]
	# runc's fields, in runc's order; the owner by name; annotations only
	# when there are some
	[ "$(jq -c '[.[0] | keys_unsorted[]]' <<<"$output")" = \
		'["ociVersion","id","pid","status","bundle","rootfs","created","owner"]' ]
	[ "$(jq -r '.[0].owner' <<<"$output")" = root ]
	run roci list --format yaml
	[ "$status" -ne 0 ]
	roci delete -f a1
	roci delete -f b2
	# nothing: null, as runc prints it
	run roci list -f json
	[ "$output" = null ]
}

@test "state while create is still running says creating; once create returns, created" {
	local d=$BATS_TEST_TMPDIR
	set_args sleep 100
	update_config '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c",
		"touch '"$d"'/in-hook; while [ ! -e '"$d"'/go ]; do sleep 0.05; done"]}]}'
	roci create -b "$BUNDLE" c1 >/dev/null 2>&1 &
	local creator=$!
	wait_until 30 test -e "$d/in-hook"
	[ "$(container_status c1)" = creating ]
	[[ "$(roci list)" == *" creating "* ]]
	touch "$d/go"
	wait "$creator"
	[ "$(container_status c1)" = created ]
}

@test "ps of a stopped container: an empty answer, not an error" {
	set_args true
	roci run -d -b "$BUNDLE" c1
	wait_status c1 stopped
	rrun roci ps -f json c1
	[ "$status" -eq 0 ]
	[ "$output" = null ]
	rrun roci ps c1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *PID* ]]
}

@test "two concurrent creates of one id: exactly one wins" {
	set_args sleep 100
	local i
	for i in 1 2 3 4; do
		roci create -b "$BUNDLE" same >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
	done
	local ok=0 exists=0
	for i in 1 2 3 4; do
		wait -n && ok=$((ok + 1)) || true
	done
	for i in 1 2 3 4; do
		grep -q 'container with id "same" already exists' "$BATS_TEST_TMPDIR/out$i" && exists=$((exists + 1)) || true
	done
	[ "$ok" -eq 1 ]
	[ "$exists" -eq 3 ]
	[ "$(container_status same)" = created ]
}

@test "run: exit codes of the container" {
	set_args sh -c 'exit 3'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 3 ]
	set_args true
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# the container is deleted afterwards
	[ "$(state_dirs)" -eq 0 ]
}

@test "run forwards signals to the container" {
	set_args sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
	"$ROCI" --root "$STATE" run -b "$BUNDLE" c1 </dev/null >/dev/null 2>&1 &
	local runpid=$!
	wait_status c1 running
	kill -TERM "$runpid"
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 7 ]
	[ "$(state_dirs)" -eq 0 ]
}

@test "run exits 128+N when signal N killed the container" {
	set_args sleep 100
	"$ROCI" --root "$STATE" run -b "$BUNDLE" c1 </dev/null >/dev/null 2>&1 &
	local runpid=$!
	wait_status c1 running
	roci kill c1 KILL
	local rc=0
	wait "$runpid" || rc=$?
	[ "$rc" -eq 137 ]
}

@test "run --keep leaves a stopped container; run -d returns at once" {
	set_args sh -c 'exit 5'
	rrun roci run --keep -b "$BUNDLE" c1
	[ "$status" -eq 5 ]
	[ "$(container_status c1)" = stopped ]
	roci delete c1
	set_args sleep 100
	rrun tmo 5 "$ROCI" --root "$STATE" run -d -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$(container_status c2)" = running ]
}

@test "state and delete are not fooled by a stopped container's pid" {
	roci run -d -b "$BUNDLE" c1
	wait_status c1 stopped
	# the recorded pid is gone; status stays stopped and delete cleans up
	run roci delete c1
	[ "$status" -eq 0 ]
}

@test "a config without process creates and starts" {
	update_config 'del(.process)'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	run roci start c1
	[ "$status" -eq 0 ]
	wait_status c1 stopped
}

@test "editing the bundle after create does not change the container" {
	set_args sh -c 'echo original'
	roci create -b "$BUNDLE" c1
	set_args sh -c 'echo edited'
	update_config '.hooks = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook > '"$BATS_TEST_TMPDIR"'/hook"]}]}'
	roci start c1
	wait_status c1 stopped
	[ ! -e "$BATS_TEST_TMPDIR/hook" ]
}

@test "the container process starts with no blocked signals" {
	set_args sh -c 'grep SigBlk /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = "SigBlk:	0000000000000000" ]
}

# text_rss PID: "RSS SIZE" in KiB of the process's first executable mapping
# (roci's own code: the init has not exec'd yet)
text_rss() {
	awk '$2 ~ /^r-xp/ { f = 1 } f && /^Size:/ { s = $2 } f && /^Rss:/ { print $2, s; exit }' /proc/"$1"/smaps
}
parked() { [ "$(cat /proc/"$1"/wchan)" = wait_for_partner ]; }

# create_parked: create c1 and wait until its init blocks on exec.fifo;
# sets RSS and SIZE, in KiB, of its code mapping
create_parked() {
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -eq 0 ] || return 1
	local pid
	pid=$(jq -r .pid <<<"$(roci state c1)")
	wait_until 10 parked "$pid" || return 1
	read -r RSS SIZE < <(text_rss "$pid")
	echo "code: $RSS of $SIZE KiB resident" >&2
}

# start_ran: start c1, whose process writes /started
start_ran() {
	rrun roci start c1
	[ "$status" -eq 0 ] && wait_status c1 stopped && [ "$(cat "$BUNDLE/rootfs/started")" = started ]
}

@test "the parked init keeps little of roci's code resident, and still starts its process" {
	set_args sh -c 'echo started > /started'
	create_parked
	# create touched most of it; waiting for start needs a few pages: a
	# quarter at most, or one fault-around window (64 KiB) of a small build
	[ "$((RSS * 4))" -le "$SIZE" ] || [ "$RSS" -le 64 ]
	start_ran
	# a filter that traps madvise: the pages stay, nothing is trapped
	# (a build without seccomp ends here: profile.bats covers its refusal)
	roci_built seccomp || return 0
	roci delete c1
	rm "$BUNDLE/rootfs/started"
	update_config '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["madvise"],"action":"SCMP_ACT_TRAP"}]}'
	create_parked
	[ "$((RSS * 4))" -gt "$SIZE" ]
	start_ran
}
