/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "cli/cli.h"

int roci_cli_one_id(int argc, char **argv, int first, const char *usage, const char **id,
		    struct roci_err *err)
{
	int n = argc - first;
	if (n != 1)
		return roci_failx(err, EINVAL, "%s: expected exactly 1 argument (the container id), got %d\nusage: roci %s",
				  argv[0], n, usage);
	*id = argv[first];
	return 0;
}
