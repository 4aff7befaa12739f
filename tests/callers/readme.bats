#!/usr/bin/env bats
# The README's recipes, run as written: each fenced block that follows a
# `<!-- recipe: NAME -->` line, from the repository root (the install
# recipe from a fresh copy of it), as root, in a private mount namespace
# whose /usr/local is a tmpfs holding this build's roci (the install recipe
# fills it itself), so the system's /usr/local stays untouched.
load lib

# the fixed paths the recipes use
RECIPE_DIRS="/tmp/tour /tmp/roci-podman /tmp/roci-ctd /tmp/roci-docker"

# recipe NAME: the recipe's text
recipe() {
	awk -v want="<!-- recipe: $1 -->" '
		$0 == want { found = 1; next }
		found && /^```sh$/ { inside = 1; next }
		inside && /^```$/ { exit }
		inside { print }' "$REPO/README.md"
}

# run_recipe NAME [DIR] [--no-roci]: run it with bash in DIR (default: the
# repository root); $output holds its stdout and stderr
run_recipe() {
	local name=$1 dir=${2:-$REPO} install=${3:-}
	recipe "$name" >"$BATS_TEST_TMPDIR/$name.sh"
	[ -s "$BATS_TEST_TMPDIR/$name.sh" ]
	local prep='mount -t tmpfs tmpfs /usr/local && mkdir -p /usr/local/bin'
	[ "$install" = --no-roci ] || prep="$prep && cp \"\$ROCI\" /usr/local/bin/roci"
	run timeout 600 unshare --mount --propagation private \
		bash -c "$prep && cd \"\$1\" && exec bash \"\$2\" </dev/null" recipe "$dir" "$BATS_TEST_TMPDIR/$name.sh"
	echo "$output"
}

tidy() {
	local d m
	for d in $RECIPE_DIRS; do
		grep -o " $d/[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
		rm -rf "$d"
	done
}

setup_file() {
	install_callers
	"$REPO/tests/lib/deps.sh" podman conmon busybox-static jq file
}

setup() { tidy; }

teardown() {
	"$ROCI" delete -f tour1 >/dev/null 2>&1 || true
	tidy
}

@test "every recipe in the README is one of these tests" {
	run grep -c '^<!-- recipe: ' "$REPO/README.md"
	[ "$output" -eq 5 ]
	# and every sh block is a recipe, apart from the two newcomer commands
	# (demo.sh: newcomer.bats; tests/run.sh: CI itself)
	run awk '/^```sh$/ { n++ } END { print n }' "$REPO/README.md"
	[ "$output" -eq 6 ]
}

@test "README recipe: install (meson setup, install, dynamic and musl builds, the minimal profile)" {
	local copy=$BATS_TEST_TMPDIR/repo
	mkdir "$copy"
	(cd "$REPO" && git ls-files -z | xargs -0 tar -c) | tar -C "$copy" -x
	run_recipe install "$copy" --no-roci
	[ "$status" -eq 0 ]
	local out=$output
	run file "$copy/build/roci"
	[[ "$output" == *"statically linked"* ]]
	"$copy/build/roci" --version | grep -q '^roci version '
	run file "$copy/build-dynamic/roci"
	[[ "$output" == *"dynamically linked"* ]]
	# jansson and libseccomp are linked in: libc is the only shared library
	run ldd "$copy/build-dynamic/roci"
	! grep -E 'libjansson|libseccomp' <<<"$output" || false
	"$copy/build-dynamic/roci" --version | grep -q '^roci version '
	# the musl build: static, and it says so
	run file "$copy/build-musl/roci"
	[[ "$output" == *"statically linked"* ]]
	"$copy/build-musl/roci" --version | grep -qx 'libc: musl'
	# and the minimal profile: no optional feature
	run "$copy/build-musl-min/roci" --version
	[[ "$output" == *$'\nlibc: musl\nown libc functions: malloc memcpy\nfunction order: default\nprofile: minimal\nfeatures:' ]]
	# meson install put it in the (private) /usr/local/bin
	[[ "$out" == *"Installing roci to /usr/local/bin"* ]]
	# and the manual, one page per command
	[[ "$out" == *"Installing man/roci.8 to /usr/local/share/man/man8"* ]]
	[[ "$out" == *"Installing man/roci-run.8 to /usr/local/share/man/man8"* ]]
}

@test "README recipe: by hand (spec, run -d, exec, list, delete)" {
	run_recipe tour
	[ "$status" -eq 0 ]
	[[ "$output" == *$'hello\nexec exited 3'* ]]
	[[ "$output" == *"tour1 "*running* ]]
	# deleted: nothing left in the default root
	[ ! -e /run/roci/tour1 ]
}

@test "README recipe: podman" {
	run_recipe podman
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from podman"* ]]
	[[ "$output" == *"podman run exited 4"* ]]
}

@test "README recipe: containerd" {
	run_recipe containerd
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from containerd"* ]]
	! pgrep -f "containerd --config /tmp/roci-ctd/config.toml" || false
}

@test "README recipe: Docker" {
	run_recipe docker
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello from docker"* ]]
	! pgrep -f "dockerd --config-file /tmp/roci-docker/daemon.json" || false
}
