#!/usr/bin/env bats
# CRI-O's calls to its OCI runtime, spelled as CRI-O and conmon spell them,
# run against roci directly (CRI-O is not packaged in Debian 12).
#
# Read for the invocations (facts only):
# - cri-o internal/oci/runtime_oci.go: conmon gets `--runtime-arg
#   --root=ROOT` (one token) and `--no-pivot`; defaultRuntimeArgs puts
#   `--root ROOT [--systemd-cgroup]` before each command CRI-O runs itself;
#   ExecContainer runs `exec --process FILE ID` in the foreground;
#   UpdateContainerResources `update --resources - ID` with the
#   LinuxResources JSON on stdin; StopContainer `kill ID N` (the stop
#   signal as a number), then `kill ID KILL`; signalContainer `kill [-a] ID
#   N`; DeleteContainer `delete --force ID`; UpdateContainerStatus `state
#   ID`, decoded into a struct that embeds the OCI state and reads
#   `created` as a Go time; PauseContainer/UnpauseContainer pause, resume.
# - cri-o internal/oci/container.go: GetStopSignal (the number as a
#   string), the ContainerState fields.
# - cri-o server/container_update_resources.go: toOCIResources (cpu
#   shares/quota/period, cpus/mems left empty, memory limit, and swap =
#   limit where swap is accounted).
# - conmon src/runtime_args.c: `[--systemd-cgroup] RUNTIME-ARGS create
#   --bundle B --pid-file P [--no-pivot] [--no-new-keyring]
#   [--console-socket S] ID`, and for CRI-O's ExecSync `RUNTIME-ARGS exec
#   --pid-file P --process F --detach [--console-socket S] ID`.
load ../integration/helpers
bats_require_minimum_version 1.5.0

setup_file() {
	"$REPO/tests/lib/deps.sh" strace util-linux jq >/dev/null || return 1
	export CRIO_ROOT=$BATS_FILE_TMPDIR/crio-root
	mkdir -p "$CRIO_ROOT"
}

setup() {
	chmod 755 "$BATS_TEST_TMPDIR"
	ID=crio-$BATS_TEST_NUMBER-$$
	CG=/roci-crio-$BATS_TEST_NUMBER-$$
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	make_bundle "$BUNDLE" ".linux.cgroupsPath = \"$CG\""
}

teardown() {
	"$ROCI" --root="$CRIO_ROOT" delete --force "$ID" >/dev/null 2>&1 || true
	STATE=$CRIO_ROOT roci_teardown
}

# crio ARGS...: roci with CRI-O's own global options (two tokens)
crio() { "$ROCI" --root "$CRIO_ROOT" "$@"; }

# args ARG...: the container's process.args
args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq ".process.args = $json" "$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
}

# conmon_create [--no-pivot]: create as conmon runs it for CRI-O, then
# start as CRI-O does
conmon_create() {
	rrun "$ROCI" --root="$CRIO_ROOT" create --bundle "$BUNDLE" --pid-file "$BUNDLE/pidfile" "$@" "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status < <(crio state "$ID"))" = created ]
	crio start "$ID"
}

# poll SECONDS CMD...: until CMD succeeds
poll() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out after ${secs}s: $*" >&2
	return 1
}

wait_for_gone() { poll 30 pid_gone "$1"; }
nprocs_is() { [ "$(wc -l <"/sys/fs/cgroup/pids$CG/cgroup.procs")" -eq "$1" ]; }

crio_status() { crio state "$ID" | jq -r .status; }
crio_pid() { crio state "$ID" | jq -r .pid; }

# cg_file CONTROLLER FILE: the container's cgroup file (v1 controllers here)
cg_file() { cat "/sys/fs/cgroup/$1$CG/$2"; }

