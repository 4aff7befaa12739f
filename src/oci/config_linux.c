/* SPDX-License-Identifier: Apache-2.0 */
/* config.json linux section: namespaces, uid/gid mappings, time offsets,
 * devices, cgroupsPath, rootfsPropagation, masked and read-only paths,
 * mountLabel, resources and intelRdt. seccomp, sysctl and personality are
 * parsed in config_security.c. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"
#include "oci/resources.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const ns_names[ROCI_NS_COUNT] = {
	[ROCI_NS_PID] = "pid", [ROCI_NS_NETWORK] = "network", [ROCI_NS_MOUNT] = "mount",
	[ROCI_NS_IPC] = "ipc", [ROCI_NS_UTS] = "uts", [ROCI_NS_USER] = "user",
	[ROCI_NS_CGROUP] = "cgroup", [ROCI_NS_TIME] = "time",
};
static const char *const ns_proc[ROCI_NS_COUNT] = {
	[ROCI_NS_PID] = "pid", [ROCI_NS_NETWORK] = "net", [ROCI_NS_MOUNT] = "mnt",
	[ROCI_NS_IPC] = "ipc", [ROCI_NS_UTS] = "uts", [ROCI_NS_USER] = "user",
	[ROCI_NS_CGROUP] = "cgroup", [ROCI_NS_TIME] = "time",
};
static const int ns_flags[ROCI_NS_COUNT] = {
	[ROCI_NS_PID] = CLONE_NEWPID, [ROCI_NS_NETWORK] = CLONE_NEWNET, [ROCI_NS_MOUNT] = CLONE_NEWNS,
	[ROCI_NS_IPC] = CLONE_NEWIPC, [ROCI_NS_UTS] = CLONE_NEWUTS, [ROCI_NS_USER] = CLONE_NEWUSER,
	[ROCI_NS_CGROUP] = CLONE_NEWCGROUP, [ROCI_NS_TIME] = CLONE_NEWTIME,
};

const char *roci_ns_name(enum roci_ns_type t) { return ns_names[t]; }
const char *roci_ns_proc_name(enum roci_ns_type t) { return ns_proc[t]; }
int roci_ns_clone_flag(enum roci_ns_type t) { return ns_flags[t]; }

int roci_config_parse_id_mappings(const json_t *obj, const char *key, const char *path,
				  struct roci_id_mapping **out, size_t *n_out, struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	*out = NULL;
	*n_out = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return roci_json_type_err(err, path, "an array", v);
	size_t n = json_array_size(v);
	if (n > 340)
		return roci_failx(err, E2BIG, "config.json: %s: too many mappings (%zu, the kernel allows 340)", path, n);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return roci_fail(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(v, i);
		char p[256];
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_object(m))
			return roci_json_type_err(err, p, "an object", m);
		static const char *const keys[] = { "containerID", "hostID", "size" };
		long long vals[3];
		for (int k = 0; k < 3; k++) {
			char pk[300];
			bool present;
			snprintf(pk, sizeof(pk), "%s.%s", p, keys[k]);
			int r = roci_json_int(m, keys[k], pk, 0, UINT32_MAX, &present, &vals[k], err);
			if (r < 0)
				return r;
			if (!present)
				return roci_failx(err, EINVAL, "config.json: %s: required", pk);
		}
		if (vals[2] == 0)
			return roci_failx(err, EINVAL, "config.json: %s.size: must be greater than 0", p);
		(*out)[i] = (struct roci_id_mapping){ (uint32_t)vals[0], (uint32_t)vals[1], (uint32_t)vals[2] };
	}
	*n_out = n;
	return 0;
}

static int parse_devices(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *v = roci_json_member(lj, "devices");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return roci_json_type_err(err, "linux.devices", "an array", v);
	size_t n = json_array_size(v);
	if (n > 4096)
		return roci_failx(err, E2BIG, "config.json: linux.devices: too many entries");
	c->devices = calloc(n ? n : 1, sizeof(*c->devices));
	if (!c->devices)
		return roci_fail(err, ENOMEM, "config.json");
	c->n_devices = n;
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(v, i);
		struct roci_device *dv = &c->devices[i];
		char p[64], pp[96];
		int r;
		snprintf(p, sizeof(p), "linux.devices[%zu]", i);
		if (!json_is_object(d))
			return roci_json_type_err(err, p, "an object", d);
		snprintf(pp, sizeof(pp), "%s.path", p);
		if ((r = roci_json_string(d, "path", pp, &dv->path, err)) < 0)
			return r;
		if (!dv->path || dv->path[0] != '/')
			return roci_failx(err, EINVAL, "config.json: %s: an absolute path is required", pp);
		_cleanup_free_ char *type = NULL;
		snprintf(pp, sizeof(pp), "%s.type", p);
		if ((r = roci_json_string(d, "type", pp, &type, err)) < 0)
			return r;
		if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
			return roci_failx(err, EINVAL, "config.json: %s: must be one of c, b, u, p", pp);
		dv->type = type[0];
		bool hm, hn;
		long long x = 0;
		snprintf(pp, sizeof(pp), "%s.major", p);
		if ((r = roci_json_int(d, "major", pp, 0, 0xfff, &hm, &x, err)) < 0)
			return r;
		dv->major = x;
		x = 0;
		snprintf(pp, sizeof(pp), "%s.minor", p);
		if ((r = roci_json_int(d, "minor", pp, 0, 0xfffff, &hn, &x, err)) < 0)
			return r;
		dv->minor = x;
		if (dv->type != 'p' && (!hm || !hn))
			return roci_failx(err, EINVAL, "config.json: %s: major and minor are required for type %c", p, dv->type);
		snprintf(pp, sizeof(pp), "%s.fileMode", p);
		x = 0;
		/* podman hands a device node's whole st_mode (0020666 for a char
		 * device): the type bits are dropped, "type" says the type */
		if ((r = roci_json_int(d, "fileMode", pp, 0, S_IFMT | 07777, &dv->has_mode, &x, err)) < 0)
			return r;
		dv->file_mode = (mode_t)x & 07777;
		snprintf(pp, sizeof(pp), "%s.uid", p);
		x = 0;
		if ((r = roci_json_int(d, "uid", pp, 0, UINT32_MAX - 1, &dv->has_uid, &x, err)) < 0)
			return r;
		dv->uid = (uid_t)x;
		snprintf(pp, sizeof(pp), "%s.gid", p);
		x = 0;
		if ((r = roci_json_int(d, "gid", pp, 0, UINT32_MAX - 1, &dv->has_gid, &x, err)) < 0)
			return r;
		dv->gid = (gid_t)x;
	}
	return 0;
}

