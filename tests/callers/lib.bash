# Shared by the caller suites (tests/callers/*.bats): private containerd
# and dockerd instances (their own root, state, sockets and config, so the
# host's daemons and /etc stay untouched), polling helpers and the roci
# wrapper that logs each argv to $CB/argv.log before it execs $ROCI.
load ../integration/helpers
bats_require_minimum_version 1.5.0

# the docker.io client: another docker may come first in PATH
DOCKER=/usr/bin/docker
IMAGE=docker.io/library/roci-busybox:latest

ctrc() { ctr -a "$CTD_SOCK" "$@"; }
dk() { "$DOCKER" -H "unix://$DK_SOCK" "$@"; }

# wait_for WHAT SECONDS CMD...: wait_until (helpers.bash), naming WHAT
wait_for() {
	local what=$1 secs=$2
	shift 2
	wait_until "$secs" "$@" 2>/dev/null && return 0
	echo "timed out after ${secs}s waiting for $what" >&2
	return 1
}

# in_pty CMDLINE: run the shell command line with a pseudo-terminal as its
# stdio (util-linux script), bounded. Its status is the command's. script's
# stdin is a FIFO it holds open itself, so it never reads end-of-file: at
# EOF, script types the terminal's EOF character into the pty, a NUL byte
# once docker's client has made it raw; the client passed that on to the
# container's terminal, which echoed it as ^@ amid the command's output.
in_pty() {
	local fifo rc=0
	fifo=$(mktemp -u "$CB/pty-in.XXXXXX")
	mkfifo "$fifo"
	timeout 120 script -qec "$1" /dev/null <>"$fifo" || rc=$?
	rm -f "$fifo"
	return "$rc"
}

# last_exec_argv: the last `exec` command line roci got from a caller
last_exec_argv() {
	grep -E '^(--[a-z-]+ [^ ]+ )*exec ' "$CB/argv.log" | tail -n 1
}

# argv_has REGEX: some roci call of a caller matched REGEX (extended)
argv_has() {
	grep -Eq -- "$1" "$CB/argv.log" && return 0
	echo "no roci call matches: $1; the calls were:" >&2
	cat "$CB/argv.log" >&2
	return 1
}

# the containerd shim's global options, before every command
SHIM_G='--root [^ ]+ --log [^ ]+/log\.json --log-format json'

