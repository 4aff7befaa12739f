/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hooks. Each hook is spawned with exactly its own argv and env (an
 * empty env when none is given), no inherited fds beyond stdio, default
 * signal dispositions and an empty signal mask. Its stdin is a pipe carrying
 * the state document; its stdout and stderr share one pipe that roci copies
 * to its own stderr while keeping the last KiB for the error message. A
 * pidfd tells when the hook exits, and poll(2) on it enforces the timeout.
 *
 * The same code runs in the runtime process (prestart, createRuntime,
 * poststart, poststop) and inside the container's namespaces
 * (createContainer, startContainer). */
#include "runtime/hooks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/signals.h"

/* How much of the hook's output the error message can quote. */
#define OUTPUT_TAIL_MAX 1024
/* Without pidfds (kernels before 5.3), check for exit this often. */
#define NO_PIDFD_TICK_MS 20
/* Output read per wakeup. */
#define DRAIN_MAX (64 * 1024)


struct output_tail {
	char buf[OUTPUT_TAIL_MAX];
	size_t len;
};

/* One running hook, as seen by the parent. */
struct hook_proc {
	pid_t pid;
	int pidfd;          /* -1 when the kernel has no pidfd_open */
	int in_fd;          /* write end of the hook's stdin; -1 once done */
	int out_fd;         /* read end of the hook's stdout+stderr; -1 at EOF */
	const char *input;  /* the state document */
	size_t input_len, input_off;
	struct output_tail tail;
	bool reaped;
	bool status_lost;   /* reaped by someone else (SIGCHLD ignored) */
	int status;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void tail_append(struct output_tail *t, const char *p, size_t n)
{
	const size_t cap = sizeof(t->buf);
	if (n >= cap) {
		memcpy(t->buf, p + (n - cap), cap);
		t->len = cap;
		return;
	}
	if (t->len + n > cap) {
		size_t keep = cap - n;
		memmove(t->buf, t->buf + (t->len - keep), keep);
		t->len = keep;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* A pipe whose ends are both above stdio, so that the dup2 onto 0/1/2 in
 * the child never lands on (and keeps the close-on-exec flag of) the same
 * fd. Both ends are close-on-exec. */
static int pipe_above_stdio(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		if (p[i] > STDERR_FILENO)
			continue;
		int moved = fcntl(p[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
		int e = errno;
		close(p[i]);
		p[i] = moved;
		if (moved < 0) {
			close_fd(&p[0]);
			close_fd(&p[1]);
			return -e;
		}
	}
	return 0;
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* The hook gets stdin, stdout and stderr only: every other fd is closed
 * in the child. glibc (2.34) has a file action for that; with musl, each
 * fd open now is named: from /proc/self/fd, or, where there is no /proc
 * (a startContainer hook in a container without one), by asking each fd
 * below the open-files limit (at most 65536). */
static int add_close_others(posix_spawn_file_actions_t *fa)
{
#ifdef __GLIBC__
	return posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
#else
	int r = 0;
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	if (d) {
		int self = dirfd(d);
		struct dirent *e;
		while (!r && (e = readdir(d))) {
			int fd = atoi(e->d_name);
			if (fd > STDERR_FILENO && fd != self)
				r = posix_spawn_file_actions_addclose(fa, fd);
		}
		return r;
	}
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = STDERR_FILENO + 1; !r && fd < max; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			r = posix_spawn_file_actions_addclose(fa, fd);
	return r;
#endif
}

/* Start the hook. Returns 0 or a negative errno (exec failures included:
 * posix_spawn reports them to the caller). */
static int spawn_hook(const struct roci_hook *h, const struct roci_hook_env *he, int stdin_fd, int out_fd,
		      pid_t *pid)
{
	char *argv0[] = { h->path, NULL };
	char *const *argv = h->args && h->args[0] ? h->args : argv0;
	char *const *envp = h->env ? h->env : he && he->env ? he->env : environ;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);

	int r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	r = posix_spawnattr_init(&attr);
	if (r) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	if (!(r = posix_spawn_file_actions_adddup2(&fa, stdin_fd, STDIN_FILENO)) &&
	    !(r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO)) &&
	    !(r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO)) &&
	    !(r = add_close_others(&fa)) &&
	    !(r = he && he->cwd ? posix_spawn_file_actions_addchdir_np(&fa, he->cwd) : 0) &&
	    !(r = posix_spawnattr_setsigmask(&attr, &none)) &&
	    !(r = posix_spawnattr_setsigdefault(&attr, &all)) &&
	    !(r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))
		r = posix_spawn(pid, h->path, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

/* Write what the pipe takes now; close our end when all is written or the
 * hook stopped reading (EPIPE: not an error, a hook need not read stdin). */
static void feed_stdin(struct hook_proc *p)
{
	while (p->in_fd >= 0 && p->input_off < p->input_len) {
		ssize_t w = write(p->in_fd, p->input + p->input_off, p->input_len - p->input_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0)
			break;
		p->input_off += (size_t)w;
	}
	close_fd(&p->in_fd);
}

/* Read what is buffered now, at most DRAIN_MAX bytes so that a hook that
 * writes without pause cannot keep us from checking its deadline: copy it
 * to our stderr and keep its tail. */
static void drain_output(struct hook_proc *p)
{
	char buf[4096];
	for (size_t total = 0; p->out_fd >= 0 && total < DRAIN_MAX;) {
		ssize_t n = read(p->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&p->out_fd);
			return;
		}
		total += (size_t)n;
		tail_append(&p->tail, buf, (size_t)n);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(STDERR_FILENO, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break; /* pass-through is best effort */
			off += w;
		}
	}
}

static void reap(struct hook_proc *p, bool block)
{
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, block ? 0 : WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return;
		p->reaped = true;
		p->status_lost = r < 0;
		return;
	}
}

/* Wait for the hook to exit while feeding its stdin and collecting its
 * output. Returns true when it exited, false when the deadline passed
 * (then the hook is still running). */
static bool supervise(struct hook_proc *p, int64_t deadline)
{
	while (!p->reaped) {
		struct pollfd fds[3];
		int n = 0, i_in = -1, i_out = -1, i_pid = -1;
		if (p->in_fd >= 0) {
			fds[n] = (struct pollfd){ .fd = p->in_fd, .events = POLLOUT };
			i_in = n++;
		}
		if (p->out_fd >= 0) {
			fds[n] = (struct pollfd){ .fd = p->out_fd, .events = POLLIN };
			i_out = n++;
		}
		if (p->pidfd >= 0) {
			fds[n] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
			i_pid = n++;
		}
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return false;
			wait = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (p->pidfd < 0 && (wait < 0 || wait > NO_PIDFD_TICK_MS))
			wait = NO_PIDFD_TICK_MS;
		int r = poll(fds, (nfds_t)n, wait);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* cannot watch the fds: give them up and just wait,
			 * checking for exit every tick (poll on no fds) */
			close_fd(&p->in_fd);
			close_fd(&p->out_fd);
			close_fd(&p->pidfd);
			continue;
		}
		if (i_in >= 0 && fds[i_in].revents)
			feed_stdin(p);
		if (i_out >= 0 && fds[i_out].revents)
			drain_output(p);
		if (p->pidfd < 0 || (i_pid >= 0 && fds[i_pid].revents))
			reap(p, false);
	}
	return true;
}

/* "<prefix>: <reason>[: <output tail>]" within the error message size,
 * quoting the end of the output when not all of it fits. */
static int hook_error(struct roci_err *err, int code, const char *prefix, const char *reason,
		      const struct output_tail *t)
{
	char text[OUTPUT_TAIL_MAX + 1];
	size_t a = 0, b = t->len;
	while (a < b && (t->buf[a] == '\n' || t->buf[a] == '\r' || t->buf[a] == ' ' || t->buf[a] == '\t'))
		a++;
	while (b > a && (t->buf[b - 1] == '\n' || t->buf[b - 1] == '\r' || t->buf[b - 1] == ' ' ||
			 t->buf[b - 1] == '\t'))
		b--;
	size_t n = 0;
	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)t->buf[i];
		text[n++] = (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	text[n] = '\0';
	if (!n)
		return roci_failx(err, code, "%s: %s", prefix, reason);
	size_t head = strlen(prefix) + strlen(reason) + 4;
	size_t room = head + 4 < ROCI_ERR_MSG_MAX ? ROCI_ERR_MSG_MAX - head - 4 : 0;
	if (n > room)
		return roci_failx(err, code, "%s: %s: ...%s", prefix, reason, text + (n - room));
	return roci_failx(err, code, "%s: %s: %s", prefix, reason, text);
}

static int run_hook(const struct roci_hook *h, enum roci_hook_kind kind, size_t idx,
		    const char *state_json, const struct roci_hook_env *he, const struct roci_log *log,
		    struct roci_err *err)
{
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s hook #%zu (%s)", roci_hook_kind_name(kind), idx, h->path);
	roci_debug(log, "running %s", prefix);

