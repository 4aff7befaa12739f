/* SPDX-License-Identifier: Apache-2.0 */
/* Managing a live container through its cgroup: pause/resume, update,
 * the pids in it, and statistics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup/cgroup.h"
#include "linux/procfs.h"
#include "runtime/container.h"
#include "util/cleanup.h"

/* Load with the lock and check the container has a cgroup. */
static int load_with_cgroup(const char *root, const char *id, bool lock, struct roci_container *c,
			    struct roci_cgroup *cg, struct roci_err *err)
{
	memset(cg, 0, sizeof(*cg));
	int r = roci_container_load(root, id, lock, c, err);
	if (r < 0)
		return r;
	r = roci_container_cgroup(c, cg, err);
	if (r == 0 && !cg->n)
		r = roci_failx(err, ENOTSUP, "container %s has no cgroup", id);
	if (r < 0)
		roci_container_close(c);
	return r;
}

int roci_container_pause(const char *root, const char *id, bool pause, struct roci_err *err)
{
	struct roci_container c;
	struct roci_cgroup cg;
	int r = roci_container_load(root, id, true, &c, err);
	if (r < 0)
		return r;
	if (pause && c.status != ROCI_STATUS_RUNNING) {
		r = roci_failx(err, EINVAL, "container not running");
		goto out;
	}
	if (!pause && c.status != ROCI_STATUS_PAUSED) {
		r = roci_failx(err, EINVAL, "container not paused");
		goto out;
	}
	r = roci_container_cgroup(&c, &cg, err);
	if (r == 0) {
		r = cg.n ? roci_cgroup_freeze(&cg, pause, err)
			 : roci_failx(err, ENOTSUP, "container %s has no cgroup to freeze", id);
		roci_cgroup_free(&cg);
	}
out:
	roci_container_close(&c);
	return r;
}

int roci_container_update(const char *root, const char *id, const struct roci_resources *res,
			  const struct roci_log *log, struct roci_err *err)
{
	struct roci_container c;
	struct roci_cgroup cg;
	int r = load_with_cgroup(root, id, true, &c, &cg, err);
	if (r < 0)
		return r;
	if (c.status == ROCI_STATUS_STOPPED)
		r = roci_failx(err, EINVAL, "container not running");
	else
		r = roci_cgroup_apply(&cg, res, true, log, err);
	roci_cgroup_free(&cg);
	roci_container_close(&c);
	return r;
}

struct pid_list {
	pid_t *pids;
	size_t n, cap;
};

static int add_pid(void *arg, pid_t pid)
{
	struct pid_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		pid_t *p = realloc(l->pids, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->pids = p;
		l->cap = cap;
	}
	l->pids[l->n++] = pid;
	return 0;
}

int roci_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
			struct roci_err *err)
{
	struct roci_container c;
	struct roci_cgroup cg = { 0 };
	*pids = NULL;
	*n = 0;
	int r = roci_container_load(root, id, false, &c, err);
	if (r < 0)
		return r;
	r = roci_container_cgroup(&c, &cg, err);
	/* a stopped container has no process: an empty answer (as runc) */
	if (r == 0 && cg.n && c.status != ROCI_STATUS_STOPPED)
		r = roci_cgroup_pids(&cg, pids, n, err);
	/* one without a cgroup (a user's, or --cgroup-manager disabled): the
	 * processes of its pid namespace */
	if (r == 0 && !cg.n && c.status != ROCI_STATUS_STOPPED &&
	    roci_pid_alive(c.st->pid, c.st->pid_starttime)) {
		struct pid_list l = { 0 };
		r = roci_pidns_each(c.st->pid, add_pid, &l);
		if (r < 0) {
			free(l.pids);
			r = roci_fail(err, -r, "processes of container %s", id);
		} else {
			*pids = l.pids;
			*n = l.n;
		}
	}
	roci_cgroup_free(&cg);
	roci_container_close(&c);
	return r;
}
