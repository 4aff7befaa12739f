#!/usr/bin/env bats
# exec: a new process in a running container, checked from inside it.

load helpers

setup() {
	common_setup
	set_args sleep 1000
}
teardown() {
	common_teardown
	# a sub-cgroup a failed test left behind, and the container's
	# directories it kept from being removed
	local d
	for d in /sys/fs/cgroup/*/c1/sub /sys/fs/cgroup/*/c1; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	true
}

# start_c1 [JQ_FILTER]: c1 running `sleep 1000` (the filter edits the config first)
start_c1() {
	[ -z "${1:-}" ] || update_config "$1"
	rrun roci run -d -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	wait_status c1 running
	INIT_PID=$(roci state c1 | jq .pid)
}

# process_json FILTER: a process document for -p, from the config's process
process_json() {
	jq ".process | $1" "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/process.json"
}

@test "exec: output, exit code, and 128+N for a signal" {
	start_c1
	rrun roci exec c1 echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	rrun roci exec c1 sh -c 'exit 7'
	[ "$status" -eq 7 ]
	rrun roci exec c1 sh -c 'kill -USR1 $$'
	[ "$status" -eq $((128 + 10)) ]
	# options stop at the id: what follows belongs to the command
	rrun roci exec c1 sh -c 'echo -c -e -u'
	[ "$output" = "-c -e -u" ]
}

@test "exec joins every namespace of the init, by inode" {
	start_c1
	local ns
	for ns in mnt pid net uts ipc cgroup user; do
		rrun roci exec c1 readlink /proc/self/ns/$ns
		[ "$status" -eq 0 ]
		[ "$output" = "$(readlink /proc/"$INIT_PID"/ns/$ns)" ]
	done
	# the pid namespace: the exec'd process sees the init as pid 1
	rrun roci exec c1 sh -c 'tr "\0" " " </proc/1/cmdline'
	[ "$output" = "sleep 1000 " ]
}

@test "exec into a user-namespaced container joins its user namespace" {
	start_c1 '.linux.namespaces += [{"type":"user"}] | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}] | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
	local ns
	for ns in user mnt pid net uts ipc; do
		rrun roci exec c1 readlink /proc/self/ns/$ns
		[ "$status" -eq 0 ]
		[ "$output" = "$(readlink /proc/"$INIT_PID"/ns/$ns)" ]
	done
	rrun roci exec c1 cat /proc/self/uid_map
	[ "$(echo $output)" = "0 100000 65536" ]
	# root in the container is host uid 100000
	roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" c1 sleep 100
	[ "$(stat -c %u /proc/"$(cat "$BATS_TEST_TMPDIR/pid")")" -eq 100000 ]
}

@test "exec lands in the container's cgroup" {
	start_c1
	roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" c1 sleep 100
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(cat /proc/"$pid"/cgroup)" = "$(cat /proc/"$INIT_PID"/cgroup)" ]
	# and `ps` lists it
	rrun roci ps -f json c1
	[[ " $(jq -r '.[]' <<<"$output" | tr '\n' ' ') " == *" $pid "* ]]
}

@test "exec --cgroup: a sub-cgroup, which must exist" {
	start_c1
	rrun roci exec --cgroup nosuch c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	local dir
	dir=$(awk -F: '$2 == "pids" {print $3}' /proc/"$INIT_PID"/cgroup)
	[ -n "$dir" ] || dir=$(awk -F: '$1 == "0" {print $3}' /proc/"$INIT_PID"/cgroup)
	local ctrl=pids root=/sys/fs/cgroup/pids
	if [ ! -d "$root" ]; then
		ctrl= root=/sys/fs/cgroup
		[ -d /sys/fs/cgroup/unified ] && root=/sys/fs/cgroup/unified
	fi
	mkdir "$root$dir/sub"
	if [ -n "$ctrl" ]; then
		# pids:sub moves only the pids hierarchy
		rrun roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" --cgroup pids:sub c1 sleep 100
		[ "$status" -eq 0 ]
		local pid
		pid=$(cat "$BATS_TEST_TMPDIR/pid")
		grep -q "^[0-9]*:pids:$dir/sub\$" /proc/"$pid"/cgroup
		[ "$(grep :memory: /proc/"$pid"/cgroup)" = "$(grep :memory: /proc/"$INIT_PID"/cgroup)" ]
		kill -9 "$pid"
		while ! pid_gone "$pid"; do sleep 0.1; done
	fi
	rmdir "$root$dir/sub"
}

