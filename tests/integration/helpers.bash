# Shared setup for the integration tests: a busybox rootfs built once per
# run, one bundle and one private --root per test, and a teardown that
# removes every container the test left.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$REPO/tests/lib/bundle.bash"

common_setup() {
	chmod 755 "$BATS_TEST_TMPDIR"
	STATE=$BATS_TEST_TMPDIR/state
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	make_bundle "$BUNDLE"
}

common_teardown() {
	roci_teardown
}

# update_config JQ_FILTER: edit $BUNDLE/config.json in place.
update_config() {
	jq "$1" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.args.
set_args() {
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	update_config ".process.args = $json"
}

# container_status ID: the status field of `state`.
container_status() {
	roci state "$1" | jq -r .status
}

# wait_status ID STATUS: poll until the container reaches STATUS (5 s).
wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(container_status "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "container $1 did not reach $2 (now: $(container_status "$1" 2>&1))" >&2
	return 1
}

# roci_build_libc: the C library roci was built with (glibc or musl)
roci_build_libc() {
	"$ROCI" --version | sed -n 's/^libc: \([a-z]*\).*/\1/p'
}

# roci_built FEATURE: whether this build has FEATURE (the features line of
# --version: seccomp, systemd, selinux, apparmor, criu, stats)
roci_built() {
	"$ROCI" --version | grep -q "^features:.* $1\( \|$\)"
}

# refused JQ_FILTER MESSAGE: with the config changed by JQ_FILTER, create
# fails with MESSAGE in its output
refused() {
	update_config "$1"
	rrun roci create -b "$BUNDLE" refused-$$
	[ "$status" -ne 0 ] || { echo "create did not fail" >&2; return 1; }
	[[ "$output" == *"$2"* ]] || { echo "no \"$2\" in the output" >&2; return 1; }
}

# state_dirs: entries under the --root (nothing may be left after errors)
state_dirs() {
	ls -A "$STATE" 2>/dev/null | wc -l
}

# rrun CMD...: like bats' `run`, but through a file: a created or detached
# container keeps the stdout and stderr it was given, so a pipe would never
# reach end-of-file.
rrun() {
	local out=$BATS_TEST_TMPDIR/rrun.out
	status=0
	"$@" >"$out" 2>&1 </dev/null || status=$?
	output=$(cat "$out")
	printf "%s\n" "$output"  # shown by bats when the test fails
	mapfile -t lines <"$out"
}

# load_factor: how much longer than usual things may take here now: 1 on
# an idle machine, else the 1-minute load average per CPU, rounded up
load_factor() {
	awk -v n="$(nproc)" '{ f = int($1 / n + 0.999); print (f < 1 ? 1 : f) }' /proc/loadavg
}

# wait_until SECS CMD...: poll CMD (every 0.1 s) until it succeeds; fail,
# naming CMD, after SECS seconds of the clock (SECS times the load factor
# on a busy machine: a slow machine is not a hang)
wait_until() {
	local secs=$1 f end
	shift
	f=$(load_factor)
	end=$((SECONDS + secs * f))
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1 && return 0
	echo "timed out after $((secs * f))s (load factor $f) waiting for: $*" >&2
	return 1
}

# tmo SECS CMD...: CMD under `timeout`, with SECS scaled as in wait_until:
# a guard against a hang, not a speed test
tmo() {
	local secs=$1
	shift
	timeout $((secs * $(load_factor))) "$@"
}

# pid_gone PID: the process no longer runs (gone, or a zombie nobody reaped)
pid_gone() {
	local st
	st=$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# A container process that exits 0 on SIGTERM (a pid 1 without a handler
# ignores it).
TERM_AWARE='trap "exit 0" TERM; while :; do sleep 0.1; done'

# console_receiver SOCK OUT [INPUT]: a --console-socket peer in the
# background ($CONSOLE_PID): takes the pty master, types INPUT into it, and
# copies everything read from it to OUT, as it comes, until the container
# closes it. Returns once SOCK exists.
console_receiver() {
	python3 - "$1" "${3:-}" >"$2" <<'PY' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(64, socket.CMSG_LEN(4))
fds = array.array("i"); fds.frombytes(anc[0][2][:4])
if sys.argv[2]:
    os.write(fds[0], sys.argv[2].encode())
while True:
    try:
        d = os.read(fds[0], 4096)
    except OSError:
        break
    if not d:
        break
    sys.stdout.buffer.write(d)
    sys.stdout.flush()
PY
	CONSOLE_PID=$!
	wait_until 30 test -S "$1"
}

# exe_protection PID: how the file behind /proc/PID/exe is kept from being
# written: "read-only mount" (the detached read-only bind roci makes),
# "sealed memfd" (its fallback), or "UNPROTECTED".
exe_protection() {
	python3 - "$1" <<'EOP'
import fcntl, os, sys
path = "/proc/%s/exe" % sys.argv[1]
if os.statvfs(path).f_flag & os.ST_RDONLY:
    print("read-only mount")
    sys.exit()
fd = os.open(path, os.O_RDONLY)
seals = fcntl.fcntl(fd, 1034)  # F_GET_SEALS
print("sealed memfd" if seals & 1 and seals & 8 else "UNPROTECTED")  # F_SEAL_SEAL, F_SEAL_WRITE
EOP
}
