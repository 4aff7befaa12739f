/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/seccomp_filter.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "roci-config.h"
#include "util/cleanup.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* ALLOW, LOG and ERRNO let the caller go on; the other actions kill,
 * signal, or hand the call to a tracer or an agent. */
static bool action_is_quiet(enum roci_seccomp_action a)
{
	return a == ROCI_SCMP_ACT_ALLOW || a == ROCI_SCMP_ACT_LOG || a == ROCI_SCMP_ACT_ERRNO;
}

bool roci_seccomp_quiet_for(const struct roci_seccomp *s, const char *syscall_name)
{
	if (!s)
		return true;
	if (!action_is_quiet(s->default_action))
		return false;
	for (size_t i = 0; i < s->n_rules; i++)
		for (size_t j = 0; j < s->rules[i].n_names; j++)
			if (!strcmp(s->rules[i].names[j], syscall_name) && !action_is_quiet(s->rules[i].action))
				return false;
	return true;
}

void roci_seccomp_prog_free(struct roci_seccomp_prog *p)
{
	free(p->insns);
	p->insns = NULL;
	p->len = 0;
}

int roci_seccomp_load(const struct roci_seccomp_prog *p, int *listener_fd, struct roci_err *err)
{
	struct sock_fprog prog = { .len = p->len, .filter = p->insns };
	unsigned long flags = p->flags;
	*listener_fd = -1;
	if (p->notify) {
		/* The init is single-threaded: TSYNC has nothing to sync, and
		 * the kernel refuses it together with NEW_LISTENER. */
		flags = (flags & ~(unsigned long)SECCOMP_FILTER_FLAG_TSYNC) | SECCOMP_FILTER_FLAG_NEW_LISTENER;
	} else {
		flags &= ~(unsigned long)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0)
		return roci_fail(err, errno, "load seccomp filter (%u instructions, flags 0x%lx)", p->len, flags);
	if (p->notify)
		*listener_fd = (int)r;
	return 0;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait a little before trying again: 1 ms, doubling up to 50 ms, never
 * past the deadline. False once the deadline has passed. */
static bool pause_until(int64_t deadline, int *step_ms)
{
	int64_t left = deadline - monotonic_ms();
	if (left <= 0)
		return false;
	int ms = *step_ms < left ? *step_ms : (int)left;
	poll(NULL, 0, ms);
	if (*step_ms < 50)
		*step_ms *= 2;
	return true;
}

int roci_seccomp_send_listener(const char *path, const char *process_state, int fd,
			       struct roci_err *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return roci_failx(err, ENAMETOOLONG, "seccomp listener %s: path too long", path);
	strcpy(addr.sun_path, path);
	const int64_t deadline = monotonic_ms() + ROCI_SECCOMP_AGENT_WAIT_MS;
	const int secs = ROCI_SECCOMP_AGENT_WAIT_MS / 1000;
	int step = 1;

	/* An agent that is still starting (no socket yet, or not listening)
	 * or whose backlog is full gets until the deadline. */
	_cleanup_close_ int s = -1;
	for (;;) {
		if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return roci_fail(err, errno, "seccomp listener: socket");
		if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			break;
		int e = errno;
		close(TAKE_FD(s));
		if ((e != ENOENT && e != ECONNREFUSED && e != EAGAIN) || !pause_until(deadline, &step))
			return roci_fail(err, e, "connect to seccomp listener %s%s", path,
					 e == ENOENT || e == ECONNREFUSED || e == EAGAIN
						 ? " (no agent listening within the wait)" : "");
	}

	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { .iov_base = (void *)process_state, .iov_len = strlen(process_state) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	while ((n = sendmsg(s, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 && errno == EAGAIN)
		if (!pause_until(deadline, &step))
			return roci_failx(err, ETIMEDOUT, "send to seccomp listener %s: the agent read nothing in %d s",
					  path, secs);
	if (n < 0)
		return roci_fail(err, errno, "send to seccomp listener %s", path);
	if ((size_t)n != iov.iov_len)
		return roci_failx(err, EIO, "send to seccomp listener %s: short write", path);

	/* The message sits in the socket until the agent accepts and reads
	 * it: until then no notified syscall would ever be answered. Wait for
	 * the queue to drain (or the agent to hang up), within the deadline. */
	step = 1;
	for (;;) {
		int queued = 0;
		if (ioctl(s, SIOCOUTQ, &queued) < 0)
			return roci_fail(err, errno, "seccomp listener %s: SIOCOUTQ", path);
		if (queued == 0)
			return 0;
		if (!pause_until(deadline, &step))
			return roci_failx(err, ETIMEDOUT,
					  "seccomp listener %s: the agent did not accept and read the listener within %d s",
					  path, secs);
	}
}

#if HAVE_SECCOMP
#include <seccomp.h>

bool roci_seccomp_supported(void)
{
	return true;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 if unknown to it. */
static uint32_t arch_token(const char *spec_name)
{
	const char *p = spec_name + strlen("SCMP_ARCH_");
	char low[32];
	size_t i = 0;
	for (; p[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)p[i]);
	low[i] = '\0';
	return seccomp_arch_resolve_name(low);
}

size_t roci_seccomp_known_archs(const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; roci_seccomp_arch_name(i) && n < max; i++)
		if (arch_token(roci_seccomp_arch_name(i)))
			out[n++] = roci_seccomp_arch_name(i);
	return n;
}

static uint32_t action_value(enum roci_seccomp_action a, bool has_errno, uint32_t e)
{
	uint32_t ret = has_errno ? e : EPERM;
	switch (a) {
	case ROCI_SCMP_ACT_KILL: return SCMP_ACT_KILL;
	case ROCI_SCMP_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case ROCI_SCMP_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case ROCI_SCMP_ACT_TRAP: return SCMP_ACT_TRAP;
	case ROCI_SCMP_ACT_ERRNO: return SCMP_ACT_ERRNO(ret);
	case ROCI_SCMP_ACT_TRACE: return SCMP_ACT_TRACE(ret);
	case ROCI_SCMP_ACT_LOG: return SCMP_ACT_LOG;
	case ROCI_SCMP_ACT_NOTIFY: return SCMP_ACT_NOTIFY;
	case ROCI_SCMP_ACT_ALLOW:
	default: return SCMP_ACT_ALLOW;
	}
}

static const enum scmp_compare op_value[ROCI_SCMP_CMP_COUNT] = {
	[ROCI_SCMP_CMP_NE] = SCMP_CMP_NE,
	[ROCI_SCMP_CMP_LT] = SCMP_CMP_LT,
	[ROCI_SCMP_CMP_LE] = SCMP_CMP_LE,
	[ROCI_SCMP_CMP_EQ] = SCMP_CMP_EQ,
	[ROCI_SCMP_CMP_GE] = SCMP_CMP_GE,
	[ROCI_SCMP_CMP_GT] = SCMP_CMP_GT,
	[ROCI_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static void ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* One syscall of one rule. Conditions on distinct arguments are ANDed in
 * one rule; libseccomp cannot compare one argument twice in a rule, so then
 * each condition becomes a rule of its own (the behaviour runc documents). */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const struct roci_seccomp_rule *rule,
		    const char *name, struct roci_err *err)
{
	struct scmp_arg_cmp conds[6 * 8];
	unsigned seen = 0;
	bool repeated = false;
	for (size_t i = 0; i < rule->n_args; i++) {
		const struct roci_seccomp_arg *a = &rule->args[i];
		conds[i] = (struct scmp_arg_cmp){ a->index, op_value[a->op], a->value, a->value_two };
		repeated |= (seen >> a->index) & 1;
		seen |= 1u << a->index;
	}
	size_t groups = repeated ? rule->n_args : 1;
	for (size_t g = 0; g < groups; g++) {
		unsigned n = repeated ? 1 : (unsigned)rule->n_args;
		int r = seccomp_rule_add_array(ctx, action, nr, n, repeated ? &conds[g] : conds);
		/* -EACCES: the rule repeats the default action, a no-op. */
		if (r == -EACCES)
			continue;
		if (r < 0)
			return roci_fail(err, -r, "seccomp: add rule for %s", name);
	}
	return 0;
}

/* ---- syscalls newer than the profile: ENOSYS ------------------------------
 * A profile that denies by default also denies syscalls it has never heard
 * of, and a program then sees EPERM where it would fall back on ENOSYS
 * (glibc's clone3, for one). As runc does, the filter starts with a stub
 * that answers ENOSYS, per architecture, for every number above the
 * highest one the profile names; the rest goes on to libseccomp's filter.
 * x32 calls (x86-64's audit arch with bit 30 set) are left to that filter. */

#define X32_SYSCALL_BIT 0x40000000u
#define STUB_MAX_ARCHS 16

/* The highest syscall number the profile names on arch, or -1. */
static int profile_max_nr(const struct roci_seccomp *s, uint32_t arch)
{
	int max = -1;
	for (size_t i = 0; i < s->n_rules; i++)
		for (size_t k = 0; k < s->rules[i].n_names; k++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, s->rules[i].names[k]);
			if (nr >= 0 && nr > max)
				max = nr;
		}
	return max;
}

/* The stub for the filter's architectures (native first), into stub;
 * returns its length, 0 when none is needed. */
static size_t enosys_stub(const struct roci_seccomp *s, struct sock_filter *stub, size_t cap)
{
	if (s->default_action == ROCI_SCMP_ACT_ALLOW || s->default_action == ROCI_SCMP_ACT_LOG)
		return 0;
	uint32_t archs[STUB_MAX_ARCHS];
	int maxes[STUB_MAX_ARCHS];
	size_t n = 0;
	for (size_t i = 0; i <= s->n_architectures && n < STUB_MAX_ARCHS; i++) {
		uint32_t a = i == 0 ? seccomp_arch_native() : arch_token(s->architectures[i - 1]);
		bool dup = a == 0 || a == SCMP_ARCH_X32;
		for (size_t k = 0; k < n && !dup; k++)
			dup = archs[k] == a;
		int max = dup ? -1 : profile_max_nr(s, a);
		if (max < 0)
			continue;
		archs[n] = a;
		maxes[n++] = max;
	}
	if (!n)
		return 0;
	/* per architecture: arch match, load nr, [x32 out], above max;
	 * then the arch-less jump, the ENOSYS return, and the filter */
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += archs[i] == SCMP_ARCH_X86_64 ? 4 : 3;
	len += 2;
	if (len > cap)
		return 0;
	size_t enosys = len - 1, orig = len, at = 0;
#define JUMP(to) ((unsigned char)((to) - (at + 1)))
	stub[at] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	at++;
	for (size_t i = 0; i < n; i++) {
		size_t block = archs[i] == SCMP_ARCH_X86_64 ? 4 : 3;
		size_t next = at + block;
		stub[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, archs[i], 0, JUMP(next));
		at++;
		stub[at] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		at++;
		if (archs[i] == SCMP_ARCH_X86_64) {
			stub[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, JUMP(orig), 0);
			at++;
		}
		stub[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)maxes[i], JUMP(enosys),
							JUMP(orig));
		at++;
	}
	/* another architecture: straight to the filter, past the return */
	stub[at] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 1);
	at++;
	stub[at] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	at++;
#undef JUMP
	return at;
}

int roci_seccomp_compile(const struct roci_seccomp *s, const struct roci_log *log,
			 struct roci_seccomp_prog *out, struct roci_err *err)
{
	memset(out, 0, sizeof(*out));
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx =
		seccomp_init(action_value(s->default_action, s->has_default_errno, s->default_errno));
	if (!ctx)
		return roci_failx(err, EINVAL, "seccomp: cannot create a filter for default action %s",
				  roci_seccomp_action_name(s->default_action));
	/* We load the program ourselves; these only shape the BPF. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < s->n_architectures; i++) {
		uint32_t tok = arch_token(s->architectures[i]);
		if (!tok)
			return roci_failx(err, EINVAL, "seccomp: architecture %s is not supported by libseccomp",
					  s->architectures[i]);
		int r = seccomp_arch_add(ctx, tok);
		if (r < 0 && r != -EEXIST)
			return roci_fail(err, -r, "seccomp: add architecture %s", s->architectures[i]);
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct roci_seccomp_rule *rule = &s->rules[i];
		uint32_t action = action_value(rule->action, rule->has_errno, rule->errno_ret);
		for (size_t k = 0; k < rule->n_names; k++) {
			int nr = seccomp_syscall_resolve_name(rule->names[k]);
			if (nr == __NR_SCMP_ERROR) {
				roci_warn(log, "seccomp: syscall %s is unknown to libseccomp, rule skipped",
					  rule->names[k]);
				continue;
			}
			int r = add_rule(ctx, action, nr, rule, rule->names[k], err);
			if (r < 0)
				return r;
		}
	}
	_cleanup_close_ int mfd = memfd_create("roci-seccomp", MFD_CLOEXEC);
	if (mfd < 0)
		return roci_fail(err, errno, "seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, mfd);
	if (r < 0)
		return roci_fail(err, -r, "seccomp: export filter");
	struct stat st;
	if (fstat(mfd, &st) < 0)
		return roci_fail(err, errno, "seccomp: stat filter");
	size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
	struct sock_filter stub[1 + STUB_MAX_ARCHS * 4 + 2];
	size_t n_stub = enosys_stub(s, stub, ARRAY_SIZE(stub));
	if (n == 0 || n + n_stub > BPF_MAXINSNS)
		return roci_failx(err, E2BIG, "seccomp: filter has %zu instructions (the kernel allows %d)",
				  n + n_stub, BPF_MAXINSNS);
	out->insns = malloc((n_stub + n) * sizeof(struct sock_filter));
	if (!out->insns)
		return roci_fail(err, ENOMEM, "seccomp");
	memcpy(out->insns, stub, n_stub * sizeof(struct sock_filter));
	if (pread(mfd, out->insns + n_stub, n * sizeof(struct sock_filter), 0) !=
	    (ssize_t)(n * sizeof(struct sock_filter))) {
		roci_seccomp_prog_free(out);
		return roci_fail(err, errno ? errno : EIO, "seccomp: read filter");
	}
	out->len = (unsigned short)(n_stub + n);
	out->flags = s->flags;
	out->notify = s->uses_notify;
	return 0;
}

#else

bool roci_seccomp_supported(void)
{
	return false;
}

size_t roci_seccomp_known_archs(const char **out, size_t max)
{
	return 0;
}

int roci_seccomp_compile(const struct roci_seccomp *s, const struct roci_log *log,
			 struct roci_seccomp_prog *out, struct roci_err *err)
{
	memset(out, 0, sizeof(*out));
	return roci_failx(err, ENOTSUP, "linux.seccomp: %s",
			  ROCI_BUILT_WITHOUT("seccomp support", "seccomp"));
}

#endif
