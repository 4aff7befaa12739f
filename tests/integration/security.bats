#!/usr/bin/env bats
# Regression tests for the lessons in shared/security.md that apply to the
# core runtime: each performs the attack against a real container and
# asserts that it fails.
load helpers

setup() { common_setup; }
teardown() {
	common_teardown
	rm -rf "/tmp/roci-escape-$BATS_TEST_NUMBER"
}

# 3: mount destinations resolve inside the root, never on the host.
@test "#3 a symlinked mount destination stays inside the root" {
	local host=/tmp/roci-escape-$BATS_TEST_NUMBER
	mkdir -p "$host"
	ln -s "$host" "$BUNDLE/rootfs/evil"
	mkdir -p "$BUNDLE/rootfs/a"
	ln -s ../../../../../../../tmp "$BUNDLE/rootfs/a/up"
	update_config '.mounts += [{"destination":"/evil","type":"tmpfs","source":"tmpfs"},
		{"destination":"/a/up/roci-escape-'"$BATS_TEST_NUMBER"'/deeper","type":"tmpfs","source":"tmpfs"}]'
	set_args sh -c 'echo inside > /evil/file; cat '"$host"'/file; grep -c " '"$host"'/deeper " /proc/self/mounts'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# both mounts landed inside the root (the container sees them there)
	[ "$output" = $'inside\n1' ]
	# and nothing happened on the host
	[ -z "$(ls -A "$host")" ]
}

@test "#3 a destination swapped for a symlink while creates run stays inside the root" {
	local host=/tmp/roci-escape-$BATS_TEST_NUMBER
	mkdir -p "$host"
	mkdir "$BUNDLE/rootfs/evil"
	ln -s "$host" "$BUNDLE/rootfs/evil-alt"
	update_config '.mounts += [{"destination":"/evil/made","type":"tmpfs","source":"tmpfs"}]'
	set_args true
	# exchange the directory and the symlink as fast as the kernel allows
	python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = (os.fsencode(x) for x in sys.argv[1:3])
while os.path.exists(sys.argv[3]):
    libc.renameat2(-100, a, -100, b, 2)  # RENAME_EXCHANGE
' "$BUNDLE/rootfs/evil" "$BUNDLE/rootfs/evil-alt" "$BATS_TEST_TMPDIR/bundle/config.json" &
	local swapper=$! i ok=0
	for i in $(seq 40); do
		if roci run -b "$BUNDLE" "race-$i" >/dev/null 2>&1; then ok=$((ok + 1)); fi
	done
	mv "$BUNDLE/config.json" "$BUNDLE/config.json.done"
	wait "$swapper"
	echo "runs that succeeded: $ok/40; symlink followed inside the root: $(ls "$BUNDLE/rootfs$host" 2>/dev/null | wc -l)"
	# whatever the timing, nothing was made or mounted on the host
	[ -z "$(ls -A "$host")" ]
	! grep -q " $host" /proc/self/mountinfo || false
	[ "$(state_dirs)" -eq 0 ]
}

@test "#3 a bind-mount source file is never created on the host through a symlink" {
	local host=/tmp/roci-escape-$BATS_TEST_NUMBER
	mkdir -p "$host"
	ln -s "$host/created-by-roci" "$BUNDLE/rootfs/target"
	echo data >"$BATS_TEST_TMPDIR/src"
	update_config '.mounts += [{"destination":"/target","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/src","options":["bind"]}]'
	set_args true
	rrun roci run -b "$BUNDLE" c1
	[ ! -e "$host/created-by-roci" ]
}

# 4: /proc must be the real procfs.
@test "#4 a non-procfs mount over /proc is refused" {
	update_config '.mounts += [{"destination":"/proc","type":"tmpfs","source":"tmpfs"}]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"/proc"* ]]
	[ "$(state_dirs)" -eq 0 ]
	make_bundle "$BUNDLE" '.mounts += [{"destination":"/proc","type":"bind","source":"/tmp","options":["rbind"]}]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[ "$(state_dirs)" -eq 0 ]
}

