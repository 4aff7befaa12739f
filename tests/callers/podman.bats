#!/usr/bin/env bats
# roci under a real caller: podman 4.3 through conmon, with private config
# and storage so the host's /etc stays untouched.
load ../integration/helpers
. "$REPO/tests/lib/podman.bash"
bats_require_minimum_version 1.5.0

setup_file() {
	podman_setup cgroupfs
}

teardown_file() {
	podman_teardown
}

setup() { :; }
teardown() { :; }

@test "podman run through roci" {
	run pm run --rm localhost/roci-busybox sh -c 'echo hello; ps -o pid,args'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	echo "$output"
	grep -Eq '^ *1 .*sh -c echo hello' <<<"$output"
}

@test "podman sees the container's exit status" {
	run pm run --rm localhost/roci-busybox sh -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "podman maps a missing program to 127" {
	run -127 pm run --rm localhost/roci-busybox nosuchprogram
	[ "$status" -eq 127 ]
	[[ "$output" == *"executable file not found"* ]]
}

@test "podman run -d, ps, stop, rm" {
	run pm run -d --name p1 localhost/roci-busybox sleep 100
	[ "$status" -eq 0 ]
	run pm ps --format '{{.Names}} {{.Status}}'
	[[ "$output" == "p1 Up"* ]]
	run pm stop -t 1 p1
	[ "$status" -eq 0 ]
	run pm rm p1
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$PM/roci-state")" ]
}

# --- podman exec (through conmon: roci exec --process F --detach --pid-file P) ---

# pm_exec_target: the long-running container the exec tests share (started
# by the first test that needs it, removed by teardown_file)
pm_exec_target() {
	[ "$(pm inspect --format '{{.State.Running}}' pexec 2>/dev/null)" = true ] && return 0
	pm rm -f -t 0 pexec >/dev/null 2>&1 || true
	pm run -d --name pexec localhost/roci-busybox sleep 1000 >/dev/null
}

# in_pty CMDLINE: run the shell command line with a pseudo-terminal as its
# stdio (util-linux script), bounded. Its status is the command's.
in_pty() {
	timeout 120 script -qec "$1" /dev/null </dev/null
}

@test "podman exec: status 0 and 7" {
	pm_exec_target
	run pm exec pexec true
	[ "$status" -eq 0 ]
	run pm exec pexec sh -c 'echo out; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = out ]
}

@test "podman exec maps a missing program to 127" {
	pm_exec_target
	run -127 pm exec pexec nosuchprogram
	echo "$output"
	[[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
}

@test "podman exec maps a non-executable file to 126" {
	pm_exec_target
	run -126 pm exec pexec /etc/passwd
	echo "$output"
	[[ "${output,,}" == *"permission denied"* ]]
}

@test "podman exec -u -e -w and --preserve-fds" {
	pm_exec_target
	run pm exec -u 65534 -e FOO=bar -w /tmp pexec sh -c 'id -u; echo "$FOO"; pwd'
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "65534 bar /tmp" ]
	echo passed-fd >"$BATS_TEST_TMPDIR/fd3"
	run pm exec --preserve-fds 1 pexec cat /proc/self/fd/3 3<"$BATS_TEST_TMPDIR/fd3"
	[ "$status" -eq 0 ]
	[ "$output" = passed-fd ]
}

@test "podman exec -d: the detached process runs" {
	pm_exec_target
	pm exec pexec rm -f /tmp/flag
	run pm exec -d pexec sh -c 'echo done >/tmp/flag'
	[ "$status" -eq 0 ]
	local i
	for i in $(seq 150); do
		pm exec pexec test -s /tmp/flag && break
		sleep 0.2
	done
	[ "$(pm exec pexec cat /tmp/flag)" = "done" ]
}

@test "podman exec -it under a pseudo-terminal" {
	pm_exec_target
	run in_pty "podman --runtime $PM/roci exec -it pexec sh -c 'tty; echo a; echo b; exit 3'"
	printf '%s' "$output" | od -c
	[ "$status" -eq 3 ]
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	[[ "$output" == *$'a\r\nb\r'* ]]
}

# no systemd here: podman's health check timers need it, so the interval is
# disabled and the checks are run by hand, each one a roci exec
@test "podman healthcheck through roci exec" {
	pm run -d --name phealth --health-cmd 'test -e /tmp/ready' --health-retries 1 \
		--health-interval disable localhost/roci-busybox sleep 1000
	[ "$(pm inspect --format '{{.State.Health.Status}}' phealth)" = starting ]
	run pm healthcheck run phealth
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(pm inspect --format '{{.State.Health.Status}}' phealth)" = unhealthy ]
	pm exec phealth touch /tmp/ready
	run pm healthcheck run phealth
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(pm inspect --format '{{.State.Health.Status}}' phealth)" = healthy ]
	run pm inspect --format '{{.State.Health.FailingStreak}} {{len .State.Health.Log}}' phealth
	[ "$output" = "0 2" ]
	pm rm -f -t 0 phealth
}
