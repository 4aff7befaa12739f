/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/capabilities.h"
#include "linux/loopback.h"
#include "linux/lsm_labels.h"
#include "linux/mempolicy.h"
#include "linux/scheduling.h"
#include "linux/sysctls.h"
#include "linux/process.h"
#include "linux/residency.h"
#include "linux/procfs.h"
#include "linux/rootfs.h"
#include "linux/terminal.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fault.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define KEYCTL_JOIN_SESSION_KEYRING 1

static bool has_new(const struct roci_config *cfg, enum roci_ns_type t)
{
	return cfg->ns[t].present && !cfg->ns[t].path;
}

static int wait_go(int sync_fd, struct roci_err *err)
{
	struct roci_sync_msg m;
	return roci_sync_expect(sync_fd, ROCI_SYNC_GO, &m, err);
}

/* Namespaces not created by clone3: join, unshare, and fork into a new pid
 * namespace when needed. Returns in the process that becomes the init. */
static int setup_namespaces(const struct roci_init_args *a, struct roci_err *err)
{
	const struct roci_ns_plan *plan = a->plan;
	int r;
	if (plan->child_unshares_user) {
		/* Joined namespaces owned by the host user namespace come
		 * before the new user namespace, which we then ask maps for. */
		r = roci_ns_join(plan, false, true, err);
		if (r < 0)
			return r;
		if (unshare(CLONE_NEWUSER) < 0)
			return roci_fail(err, errno, "unshare user namespace");
		r = roci_sync_send(a->sync_fd, ROCI_SYNC_MAPS_REQUEST, (int32_t)getpid(), NULL, -1);
		if (r < 0)
			return roci_fail(err, -r, "request id maps");
		r = wait_go(a->sync_fd, err);
		if (r < 0)
			return r;
	} else {
		r = roci_ns_join(plan, true, false, err);
		if (r < 0)
			return r;
		r = roci_ns_join(plan, false, true, err);
		if (r < 0)
			return r;
	}
	if (a->cfg->ns[ROCI_NS_USER].present) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return roci_fail(err, errno, "become root in the user namespace");
	}
	if (plan->unshare_flags && unshare(plan->unshare_flags) < 0)
		return roci_fail(err, errno, "unshare namespaces 0x%x", plan->unshare_flags);
	if (!plan->fork_for_pid)
		return 0;

	int fl = 0;
	if (has_new(a->cfg, ROCI_NS_PID))
		fl |= CLONE_NEWPID;
	if (has_new(a->cfg, ROCI_NS_TIME) && !plan->parent_timens)
		fl |= CLONE_NEWTIME;
	if (unshare(fl) < 0)
		return roci_fail(err, errno, "unshare pid/time namespace");
	/* CLONE_PARENT: the init becomes a child of `roci create|run`. */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT, 0, NULL, NULL, 0);
	if (pid < 0)
		return roci_fail(err, errno, "fork container init");
	if (pid > 0) {
		r = roci_sync_send(a->sync_fd, ROCI_SYNC_CHILD_PID, (int32_t)pid, NULL, -1);
		_exit(r < 0 ? 1 : 0);
	}
	return 0;
}

static int set_hostname(const struct roci_config *cfg, struct roci_err *err)
{
	if (!cfg->hostname && !cfg->domainname)
		return 0;
	if (!cfg->ns[ROCI_NS_UTS].present)
		return roci_failx(err, EINVAL, "unable to set hostname without a private UTS namespace");
	if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return roci_fail(err, errno, "sethostname %s", cfg->hostname);
	if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return roci_fail(err, errno, "setdomainname %s", cfg->domainname);
	return 0;
}

/* Load the seccomp filter; a notifying filter's listener fd goes to the
 * parent, which hands it to the agent at listenerPath before we go on. */
static int install_seccomp(const struct roci_init_args *a, struct roci_err *err)
{
	if (!a->seccomp)
		return 0;
	int lfd;
	int r = roci_seccomp_load(a->seccomp, &lfd, err);
	if (r < 0 || lfd < 0)
		return r;
	r = roci_sync_send(a->sync_fd, ROCI_SYNC_SECCOMP_FD, 0, NULL, lfd);
	close(lfd);
	if (r < 0)
		return roci_fail(err, -r, "send seccomp listener fd to parent");
	return wait_go(a->sync_fd, err);
}

/* A new session, a new session keyring, hostname, lo up in a new network
 * namespace, and sysctls. */
static int setup_session(const struct roci_init_args *a, struct roci_err *err)
{
	if (setsid() < 0)
		return roci_fail(err, errno, "setsid");
	if (!a->no_new_keyring) {
		/* A new anonymous session keyring: never shared with the host
		 * or with another container. */
		if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS &&
		    errno != EPERM && errno != EACCES)
			return roci_fail(err, errno, "join session keyring");
	}
	int r = set_hostname(a->cfg, err);
	if (r < 0)
		return r;
	const struct roci_namespace *net = &a->cfg->ns[ROCI_NS_NETWORK];
	if (net->present && !net->path && (r = roci_loopback_up(err)) < 0)
		return r;
	return roci_sysctl_apply(a->cfg, a->procfs_fd, err);
}