static int parse_paths(const json_t *lj, const char *key, char ***out, size_t *n,
		       struct roci_err *err)
{
	char p[64];
	snprintf(p, sizeof(p), "linux.%s", key);
	int r = roci_json_strv(lj, key, p, out, n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < *n; i++)
		if ((*out)[i][0] != '/')
			return roci_failx(err, EINVAL, "config.json: %s[%zu]: \"%s\" is not an absolute path", p, i, (*out)[i]);
	return 0;
}

static int parse_namespaces(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	int r;
	json_t *ns = roci_json_member(lj, "namespaces");
	if (!ns)
		return 0;
	if (!json_is_array(ns))
		return roci_json_type_err(err, "linux.namespaces", "an array", ns);
	for (size_t i = 0; i < json_array_size(ns); i++) {
		json_t *e = json_array_get(ns, i);
		char p[64], pp[96];
		snprintf(p, sizeof(p), "linux.namespaces[%zu]", i);
		if (!json_is_object(e))
			return roci_json_type_err(err, p, "an object", e);
		_cleanup_free_ char *type = NULL;
		snprintf(pp, sizeof(pp), "%s.type", p);
		if ((r = roci_json_string(e, "type", pp, &type, err)) < 0)
			return r;
		if (!type)
			return roci_failx(err, EINVAL, "config.json: %s: required", pp);
		int t = -1;
		for (int k = 0; k < ROCI_NS_COUNT; k++)
			if (!strcmp(ns_names[k], type))
				t = k;
		if (t < 0)
			return roci_failx(err, EINVAL, "config.json: %s: unknown namespace type \"%s\"", pp, type);
		if (c->ns[t].present)
			return roci_failx(err, EINVAL, "config.json: %s: duplicate namespace type \"%s\"", pp, type);
		c->ns[t].present = true;
		snprintf(pp, sizeof(pp), "%s.path", p);
		if ((r = roci_json_string(e, "path", pp, &c->ns[t].path, err)) < 0)
			return r;
		if (c->ns[t].path && !*c->ns[t].path) {
			free(c->ns[t].path);
			c->ns[t].path = NULL;
		}
	}
	return 0;
}

