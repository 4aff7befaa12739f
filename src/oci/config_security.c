/* SPDX-License-Identifier: Apache-2.0 */
/* config.json security and scheduling sections: linux.seccomp, linux.sysctl,
 * linux.personality, process.scheduler, process.ioPriority and
 * process.execCPUAffinity. Names are checked here; whether the kernel or
 * libseccomp knows them is decided when they are applied. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

#define MAX_SECCOMP_RULES 16384
#define MAX_SYSCTLS 4096

static const char *const action_names[ROCI_SCMP_ACT_COUNT] = {
	[ROCI_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
	[ROCI_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[ROCI_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[ROCI_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
	[ROCI_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[ROCI_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
	[ROCI_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
	[ROCI_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
	[ROCI_SCMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[ROCI_SCMP_CMP_COUNT] = {
	[ROCI_SCMP_CMP_NE] = "SCMP_CMP_NE",
	[ROCI_SCMP_CMP_LT] = "SCMP_CMP_LT",
	[ROCI_SCMP_CMP_LE] = "SCMP_CMP_LE",
	[ROCI_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
	[ROCI_SCMP_CMP_GE] = "SCMP_CMP_GE",
	[ROCI_SCMP_CMP_GT] = "SCMP_CMP_GT",
	[ROCI_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const struct { const char *name; unsigned bit; } flag_names[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", ROCI_SECCOMP_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", ROCI_SECCOMP_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", ROCI_SECCOMP_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", ROCI_SECCOMP_FLAG_WAIT_KILLABLE_RECV },
};

static const char *const arch_names[] = {
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

const char *roci_seccomp_action_name(enum roci_seccomp_action a)
{
	return (unsigned)a < ROCI_SCMP_ACT_COUNT ? action_names[a] : NULL;
}

const char *roci_seccomp_op_name(enum roci_seccomp_op op)
{
	return (unsigned)op < ROCI_SCMP_CMP_COUNT ? op_names[op] : NULL;
}

const char *roci_seccomp_flag_name(size_t i, unsigned *bit)
{
	if (i >= ARRAY_SIZE(flag_names))
		return NULL;
	if (bit)
		*bit = flag_names[i].bit;
	return flag_names[i].name;
}

const char *roci_seccomp_arch_name(size_t i)
{
	return i < ARRAY_SIZE(arch_names) ? arch_names[i] : NULL;
}

/* A required string member that must be one of names[0..n). */
static int get_enum(const json_t *obj, const char *key, const char *path, const char *const *names,
		    size_t n, bool required, int *out, struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	if (!v) {
		if (required)
			return roci_failx(err, EINVAL, "config.json: %s: required", path);
		return 0;
	}
	if (!json_is_string(v))
		return roci_json_type_err(err, path, "a string", v);
	for (size_t i = 0; i < n; i++) {
		if (names[i] && !strcmp(names[i], json_string_value(v))) {
			*out = (int)i;
			return 1;
		}
	}
	return roci_failx(err, EINVAL, "config.json: %s: unknown value \"%s\"", path, json_string_value(v));
}

static int get_errno_ret(const json_t *obj, const char *key, const char *path, bool *present,
			 uint32_t *out, struct roci_err *err)
{
	long long x = 0;
	int r = roci_json_int(obj, key, path, 0, 4095, present, &x, err);
	*out = (uint32_t)x;
	return r;
}

static bool action_takes_errno(enum roci_seccomp_action a)
{
	return a == ROCI_SCMP_ACT_ERRNO || a == ROCI_SCMP_ACT_TRACE;
}