/* prestart and createRuntime hooks run in the runtime namespace (the
 * parent runs them), then createContainer hooks here. The parent's GO
 * carries the state document for the container's own hooks. */
static int run_create_hooks(const struct roci_init_args *a, char *hook_state, size_t hook_state_cap,
			    struct roci_err *err)
{
	/* No hook before the process runs: no round trip (hook_state stays
	 * empty; nothing reads it). */
	const struct roci_hook_list *h = a->cfg->hooks;
	if (!h[ROCI_HOOK_PRESTART].n && !h[ROCI_HOOK_CREATE_RUNTIME].n && !h[ROCI_HOOK_CREATE_CONTAINER].n &&
	    !h[ROCI_HOOK_START_CONTAINER].n)
		return 0;
	int r = roci_sync_send(a->sync_fd, ROCI_SYNC_HOOKS_REQUEST, (int32_t)getpid(), NULL, -1);
	if (r < 0)
		return roci_fail(err, -r, "sync with parent");
	struct roci_sync_msg m;
	r = roci_sync_expect(a->sync_fd, ROCI_SYNC_GO, &m, err);
	if (r < 0)
		return r;
	snprintf(hook_state, hook_state_cap, "%s", m.text);
	/* in the bundle, as runc runs them */
	const struct roci_hook_env he = { .cwd = a->bundle };
	return roci_hooks_run(a->cfg, ROCI_HOOK_CREATE_CONTAINER, hook_state, &he, a->log, err);
}

/* The pty, its master sent to the caller (console socket) or to the
 * parent, which relays it (then ONLCR is off: its caller captures "\n").
 * flags: ROCI_TTY_BIND_CONSOLE for the init. */
static int setup_terminal(const struct roci_init_args *a, unsigned flags, struct roci_err *err)
{
	const struct roci_process *p = a->cfg->process;
	int r = 0;
	if (p && p->terminal) {
		if (a->tty_to_parent)
			flags |= ROCI_TTY_NO_ONLCR;
		int master = roci_terminal_setup(p, a->procfs_fd, flags, err);
		if (master < 0)
			return master;
		if (a->tty_to_parent)
			r = roci_sync_send(a->sync_fd, ROCI_SYNC_PTY_MASTER, 0, NULL, master) < 0
				? roci_failx(err, EPIPE, "send pty to parent") : 0;
		else
			r = roci_terminal_send_master(a->console_fd, master, err);
		close(master);
	}
	if (a->console_fd >= 0)
		close(a->console_fd);
	return r;
}

/* Mounts, hooks between them, pivot, terminal, and the last touches. */
static int setup_rootfs(const struct roci_init_args *a, char *hook_state, size_t hook_state_cap,
			struct roci_err *err)
{
	const struct roci_config *cfg = a->cfg;
	struct roci_rootfs_ctx rctx = {
		.cfg = cfg,
		.log = a->log,
		.rootfs = a->rootfs,
		.bundle = a->bundle,
		.no_pivot = a->no_pivot,
		.userns = cfg->ns[ROCI_NS_USER].present,
		.new_mount_ns = cfg->ns[ROCI_NS_MOUNT].present,
		.mount_label = roci_lsm_mount_label(cfg),
		.premounts = a->premounts,
	};
	int r = roci_rootfs_prepare(&rctx, err);
	if (r < 0)
		return r;
	r = run_create_hooks(a, hook_state, hook_state_cap, err);
	if (r < 0)
		return r;
	r = roci_rootfs_pivot(&rctx, err);
	if (r < 0)
		return r;
	r = setup_terminal(a, ROCI_TTY_BIND_CONSOLE, err);
	if (r < 0)
		return r;
	/* a missing cwd is made while the root can still be written */
	if (cfg->process && (r = roci_process_make_cwd(cfg->process, err)) < 0)
		return r;
	return roci_rootfs_finalize(&rctx, err);
}

/* The process's surroundings that need no privilege change: cwd, the
 * program, rlimits, its stdio's owner, the memory policy, scheduling,
 * personality, LSM labels. */
