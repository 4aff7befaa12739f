#!/usr/bin/env bats
# linux.seccomp: every action, argument conditions, default actions,
# architectures and flags, unknown syscalls, and SCMP_ACT_NOTIFY with a
# real agent. Each test checks the effect from inside the container.
load helpers

setup() { common_setup; }
teardown() {
	[ -z "${AGENT_PID:-}" ] || kill "$AGENT_PID" 2>/dev/null || true
	common_teardown
}

# seccomp JSON: set linux.seccomp
seccomp() {
	update_config ".linux.seccomp = $1"
}

allow_but() { # allow_but ACTION NAMES_JSON [EXTRA_RULE_FIELDS]
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":'"$2"',"action":"'"$1"'"'"${3:+,$3}"'}]}'
}

@test "ERRNO with errnoRet: the denied syscall fails with that errno" {
	allow_but SCMP_ACT_ERRNO '["mkdir","mkdirat"]' '"errnoRet":13'
	set_args sh -c 'mkdir /tmp/x; echo rc=$?; grep "^Seccomp:" /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *$'Seccomp:\t2'* ]]
}

@test "ERRNO without errnoRet gives EPERM" {
	allow_but SCMP_ACT_ERRNO '["mkdir","mkdirat"]'
	set_args sh -c 'mkdir /tmp/x'
	rrun roci run -b "$BUNDLE" c1
	[[ "$output" == *"Operation not permitted"* ]]
}

@test "defaultAction ERRNO with defaultErrnoRet denies what the allow-list leaves out" {
	# allow every syscall the kernel headers name, except mkdir and mkdirat
	local names
	names=$(sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' /usr/include/x86_64-linux-gnu/asm/unistd_64.h |
		grep -vx -e mkdir -e mkdirat | jq -R . | jq -sc .)
	seccomp '{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],
		"syscalls":[{"names":'"$names"',"action":"SCMP_ACT_ALLOW"}]}'
	set_args sh -c 'mkdir /tmp/x; echo rc=$?'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "KILL, KILL_PROCESS, KILL_THREAD and TRAP end the caller with SIGSYS" {
	local act
	for act in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
		make_bundle "$BUNDLE"
		allow_but "$act" '["sync"]'
		set_args sh -c 'sync; echo rc=$?'
		rrun roci run -b "$BUNDLE" "c-$act"
		[ "$status" -eq 0 ]
		# 159 = 128 + SIGSYS
		[[ "$output" == *"rc=159"* ]] || { echo "$act: $output"; false; }
	done
}

@test "LOG and ALLOW let the syscall through" {
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["uname"],"action":"SCMP_ACT_LOG"},
		{"names":["getpid"],"action":"SCMP_ACT_ALLOW"}]}'
	set_args sh -c 'uname; echo rc=$?'
	rrun roci run -b "$BUNDLE" c1
	[ "$output" = $'Linux\nrc=0' ]
}

