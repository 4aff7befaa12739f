#!/usr/bin/env bats
# roci run by a user (issue 17): who it is, where its state lives, and
# that cgroups it may not make cost no warning. The user is made here
# (tests/lib/rootless.bash), and runs roci through runuser.
load helpers
. "$REPO/tests/lib/rootless.bash"

setup_file() {
	rootless_user
}

setup() {
	common_setup
	# a runtime dir, and a bundle the user can read (the test's own
	# directory is under a private one)
	XDG=$(rootless_xdg)
	UB=$(mktemp -d /var/tmp/roci-rootless-bundle.XXXXXX)
	rootless_bundle "$UB"
}

teardown() {
	local id
	for id in $(as_user list -q 2>/dev/null); do as_user delete -f "$id" >/dev/null 2>&1 || true; done
	rm -rf "$XDG" "$UB"
	if [ -n "${DELEG:-}" ]; then
		find "$DELEG" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$DELEG"
	fi
	common_teardown
}

# as_user ARGS...: roci as the test user, with its XDG_RUNTIME_DIR
as_user() {
	as_rootless "$ROCI" "$@"
}

@test "rootless: a user's run keeps its state in \$XDG_RUNTIME_DIR/roci, mode 1700, and prints no cgroup warning" {
	rrun as_user run -b "$UB/b" r1
	[ "$status" -eq 0 ]
	# stdout and stderr together: the process's lines and nothing else
	[ "$output" = $'0\nhi' ]
	[ "$(stat -c '%a %u' "$XDG/roci")" = "1700 $USER_UID" ]
	[ -z "$(ls -A "$XDG/roci")" ]
	# --debug says once why there is no cgroup
	rrun as_user --debug run -b "$UB/b" r2
	[ "$status" -eq 0 ]
	[ "$(grep -c 'running without the cgroups it may not make' <<<"$output")" -eq 1 ]
	! grep -q warning <<<"$output" || false
}

@test "rootless: create, state, start, exec, ps, kill and delete as the user" {
	jq '.process.args = ["sleep", "100"]' "$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
	rrun as_user create -b "$UB/b" c1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(as_user state c1 | jq -r .status)" = created ]
	[ -d "$XDG/roci/c1" ]
	as_user start c1
	[ "$(as_user state c1 | jq -r .status)" = running ]
	local pid
	pid=$(as_user state c1 | jq .pid)
	# the container's root is the user on the host
	[ "$(stat -c %u "/proc/$pid")" = "$USER_UID" ]
	# exec enters the user namespace before the others (the user has no
	# right to the pid namespace from outside it), and no cgroup
	rrun as_user exec c1 sh -c 'id -u; readlink /proc/self/ns/pid'
	[ "$status" -eq 0 ]
	[ "$output" = "0"$'\n'"$(readlink "/proc/$pid/ns/pid")" ]
	# ps without a cgroup: the processes of the container's pid namespace
	rrun as_user exec -d c1 sleep 99
	[ "$status" -eq 0 ]
	local sleeper
	sleeper=$(pgrep -u "$USER_UID" -x -f "sleep 99")
	rrun as_user ps --format json c1
	[ "$status" -eq 0 ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(jq -cn --argjson a "$pid" --argjson b "$sleeper" '[$a, $b] | sort')" ]
	# what needs a cgroup says there is none
	rrun as_user pause c1
	[ "$status" -eq 1 ]
	[ "$output" = "roci: container c1 has no cgroup to freeze" ]
	rrun as_user update --pids-limit 5 c1
	[ "$status" -eq 1 ]
	[ "$output" = "roci: container c1 has no cgroup" ]
	as_user kill c1 KILL
	wait_until 10 sh -c "[ \"\$(runuser -u $ROOTLESS_USER -- env XDG_RUNTIME_DIR=$XDG $ROCI state c1 | jq -r .status)\" = stopped ]"
	as_user delete c1
	[ -z "$(ls -A "$XDG/roci")" ]
}

@test "rootless: without XDG_RUNTIME_DIR, or with one the user cannot write, a clear error and nothing made" {
	rrun runuser -u "$ROOTLESS_USER" -- env -u XDG_RUNTIME_DIR "$ROCI" run -b "$UB/b" x1
	[ "$status" -eq 1 ]
	[ "$output" = "roci: XDG_RUNTIME_DIR is not set: a rootless roci keeps its state in \$XDG_RUNTIME_DIR/roci (or give --root DIR)" ]
	local foreign
	foreign=$(mktemp -d /run/roci-rootless-foreign.XXXXXX)
	chmod 755 "$foreign"
	rrun runuser -u "$ROOTLESS_USER" -- env XDG_RUNTIME_DIR="$foreign" "$ROCI" run -b "$UB/b" x2
	[ "$status" -eq 1 ]
	[[ "$output" == "roci: mkdir $foreign/roci (the path in XDG_RUNTIME_DIR must be writable by the user): Permission denied" ]]
	[ -z "$(ls -A "$foreign")" ]
	# a state root that someone else owns is refused too
	mkdir -m 1700 "$foreign/roci"
	rrun runuser -u "$ROOTLESS_USER" -- env XDG_RUNTIME_DIR="$foreign" "$ROCI" list
	[ "$status" -eq 1 ]
	[[ "$output" == "roci: state root $foreign/roci (check the permissions of XDG_RUNTIME_DIR): Operation not permitted" ]]
	rm -rf "$foreign"
	# spec needs no state root at all
	rrun runuser -u "$ROOTLESS_USER" -- env -u XDG_RUNTIME_DIR "$ROCI" spec --rootless -b /nonexistent
	[[ "$output" != *XDG_RUNTIME_DIR* ]]
}

@test "--rootless takes true, false or auto; root on the host keeps /run-style state whatever XDG_RUNTIME_DIR says" {
	rrun "$ROCI" --rootless maybe --root "$STATE" list
	[ "$status" -eq 1 ]
	[ "$output" = "roci: invalid --rootless maybe (want true, false or auto)" ]
	local v
	for v in true false auto; do
		rrun "$ROCI" --rootless "$v" --root "$STATE" list -q
		[ "$status" -eq 0 ]
	done
	# root in the host's user namespace ignores XDG_RUNTIME_DIR (runc
	# does too): nothing is made there
	rrun env XDG_RUNTIME_DIR="$XDG" "$ROCI" --root "$STATE" list -q
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$XDG")" ]
	# and root in a user namespace of its own is rootless: its state goes
	# under XDG_RUNTIME_DIR
	local mine
	mine=$(mktemp -d /run/roci-rootless-root.XXXXXX)
	rrun env XDG_RUNTIME_DIR="$mine" USER=someone unshare --user --map-root-user "$ROCI" list -q
	[ "$status" -eq 0 ]
	[ -d "$mine/roci" ]
	rm -rf "$mine"
}

