/* SPDX-License-Identifier: Apache-2.0 */
/* Safe path resolution inside a root directory (security.md #3), and the
 * file-descriptor based mount primitives that go with it.
 *
 * Every path given here is interpreted as if root_fd were "/": absolute
 * symlinks restart at root_fd, ".." never climbs above it, magic links are
 * refused. The kernel does this for us with openat2(RESOLVE_IN_ROOT); when
 * openat2 is missing (ENOSYS) a userspace walk opens one component at a time
 * with O_NOFOLLOW and expands symlinks itself. Nothing here ever builds a
 * host path by joining strings, and mounts are placed onto file descriptors
 * (move_mount), never onto re-resolved paths. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Room for "/proc/thread-self/fd/<int>". */
#define ROCI_FD_PATH_MAX 40

/* "/proc/thread-self/fd/N": a path naming exactly the object behind fd. */
const char *roci_fd_path(int fd, char buf[ROCI_FD_PATH_MAX]);

/* Lexically clean a path as seen from a root: collapse "//" and ".", resolve
 * ".." without climbing above "/", always start with "/", no trailing "/".
 * Returns 0 or -ENAMETOOLONG. */
int roci_path_clean(const char *in, char *out, size_t len);

/* openat2(2) through syscall(2) (glibc has no wrapper). Returns an fd or
 * -errno (-ENOSYS when the kernel lacks openat2). */
int roci_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve);

/* Open path inside root. flags are open(2) flags (O_CLOEXEC is implied);
 * O_NOFOLLOW leaves a final symlink unfollowed; O_CREAT is not supported
 * (use roci_inroot_create_file). Returns an fd or -errno with err set. */
int roci_inroot_open(int root_fd, const char *path, int flags, struct roci_err *err);

/* The userspace walk behind roci_inroot_open, exposed for the ENOSYS
 * fallback and for tests. Returns an O_PATH fd. flags may hold O_NOFOLLOW
 * and O_DIRECTORY. With mkdirs, missing directories are created (mode,
 * subject to umask) along the way, through symlinks, inside the root; with
 * mkdirs and O_CREAT, a missing last component becomes an empty file
 * (where a dangling symlink points, for roci_inroot_create_file). */
int roci_inroot_walk(int root_fd, const char *path, int flags, bool mkdirs, mode_t mode,
		     struct roci_err *err);

/* mkdir -p inside root; returns an O_PATH fd of the final directory. */
int roci_inroot_mkdir_all(int root_fd, const char *path, mode_t mode, struct roci_err *err);

/* Open (mkdirs: create) the parent directory of path inside root and return
 * its O_PATH fd; *name gets the last component (malloc'ed). The cleaned path
 * must not be "/" (-EINVAL). */
int roci_inroot_open_parent(int root_fd, const char *path, bool mkdirs, char **name,
			    struct roci_err *err);

/* Open path inside root, or create it as an empty regular file (and its
 * parents) when it does not exist. Returns an fd usable as a mount target. */
int roci_inroot_create_file(int root_fd, const char *path, mode_t mode, struct roci_err *err);

/* Mount primitives. Each returns an fd / 0, or -errno with err set to
 * "<operation>: <strerror>" so the caller can wrap it with the mount. */

/* open_tree(OPEN_TREE_CLONE): a detached copy of the mount at dirfd/path
 * (path NULL or "" means dirfd itself), with submounts when recursive. */
int roci_mount_clone(int dirfd, const char *path, bool recursive, struct roci_err *err);

/* fsopen + fsconfig + fsmount: a detached new mount of a filesystem.
 * sb_flags are MS_* superblock flags (ro, sync, dirsync, mand, lazytime);
 * data is the comma-separated option string ("\," escapes a comma);
 * attrs are MOUNT_ATTR_* for the mount. Kernel messages are added to err.
 * Returns -ENOSYS when the kernel lacks the new mount API. */
int roci_mount_new_fs(const char *type, const char *source, unsigned long sb_flags,
		      const char *data, uint64_t attrs, struct roci_err *err);

/* move_mount(mnt_fd -> on top of dst_fd). */
int roci_mount_attach(int mnt_fd, int dst_fd, struct roci_err *err);

/* mount_setattr on the mount whose root is fd (recursive: and below it).
 * propagation is 0 or one of MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE. */
int roci_mount_setattr(int fd, bool recursive, uint64_t attr_set, uint64_t attr_clr,
		       uint64_t propagation, struct roci_err *err);

/* Classic mount(2) onto the object behind dst_fd (via /proc/thread-self/fd). */
int roci_mount_legacy(const char *source, int dst_fd, const char *type, unsigned long flags,
		      const char *data, struct roci_err *err);
