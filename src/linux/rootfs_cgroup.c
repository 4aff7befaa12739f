/* SPDX-License-Identifier: Apache-2.0 */
/* A mounts[] entry of type "cgroup" (see rootfs_internal.h): on a cgroup2
 * host a cgroup2 mount, on a v1 or hybrid host a tmpfs with one directory
 * per hierarchy, each the container's own cgroup bound from the host or,
 * with a cgroup namespace, a fresh mount of the hierarchy. */
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/libc_compat.h"
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "linux/rootfs_internal.h"
#include "util/cleanup.h"

/* Has the comma-separated list `list` the token `tok`? */
static bool has_token(const char *list, const char *tok, size_t len)
{
	for (const char *p = list; p && *p;) {
		const char *e = strchrnul(p, ',');
		if ((size_t)(e - p) == len && !strncmp(p, tok, len))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

/* Our own cgroup in the hierarchy with these super options (cgroup2: v2). */
static bool own_cgroup(const char *super, bool v2, char *out, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 128];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1;
		bool match = v2 ? !*ctrls : *ctrls != '\0';
		for (const char *p = ctrls; match && *p;) {
			const char *e = strchrnul(p, ',');
			match = has_token(super, p, (size_t)(e - p));
			p = *e ? e + 1 : e;
		}
		if (match) {
			snprintf(out, len, "%s", c2 + 1);
			return true;
		}
	}
	return false;
}

/* Super options worth repeating for a fresh v1 mount of a hierarchy. */
static void v1_data(const char *super, char *out, size_t len)
{
	size_t n = 0;
	out[0] = '\0';
	for (const char *p = super; *p;) {
		const char *e = strchrnul(p, ',');
		size_t l = (size_t)(e - p);
		if (!(l == 2 && (!strncmp(p, "rw", 2) || !strncmp(p, "ro", 2))) &&
		    strncmp(p, "release_agent=", 14) != 0 && n + l + 2 < len) {
			n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? "," : "", (int)l, p);
		}
		p = *e ? e + 1 : e;
	}
}

/* One hierarchy under the tmpfs: its own cgroup bound from the host, or
 * (cgroup namespace) a fresh mount, which shows the namespace's root. */
