/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/copyup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* deeper than any real image's tree: a bound on the recursion */
#define MAX_DEPTH 128

static int copy_data(int from, int to, off_t size)
{
	while (size > 0) {
		ssize_t n = sendfile(to, from, NULL, size > (1 << 30) ? (1 << 30) : (size_t)size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* the file shrank meanwhile */
		size -= n;
	}
	return 0;
}

/* Owner, mode (after the owner: chown clears set-id bits) and times of
 * name in dst, as st says. */
static int copy_meta(int dst, const char *name, const struct stat *st)
{
	if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
		return -errno;
	const struct timespec t[2] = { st->st_atim, st->st_mtim };
	if (utimensat(dst, name, t, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int copy_tree(int src, int dst, int depth, const char **what);

static int copy_entry(int src, int dst, const char *name, int depth, const char **what)
{
	struct stat st;
	*what = name;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	int r = 0;
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst, name, 0700) < 0)
			return -errno;
		_cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return -errno;
		if ((r = copy_tree(s, d, depth + 1, what)) < 0)
			return r;
		*what = name;
	} else if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s < 0 || d < 0)
			return -errno;
		if ((r = copy_data(s, d, st.st_size)) < 0)
			return r;
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return -errno;
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
		if (mknodat(dst, name, st.st_mode & S_IFMT, st.st_rdev) < 0)
			return -errno;
	} else {
		return 0; /* a socket: nothing to copy */
	}
	return copy_meta(dst, name, &st);
}

static int copy_tree(int src, int dst, int depth, const char **what)
{
	if (depth > MAX_DEPTH)
		return -ELOOP;
	int fd = dup(src);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int r = copy_entry(src, dst, e->d_name, depth, what);
		if (r < 0)
			return r;
		errno = 0;
	}
	return errno ? -errno : 0;
}

int roci_copyup(int src_dir, int dst_dir, struct roci_err *err)
{
	_cleanup_close_ int src = openat(src_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return roci_fail(err, errno, "tmpcopyup: open the directory");
	const char *what = ".";
	int r = copy_tree(src, dst_dir, 0, &what);
	if (r < 0)
		return roci_fail(err, -r, "tmpcopyup: copy %s", what);
	return 0;
}
