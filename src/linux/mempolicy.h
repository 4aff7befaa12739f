/* SPDX-License-Identifier: Apache-2.0 */
/* linux.memoryPolicy: the NUMA memory policy of the container's process
 * (set_mempolicy(2)), which its children and exec keep. */
#pragma once
#include "oci/config.h"
#include "util/error.h"

/* Before anything is made: every node named exists on this host (read from
 * /sys/devices/system/node/possible; not checked for MPOL_F_RELATIVE_NODES,
 * whose numbers are relative). */
int roci_mempolicy_check(const struct roci_config *cfg, struct roci_err *err);

/* In the init (or exec's child), before the exec. */
int roci_mempolicy_apply(const struct roci_config *cfg, struct roci_err *err);