# pid_cgroup_file PID CONTROLLER FILE: the value of FILE in the v1
# CONTROLLER's cgroup of PID (the path from /proc/PID/cgroup)
pid_cgroup_file() {
	local rel
	rel=$(awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$1/cgroup")
	[ -n "$rel" ] || { echo "pid $1 has no $2 cgroup" >&2; return 1; }
	cat "/sys/fs/cgroup/$2$rel/$3"
}

install_callers() {
	local made='' rc=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		# the packages' scripts must not start the host's containerd and dockerd
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		made=1
	fi
	"$REPO/tests/lib/deps.sh" containerd docker.io python3-grpcio || rc=$?
	[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d
	return "$rc"
}

# wait_daemon NAME PID LOG READY_CMD...: wait (up to 90 s) until READY_CMD
# succeeds; fail early, with the end of LOG, if the daemon dies
wait_daemon() {
	local name=$1 pid=$2 log=$3 i
	shift 3
	for ((i = 0; i < 450; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		if pid_gone "$pid"; then
			echo "$name exited during startup; the end of its log ($log):" >&2
			tail -n 20 "$log" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "$name did not answer within 90 s; the end of its log ($log):" >&2
	tail -n 20 "$log" >&2
	return 1
}

# start_containerd [CRI_TOML]: a private containerd on $CTD_SOCK. Without
# an argument its CRI plugin is disabled; CRI_TOML (the plugin's
# [plugins."io.containerd.grpc.v1.cri"...] tables, see cri.bats) turns it on
# with that configuration, serving the CRI on the same socket.
start_containerd() {
	local cri=${1:-} disabled='disabled_plugins = ["io.containerd.grpc.v1.cri"]'
	[ -z "$cri" ] || disabled=''
	mkdir -p "$CB/ctd"
	cat >"$CB/ctd/config.toml" <<EOF
version = 2
root = "$CB/ctd/root"
state = "$CB/ctd/state"
$disabled
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[debug]
  address = "$CB/ctd/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CB/ctd/opt"
$cri
EOF
	# $CB/bin first in its PATH (and its shims'): where a suite may put a
	# `runc`, the binary the shim runs when no BinaryName is given
	mkdir -p "$CB/bin"
	PATH="$CB/bin:$PATH" containerd --config "$CB/ctd/config.toml" >"$CB/ctd/log" 2>&1 </dev/null 3>&- &
	echo $! >"$CB/ctd/pid"
	wait_daemon containerd "$(cat "$CB/ctd/pid")" "$CB/ctd/log" ctr -a "$CTD_SOCK" version
}

start_dockerd() {
	mkdir -p "$CB/dk"
	# the trust key would go to /etc/docker/key.json (no flag, a config key)
	printf '{"deprecated-key-path": "%s"}\n' "$CB/dk/key.json" >"$CB/dk/daemon.json"
	dockerd --config-file "$CB/dk/daemon.json" \
		--data-root "$CB/dk/data" --exec-root "$CB/dk/exec" -H "unix://$DK_SOCK" \
		--pidfile "$CB/dk/pid" --containerd "$CTD_SOCK" \
		--iptables=false --ip6tables=false --bridge=none \
		--exec-opt native.cgroupdriver=cgroupfs \
		--default-ulimit nofile=10240:10240 --default-ulimit nproc=32768:32768 \
		--add-runtime "roci=$CB/roci" >"$CB/dk/log" 2>&1 </dev/null 3>&- &
	echo $! >"$CB/dk/pid.bg"
	wait_daemon dockerd "$(cat "$CB/dk/pid.bg")" "$CB/dk/log" dk version --format '{{.Server.Version}}'
}

# stop_daemon PID: SIGTERM, then SIGKILL after 60 s
stop_daemon() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		pid_gone "$pid" && return 0
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null || true
}


# callers_tmp: make $CB (short: the daemons' sockets live there) and the
# roci wrapper $CB/roci
callers_tmp() {
	CB=$(mktemp -d /tmp/roci-callers.XXXXXX)
	chmod 755 "$CB"
	export CB CTD_SOCK=$CB/ctd/ctd.sock DK_SOCK=$CB/dk/docker.sock
	export DOCKER_CONFIG=$CB/docker-config CTR_ROOT=$CB/ctr-runc-root
	# the wrapper logs each argv; keeps the JSON an `update --resources -`
	# got on stdin ($CB/update.json, and every one in $CB/update.log); and
	# when roci fails, copies the --log file it was given to $CB/faillog/
	# (a failed create's bundle, where that file lives, is removed at once)
	cat >"$CB/roci" <<EOF
#!/bin/sh
printf '%s\\n' "\$*" >>"$CB/argv.log"
log= prev=
for a; do
	[ "\$prev" = --log ] && log=\$a
	case \$a in --log=*) log=\${a#--log=} ;; esac
	prev=\$a
done
case " \$* " in
*" update "*"--resources - "*)
	cat >"$CB/update.json"
	{ cat "$CB/update.json"; echo; } >>"$CB/update.log"
	"$ROCI" "\$@" <"$CB/update.json" ;;
*) "$ROCI" "\$@" ;;
esac
rc=\$?
if [ \$rc -ne 0 ] && [ -n "\$log" ] && [ -f "\$log" ]; then
	mkdir -p "$CB/faillog"
	cp "\$log" "$CB/faillog/\$\$.json"
fi
exit \$rc
EOF
	chmod 755 "$CB/roci"
}

# faillog_has TEXT: the --log file of a failed roci call holds TEXT in an
# error record ({"level":"error","msg":...})
faillog_has() {
	local f
	for f in "$CB"/faillog/*.json; do
		[ -f "$f" ] || continue
		jq -e --arg t "$1" 'select(.level == "error" and (.msg | contains($t)))' "$f" && return 0
	done
	echo "no --log file of a failed call has an error with: $1" >&2
	cat "$CB"/faillog/*.json >&2 2>/dev/null
	return 1
}

# roci_running ROOT ID PID: roci's state of ID under ROOT says running,
# with PID as its init
roci_running() {
	run "$ROCI" --root "$1" state "$2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$3" ]
}

# oci_image_tar DIR NAME OUT [CMD...]: tools/oci-archive.sh
oci_image_tar() {
	"$REPO/tools/oci-archive.sh" "$@"
}

# ctr_import_busybox: the busybox rootfs into containerd as $IMAGE
ctr_import_busybox() {
	[ -f "$CB/busybox.tar" ] || oci_image_tar "$(rootfs_cache)" "$IMAGE" "$CB/busybox.tar" sh
	ctrc images import "$CB/busybox.tar" >/dev/null
	if ! ctrc images ls -q | grep -qx "$IMAGE"; then
		echo "ctr images import did not give $IMAGE" >&2
		return 1
	fi
}

# callers_cleanup: remove every container of ours, stop the daemons,
# kill stray shims, unmount and remove $CB
callers_cleanup() {
	[ -n "${CB:-}" ] && [ -d "$CB" ] || return 0
	local id
	if [ -S "$DK_SOCK" ]; then
		for id in $(dk ps -aq 2>/dev/null); do
			dk rm -f "$id" >/dev/null 2>&1 || true
		done
	fi
	stop_daemon "$(cat "$CB/dk/pid.bg" 2>/dev/null)"
	local ns
	if [ -S "$CTD_SOCK" ]; then
		# ctr's, any that dockerd left in its namespace, and the CRI's
		for ns in default moby k8s.io; do
			for id in $(ctrc -n "$ns" containers ls -q 2>/dev/null); do
				ctrc -n "$ns" task rm -f "$id" >/dev/null 2>&1 || true
				ctrc -n "$ns" containers rm "$id" >/dev/null 2>&1 || true
			done
		done
	fi
	stop_daemon "$(cat "$CB/ctd/pid" 2>/dev/null)"
	# shims left by a failed test: ours name our socket on their command line
	local pid
	for pid in $(pgrep -f -- "-address $CTD_SOCK" 2>/dev/null); do
		kill -9 "$pid" 2>/dev/null || true
	done
	grep -o " $CB/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$CB"
}

