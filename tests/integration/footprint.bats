#!/usr/bin/env bats
# Footprint (issue 13): the peak RSS of every command, and the function
# order (meson's link_order, src/link-order.txt) that keeps it under 1 MiB
# in a glibc build. The bench reports the same numbers beside the peers'.
load helpers

setup() { common_setup; }
teardown() {
	common_teardown
	# a failed link-order.py run must not leave its probes armed
	if [ -e /sys/kernel/tracing/events/rociorder ]; then
		echo 0 >/sys/kernel/tracing/events/rociorder/enable || true
		echo >/sys/kernel/tracing/uprobe_events || true
	fi
}

# tiny: a static program that only exits (bench/tiny.c), so that the peak
# RSS of run and exec, which count the children they reap, is roci's own
tiny() {
	gcc -std=gnu11 -Os -static -nostdlib -o "$BUNDLE/rootfs/tiny" "$REPO/bench/tiny.c"
}

# peak ARGS...: roci ARGS under /usr/bin/time; its peak RSS (KiB) appended
# to $BATS_TEST_TMPDIR/peaks with the command
peak() {
	/usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/t" "$ROCI" --root "$STATE" "$@" \
		</dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" ||
		{ echo "roci $*: $(cat "$BATS_TEST_TMPDIR/err")" >&2; return 1; }
	echo "$(tail -n1 "$BATS_TEST_TMPDIR/t") $1" >>"$BATS_TEST_TMPDIR/peaks"
}

@test "footprint: the peak RSS of every command is at most 1 MiB" {
	tiny
	set_args /tiny
	mkdir "$BATS_TEST_TMPDIR/sleeper" "$BATS_TEST_TMPDIR/spec"
	jq --arg r "$BUNDLE/rootfs" '.root.path = $r | .process.args = ["sleep", "1000"]' \
		"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/sleeper/config.json"
	peak --version
	peak create -b "$BUNDLE" f1
	peak state f1
	peak start f1
	peak delete -f f1
	peak run -d -b "$BATS_TEST_TMPDIR/sleeper" f2
	peak exec f2 /tiny
	peak list
	# (not ps: it runs ps(1), whose own peak it would count)
	peak pause f2
	peak resume f2
	peak update --pids-limit 50 f2
	peak kill f2 KILL
	peak delete -f f2
	peak run -b "$BUNDLE" f3
	peak features
	peak spec -b "$BATS_TEST_TMPDIR/spec"
	cat "$BATS_TEST_TMPDIR/peaks"
	"$ROCI" --version | grep '^function order'
	[ "$(wc -l <"$BATS_TEST_TMPDIR/peaks")" -eq 16 ]
	# every count is a number, and none passes 1024 KiB
	awk '$1 !~ /^[0-9]+$/ || $1 > 1024 { bad = 1; print "over 1 MiB: " $0 } END { exit bad }' \
		"$BATS_TEST_TMPDIR/peaks"
}

@test "footprint: --version says how the functions are laid out" {
	run "$ROCI" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ $'\n'"function order: "("by use (lld)"|default)$'\n' ]]
	# a static glibc build on a host with lld gets the order by default
	if command -v ld.lld >/dev/null && [ "$(roci_build_libc)" = glibc ] &&
		file -L "$ROCI" | grep -q 'statically linked'; then
		[[ "$output" == *"function order: by use (lld)"* ]]
	fi
}

@test "tools/link-order.py: the committed order still covers what the commands run; nothing is left behind" {
	local out=$BATS_TEST_TMPDIR/order mounted=0 before
	grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts && mounted=1
	[ "$mounted" = 0 ] || before=$(cat /sys/kernel/tracing/uprobe_events)
	ls -d /tmp/roci-order.* 2>/dev/null >"$BATS_TEST_TMPDIR/tmp-before" || true
	run python3 "$REPO/tools/link-order.py" "$ROCI" "$out"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ link-order:\ ([0-9]+)\ functions,\ ([0-9]+)\ run\ by\ every\ command ]]
	[ "${BASH_REMATCH[1]}" -ge 300 ]
	[ "${BASH_REMATCH[2]}" -ge 20 ]
	grep -qx main "$out"
	# nothing behind: tracefs as it was (mounted or not, no probe of its
	# own), no work directory, no container
	if [ "$mounted" = 1 ]; then
		[ "$(cat /sys/kernel/tracing/uprobe_events)" = "$before" ]
	else
		! grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts || false
	fi
	! grep -q rociorder /sys/kernel/tracing/uprobe_events 2>/dev/null || false
	ls -d /tmp/roci-order.* 2>/dev/null | diff "$BATS_TEST_TMPDIR/tmp-before" -
	! pgrep -f 'roci-order\.' >/dev/null || false
	# stale? of the functions this build runs, the committed list names
	# at least 95% (libc's own names differ between glibc and musl: for a
	# musl build, only roci's and its libraries' functions count)
	: >"$BATS_TEST_TMPDIR/libc"
	if [ "$(roci_build_libc)" = musl ]; then
		# musl's libc.a lies beside the specs file that musl-gcc names
		local lib
		lib=$(sed -n 's/.*-specs "\(.*\)\/musl-gcc\.specs".*/\1/p' "$(command -v musl-gcc)")
		nm --defined-only "$lib/libc.a" 2>/dev/null |
			awk 'NF == 3 { print $3 }' | sort -u >"$BATS_TEST_TMPDIR/libc"
		[ -s "$BATS_TEST_TMPDIR/libc" ]
	fi
	sort -u "$out" | comm -23 - "$BATS_TEST_TMPDIR/libc" >"$BATS_TEST_TMPDIR/traced"
	sort -u "$REPO/src/link-order.txt" >"$BATS_TEST_TMPDIR/committed"
	local traced listed
	traced=$(wc -l <"$BATS_TEST_TMPDIR/traced")
	listed=$(comm -12 "$BATS_TEST_TMPDIR/traced" "$BATS_TEST_TMPDIR/committed" | wc -l)
	echo "the committed order names $listed of the $traced functions traced" \
		"(to refresh it: tools/link-order.py build/roci src/link-order.txt)"
	[ "$traced" -ge 100 ]
	[ $((listed * 100)) -ge $((traced * 95)) ]
}
