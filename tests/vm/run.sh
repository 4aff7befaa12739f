#!/bin/bash
# tests/vm/run.sh: the VM part of the test suite (called by tests/run.sh).
# For each run below, boots one VM (tests/vm/boot.sh) and runs `bats --tap`
# over the test files that exist, printing TAP with each description
# prefixed by the run ("ok 3 [v2] memory: ...") and numbered on across
# runs; the plan comes last. A VM that cannot boot, or a run that ends
# early, is a `not ok` line, never a silent pass. Exits 1 if anything
# failed. The runs (VM_LAYOUTS, default "v2 v2b v1 hybrid") and their files:
#   v2      pure cgroup v2, VM_V2_TESTS (default: integration/cgroups.bats,
#           integration/embedded.bats and the systemd driver's
#           vm/systemd.bats)
#   v2b     pure cgroup v2 again, VM_V2B_TESTS (default: vm/criu.bats,
#           checkpoint and restore: CRIU cannot dump on the host's kernel;
#           vm/podman-systemd.bats, podman with the systemd cgroup
#           manager; the CRI with the systemd cgroup driver,
#           tests/callers/cri.bats, as Kubernetes runs today: its client
#           must be in the cache, which the host's run of cri.bats fills;
#           integration/rootless.bats, whose delegated subtree has the
#           memory and pids controllers only on pure v2; and
#           vm/rootless-systemd.bats, a user's --systemd-cgroup through
#           the user's own systemd, and rootless podman with the systemd
#           cgroup manager over roci)
#   v1      pure cgroup v1, VM_V1_TESTS (default: embedded.bats and
#           systemd.bats; cgroups.bats runs on the host's v1 controllers,
#           and with the cgroup2 mount gone in a private mount namespace)
#   hybrid  under systemd, VM_HYBRID_TESTS (default: criu.bats and
#           systemd.bats; the host itself covers hybrid without systemd)
#   VM_JOBS          VMs at once (default 2)
#   VM_TIMEOUT       seconds per VM (default 3000)
set -euo pipefail
cd "$(dirname "$0")/../.."
VM_V2_TESTS=${VM_V2_TESTS-tests/integration/cgroups.bats tests/integration/embedded.bats tests/vm/systemd.bats}
VM_V2B_TESTS=${VM_V2B_TESTS-tests/vm/criu.bats tests/vm/podman-systemd.bats tests/callers/cri.bats tests/integration/rootless.bats tests/vm/rootless-systemd.bats}
VM_V1_TESTS=${VM_V1_TESTS-tests/integration/embedded.bats tests/vm/systemd.bats}
VM_HYBRID_TESTS=${VM_HYBRID_TESTS-tests/vm/criu.bats tests/vm/systemd.bats}
VM_LAYOUTS=${VM_LAYOUTS:-v2 v2b v1 hybrid}
VM_TIMEOUT=${VM_TIMEOUT:-3000}
# One test that hangs fails alone, and the layout's other tests still run:
# bats stops a test after TEST_TIMEOUT seconds (VM_TEST_TIMEOUT, default
# 600: the slowest takes 30 s in the VM), once the guest has shown what
# it waits on (tests/vm/guest.sh, after 300 s without output).
TEST_TIMEOUT=${VM_TEST_TIMEOUT:-600}

# What the tests run in the VM comes from the host's root (read-only in the
# VM, which has no network): criu for checkpoint and restore, podman and
# conmon for podman-systemd.bats; and what boot.sh needs, here once
# rather than by two VMs booting at the same time.
tests/lib/deps.sh criu podman conmon qemu-system-x86 kmod busybox-static dbus systemd >&2 || {
	printf 'not ok 1 [vm] cannot install criu, podman, conmon and qemu\n1..1\n'
	exit 1
}

