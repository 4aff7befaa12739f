/* SPDX-License-Identifier: Apache-2.0 */
/* The container's root filesystem (see rootfs.h): the three steps, each
 * calling its parts in order. The parts live in rootfs_mounts.c and
 * rootfs_cgroup.c (mounts[]), devices.c (/dev), rootfs_pivot.c (the switch
 * to the new root) and rootfs_finalize.c (maskedPaths, readonlyPaths, ...);
 * rootfs_internal.h is what they share (mountinfo.c parses the mount
 * table for the cgroup mount and --no-pivot). */
#include "linux/rootfs.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/libc_compat.h"
#include <unistd.h>

#include "linux/devices.h"
#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "linux/rootfs_internal.h"
#include "util/cleanup.h"

/* ---- prepare ---------------------------------------------------------- */

static int root_propagation(const struct roci_config *cfg, unsigned long *flags,
			    struct roci_err *err)
{
	*flags = 0;
	if (!cfg->rootfs_propagation || !*cfg->rootfs_propagation)
		return 0;
	if (roci_propagation_parse(cfg->rootfs_propagation, flags) < 0)
		return roci_failx(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"",
				  cfg->rootfs_propagation);
	return 0;
}

/* The mount holding the rootfs must not be shared: our bind of the rootfs
 * would propagate out of the namespace, and pivot_root refuses it. */
static int unshare_rootfs_parent(const char *rootfs, unsigned long prop, struct roci_err *err)
{
	unsigned long f = (prop & MS_SLAVE) ? MS_SLAVE : MS_PRIVATE;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", rootfs);
	for (;;) {
		if (mount(NULL, path, NULL, f, NULL) == 0)
			return 0;
		if (errno != EINVAL || !strcmp(path, "/"))
			return roci_fail(err, errno, "make %s private", path);
		/* not a mount point: try its parent */
		char *slash = strrchr(path, '/');
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int roci_rootfs_prepare(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	const struct roci_config *cfg = ctx->cfg;
	unsigned long prop;
	int r = root_propagation(cfg, &prop, err);
	if (r < 0)
		return r;
	if (ctx->new_mount_ns) {
		/* Nothing done from here on may reach the host's mount table. */
		if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return roci_fail(err, errno, "make / rslave");
		if ((r = unshare_rootfs_parent(ctx->rootfs, prop, err)) < 0)
			return r;
		if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			return roci_fail(err, errno, "bind mount %s onto itself", ctx->rootfs);
	}
	/* Without a mount namespace (the caller asked to share the host's),
	 * the mounts below land under the rootfs in the host namespace, as
	 * with runc; delete unmounts them (roci_unmount_under). */

	_cleanup_close_ int root_fd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return roci_fail(err, errno, "open rootfs %s", ctx->rootfs);
	_cleanup_close_ int bundle_fd = -1;
	if (ctx->bundle && (bundle_fd = open(ctx->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return roci_fail(err, errno, "open bundle %s", ctx->bundle);
	struct mnt_state st = { .ctx = ctx, .root_fd = root_fd, .bundle_fd = bundle_fd };

	bool dev_bound = false;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct roci_mount *m = &cfg->mounts[i];
		if ((r = roci_rfs_mount_one(&st, m, err)) < 0)
			return r;
		char d[PATH_MAX];
		if (roci_path_clean(m->destination, d, sizeof(d)) == 0 && !strcmp(d, "/dev")) {
			_cleanup_opts_ struct roci_mount_opts o = { 0 };
			dev_bound = roci_mount_opts_parse(m->options, m->n_options, &o, NULL) == 0 &&
				    mount_is_bind(m, &o);
		}
	}
	/* A /dev bound from the host is used as it is. */
	if (!dev_bound && (r = roci_devices_setup(root_fd, cfg, ctx->userns, ctx->premounts, ctx->log, err)) < 0)
		return roci_err_wrap(err, "set up /dev in %s", ctx->rootfs);
	return 0;
}

/* ---- pivot ------------------------------------------------------------ */

int roci_rootfs_pivot(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	_cleanup_close_ int newroot = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return roci_fail(err, errno, "open rootfs %s", ctx->rootfs);
	if (fchdir(newroot) < 0)
		return roci_fail(err, errno, "chdir %s", ctx->rootfs);
	int r = 0;
	if (!ctx->new_mount_ns) {
		if (chroot(".") < 0)
			return roci_fail(err, errno, "chroot %s", ctx->rootfs);
	} else if (ctx->no_pivot) {
		r = roci_rfs_move_root(ctx, err);
	} else {
		r = roci_rfs_pivot_root(ctx, err);
	}
	if (r < 0)
		return r;
	if (chdir("/") < 0)
		return roci_fail(err, errno, "chdir /");
	return 0;
}

/* ---- finalize --------------------------------------------------------- */

int roci_rootfs_finalize(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	const struct roci_config *cfg = ctx->cfg;
	unsigned long prop;
	int r = root_propagation(cfg, &prop, err);
	if (r < 0)
		return r;
	if (!ctx->new_mount_ns && cfg->root_readonly)
		return roci_failx(err, EINVAL, "root.readonly needs a mount namespace");
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return roci_fail(err, errno, "open /");
	if ((r = roci_rfs_remount_deferred_ro(root, cfg, err)) < 0 ||
	    (r = roci_rfs_mask_paths(root, cfg, err)) < 0 ||
	    (r = roci_rfs_readonly_paths(root, cfg, err)) < 0)
		return r;
	if (cfg->root_readonly && roci_mount_setattr(root, false, MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
		return roci_err_wrap(err, "remount / read-only");
	/* Last, so that nothing above is refused by an unbindable root. */
	if (prop && ctx->new_mount_ns && roci_mount_setattr(root, prop & MS_REC, 0, 0, prop & ~(unsigned long)MS_REC, err) < 0)
		return roci_err_wrap(err, "set rootfs propagation %s", cfg->rootfs_propagation);
	return 0;
}
