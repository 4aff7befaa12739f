/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/nsfs.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static bool ns_new(const struct roci_config *cfg, enum roci_ns_type t)
{
	return cfg->ns[t].present && !cfg->ns[t].path;
}

static bool ns_joined(const struct roci_config *cfg, enum roci_ns_type t)
{
	return cfg->ns[t].present && cfg->ns[t].path;
}

static bool has_time_offsets(const struct roci_config *cfg)
{
	return cfg->time_offsets[0].present || cfg->time_offsets[1].present;
}

void roci_ns_plan_close(struct roci_ns_plan *plan)
{
	for (int t = 0; t < ROCI_NS_COUNT; t++) {
		if (plan->path_fds[t] >= 0)
			close(plan->path_fds[t]);
		plan->path_fds[t] = -1;
	}
}

int roci_ns_plan(const struct roci_config *cfg, struct roci_ns_plan *plan, struct roci_err *err)
{
	memset(plan, 0, sizeof(*plan));
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		plan->path_fds[t] = -1;

	bool any_joined_besides_pid_time = false;
	for (int t = 0; t < ROCI_NS_COUNT; t++) {
		if (!ns_joined(cfg, (enum roci_ns_type)t))
			continue;
		const char *path = cfg->ns[t].path;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int r = roci_fail(err, errno, "open %s namespace %s", roci_ns_name((enum roci_ns_type)t), path);
			roci_ns_plan_close(plan);
			return r;
		}
		plan->path_fds[t] = fd;
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type < 0 || type != roci_ns_clone_flag((enum roci_ns_type)t)) {
			roci_ns_plan_close(plan);
			return roci_failx(err, EINVAL, "namespace path %s is not a %s namespace",
					  path, roci_ns_name((enum roci_ns_type)t));
		}
		if (t != ROCI_NS_PID && t != ROCI_NS_TIME)
			any_joined_besides_pid_time = true;
	}

	int new_flags = 0;
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		if (ns_new(cfg, (enum roci_ns_type)t))
			new_flags |= roci_ns_clone_flag((enum roci_ns_type)t);

	/* A new time namespace with offsets must be prepared by the parent:
	 * offsets can only be written before any process lives in it. */
	if (ns_new(cfg, ROCI_NS_TIME) && has_time_offsets(cfg)) {
		plan->parent_timens = true;
		new_flags &= ~CLONE_NEWTIME;
	}

	/* A new cgroup namespace is rooted at the cgroup of its creator: the
	 * child unshares it after the parent has moved it into the
	 * container's cgroup. */
	int late_flags = new_flags & CLONE_NEWCGROUP;
	new_flags &= ~CLONE_NEWCGROUP;
	plan->unshare_flags = late_flags;

	bool user_involved = cfg->ns[ROCI_NS_USER].present;
	if (!user_involved) {
		/* Everything new is created by clone3; paths are joined by the
		 * child (pid/time by the parent around the clone). */
		plan->clone_flags = new_flags;
		return 0;
	}
	if (ns_new(cfg, ROCI_NS_USER) && !any_joined_besides_pid_time && !ns_joined(cfg, ROCI_NS_PID)) {
		/* The fast path: one clone3 creates the user namespace and
		 * every other one, all owned by the new user namespace. */
		plan->clone_flags = new_flags;
		plan->parent_writes_maps = true;
		return 0;
	}
	/* The general path: the child joins what it must (user first),
	 * unshares the user namespace and asks for maps, unshares the rest,
	 * and forks the init into a new pid (and time) namespace. */
	plan->clone_flags = 0;
	plan->child_unshares_user = ns_new(cfg, ROCI_NS_USER);
	plan->unshare_flags = (new_flags & ~(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME)) | late_flags;
	plan->fork_for_pid = (new_flags & (CLONE_NEWPID | CLONE_NEWTIME)) != 0;
	return 0;
}

pid_t roci_clone3(int flags, int *pidfd, int *cgroup_fd)
{
	struct clone_args args;
	memset(&args, 0, sizeof(args));
	args.flags = (uint64_t)(unsigned)flags | CLONE_PIDFD;
	args.pidfd = (uint64_t)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	if (cgroup_fd && *cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)*cgroup_fd;
		pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0)
			return pid;
		/* an older kernel, or a cgroup the caller may not move a
		 * process into (a user's, outside its delegated subtree): the
		 * caller moves the child itself, or knows whom to ask */
		if (errno != EINVAL && errno != E2BIG && errno != ENOSYS && errno != EACCES && errno != EPERM)
			return pid;
		*cgroup_fd = -1;
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS) {
		*pidfd = -1;
		pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, NULL, NULL, 0);
	}
	return pid;
}

static int format_map(const struct roci_id_mapping *m, size_t n, char *buf, size_t cap)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + off, cap - off, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				 m[i].container_id, m[i].host_id, m[i].size);
		if (k < 0 || (size_t)k >= cap - off)
			return -E2BIG;
		off += (size_t)k;
	}
	return (int)off;
}

