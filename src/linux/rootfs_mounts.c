/* SPDX-License-Identifier: Apache-2.0 */
/* One entry of the config's mounts[] (see rootfs_internal.h), in steps:
 * the entry and its lexical checks, the bind source, the destination and
 * where it really is, then the bind mount or the new filesystem ("cgroup"
 * mounts go on to rootfs_cgroup.c).
 *
 * Every mount is built detached first (open_tree(OPEN_TREE_CLONE) for bind
 * mounts, fsopen/fsmount for filesystems), gets its attributes while still
 * detached (mount_setattr), and is then placed with move_mount onto a
 * destination fd resolved inside the rootfs (inroot.h). So a mount never
 * appears with the wrong flags, and no destination path is ever re-resolved
 * after the checks on it. */
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/libc_compat.h"
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "linux/copyup.h"
#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "linux/rootfs_internal.h"
#include "util/cleanup.h"

/* Paths below /proc that may be mounted over (what lxcfs provides). */
static const char *const proc_mount_allowed[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
	"/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
	"/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled",
};

/* security.md #4: a destination at or under /proc or /sys must not be a
 * symlink; /proc, /sys and any proc/sysfs mount need a real directory. */
static int check_dest_lexical(const struct mnt_state *st, const char *dst, const char *type,
			      bool bind, struct roci_err *err)
{
	bool special = !bind && (streq(type, "proc") || streq(type, "sysfs"));
	if (!special && !path_under(dst, "/proc") && !path_under(dst, "/sys"))
		return 0;
	_cleanup_free_ char *name = NULL;
	struct roci_err ignored;
	_cleanup_close_ int parent = roci_inroot_open_parent(st->root_fd, dst, false, &name, &ignored);
	if (parent < 0)
		return 0; /* nothing there yet: it will be created as a directory */
	struct stat sb;
	if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : roci_fail(err, errno, "stat %s", dst);
	if (S_ISLNK(sb.st_mode))
		return roci_failx(err, EPERM, "mount destination %s is a symlink", dst);
	if ((special || !strcmp(dst, "/proc") || !strcmp(dst, "/sys")) && !S_ISDIR(sb.st_mode))
		return roci_failx(err, EPERM, "mount destination %s is not a directory", dst);
	return 0;
}

/* Checks on where the destination really is: inside the rootfs, not the
 * rootfs itself, and nothing but procfs over /proc (security.md #4). */
