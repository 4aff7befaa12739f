/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks: state JSON on stdin, the hook's own args and env, a timeout
 * enforced through a pidfd. */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

static char *const empty_env[] = { NULL };

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_one(const struct roci_hook *h, const char *kind, size_t idx, const char *state,
		   struct roci_err *err)
{
	int in[2], errp[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return roci_fail(err, errno, "%s hook #%zu: pipe", kind, idx);
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return roci_fail(err, errno, "%s hook #%zu: pipe", kind, idx);
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(in[0]); close(in[1]); close(errp[0]); close(errp[1]);
		return roci_fail(err, e, "%s hook #%zu (%s): fork", kind, idx, h->path);
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(errp[1], STDERR_FILENO);
		/* hook stdout goes where the runtime's stderr goes */
		dup2(errp[1], STDOUT_FILENO);
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		char *argv0[] = { h->path, NULL };
		char *const *argv = h->args && h->args[0] ? h->args : argv0;
		execve(h->path, argv, h->env ? h->env : empty_env);
		dprintf(STDERR_FILENO, "exec %s: %s", h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(errp[1]);
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	/* Feed stdin; a hook that does not read it is not an error. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t len = strlen(state), off = 0;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	char tail[1024];
	size_t tail_len = 0;
	int64_t deadline = h->has_timeout ? now_ms() + (int64_t)h->timeout * 1000 : -1;
	bool exited = false, timed_out = false, err_open = true;
	int wfd = in[1];
	while (!exited) {
		struct pollfd pfd[3];
		int n = 0, iw = -1, ie = -1, ip = -1;
		if (wfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = wfd, .events = POLLOUT };
			iw = n++;
		}
		if (err_open) {
			pfd[n] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
			ie = n++;
		}
		if (pidfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
			ip = n++;
		}
		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				timed_out = true;
				break;
			}
			timeout = (int)left;
		}
		if (pidfd < 0 && !err_open && wfd < 0) {
			/* no pidfd: fall back to polling waitpid */
			if (waitpid(pid, NULL, WNOHANG) != 0)
				break;
			timeout = 10;
		}
		int r = poll(pfd, (nfds_t)n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && deadline >= 0 && now_ms() >= deadline) {
			timed_out = true;
			break;
		}
		if (iw >= 0 && pfd[iw].revents) {
			ssize_t w = write(wfd, state + off, len - off);
			if (w > 0)
				off += (size_t)w;
			if (w < 0 && errno != EAGAIN)
				off = len;
			if (off >= len) {
				close(wfd);
				wfd = -1;
			}
		}
		if (ie >= 0 && pfd[ie].revents) {
			char buf[512];
			ssize_t rd = read(errp[0], buf, sizeof(buf));
			if (rd <= 0) {
				err_open = false;
			} else {
				if (write(STDERR_FILENO, buf, (size_t)rd) < 0) {
					/* best effort pass-through */
				}
				for (ssize_t i = 0; i < rd; i++) {
					if (tail_len == sizeof(tail) - 1) {
						memmove(tail, tail + 1, tail_len - 1);
						tail_len--;
					}
					tail[tail_len++] = buf[i];
				}
			}
		}
		if (ip >= 0 && (pfd[ip].revents & POLLIN))
			exited = true;
	}
	if (wfd >= 0)
		close(wfd);
	close(errp[0]);
	signal(SIGPIPE, old);
	int status = 0;
	if (timed_out) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return roci_failx(err, ETIMEDOUT, "%s hook #%zu (%s): timed out after %d seconds", kind, idx,
				  h->path, h->timeout);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	tail[tail_len] = '\0';
	while (tail_len && (tail[tail_len - 1] == '\n' || tail[tail_len - 1] == ' '))
		tail[--tail_len] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char how[64];
	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
	return roci_failx(err, EIO, "%s hook #%zu (%s): %s%s%s", kind, idx, h->path, how,
			  tail_len ? ": " : "", tail);
}

int roci_hooks_run(const struct roci_config *cfg, enum roci_hook_kind kind,
		   const char *state_json, const struct roci_log *log, struct roci_err *err)
{
	const struct roci_hook_list *l = &cfg->hooks[kind];
	for (size_t i = 0; i < l->n; i++) {
		roci_debug(log, "running %s hook %s", roci_hook_kind_name(kind), l->hooks[i].path);
		int r = run_one(&l->hooks[i], roci_hook_kind_name(kind), i, state_json, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void roci_hooks_run_warn(const struct roci_config *cfg, enum roci_hook_kind kind,
			 const char *state_json, const struct roci_log *log)
{
	const struct roci_hook_list *l = &cfg->hooks[kind];
	for (size_t i = 0; i < l->n; i++) {
		struct roci_err err = { 0 };
		if (run_one(&l->hooks[i], roci_hook_kind_name(kind), i, state_json, &err) < 0)
			roci_warn(log, "%s", err.msg);
	}
}
