#!/bin/bash
# tools/size-check.sh NAME=BUILD_DIR[:BUDGET_KIB]...: the size of each
# build's roci, stripped, and the shared libraries it needs, as TAP. A build
# with a budget is a test ("not ok" above it); one without is reported as a
# comment, beside the others. Exits 1 if a budget is exceeded or a build is
# missing. tests/run.sh checks the static musl builds against issue 16's
# budgets and reports the glibc ones.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: $0 NAME=BUILD_DIR[:BUDGET_KIB]..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
for arg in "$@"; do
	name=${arg%%=*} rest=${arg#*=}
	dir=${rest%%:*} budget=
	[[ $rest != *:* ]] || budget=${rest#*:}
	bin=$dir/roci
	strip=strip
	file "$bin" 2>/dev/null | grep -q 'ARM aarch64' && strip=aarch64-linux-gnu-strip
	if [ ! -x "$bin" ] || ! "$strip" -o "$tmp/roci" "$bin" 2>/dev/null; then
		n=$((n + 1)) failed=$((failed + 1))
		echo "not ok $n size: $name: no roci in $dir"
		continue
	fi
	bytes=$(stat -c %s "$tmp/roci")
	kib=$(((bytes + 1023) / 1024))
	libs=$(readelf -d "$bin" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd ' ')
	what="$name: $kib KiB stripped ($bytes bytes), ${libs:-static, no shared library}"
	if [ -z "$budget" ]; then
		echo "# size: $what"
	elif [ "$kib" -le "$budget" ]; then
		n=$((n + 1))
		echo "ok $n size: $what, within $budget KiB"
	else
		n=$((n + 1)) failed=$((failed + 1))
		echo "not ok $n size: $what, over the budget of $budget KiB"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
