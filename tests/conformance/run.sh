#!/usr/bin/env bash
# Run the OCI runtime-tools validation suite against an OCI runtime.
#
# Usage:
#   tests/conformance/run.sh [options] RUNTIME [TEST...]
#
#   RUNTIME   runtime binary (path, or a name found in $PATH), e.g. build/roci
#   TEST      validation test names (e.g. "create state kill"); default: all
#             validation/*/*.t found in the runtime-tools tree
#
# Options:
#   -t DIR    runtime-tools checkout (default: $RUNTIME_TOOLS or /work/runtime-tools)
#   -o DIR    results directory (default: $CONFORMANCE_RESULTS or
#             /tmp/conformance-results/<basename of RUNTIME>)
#   -T SECS   per-test timeout in seconds (default: $CONFORMANCE_TIMEOUT or 60)
#   -r FILE   file listing "required" tests, one name per line ('#' comments
#             allowed); also taken from $CONFORMANCE_REQUIRED. When given, the
#             exit status only reflects the required tests (the others are still
#             run and reported, unless TEST names restrict the run).
#   -l        list the available tests and exit
#   -h        help
#
# Output: one line per test, "PASS <name>" or "FAIL <name>  (<reason>)", then a
# summary line "N passed, N failed". Each test's stdout (the TAP stream) is saved
# as <results>/<name>.tap, its stderr (harness messages and the runtime's own
# stderr) as <results>/<name>.stderr, and all verdicts in <results>/summary.txt.
#
# Exit status: 0 if every gating test passed (gating = the required list if one
# was given, otherwise every test that was run), 1 otherwise, 2 on usage/setup
# errors.
#
# ---------------------------------------------------------------------------
# How a test's verdict is decided (only its stdout is parsed)
#
# A test PASSES when all of the following hold:
#   1. it exits with status 0 within the timeout (util.Fatal() in the suite exits
#      1; a timeout is reported as "timeout");
#   2. stdout contains a TAP plan line "1..N";
#   3. there is no "Bail out!" and no line starting with "not ok";
#   4. the number of test points ("ok ..."/"not ok ..." lines at column 0) equals N;
#   5. there is no *orphan* YAML diagnostic carrying an "error" key. The suite
#      prints YAML diagnostics as indented JSON between "  ---" and "  ...".
#      A block that directly follows a test point belongs to that point, and its
#      "error" key is only detail: several tests attach the *expected* error to
#      a passing point (misc_props, create, kill, start...), and hooks_stdin
#      attaches "error": "" to passing points. So for such blocks the ok/not ok
#      of the point decides. A block that does NOT follow a test point (it
#      follows the header, the plan, or another block) is orphan: this is how
#      the hook tests (hooks, prestart, poststart, poststop, *_fail; they print
#      "1..0" and nothing else on success) and state (unparsable state JSON)
#      report failures, so an orphan block with an "error" key means FAIL.
#      Consequently "1..0" with no orphan error counts as a PASS.
#   Special case: process_rlimits_fail and process_capabilities_fail print
#   nothing at all when they pass (the runtime correctly refused an unknown
#   rlimit or capability, so no TAP is emitted; had it accepted one, the test
#   would exit 1 through util.Fatal), so for those tests (listed in
#   EMPTY_OUTPUT_OK below) an empty stdout with exit 0 is a PASS. For every other test an empty stdout is a FAIL ("no plan"), because a
#   container whose process never ran also yields empty output with exit 0.
#   A test whose points are all "# SKIP" passes and is marked "# SKIP".
#
# Environment tweaks applied to every test run:
#   - umask 022 and a private TMPDIR (mode 0755) for the bundle directories the
#     tests create with mkdtemp (the bundle directory is also the rootfs; tar
#     resets it to 0755 when extracting as root), removed at the end;
#   - the tests run from the runtime-tools root (they read ./runtimetest and
#     ./rootfs-<arch>.tar.gz relative to the working directory);
#   - RUNTIME is exported as an absolute path.
# ---------------------------------------------------------------------------

set -u -o pipefail

EMPTY_OUTPUT_OK=" process_rlimits_fail process_capabilities_fail "

usage() {
    sed -n '2,/^# ----/p' "$0" | sed -e '/^# ----/d' -e 's/^# \{0,1\}//'
}

die() {
    echo "run.sh: $*" >&2
    exit 2
}

tools_dir="${RUNTIME_TOOLS:-/work/runtime-tools}"
results_dir="${CONFORMANCE_RESULTS:-}"
timeout_secs="${CONFORMANCE_TIMEOUT:-60}"
required_file="${CONFORMANCE_REQUIRED:-}"
list_only=0

