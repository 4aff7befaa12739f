#!/usr/bin/env bats
# A user's roci with --systemd-cgroup (issue 17): the user's own systemd
# (user@UID.service, started here as logind starts it at login) makes the
# container's scope, on the user's bus, in the subtree systemd delegated to
# it, as rootless podman asks with cgroup_manager = "systemd". In the VM,
# where systemd is PID 1.
load ../integration/helpers
. "$REPO/tests/lib/rootless.bash"

setup_file() {
	rootless_user
	systemctl start "user@$USER_UID.service"
	wait_until 60 test -S "/run/user/$USER_UID/bus"
}

teardown_file() {
	systemctl stop "user@$USER_UID.service" || true
}

setup() {
	common_setup
	XDG=/run/user/$USER_UID
	UB=$(mktemp -d /var/tmp/roci-rootless-bundle.XXXXXX)
	rootless_bundle "$UB"
	# the user manager's own cgroup: its units are below it
	MGR=/user.slice/user-$USER_UID.slice/user@$USER_UID.service
}

teardown() {
	local id
	for id in $(as_user list -q 2>/dev/null); do as_user delete -f "$id" >/dev/null 2>&1 || true; done
	if [ -n "${PMU:-}" ]; then
		upm rm -af -t 0 >/dev/null 2>&1 || true
		upm system reset -f >/dev/null 2>&1 || true
		rm -rf "$PMU"
	fi
	rm -rf "$UB"
	common_teardown
}

as_user() { as_rootless "$ROCI" --systemd-cgroup "$@"; }
user_systemctl() { as_rootless systemctl --user "$@"; }

# with_config JQ: change the bundle's config.json
with_config() {
	jq "$1" "$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
}

@test "rootless --systemd-cgroup: a scope of the user's systemd, below its cgroup, with its limits; update and delete through it" {
	local v2=/sys/fs/cgroup ctl
	ctl=$(cat "$v2$MGR/cgroup.controllers")
	echo "delegated to the user's systemd: $ctl"
	grep -qw memory <<<"$ctl"
	grep -qw pids <<<"$ctl"
	with_config '.linux.cgroupsPath = "user.slice:roci:us1" | .process.args = ["sleep", "1000"] |
		.linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
	rrun as_user run -d -b "$UB/b" us1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(user_systemctl is-active roci-us1.scope)" = active ]
	local pid d=$v2$MGR/user.slice/roci-us1.scope
	pid=$(as_user state us1 | jq .pid)
	[ "$(grep '^0::' "/proc/$pid/cgroup")" = "0::$MGR/user.slice/roci-us1.scope" ]
	[ "$(jq -r '.cgroup.systemd_user' "$XDG/roci/us1/state.json")" = true ]
	[ "$(cat "$d/memory.max")" = 67108864 ]
	[ "$(cat "$d/pids.max")" = 20 ]
	[ "$(user_systemctl show -p MemoryMax --value roci-us1.scope)" = 67108864 ]
	# update: the unit's properties and the files, as the user
	as_user update --memory 134217728 --pids-limit 30 us1
	[ "$(cat "$d/memory.max")" = 134217728 ]
	[ "$(cat "$d/pids.max")" = 30 ]
	[ "$(user_systemctl show -p MemoryMax --value roci-us1.scope)" = 134217728 ]
	as_user pause us1
	[ "$(as_user state us1 | jq -r .status)" = paused ]
	as_user resume us1
	as_user exec us1 true
	as_user delete -f us1
	! user_systemctl is-active roci-us1.scope || false
	[ ! -e "$d" ]
	[ -z "$(ls -A "$XDG/roci")" ]
}

@test "rootless --systemd-cgroup: run in the foreground gives the status; without the user's bus, a clear error and nothing left" {
	with_config '.linux.cgroupsPath = "user.slice:roci:us2" | .process.args = ["sh", "-c", "echo hi; exit 3"]'
	rrun as_user run -b "$UB/b" us2
	[ "$status" -eq 3 ]
	[ "$output" = hi ]
	! user_systemctl is-active roci-us2.scope || false
	# a runtime directory without the user's bus
	local x
	x=$(rootless_xdg)
	rrun runuser -u "$ROOTLESS_USER" -- env HOME="$USER_HOME" XDG_RUNTIME_DIR="$x" "$ROCI" --systemd-cgroup run -b "$UB/b" us3
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"connect to the user's bus"* ]]
	[ -z "$(ls -A "$x/roci" 2>/dev/null)" ]
	rm -rf "$x"
}

# upm ARGS...: the user's podman with roci and the systemd cgroup manager
# (rootless podman's default where a user session exists), its storage on
# the VM's /tmp: the root here is an overlay, and an overlay cannot be an
# upper layer; the 6.1 kernel's tmpfs has no user xattrs for podman's
# rootless overlay, so the vfs driver
upm() {
	as_rootless env DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG/bus" \
		CONTAINERS_STORAGE_CONF="$PMU/storage.conf" \
		podman --cgroup-manager systemd --events-backend file --runtime "$PMU/roci" "$@"
}

@test "rootless podman with the systemd cgroup manager: --memory and --pids-limit in a scope of the user's systemd" {
	PMU=$(mktemp -d /tmp/roci-podman-user.XXXXXX)
	chmod 755 "$PMU"
	cp "$ROCI" "$PMU/roci"
	printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$PMU/graph" "$XDG/containers" \
		>"$PMU/storage.conf"
	chmod 644 "$PMU/storage.conf"
	mkdir "$PMU/graph"
	chown "$USER_UID:$USER_GID" "$PMU/graph"
	tar -C "$(rootfs_cache)" -c . >"$PMU/busybox.tar"
	chmod 644 "$PMU/busybox.tar"
	upm import "$PMU/busybox.tar" localhost/roci-busybox:latest >/dev/null
	rrun upm run -d --name rs1 --network none --memory 64m --pids-limit 20 localhost/roci-busybox sleep 1000
	echo "$output"
	[ "$status" -eq 0 ]
	local id pid cg d
	id=$(upm inspect -f '{{.Id}}' rs1)
	pid=$(upm inspect -f '{{.State.Pid}}' rs1)
	# podman asked for user.slice:libpod:ID; the scope is the user's
	# systemd's, below its own cgroup
	[ "$(user_systemctl is-active "libpod-$id.scope")" = active ]
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	echo "cgroup: $cg"
	[ "$cg" = "$MGR/user.slice/libpod-$id.scope" ]
	d=/sys/fs/cgroup$cg
	[ "$(cat "$d/memory.max")" = 67108864 ]
	[ "$(cat "$d/pids.max")" = 20 ]
	# the container reads the same limits from its own cgroup namespace
	rrun upm exec rs1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	[ "$status" -eq 0 ]
	[ "$output" = $'67108864\n20' ]
	rrun upm rm -f -t 0 rs1
	[ "$status" -eq 0 ]
	! user_systemctl is-active "libpod-$id.scope" || false
	[ ! -e "$d" ]
	rrun upm run --rm --network none localhost/roci-busybox sh -c 'echo hi; exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = hi ]
}
