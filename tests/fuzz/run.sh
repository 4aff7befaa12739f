#!/bin/bash
# tests/fuzz/run.sh BUILD [SECONDS]: run each libFuzzer target of BUILD (a
# -Dfuzzing=true build, tests/fuzz/README.md) for SECONDS (default 60),
# after replaying its regression inputs (tests/fuzz/regressions/TARGET).
# The seed corpus comes from the tests: `roci spec` edited by every
# update_config filter of tests/integration, the resources and mount
# options of those configs, the state.json of a real container, and the
# CPU lists the tests use. The fuzzers run as many at once as there are
# CPUs (FUZZ_JOBS). Prints TAP; a crash keeps its input in
# BUILD/fuzz-out/TARGET/ and names it.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(cd "$1" && pwd) SECS=${2:-60}
ROCI=${ROCI:-$PWD/build/roci}
OUT=$BUILD/fuzz-out
rm -rf "$OUT"
mkdir -p "$OUT"/corpus/{config,state,resources,cpulist,mountopts}
C=$OUT/corpus

# config: the stock spec, and the spec as each test edits it
"$ROCI" spec -b "$OUT" && mv "$OUT/config.json" "$OUT/spec.json"
cp "$OUT/spec.json" "$C/config/spec.json"
"$ROCI" spec --rootless -b "$OUT" && mv "$OUT/config.json" "$C/config/rootless.json"
n=0
while IFS= read -r filter; do
	n=$((n + 1))
	jq "$filter" "$OUT/spec.json" >"$C/config/t$n.json" 2>/dev/null || rm -f "$C/config/t$n.json"
done < <(grep -ho "update_config '[^']*'" tests/integration/*.bats | sed "s/^update_config '//; s/'\$//" | sort -u)
for f in "$C"/config/*.json; do
	b=$(basename "$f" .json)
	jq -e '.linux.resources // empty' "$f" >"$C/resources/$b.json" 2>/dev/null || rm -f "$C/resources/$b.json"
	jq -r '.mounts[]?.options // [] | join("\n")' "$f" 2>/dev/null | awk 'NF' >"$C/mountopts/$b" || true
	[ -s "$C/mountopts/$b" ] || rm -f "$C/mountopts/$b"
done
# state: a real container's
if mkdir -p "$OUT/bundle/rootfs" && cp "$OUT/spec.json" "$OUT/bundle/config.json" &&
	jq '.process.args = ["true"] | .process.terminal = false' "$OUT/spec.json" >"$OUT/bundle/config.json" &&
	cp -a "$(bash -c '. tests/lib/bundle.bash; rootfs_cache')/." "$OUT/bundle/rootfs/" &&
	"$ROCI" --root "$OUT/st" create -b "$OUT/bundle" fuzzseed </dev/null >/dev/null 2>&1; then
	cp "$OUT/st/fuzzseed/state.json" "$C/state/created.json"
	"$ROCI" --root "$OUT/st" delete -f fuzzseed
fi
# CPU lists, as cpuset.cpus and execCPUAffinity take them
printf '%s\n' 0 0-1 "0-3,8,10-11" 8191 "0,1" "1-0" "" | { i=0; while IFS= read -r l; do
	i=$((i + 1)); printf '%s' "$l" >"$C/cpulist/$i"; done; }
grep -ho '"cpus": *"[^"]*"\|"initial": *"[^"]*"\|"final": *"[^"]*"' tests/integration/*.bats |
	sed 's/.*: *"//; s/"$//' | sort -u | { i=100; while IFS= read -r l; do
	i=$((i + 1)); printf '%s' "$l" >"$C/cpulist/$i"; done; }

# fuzz_one TARGET: run it for SECS seconds; the TAP line (without its
# number) and any details go to OUT/TARGET.tap
fuzz_one() {
	local t=$1 bin=$BUILD/tests/fuzz/fuzz-$1 seeds runs cov
	mkdir -p "$OUT/$t"
	seeds=$(ls "$C/$t" | wc -l)
	if "$bin" -max_total_time="$SECS" -timeout=10 -artifact_prefix="$OUT/$t/" -print_final_stats=1 \
		"$OUT/$t" "$C/$t" >"$OUT/$t.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$t.log" | grep -o '[0-9]*$')
		cov=$(grep -o 'cov: [0-9]*' "$OUT/$t.log" | tail -n 1)
		echo "ok fuzz-$t: ${SECS} s from $seeds seeds, ${runs:-?} inputs, $cov, no crash"
	else
		echo "not ok fuzz-$t: a crash; its input: $(ls "$OUT/$t"/crash-* "$OUT/$t"/leak-* "$OUT/$t"/timeout-* "$OUT/$t"/oom-* 2>/dev/null | head -n 1)"
		grep -A 12 'ERROR:' "$OUT/$t.log" | head -n 20 | sed 's/^/# /'
	fi >"$OUT/$t.tap"
}

TARGETS="config state resources cpulist mountopts"
i=0 failed=0
# the regression inputs first, one target after another (a second or so)
for t in $TARGETS; do
	bin=$BUILD/tests/fuzz/fuzz-$t
	reg=tests/fuzz/regressions/$t
	[ -d "$reg" ] && [ -n "$(ls -A "$reg")" ] || continue
	i=$((i + 1))
	if "$bin" "$reg"/* >"$OUT/$t.regressions.log" 2>&1; then
		echo "ok $i fuzz-$t: $(ls "$reg" | wc -l) regression inputs"
	else
		echo "not ok $i fuzz-$t: a regression input fails again ($OUT/$t.regressions.log)"
		tail -n 20 "$OUT/$t.regressions.log" | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
# then the fuzzers, as many at once as there are CPUs (FUZZ_JOBS): each is
# one process, and each still gets its SECS seconds
jobs=${FUZZ_JOBS:-$(nproc)}
for t in $TARGETS; do
	while [ "$(jobs -pr | wc -l)" -ge "$jobs" ]; do wait -n; done
	fuzz_one "$t" &
done
wait
for t in $TARGETS; do
	i=$((i + 1))
	sed "1s/^\(\(not \)\?ok\) /\1 $i /" "$OUT/$t.tap"
	! grep -q '^not ok' "$OUT/$t.tap" || failed=$((failed + 1))
done
echo "1..$i"
exit $((failed > 0))
