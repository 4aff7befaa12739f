#!/usr/bin/env bats
# The README's first commands, run by a newcomer on a minimal Debian 12: a
# fresh `debootstrap --variant=minbase bookworm` root gets a copy of this
# repository (without .git and build directories), and ./demo.sh runs in it
# as written, under chroot in private mount and pid namespaces with /proc,
# /sys (and so the host's cgroup mounts) and /dev, the root bound onto itself
# so that `/` is a mount point as pivot_root needs.
#
# apt in the root uses the Debian archive the host's apt sources name. The
# debootstrap result is cached as $CACHE/bookworm-minbase.tar.gz (made again
# after 30 days), and the .debs apt fetches are kept in $CACHE/archives: the
# first run takes a few minutes more. The root copy is removed at the end.
bats_require_minimum_version 1.5.0

CACHE=/var/cache/roci-minbase
SUITE=bookworm

# host_mirror: the archive the host's apt sources name for $SUITE
host_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822 stanzas: the URIs of one whose Suites has $SUITE itself
		uri=$(awk -v s="$SUITE" '
			/^[ \t]*$/ { if (deb && suite && u != "") { print u; exit } deb = suite = 0; u = ""; next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { u = $2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
			END { if (deb && suite && u != "") print u }' "$f" | head -n 1)
		[ -z "$uri" ] || { echo "$uri"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(sed -nE "s/^deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+${SUITE}[ \t].*/\2/p" "$f" | head -n 1)
		[ -z "$uri" ] || { echo "$uri"; return; }
	done
	echo http://deb.debian.org/debian
}

# make_base: the cached minbase tarball, made unless there is one younger
# than 30 days
make_base() {
	local base=$CACHE/$SUITE-minbase.tar.gz tmp t0
	[ -s "$base" ] && [ -z "$(find "$base" -mtime +30)" ] && return 0
	tmp=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
	t0=$SECONDS
	echo "# debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes)" >&3
	if ! debootstrap --variant=minbase "$SUITE" "$tmp/root" "$MIRROR" >"$tmp/log" 2>&1; then
		tail -n 20 "$tmp/log" >&2
		rm -rf --one-file-system "$tmp"
		return 1
	fi
	rm -f "$tmp"/root/var/cache/apt/archives/*.deb
	tar -C "$tmp/root" --numeric-owner -czf "$tmp/base.tar.gz" .
	mv "$tmp/base.tar.gz" "$base"
	rm -rf --one-file-system "$tmp"
	echo "# debootstrap and tarball: $((SECONDS - t0)) s" >&3
}

setup_file() {
	[ "$(id -u)" = 0 ] || { echo "newcomer.bats: must run as root" >&2; return 1; }
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd -P)
	export REPO
	"$REPO/tests/lib/deps.sh" debootstrap
	mkdir -p "$CACHE/archives/partial"
	MIRROR=$(host_mirror)
	export MIRROR
	(
		flock -w 1800 9 || { echo "newcomer.bats: $CACHE/lock is held" >&2; exit 1; }
		make_base
	) 9>"$CACHE/lock"
	ROOT=$(mktemp -d /tmp/roci-newcomer.XXXXXX)
	export ROOT
	tar -C "$ROOT" --numeric-owner -xzpf "$CACHE/$SUITE-minbase.tar.gz"
	rm -f "$ROOT/etc/resolv.conf"
	cat /etc/resolv.conf >"$ROOT/etc/resolv.conf"
	mkdir "$ROOT/root/roci"
	tar -C "$REPO" --exclude=./.git --exclude='./build*' -c . | tar -C "$ROOT/root/roci" -x
}

teardown_file() {
	[ -n "${ROOT:-}" ] || return 0
	# every mount was made in namespaces that are gone; check all the same
	if grep -qF " $ROOT" /proc/self/mountinfo; then
		echo "newcomer.bats: mounts left under $ROOT" >&2
		return 1
	fi
	rm -rf --one-file-system "$ROOT"
}

# in_root CMDLINE: bash -c CMDLINE in /root/roci of the root, as root with a
# clean environment, in new mount and pid namespaces (everything in them is
# gone when it returns), bounded to 15 minutes. One apt at a time uses the
# shared $CACHE/archives.
in_root() {
	flock -w 1800 "$CACHE/archives.lock" \
		timeout -k 10 900 unshare --mount --pid --fork --kill-child --propagation private -- \
		/bin/bash -euc '
			r=$1 debs=$2
			shift 2
			mount --bind "$r" "$r"
			mount -t proc proc "$r/proc"
			mount --rbind /sys "$r/sys"
			mount --rbind /dev "$r/dev"
			mount --bind "$debs" "$r/var/cache/apt/archives"
			exec chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
				PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
				/bin/bash -c "cd /root/roci && $1"' \
		in_root "$ROOT" "$CACHE/archives" "$1"
}

# the container's lines that demo.sh prints: its hostname, then busybox ps
# with the container's shell as PID 1
assert_demo_output() {
	grep -qx 'hostname: roci-demo' <<<"$output"
	grep -qE '^ +1 root +.*ps$' <<<"$output"
	grep -qx 'PID   USER     COMMAND' <<<"$output"
}

# run_demo: ./demo.sh in the root, timed; it succeeds and prints the
# container's lines ($output and $stderr stay for more checks)
run_demo() {
	local t0=$SECONDS
	run --separate-stderr in_root ./demo.sh
	echo "# ./demo.sh: $((SECONDS - t0)) s" >&3
	printf '%s\n' "$output" "--- stderr" "$stderr"
	[ "$status" -eq 0 ]
	assert_demo_output
}

@test "newcomer: ./demo.sh on a fresh minbase Debian 12 installs what it needs, builds roci and runs the container" {
	# the root lacks what gcc only recommends (so the test means something)
	run -1 in_root 'dpkg-query -W -f="\${Status}" libc6-dev | grep -q "install ok installed"'
	run_demo
	[ -x "$ROOT/root/roci/build/roci" ]
}

@test "newcomer: ./demo.sh again after build/'s configuration was damaged" {
	[ -f "$ROOT/root/roci/build/build.ninja" ] # the test above ran
	echo damaged >"$ROOT/root/roci/build/meson-private/coredata.dat"
	run ! in_root 'meson compile -C build'
	run_demo
	# set up again (meson itself regenerates an unreadable configuration
	# on --reconfigure)
	run in_root 'meson compile -C build'
	[ "$status" -eq 0 ]
}

@test "newcomer: ./demo.sh again after a failed meson setup left build/ half made" {
	[ -x "$ROOT/root/roci/build/roci" ] # the tests above ran
	# a setup that fails at the compiler check, as without libc6-dev
	run ! in_root 'rm -rf build && CC=false meson setup build'
	[ -d "$ROOT/root/roci/build/meson-private" ]
	[ ! -e "$ROOT/root/roci/build/build.ninja" ]
	run_demo
	grep -q 'build is half made' <<<"$stderr"
	[ -f "$ROOT/root/roci/build/build.ninja" ]
}

@test "newcomer: tests/run.sh's packages give the commands the suite runs, and roci ps works" {
	[ -x "$ROOT/root/roci/build/roci" ]
	# what tests/run.sh installs first, without recommends
	run --separate-stderr in_root 'tests/lib/deps.sh @build @test'
	printf '%s\n' "$output" "--- stderr" "$stderr"
	[ "$status" -eq 0 ]
	# the external commands tests/integration, tests/callers/podman.bats,
	# tests/run.sh and roci itself (ps) call; containerd, dockerd and the
	# VM's qemu are installed by tests/callers/lib.bash and tests/vm/boot.sh
	run in_root 'for c in bats busybox jq ip ps pgrep pkill tmux strace python3 podman conmon \
			script nsenter unshare flock mount umount gzip tar md5sum sha256sum timeout \
			mkfifo mknod seq stat truncate awk sed grep find xargs meson ninja gcc; do
		command -v "$c" >/dev/null || echo "missing: $c"
	done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# roci ps runs ps: a running container's processes
	run in_root 'set -e
		. tests/lib/rootfs.sh
		w=$(mktemp -d /tmp/roci-newcomer.XXXXXX)
		chmod 755 "$w"
		trap "build/roci --root \"\$w/state\" delete -f roci-newcomer-ps >/dev/null 2>&1 || true; rm -rf \"\$w\"" EXIT
		make_busybox_rootfs "$w/b/rootfs"
		build/roci spec -b "$w/b"
		jq ".process.terminal = false | .process.args = [\"sleep\", \"4242\"]" "$w/b/config.json" >"$w/c.json"
		mv "$w/c.json" "$w/b/config.json"
		build/roci --root "$w/state" run -d -b "$w/b" roci-newcomer-ps </dev/null >/dev/null 2>&1
		build/roci --root "$w/state" ps roci-newcomer-ps'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qE '^UID +PID .*CMD$' <<<"$output"
	grep -qE ' sleep 4242$' <<<"$output"
}