static int prepare_process(const struct roci_init_args *a, const struct roci_process *p,
			   char **exec_path, struct roci_err *err)
{
	int r = roci_process_make_cwd(p, err);
	if (r < 0)
		return r;
	r = roci_process_chdir(p, true, err);
	if (r < 0)
		return r;
	r = roci_process_lookup(p, exec_path, err);
	if (r < 0)
		return r;
	r = roci_process_rlimits(p, err);
	if (r < 0)
		return r;
	r = roci_process_chown_stdio(p, err);
	if (r < 0)
		return r;
	r = roci_mempolicy_apply(a->cfg, err);
	if (r < 0)
		return r;
	r = roci_sched_apply(p, err);
	if (r < 0)
		return r;
	r = roci_personality_apply(a->cfg, err);
	if (r < 0)
		return r;
	return roci_lsm_set_exec_labels(p, a->procfs_fd, err);
}

/* seccomp, capabilities and the user, in the order the kernel allows. */
static int drop_privileges(const struct roci_init_args *a, const struct roci_process *p,
			   struct roci_err *err)
{
	int r;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it
	 * before the capabilities and the user change. */
	if (!p->no_new_privileges) {
		r = install_seccomp(a, err);
		if (r < 0)
			return r;
	}
	struct roci_caps caps = roci_caps_of(p, a->cap_last);
	if (p->has_capabilities) {
		r = roci_caps_prepare(&caps, err);
		if (r < 0)
			return r;
	}
	r = roci_process_set_user(p, a->cfg->ns[ROCI_NS_USER].present, err);
	if (r < 0)
		return r;
	if (p->has_capabilities) {
		r = roci_caps_apply(&caps, err);
		if (r < 0)
			return r;
	}
	/* Again as the container user, where its permissions allow; a cwd
	 * only root can reach stays the one entered above (as runc). */
	r = roci_process_chdir(p, false, err);
	if (r < 0)
		return r;
	/* final wins; initial alone stays; without either the process gets
	 * its cgroup's CPUs, not the affinity roci was started with */
	if (p->cpu_affinity_final)
		r = roci_sched_set_affinity(0, p->cpu_affinity_final, err);
	else if (!p->cpu_affinity_initial)
		r = roci_sched_reset_affinity(err);
	if (r < 0)
		return r;
	if (p->no_new_privileges) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return roci_fail(err, errno, "set no_new_privs");
		/* As late as possible: few of our own syscalls are filtered. */
		r = install_seccomp(a, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Anything that reaches the parked init before `start` (an exec, a hook,
 * /proc/PID/fd) finds only stdio, the passed fds, the sync socket (until
 * ready), exec.fifo and the runtime's procfs handle: the rest, the --log
 * file included, is closed, not just close-on-exec (security.md #2). Done
 * before a seccomp filter could deny close_range. */
static void close_inherited_fds(const struct roci_init_args *a)
{
	int needed[] = { a->sync_fd, a->fifo_fd, a->procfs_fd };
	roci_process_close_fds(3 + a->keep_fds, needed, ARRAY_SIZE(needed));
}

static int run_setup(const struct roci_init_args *a, char *hook_state, size_t hook_state_cap,
		     char **exec_path, struct roci_err *err)
{
	ROCI_STEP("init: cloned");
	int r = a->cg_self ? roci_cgroup_join_self(a->cg_self, err) : 0;
	if (r == 0)
		r = wait_go(a->sync_fd, err);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (r == 0) {
		ROCI_STEP("init: told to go on");
		r = setup_namespaces(a, err);
	}
	if (r == 0)
		r = setup_session(a, err);
	if (r == 0) {
		ROCI_STEP("init: namespaces set up");
		r = setup_rootfs(a, hook_state, hook_state_cap, err);
	}
	if (r == 0) {
		ROCI_STEP("init: root filesystem set up");
		close_inherited_fds(a);
	}
	if (r < 0 || !a->cfg->process)
		return r;
	r = prepare_process(a, a->cfg->process, exec_path, err);
	if (r == 0) {
		ROCI_STEP("init: process prepared");
		r = drop_privileges(a, a->cfg->process, err);
	}
	return r;
}

/* Block until `start` opens exec.fifo, then tell it we go. Returns the
 * fifo's write end. */
static int wait_for_start(const struct roci_init_args *a, struct roci_err *err)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "thread-self/fd/%d", a->fifo_fd);
	/* The filter is in place by now: pages are released only where it
	 * lets madvise through or fail quietly. */
	struct roci_program_image im = { 0 };
	if (a->release_parked && roci_seccomp_quiet_for(a->cfg->seccomp, "madvise"))
		roci_program_image(&im);
	int fd = roci_open_released(a->procfs_fd, rel, O_WRONLY | O_CLOEXEC, &im);
	if (fd < 0)
		return roci_fail(err, errno, "open exec fifo");
	ssize_t n = write(fd, "0", 1);
	if (n != 1) {
		close(fd);
		return roci_fail(err, errno ? errno : EIO, "write exec fifo");
	}
	/* The write end stays open (close-on-exec): `start` sees end-of-file
	 * exactly when the process has been exec'd, or the init died. */
	return fd;
}

void roci_init_main(const struct roci_init_args *a)
{
	struct roci_err err = { 0 };
	/* malloc, not calloc: only what the state document fills is touched
	 * (64 KiB of zeros would be charged to the container's memory) */
	_cleanup_free_ char *hook_state = malloc(ROCI_SYNC_TEXT_MAX);
	_cleanup_free_ char *exec_path = NULL;

	/* `run` blocks the signals it forwards; the container starts with
	 * none blocked. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The parent's lock must not outlive the parent's hold on it. */
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	/* a user's roci opens /proc/PID/uid_map of this process: that needs
	 * it dumpable until then (run_setup turns it off after) */
	if (!a->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (!hook_state)
		_exit(1);
	hook_state[0] = '\0';

	int r = run_setup(a, hook_state, ROCI_SYNC_TEXT_MAX, &exec_path, &err);
	if (r < 0) {
		roci_sync_send_error(a->sync_fd, &err);
		_exit(1);
	}
	if (roci_sync_send(a->sync_fd, ROCI_SYNC_READY, 0, NULL, -1) < 0)
		_exit(1);
	/* From here on the parent has gone: the container lives on its own. */
	close(a->sync_fd);
	ROCI_STEP("init: parked");
	struct roci_log log = *a->log;
	log.fd = STDERR_FILENO; /* the --log file was closed */

	int fifo_w = wait_for_start(a, &err);
	if (fifo_w < 0) {
		roci_error(&log, "%s", err.msg);
		_exit(1);
	}
	close(a->fifo_fd);
	ROCI_STEP("init: started");
	if (!a->cfg->process)
		_exit(0);

	char **env = roci_process_env(a->cfg->process, a->listen_fds);
	if (!env)
		_exit(1);
	/* a startContainer hook without env sees the process's (as with runc) */
	const struct roci_hook_env he = { .env = env };
	r = roci_hooks_run(a->cfg, ROCI_HOOK_START_CONTAINER, hook_state, &he, &log, &err);
	if (r < 0) {
		roci_error(&log, "%s", err.msg);
		_exit(1);
	}
	roci_process_keep_fds(a->keep_fds);
	close(a->procfs_fd);
	execve(exec_path, a->cfg->process->args, env);
	fprintf(stderr, "roci: exec %s: %s\n", exec_path, strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* ---- exec ---------------------------------------------------------------- */

/* Join the container's namespaces (user first: the others may be owned by
 * it; pid and time were entered by the parent around the clone). */
static int join_container(const struct roci_init_args *a, struct roci_err *err)
{
	int r = roci_ns_join(a->plan, true, false, err);
	if (r == 0)
		r = roci_ns_join(a->plan, false, true, err);
	if (r < 0)
		return r;
	if (a->cfg->ns[ROCI_NS_USER].present && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return roci_fail(err, errno, "become root in the user namespace");
	if (setsid() < 0)
		return roci_fail(err, errno, "setsid");
	if (!a->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS && errno != EPERM && errno != EACCES)
		return roci_fail(err, errno, "join session keyring");
	return 0;
}

void roci_exec_init_main(const struct roci_init_args *a)
{
	struct roci_err err = { 0 };
	_cleanup_free_ char *exec_path = NULL;
	const struct roci_process *p = a->cfg->process;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	ROCI_STEP("exec init: cloned");
	int r = a->cg_self ? roci_cgroup_join_self(a->cg_self, &err) : 0;
	if (r == 0)
		r = wait_go(a->sync_fd, &err);
	if (r == 0) {
		ROCI_STEP("exec init: told to go on");
		r = join_container(a, &err);
	}
	if (r == 0)
		r = setup_terminal(a, 0, &err); /* /dev/console is the init's */
	if (r == 0) {
		int needed[] = { a->sync_fd, a->procfs_fd };
		roci_process_close_fds(3 + a->keep_fds, needed, ARRAY_SIZE(needed));
		ROCI_STEP("exec init: joined the container");
		r = prepare_process(a, p, &exec_path, &err);
	}
	if (r == 0)
		r = drop_privileges(a, p, &err);
	char **env = r == 0 ? roci_process_env(p, a->listen_fds) : NULL;
	if (r == 0 && !env)
		r = roci_fail(&err, ENOMEM, "environment");
	if (r < 0) {
		roci_sync_send_error(a->sync_fd, &err);
		_exit(1);
	}
	roci_process_keep_fds(a->keep_fds);
	close(a->procfs_fd);
	/* The sync socket closes on exec: that end-of-file tells the parent. */
	execve(exec_path, p->args, env);
	int e = errno;
	char text[128];
	roci_failx(&err, e, "exec: \"%s\": %s", p->args[0], roci_errno_text(e, text, sizeof(text)));
	roci_sync_send_error(a->sync_fd, &err);
	_exit(e == ENOENT ? 127 : 126);
}