@test "rootless: more than the user's own ids go through newuidmap and newgidmap, within /etc/subuid and /etc/subgid" {
	local su sg
	su=$(awk -F: -v u="$ROOTLESS_USER" '$1 == u {print $2; exit}' /etc/subuid)
	sg=$(awk -F: -v u="$ROOTLESS_USER" '$1 == u {print $2; exit}' /etc/subgid)
	jq --argjson u "$USER_UID" --argjson g "$USER_GID" --argjson su "$su" --argjson sg "$sg" '
		.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: 65536}] |
		.linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: 65536}] |
		.process.args = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups | tr -s \" \""]' \
		"$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
	rrun as_user run -b "$UB/b" m1
	[ "$status" -eq 0 ]
	# newgidmap leaves setgroups allowed
	[ "$output" = " 0 $USER_UID 1"$'\n'" 1 $su 65536"$'\n'" 0 $USER_GID 1"$'\n'" 1 $sg 65536"$'\n'allow ]
	# a range the user was not given: newuidmap's reason, nothing left
	jq '.linux.uidMappings[1].hostID = 5000 | .process.args = ["sleep", "100"]' "$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
	rrun as_user run -b "$UB/b" m2
	[ "$status" -eq 1 ]
	[[ "$output" == "roci: newuidmap "[0-9]*": newuidmap: uid range [1-65537) -> [5000-70536) not allowed" ]]
	[ -z "$(ls -A "$XDG/roci")" ]
	! pgrep -u "$USER_UID" -f "sleep 100" || false
	# without newuidmap: a clear error, nothing left
	rrun runuser -u "$ROOTLESS_USER" -- env XDG_RUNTIME_DIR="$XDG" PATH=/nonexistent "$ROCI" run -b "$UB/b" m3
	[ "$status" -eq 1 ]
	[ "$output" = "roci: newuidmap not found: a rootless container with more than the user's own id needs newuidmap and newgidmap (Debian's uidmap)" ]
	[ -z "$(ls -A "$XDG/roci")" ]
}

