/* SPDX-License-Identifier: Apache-2.0 */
/* linux.memoryPolicy (runtime-spec 1.3): mode, nodes and flags, checked
 * here as far as the document allows; whether the nodes exist is the
 * host's business (linux/mempolicy.c). */
#include <errno.h>
#include <string.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"
#include "oci/mempolicy_names.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

int roci_config_parse_memory_policy(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *mj;
	int r = roci_json_object(lj, "memoryPolicy", "linux.memoryPolicy", &mj, err);
	if (r < 0 || !mj)
		return r;
	struct roci_memory_policy *mp = &c->memory_policy;
	_cleanup_free_ char *mode = NULL;
	if ((r = roci_json_string(mj, "mode", "linux.memoryPolicy.mode", &mode, err)) < 0)
		return r;
	if (!mode)
		return roci_failx(err, EINVAL, "config.json: linux.memoryPolicy.mode: required");
	if ((mp->mode = roci_mempolicy_mode(mode)) < 0)
		return roci_failx(err, EINVAL, "config.json: linux.memoryPolicy.mode: unknown value \"%s\"", mode);
	_cleanup_strv_ char **flags = NULL;
	size_t n_flags = 0;
	if ((r = roci_json_strv(mj, "flags", "linux.memoryPolicy.flags", &flags, &n_flags, err)) < 0)
		return r;
	for (size_t i = 0; i < n_flags; i++) {
		unsigned f = roci_mempolicy_flag(flags[i]);
		if (!f)
			return roci_failx(err, EINVAL, "config.json: linux.memoryPolicy.flags[%zu]: unknown value \"%s\"",
					  i, flags[i]);
		mp->flags |= f;
	}
	if ((r = roci_json_string(mj, "nodes", "linux.memoryPolicy.nodes", &mp->nodes, err)) < 0)
		return r;
	if (mp->nodes && !*mp->nodes) {
		free(mp->nodes);
		mp->nodes = NULL;
	}
	if (mp->nodes) {
		if (roci_cpulist_parse(mp->nodes, NULL, 0) < 0)
			return roci_failx(err, EINVAL, "config.json: linux.memoryPolicy.nodes: invalid node list \"%s\"",
					  mp->nodes);
	}
	/* what set_mempolicy(2) asks of each mode */
	switch (roci_mempolicy_nodes_rule(mp->mode)) {
	case ROCI_MPOL_NO_NODES:
		if (mp->nodes)
			return roci_failx(err, EINVAL, "config.json: linux.memoryPolicy.nodes: %s takes no nodes", mode);
		break;
	case ROCI_MPOL_NEEDS_NODES:
		if (!mp->nodes)
			return roci_failx(err, EINVAL, "config.json: linux.memoryPolicy.nodes: %s needs at least one node",
					  mode);
		break;
	default:
		break;
	}
	if ((mp->flags & ROCI_MPOL_F_STATIC_NODES) && (mp->flags & ROCI_MPOL_F_RELATIVE_NODES))
		return roci_failx(err, EINVAL,
				  "config.json: linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
	c->has_memory_policy = true;
	return 0;
}
