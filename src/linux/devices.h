/* SPDX-License-Identifier: Apache-2.0 */
/* Device nodes in the container's /dev: the default devices (null, zero,
 * full, random, urandom, tty), the /dev symlinks (fd, stdin, stdout,
 * stderr, ptmx, core) and linux.devices. Nodes are made with mknodat on a
 * parent directory fd resolved inside the root; when mknod is not allowed
 * (user namespace, or EPERM) the host's node at the same path is bind
 * mounted instead, after checking it is the expected device. */
#pragma once
#include <stdbool.h>
#include <sys/stat.h>

#include "linux/premount.h"
#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

/* Set up devices and symlinks inside root_fd (the container rootfs, before
 * pivot: the host's /proc and /dev are still reachable).
 * - A linux.devices entry replaces the default device with the same path.
 * - A path that is also a mounts[] destination is left to that mount.
 * - /dev/ptmx is always the symlink "pts/ptmx".
 * userns: never mknod: bind the host's nodes, or the node the runtime made
 * where the host has none (pre, may be NULL). */
int roci_devices_setup(int root_fd, const struct roci_config *cfg, bool userns,
		       const struct roci_premounts *pre, const struct roci_log *log,
		       struct roci_err *err);

/* The null device: character device 1:3. */
bool roci_stat_is_devnull(const struct stat *st);

/* Open "/dev/null" inside root_fd with O_PATH and verify it is the real null
 * device (security.md #5). */
int roci_devnull_open(int root_fd, struct roci_err *err);