static int parse_seccomp_args(const json_t *rj, const char *path, struct roci_seccomp_rule *rule,
			      struct roci_err *err)
{
	json_t *aj = roci_json_member(rj, "args");
	if (!aj)
		return 0;
	char pp[192];
	snprintf(pp, sizeof(pp), "%s.args", path);
	if (!json_is_array(aj))
		return roci_json_type_err(err, pp, "an array", aj);
	size_t n = json_array_size(aj);
	if (n > 6 * 8)
		return roci_failx(err, E2BIG, "config.json: %s: too many conditions", pp);
	rule->args = calloc(n ? n : 1, sizeof(*rule->args));
	if (!rule->args)
		return roci_fail(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(aj, i);
		char ap[224], fp[256];
		snprintf(ap, sizeof(ap), "%s[%zu]", pp, i);
		if (!json_is_object(e))
			return roci_json_type_err(err, ap, "an object", e);
		struct roci_seccomp_arg *a = &rule->args[i];
		long long idx = 0;
		bool present;
		int r, op = 0;
		snprintf(fp, sizeof(fp), "%s.index", ap);
		if ((r = roci_json_int(e, "index", fp, 0, 5, &present, &idx, err)) < 0)
			return r;
		if (!present)
			return roci_failx(err, EINVAL, "config.json: %s: required", fp);
		a->index = (unsigned)idx;
		snprintf(fp, sizeof(fp), "%s.value", ap);
		if ((r = roci_json_u64(e, "value", fp, &present, &a->value, err)) < 0)
			return r;
		if (!present)
			return roci_failx(err, EINVAL, "config.json: %s: required", fp);
		snprintf(fp, sizeof(fp), "%s.valueTwo", ap);
		if ((r = roci_json_u64(e, "valueTwo", fp, NULL, &a->value_two, err)) < 0)
			return r;
		snprintf(fp, sizeof(fp), "%s.op", ap);
		if ((r = get_enum(e, "op", fp, op_names, ROCI_SCMP_CMP_COUNT, true, &op, err)) < 0)
			return r;
		a->op = (enum roci_seccomp_op)op;
		rule->n_args++;
	}
	return 0;
}

static int parse_seccomp_rule(const json_t *rj, const char *path, struct roci_seccomp_rule *rule,
			      struct roci_err *err)
{
	if (!json_is_object(rj))
		return roci_json_type_err(err, path, "an object", rj);
	char pp[192];
	int r, act = 0;
	snprintf(pp, sizeof(pp), "%s.names", path);
	if ((r = roci_json_strv(rj, "names", pp, &rule->names, &rule->n_names, err)) < 0)
		return r;
	if (!rule->n_names)
		return roci_failx(err, EINVAL, "config.json: %s: at least one name is required", pp);
	for (size_t i = 0; i < rule->n_names; i++)
		if (!rule->names[i][0])
			return roci_failx(err, EINVAL, "config.json: %s[%zu]: empty syscall name", pp, i);
	snprintf(pp, sizeof(pp), "%s.action", path);
	if ((r = get_enum(rj, "action", pp, action_names, ROCI_SCMP_ACT_COUNT, true, &act, err)) < 0)
		return r;
	rule->action = (enum roci_seccomp_action)act;
	snprintf(pp, sizeof(pp), "%s.errnoRet", path);
	if ((r = get_errno_ret(rj, "errnoRet", pp, &rule->has_errno, &rule->errno_ret, err)) < 0)
		return r;
	if (rule->has_errno && !action_takes_errno(rule->action))
		return roci_failx(err, EINVAL, "config.json: %s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", pp);
	return parse_seccomp_args(rj, path, rule, err);
}

