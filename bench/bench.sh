#!/bin/bash
# roci against its peers, side by side in ONE run of this script: medians
# and ratios (quote ratios from one run; the machines are noisy). The
# targets of the speed issue are checked at the end ("met" or "MISSED").
#
#   speed (hyperfine medians):
#     lifecycle  create + start + delete -f of /bin/true
#     run        run of /bin/true (and the floor, bench/floor.c)
#     exec       exec of /bin/true into a running container
#     kill       delete -f of a container running sleep
#     seq100     100 runs one after another (and 100 floors)
#     par100     100 runs at once (and 100 floors at once)
#   The floor rows bound what any runtime doing this kernel work can reach:
#   the report prints crun ÷ floor beside each target on crun ÷ roci.
#   memory:
#     the peak RSS of each command (create, state, start, exec, kill,
#     delete, run); the RSS and PSS of the parked init between create and
#     start; the smallest memory limit under which run /bin/true works.
#     A runtime's peak RSS counts the children it reaps, so `run` and
#     `exec` are measured with a process of a few KiB (bench/tiny.c)
#     rather than busybox (1.2 MiB by itself)
#   size: the binary and the shared libraries it links
#
# Runtimes: roci (as built), roci-ro (the same binary from a read-only bind
# mount, so without the protected copy: the difference is what the binary
# protection costs), roci-musl (the static musl build, with roci's own
# malloc and memcpy: BENCH_MUSL, default build-musl/roci if it exists; the
# targets are checked for it too), today's crun and runc (../shared/tools/build-peers.sh
# builds them into $PEERS, default /var/tmp/roci-peers) and Debian's crun
# 1.8 and runc 1.1. All run in one private mount namespace in which the
# cgroup2 of this hybrid host owns no controller (crun refuses it
# otherwise), each with its own --root.
#
# Usage: bench/bench.sh [ROCI] [RUNS]     (RUNS: default 60)
#   BENCH_QUICK=1: few runs and a coarse memory search (a smoke test)
#   BENCH_PEERS=0: roci (and the floor) only
#   BENCH_BASELINE=PATH: another roci binary, timed as roci-base (before and
#     after a change, in one run)
#   BENCH_MUSL=PATH: the musl build to time as roci-musl ("" for none)
set -euo pipefail
ROCI=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.."
REPO=$PWD
ROCI=${ROCI:-$REPO/build/roci}
RUNS=${2:-60}
QUICK=${BENCH_QUICK:-}
[ -n "$QUICK" ] && RUNS=${2:-3}
PEERS=${PEERS:-/var/tmp/roci-peers}
tests/lib/deps.sh hyperfine jq crun runc busybox-static time gcc libc6-dev >/dev/null
. tests/lib/rootfs.sh
work=$(mktemp -d /tmp/roci-bench.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$work/floor" bench/floor.c
make_busybox_rootfs "$work/bundle/rootfs"
gcc -std=gnu11 -Os -Wall -Wextra -Werror -static -nostdlib -o "$work/bundle/rootfs/tiny" bench/tiny.c
"$ROCI" spec -b "$work/bundle"
# crun 1.8.1 refuses ociVersion 1.3.0: 1.0.2 for all
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' \
	"$work/bundle/config.json" >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"
mkdir "$work/sleeper" "$work/tiny"
jq --arg r "$work/bundle/rootfs" '.root.path = $r | .process.args = ["/tiny"]' \
	"$work/bundle/config.json" >"$work/tiny/config.json"
jq --arg r "$work/bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "1000"]' \
	"$work/bundle/config.json" >"$work/sleeper/config.json"
: >"$work/empty"

# runtimes: name and path
names=(roci roci-ro)
paths=("$ROCI" "$work/ro/roci")
add_peer() { if [ -x "$2" ]; then names+=("$1"); paths+=("$2"); fi; }
[ -n "${BENCH_BASELINE:-}" ] && add_peer roci-base "$(realpath "$BENCH_BASELINE")"
MUSL=${BENCH_MUSL-$REPO/build-musl/roci}
[ -n "$MUSL" ] && add_peer roci-musl "$(realpath "$MUSL")"
if [ "${BENCH_PEERS:-1}" != 0 ]; then
	add_peer crun "$PEERS/crun"
	add_peer runc "$PEERS/runc"
	add_peer crun-1.8 /usr/bin/crun
	add_peer runc-1.1 /usr/sbin/runc
fi
mkdir "$work/ro"
cp "$ROCI" "$work/ro/roci"
for i in "${!names[@]}"; do
	[ "${names[$i]}" = roci-ro ] && continue
	printf '%-9s %s (%s)\n' "${names[$i]}" "${paths[$i]}" "$("${paths[$i]}" --version | head -1)"
done
CRUN=
for n in "${names[@]}"; do
	if [ -z "$CRUN" ] && [ "${n%-1.8}" = crun ]; then CRUN=$n; fi
done

# Scripts the hyperfine commands call: RT is a runtime's path, its state in
# $work/state/NAME.
cat >"$work/lifecycle" <<EOS
#!/bin/sh
rt=\$1 root=\$2 id=l\$\$
\$rt --root \$root create -b $work/bundle \$id >/dev/null &&
\$rt --root \$root start \$id &&
\$rt --root \$root delete -f \$id
EOS
cat >"$work/seq100" <<EOS
#!/bin/sh
rt=\$1 root=\$2
for i in \$(seq 100); do \$rt --root \$root run -b $work/bundle s\$\$-\$i || exit 1; done
EOS
cat >"$work/par100" <<EOS
#!/bin/sh
rt=\$1 root=\$2
seq 100 | xargs -P 100 -I{} \$rt --root \$root run -b $work/bundle p\$\$-{}
EOS
cat >"$work/seq100f" <<EOS
#!/bin/sh
for i in \$(seq 100); do $work/floor $work/bundle/rootfs || exit 1; done
EOS
cat >"$work/par100f" <<EOS
#!/bin/sh
seq 100 | xargs -P 100 -I{} $work/floor $work/bundle/rootfs
EOS
cat >"$work/memtry" <<EOS
#!/bin/sh
# memtry RT ROOT KIB: does run /bin/true work under a memory limit of KIB?
rt=\$1 root=\$2 kib=\$3 id=mem\$\$
d=$work/mem-\$id
mkdir -p \$d
jq --arg r $work/bundle/rootfs --argjson l \$((kib * 1024)) \
	'.root.path = \$r | .linux.resources.memory = {limit: \$l}' \
	$work/bundle/config.json >\$d/config.json
\$rt --root \$root run -b \$d \$id >/dev/null 2>&1 </dev/null
rc=\$?
\$rt --root \$root delete -f \$id >/dev/null 2>&1
rm -rf \$d
exit \$rc
EOS
chmod +x "$work/lifecycle" "$work/seq100" "$work/par100" "$work/seq100f" "$work/par100f" "$work/memtry"

# One private mount namespace for everything that follows.
cat >"$work/inner" <<'EOS'
set -euo pipefail
mount --bind "$work/empty" /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || true
mount --bind "$work/ro" "$work/ro" && mount -o remount,bind,ro "$work/ro"
R() { echo "$work/state/$1"; }
# whatever a failure leaves: every runtime deletes all it has
cleanup() {
	for i in "${!names[@]}"; do
		for id in $("${paths[$i]}" --root "$(R "${names[$i]}")" list -q 2>/dev/null); do
			"${paths[$i]}" --root "$(R "${names[$i]}")" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
}
trap cleanup EXIT
# state on a tmpfs, as /run is
mkdir -p "$work/state" && mount -t tmpfs -o mode=0700 bench-state "$work/state"
cd "$work"
hf() { hyperfine -N -w "$1" -r "$2" --export-json "$work/hf-$3.json" "${@:4}" >"$work/hf-$3.out" 2>&1 ||
	{ cat "$work/hf-$3.out"; exit 1; }; }
args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "$work/lifecycle ${paths[$i]} $(R "${names[$i]}")"); done
hf 5 "$RUNS" lifecycle "${args[@]}"
args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "${paths[$i]} --root $(R "${names[$i]}") run -b $work/bundle r-${names[$i]}"); done
args+=(-n floor "$work/floor $work/bundle/rootfs")
hf 5 "$RUNS" run "${args[@]}"
args=()
for i in "${!names[@]}"; do
	n=${names[$i]} p=${paths[$i]}
	"$p" --root "$(R "$n")" run -d -b "$work/sleeper" "e-$n" </dev/null >/dev/null 2>&1
	args+=(-n "$n" "$p --root $(R "$n") exec e-$n /bin/true")
