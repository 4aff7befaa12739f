#!/usr/bin/env bats
# Global options, spec, features, and argument handling.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "version: roci version then spec" {
	run "$ROCI" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^roci\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ "${lines[1]}" = "spec: 1.3.0" ]
	[[ "${lines[2]}" =~ ^libc:\ (glibc\ [0-9]+\.[0-9]+|musl)$ ]]
	run "$ROCI" -v
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "roci version "* ]]
}

@test "help lists the commands" {
	run "$ROCI" --help
	[ "$status" -eq 0 ]
	for c in create start run state kill delete list spec features; do
		[[ "$output" == *"  $c "* ]]
	done
}

@test "unknown command and unknown option fail clearly" {
	run "$ROCI" frobnicate
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown command "frobnicate"'* ]]
	run "$ROCI" --bogus list
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown global option"* ]]
	run roci kill
	[ "$status" -ne 0 ]
	run roci state
	[ "$status" -ne 0 ]
	[[ "$output" == *"expected exactly 1 argument"* ]]
}

@test "spec writes a config that runs sh, with no inheritable capabilities" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir -p "$d"
	run "$ROCI" spec -b "$d"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.process.args[0]' "$d/config.json")" = sh ]
	[ "$(jq -r .ociVersion "$d/config.json")" = 1.3.0 ]
	[ "$(jq '.process.capabilities | has("inheritable")' "$d/config.json")" = false ]
	[ "$(jq '.process.capabilities | has("ambient")' "$d/config.json")" = false ]
	[ "$(jq '.process.capabilities.bounding | length' "$d/config.json")" -gt 0 ]
}

@test "spec refuses to overwrite config.json" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir -p "$d"
	echo keep >"$d/config.json"
	run "$ROCI" spec -b "$d"
	[ "$status" -ne 0 ]
	[[ "$output" == *"exists"* ]]
	[ "$(cat "$d/config.json")" = keep ]
}

@test "spec --rootless maps the caller into a user namespace" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir -p "$d"
	run "$ROCI" spec --rootless -b "$d"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.linux.namespaces[].type] | index("user") != null' "$d/config.json")" = true ]
	[ "$(jq -r '[.linux.namespaces[].type] | index("network") == null' "$d/config.json")" = true ]
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$d/config.json")" = "$(id -u)" ]
}

@test "features describes this build" {
	run "$ROCI" features
	[ "$status" -eq 0 ]
	[ "$(jq -r .ociVersionMax <<<"$output")" = 1.3.0 ]
	[ "$(jq '.hooks | length' <<<"$output")" -eq 6 ]
	[ "$(jq '.linux.namespaces | length' <<<"$output")" -eq 8 ]
	[ "$(jq '.mountOptions | index("rro") != null' <<<"$output")" = true ]
	[ "$(jq '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$output")" = true ]
}

@test "--log-format json writes JSON lines with level, msg and time" {
	run "$ROCI" --root "$STATE" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nope
	[ "$status" -ne 0 ]
	[[ "$output" == *'container "nope" does not exist'* ]]
	run jq -r '[.level, .msg, (.time | length > 0)] | @tsv' "$BATS_TEST_TMPDIR/log.json"
	[ "$output" = $'error\tcontainer "nope" does not exist\ttrue' ]
}

@test "a text --log file writes every level alike: time, level and msg, quotes escaped; stderr keeps roci: lines" {
	local log=$BATS_TEST_TMPDIR/log.txt
	run "$ROCI" --root "$STATE" --debug --log "$log" state nope
	[ "$status" -ne 0 ]
	# stderr: the error once, for a person
	[ "$output" = 'roci: container "nope" does not exist' ]
	cat "$log"
	# the file: a debug line, then the error, in one format
	[ "$(wc -l <"$log")" -eq 2 ]
	local ts='time="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"'
	grep -Eq "^$ts level=debug msg=\"roci [^\"]*: state nope\"\$" "$log"
	grep -Eq "^$ts level=error msg=\"container \\\\\"nope\\\\\" does not exist\"\$" "$log"
	! grep -q '^roci: ' "$log" || false
}

@test "global and command options may follow positional arguments" {
	rrun roci create c1 --bundle "$BUNDLE"
	[ "$status" -eq 0 ]
	[ "$(container_status c1)" = created ]
	run roci delete c1 --force
	[ "$status" -eq 0 ]
}

@test "every command answers -h and --help with its usage" {
	local cmd h
	for cmd in create start run exec state kill delete list pause resume ps update events spec features; do
		for h in -h --help; do
			run "$ROCI" --root "$STATE" "$cmd" "$h"
			[ "$status" -eq 0 ] || { echo "$cmd $h: status $status" >&2; return 1; }
			[[ "${lines[0]}" == "usage: roci $cmd"* ]] || { echo "$cmd $h: $output" >&2; return 1; }
		done
	done
	# an option a command does not have is an error, not an id
	run "$ROCI" --root "$STATE" state --nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"invalid option --nope"* ]]
}

