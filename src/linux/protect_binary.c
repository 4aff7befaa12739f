/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/protect_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

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
		return roci_failx(err, EPERM, "cannot run roci from a sealed copy of itself");
	_cleanup_close_ int copy = sealed_copy(self, err);
	if (copy < 0)
		return copy;
	if (setenv(REEXEC_MARK, "1", 1) < 0)
		return roci_fail(err, errno, "setenv");
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	int e = errno;
	unsetenv(REEXEC_MARK);
	return roci_fail(err, e, "exec the sealed copy of roci");
}
