/* SPDX-License-Identifier: Apache-2.0 */
/* Building the container's root filesystem. Runs inside the container's
 * (new) mount namespace, in the container init, in two steps around the
 * createRuntime/createContainer hooks:
 *
 *   roci_rootfs_prepare()   rootfsPropagation, bind rootfs onto itself,
 *                           mounts[] in order, default devices + /dev
 *                           symlinks, linux.devices
 *   ... hooks ...
 *   roci_rootfs_pivot()     pivot_root (or MS_MOVE + chroot with no_pivot),
 *                           chdir("/")
 *   roci_rootfs_finalize()  maskedPaths, readonlyPaths, root.readonly,
 *                           final propagation
 */
#pragma once
#include <stdbool.h>

#include "linux/premount.h"
#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

struct roci_rootfs_ctx {
	const struct roci_config *cfg;
	const struct roci_log *log;
	const char *rootfs;   /* absolute, symlink-free host path of the rootfs */
	const char *bundle;   /* absolute bundle dir: relative mount sources resolve here */
	bool no_pivot;        /* --no-pivot */
	bool userns;          /* running in a new user namespace: mknod is not allowed,
	                         bind devices from the host instead */
	bool new_mount_ns;    /* false: no mount namespace was requested (rare) */
	const char *mount_label; /* SELinux context= for new mounts, or NULL */
	const struct roci_premounts *premounts; /* detached mounts the runtime made; may be NULL */
};

int roci_rootfs_prepare(const struct roci_rootfs_ctx *ctx, struct roci_err *err);
int roci_rootfs_pivot(const struct roci_rootfs_ctx *ctx, struct roci_err *err);
int roci_rootfs_finalize(const struct roci_rootfs_ctx *ctx, struct roci_err *err);