static int cgroup_hierarchy(const struct mnt_state *st, int tmpfs_fd, const struct roci_mountinfo *e,
			    const struct roci_mount_opts *o, struct roci_err *err)
{
	bool cgroupns = st->ctx->cfg->ns[ROCI_NS_CGROUP].present;
	bool v2 = !strcmp(e->fstype, "cgroup2");
	const char *name = strrchr(e->mountpoint, '/') + 1;
	_cleanup_close_ int mnt = -1;
	if (cgroupns) {
		char data[512];
		v1_data(e->super, data, sizeof(data));
		mnt = roci_mount_new_fs(e->fstype, e->fstype, o->flags & MS_RDONLY, v2 ? NULL : data,
					roci_mount_flags_to_attr(o->flags), err);
	} else {
		char own[PATH_MAX], src[PATH_MAX * 2 + 2];
		if (!own_cgroup(e->super, v2, own, sizeof(own)))
			return roci_failx(err, ENOENT, "no own cgroup for %s", e->mountpoint);
		const char *rel = own;
		size_t rl = strlen(e->root);
		if (strcmp(e->root, "/") != 0)
			rel = strncmp(own, e->root, rl) == 0 && (own[rl] == '/' || !own[rl]) ? own + rl : "/";
		snprintf(src, sizeof(src), "%s%s", e->mountpoint, rel);
		mnt = roci_mount_clone(AT_FDCWD, src, true, err);
		if (mnt >= 0 && roci_rfs_bind_set_flags(mnt, o, name, err) < 0)
			return -err->code;
	}
	if (mnt < 0)
		return mnt;
	if (mkdirat(tmpfs_fd, name, 0755) < 0 && errno != EEXIST)
		return roci_fail(err, errno, "mkdir %s", name);
	_cleanup_close_ int dfd = openat(tmpfs_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return roci_fail(err, errno, "open %s", name);
	if (roci_mount_attach(mnt, dfd, err) < 0 || roci_rfs_apply_propagation(mnt, o, err) < 0)
		return -err->code;
	/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct" */
	for (const char *p = strchr(name, ',') ? name : ""; *p;) {
		const char *c = strchrnul(p, ',');
		_cleanup_free_ char *link = strndup(p, (size_t)(c - p));
		if (link && symlinkat(name, tmpfs_fd, link) < 0 && errno != EEXIST)
			return roci_fail(err, errno, "symlink %s", link);
		p = *c ? c + 1 : c;
	}
	return 0;
}

/* A "cgroup" mount. Options apply as given, except that a container without
 * a cgroup namespace gets it read-only unless the options explicitly say
 * "rw" (security.md #8). cgroup2 hosts get a cgroup2 mount; v1 and hybrid
 * hosts get a tmpfs with one directory per hierarchy, as runc does. */
int roci_rfs_mount_cgroup(const struct mnt_state *st, const struct roci_mount *m, const char *dst,
			  const struct roci_mount_opts *o_in, int dst_fd, struct roci_err *err)
{
	const struct roci_rootfs_ctx *ctx = st->ctx;
	bool cgroupns = ctx->cfg->ns[ROCI_NS_CGROUP].present;
	struct roci_mount_opts o = *o_in;
	if (!cgroupns && !(o.clear_flags & MS_RDONLY))
		o.flags |= MS_RDONLY;
	o.flags &= ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
	struct statfs sfs;
	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
		_cleanup_close_ int mnt = roci_mount_new_fs("cgroup2", m->source, o.flags & MS_RDONLY,
							    o.data, roci_mount_flags_to_attr(o.flags), err);
		if (mnt == -EPERM || mnt == -EBUSY) {
			/* e.g. a user namespace without a cgroup namespace */
			roci_debug(ctx->log, "mount cgroup2 on %s: %s; binding the host's", dst, err->msg);
			mnt = roci_mount_clone(AT_FDCWD, "/sys/fs/cgroup", false, err);
			if (mnt >= 0 && roci_rfs_bind_set_flags(mnt, &o, dst, err) < 0)
				return roci_err_wrap(err, "mount cgroup on %s%s", ctx->rootfs, dst);
		}
		if (mnt < 0 || roci_mount_attach(mnt, dst_fd, err) < 0 ||
		    roci_rfs_apply_propagation(mnt, &o, err) < 0)
			return roci_err_wrap(err, "mount cgroup on %s%s", ctx->rootfs, dst);
		return 0;
	}

	/* v1 or hybrid: a tmpfs holding one directory per hierarchy */
	_cleanup_close_ int tmpfs = roci_mount_new_fs("tmpfs", "tmpfs", 0, "mode=755",
						      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						      MOUNT_ATTR_NOEXEC, err);
	if (tmpfs < 0 || roci_mount_attach(tmpfs, dst_fd, err) < 0 ||
	    roci_rfs_apply_propagation(tmpfs, &o, err) < 0)
		return roci_err_wrap(err, "mount cgroup on %s%s", ctx->rootfs, dst);
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return roci_fail(err, errno, "open /proc/self/mountinfo");
	char line[PATH_MAX * 3];
	while (fgets(line, sizeof(line), f)) {
		struct roci_mountinfo e;
		if (!roci_mountinfo_parse(line, &e) ||
		    (strcmp(e.fstype, "cgroup") && strcmp(e.fstype, "cgroup2")))
			continue;
		const char *slash = strrchr(e.mountpoint, '/');
		if (!slash || slash == e.mountpoint || strncmp(e.mountpoint, "/sys/fs/cgroup/", 15) ||
		    strchr(e.mountpoint + 15, '/'))
			continue;
		struct roci_err herr = { 0 };
		if (cgroup_hierarchy(st, tmpfs, &e, &o, &herr) < 0)
			roci_warn(ctx->log, "mount cgroup hierarchy %s on %s%s: %s", e.mountpoint,
				  ctx->rootfs, dst, herr.msg);
	}
	if ((o.flags & MS_RDONLY) && roci_mount_setattr(tmpfs, false, MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
		return roci_err_wrap(err, "mount cgroup on %s%s: read-only", ctx->rootfs, dst);
	return 0;
}
