#!/usr/bin/env bats
# `run` and foreground `exec -t` on a real terminal: tmux holds the caller's
# pty, send-keys types, capture-pane reads the screen.

load helpers

setup() {
	common_setup
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s t -x 120 -y 40 "env PS1='host\$ ' bash --norc --noprofile"
	tmux -S "$TMUX_SOCK" set-option -g window-size manual
	wait_screen 'host\$'
}

teardown() {
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	common_teardown
}

# type TEXT: send TEXT and Enter to the pane
type_line() {
	tmux -S "$TMUX_SOCK" send-keys -t t -l "$1"
	tmux -S "$TMUX_SOCK" send-keys -t t Enter
}

# wait_screen REGEX: poll the pane until a line matches (20 s)
wait_screen() {
	local i
	for i in $(seq 200); do
		tmux -S "$TMUX_SOCK" capture-pane -p -t t -S -100 | grep -qE "$1" && return 0
		sleep 0.1
	done
	echo "screen never matched $1:" >&2
	tmux -S "$TMUX_SOCK" capture-pane -p -t t -S -100 >&2
	return 1
}

# the interactive part, the same for run and exec: a shell, its window
# size and a resize, Ctrl-C to its foreground job, and its exit status
drive_shell() {
	wait_screen '^ctr#'
	type_line 'tty; stty size'
	wait_screen '^40 120$'
	wait_screen '^/dev/pts/[0-9]+$'
	tmux -S "$TMUX_SOCK" resize-window -t t -x 100 -y 30
	type_line 'stty size'
	wait_screen '^30 100$'
	type_line 'sleep 100'
	local i
	for i in $(seq 100); do pgrep -x -f 'sleep 100' >/dev/null && break; sleep 0.1; done
	tmux -S "$TMUX_SOCK" send-keys -t t C-c
	# the shell saw its job die of SIGINT
	type_line 'echo "after=$?"'
	wait_screen '^after=130'
	type_line 'exit 4'
	wait_screen '^rc=4$'
}

@test "run -t: an interactive shell, resize, Ctrl-C, and the caller's terminal restored" {
	update_config '.process.terminal = true | .process.env += ["PS1=ctr# "]'
	set_args sh
	type_line "stty -a >$BATS_TEST_TMPDIR/before"
	type_line "$ROCI --root $STATE run -b $BUNDLE c1; echo rc=\$?"
	drive_shell
	type_line "stty -a >$BATS_TEST_TMPDIR/after; echo saved"
	wait_screen '^saved$'
	diff "$BATS_TEST_TMPDIR/before" <(sed 's/rows 30; columns 100/rows 40; columns 120/' "$BATS_TEST_TMPDIR/after")
}

@test "exec -t: an interactive shell, resize, Ctrl-C, and the caller's terminal restored" {
	update_config '.process.env += ["PS1=ctr# "]'
	set_args sleep 1000
	roci run -d -b "$BUNDLE" c1 </dev/null >/dev/null 2>&1
	type_line "stty -a >$BATS_TEST_TMPDIR/before"
	type_line "$ROCI --root $STATE exec -t c1 sh; echo rc=\$?"
	drive_shell
	type_line "stty -a >$BATS_TEST_TMPDIR/after; echo saved"
	wait_screen '^saved$'
	diff "$BATS_TEST_TMPDIR/before" <(sed 's/rows 30; columns 100/rows 40; columns 120/' "$BATS_TEST_TMPDIR/after")
}
