# Bundle helpers for the bats integration tests (and for anything else that
# wants a throwaway busybox container):
#
#   rootfs_cache [DIR]        build the busybox rootfs once, print its path
#   make_bundle DIR [FILTER]  DIR/config.json (from `roci spec`, terminal off,
#                             args ["sh","-c","true"], then the jq FILTER) and
#                             DIR/rootfs, a copy of the cached rootfs
#   roci ARGS...              $ROCI with a private --root ($STATE)
#   roci_teardown             delete -f every container left under $STATE
#
# $ROCI defaults to $REPO/build/roci. $STATE defaults to a per-test
# directory ($BATS_TEST_TMPDIR/state); set it before calling roci to share
# one root per file.
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
ROCI=${ROCI:-$REPO/build/roci}
. "$REPO/tests/lib/rootfs.sh"

# rootfs_cache [DIR]: the busybox rootfs, built once per run. The default
# location is $ROCI_TEST_CACHE, else $BATS_RUN_TMPDIR/rootfs (shared by all
# the test files of one bats run), else /tmp/roci-test-rootfs.
rootfs_cache() {
	local cache=${1:-${ROCI_TEST_CACHE:-${BATS_RUN_TMPDIR:+$BATS_RUN_TMPDIR/rootfs}}}
	cache=${cache:-/tmp/roci-test-rootfs}
	if [ ! -x "$cache/bin/busybox" ]; then
		local tmp
		mkdir -p "$(dirname "$cache")"
		tmp=$(mktemp -d "$cache.XXXXXX")
		make_busybox_rootfs "$tmp"
		# atomic publish: with parallel bats jobs, the first one wins
		mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$cache"
}

# make_bundle DIR [JQ_FILTER]: a bundle running `sh -c true`, terminal off.
# The bundle and its rootfs are mode 755 (user-namespace tests need that).
make_bundle() {
	local dir=$1 filter=${2:-.}
	local src
	src=$(rootfs_cache) || return 1
	mkdir -p "$dir"
	chmod 755 "$dir"
	# bats makes its temp dirs 0700; a container user other than root must
	# still reach the bundle
	local up=$dir
	while up=$(dirname "$up") && [ -n "${BATS_RUN_TMPDIR:-}" ] && [[ "$up" == "$BATS_RUN_TMPDIR"* ]]; do
		chmod o+x "$up"
	done
	rm -rf "$dir/rootfs" "$dir/config.json"
	# a real copy, not hardlinks: tests replace and write files in it
	cp -a "$src" "$dir/rootfs"
	chmod 755 "$dir/rootfs"
	"$ROCI" spec -b "$dir" || return 1
	jq '.process.terminal = false | .process.args = ["sh", "-c", "true"] | .root.readonly = false' "$dir/config.json" |
		jq "$filter" >"$dir/config.json.new" || return 1
	mv "$dir/config.json.new" "$dir/config.json"
}

# roci ARGS...: the roci under test, with a private state directory.
roci() {
	"$ROCI" --root "${STATE:-$BATS_TEST_TMPDIR/state}" "$@"
}

# roci_teardown: delete -f every container left under the private root, and
# lazily unmount anything a failed test left mounted under its temp dir.
roci_teardown() {
	local state=${STATE:-$BATS_TEST_TMPDIR/state} id
	if [ -d "$state" ]; then
		for id in $("$ROCI" --root "$state" list -q 2>/dev/null); do
			"$ROCI" --root "$state" delete -f "$id" >/dev/null 2>&1 || true
		done
		# containers that list cannot read any more (half-created ones)
		for id in $(ls -A "$state" 2>/dev/null); do
			"$ROCI" --root "$state" delete -f "$id" >/dev/null 2>&1 || true
		done
	fi
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		grep -o " $BATS_TEST_TMPDIR[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
	fi
}
