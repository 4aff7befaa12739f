/* SPDX-License-Identifier: Apache-2.0 */
/* The processes of the container's cgroup: joining, listing, freezing
 * and signalling. (Removing the directories, once they are empty, is
 * roci_cgroup_destroy in cgroup.c.) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

/* A user's process outside the subtree its systemd was delegated may not
 * move itself in (the common ancestor is root's): the user's systemd
 * moves it, asking PID 1 where it must. */
static int enter_user_unit(const struct roci_cgroup *cg, pid_t pid, struct roci_err *err)
{
	struct roci_systemd *sd = cg->sd;
	int r = sd ? 0 : roci_systemd_connect(&sd, true, err);
	if (r == 0)
		r = roci_systemd_attach(sd, cg->unit, pid, err);
	if (sd != cg->sd)
		roci_systemd_close(sd);
	return r;
}

int roci_cgroup_enter(const struct roci_cgroup *cg, pid_t pid, unsigned skip, struct roci_err *err)
{
	if (cg->unit && cg->sd_user)
		return enter_user_unit(cg, pid, err);
	char val[32];
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		if (skip & (cg->dirs[i].v2 ? ROCI_CG_SKIP_V2 : ROCI_CG_SKIP_V1))
			continue;
		int r = roci_cg_write(cg->dirs[i].path, "cgroup.procs", val, err);
		/* a user's container runs without the cgroups it could not
		 * make (roci_cgroup_create) */
		if (r < 0 && cg->rootless && (err->code == ENOENT || err->code == EACCES || err->code == EPERM)) {
			roci_err_clear(err);
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int roci_cgroup_self_join_open(const struct roci_cgroup *cg, struct roci_cg_self_join *sj,
			       struct roci_err *err)
{
	sj->n = 0;
	if (cg->rootless)
		return 0;
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->dirs[i].v2)
			continue;
		if (sj->n == ROCI_CG_SELF_MAX) {
			roci_cgroup_self_join_close(sj);
			return 0;
		}
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/tasks", cg->dirs[i].path);
		int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			int e = errno;
			roci_cgroup_self_join_close(sj);
			return roci_fail(err, e, "open %s", path);
		}
		sj->dir[sj->n] = cg->dirs[i].path;
		sj->fd[sj->n++] = fd;
	}
	return sj->n > 0;
}

int roci_cgroup_join_self(struct roci_cg_self_join *sj, struct roci_err *err)
{
	int r = 0;
	for (size_t i = 0; i < sj->n; i++) {
		if (r == 0 && write(sj->fd[i], "0", 1) != 1)
			r = roci_fail(err, errno, "join cgroup %s", sj->dir[i]);
	}
	roci_cgroup_self_join_close(sj);
	return r;
}

void roci_cgroup_self_join_close(struct roci_cg_self_join *sj)
{
	for (size_t i = 0; i < sj->n; i++)
		close(sj->fd[i]);
	sj->n = 0;
}

/* ---- processes --------------------------------------------------------- */

static const char *procs_dir(const struct roci_cgroup *cg)
{
	const struct roci_cg_dir *d = roci_cg_v2_dir(cg);
	if (d && cg->mode == ROCI_CG_V2)
		return d->path;
	static const char *const pref[] = { "pids", "freezer", "memory", "devices", "cpu" };
	for (size_t p = 0; p < ARRAY_SIZE(pref); p++)
		for (size_t i = 0; i < cg->n; i++)
			if (!cg->dirs[i].v2 && roci_cg_in_list(cg->dirs[i].controllers, pref[p]))
				return cg->dirs[i].path;
	return d ? d->path : cg->n ? cg->dirs[0].path : NULL;
}

/* Append the pids in dirfd's cgroup.procs, then those of every cgroup
 * below it (callers and workloads make sub-cgroups), depth first. */
