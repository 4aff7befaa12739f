/* SPDX-License-Identifier: Apache-2.0 */
/* roci delete [-f|--force] ID */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "runtime/container.h"

int roci_cmd_delete(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = "delete [-f|--force] ID";
	bool force = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h') {
			printf("usage: roci %s\n", usage);
			exit(0);
		} else
			return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
	}
	const char *id;
	int r = roci_cli_one_id(argc, argv, optind, usage, &id, err);
	if (r < 0)
		return r;
	r = roci_container_delete(g->root, id, force, &g->log, err);
	/* runc: delete --force of a container that is already gone succeeds */
	if (r == -ENOENT && force)
		return 0;
	return r;
}