	int in[2], out[2];
	int r = pipe_above_stdio(in);
	if (r < 0)
		return roci_fail(err, -r, "%s: pipe", prefix);
	r = pipe_above_stdio(out);
	if (r < 0) {
		close(in[0]);
		close(in[1]);
		return roci_fail(err, -r, "%s: pipe", prefix);
	}

	struct hook_proc p = { .pid = -1, .pidfd = -1, .in_fd = in[1], .out_fd = out[0],
			       .input = state_json ? state_json : "" };
	p.input_len = strlen(p.input);
	r = spawn_hook(h, he, in[0], out[1], &p.pid);
	close(in[0]);
	close(out[1]);
	if (r < 0) {
		close_fd(&p.in_fd);
		close_fd(&p.out_fd);
		return roci_fail(err, -r, "%s: exec", prefix);
	}
	p.pidfd = pidfd_open_compat(p.pid);
	fcntl(p.in_fd, F_SETFL, O_NONBLOCK);
	fcntl(p.out_fd, F_SETFL, O_NONBLOCK);

	/* Writing to a hook that has closed its stdin raises SIGPIPE; keep it
	 * blocked (per thread, no change of disposition) while we write, and
	 * consume the one we caused. */
	sigset_t pipe_set, saved_mask, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &saved_mask);
	sigemptyset(&pending);
	sigpending(&pending);
	bool pipe_was_pending = sigismember(&pending, SIGPIPE) == 1;