while getopts ":t:o:T:r:lh" opt; do
    case "$opt" in
    t) tools_dir="$OPTARG" ;;
    o) results_dir="$OPTARG" ;;
    T) timeout_secs="$OPTARG" ;;
    r) required_file="$OPTARG" ;;
    l) list_only=1 ;;
    h) usage; exit 0 ;;
    :) die "option -$OPTARG needs an argument" ;;
    *) die "unknown option -$OPTARG (see -h)" ;;
    esac
done
shift $((OPTIND - 1))

[ -d "$tools_dir/validation" ] || die "no runtime-tools tree at '$tools_dir' (use -t DIR or \$RUNTIME_TOOLS)"
tools_dir="$(cd "$tools_dir" && pwd)"

all_tests=()
for f in "$tools_dir"/validation/*/*.t; do
    [ -e "$f" ] || continue
    name="${f%/*}"; name="${name##*/}"
    [ "$f" = "$tools_dir/validation/$name/$name.t" ] && all_tests+=("$name")
done

if [ "$list_only" = 1 ]; then
    printf '%s\n' "${all_tests[@]}"
    exit 0
fi

[ $# -ge 1 ] || { usage >&2; exit 2; }
runtime_arg="$1"; shift

case "$timeout_secs" in
''|*[!0-9]*) die "timeout must be a number of seconds" ;;
esac

runtime_path="$(command -v -- "$runtime_arg" 2>/dev/null)" || die "runtime '$runtime_arg' not found"
case "$runtime_path" in
/*) ;;
*) runtime_path="$(cd "$(dirname -- "$runtime_path")" && pwd)/$(basename -- "$runtime_path")" ;;
esac
[ -x "$runtime_path" ] || die "runtime '$runtime_path' is not executable"

[ -x "$tools_dir/runtimetest" ] || die "$tools_dir/runtimetest missing; build the suite first (see tests/conformance/README.md)"
[ ${#all_tests[@]} -gt 0 ] || die "no validation/*/*.t executables in $tools_dir; build the suite first"
ls "$tools_dir"/rootfs-*.tar.gz >/dev/null 2>&1 || die "no rootfs-<arch>.tar.gz in $tools_dir"

