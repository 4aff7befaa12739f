/* SPDX-License-Identifier: Apache-2.0 */
/* roci run [create options] [-d|--detach] [--keep] ID
 * In the foreground: forward signals to the container, exit with its status
 * (128+N when signal N killed it), then delete it unless --keep. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/terminal.h"
#include "runtime/container.h"

static void forwardable_signals(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGABRT);
}

/* Wait for the container init, forwarding signals; returns its exit code. */
static int wait_foreground(const struct roci_created *cr, int sfd)
{
	if (cr->pty_master >= 0) {
		pid_t proxy = fork();
		if (proxy == 0) {
			roci_terminal_proxy(cr->pty_master, cr->pidfd);
			_exit(0);
		}
	}
	struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = cr->pidfd, .events = POLLIN } };
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, WNOHANG);
		if (w == cr->pid) {
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			if (WIFSIGNALED(status))
				return 128 + WTERMSIG(status);
		}
		if (w > 0)
			continue;
		int n = poll(pfd, 2, -1);
		if (n < 0 && errno != EINTR)
			return 255;
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
				if (si.ssi_signo == SIGWINCH && cr->pty_master >= 0)
					continue;
				kill(cr->pid, (int)si.ssi_signo);
			}
		}
	}
}

int roci_cmd_run(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	struct roci_create_opts o;
	bool detach = false, keep = false;
	int r = roci_cli_parse_create(g, argc, argv, true, &o, &detach, &keep, err);
	if (r < 0)
		return r;
	o.foreground = !detach;

	sigset_t set, old;
	int sfd = -1;
	if (!detach) {
		/* Block the signals now; they are forwarded once the container runs. */
		forwardable_signals(&set);
		sigprocmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	}
	struct roci_created cr = { .pidfd = -1, .pty_master = -1 };
	r = roci_container_create(&o, &cr, err);
	if (!detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	if (!detach)
		sigprocmask(SIG_BLOCK, &set, NULL);
	r = roci_container_start(g->root, o.id, &g->log, err);
	if (r < 0) {
		struct roci_err derr = { 0 };
		roci_container_delete(g->root, o.id, true, &g->log, &derr);
		return r;
	}
	if (detach)
		return 0;
	g->exit_status = wait_foreground(&cr, sfd);
	if (!keep) {
		r = roci_container_delete(g->root, o.id, true, &g->log, err);
		if (r < 0)
			return r;
	}
	return 0;
}