static int check_dest_resolved(const struct mnt_state *st, int dst_fd, const char *dst,
			       const char *type, bool bind, int src_fd, struct roci_err *err)
{
	struct stat a, b;
	if (fstat(dst_fd, &a) < 0 || fstat(st->root_fd, &b) < 0)
		return roci_fail(err, errno, "stat %s", dst);
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return roci_failx(err, EINVAL, "mount destination %s is the rootfs itself", dst);

	char fdp[ROCI_FD_PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink(roci_fd_path(dst_fd, fdp), real, sizeof(real) - 1);
	if (n < 0)
		return roci_fail(err, errno, "readlink %s", fdp);
	real[n] = '\0';
	const char *root = st->ctx->rootfs;
	size_t rl = strcmp(root, "/") ? strlen(root) : 0;
	if (strncmp(real, root, rl) != 0 || real[rl] != '/')
		return roci_failx(err, EXDEV, "mount destination %s resolves outside the rootfs (%s)",
				  dst, real);
	const char *rel = real + rl;
	if (!strcmp(rel, "/proc")) {
		struct statfs sfs;
		if (!bind && streq(type, "proc"))
			return 0;
		if (bind && src_fd >= 0 && fstatfs(src_fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
			return 0;
		return roci_failx(err, EPERM, "mount %s on %s: only procfs may be mounted on /proc",
				  bind ? "(bind)" : type, dst);
	}
	if (path_under(rel, "/proc")) {
		for (size_t i = 0; i < ARRAY_SIZE(proc_mount_allowed); i++)
			if (!strcmp(rel, proc_mount_allowed[i]))
				return 0;
		return roci_failx(err, EPERM, "mount on %s: refusing a mount inside /proc", dst);
	}
	return 0;
}

/* Apply the option's propagation changes, in order, to an attached mount. */
int roci_rfs_apply_propagation(int mnt_fd, const struct roci_mount_opts *o, struct roci_err *err)
{
	for (size_t i = 0; i < o->n_propagation; i++) {
		unsigned long p = o->propagation[i];
		int r = roci_mount_setattr(mnt_fd, p & MS_REC, 0, 0, p & ~(unsigned long)MS_REC, err);
		if (r < 0)
			return roci_err_wrap(err, "set propagation");
	}
	return 0;
}

static uint64_t flags_to_attr_bits(unsigned long f)
{
	return roci_mount_flags_to_attr(f) & ~(uint64_t)MOUNT_ATTR__ATIME;
}

/* The flags of a bind mount: emulate MS_BIND|MS_REMOUNT|flags. Where the
 * kernel keeps flags locked (a mount inherited into a user namespace), keep
 * them as they are unless the config explicitly asks to clear them. */
int roci_rfs_bind_set_flags(int mnt_fd, const struct roci_mount_opts *o, const char *dst,
			    struct roci_err *err)
{
	uint64_t set, clr;
	if (!roci_mount_bind_attr(o, &set, &clr))
		return 0;
	int r = roci_mount_setattr(mnt_fd, false, set, clr, 0, err);
	if (r != -EPERM)
		return r;
	struct statfs sfs;
	if (fstatfs(mnt_fd, &sfs) < 0)
		return r;
	unsigned long cur = 0;
	if (sfs.f_flags & ST_RDONLY)
		cur |= MS_RDONLY;
	if (sfs.f_flags & ST_NOSUID)
		cur |= MS_NOSUID;
	if (sfs.f_flags & ST_NODEV)
		cur |= MS_NODEV;
	if (sfs.f_flags & ST_NOEXEC)
		cur |= MS_NOEXEC;
	uint64_t locked = flags_to_attr_bits(cur);
	if (locked & flags_to_attr_bits(o->clear_flags))
		return roci_failx(err, EPERM, "bind mount %s: cannot clear locked mount flags", dst);
	return roci_mount_setattr(mnt_fd, false, set, clr & ~locked, 0, err);
}

/* Data for a tmpfs over an existing directory starts with that directory's
 * mode, so the mount looks like what it covers (options given win). */
static char *tmpfs_data(int dst_fd, const char *data)
{
	struct stat sb;
	char *out = NULL;
	if (fstat(dst_fd, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return data ? strdup(data) : NULL;
	if (asprintf(&out, "mode=%04o%s%s", sb.st_mode & 07777, data ? "," : "", data ? data : "") < 0)
		return NULL;
	return out;
}

/* Open the destination, creating it (a directory, or an empty file for a
 * bind mount of a non-directory) when missing. *created tells which. */
static int open_dest(const struct mnt_state *st, const char *dst, bool want_file, bool *created,
		     struct roci_err *err)
{
	*created = false;
	int fd = roci_inroot_open(st->root_fd, dst, O_PATH, err);
	if (fd >= 0 || fd != -ENOENT)
		return fd;
	roci_err_clear(err);
	*created = true;
	return want_file ? roci_inroot_create_file(st->root_fd, dst, 0644, err)
			 : roci_inroot_mkdir_all(st->root_fd, dst, 0755, err);
}


/* ---- mount_one, step by step ------------------------------------------- */

/* The entry itself: cleans the destination into dst, parses the options
 * into o and tells whether it is a bind mount, then the checks that need
 * nothing mounted yet. */
static int mount_check_entry(const struct mnt_state *st, const struct roci_mount *m,
			     char dst[PATH_MAX], struct roci_mount_opts *o, bool *is_bind,
			     struct roci_err *err)
{
	if (!m->destination || roci_path_clean(m->destination, dst, PATH_MAX) < 0)
		return roci_failx(err, EINVAL, "mount: invalid destination");
	if (!strcmp(dst, "/"))
		return roci_failx(err, EINVAL, "mount on /: mounting over the rootfs is not supported");
	int r = roci_mount_opts_parse(m->options, m->n_options, o, err);
	if (r < 0)
		return r;
	bool bind = *is_bind = mount_is_bind(m, o);
	if ((o->idmap || o->ridmap || m->n_uid_mappings || m->n_gid_mappings) && !bind)
		return roci_failx(err, ENOTSUP, "mount %s: idmapped mounts are bind mounts only", dst);
	const char *type = m->type;
	if (!bind && (!type || !*type))
		return roci_failx(err, EINVAL, "mount %s: no filesystem type", dst);
	if (bind && (!m->source || !*m->source))
		return roci_failx(err, EINVAL, "mount %s: bind mount without a source", dst);
	if (o->tmpcopyup && (bind || !streq(type, "tmpfs")))
		return roci_failx(err, EINVAL, "mount %s: tmpcopyup applies to a tmpfs only", dst);
	return check_dest_lexical(st, dst, type, bind, err);
}

/* A bind mount's source, as a detached copy (a relative source resolves in
 * the bundle); *src_dir tells whether it is a directory. Returns its fd. */
static int bind_source(const struct mnt_state *st, const struct roci_mount *m, const char *dst,
		       const struct roci_mount_opts *o, bool *src_dir, struct roci_err *err)
{
	const char *src = m->source;
	int dirfd = src[0] == '/' || st->bundle_fd < 0 ? AT_FDCWD : st->bundle_fd;
	_cleanup_close_ int mnt = roci_mount_clone(dirfd, src, o->flags & MS_REC, err);
	if (mnt < 0)
		return roci_err_wrap(err, "mount %s on %s%s", src, st->ctx->rootfs, dst);
	struct stat sb;
	if (fstat(mnt, &sb) < 0)
		return roci_fail(err, errno, "stat bind source %s", src);
	*src_dir = S_ISDIR(sb.st_mode);
	return TAKE_FD(mnt);
}

/* The destination, opened inside the rootfs (created when missing:
 * *created) and checked for where it really is. mnt is the detached bind
 * source, or -1. Returns its fd. */
static int mount_dest(const struct mnt_state *st, const struct roci_mount *m, const char *dst,
		      bool bind, int mnt, bool src_dir, bool *created, struct roci_err *err)
{
	const char *type = m->type, *src = m->source;
	_cleanup_close_ int dst_fd = -1;
	if (streq(type, "cgroup") && !bind) {
		dst_fd = roci_inroot_mkdir_all(st->root_fd, dst, 0755, err);
		*created = false;
	} else {
		dst_fd = open_dest(st, dst, !src_dir, created, err);
	}
	if (dst_fd < 0)
		return roci_err_wrap(err, "mount %s on %s%s: destination", src ? src : type,
				     st->ctx->rootfs, dst);
	int r = check_dest_resolved(st, dst_fd, dst, type, bind, mnt, err);
	if (r < 0)
		return r;
	return TAKE_FD(dst_fd);
}

/* A bind mount: its flags while still detached, then onto dst_fd. */
static int mount_bind(const struct mnt_state *st, int mnt, const struct roci_mount_opts *o,
		      const char *src, const char *dst, int dst_fd, struct roci_err *err)
{
	if (roci_rfs_bind_set_flags(mnt, o, dst, err) < 0 ||
	    ((o->rec_set || o->rec_clr) &&
	     roci_mount_setattr(mnt, true, o->rec_set, o->rec_clr, 0, err) < 0) ||
	    roci_mount_attach(mnt, dst_fd, err) < 0 || roci_rfs_apply_propagation(mnt, o, err) < 0)
		return roci_err_wrap(err, "mount %s on %s%s", src, st->ctx->rootfs, dst);
	return 0;
}

/* The data string of a new filesystem into *out (NULL for none): a tmpfs
 * over an existing directory starts with its mode, and the SELinux label
 * is added where the type takes one. */
static int fs_data(const struct mnt_state *st, const struct roci_mount *m,
		   const struct roci_mount_opts *o, const char *dst, int dst_fd, bool created,
		   char **out, struct roci_err *err)
{
	const struct roci_rootfs_ctx *ctx = st->ctx;
	const char *type = m->type;
	_cleanup_free_ char *data = streq(type, "tmpfs") && !created ? tmpfs_data(dst_fd, o->data)
								       : (o->data ? strdup(o->data) : NULL);
	if (ctx->mount_label && roci_mount_type_takes_label(type)) {
		char *labelled = roci_mount_data_with_label(data, ctx->mount_label);
		free(data);
		if (!(data = labelled))
			return roci_fail(err, ENOMEM, "mount %s", dst);
	}
	*out = TAKE_PTR(data);
	return 0;
}

/* sysfs refused in a user namespace that does not own the network
 * namespace: bind the host's /sys instead, as runc does. The copy of /sys
 * goes into *mnt, which the caller closes. */
static int bind_host_sys(const struct mnt_state *st, const char *dst, int dst_fd,
			 uint64_t attr_set, uint64_t attr_clr, int *mnt, struct roci_err *err)
{
	const struct roci_rootfs_ctx *ctx = st->ctx;
	roci_debug(ctx->log, "mount sysfs on %s: not permitted, binding /sys", dst);
	*mnt = roci_mount_clone(AT_FDCWD, "/sys", true, err);
	if (*mnt < 0 || roci_mount_setattr(*mnt, true, attr_set, attr_clr, 0, err) < 0 ||
	    roci_mount_attach(*mnt, dst_fd, err) < 0)
		return roci_err_wrap(err, "bind /sys on %s%s", ctx->rootfs, dst);
	return 0;
}

/* A new filesystem (or, with "remount", a change to the one there) onto
 * dst_fd; its "ro" waits for finalize where ro_deferred says so. The
 * detached mount goes into *mnt, which the caller closes. */
static int mount_fs(const struct mnt_state *st, const struct roci_mount *m,
		    const struct roci_mount_opts *o, const char *dst, int dst_fd, bool created,
		    int *mnt, struct roci_err *err)
{
	const struct roci_rootfs_ctx *ctx = st->ctx;
	const char *type = m->type, *src = m->source;
	unsigned long flags = o->flags;
	uint64_t rec_set = o->rec_set;
	if (ro_deferred(type, false, dst)) {
		flags &= ~(unsigned long)MS_RDONLY;
		rec_set &= ~(uint64_t)MOUNT_ATTR_RDONLY;
	}
	_cleanup_free_ char *data = NULL;
	int r = fs_data(st, m, o, dst, dst_fd, created, &data, err);
	if (r < 0)
		return r;
	if (flags & MS_REMOUNT) {
		/* Changing a mount that is already there: only mount(2) can. */
		if (roci_mount_legacy(src, dst_fd, type, flags, data, err) < 0)
			return roci_err_wrap(err, "remount %s%s", ctx->rootfs, dst);
		return 0;
	}
	/* tmpcopyup: the copy goes in while the new tmpfs is still detached
	 * and writable; "ro" follows it, as a mount attribute */
	bool copyup = o->tmpcopyup && !created;
	uint64_t ro_after = copyup && (flags & MS_RDONLY) ? MOUNT_ATTR_RDONLY : 0;
	if (copyup)
		flags &= ~(unsigned long)MS_RDONLY;
	*mnt = roci_mount_new_fs(type, src, flags, data, roci_mount_flags_to_attr(flags), err);
	if (*mnt >= 0 && copyup &&
	    (roci_copyup(dst_fd, *mnt, err) < 0 ||
	     (ro_after && roci_mount_setattr(*mnt, false, ro_after, 0, 0, err) < 0)))
		return roci_err_wrap(err, "mount %s on %s%s", src ? src : type, ctx->rootfs, dst);
	if (*mnt == -ENOSYS && copyup)
		return roci_failx(err, ENOTSUP, "mount %s: tmpcopyup needs the new mount API (fsopen)", dst);
	if (*mnt == -EPERM && streq(type, "sysfs") && ctx->userns)
		return bind_host_sys(st, dst, dst_fd, roci_mount_flags_to_attr(flags) | rec_set,
				     o->rec_clr, mnt, err);
	if (*mnt == -ENOSYS) {
		roci_debug(ctx->log, "mount %s: no fsopen, using mount(2)", dst);
		if (o->n_propagation || rec_set || o->rec_clr)
			roci_warn(ctx->log, "mount %s: propagation and recursive options ignored", dst);
		if (roci_mount_legacy(src, dst_fd, type, flags, data, err) < 0)
			return roci_err_wrap(err, "mount %s on %s%s", src ? src : type, ctx->rootfs, dst);
		return 0;
	}
	if (*mnt < 0 ||
	    ((rec_set || o->rec_clr) && roci_mount_setattr(*mnt, true, rec_set, o->rec_clr, 0, err) < 0) ||
	    roci_mount_attach(*mnt, dst_fd, err) < 0 || roci_rfs_apply_propagation(*mnt, o, err) < 0)
		return roci_err_wrap(err, "mount %s on %s%s", src ? src : type, ctx->rootfs, dst);
	return 0;
}

/* The steps above, in order: the entry, the bind source (bind mounts),
 * the destination, then the mount itself. */
int roci_rfs_mount_one(const struct mnt_state *st, const struct roci_mount *m,
		       struct roci_err *err)
{
	char dst[PATH_MAX];
	_cleanup_opts_ struct roci_mount_opts o = { 0 };
	bool bind = false;
	int r = mount_check_entry(st, m, dst, &o, &bind, err);
	if (r < 0)
		return r;
	_cleanup_close_ int mnt = -1; /* the bind source, or the new filesystem */
	bool src_dir = true;
	int made = roci_premount_mount_fd(st->ctx->premounts, (size_t)(m - st->ctx->cfg->mounts));
	if (bind && made >= 0) {
		/* made by the runtime, detached (idmapped, or a source only
		 * the host's root can reach) */
		struct stat sb;
		if ((mnt = fcntl(made, F_DUPFD_CLOEXEC, 3)) < 0 || fstat(mnt, &sb) < 0)
			return roci_fail(err, errno, "mount %s: source made by the runtime", dst);
		src_dir = S_ISDIR(sb.st_mode);
	} else if (bind && (mnt = bind_source(st, m, dst, &o, &src_dir, err)) < 0) {
		return mnt;
	}
	bool created;
	_cleanup_close_ int dst_fd = mount_dest(st, m, dst, bind, mnt, src_dir, &created, err);
	if (dst_fd < 0)
		return dst_fd;
	if (streq(m->type, "cgroup") && !bind)
		return roci_rfs_mount_cgroup(st, m, dst, &o, dst_fd, err);
	if (bind)
		return mount_bind(st, mnt, &o, m->source, dst, dst_fd, err);
	return mount_fs(st, m, &o, dst, dst_fd, created, &mnt, err);
}
