/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/protect_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "util/libc_compat.h"
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/exe_remap.h"
#include "linux/inroot.h"
#include "util/cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* Set across the re-exec only, so a copy that is somehow still unprotected
 * fails instead of exec'ing itself forever. */
#define REEXEC_MARK "_ROCI_SEALED_EXEC"

extern char **environ;

bool roci_binary_is_protected(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL))
		return true;
	struct statvfs sv;
	return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int sealed_copy(int src, struct roci_err *err)
{
	struct stat st;
	if (fstat(src, &st) < 0)
		return roci_fail(err, errno, "stat /proc/self/exe");
	int fd = memfd_create("roci", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
		fd = memfd_create("roci", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return roci_fail(err, errno, "memfd_create");
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			return roci_fail(err, e, "copy /proc/self/exe");
		}
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
		int e = errno;
		close(fd);
		return roci_fail(err, e, "seal the copy of roci");
	}
	return fd;
}

/* A read-only bind mount of the binary itself, detached: it is in no mount
 * namespace, so nothing is left anywhere once the processes that run from
 * it are gone. Unlike a copy, it costs no memory and shares the page cache
 * with every other roci. Needs the new mount API and CAP_SYS_ADMIN: -1
 * otherwise, and the caller copies. */
static int readonly_bind(int self)
{
	struct roci_err ignored = { 0 };
	int fd = roci_mount_clone(self, NULL, false, &ignored);
	if (fd < 0)
		return -1;
	if (roci_mount_setattr(fd, false, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0,
			       &ignored) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int roci_protect_binary(char **argv, struct roci_err *err)
{
	_cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return roci_fail(err, errno, "open /proc/self/exe");
	bool again = getenv(REEXEC_MARK) != NULL;
	if (roci_binary_is_protected(self)) {
		if (again)
			unsetenv(REEXEC_MARK);
		return 0;
	}
	if (again)
		return roci_failx(err, EPERM, "cannot run roci from a protected copy of itself");
	if (setenv(REEXEC_MARK, "1", 1) < 0)
		return roci_fail(err, errno, "setenv");
	/* The read-only bind first: the running image moves onto it without
	 * an exec where the kernel lets us (roci_exe_remap), else it is
	 * exec'd; a sealed copy where it cannot be made or run (a noexec
	 * mount, say). */
	_cleanup_close_ int bind = readonly_bind(self);
	if (bind >= 0) {
		struct roci_err ignored = { 0 };
		char fdp[ROCI_FD_PATH_MAX];
		_cleanup_close_ int now = -1, file = open(roci_fd_path(bind, fdp), O_RDONLY | O_CLOEXEC);
		if (file >= 0 && roci_exe_remap(file, &ignored) == 0 &&
		    (now = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) >= 0 && roci_binary_is_protected(now)) {
			unsetenv(REEXEC_MARK);
			return 0;
		}
		syscall(SYS_execveat, bind, "", argv, environ, AT_EMPTY_PATH);
	}
	_cleanup_close_ int copy = sealed_copy(self, err);
	if (copy < 0) {
		unsetenv(REEXEC_MARK);
		return copy;
	}
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	int e = errno;
	unsetenv(REEXEC_MARK);
	return roci_fail(err, e, "exec the protected copy of roci");
}
