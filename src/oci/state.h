/* SPDX-License-Identifier: Apache-2.0 */
/* Container state: what the state directory records (state.json) and the
 * OCI state document that `state` prints and hooks receive. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum roci_status {
	ROCI_STATUS_CREATING,
	ROCI_STATUS_CREATED,
	ROCI_STATUS_RUNNING,
	ROCI_STATUS_STOPPED,
	ROCI_STATUS_PAUSED,
};

struct roci_state {
	char *id;
	pid_t pid;                 /* host pid of the container init, 0 if none */
	uint64_t pid_starttime;    /* field 22 of /proc/PID/stat */
	char *bundle;              /* absolute */
	char *rootfs;              /* absolute */
	char *created;             /* RFC 3339 with nanoseconds, UTC */
	uid_t owner;
	char **annotation_keys;    /* parallel arrays */
	char **annotation_values;
	size_t n_annotations;
	bool systemd_cgroup;
	bool creating;             /* written before create is done (hooks run) */
	struct json_t *cgroup;     /* the container's cgroup (linux/cgroup.h json); may be NULL */
};

const char *roci_status_name(enum roci_status s); /* "creating", "created", ... */

/* state.json (internal record): all fields above. */
int roci_state_to_json(const struct roci_state *st, char **out, struct roci_err *err);
int roci_state_from_json(const char *text, struct roci_state **out, struct roci_err *err);

/* The OCI state document (runtime-spec "state" + runc's rootfs, created,
 * owner): ociVersion, id, status, pid (omitted when stopped), bundle,
 * annotations (always an object), rootfs, created, owner (string, "" for
 * root as runc prints). Pretty-printed when pretty is true. */
int roci_state_oci_json(const struct roci_state *st, enum roci_status status,
			bool pretty, char **out, struct roci_err *err);

/* The seccomp agent's "container process state" (runtime-spec
 * linux.seccomp.listenerPath): ociVersion, fds ["seccompFd"], pid (the
 * process that loaded the filter: the init, or an exec'd process),
 * metadata (omitted when NULL) and the state document of
 * roci_state_oci_json with status ("creating" from create). */
int roci_process_state_json(const struct roci_state *st, enum roci_status status, pid_t pid,
			    const char *metadata, char **out, struct roci_err *err);

void roci_state_free(struct roci_state *st);
static inline void roci_state_freep(struct roci_state **s)
{
	if (*s)
		roci_state_free(*s);
}
#define _cleanup_state_ __attribute__((cleanup(roci_state_freep)))
