/* SPDX-License-Identifier: Apache-2.0 */
/* The container process: executable lookup inside the root, rlimits, user
 * and groups, cwd, environment, fd hygiene and exec. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

/* Resolve args[0] with the PATH from process.env (inside the container, after
 * pivot). Error: `exec: "foo": executable file not found in $PATH`. */
int roci_process_lookup(const struct roci_process *p, char **out, struct roci_err *err);
int roci_process_rlimits(const struct roci_process *p, struct roci_err *err);
/* Create cwd (as root, before the user switch) when it is missing. */
int roci_process_make_cwd(const struct roci_process *p, struct roci_err *err);
/* Hand stdin, stdout and stderr (a file, a pipe, a tty roci passes on)
 * to the process's uid, as runc does, so that a process that is not root
 * can reopen /proc/self/fd/N. /dev/null and fds the user owns already are
 * left alone; a chown the kernel refuses (an owner or group not mapped in
 * the user namespace, a read-only filesystem) leaves the fd as it is. */
int roci_process_chown_stdio(const struct roci_process *p, struct roci_err *err);
/* setgroups + setresgid + setresuid, umask. */
int roci_process_set_user(const struct roci_process *p, bool userns, struct roci_err *err);
/* chdir(cwd); with verify, also check that the cwd lies inside the new
 * root (done once as root, before a seccomp filter could deny getcwd).
 * Without verify (again, as the user) EACCES is no error: the process
 * stays in the cwd entered as root. */
int roci_process_chdir(const struct roci_process *p, bool verify, struct roci_err *err);
/* Build the environment: process.env, HOME when missing, LISTEN_FDS. */
char **roci_process_env(const struct roci_process *p, int listen_fds);
/* Clear close-on-exec on fds 3..3+n-1 (LISTEN_FDS + --preserve-fds). */
void roci_process_keep_fds(int n);
/* Close every fd from `from` up, except the n fds in except (-1 entries
 * are ignored). */
void roci_process_close_fds(int from, const int *except, size_t n);
