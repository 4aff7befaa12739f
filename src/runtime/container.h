/* SPDX-License-Identifier: Apache-2.0 */
/* The container lifecycle: create, start, kill, delete, and loading a
 * container's recorded state with its live status. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "oci/state.h"
#include "runtime/statedir.h"
#include "util/error.h"
#include "util/log.h"

struct roci_criu_opts;

struct roci_create_opts {
	const char *root;
	const struct roci_log *log;
	const char *id;
	const char *bundle;          /* default: cwd */
	const char *pid_file;
	const char *console_socket;
	const char *pidfd_socket;    /* gets a pidfd of the init */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool foreground;             /* run: the init stays our child; a tty is proxied */
	bool systemd_cgroup;         /* --systemd-cgroup */
	bool no_cgroup;              /* --cgroup-manager disabled: stay in the caller's cgroups */
	bool rootless;               /* run by a user: cgroups it may not make are left out quietly */
	bool starts_at_once;         /* run: `start` follows at once, nothing stays parked */
	const struct roci_criu_opts *restore; /* restore: CRIU brings the init back from images */
};

struct roci_created {
	pid_t pid;
	int pidfd;
	int pty_master;              /* foreground tty only, else -1 */
};

struct roci_container {
	struct roci_statedir sd;
	struct roci_state *st;       /* NULL when create never finished */
	char *config_text;           /* frozen config.json, NULL when missing */
	enum roci_status status;
};

int roci_container_create(const struct roci_create_opts *o, struct roci_created *out,
			  struct roci_err *err);

/* checkpoint (checkpoint.c): dump a running container with CRIU; without
 * leave_running or pre_dump the container is deleted afterwards. */
int roci_container_checkpoint(const char *root, const char *id, const struct roci_criu_opts *o,
			      const struct roci_log *log, struct roci_err *err);

struct roci_cgroup;
struct roci_resources;
/* pause (freeze) a running container, or resume (thaw) a paused one. */
int roci_container_pause(const char *root, const char *id, bool pause, struct roci_err *err);
/* Apply resources to a live container's cgroup (`update`). */
int roci_container_update(const char *root, const char *id, const struct roci_resources *res,
			  const struct roci_log *log, struct roci_err *err);
/* The pids in a container's cgroup (`ps`): none for a stopped one. */
int roci_container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
			struct roci_err *err);
/* The container's cgroup as create recorded it (n == 0: none). */
int roci_container_cgroup(const struct roci_container *c, struct roci_cgroup *cg,
			  struct roci_err *err);

/* Open ROOT/ID. lock: take the container lock (start/kill/delete);
 * state/list read without it. */
int roci_container_load(const char *root, const char *id, bool lock, struct roci_container *c,
			struct roci_err *err);
void roci_container_close(struct roci_container *c);

/* The OCI state document for c (pretty for `state`, compact for hooks). */
int roci_container_state_json(const struct roci_container *c, enum roci_status status,
			      bool pretty, char **out, struct roci_err *err);

int roci_container_start(const char *root, const char *id, const struct roci_log *log,
			 struct roci_err *err);
int roci_container_kill(const char *root, const char *id, int sig, bool all,
			struct roci_err *err);
int roci_container_delete(const char *root, const char *id, bool force,
			  const struct roci_log *log, struct roci_err *err);
