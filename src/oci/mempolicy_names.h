/* SPDX-License-Identifier: Apache-2.0 */
/* The names of linux.memoryPolicy's modes and flags and the kernel's values
 * for them (set_mempolicy(2); defined here, as older kernel headers lack
 * the newer modes). */
#pragma once

#define ROCI_MPOL_F_NUMA_BALANCING (1u << 13)
#define ROCI_MPOL_F_RELATIVE_NODES (1u << 14)
#define ROCI_MPOL_F_STATIC_NODES (1u << 15)

/* what a mode asks of the node list */
enum roci_mpol_nodes_rule { ROCI_MPOL_NO_NODES, ROCI_MPOL_NEEDS_NODES, ROCI_MPOL_NODES_OPTIONAL };

#define ROCI_MPOL_N_MODES 7
#define ROCI_MPOL_N_FLAGS 3
/* indexed by the kernel's value: "MPOL_DEFAULT" is 0 */
extern const char *const roci_mempolicy_mode_names[ROCI_MPOL_N_MODES];
extern const char *const roci_mempolicy_flag_names[ROCI_MPOL_N_FLAGS];

/* The kernel's value of a mode name, or -1. */
int roci_mempolicy_mode(const char *name);
/* The kernel's bit of a flag name, or 0. */
unsigned roci_mempolicy_flag(const char *name);
enum roci_mpol_nodes_rule roci_mempolicy_nodes_rule(int mode);
