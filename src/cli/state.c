/* SPDX-License-Identifier: Apache-2.0 */
/* roci state ID: the OCI state document. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "runtime/container.h"
#include "util/cleanup.h"

int roci_cmd_state(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	const char *id;
	int r = roci_cli_one_id(argc, argv, 1, "state ID", &id, err);
	if (r < 0)
		return r;
	struct roci_container c;
	r = roci_container_load(g->root, id, false, &c, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *json = NULL;
	r = roci_container_state_json(&c, c.status, true, &json, err);
	if (r == 0)
		printf("%s\n", json);
	roci_container_close(&c);
	return r;
}