@test "crio: --root=ROOT create --bundle --pid-file (conmon's spelling), start, state fields" {
	args sleep 1000
	conmon_create
	# the state directory is under the one-token --root
	[ -d "$CRIO_ROOT/$ID" ]
	run crio state "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .id <<<"$output")" = "$ID" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .ociVersion <<<"$output")" != null ]
	[ "$(jq -r '.annotations | type' <<<"$output")" = object ]
	local pid created
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" = "$(cat "$BUNDLE/pidfile")" ]
	[ "$(cat /proc/"$pid"/comm)" = sleep ]
	# created: RFC 3339 with nanoseconds, as Go's time.Time decodes it
	created=$(jq -r .created <<<"$output")
	[[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
	[ $(( $(date +%s) - $(date -d "$created" +%s) )) -lt 600 ]
	# the container's cgroup, from linux.cgroupsPath
	grep -qx "$pid" "/sys/fs/cgroup/pids$CG/cgroup.procs"
}

# create_traced [--no-pivot]: conmon_create's create under strace, which
# records the root switch (pivot_root, or MS_MOVE of the rootfs and chroot)
create_traced() {
	strace -f -qq -o "$BATS_TEST_TMPDIR/trace" -e trace=pivot_root,chroot \
		"$ROCI" --root="$CRIO_ROOT" create --bundle "$BUNDLE" --pid-file "$BUNDLE/pidfile" "$@" "$ID" \
		>"$BATS_TEST_TMPDIR/create.out" 2>&1 </dev/null &
	STRACE_PID=$!
	poll 60 test -s "$BUNDLE/pidfile"
	[ "$(crio_status)" = created ]
	crio start "$ID"
	# the container's `true` ends, and strace with it
	wait "$STRACE_PID"
	cat "$BATS_TEST_TMPDIR/trace"
}

@test "crio: --no-pivot from conmon: the rootfs is moved onto / and chrooted, no pivot_root" {
	args sh -c 'echo ran >/tmp/out'
	create_traced --no-pivot
	grep -Eq 'chroot\("\."\) += 0' "$BATS_TEST_TMPDIR/trace"
	! grep -q 'pivot_root(' "$BATS_TEST_TMPDIR/trace" || false
	[ "$(cat "$BUNDLE/rootfs/tmp/out")" = ran ]
}

@test "crio: without --no-pivot: pivot_root, no chroot" {
	args sh -c 'echo ran >/tmp/out'
	create_traced
	grep -Eq 'pivot_root\("\.", "\."\) += 0' "$BATS_TEST_TMPDIR/trace"
	! grep -q 'chroot(' "$BATS_TEST_TMPDIR/trace" || false
	[ "$(cat "$BUNDLE/rootfs/tmp/out")" = ran ]
}

@test "crio: kill ID 15 (the stop signal as a number) reaches the init's trap" {
	args sh -c 'trap "echo got-TERM >/tmp/sig; exit 0" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
	conmon_create
	# the trap is set (a pid 1 without a handler ignores SIGTERM)
	poll 30 test -e "$BUNDLE/rootfs/tmp/ready"
	local pid
	pid=$(crio_pid)
	crio kill "$ID" 15
	wait_for_gone "$pid"
	[ "$(cat "$BUNDLE/rootfs/tmp/sig")" = got-TERM ]
	[ "$(crio_status)" = stopped ]
}

@test "crio: kill ID KILL (a name without SIG) kills the init" {
	# TERM is caught and survived: only KILL ends it
	args sh -c 'trap "echo got-TERM >/tmp/sig" TERM; touch /tmp/ready; while :; do sleep 0.1; done'
	conmon_create
	poll 30 test -e "$BUNDLE/rootfs/tmp/ready"
	local pid
	pid=$(crio_pid)
	crio kill "$ID" 15
	poll 30 test -s "$BUNDLE/rootfs/tmp/sig"
	! pid_gone "$pid" || false
	[ "$(crio_status)" = running ]
	crio kill "$ID" KILL
	wait_for_gone "$pid"
	[ "$(crio_status)" = stopped ]
}

@test "crio: kill -a ID 9 kills every process of the container" {
	args sh -c 'sleep 1000 & sleep 1000; :'
	conmon_create
	poll 30 nprocs_is 3
	local pids p
	pids=$(cat "/sys/fs/cgroup/pids$CG/cgroup.procs")
	crio kill -a "$ID" 9
	for p in $pids; do
		wait_for_gone "$p"
	done
	[ "$(crio_status)" = stopped ]
}

@test "crio: update --resources - with CRI-O's LinuxResources JSON sets the cgroup" {
	args sleep 1000
	conmon_create
	local res swap=
	# toOCIResources: cpus/mems are empty (omitted), swap = limit when the
	# host accounts swap (memory.memsw.limit_in_bytes exists)
	[ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] && swap=',"swap":134217728'
	res='{"cpu":{"shares":512,"quota":50000,"period":100000},"memory":{"limit":134217728'$swap'}}'
	run crio update --resources - "$ID" <<<"$res"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cg_file cpu cpu.shares)" = 512 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg_file cpu cpu.cfs_period_us)" = 100000 ]
	[ "$(cg_file memory memory.limit_in_bytes)" = 134217728 ]
	[ -z "$swap" ] || [ "$(cg_file memory memory.memsw.limit_in_bytes)" = 134217728 ]
	# a second update with no memory limit ({} as CRI-O sends it) keeps it
	run crio update --resources - "$ID" <<<'{"cpu":{"shares":256},"memory":{}}'
	[ "$status" -eq 0 ]
	[ "$(cg_file cpu cpu.shares)" = 256 ]
	[ "$(cg_file memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(cg_file cpu cpu.cfs_quota_us)" = 50000 ]
}

# process_file OUT ARG...: the container's process with new args, as
# CRI-O's prepareProcessExec writes it
process_file() {
	local out=$1 json
	shift
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq ".process | .args = $json | .terminal = false" "$BUNDLE/config.json" >"$out"
}

