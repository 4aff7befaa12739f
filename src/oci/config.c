/* SPDX-License-Identifier: Apache-2.0 */
/* config.json -> struct roci_config. Every field is type- and range-checked
 * here; errors name the field ("process.args[1]: expected a string"). */
#include "oci/config.h"

#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "oci/capnames.h"
#include "oci/config_parts.h"
#include "oci/jsonget.h"
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
static const char *const hook_names[ROCI_HOOK_KIND_COUNT] = {
	[ROCI_HOOK_PRESTART] = "prestart", [ROCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[ROCI_HOOK_CREATE_CONTAINER] = "createContainer", [ROCI_HOOK_START_CONTAINER] = "startContainer",
	[ROCI_HOOK_POSTSTART] = "poststart", [ROCI_HOOK_POSTSTOP] = "poststop",
};

const char *roci_ns_name(enum roci_ns_type t) { return ns_names[t]; }
const char *roci_ns_proc_name(enum roci_ns_type t) { return ns_proc[t]; }
int roci_ns_clone_flag(enum roci_ns_type t) { return ns_flags[t]; }
const char *roci_hook_kind_name(enum roci_hook_kind k) { return hook_names[k]; }

static const struct { const char *name; int res; } rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_id_mappings(const json_t *obj, const char *key, const char *path,
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

static int parse_process(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	int r;
	long long x;
	bool present;
	if ((r = roci_json_bool(pj, "terminal", "process.terminal", &p->terminal, err)) < 0)
		return r;
	json_t *cs;
	if ((r = roci_json_object(pj, "consoleSize", "process.consoleSize", &cs, err)) < 0)
		return r;
	if (cs) {
		if ((r = roci_json_int(cs, "height", "process.consoleSize.height", 0, 65535, NULL, &x, err)) < 0)
			return r;
		p->console_height = (unsigned)x;
		x = 0;
		if ((r = roci_json_int(cs, "width", "process.consoleSize.width", 0, 65535, NULL, &x, err)) < 0)
			return r;
		p->console_width = (unsigned)x;
	}
	if ((r = roci_json_strv(pj, "args", "process.args", &p->args, &p->n_args, err)) < 0)
		return r;
	if ((r = roci_json_string(pj, "commandLine", "process.commandLine", &p->command_line, err)) < 0)
		return r;
	if (!p->args || p->n_args == 0)
		return roci_failx(err, EINVAL, "config.json: process.args: must be a non-empty array of strings");
	if ((r = roci_json_strv(pj, "env", "process.env", &p->env, &p->n_env, err)) < 0)
		return r;
	if ((r = roci_json_string(pj, "cwd", "process.cwd", &p->cwd, err)) < 0)
		return r;
	if (!p->cwd)
		return roci_failx(err, EINVAL, "config.json: process.cwd: required");
	if (p->cwd[0] != '/')
		return roci_failx(err, EINVAL, "config.json: process.cwd: \"%s\" is not an absolute path", p->cwd);

	json_t *u;
	if ((r = roci_json_object(pj, "user", "process.user", &u, err)) < 0)
		return r;
	if (u) {
		x = 0;
		if ((r = roci_json_int(u, "uid", "process.user.uid", 0, UINT32_MAX - 1, NULL, &x, err)) < 0)
			return r;
		p->uid = (uid_t)x;
		x = 0;
		if ((r = roci_json_int(u, "gid", "process.user.gid", 0, UINT32_MAX - 1, NULL, &x, err)) < 0)
			return r;
		p->gid = (gid_t)x;
		if ((r = roci_json_int(u, "umask", "process.user.umask", 0, 0777, &present, &x, err)) < 0)
			return r;
		p->has_umask = present;
		p->umask = (mode_t)x;
		json_t *ag = roci_json_member(u, "additionalGids");
		if (ag) {
			if (!json_is_array(ag))
				return roci_json_type_err(err, "process.user.additionalGids", "an array of integers", ag);
			size_t n = json_array_size(ag);
			if (n > ROCI_JSON_MAX_ITEMS)
				return roci_failx(err, E2BIG, "config.json: process.user.additionalGids: too many entries");
			p->additional_gids = calloc(n ? n : 1, sizeof(gid_t));
			if (!p->additional_gids)
				return roci_fail(err, ENOMEM, "config.json");
			for (size_t i = 0; i < n; i++) {
				json_t *g = json_array_get(ag, i);
				if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) >= UINT32_MAX) {
					char pp[128];
					snprintf(pp, sizeof(pp), "process.user.additionalGids[%zu]", i);
					return roci_json_type_err(err, pp, "a gid (0..4294967294)", g);
				}
				p->additional_gids[i] = (gid_t)json_integer_value(g);
			}
			p->n_additional_gids = n;
		}
		json_t *un = roci_json_member(u, "username");
		if (un && !json_is_string(un))
			return roci_json_type_err(err, "process.user.username", "a string", un);
	}

	json_t *rl = roci_json_member(pj, "rlimits");
	if (rl) {
		if (!json_is_array(rl))
			return roci_json_type_err(err, "process.rlimits", "an array", rl);
		size_t n = json_array_size(rl);
		if (n > 64)
			return roci_failx(err, E2BIG, "config.json: process.rlimits: too many entries");
		p->rlimits = calloc(n ? n : 1, sizeof(*p->rlimits));
		if (!p->rlimits)
			return roci_fail(err, ENOMEM, "config.json");
		for (size_t i = 0; i < n; i++) {
			json_t *e = json_array_get(rl, i);
			char pp[128];
			snprintf(pp, sizeof(pp), "process.rlimits[%zu]", i);
			if (!json_is_object(e))
				return roci_json_type_err(err, pp, "an object", e);
			json_t *t = roci_json_member(e, "type");
			if (!t || !json_is_string(t))
				return roci_failx(err, EINVAL, "config.json: %s.type: required string", pp);
			int res = -1;
			for (size_t k = 0; k < ARRAY_SIZE(rlimit_names); k++)
				if (!strcmp(rlimit_names[k].name, json_string_value(t)))
					res = rlimit_names[k].res;
			if (res < 0)
				return roci_failx(err, EINVAL, "config.json: %s.type: unknown rlimit \"%s\"", pp, json_string_value(t));
			for (size_t k = 0; k < i; k++)
				if (p->rlimits[k].resource == res)
					return roci_failx(err, EINVAL, "config.json: %s.type: duplicate rlimit \"%s\"", pp, json_string_value(t));
			char ph[160], ps[160];
			snprintf(ph, sizeof(ph), "%s.hard", pp);
			snprintf(ps, sizeof(ps), "%s.soft", pp);
			bool hp, sp;
			if ((r = roci_json_u64(e, "hard", ph, &hp, &p->rlimits[i].hard, err)) < 0)
				return r;
			if ((r = roci_json_u64(e, "soft", ps, &sp, &p->rlimits[i].soft, err)) < 0)
				return r;
			if (!hp || !sp)
				return roci_failx(err, EINVAL, "config.json: %s: soft and hard are required", pp);
			if (p->rlimits[i].soft > p->rlimits[i].hard)
				return roci_failx(err, EINVAL, "config.json: %s: soft limit is greater than the hard limit", pp);
			p->rlimits[i].resource = res;
		}
		p->n_rlimits = n;
	}
	if ((r = roci_json_bool(pj, "noNewPrivileges", "process.noNewPrivileges", &p->no_new_privileges, err)) < 0)
		return r;
	if ((r = roci_json_int(pj, "oomScoreAdj", "process.oomScoreAdj", -1000, 1000, &present, &x, err)) < 0)
		return r;
	p->has_oom_score_adj = present;
	p->oom_score_adj = (int)x;
	if ((r = roci_json_string(pj, "apparmorProfile", "process.apparmorProfile", &p->apparmor_profile, err)) < 0)
		return r;
	if ((r = roci_json_string(pj, "selinuxLabel", "process.selinuxLabel", &p->selinux_label, err)) < 0)
		return r;
	json_t *caps;
	if ((r = roci_json_object(pj, "capabilities", "process.capabilities", &caps, err)) < 0)
		return r;
	if (caps) {
		static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
		uint64_t *masks[] = { &p->cap_bounding, &p->cap_effective, &p->cap_inheritable,
				      &p->cap_permitted, &p->cap_ambient };
		for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
			char pp[64];
			snprintf(pp, sizeof(pp), "process.capabilities.%s", sets[i]);
			char **tmp = NULL;
			size_t n = 0;
			r = roci_json_strv(caps, sets[i], pp, &tmp, &n, err);
			for (size_t k = 0; r == 0 && k < n; k++) {
				int cap = roci_cap_from_name(tmp[k]);
				if (cap < 0)
					r = roci_failx(err, EINVAL, "config.json: %s[%zu]: unknown capability \"%s\"", pp, k, tmp[k]);
				else
					*masks[i] |= 1ULL << cap;
			}
			roci_strv_free(tmp);
			if (r < 0)
				return r;
		}
		p->has_capabilities = true;
	}
	return roci_config_parse_sched(pj, p, err);
}

