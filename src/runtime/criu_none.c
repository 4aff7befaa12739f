/* SPDX-License-Identifier: Apache-2.0 */
/* A build without checkpoint and restore (-Dcriu=disabled, or the minimal
 * profile): both commands stop at their first check, before anything is
 * made, with an error that names the build option. */
#include "runtime/criu.h"

#include <errno.h>

#define NO_CRIU ROCI_BUILT_WITHOUT("checkpoint and restore", "criu")

int roci_criu_check_opts(const struct roci_criu_opts *o, struct roci_err *err)
{
	return roci_failx(err, ENOTSUP, "%s", NO_CRIU);
}

int roci_criu_dump(const struct roci_criu_opts *o, const struct roci_config *cfg, pid_t pid,
		   const struct roci_log *log, struct roci_err *err)
{
	return roci_failx(err, ENOTSUP, "%s", NO_CRIU);
}

int roci_criu_cgroup_args(const struct roci_config *cfg, const struct roci_cgroup *cg,
			  char ***roots, char ***externals, struct roci_err *err)
{
	*roots = *externals = NULL;
	return roci_failx(err, ENOTSUP, "%s", NO_CRIU);
}

int roci_criu_restore(const struct roci_criu_opts *o, const struct roci_criu_restore *r,
		      pid_t *pid, const struct roci_log *log, struct roci_err *err)
{
	return roci_failx(err, ENOTSUP, "%s", NO_CRIU);
}
