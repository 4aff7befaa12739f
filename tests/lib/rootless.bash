# A user for the rootless tests (issue 17), made once and kept: it has a
# home (rootless podman keeps its storage there) and subordinate id
# ranges (useradd adds them), and a runtime directory as pam_systemd would
# make one. For bats files:
#   rootless_user          in setup_file: make the user if missing; sets
#                          ROOTLESS_USER, USER_UID, USER_GID
#   rootless_xdg           a fresh XDG_RUNTIME_DIR for it (echoes the path)
#   as_rootless CMD...     CMD as the user, with HOME and $XDG
#   rootless_bundle DIR    a bundle the user can read at DIR/b (DIR made
#                          here, mode 755): busybox, the user's own
#                          `roci spec --rootless` namespaces, mounts and
#                          maps, running `sh -c "id -u; echo hi"`
ROOTLESS_USER=roci-rootless

rootless_user() {
	if ! id -u "$ROOTLESS_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/sh "$ROOTLESS_USER"
	fi
	grep -q "^$ROOTLESS_USER:" /etc/subuid || echo "$ROOTLESS_USER:200000:65536" >>/etc/subuid
	grep -q "^$ROOTLESS_USER:" /etc/subgid || echo "$ROOTLESS_USER:200000:65536" >>/etc/subgid
	USER_UID=$(id -u "$ROOTLESS_USER")
	USER_GID=$(id -g "$ROOTLESS_USER")
	USER_HOME=$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)
	export ROOTLESS_USER USER_UID USER_GID USER_HOME
}

rootless_xdg() {
	local d
	d=$(mktemp -d /run/roci-rootless-xdg.XXXXXX)
	chown "$USER_UID:$USER_GID" "$d"
	chmod 700 "$d"
	echo "$d"
}

as_rootless() {
	runuser -u "$ROOTLESS_USER" -- env HOME="$USER_HOME" USER="$ROOTLESS_USER" XDG_RUNTIME_DIR="$XDG" "$@"
}

rootless_bundle() {
	mkdir -p "$1"
	chmod 755 "$1"
	make_bundle "$1/b"
	mkdir "$1/spec"
	chown "$USER_UID" "$1/spec"
	runuser -u "$ROOTLESS_USER" -- "$ROCI" spec --rootless -b "$1/spec"
	[ "$(jq '.linux.uidMappings[0].hostID' "$1/spec/config.json")" = "$USER_UID" ]
	jq --slurpfile s "$1/spec/config.json" \
		'.linux = $s[0].linux | .mounts = $s[0].mounts | .process.args = ["sh", "-c", "id -u; echo hi"]' \
		"$1/b/config.json" >"$1/c.json"
	mv "$1/c.json" "$1/b/config.json"
	chmod 644 "$1/b/config.json"
}
