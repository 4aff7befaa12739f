/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/mempolicy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/mempolicy_names.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

/* the bits of a cpu_set_t (musl's CPU_SETSIZE counts something else) */
#define NODE_BITS ((int)(sizeof(cpu_set_t) * CHAR_BIT))

/* a node list as a kernel nodemask: the CPU list syntax and bit layout */
static int node_mask(const char *nodes, cpu_set_t *set)
{
	CPU_ZERO(set);
	return roci_cpulist_parse(nodes, set, sizeof(*set));
}

/* the host's node list, "0" when there is none to read */
static void possible_nodes(char *buf, size_t cap)
{
	snprintf(buf, cap, "0");
	_cleanup_close_ int fd = open("/sys/devices/system/node/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap - 1);
	if (n <= 0) {
		snprintf(buf, cap, "0");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int roci_mempolicy_check(const struct roci_config *cfg, struct roci_err *err)
{
	const struct roci_memory_policy *mp = &cfg->memory_policy;
	if (!cfg->has_memory_policy || !mp->nodes || (mp->flags & ROCI_MPOL_F_RELATIVE_NODES))
		return 0;
	cpu_set_t want, have;
	if (node_mask(mp->nodes, &want) < 0)
		return roci_failx(err, EINVAL, "linux.memoryPolicy.nodes: invalid node list \"%s\"", mp->nodes);
	char possible[256]; /* a kernel without NUMA has node 0 only */
	possible_nodes(possible, sizeof(possible));
	if (node_mask(possible, &have) < 0)
		CPU_ZERO(&have);
	for (int n = 0; n < NODE_BITS; n++)
		if (CPU_ISSET(n, &want) && !CPU_ISSET(n, &have))
			return roci_failx(err, EINVAL,
					  "linux.memoryPolicy.nodes: node %d does not exist on this host (its nodes: %s)",
					  n, possible);
	return 0;
}

int roci_mempolicy_apply(const struct roci_config *cfg, struct roci_err *err)
{
	if (!cfg->has_memory_policy)
		return 0;
	const struct roci_memory_policy *mp = &cfg->memory_policy;
	cpu_set_t mask;
	if (mp->nodes && node_mask(mp->nodes, &mask) < 0)
		return roci_failx(err, EINVAL, "linux.memoryPolicy.nodes: invalid node list \"%s\"", mp->nodes);
	/* maxnode counts one past the last bit the kernel reads */
	long r = mp->nodes ? syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, &mask, NODE_BITS + 1UL)
			   : syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, NULL, 0UL);
	if (r < 0)
		return roci_fail(err, errno, "set_mempolicy %s%s%s", roci_mempolicy_mode_names[mp->mode],
				 mp->nodes ? " nodes " : "", mp->nodes ? mp->nodes : "");
	return 0;
}
