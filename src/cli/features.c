/* SPDX-License-Identifier: Apache-2.0 */
/* roci features: the runtime-spec "features" document for this build.
 * Every field states what this build parses and applies, independent of the
 * host. One function per section, so that work which adds support for a
 * feature only flips that section. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/mountopts.h"
#include "linux/seccomp_filter.h"
#include "oci/capnames.h"
#include "oci/mempolicy_names.h"
#include "roci-config.h"
#include "util/cleanup.h"

#define FEATURES_MIN_VERSION "1.0.0"

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* {"enabled": false} and friends. */
static json_t *enabled(bool on)
{
	return json_pack("{s:b}", "enabled", on);
}

static json_t *hooks_section(void)
{
	static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
					     "startContainer", "poststart", "poststop" };
	return str_array(hooks, ARRAY_SIZE(hooks));
}

static json_t *mount_options_section(void)
{
	const char *names[256];
	size_t n = roci_mount_option_names(names, ARRAY_SIZE(names));
	return str_array(names, n);
}

static json_t *namespaces_section(void)
{
	static const char *const ns[] = { "cgroup", "ipc", "mount", "network",
					  "pid", "time", "user", "uts" };
	return str_array(ns, ARRAY_SIZE(ns));
}

static json_t *capabilities_section(void)
{
	json_t *a = json_array();
	for (int cap = 0; a && cap <= roci_cap_last(); cap++) {
		const char *name = roci_cap_name(cap);
		if (name && json_array_append_new(a, json_string(name)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *cgroup_section(void)
{
	/* systemdUser: the systemd driver talks to the system manager only */
	return json_pack("{s:b, s:b, s:b, s:b, s:b}", "v1", 1, "v2", 1, "systemd", HAVE_SYSTEMD,
			 "systemdUser", 0, "rdma", 1);
}

/* Probe a filter flag without loading anything: the kernel checks the
 * flags before it reads the (NULL) program, so EFAULT means "known". */
static bool kernel_knows_seccomp_flag(unsigned flag)
{
	unsigned long f = flag;
	if (flag == ROCI_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
		f |= 1UL << 3; /* only valid with NEW_LISTENER */
	return syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, f, NULL) < 0 && errno == EFAULT;
}

static json_t *seccomp_section(void)
{
	if (!roci_seccomp_supported())
		return enabled(false);
	const char *names[64];
	size_t n = 0;
	for (int a = 0; a < ROCI_SCMP_ACT_COUNT; a++)
		names[n++] = roci_seccomp_action_name((enum roci_seccomp_action)a);
	json_t *actions = str_array(names, n);
	n = 0;
	for (int op = 0; op < ROCI_SCMP_CMP_COUNT; op++)
		names[n++] = roci_seccomp_op_name((enum roci_seccomp_op)op);
	json_t *ops = str_array(names, n);
	json_t *archs = str_array(names, roci_seccomp_known_archs(names, ARRAY_SIZE(names)));
	const char *known[8], *supported[8];
	size_t nk = 0, ns = 0;
	unsigned bit;
	for (size_t i = 0; roci_seccomp_flag_name(i, &bit) && nk < ARRAY_SIZE(known); i++) {
		known[nk++] = roci_seccomp_flag_name(i, NULL);
		if (kernel_knows_seccomp_flag(bit))
			supported[ns++] = known[nk - 1];
	}
	return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions", actions,
			 "operators", ops, "archs", archs, "knownFlags", str_array(known, nk),
			 "supportedFlags", str_array(supported, ns));
}

/* Labels are written to /proc/thread-self/attr: no library needed, so the
 * build option alone decides. */
static json_t *apparmor_section(void)
{
	return enabled(HAVE_APPARMOR);
}

static json_t *selinux_section(void)
{
	return enabled(HAVE_SELINUX);
}

static json_t *intel_rdt_section(void)
{
	return enabled(false);
}

static json_t *mount_extensions_section(void)
{
	/* idmapped bind mounts (linux/idmap.c) */
	return json_pack("{s:o}", "idmap", enabled(true));
}

static json_t *memory_policy_section(void)
{
	json_t *modes = json_array(), *flags = json_array();
	for (size_t i = 0; i < ROCI_MPOL_N_MODES; i++)
		json_array_append_new(modes, json_string(roci_mempolicy_mode_names[i]));
	for (size_t i = 0; i < ROCI_MPOL_N_FLAGS; i++)
		json_array_append_new(flags, json_string(roci_mempolicy_flag_names[i]));
	return json_pack("{s:o, s:o}", "modes", modes, "flags", flags);
}

static json_t *net_devices_section(void)
{
	return enabled(true);
}

static json_t *linux_section(void)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "namespaces", namespaces_section(),
			 "capabilities", capabilities_section(),
			 "cgroup", cgroup_section(),
			 "seccomp", seccomp_section(),
			 "apparmor", apparmor_section(),
			 "selinux", selinux_section(),
			 "intelRdt", intel_rdt_section(),
			 "mountExtensions", mount_extensions_section(),
			 "memoryPolicy", memory_policy_section(),
			 "netDevices", net_devices_section());
}

static json_t *annotations_section(void)
{
	/* what this build has beyond the sections above (meson's profile and
	 * feature options); "true"/"false" strings, as annotations are */
	return json_pack("{s:s, s:s, s:s, s:s}", "io.github.roci.version", ROCI_VERSION,
			 "io.github.roci.profile", ROCI_PROFILE,
			 "io.github.roci.checkpoint.enabled", HAVE_CRIU ? "true" : "false",
			 "io.github.roci.stats.enabled", HAVE_STATS ? "true" : "false");
}

static json_t *features_document(void)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}",
			 "ociVersionMin", FEATURES_MIN_VERSION,
			 "ociVersionMax", ROCI_SPEC_VERSION,
			 "hooks", hooks_section(),
			 "mountOptions", mount_options_section(),
			 "linux", linux_section(),
			 "annotations", annotations_section());
}

int roci_cmd_features(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	(void)g;
	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			printf("usage: roci features\n");
			return 0;
		}
		return roci_failx(err, EINVAL, "features: takes no arguments\nusage: roci features");
	}
	json_t *doc = features_document();
	if (!doc)
		return roci_fail(err, ENOMEM, "features");
	/* 4-space indentation, as `runc features` prints it */
	_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(4));
	json_decref(doc);
	if (!text)
		return roci_fail(err, ENOMEM, "features");
	if (printf("%s\n", text) < 0 || fflush(stdout) == EOF)
		return roci_fail(err, errno ? errno : EIO, "features: write");
	return 0;
}
