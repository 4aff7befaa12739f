/* SPDX-License-Identifier: Apache-2.0 */
/* Idmapped mounts (runtime-spec 1.2: a mount's uidMappings/gidMappings, and
 * the idmap and ridmap options). The mapping must be set by a process
 * privileged over the source's filesystem, so the runtime (host root) makes
 * each idmapped mount, detached, before the init exists; the init attaches
 * it where the mount goes, in its own namespaces. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

/* Does this mount ask for an idmapped mount? */
bool roci_idmap_wanted(const struct roci_mount *m);

/* The detached idmapped copy of m's source (a path relative to bundle_fd,
 * or absolute): the mapping is the mount's own, else the container's user
 * namespace's; recursive for rbind, the mapping recursive for ridmap. The
 * maps are written through procfs_fd, the runtime's /proc. Returns the
 * mount fd. premount.c calls this for every mount that asks. */
int roci_idmap_clone(const struct roci_config *cfg, const struct roci_mount *m, int bundle_fd,
		     int procfs_fd, struct roci_err *err);
