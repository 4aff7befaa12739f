#!/usr/bin/env bats
# Rootless podman (a user, its storage in its home, the cgroupfs manager,
# the file events logger, no network) with roci as its runtime: podman
# runs roci inside its own user namespace, with a multi-range mapping made
# by newuidmap from /etc/subuid (issue 17).
load ../integration/helpers
. "$REPO/tests/lib/rootless.bash"

setup_file() {
	rootless_user
	export XDG
	XDG=$(rootless_xdg)
	# roci where the user can run it, and a busybox image in its storage
	export RT=$XDG/roci-runtime
	cp "$ROCI" "$RT"
	chmod 755 "$RT"
	tar -C "$(rootfs_cache)" -c . >"$XDG/busybox.tar"
	chmod 644 "$XDG/busybox.tar"
	upm import "$XDG/busybox.tar" localhost/roci-busybox:latest >/dev/null
}

teardown_file() {
	upm rm -af -t 0 >/dev/null 2>&1 || true
	upm system reset -f >/dev/null 2>&1 || true
	rm -rf "$XDG"
}

# upm ARGS...: the user's podman with roci
upm() {
	as_rootless podman --cgroup-manager cgroupfs --events-backend file --runtime "$RT" "$@"
}

@test "rootless podman run --rm: the process's output and not one line more" {
	rrun upm run --rm --network none localhost/roci-busybox sh -c 'echo hi; id -u; cat /proc/self/uid_map | wc -l'
	[ "$status" -eq 0 ]
	# root in the container; two ranges in its map (the user's own id and
	# its subordinate range, written by newuidmap)
	[ "$output" = $'hi\n0\n2' ]
	# roci kept its state under the user's XDG_RUNTIME_DIR
	[ -d "$XDG/roci" ]
}

@test "rootless podman run of a missing program: 127 and the reason, no warning" {
	rrun upm run --rm --network none localhost/roci-busybox /nonexistent
	[ "$status" -eq 127 ]
	[[ "$output" == *'exec: "/nonexistent": stat /nonexistent: no such file or directory'* ]]
	! grep -qi warning <<<"$output" || false
}

@test "rootless podman run -d, exec, stop and rm" {
	rrun upm run -d --name rl1 --network none localhost/roci-busybox sleep 100
	[ "$status" -eq 0 ]
	rrun upm exec rl1 sh -c 'echo in; id -u'
	[ "$status" -eq 0 ]
	[ "$output" = $'in\n0' ]
	rrun upm stop -t 0 rl1
	[ "$status" -eq 0 ]
	rrun upm rm rl1
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$XDG/roci")" ]
}

@test "rootless podman run --network host: the host's network devices in the host's /sys, read-only" {
	# no network namespace, so no new sysfs: rootless podman asks for a
	# bind of the host's /sys itself here (the config with a sysfs mount
	# that roci turns into that bind: rootless.bats)
	rrun upm run --rm --network host localhost/roci-busybox sh -c \
		'echo net: $(ls /sys/class/net | sort); grep " /sys " /proc/self/mounts | cut -d" " -f4; touch /sys/x 2>/dev/null || echo read-only'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "net: $(ls /sys/class/net | LC_ALL=C sort | xargs)" ]
	[[ "${lines[1]}" == ro,* ]]
	[ "${lines[2]}" = read-only ]
	[ "${#lines[@]}" -eq 3 ]
}