# The busybox rootfs of the tests, built here on the host (in the VM, its
# 400 symlinks alone take 15 s) and handed over through ROCI_TEST_CACHE.
. tests/lib/rootfs.sh
ROOTFS=
trap '[ -z "$ROOTFS" ] || rm -rf "$ROOTFS"' EXIT
if [ "$(id -u)" != 0 ] || ! mkdir -p /var/cache/roci-vm ||
	! ROOTFS=$(mktemp -d /var/cache/roci-vm/rootfs.XXXXXX) || ! make_busybox_rootfs "$ROOTFS"; then
	printf 'not ok 1 [vm] cannot prepare the VM tests (not root?)\n1..1\n'
	exit 1
fi

# run_layout LAYOUT FILES...: one boot (one more if its kernel hung), its
# TAP lines in $RES/LAYOUT.tap, "PLAN STATUS" in $RES/LAYOUT.meta
run_layout() {
	local layout=$1 attempt plan rc line
	shift
	# One boot per layout; a guest kernel that hangs (boot.sh exit 75: a
	# soft lockup under TCG, seen on a loaded host) gets one more boot. The
	# results of an attempt are kept once it ends, so a retried boot
	# counts nothing twice.
	for attempt in 1 2; do
		plan=0 rc=0
		: >"$RES/$layout.tap"
		while IFS= read -r line; do
			case $line in
			1..*) plan=${line#1..} ;;
			*) printf '%s\n' "$line" >>"$RES/$layout.tap" ;;
			esac
		done < <(tests/vm/boot.sh "${layout%b}" --timeout "$VM_TIMEOUT" -- \
			env ROCI_TEST_CACHE="$ROOTFS" BATS_TEST_TIMEOUT="$TEST_TIMEOUT" \
			bats --tap --timing "$@")
		wait $! || rc=$?
		[ "$rc" -eq 75 ] && [ "$attempt" -eq 1 ] || break
		echo "vm: $layout: the guest kernel hung (soft lockup); booting the layout again" >&2
	done
	echo "$plan $rc" >"$RES/$layout.meta"
}

# The layouts boot VM_JOBS at a time (default 2): a guest runs mostly one
# process at a time, so one VM keeps about one host CPU busy under TCG.
VM_JOBS=${VM_JOBS:-2}
RES=$(mktemp -d)
trap '[ -z "$ROOTFS" ] || rm -rf "$ROOTFS"; rm -rf "$RES"' EXIT
booted=()
for layout in $VM_LAYOUTS; do
	files=()
	case $layout in
	v2) list=$VM_V2_TESTS ;;
	v2b) list=$VM_V2B_TESTS ;;
	v1) list=$VM_V1_TESTS ;;
	hybrid) list=$VM_HYBRID_TESTS ;;
	*) echo "vm: unknown run $layout" >&2; exit 2 ;;
	esac
	for f in $list; do [ -f "$f" ] && [[ " ${files[*]} " != *" $f "* ]] && files+=("$f"); done
	if [ ${#files[@]} -eq 0 ]; then
		echo "vm: $layout: none of $list exists, not booted" >&2
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$VM_JOBS" ]; do wait -n || true; done
	run_layout "$layout" "${files[@]}" &
	booted+=("$layout")
done
wait

n=0 failed=0
for layout in "${booted[@]}"; do
	plan=0 rc=1 seen=0
	[ ! -s "$RES/$layout.meta" ] || read -r plan rc <"$RES/$layout.meta"
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			n=$((n + 1)) seen=$((seen + 1))
			[[ $line != "not ok"* ]] || failed=$((failed + 1))
			# "ok 3 desc" -> "ok N [layout] desc"
			[[ $line =~ ^(not\ )?ok\ [0-9]+\ ?(.*)$ ]]
			echo "${BASH_REMATCH[1]}ok $n [$layout] ${BASH_REMATCH[2]}" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$RES/$layout.tap"
	# 0: all passed, 1: some failed (reported above); anything else, or
	# fewer results than planned, is the VM's failure
	if [ "$rc" -gt 1 ] || [ "$plan" -eq 0 ] || [ "$seen" -ne "$plan" ]; then
		n=$((n + 1)) failed=$((failed + 1))
		echo "not ok $n [$layout] the VM run failed (exit $rc, $seen of $plan tests reported; see stderr)"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
