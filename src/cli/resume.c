/* SPDX-License-Identifier: Apache-2.0 */
/* roci resume ID: thaw a paused container. */
#include "cli/cli.h"
#include "runtime/container.h"

int roci_cmd_resume(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	const char *id;
	int r = roci_cli_one_id(argc, argv, 1, "resume ID", &id, err);
	if (r < 0)
		return r;
	return roci_container_pause(g->root, id, false, err);
}
