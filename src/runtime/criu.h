/* SPDX-License-Identifier: Apache-2.0 */
/* Checkpoint and restore through CRIU, run as a program (Debian's criu, or
 * --criu PATH), so that roci links nothing for it. checkpoint.c dumps a
 * running container; create.c restores one in place of cloning its init.
 *
 * What roci tells CRIU, beyond runc's flags:
 * - every bind mount is an external mount, keyed by its destination
 *   (--external mnt[DEST]:DEST on dump, mnt[DEST]:SOURCE on restore);
 * - the init's stdio that leads outside the container (a file such as the
 *   host's /dev/null, a pipe, a socket) is recorded in descriptors.json in
 *   the image directory, and restored onto the restoring roci's own stdio
 *   (--inherit-fd), as runc does for pipes;
 * - a network namespace joined by path stays outside the image
 *   (extRootNetNS) and is joined again on restore;
 * - on a v1 or hybrid host, each hierarchy bound under a "cgroup" mount
 *   is external too, restored from the new cgroup's directory there;
 * - a terminal (process.terminal) is external: the dumped pty slave, and
 *   /dev/console bound from it. The restore makes a new pty on the host,
 *   hands its slave to CRIU in their place (--inherit-fd, and the
 *   console mount's source), and its master to the console socket. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

struct roci_criu_opts {
	const char *criu;          /* the program; NULL: "criu" from PATH */
	const char *image_path;    /* NULL: ./checkpoint */
	const char *work_path;     /* NULL: the image path */
	const char *parent_path;   /* a previous (pre-)dump, relative to image_path */
	const char *manage_cgroups_mode; /* soft (default), full, strict or ignore */
	const char *page_server;   /* ADDRESS:PORT */
	int status_fd;             /* -1: none */
	bool leave_running, tcp_established, ext_unix_sk, shell_job, file_locks;
	bool pre_dump, lazy_pages, auto_dedup, empty_net;
	/* restore only */
	const char *lsm_profile, *lsm_mount_context;
	bool detach, no_subreaper;
};

/* Check the options (the cgroup mode, and pre-dump with leave-running...)
 * before anything is done. */
int roci_criu_check_opts(const struct roci_criu_opts *o, struct roci_err *err);

/* Dump (or pre-dump) the container whose init is pid, made from cfg. */
int roci_criu_dump(const struct roci_criu_opts *o, const struct roci_config *cfg, pid_t pid,
		   const struct roci_log *log, struct roci_err *err);

/* What a restore needs from create. */
struct roci_criu_restore {
	const struct roci_config *cfg;
	const char *bundle;        /* relative bind sources resolve here */
	const char *rootfs;        /* the container's root, bound for CRIU in a private mount namespace */
	const char *state_dir;     /* where the bind point and the pid file go */
	const char *const *cgroup_roots; /* "--cgroup-root" values, NULL-terminated; may be NULL */
	const char *const *externals;    /* more "mnt[DEST]:SOURCE", NULL-terminated; may be NULL */
	int tty_slave;             /* process.terminal: the new pty, in place of the dumped one; else -1 */
	const char *tty_path;      /* its name, bound onto /dev/console; NULL without a terminal */
};

struct roci_cgroup;
/* For a restore into cg (planned; with cgroupfs, made): *roots, the
 * --cgroup-root values (one per v1 hierarchy as "ctrl:/path", and the v2
 * or first path for the rest), and *externals, the cgroup binds a
 * "cgroup" mount holds on a v1 or hybrid host. Both NULL-terminated, for
 * roci_strv_free. */
int roci_criu_cgroup_args(const struct roci_config *cfg, const struct roci_cgroup *cg,
			  char ***roots, char ***externals, struct roci_err *err);

/* Restore into the prepared cgroup; *pid is the restored init. The
 * restored tree is reparented to us (a subreaper) unless no_subreaper. */
int roci_criu_restore(const struct roci_criu_opts *o, const struct roci_criu_restore *r,
		      pid_t *pid, const struct roci_log *log, struct roci_err *err);
