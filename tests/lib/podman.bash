# podman as a caller of roci, with private config and storage so that the
# host's /etc stays untouched (environment-notes.md). For bats files:
#   podman_setup MANAGER [LINE...]  in setup_file: containers.conf with the
#                                   cgroup manager and extra [containers]
#                                   lines, storage.conf, the roci wrapper,
#                                   and the busybox image
#   podman_teardown                 in teardown_file
#   pm ARGS...                      podman with roci as its runtime
#   podman_wrapper PATH RUNTIME ROOT
#                                   another argv-logging wrapper
podman_setup() {
	local manager=$1
	shift
	export PM=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PM"
	chmod 755 "$BATS_FILE_TMPDIR" "$PM"
	{
		echo '[containers]'
		echo 'default_ulimits = ["nofile=10240:10240", "nproc=32768:32768"]'
		echo 'log_driver = "k8s-file"'
		printf '%s\n' "$@"
		echo '[engine]'
		echo "cgroup_manager = \"$manager\""
		echo 'events_logger = "file"'
		# podman's default (/run/libpod: exit files, events, its "alive"
		# lock) is shared by every podman on the host, and another's
		# `system reset` empties it
		echo "tmp_dir = \"$PM/tmp\""
	} >"$PM/containers.conf"
	cat >"$PM/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$PM/graph"
runroot = "$PM/run"
EOC
	# podman's cleanup drops --runtime-flag: a wrapper gives roci its root;
	# it logs each command line to $PM/argv.log
	podman_wrapper "$PM/roci" "$ROCI" "$PM/roci-state"
	export CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf
	tar -C "$(rootfs_cache)" -c . | podman import - localhost/roci-busybox:latest >/dev/null
}

# podman_wrapper PATH RUNTIME ROOT: a script at PATH that appends its
# arguments to $PM/argv.log (one line per call, prefixed with its own name)
# and execs RUNTIME --root ROOT with them
podman_wrapper() {
	printf '#!/bin/sh\nprintf "%%s: %%s\\n" "${0##*/}" "$*" >>%s\nexec %s --root %s "$@"\n' \
		"$PM/argv.log" "$2" "$3" >"$1"
	chmod 755 "$1"
}

podman_teardown() {
	podman rm -af -t 0 >/dev/null 2>&1 || true
	# whatever podman could not remove: roci kills it and removes its
	# cgroups (its conmon then exits)
	local id
	for id in $(ls "$PM/roci-state" 2>/dev/null); do
		"$ROCI" --root "$PM/roci-state" delete -f "$id" >/dev/null 2>&1 || true
	done
	podman system reset -f >/dev/null 2>&1 || true
	umount -R "$PM/graph" 2>/dev/null || true
}

pm() {
	podman --runtime "$PM/roci" "$@"
}
