/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/premount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/idmap.h"
#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "util/cleanup.h"
#include "util/libc_compat.h"

static int *fd_array(size_t n)
{
	int *v = malloc((n ? n : 1) * sizeof(int));
	if (v)
		for (size_t i = 0; i < n; i++)
			v[i] = -1;
	return v;
}

static void close_array(int *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		if (v[i] >= 0)
			close(v[i]);
	free(v);
}

void roci_premount_close(struct roci_premounts *pm)
{
	close_array(pm->mount_fds, pm->n_mounts);
	close_array(pm->device_fds, pm->n_devices);
	*pm = (struct roci_premounts){ 0 };
}

int roci_premount_mount_fd(const struct roci_premounts *pm, size_t i)
{
	return pm && pm->mount_fds && i < pm->n_mounts ? pm->mount_fds[i] : -1;
}

int roci_premount_device_fd(const struct roci_premounts *pm, size_t i)
{
	return pm && pm->device_fds && i < pm->n_devices ? pm->device_fds[i] : -1;
}

/* ---- bind sources only the host's root can reach ----------------------- */

/* Can any user reach path (every directory on the way searchable by
 * others)? Only a guess at whether the container's root can: when it says
 * no, the runtime makes the bind, which is right either way. A source that
 * does not resolve is left to the init, which reports it. */
static bool reachable_by_all(int bundle_fd, const char *src)
{
	char where[ROCI_FD_PATH_MAX], full[PATH_MAX * 2], real[PATH_MAX];
	if (src[0] == '/')
		snprintf(full, sizeof(full), "%s", src);
	else
		snprintf(full, sizeof(full), "%s/%s", roci_fd_path(bundle_fd, where), src);
	if (!realpath(full, real))
		return true;
	for (char *p = real + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		struct stat st;
		bool ok = stat(real, &st) == 0 && (st.st_mode & S_IXOTH);
		*p = '/';
		if (!ok)
			return false;
	}
	return true;
}

/* A plain detached copy of a bind source, made as host root. */
static int bind_clone(const struct roci_mount *m, int bundle_fd, bool recursive,
		      struct roci_err *err)
{
	int dirfd = m->source[0] == '/' ? AT_FDCWD : bundle_fd;
	int fd = roci_mount_clone(dirfd, m->source, recursive, err);
	if (fd < 0)
		return roci_err_wrap(err, "mount %s on %s", m->source,
				     m->destination ? m->destination : "");
	return fd;
}

/* The fd for one mount into *fd, left -1 when the init can make it. */
static int prepare_mount(const struct roci_config *cfg, const struct roci_mount *m, bool userns,
			 int bundle_fd, int procfs_fd, int *fd, struct roci_err *err)
{
	int r = 0;
	if (roci_idmap_wanted(m)) {
		r = roci_idmap_clone(cfg, m, bundle_fd, procfs_fd, err);
	} else if (userns && m->source && *m->source) {
		_cleanup_opts_ struct roci_mount_opts o = { 0 };
		if (roci_mount_opts_parse(m->options, m->n_options, &o, NULL) < 0)
			return 0; /* the init reports the bad option */
		bool bind = roci_mount_opts_is_bind(&o) || (m->type && !strcmp(m->type, "bind"));
		if (!bind || reachable_by_all(bundle_fd, m->source))
			return 0;
		r = bind_clone(m, bundle_fd, o.flags & MS_REC, err);
	}
	if (r > 0)
		*fd = r;
	return r < 0 ? r : 0;
}

/* ---- device nodes the host lacks ---------------------------------------- */

/* The host id that container id `id` maps to; false if unmapped. */
static bool to_host(const struct roci_id_mapping *m, size_t n, uint32_t id, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
			*out = m[i].host_id + (id - m[i].container_id);
			return true;
		}
	return false;
}

/* Is the host's node at d->path the device d asks for? */
static bool host_has(const struct roci_device *d, mode_t fmt, dev_t rdev)
{
	struct stat st;
	return stat(d->path, &st) == 0 && (st.st_mode & S_IFMT) == fmt && st.st_rdev == rdev;
}

/* The node, made on a private tmpfs (*tmpfs, made on first use: it is
 * never attached anywhere, and goes when the last bind of it does), owned
 * by the host ids the container's ids map to; then a detached bind of it,
 * nosuid and noexec. */
