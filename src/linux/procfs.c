/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/cleanup.h"

static bool fd_on_procfs(int fd)
{
	struct statfs sfs;
	/* namespace files under /proc/PID/ns live on nsfs */
	return fstatfs(fd, &sfs) == 0 && (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == NSFS_MAGIC);
}

int roci_procfs_open(struct roci_err *err)
{
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return roci_fail(err, errno, "open /proc");
	if (!fd_on_procfs(fd)) {
		close(fd);
		return roci_failx(err, EXDEV, "/proc is not a procfs mount");
	}
	return fd;
}

int roci_procfs_openat(int procfs_fd, const char *relpath, int flags, struct roci_err *err)
{
	int fd = openat(procfs_fd, relpath, flags | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return roci_fail(err, errno, "open /proc/%s", relpath);
	if (!fd_on_procfs(fd)) {
		close(fd);
		return roci_failx(err, EXDEV, "/proc/%s is not on procfs", relpath);
	}
	return fd;
}

int roci_procfs_write(int procfs_fd, const char *relpath, const char *buf, size_t len,
		      struct roci_err *err)
{
	_cleanup_close_ int fd = roci_procfs_openat(procfs_fd, relpath, O_WRONLY, err);
	if (fd < 0)
		return fd;
	ssize_t n = write(fd, buf, len);
	if (n < 0)
		return roci_fail(err, errno, "write /proc/%s", relpath);
	if ((size_t)n != len)
		return roci_failx(err, EIO, "write /proc/%s: short write", relpath);
	return 0;
}

int roci_pid_stat_fields(pid_t pid, char *state, unsigned long long *f, int last)
{
	char path[64], buf[1024];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: parse from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	if (state)
		*state = *p;
	/* p is at field 3 (the state); each later field follows a space */
	for (int field = 4; field <= last; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		f[field] = strtoull(++p, NULL, 10);
	}
	return 0;
}

int roci_pid_stat(pid_t pid, uint64_t *starttime, char *state)
{
	unsigned long long f[23];
	int r = roci_pid_stat_fields(pid, state, f, 22);
	if (r == 0 && starttime)
		*starttime = f[22];
	return r;
}

bool roci_pid_alive(pid_t pid, uint64_t starttime)
{
	uint64_t st;
	char state;
	if (pid <= 0 || roci_pid_stat(pid, &st, &state) < 0)
		return false;
	return st == starttime && state != 'Z' && state != 'X';
}

int roci_pidfd_open_checked(pid_t pid, uint64_t starttime)
{
	if (pid <= 0)
		return -ESRCH;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errno == ESRCH ? -ESRCH : -ENOSYS;
	/* The pidfd pins the process; if the start time still matches now,
	 * the fd refers to the recorded process and not to a reused pid. */
	if (!roci_pid_alive(pid, starttime)) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

int roci_pidfd_kill(int pidfd, pid_t pid, int sig)
{
	int r = pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) : kill(pid, sig);
	return r < 0 ? -errno : 0;
}

int roci_pidfd_wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	for (;;) {
		int r = poll(&pfd, 1, timeout_ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int roci_pidns_each(pid_t init, int (*fn)(void *arg, pid_t pid), void *arg)
{
	char path[64], want[64], got[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	ssize_t wl = readlink(path, want, sizeof(want) - 1);
	if (wl < 0)
		return -errno;
	want[wl] = '\0';
	ssize_t sl = readlink("/proc/self/ns/pid", got, sizeof(got) - 1);
	if (sl >= 0 && sl == wl && !memcmp(got, want, (size_t)wl))
		return fn(arg, init); /* shares our pid ns: only the init */
	DIR *d = opendir("/proc");
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
		ssize_t gl = readlink(path, got, sizeof(got) - 1);
		if (gl == wl && !memcmp(got, want, (size_t)wl))
			fn(arg, (pid_t)pid);
	}
	closedir(d);
	return 0;
}
