#!/usr/bin/env bats
# Drop-in install: the runc_symlink Meson option installs a
# `runc` symlink to roci, and a caller that looks runc up by name (here
# containerd's runc v2 shim, without --runc-binary) runs roci.
load lib
CTR_ID=roci-dropin1

setup_file() {
	install_callers
	callers_tmp
	# a build of its own: the main one keeps the default options (and
	# without the manual, which `meson compile roci` would not make)
	meson setup "$CB/build" -Drunc_symlink=true -Dman=disabled >/dev/null
	meson compile -C "$CB/build" roci >/dev/null
	DESTDIR=$CB/dest meson install -C "$CB/build" --quiet --no-rebuild
	export BIN=$CB/dest/usr/local/bin
	if ! PATH=$BIN:$PATH start_containerd || ! ctr_import_busybox; then
		callers_cleanup
		return 1
	fi
}

teardown_file() {
	callers_cleanup
}

setup() { :; }
teardown() { :; }

@test "meson install -Drunc_symlink=true: runc is a symlink to roci" {
	[ "$(readlink "$BIN/runc")" = roci ]
	run "$BIN/runc" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "roci version "* ]]
	# off by default
	run meson introspect --buildoptions "$REPO/meson.build"
	[ "$(jq -r '.[] | select(.name == "runc_symlink") | .value' <<<"$output")" = false ]
}

@test "containerd's shim runs roci when it looks runc up by name" {
	# the shim runs "runc" from containerd's PATH, which has $BIN first
	ctrc run -d --null-io --runtime io.containerd.runc.v2 --runc-root "$CTR_ROOT" \
		"$IMAGE" "$CTR_ID" sleep 1000
	local pid
	pid=$(ctrc task ls | awk -v id="$CTR_ID" '$1 == id && $3 == "RUNNING" {print $2}')
	[ -n "$pid" ]
	run "$BIN/roci" --root "$CTR_ROOT/default" state "$CTR_ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" = "$pid" ]
	# Debian's own runc cannot read roci's state
	run /usr/sbin/runc --root "$CTR_ROOT/default" state "$CTR_ID"
	[ "$status" -ne 0 ]
	ctrc task kill -s KILL "$CTR_ID"
	wait_for "the task to stop" 30 bash -c "ctr -a $CTD_SOCK task ls | grep -q '^$CTR_ID .* STOPPED'"
	ctrc task rm "$CTR_ID"
	ctrc containers rm "$CTR_ID"
	[ -z "$(ls -A "$CTR_ROOT/default")" ]
}