@test "every error reaches the --log file as a JSON error line" {
	local log=$BATS_TEST_TMPDIR/log.json
	rl() { "$ROCI" --root "$STATE" --log "$log" --log-format json "$@"; }
	# one line per failure: unknown command, unknown flag, missing
	# argument, unknown global option, and a failed exec
	run rl nosuchcmd
	[ "$status" -ne 0 ]
	run rl kill --nope c1
	[ "$status" -ne 0 ]
	run rl start
	[ "$status" -ne 0 ]
	run "$ROCI" --root "$STATE" --log "$log" --log-format json --nope state c1
	[ "$status" -ne 0 ]
	set_args sleep 1000
	rl run -d -b "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	run rl exec c1 nosuchprog
	[ "$status" -ne 0 ]
	# first line of each message (a usage line may follow)
	run jq -r 'select(.level == "error") | .msg | split("\n")[0]' "$log"
	[ "${#lines[@]}" -eq 5 ]
	[[ "${lines[0]}" == *'unknown command "nosuchcmd"'* ]]
	[[ "${lines[1]}" == *"unknown option --nope"* ]]
	[[ "${lines[2]}" == *"expected exactly 1 argument"* ]]
	[[ "${lines[3]}" == *"unknown global option --nope"* ]]
	[[ "${lines[4]}" == *'exec: "nosuchprog": executable file not found in $PATH'* ]]
}

# podman and containerd pass --debug when their own log level is debug
@test "--debug logs each step of create, start, exec and delete, in JSON and text" {
	local log=$BATS_TEST_TMPDIR/log.json
	set_args sleep 1000
	"$ROCI" --root "$STATE" --debug --log "$log" --log-format json create -b "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	"$ROCI" --root "$STATE" --debug --log "$log" --log-format json start c1
	"$ROCI" --root "$STATE" --debug --log "$log" --log-format json exec c1 true
	"$ROCI" --root "$STATE" --debug --log "$log" --log-format json delete -f c1
	# every line is JSON with level debug (nothing failed)
	run jq -r '.level' "$log"
	[ "$(sort -u <<<"$output")" = debug ]
	run jq -r '.msg' "$log"
	echo "$output"
	[[ "$output" == *"create c1: state directory $STATE/c1"* ]]
	[[ "$output" == *"create c1: init cloned, pid "* ]]
	[[ "$output" == *"create c1: created, init pid "* ]]
	# no hooks: start returns once the init goes on, as runc's does
	[[ "$output" == *"start c1: the init goes on"* ]]
	[[ "$output" == *"exec c1: process true, cwd /, uid 0 gid 0"* ]]
	[[ "$output" == *"exec c1: process pid "*" is running"* ]]
	[[ "$output" == *"delete c1: killing init pid "* ]]
	[[ "$output" == *"delete c1: removing state directory $STATE/c1"* ]]
	# text to stderr, and nothing without --debug
	set_args true
	run "$ROCI" --root "$STATE" --debug run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[[ "$output" == *"roci: debug: create c2: created, init pid "* ]]
	run "$ROCI" --root "$STATE" run -b "$BUNDLE" c3
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# text to a file: time, level=debug and msg
	"$ROCI" --root "$STATE" --debug --log "$BATS_TEST_TMPDIR/log.txt" run -b "$BUNDLE" c4
	grep -Eq '^time="[^"]+" level=debug msg="delete c4: removing state directory' "$BATS_TEST_TMPDIR/log.txt"
}

@test "each command's --help usage is the synopsis of its manual page, and roci(8) lists every command" {
	local man=${ROCI%/*}/man c usage synopsis n=0
	[ -s "$man/roci.8" ] || { echo "no manual pages beside $ROCI (scdoc)" >&2; return 1; }
	for c in $("$ROCI" --help | awk '/^Commands:/ { f = 1; next } f && NF == 0 { exit } f { print $1 }'); do
		usage=$("$ROCI" "$c" --help | sed -n '1s/^usage: roci /roci [global options] /p')
		[ -n "$usage" ]
		# the line after SYNOPSIS, without roff's font changes
		synopsis=$(awk '/^\.SH SYNOPSIS/ { f = 1; next } f && !/^\./ { print; exit }' "$man/roci-$c.8" |
			sed 's/\\f[BIR]//g; s/\\&//g')
		[ "$synopsis" = "$usage" ] || { printf '%s:\n  --help: %s\n  man:    %s\n' "$c" "$usage" "$synopsis" >&2; return 1; }
		grep -q "roci-$c" "$man/roci.8"
		n=$((n + 1))
	done
	[ "$n" -eq 17 ]
}