	int64_t deadline = h->has_timeout ? now_ms() + (int64_t)h->timeout * 1000 : -1;
	bool exited = supervise(&p, deadline);
	if (!exited) {
		kill(p.pid, SIGKILL);
		reap(&p, true);
	}
	drain_output(&p);
	close_fd(&p.in_fd);
	close_fd(&p.out_fd);
	close_fd(&p.pidfd);

	if (!pipe_was_pending) {
		const struct timespec zero = { 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);

	char reason[96];
	if (!exited) {
		snprintf(reason, sizeof(reason), "timed out after %d seconds", h->timeout);
		return hook_error(err, ETIMEDOUT, prefix, reason, &p.tail);
	}
	if (p.status_lost)
		return hook_error(err, ECHILD, prefix, "exit status unavailable (SIGCHLD ignored?)", &p.tail);
	if (WIFEXITED(p.status)) {
		if (WEXITSTATUS(p.status) == 0)
			return 0;
		snprintf(reason, sizeof(reason), "exit status %d", WEXITSTATUS(p.status));
	} else {
		char name[32];
		int sig = WTERMSIG(p.status);
		const char *sn = roci_signal_name(sig, name, sizeof(name));
		snprintf(reason, sizeof(reason), "killed by signal %d%s%s%s", sig, sn ? " (" : "",
			 sn ? sn : "", sn ? ")" : "");
	}
	return hook_error(err, EIO, prefix, reason, &p.tail);
}

int roci_hooks_run(const struct roci_config *cfg, enum roci_hook_kind kind,
		   const char *state_json, const struct roci_hook_env *he, const struct roci_log *log,
		   struct roci_err *err)
{
	if (!cfg || (unsigned)kind >= ROCI_HOOK_KIND_COUNT)
		return 0;
	const struct roci_hook_list *l = &cfg->hooks[kind];
	for (size_t i = 0; i < l->n; i++) {
		int r = run_hook(&l->hooks[i], kind, i, state_json, he, log, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void roci_hooks_run_warn(const struct roci_config *cfg, enum roci_hook_kind kind,
			 const char *state_json, const struct roci_log *log)
{
	if (!cfg || (unsigned)kind >= ROCI_HOOK_KIND_COUNT)
		return;
	const struct roci_hook_list *l = &cfg->hooks[kind];
	for (size_t i = 0; i < l->n; i++) {
		struct roci_err err = { 0 };
		if (run_hook(&l->hooks[i], kind, i, state_json, NULL, log, &err) < 0)
			roci_warn(log, "%s", err.msg);
	}
}