@test "TRACE without a tracer fails the syscall with ENOSYS" {
	allow_but SCMP_ACT_TRACE '["mkdir","mkdirat"]'
	set_args sh -c 'mkdir /tmp/x; echo rc=$?'
	rrun roci run -b "$BUNDLE" c1
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "argument conditions: every operator, AND across arguments, OR on one argument" {
	# kill(pid, sig) and chmod(path, mode); the shell is pid 1.
	local deny='"action":"SCMP_ACT_ERRNO","errnoRet":1'
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["kill"],'"$deny"',"args":[{"index":1,"value":2,"op":"SCMP_CMP_LT"}]},
		{"names":["kill"],'"$deny"',"args":[{"index":1,"value":10,"op":"SCMP_CMP_EQ"}]},
		{"names":["kill"],'"$deny"',"args":[{"index":0,"value":1,"op":"SCMP_CMP_NE"},{"index":1,"value":12,"op":"SCMP_CMP_EQ"}]},
		{"names":["kill"],'"$deny"',"args":[{"index":1,"value":24,"valueTwo":24,"op":"SCMP_CMP_MASKED_EQ"}]},
		{"names":["kill"],'"$deny"',"args":[{"index":1,"value":60,"op":"SCMP_CMP_GT"}]},
		{"names":["chmod"],'"$deny"',"args":[{"index":1,"value":448,"op":"SCMP_CMP_EQ"},{"index":1,"value":384,"op":"SCMP_CMP_EQ"}]},
		{"names":["chmod"],'"$deny"',"args":[{"index":1,"value":504,"op":"SCMP_CMP_GE"}]},
		{"names":["chmod"],'"$deny"',"args":[{"index":1,"value":64,"op":"SCMP_CMP_LE"}]},
		{"names":["fchmodat"],'"$deny"',"args":[{"index":2,"value":448,"op":"SCMP_CMP_EQ"},{"index":2,"value":384,"op":"SCMP_CMP_EQ"}]},
		{"names":["fchmodat"],'"$deny"',"args":[{"index":2,"value":504,"op":"SCMP_CMP_GE"}]},
		{"names":["fchmodat"],'"$deny"',"args":[{"index":2,"value":64,"op":"SCMP_CMP_LE"}]}]}'
	# (set_args splits on newlines: one line per argument)
	set_args sh -c 'trap "" 1 10 12 14 20 24 28 62; for s in 0 1 10 12 14 20 24 28 62; do kill -$s $$ 2>/dev/null && echo "kill $s ok" || echo "kill $s denied"; done; touch /tmp/f; for m in 700 600 755 777 0 644; do chmod $m /tmp/f 2>/dev/null && echo "chmod $m ok" || echo "chmod $m denied"; done'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local want
	want=$(printf '%s\n' "kill 0 denied" "kill 1 denied" "kill 10 denied" "kill 12 ok" "kill 14 ok" \
		"kill 20 ok" "kill 24 denied" "kill 28 denied" "kill 62 denied" \
		"chmod 700 denied" "chmod 600 denied" "chmod 755 ok" "chmod 777 denied" "chmod 0 denied" "chmod 644 ok")
	[ "$output" = "$want" ] || { diff <(echo "$want") <(echo "$output"); false; }
}

@test "syscalls unknown to libseccomp are skipped with a warning" {
	allow_but SCMP_ACT_ERRNO '["no_such_syscall_roci","mkdir","mkdirat"]'
	set_args sh -c 'mkdir /tmp/x; echo rc=$?'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"no_such_syscall_roci"*"skipped"* ]]
	[[ "$output" == *"rc=1"* ]]
}

@test "architectures and every flag are accepted; the filter is loaded" {
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
		"flags":["SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/x 2>/dev/null; echo rc=$?; grep "^Seccomp:" /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$output" = $'rc=1\nSeccomp:\t2' ]
}

@test "the filter is installed after roci's own setup" {
	# mount, pivot_root, sethostname, setns, unshare and keyctl are all
	# used by roci before exec: denying them must not break the start.
	allow_but SCMP_ACT_ERRNO '["mount","pivot_root","sethostname","setns","unshare","keyctl","mkdirat","mkdir","umount2"]'
	update_config '.hostname = "filtered"'
	set_args sh -c 'hostname; mkdir /tmp/x 2>/dev/null || echo denied'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'filtered\ndenied' ]
}

@test "without noNewPrivileges the filter is loaded before capabilities are dropped" {
	# getcwd too: roci's own cwd check must not depend on it (the
	# runtime-tools linux_seccomp test denies it)
	allow_but SCMP_ACT_ERRNO '["mkdir","mkdirat","getcwd"]'
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000} |
		.process.capabilities = {"bounding":[],"effective":[],"permitted":[],"inheritable":[],"ambient":[]}'
	set_args sh -c 'grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status; mkdir /tmp/x 2>/dev/null || echo denied'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'CapEff:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2\ndenied' ]
}

# agent [OPTION...] SOCKET: the test agent, in the background ($AGENT_PID)
agent() {
	"$REPO/build/tests/helpers/seccomp-agent" "$@" "$BATS_TEST_TMPDIR/agent.state" 2>"$BATS_TEST_TMPDIR/agent.err" &
	AGENT_PID=$!
}