@test "#4 /proc in the rootfs as a symlink is refused" {
	rmdir "$BUNDLE/rootfs/proc"
	ln -s /tmp "$BUNDLE/rootfs/proc"
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"symlink"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

# 5: masking uses the real /dev/null, whatever the rootfs holds there.
@test "#5 /dev/null replaced by a file or a symlink does not unmask paths" {
	local secret=$BATS_TEST_TMPDIR/secret
	echo host-secret >"$secret"
	local kind
	for kind in file symlink; do
		make_bundle "$BUNDLE" '.mounts = [.mounts[] | select(.destination != "/dev")] | .linux.maskedPaths = ["/proc/cmdline"]'
		mkdir -p "$BUNDLE/rootfs/dev"
		if [ $kind = file ]; then
			echo fake >"$BUNDLE/rootfs/dev/null"
		else
			ln -sf "$secret" "$BUNDLE/rootfs/dev/null"
		fi
		set_args sh -c 'cat /proc/cmdline; stat -c "%t:%T" /proc/cmdline'
		rrun roci run -b "$BUNDLE" "c-$kind"
		[ "$status" -eq 0 ]
		[ "$output" = "1:3" ]
		[ "$(cat "$secret")" = host-secret ]
	done
}

# 2: no host fd and no host cwd reach the container.
@test "#2 host file descriptors do not leak" {
	set_args sh -c 'ls -l /proc/self/fd 2>/dev/null | grep -c secret || true'
	exec 7<"$BATS_TEST_TMPDIR"
	echo s >"$BATS_TEST_TMPDIR/secret"
	exec 8<"$BATS_TEST_TMPDIR/secret"
	"$ROCI" --root "$STATE" run -b "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/out" 2>&1
	exec 7<&- 8<&-
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = 0 ]
}

@test "#2 the container's cwd is inside its root" {
	update_config '.process.cwd = "/"'
	set_args sh -c 'pwd; ls'
	cd "$BATS_TEST_TMPDIR"
	rrun roci run -b "$BUNDLE" c1
	[ "${lines[0]}" = / ]
	[[ "$output" == *"bin"* ]]
	[[ "$output" != *"bundle"* ]]
}

# 7: no capabilities that were not asked for.
@test "#7 no inheritable or ambient capabilities unless listed" {
	set_args sh -c 'grep -E "^Cap(Inh|Amb)" /proc/self/status'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'CapInh:\t0000000000000000\nCapAmb:\t0000000000000000' ]
	[ "$("$ROCI" spec -b "$BATS_TEST_TMPDIR" >/dev/null && jq '.process.capabilities | has("inheritable")' "$BATS_TEST_TMPDIR/config.json")" = false ]
}

# 8: without a cgroup namespace, /sys/fs/cgroup is read-only.
@test "#8 /sys/fs/cgroup is read-only without a cgroup namespace" {
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "cgroup")]'
	set_args sh -c 'mkdir /sys/fs/cgroup/roci-test 2>&1; mkdir /sys/fs/cgroup/memory/roci-test 2>&1; true'
	rrun roci run -b "$BUNDLE" c1
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[ ! -e /sys/fs/cgroup/memory/roci-test ]
}

# 9: pids get reused; a stale record never reaches another process.
@test "#9 a recorded pid that now belongs to another process is not signalled" {
	set_args sleep 100
	roci run -d -b "$BUNDLE" c1
	local state=$STATE/c1/state.json
	sleep 0.2 # start times count in clock ticks: let one pass
	sleep 1000 &
	local victim=$!
	# pretend the container's pid was reused by an unrelated process
	jq --argjson p "$victim" '.pid = $p' "$state" >"$state.new" && mv "$state.new" "$state"
	[ "$(container_status c1)" = stopped ]
	run roci kill c1 KILL
	[ "$status" -ne 0 ]
	run roci delete -f c1
	kill -0 "$victim"
	kill "$victim"
}

# 10: state changes are atomic and serialised.
@test "#10 concurrent creates: one wins, and the winner is intact" {
	set_args sleep 100
	local i
	for i in $(seq 6); do roci create -b "$BUNDLE" race >/dev/null 2>&1 & done
	wait || true
	[ "$(container_status race)" = created ]
	roci start race
	[ "$(container_status race)" = running ]
}

@test "#10 a create killed halfway is not listed as healthy and delete removes it" {
	update_config '.hooks = {"createRuntime": [{"path":"/bin/sleep","args":["sleep","30"]}]}'
	"$ROCI" --root "$STATE" create -b "$BUNDLE" half >/dev/null 2>&1 &
	local pid=$!
	# halfway: the createRuntime hook runs
	wait_until 30 pgrep -f "^(/bin/)?sleep 30$"
	[ -d "$STATE/half" ]
	kill -9 "$pid"
	wait "$pid" || true
	pkill -f "sleep 30" || true
	run roci list
	[[ "$output" != *"running"* && "$output" != *"created"* ]]
	run roci delete half
	[ "$status" -eq 0 ]
	[ "$(state_dirs)" -eq 0 ]
}

# 11: never trust config.json.
@test "#11 ids with / or .. are refused before anything is touched" {
	rrun roci create -b "$BUNDLE" "../../escape"
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid container id"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
	[ ! -e "$(dirname "$STATE")/../escape" ]
}