static int parse_mounts(const json_t *root, struct roci_config *c, struct roci_err *err)
{
	json_t *v = roci_json_member(root, "mounts");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return roci_json_type_err(err, "mounts", "an array", v);
	size_t n = json_array_size(v);
	if (n > 4096)
		return roci_failx(err, E2BIG, "config.json: mounts: too many entries (%zu)", n);
	c->mounts = calloc(n ? n : 1, sizeof(*c->mounts));
	if (!c->mounts)
		return roci_fail(err, ENOMEM, "config.json");
	c->n_mounts = n;
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(v, i);
		struct roci_mount *mt = &c->mounts[i];
		char p[64], pp[96];
		int r;
		snprintf(p, sizeof(p), "mounts[%zu]", i);
		if (!json_is_object(m))
			return roci_json_type_err(err, p, "an object", m);
		snprintf(pp, sizeof(pp), "%s.destination", p);
		char *dest = NULL;
		if ((r = roci_json_string(m, "destination", pp, &dest, err)) < 0)
			return r;
		if (!dest || !*dest) {
			free(dest);
			return roci_failx(err, EINVAL, "config.json: %s: required", pp);
		}
		if (dest[0] != '/') {
			/* runc takes a relative destination as relative to / */
			char *abs = NULL;
			if (asprintf(&abs, "/%s", dest) < 0)
				abs = NULL;
			free(dest);
			dest = abs;
			if (!dest)
				return roci_fail(err, ENOMEM, "config.json");
		}
		mt->destination = dest;
		snprintf(pp, sizeof(pp), "%s.type", p);
		if ((r = roci_json_string(m, "type", pp, &mt->type, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.source", p);
		if ((r = roci_json_string(m, "source", pp, &mt->source, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.options", p);
		if ((r = roci_json_strv(m, "options", pp, &mt->options, &mt->n_options, err)) < 0)
			return r;
		if (!mt->options && !(mt->options = calloc(1, sizeof(char *))))
			return roci_fail(err, ENOMEM, "config.json");
		snprintf(pp, sizeof(pp), "%s.uidMappings", p);
		if ((r = parse_id_mappings(m, "uidMappings", pp, &mt->uid_mappings, &mt->n_uid_mappings, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.gidMappings", p);
		if ((r = parse_id_mappings(m, "gidMappings", pp, &mt->gid_mappings, &mt->n_gid_mappings, err)) < 0)
			return r;
	}
	return 0;
}

static int parse_hooks(const json_t *root, struct roci_config *c, struct roci_err *err)
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

static int parse_annotations(const json_t *root, struct roci_config *c, struct roci_err *err)
{
	json_t *a;
	int r = roci_json_object(root, "annotations", "annotations", &a, err);
	if (r < 0 || !a)
		return r;
	size_t n = json_object_size(a);
	if (n > ROCI_JSON_MAX_ITEMS)
		return roci_failx(err, E2BIG, "config.json: annotations: too many entries");
	c->annotation_keys = calloc(n + 1, sizeof(char *));
	c->annotation_values = calloc(n + 1, sizeof(char *));
	if (!c->annotation_keys || !c->annotation_values)
		return roci_fail(err, ENOMEM, "config.json");
	const char *key;
	json_t *val;
	size_t i = 0;
	json_object_foreach(a, key, val) {
		char p[256];
		snprintf(p, sizeof(p), "annotations[\"%.200s\"]", key);
		if ((r = roci_json_dup_string(val, p, &c->annotation_values[i], err)) < 0)
			return r;
		c->annotation_keys[i] = strdup(key);
		if (!c->annotation_keys[i])
			return roci_fail(err, ENOMEM, "config.json");
		i++;
		c->n_annotations = i;
	}
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
		if ((r = roci_json_int(d, "fileMode", pp, 0, 07777, &dv->has_mode, &x, err)) < 0)
			return r;
		dv->file_mode = (mode_t)x;
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

static int parse_linux(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	int r;
	json_t *ns = roci_json_member(lj, "namespaces");
	if (ns) {
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
	}
	if ((r = parse_id_mappings(lj, "uidMappings", "linux.uidMappings", &c->uid_mappings, &c->n_uid_mappings, err)) < 0)
		return r;
	if ((r = parse_id_mappings(lj, "gidMappings", "linux.gidMappings", &c->gid_mappings, &c->n_gid_mappings, err)) < 0)
		return r;
	json_t *to;
	if ((r = roci_json_object(lj, "timeOffsets", "linux.timeOffsets", &to, err)) < 0)
		return r;
	if (to) {
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
	}
	if ((r = parse_devices(lj, c, err)) < 0)
		return r;
	if ((r = roci_json_string(lj, "cgroupsPath", "linux.cgroupsPath", &c->cgroups_path, err)) < 0)
		return r;
	if ((r = roci_json_string(lj, "rootfsPropagation", "linux.rootfsPropagation", &c->rootfs_propagation, err)) < 0)
		return r;
	if (c->rootfs_propagation) {
		static const char *const ok[] = { "shared", "slave", "private", "unbindable",
						  "rshared", "rslave", "rprivate", "runbindable" };
		bool found = false;
		for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
			found |= !strcmp(ok[i], c->rootfs_propagation);
		if (!found)
			return roci_failx(err, EINVAL, "config.json: linux.rootfsPropagation: unknown value \"%s\"", c->rootfs_propagation);
	}
	if ((r = parse_paths(lj, "maskedPaths", &c->masked_paths, &c->n_masked_paths, err)) < 0)
		return r;
	if ((r = parse_paths(lj, "readonlyPaths", &c->readonly_paths, &c->n_readonly_paths, err)) < 0)
		return r;
	if ((r = roci_json_string(lj, "mountLabel", "linux.mountLabel", &c->mount_label, err)) < 0)
		return r;
	if ((r = roci_config_parse_seccomp(lj, c, err)) < 0 ||
	    (r = roci_config_parse_sysctl(lj, c, err)) < 0 ||
	    (r = roci_config_parse_personality(lj, c, err)) < 0)
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

static int parse_doc(json_t *root, struct roci_config *c, struct roci_err *err)
{
	int r;
	if (!json_is_object(root))
		return roci_json_type_err(err, "(document)", "an object", root);
	if ((r = roci_json_string(root, "ociVersion", "ociVersion", &c->oci_version, err)) < 0)
		return r;
	if (!c->oci_version)
		return roci_failx(err, EINVAL, "config.json: ociVersion: required");
	json_t *rj;
	if ((r = roci_json_object(root, "root", "root", &rj, err)) < 0)
		return r;
	if (!rj)
		return roci_failx(err, EINVAL, "config.json: root: required");
	if ((r = roci_json_string(rj, "path", "root.path", &c->root_path, err)) < 0)
		return r;
	if (!c->root_path || !*c->root_path)
		return roci_failx(err, EINVAL, "config.json: root.path: required");
	if ((r = roci_json_bool(rj, "readonly", "root.readonly", &c->root_readonly, err)) < 0)
		return r;
	if ((r = roci_json_string(root, "hostname", "hostname", &c->hostname, err)) < 0)
		return r;
	if (c->hostname && !*c->hostname) {
		free(c->hostname);
		c->hostname = NULL;
	}
	if (c->hostname && strlen(c->hostname) > 64)
		return roci_failx(err, EINVAL, "config.json: hostname: longer than 64 characters");
	if ((r = roci_json_string(root, "domainname", "domainname", &c->domainname, err)) < 0)
		return r;
	if (c->domainname && !*c->domainname) {
		free(c->domainname);
		c->domainname = NULL;
	}
	if (c->domainname && strlen(c->domainname) > 64)
		return roci_failx(err, EINVAL, "config.json: domainname: longer than 64 characters");
	json_t *pj;
	if ((r = roci_json_object(root, "process", "process", &pj, err)) < 0)
		return r;
	if (pj) {
		c->process = calloc(1, sizeof(*c->process));
		if (!c->process)
			return roci_fail(err, ENOMEM, "config.json");
		if ((r = parse_process(pj, c->process, err)) < 0)
			return r;
	}
	if ((r = parse_mounts(root, c, err)) < 0)
		return r;
	if ((r = parse_hooks(root, c, err)) < 0)
		return r;
	if ((r = parse_annotations(root, c, err)) < 0)
		return r;
	json_t *lj;
	if ((r = roci_json_object(root, "linux", "linux", &lj, err)) < 0)
		return r;
	if (lj && (r = parse_linux(lj, c, err)) < 0)
		return r;
	return 0;
}

int roci_config_parse_string(const char *text, struct roci_config **out, struct roci_err *err)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return roci_failx(err, EINVAL, "config.json: invalid JSON at line %d, column %d: %s",
				  je.line, je.column, je.text);
	struct roci_config *c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(root);
		return roci_fail(err, ENOMEM, "config.json");
	}
	c->json = root;
	int r = parse_doc(root, c, err);
	if (r < 0) {
		roci_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int roci_config_load(const char *path, struct roci_config **out, struct roci_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return roci_fail(err, errno, "open %s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_fclose_ FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return roci_fail(err, ENOMEM, "read %s", path);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	if (ferror(f))
		return roci_fail(err, EIO, "read %s", path);
	fclose(mem);
	mem = NULL;
	return roci_config_parse_string(buf, out, err);
}

static void process_free(struct roci_process *p)
{
	if (!p)
		return;
	free(p->cwd);
	roci_strv_free(p->args);
	free(p->command_line);
	roci_strv_free(p->env);
	free(p->additional_gids);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->cpu_affinity_initial);
	free(p->cpu_affinity_final);
	free(p);
}

void roci_config_free(struct roci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	process_free(c->process);
	for (size_t i = 0; i < c->n_mounts; i++) {
		struct roci_mount *m = &c->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		roci_strv_free(m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(c->mounts);
	for (int k = 0; k < ROCI_HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].hooks[i].path);
			roci_strv_free(c->hooks[k].hooks[i].args);
			roci_strv_free(c->hooks[k].hooks[i].env);
		}
		free(c->hooks[k].hooks);
	}
	roci_strv_free(c->annotation_keys);
	roci_strv_free(c->annotation_values);
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		free(c->ns[t].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	free(c->cgroups_path);
	roci_resources_free(&c->resources);
	free(c->rootfs_propagation);
	roci_strv_free(c->masked_paths);
	roci_strv_free(c->readonly_paths);
	free(c->mount_label);
	roci_config_free_security(c);
	json_decref(c->json);
	free(c);
}
