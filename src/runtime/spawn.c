/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "linux/terminal.h"
#include "runtime/statedir.h"
#include "util/libc_compat.h"
#include "util/unixsock.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int roci_spawn_listen_fds(void)
{
	const char *lf = getenv("LISTEN_FDS"), *lp = getenv("LISTEN_PID");
	if (!lf || !lp || atoi(lp) != (int)getpid())
		return 0;
	int n = atoi(lf);
	return n > 0 && n < 1024 ? n : 0;
}

int roci_spawn_fd_hygiene(int keep, struct roci_err *err)
{
	for (int fd = 3; fd < 3 + keep; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			return roci_fail(err, errno, "open /dev/null");
		if (nfd != fd) {
			if (dup2(nfd, fd) < 0)
				return roci_fail(err, errno, "dup2");
			close(nfd);
		}
	}
	if (close_range(3 + (unsigned)keep, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return roci_fail(err, errno, "close_range");
	return 0;
}

int roci_spawn_check_terminal(bool terminal, const char *console_socket, bool detach,
			      struct roci_err *err)
{
	if (terminal && detach && !console_socket)
		return roci_failx(err, EINVAL,
				  "cannot allocate tty if roci will detach without setting console socket");
	if (!terminal && console_socket)
		return roci_failx(err, EINVAL,
				  "cannot use console socket if roci will not detach or allocate tty");
	return 0;
}

pid_t roci_spawn_clone(const struct roci_config *cfg, const struct roci_ns_plan *plan,
		       int procfs_fd, int *pidfd, int *cg_fd, void (*child)(void *), void *arg,
		       struct roci_err *err)
{
	struct roci_ns_saved saved;
	int r = roci_ns_parent_enter(cfg, plan, procfs_fd, &saved, err);
	if (r < 0) {
		roci_ns_parent_restore(&saved);
		return r;
	}
	pid_t pid = roci_clone3(plan->clone_flags, pidfd, cg_fd);
	if (pid == 0) {
		child(arg);
		_exit(1);
	}
	int clone_errno = errno;
	roci_ns_parent_restore(&saved);
	if (pid < 0)
		return roci_fail(err, clone_errno, "clone container process");
	return pid;
}

int roci_spawn_oom_score_adj(int procfs_fd, pid_t pid, const struct roci_process *p,
			     struct roci_err *err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char rel[64], val[16];
	snprintf(rel, sizeof(rel), "%d/oom_score_adj", (int)pid);
	int n = snprintf(val, sizeof(val), "%d", p->oom_score_adj);
	return roci_procfs_write(procfs_fd, rel, val, (size_t)n, err);
}

int roci_spawn_write_pid_file(const char *path, pid_t pid, struct roci_err *err)
{
	char abs[PATH_MAX], buf[32];
	if (path[0] != '/') {
		if (!getcwd(abs, sizeof(abs)))
			return roci_fail(err, errno, "getcwd");
		size_t n = strlen(abs);
		snprintf(abs + n, sizeof(abs) - n, "/%s", path);
		path = abs;
	}
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	return roci_write_file_atomic(path, buf, (size_t)n, 0644, err);
}

int roci_spawn_send_pidfd(const char *path, int pidfd, struct roci_err *err)
{
	if (pidfd < 0)
		return roci_failx(err, ENOSYS, "--pidfd-socket: the kernel has no pidfds");
	int s = roci_unix_connect(path, "pidfd socket", err);
	if (s < 0)
		return s;
	int r = roci_unix_send_fd(s, pidfd, "pidfd", "pidfd to pidfd socket", err);
	close(s);
	return r;
}

void roci_spawn_forwardable_signals(sigset_t *set)
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

/* The caller's terminal size onto the pty. */
static void follow_window_size(int pty_master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(pty_master, TIOCSWINSZ, &ws);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int roci_spawn_wait_foreground(pid_t pid, int pidfd, int pty_master, int sfd)
{
	pid_t proxy = -1;
	if (pty_master >= 0) {
		proxy = fork();
		if (proxy == 0) {
			roci_terminal_proxy(pty_master, pidfd);
			_exit(0);
		}
	}
	/* Done when the process has exited and the relay, if any, has
	 * written its last output and restored the caller's terminal. */
	int code = -1;
	struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, WNOHANG);
		if (w > 0 && w == pid && (WIFEXITED(status) || WIFSIGNALED(status))) {
			code = exit_code(status);
			pfd[1].fd = -1;
		} else if (w > 0 && w == proxy) {
			proxy = -1;
		}
		if (code >= 0 && proxy <= 0)
			return code;
		if (w > 0)
			continue;
		int n = poll(pfd, 2, -1);
		if (n < 0 && errno != EINTR)
			return 255;
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si) || si.ssi_signo == SIGCHLD || code >= 0)
				continue;
			if (si.ssi_signo == SIGWINCH && pty_master >= 0)
				follow_window_size(pty_master);
			else
				kill(pid, (int)si.ssi_signo);
		}
	}
}
