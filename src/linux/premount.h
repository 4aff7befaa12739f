/* SPDX-License-Identifier: Apache-2.0 */
/* Mounts the runtime makes, detached, before the init exists, for the init
 * to attach in its own namespaces. These are the things a process inside
 * the container's user namespace cannot do for itself:
 * - an idmapped mount (idmap.c): setting the mapping needs privilege over
 *   the source's filesystem;
 * - a bind mount whose source only the host's root can reach (a directory
 *   on the way that others cannot search, such as a mode 700 one);
 * - a device node the host does not have at that path (or has as another
 *   device): mknod is not allowed in a user namespace, so the runtime
 *   makes the node on a private tmpfs and hands over a bind of it.
 * Without a user namespace only idmapped mounts are made here. */
#pragma once
#include <stddef.h>

#include "oci/config.h"
#include "util/error.h"

struct roci_premounts {
	int *mount_fds;  /* per mounts[i]: its detached source, or -1; NULL when none */
	int *device_fds; /* per linux.devices[i]: its detached node, or -1; NULL when none */
	size_t n_mounts, n_devices;
};

/* Make them. Relative sources resolve in bundle; id maps are written
 * through procfs_fd, the runtime's /proc. On error nothing stays open. */
int roci_premount_prepare(const struct roci_config *cfg, const char *bundle, int procfs_fd,
			  struct roci_premounts *pm, struct roci_err *err);

/* Close every fd and free the arrays (the init keeps its own copies). */
void roci_premount_close(struct roci_premounts *pm);

/* The fd prepared for mounts[i] or devices[i], or -1; pm may be NULL. */
int roci_premount_mount_fd(const struct roci_premounts *pm, size_t i);
int roci_premount_device_fd(const struct roci_premounts *pm, size_t i);
