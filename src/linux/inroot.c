/* SPDX-License-Identifier: Apache-2.0 */
/* In-root path resolution and fd-based mount primitives (see inroot.h). */
#include "linux/inroot.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/libc_compat.h"
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/mountopts.h"
#include "util/cleanup.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define IN_ROOT_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define MAX_SYMLINKS 40
/* openat2(RESOLVE_IN_ROOT) returns EAGAIN when a rename or mount raced with
 * a ".." lookup; retry a few times before giving up. */
#define EAGAIN_RETRIES 32

const char *roci_fd_path(int fd, char buf[ROCI_FD_PATH_MAX])
{
	snprintf(buf, ROCI_FD_PATH_MAX, "/proc/thread-self/fd/%d", fd);
	return buf;
}

int roci_path_clean(const char *in, char *out, size_t len)
{
	size_t n = 0;
	if (len < 2)
		return -ENAMETOOLONG;
	out[n++] = '/';
	const char *p = in ? in : "";
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchrnul(p, '/');
		size_t cl = (size_t)(e - p);
		if (cl == 1 && p[0] == '.') {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--; /* drop the separator too */
		} else {
			size_t need = (n > 1 ? 1 : 0) + cl;
			if (n + need + 1 > len)
				return -ENAMETOOLONG;
			if (n > 1)
				out[n++] = '/';
			memcpy(out + n, p, cl);
			n += cl;
		}
		p = e;
	}
	out[n] = '\0';
	return 0;
}

int roci_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(unsigned)flags,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = resolve,
	};
	for (int i = 0; i < EAGAIN_RETRIES; i++) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/* A symlink on procfs whose target is not a plain relative path ("self",
 * "self/net") is a magic link: its text is not where it leads. */
