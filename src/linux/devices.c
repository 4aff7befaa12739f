/* SPDX-License-Identifier: Apache-2.0 */
/* Device nodes and /dev symlinks (see devices.h). */
#include "linux/devices.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/inroot.h"
#include "util/cleanup.h"
#include "util/libc_compat.h"

struct dev_spec {
	const char *path;
	char type;            /* 'c', 'u', 'b', 'p' */
	int64_t major, minor;
	mode_t mode;          /* permission bits */
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

static const struct dev_spec default_devices[] = {
	{ "/dev/null",    'c', 1, 3, 0666, false, false, 0, 0 },
	{ "/dev/zero",    'c', 1, 5, 0666, false, false, 0, 0 },
	{ "/dev/full",    'c', 1, 7, 0666, false, false, 0, 0 },
	{ "/dev/random",  'c', 1, 8, 0666, false, false, 0, 0 },
	{ "/dev/urandom", 'c', 1, 9, 0666, false, false, 0, 0 },
	{ "/dev/tty",     'c', 5, 0, 0666, false, false, 0, 0 },
};

static const struct {
	const char *target;
	const char *name;     /* in /dev */
} dev_symlinks[] = {
	{ "/proc/self/fd",   "fd" },
	{ "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" },
};

bool roci_stat_is_devnull(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

int roci_devnull_open(int root_fd, struct roci_err *err)
{
	_cleanup_close_ int fd = roci_inroot_open(root_fd, "/dev/null", O_PATH, err);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return roci_fail(err, errno, "stat /dev/null");
	if (!roci_stat_is_devnull(&st))
		return roci_failx(err, EPERM, "/dev/null is not the null device (char 1:3)");
	return TAKE_FD(fd);
}

/* Same path once cleaned ("/dev//null" == "/dev/null"). */
static bool same_path(const char *a, const char *b)
{
	char ca[PATH_MAX], cb[PATH_MAX];
	if (roci_path_clean(a, ca, sizeof(ca)) < 0 || roci_path_clean(b, cb, sizeof(cb)) < 0)
		return false;
	return strcmp(ca, cb) == 0;
}

static bool is_mount_dest(const struct roci_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].destination && same_path(cfg->mounts[i].destination, path))
			return true;
	return false;
}

static bool is_config_device(const struct roci_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (cfg->devices[i].path && same_path(cfg->devices[i].path, path))
			return true;
	return false;
}

static int dev_format(const struct dev_spec *d, mode_t *fmt, struct roci_err *err)
{
	switch (d->type) {
	case 'c':
	case 'u':
		*fmt = S_IFCHR;
		break;
	case 'b':
		*fmt = S_IFBLK;
		break;
	case 'p':
		*fmt = S_IFIFO;
		return 0;
	default:
		return roci_failx(err, EINVAL, "device %s: unknown type '%c'", d->path, d->type);
	}
	if (d->major < 0 || d->major > UINT32_MAX || d->minor < 0 || d->minor > UINT32_MAX)
		return roci_failx(err, EINVAL, "device %s: major/minor out of range", d->path);
	return 0;
}

static bool node_matches(const struct stat *st, mode_t fmt, dev_t rdev)
{
	return (st->st_mode & S_IFMT) == fmt && (fmt == S_IFIFO || st->st_rdev == rdev);
}

/* Bind the host's node at the same path onto parent/name, or `made`, the
 * node the runtime made when the host has none (premount.h), if not -1. */