static int parse_time_offsets(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *to;
	int r = roci_json_object(lj, "timeOffsets", "linux.timeOffsets", &to, err);
	if (r < 0 || !to)
		return r;
	static const char *const clocks[] = { "monotonic", "boottime" };
	for (int k = 0; k < 2; k++) {
		json_t *o;
		char p[64], pp[96];
		snprintf(p, sizeof(p), "linux.timeOffsets.%s", clocks[k]);
		if ((r = roci_json_object(to, clocks[k], p, &o, err)) < 0)
			return r;
		if (!o)
			continue;
		long long s = 0, ns_ = 0;
		snprintf(pp, sizeof(pp), "%s.secs", p);
		if ((r = roci_json_int(o, "secs", pp, INT64_MIN / 2, INT64_MAX / 2, NULL, &s, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.nanosecs", p);
		if ((r = roci_json_int(o, "nanosecs", pp, 0, 999999999, NULL, &ns_, err)) < 0)
			return r;
		c->time_offsets[k] = (struct roci_timens_offset){ true, s, (uint32_t)ns_ };
	}
	return 0;
}

static int parse_rootfs_propagation(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	int r = roci_json_string(lj, "rootfsPropagation", "linux.rootfsPropagation", &c->rootfs_propagation, err);
	if (r < 0 || !c->rootfs_propagation)
		return r;
	static const char *const ok[] = { "shared", "slave", "private", "unbindable",
					  "rshared", "rslave", "rprivate", "runbindable" };
	bool found = false;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		found |= !strcmp(ok[i], c->rootfs_propagation);
	if (!found)
		return roci_failx(err, EINVAL, "config.json: linux.rootfsPropagation: unknown value \"%s\"", c->rootfs_propagation);
	return 0;
}

int roci_config_parse_linux(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	int r;
	if ((r = parse_namespaces(lj, c, err)) < 0)
		return r;
	if ((r = roci_config_parse_id_mappings(lj, "uidMappings", "linux.uidMappings", &c->uid_mappings,
						 &c->n_uid_mappings, err)) < 0)
		return r;
	if ((r = roci_config_parse_id_mappings(lj, "gidMappings", "linux.gidMappings", &c->gid_mappings,
						 &c->n_gid_mappings, err)) < 0)
		return r;
	if ((r = parse_time_offsets(lj, c, err)) < 0)
		return r;
	if ((r = parse_devices(lj, c, err)) < 0)
		return r;
	if ((r = roci_json_string(lj, "cgroupsPath", "linux.cgroupsPath", &c->cgroups_path, err)) < 0)
		return r;
	if ((r = parse_rootfs_propagation(lj, c, err)) < 0)
		return r;
	if ((r = parse_paths(lj, "maskedPaths", &c->masked_paths, &c->n_masked_paths, err)) < 0)
		return r;
	if ((r = parse_paths(lj, "readonlyPaths", &c->readonly_paths, &c->n_readonly_paths, err)) < 0)
		return r;
	if ((r = roci_json_string(lj, "mountLabel", "linux.mountLabel", &c->mount_label, err)) < 0)
		return r;
	if ((r = roci_config_parse_seccomp(lj, c, err)) < 0 ||
	    (r = roci_config_parse_sysctl(lj, c, err)) < 0 ||
	    (r = roci_config_parse_personality(lj, c, err)) < 0 ||
	    (r = roci_config_parse_memory_policy(lj, c, err)) < 0 ||
	    (r = roci_config_parse_net_devices(lj, c, err)) < 0)
		return r;
	json_t *o;
	if ((r = roci_json_object(lj, "resources", "linux.resources", &o, err)) < 0 ||
	    (r = roci_resources_parse(o, "linux.resources", &c->resources, err)) < 0)
		return r;
	if ((r = roci_json_object(lj, "intelRdt", "linux.intelRdt", &o, err)) < 0)
		return r;
	c->has_intel_rdt = o != NULL;
	return 0;
}
