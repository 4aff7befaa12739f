/* SPDX-License-Identifier: Apache-2.0 */
/* Access to procfs through a handle the runtime opened itself, verified with
 * fstatfs (security.md #4), plus process identity (start time, pidfd) so a
 * reused pid is never mistaken for the container (security.md #9). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Open "/proc" as an O_PATH directory fd after checking it is procfs. */
int roci_procfs_open(struct roci_err *err);
/* Open procfs_fd/relpath with flags, refusing anything not on procfs. */
int roci_procfs_openat(int procfs_fd, const char *relpath, int flags, struct roci_err *err);
/* Write buf to procfs_fd/relpath (a single write), verified on procfs. */
int roci_procfs_write(int procfs_fd, const char *relpath, const char *buf, size_t len,
		      struct roci_err *err);

/* Read the start time (field 22) and state letter of /proc/PID/stat.
 * Returns -ESRCH when the process does not exist. */
int roci_pid_stat(pid_t pid, uint64_t *starttime, char *state);
/* The numeric fields 4 to last of /proc/PID/stat (pid 0: our own) into
 * f[4..last] (f has last + 1 entries), and the state letter (field 3);
 * -ESRCH when the process does not exist, -EIO when a field is missing. */
int roci_pid_stat_fields(pid_t pid, char *state, unsigned long long *f, int last);

/* The pid refers to the same live process that was recorded: it exists, is
 * not a zombie, and its start time matches. */
bool roci_pid_alive(pid_t pid, uint64_t starttime);

/* pidfd for pid, checked against starttime after opening so the fd is known
 * to refer to the recorded process. Returns -ESRCH when that process is gone,
 * -ENOSYS when the kernel has no pidfds. */
int roci_pidfd_open_checked(pid_t pid, uint64_t starttime);

/* Send sig through pidfd (or kill() when pidfd < 0). */
int roci_pidfd_kill(int pidfd, pid_t pid, int sig);

/* Wait until the process behind pidfd exits; timeout_ms < 0 waits forever.
 * Returns 0 when it exited, -ETIMEDOUT otherwise. */
int roci_pidfd_wait_exit(int pidfd, int timeout_ms);

/* fn(arg, pid) for every process in the pid namespace of init, init
 * included. When that namespace is our own, only init, and fn's result is
 * returned; otherwise 0 (fn's results are ignored), or -errno when init's
 * namespace cannot be read. */
int roci_pidns_each(pid_t init, int (*fn)(void *arg, pid_t pid), void *arg);
