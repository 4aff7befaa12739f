/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/statedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#include <unistd.h>

#include "util/cleanup.h"
#include "util/readfd.h"

/* the name a state directory has until its create renames it */
#define CREATING_PREFIX "#creating."

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int init_sd(struct roci_statedir *sd, const char *root, const char *id)
{
	sd->dir_fd = -1;
	sd->root = strdup(root);
	sd->id = strdup(id);
	if (asprintf(&sd->path, "%s/%s", root, id) < 0)
		sd->path = NULL;
	return sd->root && sd->id && sd->path ? 0 : -ENOMEM;
}

/* Lock the directory; afterwards make sure it was not removed by whoever
 * held the lock before us. */
static int lock_dir(struct roci_statedir *sd, struct roci_err *err)
{
	while (flock(sd->dir_fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return roci_fail(err, errno, "lock %s", sd->path);
	}
	struct stat st;
	if (fstat(sd->dir_fd, &st) < 0)
		return roci_fail(err, errno, "stat %s", sd->path);
	if (st.st_nlink == 0)
		return roci_failx(err, ENOENT, "container \"%s\" does not exist", sd->id);
	return 0;
}

int roci_statedir_create(const char *root, const char *id, struct roci_statedir *sd,
			 struct roci_err *err)
{
	if (init_sd(sd, root, id) < 0)
		return roci_fail(err, ENOMEM, "state directory");
	int r = mkdir_p(root, 0700);
	if (r < 0)
		return roci_fail(err, -r, "create state root %s", root);
	if (faccessat(AT_FDCWD, sd->path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return roci_failx(err, EEXIST, "container with id \"%s\" already exists", id);
	/* The directory appears under its name already locked: made and
	 * locked under a name no id can have ('#'), then renamed, so that
	 * `state` never sees it unlocked and without a state (and takes it
	 * for a leftover). */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/" CREATING_PREFIX "%d", root, (int)getpid());
	if (mkdir(tmp, 0711) < 0 && (errno != EEXIST || rmdir(tmp) < 0 || mkdir(tmp, 0711) < 0))
		return roci_fail(err, errno, "mkdir %s", tmp);
	sd->dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->dir_fd < 0) {
		r = roci_fail(err, errno, "open %s", tmp);
		rmdir(tmp);
		return r;
	}
	while (flock(sd->dir_fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			r = roci_fail(err, errno, "lock %s", tmp);
			rmdir(tmp);
			return r;
		}
	if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, sd->path, RENAME_NOREPLACE) < 0) {
		int e = errno;
		rmdir(tmp);
		if (e == EEXIST)
			return roci_failx(err, EEXIST, "container with id \"%s\" already exists", id);
		return roci_fail(err, e, "rename %s to %s", tmp, sd->path);
	}
	return 0;
}

bool roci_statedir_drop_stale(const char *root, const char *name)
{
	if (strncmp(name, CREATING_PREFIX, strlen(CREATING_PREFIX)) != 0)
		return false;
	char *end;
	long pid = strtol(name + strlen(CREATING_PREFIX), &end, 10);
	if (*end || pid <= 0 || pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return false;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", root, name);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* a create in another pid namespace holds its lock */
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return false;
	return rmdir(path) == 0;
}

void roci_statedir_sweep(const char *root)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] == '#')
			roci_statedir_drop_stale(root, de->d_name);
}

int roci_statedir_open(const char *root, const char *id, struct roci_statedir *sd,
		       struct roci_err *err)
{
	if (init_sd(sd, root, id) < 0)
		return roci_fail(err, ENOMEM, "state directory");
	sd->dir_fd = open(sd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd->dir_fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return roci_failx(err, ENOENT, "container \"%s\" does not exist", id);
		return roci_fail(err, errno, "open %s", sd->path);
	}
	return lock_dir(sd, err);
}

/* Write dirfd/name atomically: a temporary file beside it, then rename. */
static int write_atomic_at(int dirfd, const char *dirpath, const char *name, const char *data,
			   size_t len, mode_t mode, struct roci_err *err)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return roci_fail(err, errno, "create %s/%s", dirpath, tmp);
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = roci_fail(err, errno, "write %s/%s", dirpath, tmp);
			unlinkat(dirfd, tmp, 0);
			return r;
		}
		off += (size_t)n;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int r = roci_fail(err, errno, "rename %s/%s", dirpath, name);
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return 0;
}

int roci_statedir_write(struct roci_statedir *sd, const char *name, const char *data,
			size_t len, struct roci_err *err)
{
	return write_atomic_at(sd->dir_fd, sd->path, name, data, len, 0600, err);
}

int roci_statedir_read(struct roci_statedir *sd, const char *name, char **out, size_t *lenp,
		       struct roci_err *err)
{
	_cleanup_close_ int fd = openat(sd->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return roci_fail(err, errno, "open %s/%s", sd->path, name);
	}
	int r = roci_read_fd(fd, 64u << 20, out, lenp);
	if (r == -EFBIG)
		return roci_failx(err, EFBIG, "%s/%s: file too large", sd->path, name);
	if (r < 0)
		return roci_fail(err, -r, "read %s/%s", sd->path, name);
	return 0;
}

bool roci_statedir_exists(struct roci_statedir *sd, const char *name)
{
	return faccessat(sd->dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int roci_statedir_remove(struct roci_statedir *sd, struct roci_err *err)
{
	int r = 0;
	/* The directory is read through the locked fd itself: no new fd is
	 * needed, so a create that failed for want of fds still cleans up;
	 * closedir drops the lock once the directory is gone. */
	DIR *d = sd->dir_fd >= 0 ? fdopendir(sd->dir_fd) : NULL;
	if (d) {
		sd->dir_fd = -1;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				r = roci_fail(err, errno, "remove %s/%s", sd->path, de->d_name);
		}
	}
	if (r == 0 && sd->path && rmdir(sd->path) < 0 && errno != ENOENT)
		r = roci_fail(err, errno, "remove %s", sd->path);
	if (d)
		closedir(d);
	roci_statedir_close(sd);
	return r;
}

void roci_statedir_close(struct roci_statedir *sd)
{
	if (sd->dir_fd >= 0)
		close(sd->dir_fd);
	sd->dir_fd = -1;
	free(sd->path);
	free(sd->id);
	free(sd->root);
	sd->path = sd->id = sd->root = NULL;
}

int roci_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			   struct roci_err *err)
{
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return roci_fail(err, ENOMEM, "write %s", path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		name = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else {
		strcpy(dir, ".");
	}
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return roci_fail(err, errno, "open %s", dir);
	return write_atomic_at(dfd, dir, name, data, len, mode, err);
}
