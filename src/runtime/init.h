/* SPDX-License-Identifier: Apache-2.0 */
/* The container init: the process cloned by `create`. It runs the setup
 * pipeline inside the new namespaces, reports to the parent over the sync
 * socket, waits on exec.fifo for `start`, then execs the container process. */
#pragma once
#include <stdbool.h>

#include "linux/cgroup/cgroup.h"
#include "linux/namespaces.h"
#include "linux/premount.h"
#include "linux/seccomp_filter.h"
#include "oci/config.h"
#include "util/log.h"

struct roci_init_args {
	const struct roci_config *cfg;
	const struct roci_log *log;
	const struct roci_ns_plan *plan;
	const char *rootfs;
	const char *bundle;
	int sync_fd;       /* socket to the parent */
	int parent_sync_fd;/* the parent's end: closed in the child at once */
	int fifo_fd;       /* O_PATH fd of exec.fifo */
	int procfs_fd;     /* the runtime's /proc handle */
	int console_fd;    /* --console-socket connection, or -1 */
	int lock_fd;       /* the parent's state-dir lock: closed at once */
	bool tty_to_parent;/* send the pty master to the parent (run) */
	bool no_pivot;
	bool no_new_keyring;
	bool release_parked; /* drop the resident pages while waiting for `start` (not for run) */
	bool rootless;     /* stay dumpable until the parent, a user, has written the id maps */
	int keep_fds;      /* LISTEN_FDS + --preserve-fds */
	int listen_fds;
	int cap_last; /* highest capability of the running kernel */
	const struct roci_seccomp_prog *seccomp; /* compiled by the parent, or NULL */
	const struct roci_premounts *premounts; /* made by the parent, or NULL */
	/* the v1 cgroups to join first thing, or NULL: the parent moves it */
	struct roci_cg_self_join *cg_self;
};

__attribute__((noreturn)) void roci_init_main(const struct roci_init_args *a);

/* The child of `exec`: joins the container's namespaces (a->plan), makes
 * its terminal, takes the process settings of a->cfg->process and execs
 * it. rootfs, bundle, fifo_fd and lock_fd are unused. Errors, the exec's
 * own included, go to the parent over sync_fd. */
__attribute__((noreturn)) void roci_exec_init_main(const struct roci_init_args *a);
