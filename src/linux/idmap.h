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

/* For every mount that asks for one: a detached copy of its source (a path
 * relative to bundle, or absolute) with the mapping set (the mount's own,
 * else the container's user namespace mappings), recursive for rbind, the
 * mapping recursive for ridmap; the maps are written through procfs_fd,
 * the runtime's /proc. (*fds)[i] is the fd for mounts[i], -1
 * elsewhere; *fds stays NULL when no mount asks. */
int roci_idmap_prepare(const struct roci_config *cfg, const char *bundle, int procfs_fd, int **fds,
		       struct roci_err *err);
void roci_idmap_close(int *fds, size_t n);
