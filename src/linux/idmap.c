/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "linux/namespaces.h"
#include "util/cleanup.h"
#include "util/libc_compat.h"

bool roci_idmap_wanted(const struct roci_mount *m)
{
	if (m->n_uid_mappings || m->n_gid_mappings)
		return true;
	for (size_t i = 0; i < m->n_options; i++)
		if (!strcmp(m->options[i], "idmap") || !strcmp(m->options[i], "ridmap"))
			return true;
	return false;
}

/* A user namespace holding the mappings, as an fd: a child made in it
 * waits on a pipe while its maps are written and its namespace opened. */
static int userns_with(int procfs_fd, const struct roci_id_mapping *uid, size_t nu,
		       const struct roci_id_mapping *gid, size_t ng, struct roci_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return roci_fail(err, errno, "idmapped mount: pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return roci_fail(err, errno, "idmapped mount: make a user namespace");
	}
	int fd = -1, r = roci_ns_write_id_maps(procfs_fd, pid, "mounts", uid, nu, gid, ng, err);
	if (r == 0) {
		char path[64];
		snprintf(path, sizeof(path), "%d/ns/user", (int)pid);
		if ((fd = openat(procfs_fd, path, O_RDONLY | O_CLOEXEC)) < 0)
			r = roci_fail(err, errno, "idmapped mount: open /proc/%s", path);
	}
	close(p[1]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r < 0 ? r : fd;
}

int roci_idmap_clone(const struct roci_config *cfg, const struct roci_mount *m, int bundle_fd,
		     int procfs_fd, struct roci_err *err)
{
	_cleanup_opts_ struct roci_mount_opts o = { 0 };
	int r = roci_mount_opts_parse(m->options, m->n_options, &o, err);
	if (r < 0)
		return r;
	const char *dst = m->destination ? m->destination : "";
	if (!(m->type && !strcmp(m->type, "bind")) && !(o.flags & MS_BIND))
		return roci_failx(err, ENOTSUP, "mount %s: idmapped mounts are bind mounts only", dst);
	if (!m->source || !*m->source)
		return roci_failx(err, EINVAL, "mount %s: an idmapped mount needs a source", dst);
	const struct roci_id_mapping *uid = m->uid_mappings, *gid = m->gid_mappings;
	size_t nu = m->n_uid_mappings, ng = m->n_gid_mappings;
	if (!nu && !ng) {
		uid = cfg->uid_mappings, nu = cfg->n_uid_mappings;
		gid = cfg->gid_mappings, ng = cfg->n_gid_mappings;
	}
	if (!nu || !ng)
		return roci_failx(err, EINVAL,
				  "mount %s: an idmapped mount needs uidMappings and gidMappings, its own or the container's user namespace's",
				  dst);
	_cleanup_close_ int ns = userns_with(procfs_fd, uid, nu, gid, ng, err);
	if (ns < 0)
		return roci_err_wrap(err, "mount %s", dst);
	int dirfd = m->source[0] == '/' ? AT_FDCWD : bundle_fd;
	_cleanup_close_ int mnt = roci_mount_clone(dirfd, m->source, o.flags & MS_REC, err);
	if (mnt < 0)
		return roci_err_wrap(err, "mount %s on %s", m->source, dst);
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns };
	if (mount_setattr(mnt, "", AT_EMPTY_PATH | (o.ridmap ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
		return roci_fail(err, errno, "mount %s on %s: idmap %s (can its filesystem be idmapped?)",
				 m->source, dst, m->source);
	return TAKE_FD(mnt);
}