# Tests to run.
tests=()
if [ $# -gt 0 ]; then
    for name in "$@"; do
        name="${name%.t}"; name="${name##*/}"
        [ -x "$tools_dir/validation/$name/$name.t" ] || die "no such test '$name' (see -l)"
        tests+=("$name")
    done
else
    tests=("${all_tests[@]}")
fi

# Required tests (gating set).
required=()
if [ -n "$required_file" ]; then
    [ -r "$required_file" ] || die "cannot read required-tests file '$required_file'"
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"
        for word in $line; do required+=("$word"); done
    done <"$required_file"
fi

[ -n "$results_dir" ] || results_dir="/tmp/conformance-results/$(basename -- "$runtime_path")"
mkdir -p "$results_dir" || die "cannot create results dir '$results_dir'"
results_dir="$(cd "$results_dir" && pwd)"
: >"$results_dir/summary.txt"

umask 022
work_tmp="$(mktemp -d "${TMPDIR:-/tmp}/roci-conformance.XXXXXX")" || die "mktemp failed"
chmod 0755 "$work_tmp"
# Unmount anything left mounted under the private TMPDIR. A runtime that sets
# up the rootfs without a mount namespace (linux_ns_itype removes every
# namespace) mounts into the host namespace; runc 1.1.5 leaves those mounts
# behind after delete. Prints the number of mounts found.
reap_mounts() {
    local n=0 m
    while IFS= read -r m; do
        umount -l "$m" 2>/dev/null && n=$((n + 1))
    done < <(awk -v p="$work_tmp/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    echo "$n"
}
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
    reap_mounts >/dev/null
    rm -rf --one-file-system "$work_tmp" 2>/dev/null || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# classify NAME TAPFILE RC -> prints "PASS[ # SKIP]" or "FAIL<TAB>reason"
classify() {
    local name="$1" tap="$2" rc="$3"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        printf 'FAIL\ttimeout after %ss\n' "$timeout_secs"
        return
    fi
    if [ ! -s "$tap" ] && [ "$rc" -eq 0 ] && [[ "$EMPTY_OUTPUT_OK" == *" $name "* ]]; then
        printf 'PASS\n'
        return
    fi
    awk -v rc="$rc" '
        function fail(msg) { if (reason == "") reason = msg }
        function enddoc() {
            if (!indoc) return
            if (plan < 0) fail("no TAP plan" (ndocs > 1 ? " in TAP document " ndocs : ""))
            else if (points != plan) fail("plan 1.." plan " but " points " test points")
            indoc = 0
        }
        function newdoc() { enddoc(); indoc = 1; ndocs++; plan = -1; points = 0; last = "header" }
        BEGIN { ndocs = 0; indoc = 0; inyaml = 0; reason = ""; allpoints = 0; skips = 0 }
        inyaml {
            if ($0 ~ /^  \.\.\.[ \t]*$/) { inyaml = 0; last = "yaml"; next }
            if (!attached && ($0 ~ /^[ \t]*"error"[ \t]*:/ || $0 ~ /^[ \t]*error[ \t]*:/)) {
                msg = $0; sub(/^[ \t]*"?error"?[ \t]*:[ \t]*/, "", msg); sub(/,$/, "", msg)
                fail("error: " substr(msg, 1, 200))
            }
            next
        }
        /^TAP version/ { newdoc(); next }
        { if (!indoc) newdoc() }
        /^  ---[ \t]*$/ { inyaml = 1; attached = (last == "point"); next }
        /^not ok/ { points++; allpoints++; last = "point"
                    d = $0; sub(/^not ok[ \t]*[0-9]*[ \t]*-?[ \t]*/, "", d)
                    fail("not ok: " substr(d, 1, 200)); next }
        /^ok([ \t]|$)/ { points++; allpoints++; last = "point"; if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skips++; next }
        /^1\.\.[0-9]+/ { p = $0; sub(/^1\.\./, "", p); sub(/[^0-9].*$/, "", p)
                         if (plan >= 0) fail("more than one plan"); plan = p + 0; last = "plan"; next }
        /^Bail out!/ { fail("bail out"); next }
        # Anything else (diagnostics "# ...", the "Refer to: ..." second line of
        # a multi-line test description, stray output) does not change what the
        # next YAML block is attached to.
        END {
            enddoc()
            if (ndocs == 0) fail("no TAP output")
            if (rc != 0) { r = "exit status " rc; if (reason != "") r = r "; " reason; reason = r }
            if (reason != "") { printf "FAIL\t%s\n", reason; exit }
            if (allpoints > 0 && skips == allpoints) print "PASS # SKIP"; else print "PASS"
        }' "$tap"
}

echo "# runtime: $runtime_path"
echo "# runtime-tools: $tools_dir ($(git -C "$tools_dir" describe --always --dirty 2>/dev/null || echo unknown))"
echo "# results: $results_dir"

npass=0; nfail=0
declare -A verdict=()
for name in "${tests[@]}"; do
    tap="$results_dir/$name.tap"
    err="$results_dir/$name.stderr"
    (
        cd "$tools_dir" || exit 2
        export RUNTIME="$runtime_path" TMPDIR="$work_tmp"
        exec timeout -k 10 "$timeout_secs" "validation/$name/$name.t"
    ) </dev/null >"$tap" 2>"$err"
    rc=$?
    leaked="$(reap_mounts)"
    if [ "$leaked" -gt 0 ]; then
        msg="WARNING: $name left $leaked mount(s) under $work_tmp in the host mount namespace (unmounted by run.sh)"
        echo "$msg" >&2
        echo "run.sh: $msg" >>"$err"
        echo "# $msg" >>"$results_dir/summary.txt"
    fi
    res="$(classify "$name" "$tap" "$rc")"
    status="${res%%$'\t'*}"
    case "$status" in
    PASS*)
        npass=$((npass + 1)); verdict[$name]=PASS
        line="PASS $name${status#PASS}" ;;
    *)
        nfail=$((nfail + 1)); verdict[$name]=FAIL
        line="FAIL $name  (${res#*$'\t'})" ;;
    esac
    echo "$line"
    echo "$line" >>"$results_dir/summary.txt"
done

summary="$npass passed, $nfail failed"
echo "$summary"
echo "$summary" >>"$results_dir/summary.txt"

rc=0
if [ ${#required[@]} -gt 0 ]; then
    rfail=()
    for name in "${required[@]}"; do
        case "${verdict[$name]:-}" in
        PASS) ;;
        FAIL) rfail+=("$name") ;;
        *) [ $# -gt 0 ] || rfail+=("$name(missing)") ;;  # not run: only an error if we ran everything
        esac
    done
    if [ ${#rfail[@]} -gt 0 ]; then
        echo "required tests failed: ${rfail[*]}"
        rc=1
    else
        echo "all required tests passed"
    fi
else
    [ "$nfail" -eq 0 ] || rc=1
fi
exit "$rc"
