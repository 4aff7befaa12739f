/* SPDX-License-Identifier: Apache-2.0 */
/* roci pause ID: freeze every process of the container. */
#include "cli/cli.h"
#include "runtime/container.h"

int roci_cmd_pause(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	const char *id;
	int r = roci_cli_one_id(argc, argv, 1, "pause ID", &id, err);
	if (r < 0)
		return r;
	return roci_container_pause(g->root, id, true, err);
}