static bool is_magic_link(int link_fd, const char *target)
{
	struct statfs sfs;
	if (fstatfs(link_fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return false;
	return target[0] == '/' || strchr(target, ':') != NULL;
}

struct walk {
	int *stack;   /* stack[0] is the root (not owned), then owned dir fds */
	size_t depth; /* index of the top */
	size_t cap;
	/* "rest" holds what is left to resolve; symlink targets are spliced in
	 * front of it. Two buffers so splicing never overlaps. */
	char *rest, *tmp;
	int links;        /* symlinks followed so far */
	const char *path; /* the path as given, for messages */
	bool create_file; /* a missing last component becomes an empty file */
};

static void walk_free(struct walk *w)
{
	for (size_t i = 1; i <= w->depth; i++)
		close(w->stack[i]);
	free(w->stack);
	free(w->rest);
	free(w->tmp);
}

/* The stack with only the root on it, and the whole path still to
 * resolve. Nothing is left to free when it fails. */
static int walk_init(struct walk *w, int root_fd, struct roci_err *err)
{
	const char *path = w->path;
	w->rest = malloc(PATH_MAX);
	w->tmp = malloc(PATH_MAX);
	w->stack = malloc(w->cap * sizeof(int));
	if (!w->rest || !w->tmp || !w->stack) {
		walk_free(w);
		return roci_fail(err, ENOMEM, "resolve %s", path);
	}
	w->stack[0] = root_fd;
	if (strlen(path) >= PATH_MAX) {
		walk_free(w);
		return roci_fail(err, ENAMETOOLONG, "resolve %s", path);
	}
	strcpy(w->rest, path);
	return 0;
}

static int walk_push(struct walk *w, int fd)
{
	if (w->depth + 1 >= w->cap) {
		size_t ncap = w->cap * 2;
		int *n = realloc(w->stack, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		w->stack = n;
		w->cap = ncap;
	}
	w->stack[++w->depth] = fd;
	return 0;
}

static void walk_pop_to(struct walk *w, size_t depth)
{
	while (w->depth > depth)
		close(w->stack[w->depth--]);
}

/* One component of the rest of the path, cut out of it in place. */
struct comp {
	char *name;     /* the component, NUL-terminated */
	char *next;     /* what follows it */
	bool had_slash; /* a "/" followed it */
	bool last;      /* nothing but slashes follows */
	bool must_dir;  /* it has to be a directory */
};

/* Cut the next component out of p; false when none is left. */
static bool walk_cut(char *p, bool want_dir, struct comp *c)
{
	while (*p == '/')
		p++;
	if (!*p)
		return false;
	char *e = strchrnul(p, '/');
	bool had_slash = *e == '/';
	if (*e)
		*e++ = '\0';
	char *q = e;
	while (*q == '/')
		q++;
	bool last = *q == '\0';
	*c = (struct comp){ .name = p, .next = e, .had_slash = had_slash, .last = last,
			    .must_dir = !last || had_slash || want_dir };
	return true;
}

/* Open component c in the directory on top of the stack, never following
 * it (mkdirs: creating it as a directory if missing), and stat it. Returns
 * its O_PATH fd. */
static int walk_open(const struct walk *w, const struct comp *c, bool mkdirs, mode_t mode,
		     struct stat *st, struct roci_err *err)
{
	int top = w->stack[w->depth];
	int fd = openat(top, c->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mkdirs && c->must_dir) {
		if (mkdirat(top, c->name, mode) < 0 && errno != EEXIST)
			return roci_fail(err, errno, "mkdir %s (in %s)", c->name, w->path);
		fd = openat(top, c->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	} else if (fd < 0 && errno == ENOENT && mkdirs && w->create_file && c->last) {
		int f = openat(top, c->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST)
			return roci_fail(err, errno, "create %s (in %s)", c->name, w->path);
		if (f >= 0)
			close(f);
		fd = openat(top, c->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return roci_fail(err, errno, "resolve %s in root", w->path);
	if (fstat(fd, st) < 0) {
		int r = roci_fail(err, errno, "stat %s in root", w->path);
		close(fd);
		return r;
	}
	return fd;
}

/* Splice the target of symlink fd (component c) in front of the rest of
 * the path, which then starts over from the root if the target is
 * absolute. Magic links are refused. Closes fd. */
static int walk_follow(struct walk *w, int fd, const struct comp *c, struct roci_err *err)
{
	char target[PATH_MAX];
	ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
	if (tl < 0 || ++w->links > MAX_SYMLINKS) {
		int r = roci_fail(err, tl < 0 ? errno : ELOOP, "resolve %s in root", w->path);
		close(fd);
		return r;
	}
	target[tl] = '\0';
	if (is_magic_link(fd, target)) {
		close(fd);
		return roci_failx(err, ELOOP, "resolve %s in root: refusing to follow magic link %s",
				  w->path, c->name);
	}
	close(fd);
	const char *e = c->next;
	int n = *e ? snprintf(w->tmp, PATH_MAX, "%s/%s", target, e)
		   : snprintf(w->tmp, PATH_MAX, "%s%s", target, c->had_slash ? "/" : "");
	if (n < 0 || n >= PATH_MAX)
		return roci_fail(err, ENAMETOOLONG, "resolve %s in root", w->path);
	if (target[0] == '/')
		walk_pop_to(w, 0);
	char *sw = w->rest;
	w->rest = w->tmp;
	w->tmp = sw;
	return 0;
}

int roci_inroot_walk(int root_fd, const char *path, int flags, bool mkdirs, mode_t mode,
		     struct roci_err *err)
{
	struct walk w = { .cap = 16, .depth = 0, .path = path, .create_file = (flags & O_CREAT) != 0 };
	int result = -1, r = walk_init(&w, root_fd, err);
	if (r < 0)
		return r;
	bool follow_last = !(flags & O_NOFOLLOW);
	bool want_dir = (flags & O_DIRECTORY) != 0;

	struct comp c;
	char *p = w.rest;
	while (walk_cut(p, want_dir, &c)) {
		p = c.next;
		if (strcmp(c.name, ".") == 0)
			continue;
		if (strcmp(c.name, "..") == 0) {
			if (w.depth > 0)
				walk_pop_to(&w, w.depth - 1);
			continue;
		}
		struct stat st;
		int fd = walk_open(&w, &c, mkdirs, mode, &st, err);
		if (fd < 0) {
			r = fd;
			goto out;
		}
		if (S_ISLNK(st.st_mode) && (!c.last || c.had_slash || follow_last)) {
			if ((r = walk_follow(&w, fd, &c, err)) < 0)
				goto out;
			p = w.rest;
			continue;
		}
		if (!S_ISDIR(st.st_mode) && c.must_dir) {
			close(fd);
			r = roci_failx(err, ENOTDIR, "resolve %s in root: %s: %s", path, c.name,
				       strerror(ENOTDIR));
			goto out;
		}
		if (c.last) {
			result = fd;
			break;
		}
		if (walk_push(&w, fd) < 0) {
			close(fd);
			r = roci_fail(err, ENOMEM, "resolve %s", path);
			goto out;
		}
	}
	if (result < 0) {
		/* The path ended on a directory already on the stack. */
		result = openat(w.stack[w.depth], ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (result < 0)
			r = roci_fail(err, errno, "resolve %s in root", path);
	}
out:
	walk_free(&w);
	return r < 0 ? r : result;
}

/* Re-open an O_PATH fd with real open flags, through its magic link. */
static int reopen_fd(int fd, int flags)
{
	char buf[ROCI_FD_PATH_MAX];
	int nfd = open(roci_fd_path(fd, buf), (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL)) | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

int roci_inroot_open(int root_fd, const char *path, int flags, struct roci_err *err)
{
	int fd = roci_openat2(root_fd, path, flags | O_CLOEXEC, 0, IN_ROOT_RESOLVE);
	if (fd >= 0)
		return fd;
	if (fd != -ENOSYS)
		return roci_fail(err, -fd, "open %s in root", path);
	_cleanup_close_ int pfd = roci_inroot_walk(root_fd, path, flags & (O_NOFOLLOW | O_DIRECTORY),
						   false, 0, err);
	if (pfd < 0 || (flags & O_PATH))
		return pfd < 0 ? pfd : TAKE_FD(pfd);
	fd = reopen_fd(pfd, flags);
	return fd < 0 ? roci_fail(err, -fd, "open %s in root", path) : fd;
}

int roci_inroot_mkdir_all(int root_fd, const char *path, mode_t mode, struct roci_err *err)
{
	int fd = roci_openat2(root_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, IN_ROOT_RESOLVE);
	if (fd >= 0)
		return fd;
	if (fd != -ENOENT && fd != -ENOSYS)
		return roci_fail(err, -fd, "open %s in root", path);
	return roci_inroot_walk(root_fd, path, O_DIRECTORY, true, mode, err);
}

int roci_inroot_open_parent(int root_fd, const char *path, bool mkdirs, char **name,
			    struct roci_err *err)
{
	char clean[PATH_MAX];
	if (roci_path_clean(path, clean, sizeof(clean)) < 0)
		return roci_fail(err, ENAMETOOLONG, "resolve %s", path);
	char *slash = strrchr(clean, '/');
	if (!slash[1])
		return roci_failx(err, EINVAL, "%s: path names the root itself", path);
	*name = strdup(slash + 1);
	if (!*name)
		return roci_fail(err, ENOMEM, "resolve %s", path);
	slash[slash == clean ? 1 : 0] = '\0';
	int fd = mkdirs ? roci_inroot_mkdir_all(root_fd, clean, 0755, err)
			: roci_inroot_open(root_fd, clean, O_PATH | O_DIRECTORY, err);
	if (fd < 0) {
		free(*name);
		*name = NULL;
	}
	return fd;
}

int roci_inroot_create_file(int root_fd, const char *path, mode_t mode, struct roci_err *err)
{
	int fd = roci_inroot_open(root_fd, path, O_PATH, err);
	if (fd >= 0 || fd != -ENOENT)
		return fd;
	roci_err_clear(err);
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int dir = roci_inroot_open_parent(root_fd, path, true, &name, err);
	if (dir < 0)
		return dir;
	fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd >= 0)
		return fd;
	if (errno != EEXIST)
		return roci_fail(err, errno, "create %s in root", path);
	fd = roci_inroot_open(root_fd, path, O_PATH, err);
	if (fd != -ENOENT)
		return fd;
	/* a dangling symlink: made where it points, inside the root (the
	 * missing directories on the way too) */
	roci_err_clear(err);
	return roci_inroot_walk(root_fd, path, O_CREAT, true, 0755, err);
}

int roci_mount_clone(int dirfd, const char *path, bool recursive, struct roci_err *err)
{
	bool empty = !path || !*path;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
			 (empty ? AT_EMPTY_PATH : 0);
	int fd = open_tree(dirfd, empty ? "" : path, flags);
	if (fd < 0)
		return roci_fail(err, errno, "open_tree %s", empty ? "(fd)" : path);
	return fd;
}

/* Append the fs_context log (kernel's explanation of a failure) to err. */
static void fs_log_append(int fsfd, struct roci_err *err)
{
	char line[512];
	for (;;) {
		ssize_t n = read(fsfd, line, sizeof(line) - 1);
		if (n <= 0)
			break;
		line[n] = '\0';
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (err && n > 2) {
			size_t used = strlen(err->msg);
			snprintf(err->msg + used, sizeof(err->msg) - used, " (%s)", line + 2);
		}
	}
}

static int fs_set(int fsfd, const char *opt, struct roci_err *err)
{
	_cleanup_free_ char *key = strdup(opt);
	if (!key)
		return roci_fail(err, ENOMEM, "fsconfig");
	char *eq = strchr(key, '=');
	int r;
	if (eq) {
		*eq = '\0';
		r = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
	} else {
		r = fsconfig(fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
	}
	if (r < 0) {
		r = roci_fail(err, errno, "fsconfig %s", opt);
		fs_log_append(fsfd, err);
	}
	return r;
}

int roci_mount_new_fs(const char *type, const char *source, unsigned long sb_flags,
		      const char *data, uint64_t attrs, struct roci_err *err)
{
	_cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return roci_fail(err, errno, "fsopen %s", type);
	if (source && *source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0) {
		int r = roci_fail(err, errno, "fsconfig source=%s", source);
		fs_log_append(fsfd, err);
		return r;
	}
	const char *keys[8];
	size_t nk = roci_mount_sb_keys(sb_flags, keys);
	for (size_t i = 0; i < nk; i++) {
		int r = fs_set(fsfd, keys[i], err);
		if (r < 0)
			return r;
	}
	if (data && *data) {
		_cleanup_free_ char *copy = strdup(data);
		if (!copy)
			return roci_fail(err, ENOMEM, "fsconfig");
		char *s = copy;
		while (*s) {
			/* split at the next comma not escaped by a backslash */
			char *e = s;
			while (*e && *e != ',') {
				if (*e == '\\' && e[1])
					e++;
				e++;
			}
			bool more = *e == ',';
			*e = '\0';
			if (*s) {
				int r = fs_set(fsfd, s, err);
				if (r < 0)
					return r;
			}
			s = more ? e + 1 : e;
		}
	}
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int r = roci_fail(err, errno, "create %s filesystem", type);
		fs_log_append(fsfd, err);
		return r;
	}
	int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, (unsigned)attrs);
	if (mfd < 0) {
		int r = roci_fail(err, errno, "fsmount %s", type);
		fs_log_append(fsfd, err);
		return r;
	}
	return mfd;
}

int roci_mount_attach(int mnt_fd, int dst_fd, struct roci_err *err)
{
	if (move_mount(mnt_fd, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return roci_fail(err, errno, "move_mount");
	return 0;
}

int roci_mount_setattr(int fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
		       uint64_t propagation, struct roci_err *err)
{
	struct mount_attr a = {
		.attr_set = attr_set,
		.attr_clr = attr_clr,
		.propagation = propagation,
	};
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
		return roci_fail(err, errno, "mount_setattr");
	return 0;
}

int roci_mount_legacy(const char *source, int dst_fd, const char *type, unsigned long flags,
		      const char *data, struct roci_err *err)
{
	char buf[ROCI_FD_PATH_MAX];
	if (mount(source, roci_fd_path(dst_fd, buf), type, flags, data) < 0)
		return roci_fail(err, errno, "mount");
	return 0;
}