done
hf 5 "$RUNS" exec "${args[@]}"
for i in "${!names[@]}"; do "${paths[$i]}" --root "$(R "${names[$i]}")" delete -f "e-${names[$i]}" >/dev/null; done
args=()
for i in "${!names[@]}"; do
	n=${names[$i]} p=${paths[$i]}
	args+=(-p "$p --root $(R "$n") run -d -b $work/sleeper k-$n" -n "$n" "$p --root $(R "$n") delete -f k-$n")
done
hf 3 "$RUNS" kill "${args[@]}"
scale_runs=$(( RUNS / 10 > 3 ? RUNS / 10 : 3 ))
args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "$work/seq100 ${paths[$i]} $(R "${names[$i]}")"); done
args+=(-n floor "$work/seq100f")
hf 1 "$scale_runs" seq100 "${args[@]}"
args=()
for i in "${!names[@]}"; do args+=(-n "${names[$i]}" "$work/par100 ${paths[$i]} $(R "${names[$i]}")"); done
args+=(-n floor "$work/par100f")
hf 1 "$scale_runs" par100 "${args[@]}"

# memory
# peak CMD...: the peak RSS of CMD in KiB
peak() { /usr/bin/time -f %M -o "$work/t" "$@" >/dev/null 2>&1 </dev/null; cat "$work/t"; }
for i in "${!names[@]}"; do
	n=${names[$i]} p=${paths[$i]} root=$(R "${names[$i]}")
	[ "$n" = roci-ro ] && continue
	c=$(peak "$p" --root "$root" create -b "$work/bundle" "m1-$n")
	pid=$("$p" --root "$root" state "m1-$n" | jq .pid)
	rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
	pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
	s=$(peak "$p" --root "$root" state "m1-$n")
	st=$(peak "$p" --root "$root" start "m1-$n")
	d=$(peak "$p" --root "$root" delete -f "m1-$n")
	"$p" --root "$root" run -d -b "$work/sleeper" "m2-$n" </dev/null >/dev/null 2>&1
	x=$(peak "$p" --root "$root" exec "m2-$n" /tiny)
	k=$(peak "$p" --root "$root" kill "m2-$n" KILL)
	"$p" --root "$root" delete -f "m2-$n" >/dev/null 2>&1
	r=$(peak "$p" --root "$root" run -b "$work/tiny" "m3-$n")
	# the smallest limit (KiB, 4 KiB steps) under which run still works
	lo=0 hi=65536 step=4
	[ -n "$QUICK" ] && step=512
	if "$work/memtry" "$p" "$root" "$hi"; then
		while [ $((hi - lo)) -gt "$step" ]; do
			mid=$(( (lo + hi) / 2 / 4 * 4 ))
			if "$work/memtry" "$p" "$root" "$mid"; then hi=$mid; else lo=$mid; fi
		done
	else
		hi=-1
	fi
	echo "$n $c $s $st $x $k $d $r $rss $pss $hi" >>"$work/mem.txt"
