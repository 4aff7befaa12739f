#!/usr/bin/env bats
# roci as the runc binary of containerd 1.6's runc v2 shim, driven with ctr,
# in a private containerd (tests/callers/lib.bash).
load lib
CTR_ID=roci-c1

setup_file() {
	install_callers
	callers_tmp
	if ! start_containerd || ! ctr_import_busybox; then
		callers_cleanup
		return 1
	fi
}

teardown_file() {
	callers_cleanup
}

setup() { :; }
teardown() { :; }

# ctr_target: the long-running ctr container the exec tests share (started
# by the first test that needs it, removed by teardown_file)
ctr_target() {
	[ "$(ctrc task ls 2>/dev/null | awk -v id="$CTR_ID" '$1 == id {print $3}')" = RUNNING ] && return 0
	ctrc task rm -f "$CTR_ID" >/dev/null 2>&1 || true
	ctrc containers rm "$CTR_ID" >/dev/null 2>&1 || true
	ctrc run -d --null-io --runtime io.containerd.runc.v2 --runc-binary "$CB/roci" \
		--runc-root "$CTR_ROOT" "$IMAGE" "$CTR_ID" sleep 1000
}

# ctr_exec ARGS...: ctr task exec with a fresh exec id (and its fifos here)
ctr_exec() { ctrc task exec --fifo-dir "$CB/fifo" --exec-id "e$BATS_TEST_NUMBER-$RANDOM" "$@"; }

@test "ctr run -d: the task runs under roci" {
	ctr_target
	run ctrc task ls
	echo "$output"
	local pid
	pid=$(awk -v id="$CTR_ID" '$1 == id && $3 == "RUNNING" {print $2}' <<<"$output")
	[ -n "$pid" ]
	run "$ROCI" --root "$CTR_ROOT/default" state "$CTR_ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
}

@test "ctr task exec: output and exit status" {
	ctr_target
	run ctr_exec "$CTR_ID" sh -c 'echo hi'
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run last_exec_argv
	echo "$output"
	[[ "$output" == *" exec "*"--process "*" --detach"*"--pid-file "*" $CTR_ID" ]]
	[[ "$output" == *"--log $CB/ctd/state/"*"/log.json --log-format json "* ]]
	run ctr_exec "$CTR_ID" sh -c 'exit 5'
	[ "$status" -eq 5 ]
}

@test "ctr task exec --user --cwd" {
	ctr_target
	run ctr_exec --user 65534 --cwd /tmp "$CTR_ID" sh -c 'id -u; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = /tmp ]
}

@test "ctr task exec -t under a pseudo-terminal" {
	ctr_target
	run in_pty "ctr -a $CTD_SOCK task exec --fifo-dir $CB/fifo -t --exec-id pty$RANDOM $CTR_ID sh -c 'tty; exit 3'"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	run last_exec_argv
	echo "$output"
	[[ "$output" == *" exec "*"--console-socket "*" $CTR_ID" ]]
}

@test "ctr task exec of a missing program fails with roci's message" {
	ctr_target
	run ctr_exec "$CTR_ID" nosuchprogram
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
	# the shim took it from roci's --log file
	local log
	log=$(find "$CB/ctd/state" -path "*/$CTR_ID/log.json")
	[ -n "$log" ]
	jq -e 'select(.level == "error" and (.msg | contains("executable file not found")))' "$log"
	# the container is unharmed
	run ctr_exec "$CTR_ID" true
	[ "$status" -eq 0 ]
}

