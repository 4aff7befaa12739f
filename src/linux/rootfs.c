/* SPDX-License-Identifier: Apache-2.0 */
/* The container's root filesystem (see rootfs.h).
 *
 * Every mount is built detached first (open_tree(OPEN_TREE_CLONE) for bind
 * mounts, fsopen/fsmount for filesystems), gets its attributes while still
 * detached (mount_setattr), and is then placed with move_mount onto a
 * destination fd resolved inside the rootfs (inroot.h). So a mount never
 * appears with the wrong flags, and no destination path is ever re-resolved
 * after the checks on it. */
#include "linux/rootfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/devices.h"
#include "linux/inroot.h"
#include "linux/mountopts.h"
#include "util/cleanup.h"

/* Paths below /proc that may be mounted over (what lxcfs provides). */
static const char *const proc_mount_allowed[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
	"/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
	"/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled",
};

/* Per-call state of roci_rootfs_prepare. */
struct mnt_state {
	const struct roci_rootfs_ctx *ctx;
	int root_fd;    /* the rootfs, after binding it onto itself */
	int bundle_fd;  /* relative bind sources resolve here; -1 if none */
};

static void opts_cleanup(struct roci_mount_opts *o)
{
	roci_mount_opts_free(o);
}
#define _cleanup_opts_ __attribute__((cleanup(opts_cleanup)))

/* path is prefix itself or below it ("/proc" covers "/proc/sys"). */
static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Mounts whose "ro" waits until finalize, because devices or nested mount
 * points still have to be created in them (as runc does). */
static bool ro_deferred(const char *type, bool bind, const char *dst)
{
	return !bind && (streq(type, "tmpfs") || strcmp(dst, "/dev") == 0);
}