# 6: the console is the pty roci opened, bound by fd.
@test "#6 a /dev/console planted by the image is replaced by the pty" {
	local host=/tmp/roci-escape-$BATS_TEST_NUMBER
	mkdir -p "$host"
	echo host-data >"$host/console"
	# no /dev tmpfs: the image's own /dev is used, with its traps
	update_config '.process.terminal = true | .mounts = [.mounts[] | select(.destination != "/dev")]'
	mkdir -p "$BUNDLE/rootfs/dev/pts"
	ln -sfn "$host/console" "$BUNDLE/rootfs/dev/console"
	set_args sh -c 'stat -c "%F %t" /dev/console; tty'
	console_receiver "$BATS_TEST_TMPDIR/console.sock" "$BATS_TEST_TMPDIR/tty.out"
	rrun roci create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/console.sock" c1
	[ "$status" -eq 0 ]
	roci start c1
	wait "$CONSOLE_PID"
	cat "$BATS_TEST_TMPDIR/tty.out"
	# a character device of the pty major (136 = 0x88), and it is our tty
	grep -q "^character special file 88" "$BATS_TEST_TMPDIR/tty.out"
	grep -q "^/dev/pts/0" "$BATS_TEST_TMPDIR/tty.out"
	[ "$(cat "$host/console")" = host-data ]
}

# 1: the container never reaches the runtime binary.

# libs_into_rootfs: what the roci binary needs to run inside the busybox
# rootfs (its dynamic loader and libraries, at their host paths).
libs_into_rootfs() {
	local lib
	for lib in $(ldd "$ROCI" | grep -o '/[^ ]*'); do
		mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
		cp -L "$lib" "$BUNDLE/rootfs$lib"
	done
}

# The container process execs /proc/self/exe, which is the binary of the
# roci init that execs it (the CVE-2019-5736 entry point). That roci then
# blocks opening its --log FIFO, long enough for the "attacker" (here the
# host's root, which is stronger than any container process) to open
# /proc/PID/exe, let it exit, and try to write through the fd.
@test "#1 /proc/self/exe exec'd by the container is a read-only bind nobody can write" {
	# a private copy: if the protection were broken, this is what breaks
	cp "$ROCI" "$BATS_TEST_TMPDIR/roci-copy"
	ROCI=$BATS_TEST_TMPDIR/roci-copy
	local sum
	sum=$(md5sum <"$ROCI")
	libs_into_rootfs
	mkfifo "$BUNDLE/rootfs/fifo"
	set_args /proc/self/exe --log=/fifo state x
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local pid
	pid=$(roci state c1 | jq .pid)
	roci start c1
	# wait until the container process is roci blocked on the fifo
	for i in $(seq 50); do
		grep -q -- "--log=/fifo" /proc/"$pid"/cmdline 2>/dev/null && break
		sleep 0.1
	done
	grep -q -- "--log=/fifo" /proc/"$pid"/cmdline
	[ "$(exe_protection "$pid")" = "read-only mount" ]
	exec 8</proc/"$pid"/exe
	roci delete -f c1
	pid_gone "$pid" || sleep 0.5
	run sh -c 'echo pwned >>/proc/self/fd/8'
	[ "$status" -ne 0 ]
	run sh -c ': >/proc/self/fd/8'
	[ "$status" -ne 0 ]
	exec 8<&-
	[ "$(md5sum <"$ROCI")" = "$sum" ]
}

@test "#1 the same through #!/proc/self/exe" {
	cp "$ROCI" "$BATS_TEST_TMPDIR/roci-copy"
	ROCI=$BATS_TEST_TMPDIR/roci-copy
	libs_into_rootfs
	mkfifo "$BUNDLE/rootfs/fifo"
	printf '#!/proc/self/exe --log=/fifo\n' >"$BUNDLE/rootfs/evil"
	chmod +x "$BUNDLE/rootfs/evil"
	set_args /evil
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local pid
	pid=$(roci state c1 | jq .pid)
	roci start c1
	for i in $(seq 50); do
		grep -q -- "--log=/fifo" /proc/"$pid"/cmdline 2>/dev/null && break
		sleep 0.1
	done
	grep -q -- "--log=/fifo" /proc/"$pid"/cmdline
	[ "$(exe_protection "$pid")" = "read-only mount" ]
	run sh -c "echo pwned >>/proc/$pid/exe"
	[ "$status" -ne 0 ]
}

# ro_mappings PID: "ok" when /proc/PID/exe and every mapping of that file
# (/proc/PID/map_files; libraries are other files) are on a read-only
# mount, else the first writable one
ro_mappings() {
	python3 - "$1" <<'EOP'
import os, sys
exe = "/proc/%s/exe" % sys.argv[1]
st = os.stat(exe)
d = "/proc/%s/map_files" % sys.argv[1]
maps = [os.path.join(d, m) for m in sorted(os.listdir(d))]
mine = [p for p in maps if (os.stat(p).st_dev, os.stat(p).st_ino) == (st.st_dev, st.st_ino)]
for p in [exe] + mine:
    if not os.statvfs(p).f_flag & os.ST_RDONLY:
        print("writable:", p)
        sys.exit()
print("ok" if mine else "no mapping of the executable")
EOP
}

