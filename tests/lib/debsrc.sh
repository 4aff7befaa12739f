# tests/lib/debsrc.sh (sourced): download Debian source packages with a
# private apt configuration, so nothing under /etc/apt or /var/lib/apt
# changes. The archive and suite are those the machine's own apt sources
# name for its Debian release (a deb-src line for that archive).
#   debsrc_fetch WORK SRC [DEVPKG]: the source package SRC into WORK/src
#     (WORK/lists and WORK/cache hold apt's own files, WORK/apt.log its
#     output): the version DEVPKG (default SRC) is built from, when it is
#     installed and the archive still has it, else the suite's own.

debsrc_archive() {
	local a
	a=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
	echo "${a:-http://deb.debian.org/debian}"
}

debsrc_apt() {
	local work=$1
	shift
	apt-get -q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" \
		-o APT::Sandbox::User=root "$@"
}

debsrc_fetch() {
	local work=$1 src=$2 dev=${3:-$2} want suite
	mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
	if [ ! -s "$work/sources.list" ]; then
		suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
		echo "deb-src $(debsrc_archive) $suite main" >"$work/sources.list"
		debsrc_apt "$work" update >>"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; return 1; }
	fi
	want=$(dpkg-query -W -f '${source:Version}' "$dev" 2>/dev/null || true)
	(cd "$work/src" && { { [ -n "$want" ] && debsrc_apt "$work" source --download-only "$src=$want"; } ||
		debsrc_apt "$work" source --download-only "$src"; }) >>"$work/apt.log" 2>&1 ||
		{ echo "cannot download the source of $src:" >&2; tail -n 20 "$work/apt.log" >&2; return 1; }
}
