/* SPDX-License-Identifier: Apache-2.0 */
/* Namespaces: opening and checking joined namespaces, clone3, setns and
 * unshare, uid/gid maps and time namespace offsets. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* How the container init comes to life. */
struct roci_ns_plan {
	int path_fds[ROCI_NS_COUNT];  /* opened ns files for joined namespaces, -1 if none */
	int clone_flags;              /* CLONE_NEW* created by clone3 itself */
	int unshare_flags;            /* CLONE_NEW* the child unshares (not pid/time) */
	bool child_unshares_user;     /* the child unshares CLONE_NEWUSER and asks for maps */
	bool fork_for_pid;            /* the child unshares pid (and time) and forks the init */
	bool parent_writes_maps;      /* maps are written right after clone3 */
	bool parent_timens;           /* the parent prepares the time ns with offsets */
	bool parent_joins_user;       /* the parent enters the user ns (joined by path) first:
				       * a user has no right to the pid ns outside it */
};

/* Open every `path` namespace (in the caller's mount namespace) and verify its
 * type matches, then decide the plan. */
int roci_ns_plan(const struct roci_config *cfg, struct roci_ns_plan *plan, struct roci_err *err);
void roci_ns_plan_close(struct roci_ns_plan *plan);
/* How many namespaces the plan joins by path. */
static inline int roci_ns_plan_joined(const struct roci_ns_plan *plan)
{
	int n = 0;
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		n += plan->path_fds[t] >= 0;
	return n;
}

/* clone3(flags | CLONE_PIDFD) with SIGCHLD; returns like fork(). *pidfd gets
 * the child's pidfd in the parent. With cgroup_fd (>= 0) the child is born
 * in that cgroup (CLONE_INTO_CGROUP); where the kernel lacks it, *cgroup_fd
 * is set to -1 and the child starts in the caller's cgroup. */
pid_t roci_clone3(int flags, int *pidfd, int *cgroup_fd);

/* Write uid_map and gid_map of pid (those given: n > 0) through the
 * runtime's procfs handle; what names the fields in errors ("linux" gives
 * "linux.uidMappings: ..."). */
int roci_ns_write_id_maps(int procfs_fd, pid_t pid, const char *what, const struct roci_id_mapping *uid,
			  size_t nu, const struct roci_id_mapping *gid, size_t ng, struct roci_err *err);
/* Write uid_map and gid_map of pid through the runtime's procfs handle. */
int roci_ns_write_maps(int procfs_fd, pid_t pid, const struct roci_config *cfg,
		       struct roci_err *err);

/* In the child: join namespaces of `types` from plan (user first). */
int roci_ns_join(const struct roci_ns_plan *plan, bool user_only, bool skip_user,
		 struct roci_err *err);

/* Parent-side preparation of joined pid/time namespaces and of a new time
 * namespace with offsets, for the next clone. saved[] holds the parent's own
 * pid_for_children/time_for_children to restore afterwards. */
struct roci_ns_saved {
	int pid_fd;
	int time_fd;
};
int roci_ns_parent_enter(const struct roci_config *cfg, const struct roci_ns_plan *plan,
			 int procfs_fd, struct roci_ns_saved *saved, struct roci_err *err);
void roci_ns_parent_restore(struct roci_ns_saved *saved);

/* Write /proc/self/timens_offsets for a time namespace created by unshare. */
int roci_ns_write_timens_offsets(int procfs_fd, const struct roci_config *cfg,
				 struct roci_err *err);

/* Write "deny" to /proc/PID/setgroups: the kernel's condition for an
 * unprivileged process to write a gid_map */
int roci_ns_deny_setgroups(int procfs_fd, pid_t pid, struct roci_err *err);

/* Whether this process runs in a user namespace other than the host's
 * (the initial one, whose /proc/self/ns/user has a fixed inode). */
bool roci_ns_in_user_namespace(void);