@test "exec options: user, groups, cwd, env, capabilities, no_new_privs" {
	start_c1 '.process.env += ["FOO=config", "KEEP=yes"] | .process.noNewPrivileges = false'
	rrun roci exec -u 1000:1001 -g 20 -g 30 c1 id
	[ "$output" = "uid=1000 gid=1001 groups=20,30" ]
	rrun roci exec --cwd /tmp c1 pwd
	[ "$output" = /tmp ]
	rrun roci exec -e FOO=exec -e NEW=1 c1 sh -c 'echo $FOO $KEEP $NEW'
	[ "$output" = "exec yes 1" ]
	# the container's capabilities, plus the ones asked for
	rrun roci exec c1 sh -c 'grep CapEff /proc/self/status'
	local base=$output
	rrun roci exec -c CAP_SYS_ADMIN c1 sh -c 'grep CapEff /proc/self/status'
	[ "$output" != "$base" ]
	local eff=$((16#$(awk '{print $2}' <<<"$output")))
	[ $((eff & (1 << 21))) -ne 0 ]
	rrun roci exec -c CAP_NOPE c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown capability "CAP_NOPE"'* ]]
	# no AppArmor on the test hosts: a profile is refused up front
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
		rrun roci exec --apparmor some-profile c1 true
		[ "$status" -ne 0 ]
		[[ "$output" == *apparmor* ]]
	fi
	rrun roci exec c1 grep NoNewPrivs /proc/self/status
	[ "$(echo $output)" = "NoNewPrivs: 0" ]
	rrun roci exec --no-new-privs c1 grep NoNewPrivs /proc/self/status
	[ "$(echo $output)" = "NoNewPrivs: 1" ]
}

@test "exec takes the container's process settings: no_new_privs, seccomp, rlimits, LSM" {
	start_c1 '.process.noNewPrivileges = true | .process.execCPUAffinity = {"initial": "0", "final": "1"} | .process.rlimits = [{"type":"RLIMIT_NOFILE","soft":321,"hard":321}] | .linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getcwd"],"action":"SCMP_ACT_ERRNO"}]}'
	rrun roci exec c1 grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status
	[ "$(echo $output)" = "NoNewPrivs: 1 Seccomp: 2" ]
	rrun roci exec c1 sh -c 'ulimit -n'
	[ "$output" = 321 ]
	# execCPUAffinity: final is where the process runs
	rrun roci exec --cwd / c1 grep Cpus_allowed_list /proc/self/status
	[ "$(echo $output)" = "Cpus_allowed_list: 1" ]
	# the filter acts: getcwd is denied
	rrun roci exec --cwd /tmp c1 sh -c 'cat /proc/self/attr/current 2>/dev/null; /bin/pwd -P'
	[ "$status" -ne 0 ]
	# no LSM on this host: the attribute reads as unconfined or is absent
	rrun roci exec c1 sh -c 'cat /proc/self/attr/current 2>/dev/null || echo none'
	[[ "$output" == none || "$output" == unconfined* || -z "$output" ]]
}

@test "exec -p: a whole process document (file and stdin)" {
	start_c1
	process_json '.args = ["sh","-c","id -u; pwd; echo $X"] | .cwd = "/etc" | .env = ["X=from-p", "PATH=/bin"] | .user = {"uid": 5, "gid": 6}'
	rrun roci exec -p "$BATS_TEST_TMPDIR/process.json" c1
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "5 /etc from-p" ]
	"$ROCI" --root "$STATE" exec -p - c1 <"$BATS_TEST_TMPDIR/process.json" >"$BATS_TEST_TMPDIR/out"
	[ "$(echo $(cat "$BATS_TEST_TMPDIR/out"))" = "5 /etc from-p" ]
	echo '{"args": 5}' >"$BATS_TEST_TMPDIR/bad.json"
	rrun roci exec -p "$BATS_TEST_TMPDIR/bad.json" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.args"* ]]
}

@test "exec into a stopped container: container not running" {
	set_args true
	rrun roci create -b "$BUNDLE" c1
	roci start c1
	wait_status c1 stopped
	rrun roci exec c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	rrun roci exec nosuch true
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "nosuch" does not exist'* ]]
}

@test "exec into a paused container needs --ignore-paused" {
	start_c1
	roci pause c1
	rrun roci exec c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"paused"* ]]
	# with --ignore-paused it runs once the container is resumed
	"$ROCI" --root "$STATE" exec --ignore-paused c1 echo after >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local bg=$!
	roci resume c1
	wait "$bg"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = after ]
}

