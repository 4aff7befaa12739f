/* SPDX-License-Identifier: Apache-2.0 */
/* roci features: the runtime-spec features document, true for this build. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "linux/capabilities.h"
#include "linux/mountopts.h"
#include "roci-config.h"

static json_t *strv(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *linux_section(void)
{
	static const char *const ns[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts" };
	json_t *l = json_object();
	json_object_set_new(l, "namespaces", strv(ns, sizeof(ns) / sizeof(ns[0])));
	json_t *caps = json_array();
	for (int c = 0; c <= roci_cap_last(); c++)
		json_array_append_new(caps, json_string(roci_cap_name(c)));
	json_object_set_new(l, "capabilities", caps);
	json_object_set_new(l, "cgroup", json_pack("{s:b, s:b, s:b, s:b, s:b}", "v1", 0, "v2", 0,
						   "systemd", 0, "systemdUser", 0, "rdma", 0));
	json_object_set_new(l, "seccomp", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(l, "apparmor", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(l, "selinux", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(l, "intelRdt", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(l, "mountExtensions", json_pack("{s:{s:b}}", "idmap", "enabled", 0));
	return l;
}

int roci_cmd_features(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop" };
	(void)g;
	(void)argv;
	if (argc > 1)
		return roci_failx(err, EINVAL, "features takes no arguments");
	const char *opts[128];
	size_t n_opts = roci_mount_option_names(opts, 128);
	json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s}}",
				"ociVersionMin", "1.0.0",
				"ociVersionMax", ROCI_SPEC_VERSION,
				"hooks", strv(hooks, sizeof(hooks) / sizeof(hooks[0])),
				"mountOptions", strv(opts, n_opts),
				"linux", linux_section(),
				"annotations", "io.github.roci.version", ROCI_VERSION);
	if (!doc)
		return roci_fail(err, ENOMEM, "features");
	char *s = json_dumps(doc, JSON_INDENT(4));
	json_decref(doc);
	if (!s)
		return roci_fail(err, ENOMEM, "features");
	printf("%s\n", s);
	free(s);
	return 0;
}