static int pids_under(int dirfd, const char *path, unsigned depth, pid_t **pids, size_t *n,
		      size_t *cap, struct roci_err *err)
{
	int pfd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : roci_fail(err, errno, "open %s/cgroup.procs", path);
	_cleanup_fclose_ FILE *f = fdopen(pfd, "re");
	if (!f) {
		close(pfd);
		return roci_fail(err, errno, "open %s/cgroup.procs", path);
	}
	long v;
	while (roci_cg_next_pid(f, &v)) {
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			pid_t *np = realloc(*pids, nc * sizeof(pid_t));
			if (!np)
				return roci_fail(err, ENOMEM, "cgroup pids");
			*pids = np;
			*cap = nc;
		}
		(*pids)[(*n)++] = (pid_t)v;
	}
	if (depth >= 32)
		return 0;
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!dir) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_close_ int sub = openat(dirfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		int r = pids_under(sub, de->d_name, depth + 1, pids, n, cap, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int roci_cgroup_pids(const struct roci_cgroup *cg, pid_t **pids, size_t *n, struct roci_err *err)
{
	*pids = NULL;
	*n = 0;
	const char *dir = procs_dir(cg);
	if (!dir)
		return 0;
	_cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : roci_fail(err, errno, "open %s", dir);
	size_t cap = 0;
	int r = pids_under(fd, dir, 0, pids, n, &cap, err);
	if (r < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
	}
	return r;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int roci_cgroup_freeze(const struct roci_cgroup *cg, bool freeze, struct roci_err *err)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "freezer", &v2);
	const struct roci_cg_dir *dv2 = roci_cg_v2_dir(cg);
	if (!d && dv2 && roci_cg_has_file(dv2->path, "cgroup.freeze")) {
		d = dv2;
		v2 = true;
	}
	if (!d)
		return roci_failx(err, ENOTSUP, "no freezer: the container's cgroup has no freezer controller");
	const char *file = v2 ? "cgroup.freeze" : "freezer.state";
	int r = roci_cg_write(d->path, file, v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED"), err);
	if (r < 0)
		return r;
	for (int i = 0; i < 2000; i++) {
		char buf[512];
		if (v2) {
			if (roci_cg_read(d->path, "cgroup.events", buf, sizeof(buf)) < 0)
				break;
			char *fz = strstr(buf, "frozen ");
			if (!fz || (fz[7] == '1') == freeze)
				return 0;
		} else {
			if (roci_cg_read(d->path, "freezer.state", buf, sizeof(buf)) < 0)
				break;
			if (!strcmp(buf, freeze ? "FROZEN" : "THAWED"))
				return 0;
			/* FREEZING: ask again, as the kernel may need a retry */
			if (freeze && i % 10 == 9)
				roci_cg_write(d->path, file, "FROZEN", err);
		}
		sleep_ms(1);
	}
	return roci_failx(err, ETIMEDOUT, "%s %s: timed out", freeze ? "freeze" : "thaw", d->path);
}

bool roci_cgroup_is_frozen(const struct roci_cgroup *cg)
{
	bool v2;
	char buf[512];
	const struct roci_cg_dir *d = roci_cg_find(cg, "freezer", &v2);
	if (d && !v2)
		return roci_cg_read(d->path, "freezer.state", buf, sizeof(buf)) > 0 && !strcmp(buf, "FROZEN");
	d = roci_cg_v2_dir(cg);
	if (!d || roci_cg_read(d->path, "cgroup.freeze", buf, sizeof(buf)) <= 0)
		return false;
	return buf[0] == '1';
}

/* v2: frozen itself or through an ancestor ("frozen 1" in cgroup.events) */
static bool v2_frozen(const struct roci_cgroup *cg)
{
	const struct roci_cg_dir *d = roci_cg_v2_dir(cg);
	char buf[512];
	return d && roci_cg_read(d->path, "cgroup.events", buf, sizeof(buf)) > 0 && strstr(buf, "frozen 1");
}

int roci_cgroup_check_unused(const struct roci_cgroup *cg, struct roci_err *err)
{
	/* every hierarchy: on a hybrid host a process may sit in one only; a
	 * directory roci has just made holds nothing (but may be frozen by
	 * its parent) */
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->dirs[i].made_from)
			continue;
		char buf[4096];
		int len = roci_cg_read(cg->dirs[i].path, "cgroup.procs", buf, sizeof(buf));
		if (len <= 0)
			continue;
		size_t n = 1;  /* one pid per line, the last newline cut */
		for (int k = 0; k < len; k++)
			n += buf[k] == '\n';
		return roci_failx(err, EBUSY, "container's cgroup is not empty: %s has %zu%s process(es)",
				  cg->dirs[i].path, n, len >= (int)sizeof(buf) - 2 ? " or more" : "");
	}
	if (roci_cgroup_is_frozen(cg) || v2_frozen(cg))
		return roci_failx(err, EBUSY, "container's cgroup is frozen: thaw it first");
	return 0;
}

int roci_cgroup_kill(const struct roci_cgroup *cg, int sig, struct roci_err *err)
{
	const struct roci_cg_dir *d = roci_cg_v2_dir(cg);
	if (sig == SIGKILL && d && cg->mode == ROCI_CG_V2 && roci_cg_has_file(d->path, "cgroup.kill"))
		return roci_cg_write(d->path, "cgroup.kill", "1", err);
	/* freeze so that nothing forks between reading the list and the kill */
	bool frozen = sig == SIGKILL && roci_cgroup_freeze(cg, true, &(struct roci_err){ 0 }) == 0;
	pid_t *pids;
	size_t n;
	int r = roci_cgroup_pids(cg, &pids, &n, err);
	if (r == 0) {
		for (size_t i = 0; i < n; i++)
			if (kill(pids[i], sig) < 0 && errno != ESRCH) {
				r = roci_fail(err, errno, "kill %d", (int)pids[i]);
				break;
			}
		free(pids);
	}
	if (frozen)
		roci_cgroup_freeze(cg, false, &(struct roci_err){ 0 });
	return r;
}

/* ---- exec --cgroup ------------------------------------------------------ */

int roci_cgroup_sub(struct roci_cgroup *cg, const char *spec, struct roci_err *err)
{
	const char *colon = strchr(spec, ':');
	const char *sub = colon ? colon + 1 : spec;
	_cleanup_free_ char *ctrl = colon ? strndup(spec, (size_t)(colon - spec)) : NULL;
	if (!*sub || sub[0] == '/' || strstr(sub, "..") || (colon && (!ctrl || !*ctrl)))
		return roci_failx(err, EINVAL, "--cgroup %s: want SUB or CONTROLLER:SUB, a relative path", spec);
	if (ctrl && cg->mode == ROCI_CG_V2)
		return roci_failx(err, EINVAL, "--cgroup %s: a controller is for cgroup v1 only", spec);
	bool any = false;
	for (size_t i = 0; i < cg->n; i++) {
		struct roci_cg_dir *d = &cg->dirs[i];
		if (ctrl && (d->v2 || !roci_cg_in_list(d->controllers, ctrl)))
			continue;
		char *p = NULL;
		if (asprintf(&p, "%s/%s", d->path, sub) < 0)
			return roci_fail(err, ENOMEM, "--cgroup");
		struct stat st;
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			int r = roci_failx(err, ENOENT, "--cgroup %s: %s does not exist", spec, p);
			free(p);
			return r;
		}
		free(d->path);
		d->path = p;
		any = true;
	}
	if (!any)
		return roci_failx(err, ENOENT, "--cgroup %s: the container has no %s cgroup", spec,
				  ctrl ? ctrl : "");
	return 0;
}