@test "exec: a missing program and a non-executable file" {
	start_c1
	rrun roci exec c1 nosuchprog
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "nosuchprog": executable file not found in $PATH'* ]]
	rrun roci exec c1 /etc/passwd
	[ "$status" -ne 0 ]
	[[ "${output,,}" == *"permission denied"* ]]
	# nothing was left behind in the container
	rrun roci ps -f json c1
	[ "$(jq length <<<"$output")" -eq 1 ]
}

@test "exec --detach and --pid-file" {
	start_c1
	rrun roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" c1 sleep 100
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$(tr '\0' ' ' </proc/"$pid"/cmdline)" = "sleep 100 " ]
	[ "$(readlink /proc/"$pid"/ns/pid)" = "$(readlink /proc/"$INIT_PID"/ns/pid)" ]
}

@test "exec: only stdio and --preserve-fds reach the process, with LISTEN_FDS" {
	start_c1
	"$ROCI" --root "$STATE" exec c1 ls /proc/self/fd 7>/dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/out")" = "0 1 2 3 " ]
	echo passed >"$BATS_TEST_TMPDIR/in"
	"$ROCI" --root "$STATE" exec --preserve-fds 1 c1 sh -c 'cat <&3; ls /proc/self/fd | tr "\n" " "' \
		3<"$BATS_TEST_TMPDIR/in" 7>/dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(head -1 "$BATS_TEST_TMPDIR/out")" = passed ]
	[ "$(tail -1 "$BATS_TEST_TMPDIR/out")" = "0 1 2 3 4 " ]
	bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=$$ "$0" --root "$1" exec c1 sh -c "echo \$LISTEN_FDS; cat <&3"' \
		"$ROCI" "$STATE" 3<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>&1
	[ "$(echo $(cat "$BATS_TEST_TMPDIR/out"))" = "1 passed" ]
}

@test "exec -t with a console socket: a shell, its window size, its exit status" {
	start_c1
	process_json '.args = ["sh"] | .terminal = true | .consoleSize = {"height": 33, "width": 101}'
	console_receiver "$BATS_TEST_TMPDIR/console.sock" "$BATS_TEST_TMPDIR/tty.out" $'tty; stty size; exit 3\n'
	rrun roci exec -p "$BATS_TEST_TMPDIR/process.json" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1
	[ "$status" -eq 3 ]
	wait "$CONSOLE_PID"
	grep -q "^/dev/pts/[0-9]" "$BATS_TEST_TMPDIR/tty.out"
	grep -q "^33 101" "$BATS_TEST_TMPDIR/tty.out"
	# the terminal is the process's, not /dev/console's
	rrun roci exec c1 ls /dev/pts
	[ "$status" -eq 0 ]
}

@test "exec -t without a console socket in the background is refused" {
	start_c1
	rrun roci exec -t -d c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"console socket"* ]]
	rrun roci exec --console-socket "$BATS_TEST_TMPDIR/x.sock" c1 true
	[ "$status" -ne 0 ]
	[[ "$output" == *"console socket"* ]]
}

@test "exec in the foreground forwards SIGTERM and SIGUSR1" {
	start_c1
	local sig
	for sig in TERM USR1; do
		# a file per signal: the first one's "ready" must not start the
		# second kill before the second exec has even truncated it
		local out=$BATS_TEST_TMPDIR/out.$sig
		"$ROCI" --root "$STATE" exec c1 sh -c "trap 'echo got-$sig; exit 0' $sig; echo ready; while :; do sleep 0.1; done" \
			>"$out" 2>&1 &
		local bg=$! i
		for i in $(seq 100); do grep -q ready "$out" && break; sleep 0.1; done
		kill -"$sig" "$bg"
		wait "$bg"
		grep -q "got-$sig" "$out"
	done
}