done
EOS
export work RUNS QUICK
export names_s="${names[*]}" paths_s="${paths[*]}"
unshare -m --propagation private bash -c 'names=($names_s); paths=($paths_s); . "$work/inner"'

# report
median() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$work/hf-$1.json"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }'; }
echo
printf '%-22s' "median (ms)"
for n in "${names[@]}" floor; do printf '%10s' "$n"; done
printf '%12s\n' "${CRUN:-crun}/roci"
for g in lifecycle run exec kill seq100 par100; do
	printf '%-22s' "$g"
	for n in "${names[@]}" floor; do
		m=$(median "$g" "$n")
		if [ -n "$m" ]; then printf '%10s' "$(ms "$m")"; else printf '%10s' "-"; fi
	done
	printf '%12s\n' "$(ratio "$(median "$g" "${CRUN:-none}")" "$(median "$g" roci)")"
done
echo
printf '%-22s' "memory (KiB)"
mnames=()
for n in "${names[@]}"; do [ "$n" = roci-ro ] || mnames+=("$n"); done
for n in "${mnames[@]}"; do printf '%10s' "$n"; done
echo
col=2
for what in "peak RSS create" "peak RSS state" "peak RSS start" "peak RSS exec" "peak RSS kill" \
	"peak RSS delete" "peak RSS run" "parked init RSS" "parked init PSS" "smallest memory limit"; do
	printf '%-22s' "$what"
	for n in "${mnames[@]}"; do printf '%10s' "$(awk -v n="$n" -v c="$col" '$1 == n {print $c}' "$work/mem.txt")"; done
	echo
	col=$((col + 1))
