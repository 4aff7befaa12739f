#!/bin/bash
# tests/lib/build.sh DIR [MESON_OPTION...]: set up the meson build directory
# DIR and compile roci in it, quietly (meson's output is shown only when a
# step fails). A DIR that an earlier setup left half made (one that failed or
# was interrupted: no build.ninja, or a configuration meson can no longer
# read) is set up afresh.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$1
shift
log=$(mktemp /tmp/roci-build.XXXXXX)
trap 'rm -f "$log"' EXIT
quiet() { "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }; }

if [ -f "$dir/build.ninja" ] && meson setup --reconfigure "$dir" "$@" >"$log" 2>&1; then
	:
else
	if [ -e "$dir" ]; then
		# only what meson made is removed
		if [ -n "$(ls -A "$dir")" ] && [ ! -d "$dir/meson-private" ] && [ ! -d "$dir/meson-logs" ]; then
			echo "$dir exists and is not a meson build directory: move it away" >&2
			exit 1
		fi
		echo "$dir is half made (an earlier setup failed or was interrupted): setting it up afresh" >&2
		rm -rf "$dir"
	fi
	quiet meson setup "$dir" "$@"
fi
quiet meson compile -C "$dir"
