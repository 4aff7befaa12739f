/* SPDX-License-Identifier: Apache-2.0 */
/* exec: a new process inside a running container. It joins every namespace
 * of the container's init and its cgroup, and gets the container's process
 * settings (capabilities, rlimits, seccomp, LSM label, no_new_privs,
 * scheduling), overridden by the exec options. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"
#include "util/log.h"

struct roci_exec_opts {
	const char *root;
	const struct roci_log *log;
	const char *id;
	const char *process_file;   /* -p: a whole process document ("-": stdin) */
	bool no_subreaper;          /* in the foreground, leave orphans to whoever reaps above */
	char **args;                /* the command, when there is no -p */
	size_t n_args;
	const char *cwd;
	char **env;                 /* -e KEY=VALUE, replacing a KEY of the config */
	size_t n_env;
	const char *user;           /* -u UID[:GID] */
	char **gids;                /* -g GID */
	size_t n_gids;
	char **caps;                /* -c CAP: added to the bounding, effective, permitted sets */
	size_t n_caps;
	bool no_new_privs;
	const char *apparmor;
	const char *process_label;
	bool tty;
	bool detach;
	const char *pid_file;
	const char *console_socket;
	const char *pidfd_socket;
	int preserve_fds;
	bool ignore_paused;
	bool rootless;              /* run by a user: enter the user namespace first */
	char **cgroups;             /* --cgroup SUB or CTRL:SUB */
	size_t n_cgroups;
};

struct roci_exec_result {
	pid_t pid;
	int pidfd;
	int pty_master;             /* foreground tty without console socket, else -1 */
};

/* Start the process. Returns once it has been exec'd (or failed to be:
 * then the error is the exec error, e.g. `exec: "foo": executable file not
 * found in $PATH`). */
int roci_container_exec(const struct roci_exec_opts *o, struct roci_exec_result *out,
			struct roci_err *err);
