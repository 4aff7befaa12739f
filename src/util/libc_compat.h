/* System calls that glibc (2.34, 2.36) declares and musl 1.2.3 does not:
 * the new mount API and close_range. With a libc that declares them this
 * header adds nothing; elsewhere each is a thin syscall(2) wrapper, and
 * the constants and struct mount_attr come from the kernel's headers. */
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSOPEN_CLOEXEC
/* the kernel's <linux/mount.h> spells three of libc's MS_ macros
 * differently (same values): take the kernel's */
#undef MS_NOUSER
#undef MS_RMT_MASK
#undef MS_MGC_VAL
#include <linux/mount.h>

static inline int fsopen(const char *fs, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fs, flags);
}

static inline int fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

static inline int move_mount(int from_dfd, const char *from, int to_dfd, const char *to,
			     unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static inline int open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static inline int mount_setattr(int dfd, const char *path, unsigned int flags,
				struct mount_attr *attr, size_t size)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, size);
}
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#include <linux/close_range.h>

static inline int close_range(unsigned int first, unsigned int last, int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}
#endif