@test "rootless: without its own network namespace sysfs is refused, and the host's /sys is bound instead, read-only, nosuid, nodev, noexec" {
	# what podman makes of --network=host: a sysfs mount, no network namespace
	jq '.linux.namespaces |= map(select(.type != "network")) |
		.mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "sysfs", source: "sysfs",
			options: ["nosuid", "noexec", "nodev", "ro"]} else . end) |
		.process.args = ["sh", "-c", "grep \" /sys \" /proc/self/mounts | cut -d\" \" -f3,4; echo net: $(ls /sys/class/net | sort); touch /sys/x 2>/dev/null || echo read-only"]' \
		"$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
	rrun as_user --debug run -b "$UB/b" y1
	[ "$status" -eq 0 ]
	grep -qx 'roci: debug: mount sysfs on /sys: not permitted, binding /sys' <<<"$output"
	[[ "$(grep '^sysfs ' <<<"$output")" == "sysfs ro,nosuid,nodev,noexec,"* ]]
	grep -qx read-only <<<"$output"
	# the host's network devices: its /sys, not a new one
	[ "$(grep '^net: ' <<<"$output")" = "net: $(ls /sys/class/net | LC_ALL=C sort | xargs)" ]
	# with its own network namespace, a new sysfs: its lo alone, nothing bound
	jq '.linux.namespaces += [{type: "network"}]' "$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
	rrun as_user --debug run -b "$UB/b" y2
	[ "$status" -eq 0 ]
	! grep -q 'binding /sys' <<<"$output" || false
	grep -qx 'net: lo' <<<"$output"
	[[ "$(grep '^sysfs ' <<<"$output")" == "sysfs ro,nosuid,nodev,noexec,"* ]]
	[ -z "$(ls -A "$XDG/roci")" ]
}

# the cgroup2 mount: /sys/fs/cgroup on pure v2, its unified part on hybrid
v2_mount() {
	awk '$3 == "cgroup2" {print $2; exit}' /proc/self/mounts
}

@test "rootless: a cgroup v2 subtree delegated to the user holds the container, pauses it, and has and updates its limits where it has the controllers" {
	local v2
	v2=$(v2_mount)
	[ -n "$v2" ] || skip "no cgroup2 mount on this host"
	# delegated as systemd delegates user@UID.service: the directory and
	# its procs, threads and subtree_control files belong to the user,
	# whose processes live in a leaf below it (a cgroup that hands
	# controllers down may hold no process)
	local d=$v2/roci-rootless-deleg-$$
	DELEG=$d
	mkdir "$d" "$d/session"
	chown "$USER_UID:$USER_GID" "$d" "$d/cgroup.procs" "$d/cgroup.threads" "$d/cgroup.subtree_control" \
		"$d/session" "$d/session/cgroup.procs" "$d/session/cgroup.threads"
	local limits=0 filter='.linux.cgroupsPath = "/roci-rootless-deleg-'$$'/dg1" | .process.args = ["sleep", "100"]'
	if grep -qw memory "$d/cgroup.controllers" && grep -qw pids "$d/cgroup.controllers"; then
		# pure v2: the user hands the controllers down and gets limits
		as_rootless sh -c "echo '+memory +pids' >$d/cgroup.subtree_control"
		limits=1
		filter+=' | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
	fi
	jq "$filter" "$UB/b/config.json" >"$UB/c.json"
	mv "$UB/c.json" "$UB/b/config.json"
	chmod 644 "$UB/b/config.json"
	# the user's roci starts inside its subtree, as in a user session
	rrun sh -c "echo \$\$ >$d/session/cgroup.procs && exec runuser -u $ROOTLESS_USER -- env XDG_RUNTIME_DIR=$XDG $ROCI run -d -b $UB/b dg1"
	[ "$status" -eq 0 ]
	local pid
	pid=$(as_user state dg1 | jq .pid)
	[ "$(grep '^0::' "/proc/$pid/cgroup")" = "0::/roci-rootless-deleg-$$/dg1" ]
	[ "$(stat -c %u "$d/dg1")" = "$USER_UID" ]
	# the v2 freezer needs no controller: pause and resume as the user
	as_user pause dg1
	[ "$(as_user state dg1 | jq -r .status)" = paused ]
	[ "$(cat "$d/dg1/cgroup.freeze")" = 1 ]
	as_user resume dg1
	[ "$(as_user state dg1 | jq -r .status)" = running ]
	if [ "$limits" = 1 ]; then
		[ "$(cat "$d/dg1/memory.max")" = 67108864 ]
		[ "$(cat "$d/dg1/pids.max")" = 20 ]
		# and update changes them, as the user
		as_user update --memory 134217728 --pids-limit 30 dg1
		[ "$(cat "$d/dg1/memory.max")" = 134217728 ]
		[ "$(cat "$d/dg1/pids.max")" = 30 ]
	fi
	as_user delete -f dg1
	[ ! -e "$d/dg1" ]
}