static int bind_device(int parent, const char *name, const struct dev_spec *d, mode_t fmt,
		       dev_t rdev, int made, struct roci_err *err)
{
	struct stat st;
	_cleanup_close_ int host = -1;
	if (made < 0) {
		if ((host = open(d->path, O_PATH | O_CLOEXEC)) < 0)
			return roci_fail(err, errno, "bind device %s: open host node", d->path);
		if (fstat(host, &st) < 0)
			return roci_fail(err, errno, "bind device %s: stat host node", d->path);
		if (!node_matches(&st, fmt, rdev))
			return roci_failx(err, ENODEV, "bind device %s: host node is not %c %u:%u",
					  d->path, d->type, major(rdev), minor(rdev));
	}

	_cleanup_close_ int dst = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (dst >= 0) {
		if (fstat(dst, &st) < 0)
			return roci_fail(err, errno, "bind device %s: stat", d->path);
		if (S_ISDIR(st.st_mode))
			return roci_failx(err, EISDIR, "bind device %s: is a directory", d->path);
		if (S_ISLNK(st.st_mode)) {
			close(TAKE_FD(dst));
			if (unlinkat(parent, name, 0) < 0)
				return roci_fail(err, errno, "bind device %s: remove symlink", d->path);
		}
	} else if (errno != ENOENT) {
		return roci_fail(err, errno, "bind device %s: open", d->path);
	}
	if (dst < 0) {
		dst = openat(parent, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
		if (dst < 0)
			return roci_fail(err, errno, "bind device %s: create mount point", d->path);
	}
	/* a device node needs neither set-id bits nor exec, whatever the
	 * host's /dev allows (runc and crun bind them nosuid,noexec) */
	_cleanup_close_ int mnt = made >= 0 ? fcntl(made, F_DUPFD_CLOEXEC, 3)
					    : roci_mount_clone(host, NULL, false, err);
	if (made >= 0 && mnt < 0)
		return roci_fail(err, errno, "bind device %s", d->path);
	if (mnt < 0 ||
	    roci_mount_setattr(mnt, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0, 0, err) < 0 ||
	    roci_mount_attach(mnt, dst, err) < 0)
		return roci_err_wrap(err, "bind device %s", d->path);
	return 0;
}

static int make_device(int root_fd, const struct dev_spec *d, bool userns, int made,
		       const struct roci_log *log, struct roci_err *err)
{
	mode_t fmt = 0;
	int r = dev_format(d, &fmt, err);
	if (r < 0)
		return r;
	dev_t rdev = fmt == S_IFIFO ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
	mode_t perm = d->mode & 07777;

	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int parent = roci_inroot_open_parent(root_fd, d->path, true, &name, err);
	if (parent < 0)
		return roci_err_wrap(err, "create device %s", d->path);

	if (userns && fmt != S_IFIFO)
		return bind_device(parent, name, d, fmt, rdev, made, err);

	for (int attempt = 0;; attempt++) {
		if (mknodat(parent, name, fmt | perm, rdev) == 0)
			break;
		if (errno == EPERM && fmt != S_IFIFO) {
			roci_debug(log, "mknod %s not permitted, bind mounting the host node", d->path);
			return bind_device(parent, name, d, fmt, rdev, -1, err);
		}
		if (errno != EEXIST || attempt > 0)
			return roci_fail(err, errno, "mknod %s", d->path);
		/* Something is there already: keep it if it is this very node,
		 * replace anything else but a directory. */
		struct stat st;
		if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return roci_fail(err, errno, "stat %s", d->path);
		if (node_matches(&st, fmt, rdev))
			break;
		if (S_ISDIR(st.st_mode))
			return roci_failx(err, EEXIST, "create device %s: a directory is in the way",
					  d->path);
		if (unlinkat(parent, name, 0) < 0)
			return roci_fail(err, errno, "create device %s: remove existing file", d->path);
	}

	/* Verify what we made before touching it, then fix mode (umask) and
	 * owner through the fd. */
	_cleanup_close_ int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return roci_fail(err, errno, "open new device %s", d->path);
	if (!node_matches(&st, fmt, rdev))
		return roci_failx(err, EEXIST, "new device %s is not %c %u:%u", d->path, d->type,
				  major(rdev), minor(rdev));
	char buf[ROCI_FD_PATH_MAX];
	if ((st.st_mode & 07777) != perm && chmod(roci_fd_path(fd, buf), perm) < 0)
		return roci_fail(err, errno, "chmod device %s", d->path);
	if ((d->has_uid || d->has_gid) &&
	    fchownat(fd, "", d->has_uid ? d->uid : (uid_t)-1, d->has_gid ? d->gid : (gid_t)-1,
		     AT_EMPTY_PATH) < 0)
		return roci_fail(err, errno, "chown device %s", d->path);
	return 0;
}

static int make_symlinks(int root_fd, const struct roci_config *cfg, struct roci_err *err)
{
	_cleanup_close_ int dev = roci_inroot_mkdir_all(root_fd, "/dev", 0755, err);
	if (dev < 0)
		return roci_err_wrap(err, "create /dev");

	if (!is_mount_dest(cfg, "/dev/ptmx")) {
		if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
			return roci_fail(err, errno, "remove /dev/ptmx");
		if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
			return roci_fail(err, errno, "symlink /dev/ptmx");
	}
	for (size_t i = 0; i <= ARRAY_SIZE(dev_symlinks); i++) {
		const char *target, *name;
		if (i < ARRAY_SIZE(dev_symlinks)) {
			target = dev_symlinks[i].target;
			name = dev_symlinks[i].name;
		} else {
			/* /dev/core only where the kernel has /proc/kcore */
			if (access("/proc/kcore", F_OK) < 0)
				break;
			target = "/proc/kcore";
			name = "core";
		}
		char path[64];
		snprintf(path, sizeof(path), "/dev/%s", name);
		if (is_mount_dest(cfg, path) || is_config_device(cfg, path))
			continue;
		if (symlinkat(target, dev, name) < 0 && errno != EEXIST)
			return roci_fail(err, errno, "symlink %s -> %s", path, target);
	}
	return 0;
}

int roci_devices_setup(int root_fd, const struct roci_config *cfg, bool userns,
		       const struct roci_premounts *pre, const struct roci_log *log,
		       struct roci_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
		const struct dev_spec *d = &default_devices[i];
		if (is_config_device(cfg, d->path) || is_mount_dest(cfg, d->path))
			continue;
		int r = make_device(root_fd, d, userns, -1, log, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct roci_device *c = &cfg->devices[i];
		if (!c->path)
			continue;
		if (same_path(c->path, "/dev/ptmx")) {
			roci_debug(log, "device /dev/ptmx: using the pts/ptmx symlink instead");
			continue;
		}
		if (is_mount_dest(cfg, c->path)) {
			roci_debug(log, "device %s: a mount provides this path", c->path);
			continue;
		}
		struct dev_spec d = {
			.path = c->path,
			.type = c->type,
			.major = c->major,
			.minor = c->minor,
			.mode = c->has_mode ? c->file_mode : 0666,
			.has_uid = c->has_uid,
			.has_gid = c->has_gid,
			.uid = c->uid,
			.gid = c->gid,
		};
		int r = make_device(root_fd, &d, userns, roci_premount_device_fd(pre, i), log, err);
		if (r < 0)
			return r;
	}
	return make_symlinks(root_fd, cfg, err);
}