static bool mount_is_bind(const struct roci_mount *m, const struct roci_mount_opts *o)
{
	return roci_mount_opts_is_bind(o) || streq(m->type, "bind");
}

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
static int apply_propagation(int mnt_fd, const struct roci_mount_opts *o, struct roci_err *err)
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
static int bind_set_flags(int mnt_fd, const struct roci_mount_opts *o, const char *dst,
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

static int mount_cgroup(const struct mnt_state *st, const struct roci_mount *m, const char *dst,
			const struct roci_mount_opts *o, int dst_fd, struct roci_err *err);

static int mount_one(const struct mnt_state *st, const struct roci_mount *m, struct roci_err *err)
{
	const struct roci_rootfs_ctx *ctx = st->ctx;
	char dst[PATH_MAX];
	_cleanup_opts_ struct roci_mount_opts o = { 0 };
	if (!m->destination || roci_path_clean(m->destination, dst, sizeof(dst)) < 0)
		return roci_failx(err, EINVAL, "mount: invalid destination");
	if (!strcmp(dst, "/"))
		return roci_failx(err, EINVAL, "mount on /: mounting over the rootfs is not supported");
	int r = roci_mount_opts_parse(m->options, m->n_options, &o, err);
	if (r < 0)
		return r;
	if (o.idmap || o.ridmap || m->n_uid_mappings || m->n_gid_mappings)
		return roci_failx(err, ENOTSUP, "mount %s: idmapped mounts are not supported", dst);
	bool bind = mount_is_bind(m, &o);
	const char *type = m->type;
	if (!bind && (!type || !*type))
		return roci_failx(err, EINVAL, "mount %s: no filesystem type", dst);
	if (bind && (!m->source || !*m->source))
		return roci_failx(err, EINVAL, "mount %s: bind mount without a source", dst);
	if (o.tmpcopyup)
		roci_debug(ctx->log, "mount %s: tmpcopyup is not supported, ignored", dst);
	if ((r = check_dest_lexical(st, dst, type, bind, err)) < 0)
		return r;

	const char *src = m->source;
	_cleanup_close_ int mnt = -1;
	bool src_dir = true;
	if (bind) {
		int dirfd = src[0] == '/' || st->bundle_fd < 0 ? AT_FDCWD : st->bundle_fd;
		mnt = roci_mount_clone(dirfd, src, o.flags & MS_REC, err);
		if (mnt < 0)
			return roci_err_wrap(err, "mount %s on %s%s", src, ctx->rootfs, dst);
		struct stat sb;
		if (fstat(mnt, &sb) < 0)
			return roci_fail(err, errno, "stat bind source %s", src);
		src_dir = S_ISDIR(sb.st_mode);
	}
	bool created;
	_cleanup_close_ int dst_fd = -1;
	if (streq(type, "cgroup") && !bind) {
		dst_fd = roci_inroot_mkdir_all(st->root_fd, dst, 0755, err);
		created = false;
	} else {
		dst_fd = open_dest(st, dst, !src_dir, &created, err);
	}
	if (dst_fd < 0)
		return roci_err_wrap(err, "mount %s on %s%s: destination", src ? src : type,
				     ctx->rootfs, dst);
	if ((r = check_dest_resolved(st, dst_fd, dst, type, bind, mnt, err)) < 0)
		return r;

	if (streq(type, "cgroup") && !bind)
		return mount_cgroup(st, m, dst, &o, dst_fd, err);

	if (bind) {
		if (bind_set_flags(mnt, &o, dst, err) < 0 ||
		    ((o.rec_set || o.rec_clr) &&
		     roci_mount_setattr(mnt, true, o.rec_set, o.rec_clr, 0, err) < 0) ||
		    roci_mount_attach(mnt, dst_fd, err) < 0 || apply_propagation(mnt, &o, err) < 0)
			return roci_err_wrap(err, "mount %s on %s%s", src, ctx->rootfs, dst);
		return 0;
	}

	unsigned long flags = o.flags;
	uint64_t rec_set = o.rec_set;
	if (ro_deferred(type, bind, dst)) {
		flags &= ~(unsigned long)MS_RDONLY;
		rec_set &= ~(uint64_t)MOUNT_ATTR_RDONLY;
	}
	_cleanup_free_ char *data = streq(type, "tmpfs") && !created ? tmpfs_data(dst_fd, o.data)
								      : (o.data ? strdup(o.data) : NULL);
	if (ctx->mount_label && roci_mount_type_takes_label(type)) {
		char *labelled = roci_mount_data_with_label(data, ctx->mount_label);
		free(data);
		if (!(data = labelled))
			return roci_fail(err, ENOMEM, "mount %s", dst);
	}
	if (flags & MS_REMOUNT) {
		/* Changing a mount that is already there: only mount(2) can. */
		if (roci_mount_legacy(src, dst_fd, type, flags, data, err) < 0)
			return roci_err_wrap(err, "remount %s%s", ctx->rootfs, dst);
		return 0;
	}
	mnt = roci_mount_new_fs(type, src, flags, data, roci_mount_flags_to_attr(flags), err);
	if (mnt == -EPERM && streq(type, "sysfs") && ctx->userns) {
		/* A user namespace that does not own the network namespace may
		 * not mount sysfs: bind the host's /sys instead, as runc does. */
		roci_debug(ctx->log, "mount sysfs on %s: not permitted, binding /sys", dst);
		mnt = roci_mount_clone(AT_FDCWD, "/sys", true, err);
		if (mnt < 0 ||
		    roci_mount_setattr(mnt, true, roci_mount_flags_to_attr(flags) | rec_set, o.rec_clr, 0, err) < 0 ||
		    roci_mount_attach(mnt, dst_fd, err) < 0)
			return roci_err_wrap(err, "bind /sys on %s%s", ctx->rootfs, dst);
		return 0;
	}
	if (mnt == -ENOSYS) {
		roci_debug(ctx->log, "mount %s: no fsopen, using mount(2)", dst);
		if (o.n_propagation || rec_set || o.rec_clr)
			roci_warn(ctx->log, "mount %s: propagation and recursive options ignored", dst);
		if (roci_mount_legacy(src, dst_fd, type, flags, data, err) < 0)
			return roci_err_wrap(err, "mount %s on %s%s", src ? src : type, ctx->rootfs, dst);
		return 0;
	}
	if (mnt < 0 ||
	    ((rec_set || o.rec_clr) && roci_mount_setattr(mnt, true, rec_set, o.rec_clr, 0, err) < 0) ||
	    roci_mount_attach(mnt, dst_fd, err) < 0 || apply_propagation(mnt, &o, err) < 0)
		return roci_err_wrap(err, "mount %s on %s%s", src ? src : type, ctx->rootfs, dst);
	return 0;
}

/* ---- cgroup mounts ---------------------------------------------------- */

struct mi_entry {
	char *root, *mountpoint, *fstype, *source, *super;
};

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void mi_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static bool mi_parse(char *line, struct mi_entry *e)
{
	char *f[6], *save = NULL, *tok;
	int i = 0;
	for (tok = strtok_r(line, " \n", &save); tok && i < 6; tok = strtok_r(NULL, " \n", &save))
		f[i++] = tok;
	if (i < 6)
		return false;
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " \n", &save);
	if (!tok)
		return false;
	e->root = f[3];
	e->mountpoint = f[4];
	e->fstype = strtok_r(NULL, " \n", &save);
	e->source = strtok_r(NULL, " \n", &save);
	e->super = strtok_r(NULL, " \n", &save);
	if (!e->fstype || !e->source || !e->super)
		return false;
	mi_unescape(e->root);
	mi_unescape(e->mountpoint);
	return true;
}

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
static int cgroup_hierarchy(const struct mnt_state *st, int tmpfs_fd, const struct mi_entry *e,
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
		if (mnt >= 0 && bind_set_flags(mnt, o, name, err) < 0)
			return -err->code;
	}
	if (mnt < 0)
		return mnt;
	if (mkdirat(tmpfs_fd, name, 0755) < 0 && errno != EEXIST)
		return roci_fail(err, errno, "mkdir %s", name);
	_cleanup_close_ int dfd = openat(tmpfs_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return roci_fail(err, errno, "open %s", name);
	if (roci_mount_attach(mnt, dfd, err) < 0 || apply_propagation(mnt, o, err) < 0)
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
static int mount_cgroup(const struct mnt_state *st, const struct roci_mount *m, const char *dst,
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
			if (mnt >= 0 && bind_set_flags(mnt, &o, dst, err) < 0)
				return roci_err_wrap(err, "mount cgroup on %s%s", ctx->rootfs, dst);
		}
		if (mnt < 0 || roci_mount_attach(mnt, dst_fd, err) < 0 || apply_propagation(mnt, &o, err) < 0)
			return roci_err_wrap(err, "mount cgroup on %s%s", ctx->rootfs, dst);
		return 0;
	}

	/* v1 or hybrid: a tmpfs holding one directory per hierarchy */
	_cleanup_close_ int tmpfs = roci_mount_new_fs("tmpfs", "tmpfs", 0, "mode=755",
						      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						      MOUNT_ATTR_NOEXEC, err);
	if (tmpfs < 0 || roci_mount_attach(tmpfs, dst_fd, err) < 0 || apply_propagation(tmpfs, &o, err) < 0)
		return roci_err_wrap(err, "mount cgroup on %s%s", ctx->rootfs, dst);
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return roci_fail(err, errno, "open /proc/self/mountinfo");
	char line[PATH_MAX * 3];
	while (fgets(line, sizeof(line), f)) {
		struct mi_entry e;
		if (!mi_parse(line, &e) || (strcmp(e.fstype, "cgroup") && strcmp(e.fstype, "cgroup2")))
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
		if ((r = mount_one(&st, m, err)) < 0)
			return r;
		char d[PATH_MAX];
		if (roci_path_clean(m->destination, d, sizeof(d)) == 0 && !strcmp(d, "/dev")) {
			_cleanup_opts_ struct roci_mount_opts o = { 0 };
			dev_bound = roci_mount_opts_parse(m->options, m->n_options, &o, NULL) == 0 &&
				    mount_is_bind(m, &o);
		}
	}
	/* A /dev bound from the host is used as it is. */
	if (!dev_bound && (r = roci_devices_setup(root_fd, cfg, ctx->userns, ctx->log, err)) < 0)
		return roci_err_wrap(err, "set up /dev in %s", ctx->rootfs);
	return 0;
}

