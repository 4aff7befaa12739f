/* SPDX-License-Identifier: Apache-2.0 */
/* Running OCI hooks: each hook gets the container state JSON on stdin,
 * runs with its own args and env (when it has none: the runtime's own
 * environment, as with runc, or the one the caller names), and is killed
 * (SIGKILL) when its timeout passes. */
#pragma once
#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

/* Where a hook runs: env is the environment of a hook without its own
 * (NULL: roci's), cwd its working directory (NULL: roci's). */
struct roci_hook_env {
	char *const *env;
	const char *cwd;
};

/* Run every hook of `kind` in order, stopping at the first failure.
 * state_json is the state document passed on stdin; he may be NULL.
 * Returns 0, or -errno with err set to e.g.
 * "createRuntime hook #0 (/usr/bin/foo): exit status 1" (plus the hook's
 * stderr tail when it printed one). */
int roci_hooks_run(const struct roci_config *cfg, enum roci_hook_kind kind,
		   const char *state_json, const struct roci_hook_env *he, const struct roci_log *log,
		   struct roci_err *err);

/* Run every hook of `kind`; failures are logged as warnings and do not stop
 * the remaining hooks (poststart, poststop). */
void roci_hooks_run_warn(const struct roci_config *cfg, enum roci_hook_kind kind,
			 const char *state_json, const struct roci_log *log);
