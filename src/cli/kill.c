/* SPDX-License-Identifier: Apache-2.0 */
/* roci kill [-a|--all] ID [SIGNAL] */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "runtime/container.h"
#include "util/signals.h"

int roci_cmd_kill(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = "kill [-a|--all] ID [SIGNAL]";
	bool all = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "ah", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'h') {
			printf("usage: roci %s\n", usage);
			exit(0);
		} else
			return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
	}
	int n = argc - optind;
	if (n < 1 || n > 2)
		return roci_failx(err, EINVAL, "kill: expected 1 or 2 arguments, got %d\nusage: roci %s", n, usage);
	int sig = SIGTERM;
	if (n == 2) {
		/* signal 0 checks that the container's init exists */
		const char *name = argv[optind + 1];
		sig = !strcmp(name, "0") ? 0 : roci_signal_parse(name);
		if (sig < 0)
			return roci_failx(err, EINVAL, "unknown signal \"%s\"", argv[optind + 1]);
	}
	return roci_container_kill(g->root, argv[optind], sig, all, err);
}