@test "exec in the foreground takes in its process's orphans (a subreaper), unless --no-subreaper" {
	# no pid namespace: an orphan goes to the nearest subreaper on the host
	start_c1 '.linux.namespaces -= [{"type": "pid"}]'
	local mark=$((RANDOM % 10000 + 40000)) mode bg o ppid
	for mode in subreaper no-subreaper; do
		local flags=()
		[ "$mode" = subreaper ] || flags=(--no-subreaper)
		# the subshell leaves its sleep behind at once; the main process stays
		"$ROCI" --root "$STATE" exec "${flags[@]}" c1 sh -c "(sleep $mark &); sleep 60" >/dev/null 2>&1 &
		bg=$!
		o=
		for i in $(seq 100); do o=$(pgrep -fx "sleep $mark") && break; sleep 0.1; done
		[ -n "$o" ]
		# until the subshell that made it has gone
		for i in $(seq 100); do
			ppid=$(awk '/^PPid:/ {print $2}' "/proc/$o/status")
			[ "$(cat "/proc/$ppid/comm")" = sh ] || break
			sleep 0.1
		done
		echo "$mode: the orphan's parent is $ppid, exec is $bg"
		if [ "$mode" = subreaper ]; then [ "$ppid" = "$bg" ]; else [ "$ppid" != "$bg" ]; fi
		kill "$o"
		kill -TERM "$bg"
		wait "$bg" || true
	done
}

@test "50 concurrent execs: all succeed, no zombie, no leaked fd" {
	start_c1
	local i pids=()
	for i in $(seq 50); do
		"$ROCI" --root "$STATE" exec c1 sh -c "echo $i" >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	for i in $(seq 50); do [ "$(cat "$BATS_TEST_TMPDIR/out.$i")" = "$i" ]; done
	# the container holds only its init: no zombie and no stray process
	rrun roci ps -f json c1
	[ "$(jq length <<<"$output")" -eq 1 ]
	[ -z "$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | xargs -r grep -l "^PPid:.$INIT_PID\$")" ]
	# and the init still holds exactly what it held
	[ "$(ls /proc/"$INIT_PID"/fd | wc -l)" -eq 3 ]
}

# pidfd_receiver SOCK OUT: a --pidfd-socket peer in the background
# ($PIDFD_PID): writes the pid its pidfd refers to into OUT. Returns once
# SOCK exists.
pidfd_receiver() {
	python3 - "$1" >"$2" <<'PY' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(64, socket.CMSG_LEN(4))
fds = array.array("i"); fds.frombytes(anc[0][2][:4])
info = open("/proc/self/fdinfo/%d" % fds[0]).read()
print([l.split()[1] for l in info.splitlines() if l.startswith("Pid:")][0])
PY
	PIDFD_PID=$!
	local i
	for i in $(seq 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}

@test "--pidfd-socket: exec, create and run send a pidfd of their process" {
	pidfd_receiver "$BATS_TEST_TMPDIR/c.sock" "$BATS_TEST_TMPDIR/c.out"
	rrun roci create --pidfd-socket "$BATS_TEST_TMPDIR/c.sock" -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	wait "$PIDFD_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/c.out")" = "$(roci state c1 | jq .pid)" ]
	roci start c1
	INIT_PID=$(roci state c1 | jq .pid)
	pidfd_receiver "$BATS_TEST_TMPDIR/e.sock" "$BATS_TEST_TMPDIR/e.out"
	rrun roci exec -d --pid-file "$BATS_TEST_TMPDIR/pid" --pidfd-socket "$BATS_TEST_TMPDIR/e.sock" c1 sleep 100
	[ "$status" -eq 0 ]
	wait "$PIDFD_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/e.out")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	pidfd_receiver "$BATS_TEST_TMPDIR/r.sock" "$BATS_TEST_TMPDIR/r.out"
	rrun roci run -d --pid-file "$BATS_TEST_TMPDIR/rpid" --pidfd-socket "$BATS_TEST_TMPDIR/r.sock" -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	wait "$PIDFD_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/r.out")" = "$(cat "$BATS_TEST_TMPDIR/rpid")" ]
}

