#!/usr/bin/env bats
# The container process: args, env, cwd, user, umask, rlimits, privileges, fds.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "PATH lookup happens inside the container" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho from-inside\n' >"$BUNDLE/rootfs/opt/tools/only-inside"
	chmod 755 "$BUNDLE/rootfs/opt/tools/only-inside"
	update_config '.process.env = ["PATH=/opt/tools:/bin"]'
	set_args only-inside
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = from-inside ]
}

@test "env and HOME" {
	update_config '.process.env = ["PATH=/bin", "FOO=bar baz"]'
	set_args sh -c 'echo "$FOO|$HOME"'
	rrun roci run -b "$BUNDLE" c1
	[ "$output" = "bar baz|/root" ]
}

@test "cwd is created when missing" {
	update_config '.process.cwd = "/work/deep/dir"'
	set_args pwd
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = /work/deep/dir ]
	[ -d "$BUNDLE/rootfs/work/deep/dir" ]
}

@test "user: uid, gid, additionalGids and umask" {
	update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [2000, 2001], "umask": 63}'
	set_args sh -c 'id -u; id -g; id -G; umask'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[ "${lines[2]}" = "1001 2000 2001" ]
	[ "${lines[3]}" = 0077 ]
}

@test "rlimits" {
	update_config '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":500,"hard":600},{"type":"RLIMIT_CORE","soft":0,"hard":0}]'
	set_args sh -c 'ulimit -Sn; ulimit -Hn; ulimit -c'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'500\n600\n0' ]
}

@test "noNewPrivileges and oomScoreAdj" {
	update_config '.process.noNewPrivileges = true | .process.oomScoreAdj = 500'
	set_args sh -c 'grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NoNewPrivs:	1" ]
	[ "${lines[1]}" = 500 ]
	update_config '.process.noNewPrivileges = false | del(.process.oomScoreAdj)'
	rrun roci run -b "$BUNDLE" c1
	[ "${lines[0]}" = "NoNewPrivs:	0" ]
}

@test "capabilities: exactly the configured sets" {
	update_config '.process.capabilities = {"bounding":["CAP_KILL","CAP_CHOWN"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"],"inheritable":[],"ambient":[]}'
	set_args sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000020"* ]]
	[[ "$output" == *"CapEff:	0000000000000020"* ]]
	[[ "$output" == *"CapBnd:	0000000000000021"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
}

@test "a non-root user with ambient capabilities keeps them" {
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities = {"bounding":["CAP_NET_BIND_SERVICE"],"effective":["CAP_NET_BIND_SERVICE"],"permitted":["CAP_NET_BIND_SERVICE"],"inheritable":["CAP_NET_BIND_SERVICE"],"ambient":["CAP_NET_BIND_SERVICE"]}'
	set_args sh -c 'grep -E "^Cap(Eff|Amb)" /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	0000000000000400"* ]]
	[[ "$output" == *"CapAmb:	0000000000000400"* ]]
}

# runc 1.1's `runc spec` lists ambient capabilities that are not
# inheritable: runc and crun start it, leave them out of the ambient set and
# warn; no capability that was not asked for is added (security.md #7)
@test "the stock runc spec config runs; ambient without inheritable is left out, with a warning" {
	command -v runc
	local root
	root=$(jq -r .root.path "$BUNDLE/config.json")
	(cd "$BATS_TEST_TMPDIR" && runc spec)
	jq --arg r "$root" '.root.path = $r | .process.terminal = false |
		.process.args = ["sh", "-c", "grep -E \"^Cap(Inh|Prm|Eff|Amb)\" /proc/self/status"]' \
		"$BATS_TEST_TMPDIR/config.json" >"$BUNDLE/config.json"
	[ "$(jq -c '.process.capabilities | [has("inheritable"), .ambient]' "$BUNDLE/config.json")" = '[false,["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]]' ]
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29)
	[[ "$output" == *"CapEff:	0000000020000420"* ]]
	[[ "$output" == *"CapPrm:	0000000020000420"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"ambient capability CAP_KILL is not also inheritable and permitted; it is left out of the ambient set"* ]]
	# an ambient capability that is inheritable but not permitted is left out too
	update_config '.process.capabilities.inheritable = ["CAP_KILL"] | .process.capabilities.permitted = ["CAP_AUDIT_WRITE"] | .process.capabilities.effective = ["CAP_AUDIT_WRITE"]'
	rrun roci run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
}

@test "a missing cwd is made before the root is read-only; a cwd only root can reach works for a user" {
	update_config '.root.readonly = true | .process.cwd = "/does/not/exist"'
	set_args pwd
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = /does/not/exist ]
	# /secret (0700, root's) holds the cwd of a process running as uid 1000
	mkdir -m 700 "$BUNDLE/rootfs/secret"
	mkdir -m 755 "$BUNDLE/rootfs/secret/work"
	update_config '.root.readonly = false | .process.cwd = "/secret/work" | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'pwd; ls /secret 2>/dev/null || echo "no way in"'
	rrun roci run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /secret/work ]
	[ "${lines[1]}" = "no way in" ]
}

@test "the stdio roci passes on is the container user's: a process that is not root reopens it" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'echo reopened > /proc/self/fd/1'
	local out=$BATS_TEST_TMPDIR/out
	: >"$out"
	roci run -b "$BUNDLE" c1 >"$out"
	[ "$(cat "$out")" = reopened ]
	[ "$(stat -c %u "$out")" = 1000 ]
	# a pipe too
	[ "$(roci run -b "$BUNDLE" c2 | cat)" = reopened ]
	# /dev/null is never handed over
	roci run -b "$BUNDLE" c3 </dev/null 2>/dev/null >/dev/null
	[ "$(stat -c %u /dev/null)" = 0 ]
}

@test "only stdio reaches the container; --preserve-fds passes more" {
	set_args ls /proc/self/fd
	"$ROCI" --root "$STATE" run -b "$BUNDLE" c1 7>/dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	# ls itself opens one fd for the directory
	[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/out")" = "0 1 2 3 " ]
	"$ROCI" --root "$STATE" run --preserve-fds 2 -b "$BUNDLE" c2 3>/dev/null 4>/dev/null 7>/dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/out")" = "0 1 2 3 4 5 " ]
}

@test "LISTEN_FDS meant for roci reach the container" {
	set_args sh -c 'echo "$LISTEN_FDS"; ls /proc/self/fd | tr "\n" " "'
	bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=$$ "$0" --root "$1" run -b "$2" c1' "$ROCI" "$STATE" "$BUNDLE" 3>/dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(head -1 "$BATS_TEST_TMPDIR/out")" = 1 ]
	[ "$(tail -1 "$BATS_TEST_TMPDIR/out")" = "0 1 2 3 4 " ]
}

@test "a terminal through --console-socket" {
	update_config '.process.terminal = true'
	set_args sh -c 'tty; echo hello'
	console_receiver "$BATS_TEST_TMPDIR/console.sock" "$BATS_TEST_TMPDIR/tty.out"
	rrun roci create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1
	[ "$status" -eq 0 ]
	roci start c1
	wait "$CONSOLE_PID"
	grep -q "^/dev/pts/0" "$BATS_TEST_TMPDIR/tty.out"
	grep -q "^hello" "$BATS_TEST_TMPDIR/tty.out"
}

@test "a terminal without a console socket is refused for create" {
	update_config '.process.terminal = true'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"console socket"* ]]
	[ "$(state_dirs)" -eq 0 ]
}