@test "#1 create, exec and run move roci onto the read-only bind without exec'ing it again" {
	set_args sleep 100
	# (no -f: the parked init would keep strace waiting)
	rrun strace -e trace=execve,execveat,prctl -o "$BATS_TEST_TMPDIR/trace" "$ROCI" --root "$STATE" create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	grep -q 'PR_SET_MM_MAP.* = 0' "$BATS_TEST_TMPDIR/trace"
	# the caller's exec only
	[ "$(grep -c 'execve(' "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
	! grep -q execveat "$BATS_TEST_TMPDIR/trace" || false
	local pid
	pid=$(roci state c1 | jq .pid)
	[ "$(exe_protection "$pid")" = "read-only mount" ]
	[ "$(ro_mappings "$pid")" = ok ]
	roci start c1
	# exec: its child in the container, while it still runs roci
	rrun strace -f -e trace=execve,execveat -o "$BATS_TEST_TMPDIR/trace" "$ROCI" --root "$STATE" exec c1 true
	[ "$status" -eq 0 ]
	! grep -q execveat "$BATS_TEST_TMPDIR/trace" || false
	grep -q 'execve("/bin/true"' "$BATS_TEST_TMPDIR/trace"
	roci delete -f c1
	set_args true
	rrun strace -f -e trace=execveat -o "$BATS_TEST_TMPDIR/trace" "$ROCI" --root "$STATE" run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	! grep -q execveat "$BATS_TEST_TMPDIR/trace" || false
}

@test "#1 where the kernel refuses to change roci's executable, roci re-execs the read-only bind" {
	set_args sleep 100
	# strace refuses the first prctl of roci: PR_SET_MM_MAP
	rrun strace -o "$BATS_TEST_TMPDIR/trace" -e trace=prctl,execveat -e inject=prctl:error=EPERM:when=1 \
		"$ROCI" --root "$STATE" create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	grep -q 'PR_SET_MM_MAP.*EPERM' "$BATS_TEST_TMPDIR/trace"
	grep -q 'execveat(.* = 0' "$BATS_TEST_TMPDIR/trace"
	local pid
	pid=$(roci state c1 | jq .pid)
	[ "$(exe_protection "$pid")" = "read-only mount" ]
	[ "$(ro_mappings "$pid")" = ok ]
}

@test "#1 where no read-only bind can be made, the init runs from a sealed memfd copy" {
	# strace refuses roci's first open_tree (the bind of its own binary)
	rrun strace -o /dev/null -e inject=open_tree:error=EPERM:when=1 "$ROCI" --root "$STATE" create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local pid
	pid=$(roci state c1 | jq .pid)
	[[ "$(readlink /proc/"$pid"/exe)" == "/memfd:roci"* ]]
	[ "$(exe_protection "$pid")" = "sealed memfd" ]
	run sh -c "echo pwned >>/proc/$pid/exe"
	[ "$status" -ne 0 ]
}

@test "#1 a process in the container's namespaces cannot open the init's exe before exec" {
	update_config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local pid
	pid=$(roci state c1 | jq .pid)
	# root of the container's user namespace, in its pid and mount
	# namespaces: everything a container process could be
	run nsenter -t "$pid" -U -m -p -- /bin/sh -c \
		'cat /proc/self/exe >/dev/null && echo self-ok; cat /proc/1/exe >/dev/null 2>&1 && echo init-readable || echo init-denied'
	[ "$output" = $'self-ok\ninit-denied' ]
}

@test "#1 commands that never enter a container do not copy the binary" {
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# strace shows every memfd_create and exec: only create and run copy
	local cmd
	for cmd in "state c1" "list" "kill c1 0" "spec --bundle $BATS_TEST_TMPDIR" "features"; do
		rm -f "$BATS_TEST_TMPDIR/config.json"
		run strace -f -e trace=memfd_create,open_tree,execve -o "$BATS_TEST_TMPDIR/trace" "$ROCI" --root "$STATE" $cmd
		! grep -qE "memfd_create|open_tree" "$BATS_TEST_TMPDIR/trace" || { echo "$cmd copied"; false; }
		[ "$(grep -c execve "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
	done
	run strace -f -e trace=memfd_create,open_tree -o "$BATS_TEST_TMPDIR/trace" "$ROCI" --root "$STATE" delete -f c1
	! grep -qE 'memfd_create\("roci"|open_tree\(' "$BATS_TEST_TMPDIR/trace" || false
}
