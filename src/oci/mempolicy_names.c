/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/mempolicy_names.h"

#include <string.h>

const char *const roci_mempolicy_mode_names[ROCI_MPOL_N_MODES] = {
	"MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE",
	"MPOL_LOCAL", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE",
};

const char *const roci_mempolicy_flag_names[ROCI_MPOL_N_FLAGS] = {
	"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
};

int roci_mempolicy_mode(const char *name)
{
	for (int i = 0; i < ROCI_MPOL_N_MODES; i++)
		if (!strcmp(name, roci_mempolicy_mode_names[i]))
			return i;
	return -1;
}

unsigned roci_mempolicy_flag(const char *name)
{
	/* the names are in bit order, from bit 13 */
	for (unsigned i = 0; i < ROCI_MPOL_N_FLAGS; i++)
		if (!strcmp(name, roci_mempolicy_flag_names[i]))
			return ROCI_MPOL_F_NUMA_BALANCING << i;
	return 0;
}

enum roci_mpol_nodes_rule roci_mempolicy_nodes_rule(int mode)
{
	switch (mode) {
	case 0: /* MPOL_DEFAULT */
	case 4: /* MPOL_LOCAL */
		return ROCI_MPOL_NO_NODES;
	case 1: /* MPOL_PREFERRED: none means local allocation */
		return ROCI_MPOL_NODES_OPTIONAL;
	default:
		return ROCI_MPOL_NEEDS_NODES;
	}
}