/* ---- pivot ------------------------------------------------------------ */

/* --no-pivot: hide every full procfs/sysfs mount outside the rootfs, since
 * with chroot they stay reachable in the namespace and would let the
 * container mount fresh ones; then move the rootfs onto "/". */
static int move_root(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return roci_fail(err, errno, "open /proc/self/mountinfo");
	char line[PATH_MAX * 3];
	while (fgets(line, sizeof(line), f)) {
		struct mi_entry e;
		if (!mi_parse(line, &e) || strcmp(e.root, "/") ||
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

int roci_rootfs_pivot(const struct roci_rootfs_ctx *ctx, struct roci_err *err)
{
	_cleanup_close_ int newroot = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0)
		return roci_fail(err, errno, "open rootfs %s", ctx->rootfs);
	if (fchdir(newroot) < 0)
		return roci_fail(err, errno, "chdir %s", ctx->rootfs);
	if (!ctx->new_mount_ns) {
		if (chroot(".") < 0)
			return roci_fail(err, errno, "chroot %s", ctx->rootfs);
	} else if (ctx->no_pivot) {
		int r = move_root(ctx, err);
		if (r < 0)
			return r;
	} else {
		_cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (oldroot < 0)
			return roci_fail(err, errno, "open /");
		/* pivot_root refuses a shared new root; MS_SLAVE keeps a slave
		 * or private mount as it is and turns a shared one into a slave. */
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
	}
	if (chdir("/") < 0)
		return roci_fail(err, errno, "chdir /");
	return 0;
}

/* ---- finalize --------------------------------------------------------- */

/* The "ro" of tmpfs mounts and /dev, deferred by mount_one. */
static int remount_deferred_ro(int root, const struct roci_config *cfg, struct roci_err *err)
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

static int mask_paths(int root, const struct roci_config *cfg, struct roci_err *err)
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

static int readonly_paths(int root, const struct roci_config *cfg, struct roci_err *err)
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
	if ((r = remount_deferred_ro(root, cfg, err)) < 0 || (r = mask_paths(root, cfg, err)) < 0 ||
	    (r = readonly_paths(root, cfg, err)) < 0)
		return r;
	if (cfg->root_readonly && roci_mount_setattr(root, false, MOUNT_ATTR_RDONLY, 0, 0, err) < 0)
		return roci_err_wrap(err, "remount / read-only");
	/* Last, so that nothing above is refused by an unbindable root. */
	if (prop && ctx->new_mount_ns && roci_mount_setattr(root, prop & MS_REC, 0, 0, prop & ~(unsigned long)MS_REC, err) < 0)
		return roci_err_wrap(err, "set rootfs propagation %s", cfg->rootfs_propagation);
	return 0;
}
