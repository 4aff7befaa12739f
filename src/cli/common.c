/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int roci_cli_parse_preserve_fds(const char *v, int *out, struct roci_err *err)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || !*v || *end || n < 0 || n > 4096)
		return roci_failx(err, EINVAL, "invalid --preserve-fds value %s", v);
	*out = (int)n;
	return 0;
}

int roci_cli_other_option(int c, char **argv, const char *usage, struct roci_err *err)
{
	if (c == 'h') {
		printf("usage: roci %s\n", usage);
		exit(0);
	}
	if (c == ':')
		return roci_failx(err, EINVAL, "option %s needs a value\nusage: roci %s", argv[optind - 1], usage);
	return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
}

int roci_cli_one_id(int argc, char **argv, int first, const char *usage, const char **id,
		    struct roci_err *err)
{
	/* Commands without options of their own still answer -h/--help, and
	 * take no other option. */
	for (int i = first; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: roci %s\n", usage);
			exit(0);
		}
		if (argv[i][0] == '-' && argv[i][1])
			return roci_failx(err, EINVAL, "invalid option %s\nusage: roci %s", argv[i], usage);
	}
	int n = argc - first;
	if (n != 1)
		return roci_failx(err, EINVAL, "%s: expected exactly 1 argument (the container id), got %d\nusage: roci %s",
				  argv[0], n, usage);
	*id = argv[first];
	return 0;
}
