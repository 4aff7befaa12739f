/* SPDX-License-Identifier: Apache-2.0 */
/* config.json process section: terminal and consoleSize, args, env, cwd,
 * user, rlimits, noNewPrivileges, oomScoreAdj, LSM labels and capabilities.
 * scheduler, ioPriority and execCPUAffinity are parsed in config_security.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "oci/capnames.h"
#include "oci/config_parts.h"
#include "oci/jsonget.h"
#include "util/cleanup.h"

static const struct { const char *name; int res; } rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

/* an absent height or width is 0 */
static int parse_console_size(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	json_t *cs;
	long long x = 0;
	int r = roci_json_object(pj, "consoleSize", "process.consoleSize", &cs, err);
	if (r < 0 || !cs)
		return r;
	if ((r = roci_json_int(cs, "height", "process.consoleSize.height", 0, 65535, NULL, &x, err)) < 0)
		return r;
	p->console_height = (unsigned)x;
	x = 0;
	if ((r = roci_json_int(cs, "width", "process.consoleSize.width", 0, 65535, NULL, &x, err)) < 0)
		return r;
	p->console_width = (unsigned)x;
	return 0;
}

/* args, commandLine, env and cwd: what runs, and where */
static int parse_command(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	int r;
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
	return 0;
}

static int parse_additional_gids(const json_t *u, struct roci_process *p, struct roci_err *err)
{
	json_t *ag = roci_json_member(u, "additionalGids");
	if (!ag)
		return 0;
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
	return 0;
}

static int parse_user(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	json_t *u;
	long long x;
	bool present;
	int r = roci_json_object(pj, "user", "process.user", &u, err);
	if (r < 0 || !u)
		return r;
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
	if ((r = parse_additional_gids(u, p, err)) < 0)
		return r;
	json_t *un = roci_json_member(u, "username");
	if (un && !json_is_string(un))
		return roci_json_type_err(err, "process.user.username", "a string", un);
	return 0;
}

static int parse_rlimits(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	int r;
	json_t *rl = roci_json_member(pj, "rlimits");
	if (!rl)
		return 0;
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
	return 0;
}

static int parse_capabilities(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	json_t *caps;
	int r = roci_json_object(pj, "capabilities", "process.capabilities", &caps, err);
	if (r < 0 || !caps)
		return r;
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
	return 0;
}

int roci_config_parse_process(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	int r;
	long long x = 0;
	bool present;
	if ((r = roci_json_bool(pj, "terminal", "process.terminal", &p->terminal, err)) < 0)
		return r;
	if ((r = parse_console_size(pj, p, err)) < 0)
		return r;
	if ((r = parse_command(pj, p, err)) < 0)
		return r;
	if ((r = parse_user(pj, p, err)) < 0)
		return r;
	if ((r = parse_rlimits(pj, p, err)) < 0)
		return r;
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
	if ((r = parse_capabilities(pj, p, err)) < 0)
		return r;
	return roci_config_parse_sched(pj, p, err);
}

void roci_process_free(struct roci_process *p)
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

int roci_process_parse_string(const char *text, struct roci_process **out, struct roci_err *err)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return roci_failx(err, EINVAL, "process: invalid JSON at line %d, column %d: %s",
				  je.line, je.column, je.text);
	int r = 0;
	struct roci_process *p = NULL;
	if (!json_is_object(root))
		r = roci_failx(err, EINVAL, "process: expected an object");
	else if (!(p = calloc(1, sizeof(*p))))
		r = roci_fail(err, ENOMEM, "process");
	else
		r = roci_config_parse_process(root, p, err);
	json_decref(root);
	if (r < 0) {
		roci_process_free(p);
		return r;
	}
	*out = p;
	return 0;
}
