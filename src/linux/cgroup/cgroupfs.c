/* SPDX-License-Identifier: Apache-2.0 */
/* The bottom of the cgroup subsystem, for the files above it: reading,
 * writing and removing cgroup files, finding the cgroup hierarchies
 * mounted on the host and our own cgroup in each, and the container's
 * directory for a controller. It calls nothing else in this folder. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "linux/cgroup/cgroup_internal.h"
#include "linux/mountinfo.h"
#include "util/cleanup.h"

/* ---- lists ------------------------------------------------------------- */

bool roci_cg_in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && !strncmp(p, word, n))
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

static size_t list_len(const char *list)
{
	size_t n = 0;
	for (const char *p = list; p && *p; p++)
		n += *p == ',';
	return list && *list ? n + 1 : 0;
}

/* ---- files ------------------------------------------------------------- */

int roci_cg_write(const char *dir, const char *file, const char *value, struct roci_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return roci_fail(err, errno, "open %s", path);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return roci_fail(err, errno, "write %s to %s", value, path);
	if ((size_t)n != len)
		return roci_failx(err, EIO, "write %s to %s: short write", value, path);
	return 0;
}

int roci_cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

bool roci_cg_has_file(const char *dir, const char *file)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

bool roci_cg_next_pid(FILE *f, long *pid)
{
	char line[32];
	while (f && fgets(line, sizeof(line), f)) {
		char *end;
		errno = 0;
		long v = strtol(line, &end, 10);
		if (end != line && errno == 0) {
			*pid = v;
			return true;
		}
	}
	return false;
}

int roci_cg_rmdir_wait(const char *path, int timeout_ms)
{
	for (int waited = 0;; waited++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || waited >= timeout_ms)
			return -errno;
		nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
	}
}

/* ---- hierarchies ------------------------------------------------------- */

static const char *const v1_controllers[] = {
	"cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls",
	"perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc", "debug",
};

static bool is_v1_controller(const char *s)
{
	if (!strncmp(s, "name=", 5))
		return s[5] != '\0';
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
		if (!strcmp(s, v1_controllers[i]))
			return true;
	return false;
}

/* Controllers of a v1 mount from its super options ("rw,cpu,cpuacct"). */
static void v1_ctrls_from_opts(const char *opts, char *out, size_t len)
{
	out[0] = '\0';
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", opts);
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!is_v1_controller(w))
			continue;
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%s", used ? "," : "", w);
	}
}

static int preference(const char *mnt)
{
	if (!strcmp(mnt, "/sys/fs/cgroup"))
		return 3;
	if (!strncmp(mnt, "/sys/fs/cgroup/", 15))
		return 2;
	return 1;
}

/* Every cgroup hierarchy mounted in our mount namespace, one mount each
 * (the one under /sys/fs/cgroup when there are several). */
int roci_cg_hierarchies(struct roci_cg_hier *h, size_t *n)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	*n = 0;
	while (getline(&line, &cap, f) > 0) {
		struct roci_mountinfo e;
		if (!roci_mountinfo_parse(line, &e))
			continue;
		bool v2 = !strcmp(e.fstype, "cgroup2");
		if (!v2 && strcmp(e.fstype, "cgroup"))
			continue;
		const char *mnt = e.mountpoint;
		struct roci_cg_hier cur = { .v2 = v2 };
		if (!v2) {
			v1_ctrls_from_opts(e.super, cur.ctrls, sizeof(cur.ctrls));
			if (!cur.ctrls[0])
				continue;
		}
		size_t i;
		for (i = 0; i < *n; i++)
			if (h[i].v2 == v2 && !strcmp(h[i].ctrls, cur.ctrls))
				break;
		if (i < *n ? preference(mnt) <= preference(h[i].mnt) : *n == ROCI_CG_MAX_HIERARCHIES)
			continue;
		if (!(cur.mnt = strdup(mnt)) || !(cur.root = strdup(e.root))) {
			free(cur.mnt);
			roci_cg_hierarchies_free(h, *n);
			*n = 0;
			return -ENOMEM;
		}
		if (i < *n) {
			free(h[i].mnt);
			free(h[i].root);
		} else {
			(*n)++;
		}
		h[i] = cur;
	}
	return 0;
}

void roci_cg_hierarchies_free(struct roci_cg_hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].mnt);
		free(h[i].root);
		h[i].mnt = h[i].root = NULL;
	}
}

/* Our own cgroup in the hierarchy with these controllers (v2: ""). */
int roci_cg_own_cgroup(const char *proc_cgroup, const struct roci_cg_hier *h, char *out, size_t len)
{
	_cleanup_free_ char *copy = strdup(proc_cgroup);
	if (!copy)
		return -ENOMEM;
	char *lsave = NULL;
	for (char *line = strtok_r(copy, "\n", &lsave); line; line = strtok_r(NULL, "\n", &lsave)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		bool match;
		if (h->v2) {
			match = c1 == line + 1 && line[0] == '0' && !*ctrls;
		} else {
			match = *ctrls && list_len(ctrls) == list_len(h->ctrls);
			char buf[256];
			snprintf(buf, sizeof(buf), "%s", h->ctrls);
			char *save = NULL;
			for (char *w = strtok_r(buf, ",", &save); match && w; w = strtok_r(NULL, ",", &save))
				match = roci_cg_in_list(ctrls, w);
		}
		if (!match)
			continue;
		/* relative to the mount's root when that is not the hierarchy's */
		size_t rl = strlen(h->root);
		if (strcmp(h->root, "/") && !strncmp(path, h->root, rl) && (path[rl] == '/' || !path[rl]))
			path += rl;
		snprintf(out, len, "%s", *path ? path : "/");
		return 0;
	}
	return -ENOENT;
}

/* ---- the container's directories --------------------------------------- */

const struct roci_cg_dir *roci_cg_find(const struct roci_cgroup *cg, const char *ctrl, bool *v2)
{
	for (size_t i = 0; i < cg->n; i++) {
		if (!cg->dirs[i].v2 && roci_cg_in_list(cg->dirs[i].controllers, ctrl)) {
			*v2 = false;
			return &cg->dirs[i];
		}
	}
	for (size_t i = 0; i < cg->n; i++) {
		if (!cg->dirs[i].v2)
			continue;
		char buf[512];
		if (roci_cg_read(cg->dirs[i].path, "cgroup.controllers", buf, sizeof(buf)) < 0)
			continue;
		for (char *p = buf; *p; p++)
			if (*p == ' ')
				*p = ',';
		if (roci_cg_in_list(buf, ctrl)) {
			*v2 = true;
			return &cg->dirs[i];
		}
	}
	return NULL;
}

const struct roci_cg_dir *roci_cg_v2_dir(const struct roci_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].v2)
			return &cg->dirs[i];
	return NULL;
}