int roci_ns_write_id_maps(int procfs_fd, pid_t pid, const char *what, const struct roci_id_mapping *uid,
			  size_t nu, const struct roci_id_mapping *gid, size_t ng, struct roci_err *err)
{
	char buf[8192], rel[64];
	const struct {
		const char *file, *field;
		const struct roci_id_mapping *m;
		size_t n;
	} maps[] = { { "uid_map", "uidMappings", uid, nu }, { "gid_map", "gidMappings", gid, ng } };
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		if (!maps[i].n)
			continue;
		int n = format_map(maps[i].m, maps[i].n, buf, sizeof(buf));
		if (n < 0)
			return roci_failx(err, E2BIG, "%s.%s: too many mappings", what, maps[i].field);
		snprintf(rel, sizeof(rel), "%d/%s", (int)pid, maps[i].file);
		int r = roci_procfs_write(procfs_fd, rel, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int roci_ns_write_maps(int procfs_fd, pid_t pid, const struct roci_config *cfg,
		       struct roci_err *err)
{
	return roci_ns_write_id_maps(procfs_fd, pid, "linux", cfg->uid_mappings, cfg->n_uid_mappings,
				     cfg->gid_mappings, cfg->n_gid_mappings, err);
}

int roci_ns_join(const struct roci_ns_plan *plan, bool user_only, bool skip_user,
		 struct roci_err *err)
{
	/* The user namespace comes first: the others may be owned by it. */
	static const enum roci_ns_type order[] = {
		ROCI_NS_USER, ROCI_NS_IPC, ROCI_NS_UTS, ROCI_NS_NETWORK, ROCI_NS_CGROUP, ROCI_NS_MOUNT,
	};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		enum roci_ns_type t = order[i];
		if (plan->path_fds[t] < 0)
			continue;
		if (t == ROCI_NS_USER ? skip_user || plan->parent_joins_user : user_only)
			continue;
		if (setns(plan->path_fds[t], roci_ns_clone_flag(t)) < 0)
			return roci_fail(err, errno, "join %s namespace", roci_ns_name(t));
	}
	return 0;
}

int roci_ns_write_timens_offsets(int procfs_fd, const struct roci_config *cfg,
				 struct roci_err *err)
{
	char buf[256];
	size_t off = 0;
	static const char *names[] = { "monotonic", "boottime" };
	for (int i = 0; i < 2; i++) {
		const struct roci_timens_offset *o = &cfg->time_offsets[i];
		if (!o->present)
			continue;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s %" PRId64 " %" PRIu32 "\n",
					names[i], o->secs, o->nanosecs);
	}
	if (off == 0)
		return 0;
	/* Each line must be written with its own write(). */
	char *line = buf;
	while (*line) {
		char *nl = strchr(line, '\n');
		size_t len = (size_t)(nl - line) + 1;
		int r = roci_procfs_write(procfs_fd, "self/timens_offsets", line, len, err);
		if (r < 0)
			return r;
		line += len;
	}
	return 0;
}

int roci_ns_parent_enter(const struct roci_config *cfg, const struct roci_ns_plan *plan,
			 int procfs_fd, struct roci_ns_saved *saved, struct roci_err *err)
{
	saved->pid_fd = saved->time_fd = -1;
	bool pid_join = plan->path_fds[ROCI_NS_PID] >= 0;
	bool time_join = plan->path_fds[ROCI_NS_TIME] >= 0;
	/* for good: a user's process cannot leave a user namespace */
	if (plan->parent_joins_user && plan->path_fds[ROCI_NS_USER] >= 0 &&
	    setns(plan->path_fds[ROCI_NS_USER], CLONE_NEWUSER) < 0)
		return roci_fail(err, errno, "join user namespace %s", cfg->ns[ROCI_NS_USER].path);
	if (pid_join) {
		saved->pid_fd = roci_procfs_openat(procfs_fd, "self/ns/pid_for_children", O_RDONLY, err);
		if (saved->pid_fd < 0)
			return saved->pid_fd;
		if (setns(plan->path_fds[ROCI_NS_PID], CLONE_NEWPID) < 0)
			return roci_fail(err, errno, "join pid namespace %s", cfg->ns[ROCI_NS_PID].path);
	}
	if (time_join || plan->parent_timens) {
		saved->time_fd = roci_procfs_openat(procfs_fd, "self/ns/time_for_children", O_RDONLY, err);
		if (saved->time_fd < 0)
			return saved->time_fd;
		if (time_join) {
			if (setns(plan->path_fds[ROCI_NS_TIME], CLONE_NEWTIME) < 0)
				return roci_fail(err, errno, "join time namespace %s", cfg->ns[ROCI_NS_TIME].path);
		} else {
			if (unshare(CLONE_NEWTIME) < 0)
				return roci_fail(err, errno, "unshare time namespace");
			int r = roci_ns_write_timens_offsets(procfs_fd, cfg, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

void roci_ns_parent_restore(struct roci_ns_saved *saved)
{
	if (saved->pid_fd >= 0) {
		if (setns(saved->pid_fd, CLONE_NEWPID) < 0) {
			/* nothing better to do: the caller exits soon */
		}
		close(saved->pid_fd);
		saved->pid_fd = -1;
	}
	if (saved->time_fd >= 0) {
		if (setns(saved->time_fd, CLONE_NEWTIME) < 0) {
			/* as above */
		}
		close(saved->time_fd);
		saved->time_fd = -1;
	}
}

/* the inode number the kernel gives the initial user namespace */
#define ROCI_INIT_USER_NS_INO 0xEFFFFFFDUL

bool roci_ns_in_user_namespace(void)
{
	struct stat st;
	if (stat("/proc/self/ns/user", &st) < 0)
		return false; /* no procfs: assume the host's, as runc does */
	return st.st_ino != ROCI_INIT_USER_NS_INO;
}

int roci_ns_deny_setgroups(int procfs_fd, pid_t pid, struct roci_err *err)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "%d/setgroups", (int)pid);
	return roci_procfs_write(procfs_fd, rel, "deny", 4, err);
}
