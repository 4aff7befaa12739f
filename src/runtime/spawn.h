/* SPDX-License-Identifier: Apache-2.0 */
/* What create and exec share to put a new process into a container: the
 * fds it may inherit, the clone into its namespaces and cgroup, the pid
 * file, and the foreground wait with signal forwarding. */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "linux/namespaces.h"
#include "oci/config.h"
#include "util/error.h"

/* LISTEN_FDS, when it was meant for this process (LISTEN_PID). */
int roci_spawn_listen_fds(void);

/* Every fd beyond 3 + keep is close-on-exec (security.md #2); holes in
 * the kept range are filled with /dev/null so no runtime fd lands there. */
int roci_spawn_fd_hygiene(int keep, struct roci_err *err);

/* A terminal needs a console socket when roci detaches; a console socket
 * needs a terminal. */
int roci_spawn_check_terminal(bool terminal, const char *console_socket, bool detach,
			      struct roci_err *err);

/* Enter the namespaces that must be entered around the clone (joined pid
 * and time, a new time namespace with offsets), clone3 with the plan's
 * flags (into the v2 cgroup *cg_fd where the kernel can), and go back.
 * The child runs child(arg) and never returns; the parent gets the pid
 * and *pidfd. */
pid_t roci_spawn_clone(const struct roci_config *cfg, const struct roci_ns_plan *plan,
		       int procfs_fd, int *pidfd, int *cg_fd, void (*child)(void *), void *arg,
		       struct roci_err *err);

/* process.oomScoreAdj, when set, written for pid through procfs_fd. */
int roci_spawn_oom_score_adj(int procfs_fd, pid_t pid, const struct roci_process *p,
			     struct roci_err *err);

/* Write pid to path (relative to the cwd), atomically. */
int roci_spawn_write_pid_file(const char *path, pid_t pid, struct roci_err *err);

/* --pidfd-socket: send pidfd (SCM_RIGHTS) to the unix socket at path. */
int roci_spawn_send_pidfd(const char *path, int pidfd, struct roci_err *err);

/* The signals a foreground run or exec forwards to its process. */
void roci_spawn_forwardable_signals(sigset_t *set);

/* Wait for pid (its pidfd), forwarding the signals read from signalfd
 * sfd, with a pty relay when pty_master >= 0 (window-size changes
 * follow the caller's terminal); returns its exit code, 128+N for signal
 * N. Reaps any other child meanwhile. */
int roci_spawn_wait_foreground(pid_t pid, int pidfd, int pty_master, int sfd);