static int make_node(const struct roci_config *cfg, const struct roci_device *d, size_t i,
		     mode_t fmt, dev_t rdev, int *tmpfs, struct roci_err *err)
{
	if (*tmpfs < 0) {
		*tmpfs = roci_mount_new_fs("tmpfs", "roci-devices", 0, "mode=0700", 0, err);
		if (*tmpfs < 0)
			return roci_err_wrap(err, "device %s: a tmpfs for it", d->path);
	}
	uint32_t uid = 0, gid = 0;
	bool has_uid = to_host(cfg->uid_mappings, cfg->n_uid_mappings, d->has_uid ? d->uid : 0, &uid);
	bool has_gid = to_host(cfg->gid_mappings, cfg->n_gid_mappings, d->has_gid ? d->gid : 0, &gid);
	if ((d->has_uid && !has_uid) || (d->has_gid && !has_gid))
		return roci_failx(err, EINVAL, "device %s: its %s is not mapped in the user namespace",
				  d->path, d->has_uid && !has_uid ? "uid" : "gid");
	char name[32];
	snprintf(name, sizeof(name), "%zu", i);
	mode_t perm = d->has_mode ? d->file_mode & 07777 : 0666;
	if (mknodat(*tmpfs, name, fmt | perm, rdev) < 0)
		return roci_fail(err, errno,
				 "device %s: the host has no such node and roci cannot make one: mknod",
				 d->path);
	if (fchmodat(*tmpfs, name, perm, 0) < 0 ||
	    fchownat(*tmpfs, name, has_uid ? uid : (uid_t)-1, has_gid ? gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return roci_fail(err, errno, "device %s: mode and owner", d->path);
	_cleanup_close_ int fd = roci_mount_clone(*tmpfs, name, false, err);
	if (fd < 0 ||
	    roci_mount_setattr(fd, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0, 0, err) < 0)
		return roci_err_wrap(err, "device %s", d->path);
	return TAKE_FD(fd);
}

/* The fd for one linux.devices entry into *fd, left -1 when the init
 * binds the host's node. Entries devices.c refuses are left to it. */
static int prepare_device(const struct roci_config *cfg, size_t i, int *tmpfs, int *fd,
			  struct roci_err *err)
{
	const struct roci_device *d = &cfg->devices[i];
	mode_t fmt;
	if (!d->path || d->type == 'p')
		return 0;
	if (d->type == 'c' || d->type == 'u')
		fmt = S_IFCHR;
	else if (d->type == 'b')
		fmt = S_IFBLK;
	else
		return 0;
	if (d->major < 0 || d->major > UINT32_MAX || d->minor < 0 || d->minor > UINT32_MAX)
		return 0;
	dev_t rdev = makedev((unsigned)d->major, (unsigned)d->minor);
	if (host_has(d, fmt, rdev))
		return 0;
	int r = make_node(cfg, d, i, fmt, rdev, tmpfs, err);
	if (r >= 0)
		*fd = r;
	return r < 0 ? r : 0;
}

/* ---- all of it ----------------------------------------------------------- */

int roci_premount_prepare(const struct roci_config *cfg, const char *bundle, int procfs_fd,
			  struct roci_premounts *pm, struct roci_err *err)
{
	*pm = (struct roci_premounts){ 0 };
	bool userns = cfg->ns[ROCI_NS_USER].present;
	bool any = userns && cfg->n_devices;
	for (size_t i = 0; i < cfg->n_mounts && !any; i++)
		any = (userns && cfg->mounts[i].source) || roci_idmap_wanted(&cfg->mounts[i]);
	if (!any)
		return 0;

	_cleanup_close_ int bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bundle_fd < 0)
		return roci_fail(err, errno, "open bundle %s", bundle);
	pm->n_mounts = cfg->n_mounts;
	pm->n_devices = userns ? cfg->n_devices : 0;
	if (!(pm->mount_fds = fd_array(pm->n_mounts)) || !(pm->device_fds = fd_array(pm->n_devices))) {
		roci_premount_close(pm);
		return roci_fail(err, ENOMEM, "mounts");
	}
	int r = 0;
	for (size_t i = 0; i < pm->n_mounts && r == 0; i++)
		r = prepare_mount(cfg, &cfg->mounts[i], userns, bundle_fd, procfs_fd,
				  &pm->mount_fds[i], err);
	_cleanup_close_ int tmpfs = -1;
	for (size_t i = 0; i < pm->n_devices && r == 0; i++)
		r = prepare_device(cfg, i, &tmpfs, &pm->device_fds[i], err);
	if (r < 0)
		roci_premount_close(pm);
	return r;
}
