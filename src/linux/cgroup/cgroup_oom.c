/* SPDX-License-Identifier: Apache-2.0 */
/* OOM notification for `events`: an inotify watch on memory.events (v2) or
 * an eventfd on memory.oom_control (v1). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

uint64_t roci_cg_keyed(const char *dir, const char *file, const char *key)
{
	char buf[8192];
	if (roci_cg_read(dir, file, buf, sizeof(buf)) <= 0)
		return 0;
	size_t kl = strlen(key);
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			return strtoull(line + kl + 1, NULL, 10);
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int roci_cgroup_oom_fd(const struct roci_cgroup *cg, unsigned long long *counter)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "memory", &v2);
	if (!d)
		return -1;
	if (v2) {
		*counter = roci_cgroup_oom_kills(cg);
		int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		char path[4200];
		snprintf(path, sizeof(path), "%s/memory.events", d->path);
		if (fd >= 0 && inotify_add_watch(fd, path, IN_MODIFY) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/memory.oom_control", d->path);
	_cleanup_close_ int ctl = open(path, O_RDONLY | O_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl < 0 || efd < 0) {
		if (efd >= 0)
			close(efd);
		return -1;
	}
	char v[32];
	snprintf(v, sizeof(v), "%d %d", efd, ctl);
	struct roci_err e = { 0 };
	if (roci_cg_write(d->path, "cgroup.event_control", v, &e) < 0) {
		close(efd);
		return -1;
	}
	return efd;
}

bool roci_cgroup_oom_check(const struct roci_cgroup *cg, int fd, unsigned long long *counter)
{
	char buf[4096];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "memory", &v2);
	if (!d)
		return false;
	if (!v2)
		return true;  /* the eventfd only fires on OOM */
	unsigned long long now = roci_cgroup_oom_kills(cg);
	bool oom = now > *counter;
	*counter = now;
	return oom;
}

bool roci_cgroup_memory_is_new(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "memory", &v2);
	return d && d->made_from;
}

unsigned long long roci_cgroup_oom_kills(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "memory", &v2);
	if (!d)
		return 0;
	return roci_cg_keyed(d->path, v2 ? "memory.events" : "memory.oom_control", "oom_kill");
}
