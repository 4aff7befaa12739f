/* SPDX-License-Identifier: Apache-2.0 */
/* The mounts made from inside the new root, last (see rootfs_internal.h):
 * the "ro" that mounts[] deferred, maskedPaths (an empty read-only tmpfs
 * over a directory, /dev/null over anything else) and readonlyPaths. Every
 * path is resolved inside root (inroot.h); a missing one is skipped. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include "util/libc_compat.h"
#include <sys/stat.h>

#include "linux/devices.h"
#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "linux/rootfs_internal.h"
#include "util/cleanup.h"

/* The "ro" of tmpfs mounts and /dev, deferred by mount_one. */
int roci_rfs_remount_deferred_ro(int root, const struct roci_config *cfg, struct roci_err *err)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct roci_mount *m = &cfg->mounts[i];
		_cleanup_opts_ struct roci_mount_opts o = { 0 };
		char dst[PATH_MAX];
		if (roci_path_clean(m->destination, dst, sizeof(dst)) < 0 ||
		    roci_mount_opts_parse(m->options, m->n_options, &o, err) < 0)
			continue;
		bool rec = o.rec_set & MOUNT_ATTR_RDONLY;
		if (!ro_deferred(m->type, mount_is_bind(m, &o), dst) || !(rec || (o.flags & MS_RDONLY)))
			continue;
		_cleanup_close_ int fd = roci_inroot_open(root, dst, O_PATH, err);
		if (fd < 0 || roci_mount_setattr(fd, rec, MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
			return roci_err_wrap(err, "remount %s read-only", dst);
	}
	return 0;
}

int roci_rfs_mask_paths(int root, const struct roci_config *cfg, struct roci_err *err)
{
	_cleanup_close_ int devnull = -1;
	_cleanup_close_ int mask_dir = -1; /* the read-only tmpfs, once attached */
	for (size_t i = 0; i < cfg->n_masked_paths; i++) {
		const char *p = cfg->masked_paths[i];
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(cfg->masked_paths[j], p);
		if (dup)
			continue;
		_cleanup_close_ int fd = roci_inroot_open(root, p, O_PATH, err);
		if (fd == -ENOENT || fd == -ENOTDIR) {
			roci_err_clear(err);
			continue;
		}
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) < 0)
			return roci_err_wrap(err, "mask %s", p);
		_cleanup_close_ int mnt = -1;
		if (S_ISDIR(sb.st_mode)) {
			if (mask_dir >= 0) {
				mnt = roci_mount_clone(mask_dir, NULL, false, err);
			} else {
				mnt = roci_mount_new_fs("tmpfs", "tmpfs", MS_RDONLY, "nr_blocks=1,nr_inodes=1",
							MOUNT_ATTR_RDONLY, err);
				if (mnt == -EINVAL)
					mnt = roci_mount_new_fs("tmpfs", "tmpfs", MS_RDONLY,
								"nr_blocks=1,nr_inodes=2",
								MOUNT_ATTR_RDONLY, err);
			}
		} else {
			if (devnull < 0 && (devnull = roci_devnull_open(root, err)) < 0)
				return roci_err_wrap(err, "mask %s", p);
			mnt = roci_mount_clone(devnull, NULL, false, err);
		}
		if (mnt < 0 || roci_mount_attach(mnt, fd, err) < 0)
			return roci_err_wrap(err, "mask %s", p);
		if (S_ISDIR(sb.st_mode) && mask_dir < 0)
			mask_dir = TAKE_FD(mnt);
	}
	return 0;
}

int roci_rfs_readonly_paths(int root, const struct roci_config *cfg, struct roci_err *err)
{
	for (size_t i = 0; i < cfg->n_readonly_paths; i++) {
		const char *p = cfg->readonly_paths[i];
		_cleanup_close_ int fd = roci_inroot_open(root, p, O_PATH, err);
		if (fd == -ENOENT || fd == -ENOTDIR) {
			roci_err_clear(err);
			continue;
		}
		if (fd < 0)
			return roci_err_wrap(err, "make %s read-only", p);
		_cleanup_close_ int mnt = roci_mount_clone(fd, NULL, true, err);
		if (mnt < 0 || roci_mount_setattr(mnt, true, MOUNT_ATTR_RDONLY, 0, 0, err) < 0 ||
		    roci_mount_attach(mnt, fd, err) < 0)
			return roci_err_wrap(err, "make %s read-only", p);
	}
	return 0;
}