done
echo
# libs_beyond_libc BINARY: the shared libraries it links, one per line, libc left out
libs_beyond_libc() { ldd "$1" 2>/dev/null | awk '/=>/ && $1 !~ /^libc\.so/ {print $1}' || true; }
echo "size"
for i in "${!names[@]}"; do
	n=${names[$i]} p=${paths[$i]}
	[ "$n" = roci-ro ] && continue
	libs=$(libs_beyond_libc "$p" | tr '\n' ' ')
	printf '  %-9s %8s KiB  shared libraries beyond libc: %s\n' "$n" "$(( $(stat -c %s "$p") / 1024 ))" "${libs:-none}"
done
echo
target() { # target TEXT OK
	if [ "$2" = 1 ]; then printf '  met     %s\n' "$1"; else printf '  MISSED  %s\n' "$1"; fi
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'; }
if [ -z "$CRUN" ]; then
	echo "targets: no crun to compare with"
	exit 0
fi
for rb in roci roci-musl; do
	grep -q "^$rb " "$work/mem.txt" || continue
	r() { ratio "$(median "$1" "$CRUN")" "$(median "$1" "$rb")"; }
	mem() { awk -v n="$rb" -v c="$1" '$1 == n {print $c}' "$work/mem.txt"; }
	# what a runtime doing the floor's kernel work, and nothing else, would reach
	fr() { ratio "$(median "$1" "$CRUN")" "$(median "$1" floor)"; }
	echo "targets of $rb ($CRUN ÷ $rb, medians of this run; in brackets $CRUN ÷ floor, the most the kernel work allows)"
	target "lifecycle ≥ 3.0: $(r lifecycle)" "$(ge "$(r lifecycle)" 3.0)"
	target "run ≥ 2.5: $(r run) [$(fr run)]" "$(ge "$(r run)" 2.5)"
	target "exec ≥ 2.0: $(r exec)" "$(ge "$(r exec)" 2.0)"
	target "delete -f of a running container ≥ 3.0: $(r kill)" "$(ge "$(r kill)" 3.0)"
	target "100 runs at once ≥ 2.5: $(r par100) [$(fr par100)]" "$(ge "$(r par100)" 2.5)"
	fl=$(ratio "$(median run "$rb")" "$(median run floor)")
	target "$rb run ÷ floor ≤ 1.5: $fl" "$(le "$fl" 1.5)"
	maxrss=$(awk -v n="$rb" '$1 == n { m = 0; for (i = 2; i <= 8; i++) if ($i > m) m = $i; print m }' "$work/mem.txt")
	target "peak RSS of every command ≤ 1024 KiB: $maxrss" "$(le "$maxrss" 1024)"
	target "PSS of the parked init ≤ 300 KiB: $(mem 10)" "$(le "$(mem 10)" 300)"
	target "run /bin/true under a 200 KiB memory limit: smallest $(mem 11) KiB" "$(le "$(mem 11)" 200)"
done
nlibs=$(libs_beyond_libc "$ROCI" | grep -c . || true)
echo "the default build"
target "at most two shared libraries beyond libc: $nlibs" "$(le "$nlibs" 2)"
