#!/bin/bash
# Time roci, crun and runc side by side in ONE hyperfine run and print
# medians and ratios (quote ratios from one run: the machines are noisy).
#   (a) create + start + delete -f of /bin/true
#   (b) run of /bin/true
#   (c) exec of /bin/true into a running container (`sleep`)
# roci is timed twice: as built (create, run and exec re-exec a sealed memfd
# copy of roci, security.md #1) and from a read-only bind mount of the same
# binary, where no copy is needed. The difference is what the protection
# costs.
# The peers are today's crun and runc when ../shared/tools/build-peers.sh
# has built them ($PEERS, default /var/tmp/roci-peers), else Debian's.
# Usage: bench/bench.sh [ROCI] [RUNS]
set -euo pipefail
ROCI=${1:+$(realpath "$1")}
cd "$(dirname "$0")/.."
ROCI=${ROCI:-$PWD/build/roci}
RUNS=${2:-50}
PEERS=${PEERS:-/var/tmp/roci-peers}
tests/lib/deps.sh hyperfine jq crun runc busybox-static time >/dev/null
. tests/lib/rootfs.sh
work=$(mktemp -d /tmp/roci-bench.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
make_busybox_rootfs "$work/bundle/rootfs"
"$ROCI" spec -b "$work/bundle"
# crun 1.8.1 refuses ociVersion 1.3.0: use 1.0.2 for all three
jq '.ociVersion = "1.0.2" | .process.terminal = false | .process.args = ["/bin/true"]' \
	"$work/bundle/config.json" >"$work/c.json" && mv "$work/c.json" "$work/bundle/config.json"
# the exec target: the same container, sleeping
mkdir "$work/sleeper"
jq --arg r "$work/bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "1000"]' \
	"$work/bundle/config.json" >"$work/sleeper/config.json"
: >"$work/empty"

cat >"$work/lifecycle" <<EOS
#!/bin/sh
rt=\$1; id=l\$\$
\$rt --root $work/state-\$(basename \$rt) create -b $work/bundle \$id >/dev/null &&
\$rt --root $work/state-\$(basename \$rt) start \$id &&
\$rt --root $work/state-\$(basename \$rt) delete -f \$id
EOS
chmod +x "$work/lifecycle"
RUNC=$(command -v runc) CRUN=$(command -v crun)
[ -x "$PEERS/runc" ] && RUNC=$PEERS/runc
[ -x "$PEERS/crun" ] && CRUN=$PEERS/crun
mkdir "$work/ro"
cp "$ROCI" "$work/ro/roci"
RO=$work/ro/roci
echo "roci: $ROCI"
echo "crun: $CRUN ($("$CRUN" --version | head -1))"
echo "runc: $RUNC ($("$RUNC" --version | head -1))"

# One private mount namespace for all three, in which cgroup2 owns no
# controller (crun refuses this hybrid host otherwise).
unshare -m --propagation private sh -c "
	mount --bind $work/empty /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null || true
	mount --bind $work/ro $work/ro && mount -o remount,bind,ro $work/ro
	cd $work
	for rt in $ROCI $CRUN $RUNC; do
		n=\$(basename \$rt)
		\$rt --root $work/e-\$n run -d -b $work/sleeper e-\$n </dev/null >/dev/null || { echo \"\$n: run -d failed\" >&2; exit 1; }
	done
	hyperfine -N -w 5 -r $RUNS --export-json $work/hf.json \
		-n 'roci lifecycle' '$work/lifecycle $ROCI' \
		-n 'roci-ro lifecycle' '$work/lifecycle $RO' \
		-n 'crun lifecycle' '$work/lifecycle $CRUN' \
		-n 'runc lifecycle' '$work/lifecycle $RUNC' \
		-n 'roci run' '$ROCI --root $work/s1 run -b $work/bundle r1' \
		-n 'roci-ro run' '$RO --root $work/s4 run -b $work/bundle r4' \
		-n 'crun run' '$CRUN --root $work/s2 run -b $work/bundle r2' \
		-n 'runc run' '$RUNC --root $work/s3 run -b $work/bundle r3' \
		-n 'roci exec' '$ROCI --root $work/e-roci exec e-roci /bin/true' \
		-n 'roci-ro exec' '$RO --root $work/e-roci exec e-roci /bin/true' \
		-n 'crun exec' '$CRUN --root $work/e-crun exec e-crun /bin/true' \
		-n 'runc exec' '$RUNC --root $work/e-runc exec e-runc /bin/true' >$work/hf.out 2>&1 || { cat $work/hf.out; exit 1; }
	for rt in $ROCI $CRUN $RUNC; do
		\$rt --root $work/e-\$(basename \$rt) delete -f e-\$(basename \$rt) >/dev/null 2>&1
		/usr/bin/time -f \"\$(basename \$rt) create peak RSS: %M KiB\" \$rt --root $work/rss create -b $work/bundle m1 >/dev/null
		\$rt --root $work/rss delete -f m1 >/dev/null 2>&1
	done
"
echo
jq -r '.results[] | "\(.command)\tmedian \(.median * 1000 | . * 100 | round / 100) ms"' "$work/hf.json" | column -t -s $'\t'
jq -r '
	(.results | map({(.command): .median}) | add) as $m |
	def ratio(a; b): $m[a] / $m[b] * 100 | round / 100;
	"ratio roci/crun lifecycle: \(ratio("roci lifecycle"; "crun lifecycle"))",
	"ratio roci/runc lifecycle: \(ratio("roci lifecycle"; "runc lifecycle"))",
	"ratio roci/crun run:       \(ratio("roci run"; "crun run"))",
	"ratio roci/runc run:       \(ratio("roci run"; "runc run"))",
	"ratio roci/crun exec:      \(ratio("roci exec"; "crun exec"))",
	"ratio roci/runc exec:      \(ratio("roci exec"; "runc exec"))",
	"binary protection per create (lifecycle): \(($m["roci lifecycle"] - $m["roci-ro lifecycle"]) * 100000 | round / 100) ms = \(($m["roci lifecycle"] - $m["roci-ro lifecycle"]) / $m["crun lifecycle"] * 1000 | round / 10)% of crun lifecycle",
	"binary protection per run:                \(($m["roci run"] - $m["roci-ro run"]) * 100000 | round / 100) ms = \(($m["roci run"] - $m["roci-ro run"]) / $m["crun run"] * 1000 | round / 10)% of crun run",
	"binary protection per exec:               \(($m["roci exec"] - $m["roci-ro exec"]) * 100000 | round / 100) ms = \(($m["roci exec"] - $m["roci-ro exec"]) / $m["crun exec"] * 1000 | round / 10)% of crun exec"' "$work/hf.json"
