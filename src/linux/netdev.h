/* SPDX-License-Identifier: Apache-2.0 */
/* linux.netDevices (runtime-spec 1.3): host interfaces moved into the
 * container's network namespace over rtnetlink, renamed where asked, with
 * their permanent global addresses and up. They are never moved back: when
 * the namespace goes, the kernel returns physical devices to the host and
 * destroys virtual ones, as the spec says. */
#pragma once
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* Before anything is made: the container has a network namespace that is
 * not the host's, and every device named exists on the host. */
int roci_netdev_check(const struct roci_config *cfg, struct roci_err *err);

/* Move the devices into net_ns_fd (the init's network namespace). */
int roci_netdev_move(const struct roci_config *cfg, int net_ns_fd, struct roci_err *err);
