# tests/lib/tap.sh, sourced by scripts that print TAP of their own checks.
tap_n=0 tap_failed=0

# tap_check PREFIX DESCRIPTION CMD...: run CMD; "ok N PREFIX: DESCRIPTION",
# or "not ok ..." followed by the last 20 lines CMD printed, as comments
tap_check() {
	local prefix=$1 d=$2 log
	shift 2
	tap_n=$((tap_n + 1))
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		echo "ok $tap_n $prefix: $d"
	else
		echo "not ok $tap_n $prefix: $d"
		tail -n 20 "$log" | sed 's/^/# /'
		tap_failed=$((tap_failed + 1))
	fi
	rm -f "$log"
}

# tap_end: the plan; fails if a check did
tap_end() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