int roci_config_parse_seccomp(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *sj;
	int r = roci_json_object(lj, "seccomp", "linux.seccomp", &sj, err);
	if (r < 0 || !sj)
		return r;
	struct roci_seccomp *s = calloc(1, sizeof(*s));
	if (!s)
		return roci_fail(err, ENOMEM, "config.json");
	c->seccomp = s;
	int act = 0;
	if ((r = get_enum(sj, "defaultAction", "linux.seccomp.defaultAction", action_names,
			  ROCI_SCMP_ACT_COUNT, true, &act, err)) < 0)
		return r;
	s->default_action = (enum roci_seccomp_action)act;
	if (s->default_action == ROCI_SCMP_ACT_NOTIFY)
		return roci_failx(err, EINVAL, "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	if ((r = get_errno_ret(sj, "defaultErrnoRet", "linux.seccomp.defaultErrnoRet",
			       &s->has_default_errno, &s->default_errno, err)) < 0)
		return r;
	if (s->has_default_errno && !action_takes_errno(s->default_action))
		return roci_failx(err, EINVAL, "config.json: linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");

	if ((r = roci_json_strv(sj, "architectures", "linux.seccomp.architectures",
				&s->architectures, &s->n_architectures, err)) < 0)
		return r;
	for (size_t i = 0; i < s->n_architectures; i++) {
		bool known = false;
		for (size_t k = 0; k < ARRAY_SIZE(arch_names); k++)
			known |= !strcmp(arch_names[k], s->architectures[i]);
		if (!known)
			return roci_failx(err, EINVAL, "config.json: linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
					  i, s->architectures[i]);
	}
	_cleanup_strv_ char **flags = NULL;
	size_t n_flags = 0;
	if ((r = roci_json_strv(sj, "flags", "linux.seccomp.flags", &flags, &n_flags, err)) < 0)
		return r;
	for (size_t i = 0; i < n_flags; i++) {
		bool known = false;
		for (size_t k = 0; k < ARRAY_SIZE(flag_names); k++) {
			if (!strcmp(flag_names[k].name, flags[i])) {
				s->flags |= flag_names[k].bit;
				known = true;
			}
		}
		if (!known)
			return roci_failx(err, EINVAL, "config.json: linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, flags[i]);
	}
	if ((r = roci_json_string(sj, "listenerPath", "linux.seccomp.listenerPath", &s->listener_path, err)) < 0)
		return r;
	if ((r = roci_json_string(sj, "listenerMetadata", "linux.seccomp.listenerMetadata",
				  &s->listener_metadata, err)) < 0)
		return r;
	if (s->listener_path && s->listener_path[0] != '/')
		return roci_failx(err, EINVAL, "config.json: linux.seccomp.listenerPath: must be an absolute path");

	json_t *rules = roci_json_member(sj, "syscalls");
	if (rules) {
		if (!json_is_array(rules))
			return roci_json_type_err(err, "linux.seccomp.syscalls", "an array", rules);
		size_t n = json_array_size(rules);
		if (n > MAX_SECCOMP_RULES)
			return roci_failx(err, E2BIG, "config.json: linux.seccomp.syscalls: too many entries (%zu)", n);
		s->rules = calloc(n ? n : 1, sizeof(*s->rules));
		if (!s->rules)
			return roci_fail(err, ENOMEM, "config.json");
		for (size_t i = 0; i < n; i++) {
			char p[64];
			snprintf(p, sizeof(p), "linux.seccomp.syscalls[%zu]", i);
			s->n_rules = i + 1;
			if ((r = parse_seccomp_rule(json_array_get(rules, i), p, &s->rules[i], err)) < 0)
				return r;
			if (s->rules[i].action == ROCI_SCMP_ACT_NOTIFY) {
				s->uses_notify = true;
				/* The init hands the listener fd over with
				 * sendmsg(2): notifying it would deadlock. */
				for (size_t k = 0; k < s->rules[i].n_names; k++)
					if (!strcmp(s->rules[i].names[k], "sendmsg"))
						return roci_failx(err, EINVAL, "config.json: %s: SCMP_ACT_NOTIFY cannot be used for sendmsg", p);
			}
		}
	}
	if (s->uses_notify && !s->listener_path)
		return roci_failx(err, EINVAL, "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
	return 0;
}

/* A sysctl name: dot- or slash-separated components, none empty, "." or
 * "..", nothing that could leave /proc/sys. */
static bool sysctl_key_ok(const char *k)
{
	if (!*k || strlen(k) > 255)
		return false;
	const char *p = k;
	while (*p) {
		size_t n = strcspn(p, "./");
		if (n == 0)
			return false;
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x21 || p[i] == 0x7f)
				return false;
		p += n;
		if (*p) {
			p++;
			if (!*p)
				return false;
		}
	}
	return true;
}

