/* SPDX-License-Identifier: Apache-2.0 */
/* What the rootfs_*.c files share; not for the runtime (that is rootfs.h).
 *
 * rootfs.c           the pipeline: prepare, pivot and finalize, step by step
 * rootfs_mounts.c    one mounts[] entry: checks, bind and filesystem mounts
 * rootfs_cgroup.c    a mounts[] entry of type "cgroup"
 * rootfs_pivot.c     switching to the new root (pivot_root, or MS_MOVE)
 * rootfs_finalize.c  deferred read-only mounts, maskedPaths, readonlyPaths */
#pragma once
#include "linux/mountinfo.h"
#include <stdbool.h>
#include <string.h>

#include "linux/mountopts.h"
#include "linux/rootfs.h"

/* Per-call state of roci_rootfs_prepare. */
struct mnt_state {
	const struct roci_rootfs_ctx *ctx;
	int root_fd;    /* the rootfs, after binding it onto itself */
	int bundle_fd;  /* relative bind sources resolve here; -1 if none */
};

/* path is prefix itself or below it ("/proc" covers "/proc/sys"). */
static inline bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static inline bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Mounts whose "ro" waits until finalize, because devices or nested mount
 * points still have to be created in them (as runc does). */
static inline bool ro_deferred(const char *type, bool bind, const char *dst)
{
	return !bind && (streq(type, "tmpfs") || strcmp(dst, "/dev") == 0);
}

static inline bool mount_is_bind(const struct roci_mount *m, const struct roci_mount_opts *o)
{
	return roci_mount_opts_is_bind(o) || streq(m->type, "bind");
}

/* ---- rootfs_mounts.c -------------------------------------------------- */

/* Mount one mounts[] entry under the rootfs. */
int roci_rfs_mount_one(const struct mnt_state *st, const struct roci_mount *m,
		       struct roci_err *err);

/* Apply the option's propagation changes, in order, to an attached mount. */
int roci_rfs_apply_propagation(int mnt_fd, const struct roci_mount_opts *o, struct roci_err *err);

/* The flags of a bind mount: emulate MS_BIND|MS_REMOUNT|flags. */
int roci_rfs_bind_set_flags(int mnt_fd, const struct roci_mount_opts *o, const char *dst,
			    struct roci_err *err);

/* ---- rootfs_cgroup.c -------------------------------------------------- */

/* A "cgroup" mount (not a bind mount) onto dst_fd, the destination dst. */
int roci_rfs_mount_cgroup(const struct mnt_state *st, const struct roci_mount *m, const char *dst,
			  const struct roci_mount_opts *o_in, int dst_fd, struct roci_err *err);

/* ---- rootfs_pivot.c --------------------------------------------------- */

/* --no-pivot: hide the procfs/sysfs mounts outside the rootfs, then move
 * the rootfs (the current directory) onto "/" and chroot into it. */
int roci_rfs_move_root(const struct roci_rootfs_ctx *ctx, struct roci_err *err);

/* pivot_root into the rootfs (the current directory) and detach the old
 * root. */
int roci_rfs_pivot_root(const struct roci_rootfs_ctx *ctx, struct roci_err *err);

/* ---- rootfs_finalize.c ------------------------------------------------ */

/* The "ro" of tmpfs mounts and /dev, deferred by mount_one. */
int roci_rfs_remount_deferred_ro(int root, const struct roci_config *cfg, struct roci_err *err);
int roci_rfs_mask_paths(int root, const struct roci_config *cfg, struct roci_err *err);
int roci_rfs_readonly_paths(int root, const struct roci_config *cfg, struct roci_err *err);