@test "crio: exec --process FILE in the foreground: stdio passed through, the exit status" {
	args sleep 1000
	conmon_create
	process_file "$BATS_TEST_TMPDIR/p.json" sh -c 'read x; echo "out-$x"; echo err >&2; exit 6'
	run --separate-stderr crio exec --process "$BATS_TEST_TMPDIR/p.json" "$ID" <<<"in"
	echo "$output / $stderr"
	[ "$status" -eq 6 ]
	[ "$output" = out-in ]
	[ "$stderr" = err ]
	# it ran in the container: its pid and mount namespaces
	process_file "$BATS_TEST_TMPDIR/p2.json" sh -c 'readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt'
	run crio exec --process "$BATS_TEST_TMPDIR/p2.json" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	local pid
	pid=$(crio_pid)
	[ "${lines[0]}" = "$(readlink /proc/"$pid"/ns/pid)" ]
	[ "${lines[1]}" = "$(readlink /proc/"$pid"/ns/mnt)" ]
	[ "$(crio_status)" = running ]
}

# ExecSync goes through conmon, which detaches the exec and waits for it
@test "crio: exec --pid-file --process --detach (conmon's ExecSync spelling)" {
	args sleep 1000
	conmon_create
	process_file "$BATS_TEST_TMPDIR/p.json" sh -c 'echo $$ >/tmp/exec-pid; sleep 1000'
	rrun "$ROCI" --root="$CRIO_ROOT" exec --pid-file "$BATS_TEST_TMPDIR/exec.pid" \
		--process "$BATS_TEST_TMPDIR/p.json" --detach "$ID"
	[ "$status" -eq 0 ]
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	! pid_gone "$pid" || false
	# the pid file names the host pid of the process in the container
	poll 30 test -s "$BUNDLE/rootfs/tmp/exec-pid"
	[ "$(awk '/^NSpid/ {print $3}' /proc/"$pid"/status)" = "$(cat "$BUNDLE/rootfs/tmp/exec-pid")" ]
	[ "$(readlink /proc/"$pid"/ns/pid)" = "$(readlink /proc/"$(crio_pid)"/ns/pid)" ]
	grep -qx "$pid" "/sys/fs/cgroup/pids$CG/cgroup.procs"
}

# conmon -t: a console socket, after --no-pivot
@test "crio: create --no-pivot --console-socket (conmon -t)" {
	args sh -c 'tty; echo in-tty'
	jq '.process.terminal = true' "$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
	console_receiver "$BATS_TEST_TMPDIR/cs.sock" "$BATS_TEST_TMPDIR/cs.out"
	rrun "$ROCI" --root="$CRIO_ROOT" create --bundle "$BUNDLE" --pid-file "$BUNDLE/pidfile" \
		--no-pivot --console-socket "$BATS_TEST_TMPDIR/cs.sock" "$ID"
	[ "$status" -eq 0 ]
	crio start "$ID"
	wait "$CONSOLE_PID"
	cat "$BATS_TEST_TMPDIR/cs.out"
	grep -Eq '^/dev/pts/[0-9]+' "$BATS_TEST_TMPDIR/cs.out"
	grep -q in-tty "$BATS_TEST_TMPDIR/cs.out"
}

@test "crio: pause and resume" {
	args sleep 1000
	conmon_create
	crio pause "$ID"
	[ "$(crio_status)" = paused ]
	[ "$(cg_file freezer freezer.state)" = FROZEN ]
	crio resume "$ID"
	[ "$(crio_status)" = running ]
	[ "$(cg_file freezer freezer.state)" = THAWED ]
}

@test "crio: delete --force of a running container: killed, state and cgroup gone" {
	args sleep 1000
	conmon_create
	local pid
	pid=$(crio_pid)
	[ -d "/sys/fs/cgroup/memory$CG" ]
	crio delete --force "$ID"
	wait_for_gone "$pid"
	run crio state "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	[ ! -e "$CRIO_ROOT/$ID" ]
	[ ! -e "/sys/fs/cgroup/memory$CG" ]
	[ ! -e "/sys/fs/cgroup/pids$CG" ]
}

# this host has no systemd: the flag must fail clearly, leaving nothing
@test "crio: --systemd-cgroup without systemd fails with a clear error, nothing left" {
	args sleep 1000
	# CRI-O's systemd cgroup manager gives slice:prefix:name paths
	jq ".linux.cgroupsPath = \"system.slice:crio:$ID\"" "$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
	run "$ROCI" --systemd-cgroup --root="$CRIO_ROOT" create --bundle "$BUNDLE" --pid-file "$BUNDLE/pidfile" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"systemd"* ]]
	[[ "$output" == *"system bus"* ]]
	[ ! -e "$CRIO_ROOT/$ID" ]
	[ ! -e "$BUNDLE/pidfile" ]
	# CRI-O's defaultRuntimeArgs spelling on a command that needs no cgroup
	run crio --systemd-cgroup state "$ID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not exist"* ]]
}