int roci_config_parse_sysctl(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *sj;
	int r = roci_json_object(lj, "sysctl", "linux.sysctl", &sj, err);
	if (r < 0 || !sj)
		return r;
	size_t n = json_object_size(sj);
	if (n > MAX_SYSCTLS)
		return roci_failx(err, E2BIG, "config.json: linux.sysctl: too many entries (%zu)", n);
	c->sysctls = calloc(n ? n : 1, sizeof(*c->sysctls));
	if (!c->sysctls)
		return roci_fail(err, ENOMEM, "config.json");
	const char *key;
	json_t *v;
	json_object_foreach(sj, key, v) {
		char p[300];
		snprintf(p, sizeof(p), "linux.sysctl.%s", key);
		if (!sysctl_key_ok(key))
			return roci_failx(err, EINVAL, "config.json: linux.sysctl: invalid name \"%s\"", key);
		struct roci_sysctl *e = &c->sysctls[c->n_sysctls];
		if ((r = roci_json_dup_string(v, p, &e->value, err)) < 0)
			return r;
		if (!(e->key = strdup(key)))
			return roci_fail(err, ENOMEM, "config.json");
		c->n_sysctls++;
	}
	return 0;
}

int roci_config_parse_personality(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *pj;
	int r = roci_json_object(lj, "personality", "linux.personality", &pj, err);
	if (r < 0 || !pj)
		return r;
	static const char *const domains[] = { "LINUX", "LINUX32" };
	int d = 0;
	if ((r = get_enum(pj, "domain", "linux.personality.domain", domains, ARRAY_SIZE(domains), true, &d, err)) < 0)
		return r;
	_cleanup_strv_ char **flags = NULL;
	size_t n_flags = 0;
	if ((r = roci_json_strv(pj, "flags", "linux.personality.flags", &flags, &n_flags, err)) < 0)
		return r;
	if (n_flags)
		return roci_failx(err, EINVAL, "config.json: linux.personality.flags[0]: unsupported flag \"%s\"", flags[0]);
	c->has_personality = true;
	c->personality = d == 0 ? PER_LINUX : PER_LINUX32;
	return 0;
}

static int parse_scheduler(const json_t *pj, struct roci_scheduler *s, struct roci_err *err)
{
	json_t *sj;
	int r = roci_json_object(pj, "scheduler", "process.scheduler", &sj, err);
	if (r < 0 || !sj)
		return r;
	static const char *const policies[] = {
		"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
		"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
	};
	static const char *const flag_list[] = {
		"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
		"SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
		"SCHED_FLAG_UTIL_CLAMP_MAX",
	};
	int pol = 0;
	if ((r = get_enum(sj, "policy", "process.scheduler.policy", policies, ARRAY_SIZE(policies), true, &pol, err)) < 0)
		return r;
	s->policy = (unsigned)pol; /* the table is in SCHED_* order */
	long long x = 0;
	if ((r = roci_json_int(sj, "nice", "process.scheduler.nice", -20, 19, NULL, &x, err)) < 0)
		return r;
	s->nice = (int)x;
	x = 0;
	if ((r = roci_json_int(sj, "priority", "process.scheduler.priority", 0, 99, NULL, &x, err)) < 0)
		return r;
	s->priority = (unsigned)x;
	if ((pol == 1 || pol == 2) && s->priority == 0)
		return roci_failx(err, EINVAL, "config.json: process.scheduler.priority: %s needs a priority from 1 to 99", policies[pol]);
	if (!(pol == 1 || pol == 2) && s->priority != 0)
		return roci_failx(err, EINVAL, "config.json: process.scheduler.priority: only valid with SCHED_FIFO or SCHED_RR");
	_cleanup_strv_ char **flags = NULL;
	size_t n_flags = 0;
	if ((r = roci_json_strv(sj, "flags", "process.scheduler.flags", &flags, &n_flags, err)) < 0)
		return r;
	for (size_t i = 0; i < n_flags; i++) {
		size_t k = 0;
		while (k < ARRAY_SIZE(flag_list) && strcmp(flag_list[k], flags[i]))
			k++;
		if (k == ARRAY_SIZE(flag_list))
			return roci_failx(err, EINVAL, "config.json: process.scheduler.flags[%zu]: unknown flag \"%s\"", i, flags[i]);
		s->flags |= 1ULL << k; /* SCHED_FLAG_* bits are in table order */
	}
	if ((r = roci_json_u64(sj, "runtime", "process.scheduler.runtime", NULL, &s->runtime, err)) < 0 ||
	    (r = roci_json_u64(sj, "deadline", "process.scheduler.deadline", NULL, &s->deadline, err)) < 0 ||
	    (r = roci_json_u64(sj, "period", "process.scheduler.period", NULL, &s->period, err)) < 0)
		return r;
	if (pol == 6 && (!s->runtime || !s->deadline))
		return roci_failx(err, EINVAL, "config.json: process.scheduler: SCHED_DEADLINE needs runtime and deadline");
	s->present = true;
	return 0;
}

