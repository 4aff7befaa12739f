/* SPDX-License-Identifier: Apache-2.0 */
/* Id maps that an unprivileged user may not write itself: more than its
 * own uid (or gid). The setuid helpers newuidmap and newgidmap (Debian's
 * uidmap) write them, within the ranges /etc/subuid and /etc/subgid give
 * the user. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* Whether the mappings need the helper: the caller is not root in its
 * user namespace, and they map more than the one id (own) it has. */
bool roci_idmap_needs_helper(const struct roci_id_mapping *m, size_t n, unsigned own);

/* Write a new user namespace's maps from cfg into /proc/PID: root (in
 * its user namespace) writes them directly; a user writes its own id
 * directly, after denying setgroups as the kernel asks for a gid map, and
 * anything more through newuidmap and newgidmap. */
int roci_idmap_write(int procfs_fd, pid_t pid, const struct roci_config *cfg, struct roci_err *err);

/* Run newuidmap (uid true) or newgidmap for pid with the mappings; its
 * own message becomes the error when it fails. */
int roci_idmap_helper(pid_t pid, bool uid, const struct roci_id_mapping *m, size_t n,
		      struct roci_err *err);