@test "exec runs from a read-only bind of roci (security.md #1)" {
	start_c1
	"$ROCI" --root "$STATE" exec c1 sleep 100 >/dev/null 2>&1 &
	local bg=$! i
	# until it has re-exec'd itself from the protected copy
	for i in $(seq 100); do [ "$(exe_protection "$bg" 2>/dev/null)" = "read-only mount" ] && break; sleep 0.1; done
	[ "$(exe_protection "$bg")" = "read-only mount" ]
	run sh -c "echo pwned >>/proc/$bg/exe"
	[ "$status" -ne 0 ]
	kill "$bg"
	wait "$bg" || true
}

@test "a parked init holds only stdio, exec.fifo and the procfs handle" {
	# create from a shell with extra files open on fds 4 and 9
	"$ROCI" --root "$STATE" create -b "$BUNDLE" c1 4</etc/hostname 9</etc/passwd >/dev/null 2>&1 </dev/null
	local pid
	pid=$(roci state c1 | jq .pid)
	local fds
	fds=$(ls /proc/"$pid"/fd | sort -n | tr '\n' ' ')
	# 0-2, exec.fifo (O_PATH) and the runtime's /proc
	[ "$(ls /proc/"$pid"/fd | wc -l)" -eq 5 ]
	local fd t
	for fd in $(ls /proc/"$pid"/fd); do
		[ "$fd" -le 2 ] && continue
		t=$(readlink /proc/"$pid"/fd/"$fd")
		[[ "$t" == */exec.fifo || "$t" == /proc ]] || { echo "fd $fd -> $t" >&2; return 1; }
	done
	# the --preserve-fds ones stay too
	"$ROCI" --root "$STATE" create --preserve-fds 1 -b "$BUNDLE" c2 3</etc/hostname 9</etc/passwd >/dev/null 2>&1 </dev/null
	pid=$(roci state c2 | jq .pid)
	[ "$(readlink /proc/"$pid"/fd/3)" = /etc/hostname ]
	[ ! -e /proc/"$pid"/fd/9 ] || [[ "$(readlink /proc/"$pid"/fd/9)" != /etc/passwd ]]
}

@test "exec with a NOTIFY filter: the agent gets the exec'd process's listener and state" {
	local sock=$BATS_TEST_TMPDIR/agent.sock agent=$REPO/build/tests/helpers/seccomp-agent
	[ -x "$agent" ] || agent=$(dirname "$ROCI")/tests/helpers/seccomp-agent
	# one agent for the init's filter, then one for the exec'd process's
	"$agent" "$sock" "$BATS_TEST_TMPDIR/init.state" 2>/dev/null &
	local i
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	start_c1 '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"'"$sock"'","listenerMetadata":"m",
		"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]}'
	rm -f "$sock"
	"$agent" "$sock" "$BATS_TEST_TMPDIR/exec.state" 2>"$BATS_TEST_TMPDIR/agent.err" &
	local agent_pid=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	rrun roci exec --pid-file "$BATS_TEST_TMPDIR/pid" c1 sh -c 'mkdir /tmp/x && echo mkdir-ok; [ -d /tmp/x ] && echo exists || echo absent'
	[ "$status" -eq 0 ]
	[ "$output" = $'mkdir-ok\nabsent' ]
	wait "$agent_pid"
	local st=$BATS_TEST_TMPDIR/exec.state
	[ "$(jq .pid "$st")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ "$(jq .state.pid "$st")" = "$INIT_PID" ]
	[ "$(jq -r .state.status "$st")" = running ]
	[ "$(jq -r .metadata "$st")" = m ]
}

@test "exec joins a time namespace; the pty belongs to the process's user" {
	start_c1 '.linux.namespaces += [{"type":"time"}]'
	rrun roci exec c1 readlink /proc/self/ns/time
	[ "$output" = "$(readlink /proc/"$INIT_PID"/ns/time)" ]
	[ "$output" != "$(readlink /proc/self/ns/time)" ]
	process_json '.args = ["sh", "-c", "stat -c %u $(tty)"] | .terminal = true | .user = {"uid": 1000, "gid": 1000}'
	console_receiver "$BATS_TEST_TMPDIR/console.sock" "$BATS_TEST_TMPDIR/tty.out"
	rrun roci exec -p "$BATS_TEST_TMPDIR/process.json" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1
	[ "$status" -eq 0 ]
	wait "$CONSOLE_PID"
	grep -q "^1000" "$BATS_TEST_TMPDIR/tty.out"
}
