/* SPDX-License-Identifier: Apache-2.0 */
/* Switching to the new root (see rootfs_internal.h), from the rootfs as the
 * current directory: pivot_root, which leaves the old root detached, or
 * with --no-pivot MS_MOVE onto "/" and chroot. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "util/libc_compat.h"
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/rootfs_internal.h"
#include "util/cleanup.h"

/* --no-pivot: hide every full procfs/sysfs mount outside the rootfs, since
 * with chroot they stay reachable in the namespace and would let the
 * container mount fresh ones; then move the rootfs onto "/". */
int roci_rfs_move_root(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return roci_fail(err, errno, "open /proc/self/mountinfo");
	char line[PATH_MAX * 3];
	while (fgets(line, sizeof(line), f)) {
		struct roci_mountinfo e;
		if (!roci_mountinfo_parse(line, &e) || strcmp(e.root, "/") ||
		    (strcmp(e.fstype, "proc") && strcmp(e.fstype, "sysfs")) ||
		    path_under(e.mountpoint, ctx->rootfs))
			continue;
		if (mount(NULL, e.mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno == ENOENT || errno == EINVAL)
				continue; /* already gone with a parent */
			return roci_fail(err, errno, "make %s rslave", e.mountpoint);
		}
		if (umount2(e.mountpoint, MNT_DETACH) < 0) {
			if (errno != EINVAL && errno != EPERM)
				return roci_fail(err, errno, "unmount %s", e.mountpoint);
			if (mount("tmpfs", e.mountpoint, "tmpfs", 0, NULL) < 0)
				return roci_fail(err, errno, "cover %s", e.mountpoint);
		}
	}
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return roci_fail(err, errno, "move %s to /", ctx->rootfs);
	if (chroot(".") < 0)
		return roci_fail(err, errno, "chroot %s", ctx->rootfs);
	return 0;
}

/* The rootfs becomes "/", the old root is detached; the current directory
 * is then the old root's place (the caller goes on with chdir("/")). */
int roci_rfs_pivot_root(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	_cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldroot < 0)
		return roci_fail(err, errno, "open /");
	/* pivot_root refuses a shared new root; MS_SLAVE keeps a slave or
	 * private mount as it is and turns a shared one into a slave. */
	if (mount(NULL, ".", NULL, MS_SLAVE, NULL) < 0)
		return roci_fail(err, errno, "make %s unshared", ctx->rootfs);
	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * the old one is then detached from where we stand. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return roci_fail(err, errno, "pivot_root %s", ctx->rootfs);
	if (fchdir(oldroot) < 0)
		return roci_fail(err, errno, "chdir to the old root");
	/* no unmount event may propagate back to the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return roci_fail(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return roci_fail(err, errno, "unmount the old root");
	return 0;
}
