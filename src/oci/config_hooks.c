/* SPDX-License-Identifier: Apache-2.0 */
/* config.json hooks: the six hook lists (prestart, createRuntime, ...),
 * each entry's path, args, env and timeout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"

static const char *const hook_names[ROCI_HOOK_KIND_COUNT] = {
	[ROCI_HOOK_PRESTART] = "prestart", [ROCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[ROCI_HOOK_CREATE_CONTAINER] = "createContainer", [ROCI_HOOK_START_CONTAINER] = "startContainer",
	[ROCI_HOOK_POSTSTART] = "poststart", [ROCI_HOOK_POSTSTOP] = "poststop",
};

const char *roci_hook_kind_name(enum roci_hook_kind k) { return hook_names[k]; }

int roci_config_parse_hooks(const json_t *root, struct roci_config *c, struct roci_err *err)
{
	json_t *hj;
	int r = roci_json_object(root, "hooks", "hooks", &hj, err);
	if (r < 0 || !hj)
		return r;
	for (int k = 0; k < ROCI_HOOK_KIND_COUNT; k++) {
		json_t *arr = roci_json_member(hj, hook_names[k]);
		char p[64];
		snprintf(p, sizeof(p), "hooks.%s", hook_names[k]);
		if (!arr)
			continue;
		if (!json_is_array(arr))
			return roci_json_type_err(err, p, "an array", arr);
		size_t n = json_array_size(arr);
		if (n > 1024)
			return roci_failx(err, E2BIG, "config.json: %s: too many hooks", p);
		struct roci_hook *hooks = calloc(n ? n : 1, sizeof(*hooks));
		if (!hooks)
			return roci_fail(err, ENOMEM, "config.json");
		c->hooks[k].hooks = hooks;
		c->hooks[k].n = n;
		for (size_t i = 0; i < n; i++) {
			json_t *h = json_array_get(arr, i);
			char hp[96], pp[128];
			snprintf(hp, sizeof(hp), "%s[%zu]", p, i);
			if (!json_is_object(h))
				return roci_json_type_err(err, hp, "an object", h);
			snprintf(pp, sizeof(pp), "%s.path", hp);
			if ((r = roci_json_string(h, "path", pp, &hooks[i].path, err)) < 0)
				return r;
			if (!hooks[i].path)
				return roci_failx(err, EINVAL, "config.json: %s: required", pp);
			if (hooks[i].path[0] != '/')
				return roci_failx(err, EINVAL, "config.json: %s: \"%s\" is not an absolute path", pp, hooks[i].path);
			snprintf(pp, sizeof(pp), "%s.args", hp);
			if ((r = roci_json_strv(h, "args", pp, &hooks[i].args, NULL, err)) < 0)
				return r;
			snprintf(pp, sizeof(pp), "%s.env", hp);
			if ((r = roci_json_strv(h, "env", pp, &hooks[i].env, NULL, err)) < 0)
				return r;
			snprintf(pp, sizeof(pp), "%s.timeout", hp);
			long long t = 0;
			if ((r = roci_json_int(h, "timeout", pp, 1, 86400 * 365, &hooks[i].has_timeout, &t, err)) < 0)
				return r;
			hooks[i].timeout = (int)t;
		}
	}
	return 0;
}
