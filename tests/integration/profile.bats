#!/usr/bin/env bats
# Build profiles and feature options (meson's profile, seccomp, systemd,
# selinux, apparmor, criu, stats): --version and features say what this
# build has, and a config or command that needs a feature the build left
# out fails with an error that names the build option, leaving nothing.
# Runs against every build: the full ones have most features, the static
# musl one has no systemd driver, and CI runs this file against the
# minimal profile too, which has none of them.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

FEATURES="seccomp systemd selinux apparmor criu stats"

# reported FEATURE: what `features` says of it (true or false)
reported() {
	local f
	case $1 in
	seccomp) f='.linux.seccomp.enabled' ;;
	systemd) f='.linux.cgroup.systemd' ;;
	selinux) f='.linux.selinux.enabled' ;;
	apparmor) f='.linux.apparmor.enabled' ;;
	criu) f='.annotations["io.github.roci.checkpoint.enabled"] == "true"' ;;
	stats) f='.annotations["io.github.roci.stats.enabled"] == "true"' ;;
	esac
	"$ROCI" features | jq "$f"
}

@test "profile: --version names the profile and the features, and features agrees on each" {
	run "$ROCI" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ $'\n'profile:\ (full|minimal)$'\n' ]]
	local profile=${output#*profile: }
	profile=${profile%%$'\n'*}
	[ "$("$ROCI" features | jq -r '.annotations["io.github.roci.profile"]')" = "$profile" ]
	local f n=0
	for f in $FEATURES; do
		if roci_built "$f"; then
			[ "$(reported "$f")" = true ] || { echo "$f: built, but features says otherwise" >&2; return 1; }
			n=$((n + 1))
		else
			[ "$(reported "$f")" = false ] || { echo "$f: left out, but features says otherwise" >&2; return 1; }
		fi
	done
	# the minimal profile leaves every one of them out
	[ "$profile" != minimal ] || [ "$n" -eq 0 ]
}

# try FEATURE: ask for FEATURE as a user would; the output in $output
try() {
	case $1 in
	seccomp)
		update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]}'
		rrun roci run -b "$BUNDLE" "p-$1" ;;
	systemd)
		rrun roci --systemd-cgroup run -b "$BUNDLE" "p-$1" ;;
	selinux)
		update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
		rrun roci run -b "$BUNDLE" "p-$1" ;;
	apparmor)
		update_config '.process.apparmorProfile = "roci-test-profile"'
		rrun roci run -b "$BUNDLE" "p-$1" ;;
	criu)
		rrun roci checkpoint --leave-running --image-path "$BATS_TEST_TMPDIR/img" p-sleeper ;;
	stats)
		rrun roci events --stats p-sleeper ;;
	esac
}

@test "profile: a feature the build left out is refused, naming the build option, and leaves nothing" {
	set_args sleep 1000
	roci run -d -b "$BUNDLE" p-sleeper </dev/null
	set_args true
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.orig"
	local f
	for f in $FEATURES; do
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		try "$f"
		if roci_built "$f"; then
			# whatever this host makes of it, never "built without"
			[[ "$output" != *"was built without"* ]] || { echo "$f: built, yet refused as left out" >&2; return 1; }
		else
			[ "$status" -ne 0 ] || { echo "$f: left out, yet accepted" >&2; return 1; }
			[[ "$output" == *"this roci was built without"*"(build option '$f': -D$f=disabled, or left out by -Dprofile=minimal)"* ]] ||
				{ echo "$f: no clear error" >&2; return 1; }
		fi
		# nothing left but the sleeper, which still runs
		roci delete -f "p-$f" >/dev/null 2>&1 || true
		[ "$(roci list -q)" = p-sleeper ]
		[ "$(container_status p-sleeper)" = running ]
		[ ! -e "$BATS_TEST_TMPDIR/img/inventory.img" ] || roci_built criu
	done
	# a refused run made no cgroup either
	if ! roci_built seccomp; then
		cp "$BATS_TEST_TMPDIR/config.orig" "$BUNDLE/config.json"
		try seccomp
		! ls -d /sys/fs/cgroup/*/p-seccomp /sys/fs/cgroup/unified/p-seccomp 2>/dev/null || false
		[ ! -e "$STATE/p-seccomp" ]
	fi
}

@test "profile: events reports OOM kills with or without statistics, and stats only with them" {
	update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}
		| .mounts += [{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["size=64m"]}]'
	set_args sh -c 'sleep 1; head -c 33554432 /dev/zero > /dev/shm/fill; sleep 1'
	roci run -d -b "$BUNDLE" p-ev </dev/null
	rrun tmo 10 "$ROCI" --root "$STATE" events --interval 1s p-ev
	[[ "$output" == *'{"type":"oom","id":"p-ev"}'* ]]
	if roci_built stats; then
		[[ "${lines[0]}" == '{"type":"stats","id":"p-ev","data":{'* ]]
	else
		[[ "$output" != *'"type":"stats"'* ]]
	fi
}