# mkdir_answered_by SOCKET [METADATA]: run a container whose mkdir goes to
# the agent at SOCKET, which answers "success" without creating anything
mkdir_answered_by() {
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"'"$1"'","listenerMetadata":"'"${2:-}"'",
		"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]}'
	set_args sh -c 'mkdir /tmp/x && echo mkdir-ok; [ -d /tmp/x ] && echo exists || echo absent'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'mkdir-ok\nabsent' ]
	wait "$AGENT_PID"
	AGENT_PID=
	grep -q "answered 1" "$BATS_TEST_TMPDIR/agent.err"
}

@test "NOTIFY: the agent gets the listener fd and the state, and answers the syscall" {
	local sock=$BATS_TEST_TMPDIR/agent.sock
	agent "$sock"
	wait_until 10 grep -q listening "$BATS_TEST_TMPDIR/agent.err"
	mkdir_answered_by "$sock" test-meta
	local st=$BATS_TEST_TMPDIR/agent.state
	[ "$(jq -r '.fds | join(",")' "$st")" = seccompFd ]
	[ "$(jq -r .metadata "$st")" = test-meta ]
	[ "$(jq -r .state.id "$st")" = c1 ]
	[ "$(jq -r .state.status "$st")" = creating ]
	[ "$(jq -r .state.bundle "$st")" = "$BUNDLE" ]
	[ "$(jq .pid "$st")" -gt 0 ]
	[ "$(jq .pid "$st")" = "$(jq .state.pid "$st")" ]
}

@test "NOTIFY with no agent listening fails create and leaves nothing" {
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"'"$BATS_TEST_TMPDIR"'/nobody.sock",
		"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"seccomp listener"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "NOTIFY: an agent that starts late and accepts late is served" {
	# no socket for a second, then a second between listen and accept:
	# create runs at once and must wait for it
	agent -s 1000 -a 1000 "$BATS_TEST_TMPDIR/late.sock"
	mkdir_answered_by "$BATS_TEST_TMPDIR/late.sock"
}

@test "NOTIFY: an agent that never accepts fails create after a bounded wait, leaving nothing" {
	local sock=$BATS_TEST_TMPDIR/never.sock
	agent -n "$sock"
	wait_until 10 grep -q listening "$BATS_TEST_TMPDIR/agent.err"
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"'"$sock"'",
		"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}'
	set_args sleep 100
	local t0=$SECONDS
	# the outer timeout only turns a hang into a failure
	rrun tmo 60 "$ROCI" --root "$STATE" create -b "$BUNDLE" c1
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"seccomp listener $sock: the agent did not accept and read the listener within 5 s"* ]]
	[ $((SECONDS - t0)) -ge 4 ]
	[ "$(state_dirs)" -eq 0 ]
	! pgrep -f "^sleep 100$" || false
}

@test "a profile without SCMP_ACT_NOTIFY opens no listener and connects to no agent, as runc" {
	local sock=$BATS_TEST_TMPDIR/idle.sock
	agent "$sock"
	wait_until 10 grep -q listening "$BATS_TEST_TMPDIR/agent.err"
	seccomp '{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"'"$sock"'",
		"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/x 2>/dev/null || echo denied; n=$(for f in /proc/$$/fd/*; do readlink "$f"; done | grep -c seccomp); echo "$n"'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'denied\n0' ]
	# the agent is still waiting for its first connection
	[ ! -e "$BATS_TEST_TMPDIR/agent.state" ]
	kill -0 "$AGENT_PID"
}

@test "bad seccomp configs are refused with the field named, and nothing is created" {
	local bad
	for bad in '{"defaultAction":"SCMP_ACT_NOPE"}|defaultAction' \
		'{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_VAX"]}|architectures[0]' \
		'{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NOPE"]}|flags[0]' \
		'{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}|listenerPath' \
		'{"defaultAction":"SCMP_ACT_NOTIFY","listenerPath":"/x"}|defaultAction' \
		'{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ALLOW","errnoRet":1}]}|errnoRet' \
		'{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}|index' \
		'{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":1,"op":"SCMP_CMP_LIKE"}]}]}|op'; do
		make_bundle "$BUNDLE"
		seccomp "${bad%|*}"
		rrun roci create -b "$BUNDLE" c1
		[ "$status" -ne 0 ]
		[[ "$output" == *"linux.seccomp"*"${bad#*|}"* ]] || { echo "missing ${bad#*|}"; false; }
		[ "$(state_dirs)" -eq 0 ]
	done
}