static int parse_io_priority(const json_t *pj, struct roci_io_priority *io, struct roci_err *err)
{
	json_t *ij;
	int r = roci_json_object(pj, "ioPriority", "process.ioPriority", &ij, err);
	if (r < 0 || !ij)
		return r;
	static const char *const classes[] = { NULL, "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE" };
	int cls = 0;
	if ((r = get_enum(ij, "class", "process.ioPriority.class", classes, ARRAY_SIZE(classes), true, &cls, err)) < 0)
		return r;
	long long prio = 0;
	bool present;
	if ((r = roci_json_int(ij, "priority", "process.ioPriority.priority", 0, 7, &present, &prio, err)) < 0)
		return r;
	io->class = cls; /* table index == IOPRIO_CLASS_* value */
	io->priority = (int)prio;
	io->present = true;
	return 0;
}

static int parse_cpu_list(const json_t *aj, const char *key, char **out, struct roci_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "process.execCPUAffinity.%s", key);
	int r = roci_json_string(aj, key, path, out, err);
	if (r < 0 || !*out)
		return r;
	r = roci_cpulist_parse(*out, NULL, 0);
	if (r == -ERANGE)
		return roci_failx(err, ERANGE, "config.json: %s: CPU number out of range in \"%s\"", path, *out);
	if (r < 0)
		return roci_failx(err, EINVAL, "config.json: %s: invalid CPU list \"%s\"", path, *out);
	return 0;
}

int roci_config_parse_sched(const json_t *pj, struct roci_process *p, struct roci_err *err)
{
	int r = parse_scheduler(pj, &p->scheduler, err);
	if (r < 0)
		return r;
	if ((r = parse_io_priority(pj, &p->io_priority, err)) < 0)
		return r;
	json_t *aj;
	if ((r = roci_json_object(pj, "execCPUAffinity", "process.execCPUAffinity", &aj, err)) < 0 || !aj)
		return r;
	if ((r = parse_cpu_list(aj, "initial", &p->cpu_affinity_initial, err)) < 0)
		return r;
	return parse_cpu_list(aj, "final", &p->cpu_affinity_final, err);
}

void roci_config_free_security(struct roci_config *c)
{
	struct roci_seccomp *s = c->seccomp;
	if (s) {
		for (size_t i = 0; i < s->n_rules; i++) {
			roci_strv_free(s->rules[i].names);
			free(s->rules[i].args);
		}
		free(s->rules);
		roci_strv_free(s->architectures);
		free(s->listener_path);
		free(s->listener_metadata);
		free(s);
		c->seccomp = NULL;
	}
	for (size_t i = 0; i < c->n_sysctls; i++) {
		free(c->sysctls[i].key);
		free(c->sysctls[i].value);
	}
	free(c->sysctls);
	c->sysctls = NULL;
	c->n_sysctls = 0;
}
