/* SPDX-License-Identifier: Apache-2.0 */
/* roci update [-r FILE|-] [runc's resource flags] ID: change the resource
 * limits of a live container. -r reads a LinuxResources JSON document;
 * flags given as well override it. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "oci/resources.h"
#include "runtime/container.h"
#include "util/cleanup.h"

enum {
	O_BLKIO_WEIGHT = 256, O_CPU_PERIOD, O_CPU_QUOTA, O_CPU_BURST, O_CPU_RT_PERIOD,
	O_CPU_RT_RUNTIME, O_CPU_SHARES, O_CPU_IDLE, O_CPUSET_CPUS, O_CPUSET_MEMS, O_KMEM,
	O_KMEM_TCP, O_MEMORY, O_MEMORY_RES, O_MEMORY_SWAP, O_PIDS, O_L3, O_MEMBW,
};

/* "-1", "1024", "100k", "64m", "1.5g" is not accepted: whole numbers with
 * an optional b/k/m/g/t suffix (kb, kib... too), as docker and runc take. */
static int parse_size(const char *s, int64_t *out)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0)
		return -EINVAL;
	static const struct { const char *sfx; unsigned shift; } units[] = {
		{ "", 0 }, { "b", 0 }, { "k", 10 }, { "kb", 10 }, { "kib", 10 }, { "m", 20 },
		{ "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].sfx))
			continue;
		if (n > (INT64_MAX >> units[i].shift))
			return -ERANGE;
		*out = (int64_t)n << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

static int parse_int(const char *s, int64_t min, int64_t *out)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || end == s || *end || n < min)
		return -EINVAL;
	*out = n;
	return 0;
}

static int read_resources(const char *path, struct roci_resources *res, struct roci_err *err)
{
	json_error_t je;
	json_t *doc = !strcmp(path, "-") ? json_loadf(stdin, 0, &je) : json_load_file(path, 0, &je);
	if (!doc)
		return roci_failx(err, EINVAL, "%s: invalid JSON at line %d: %s", path, je.line, je.text);
	int r = roci_resources_parse(doc, "resources", res, err);
	json_decref(doc);
	return r;
}

static int set_flag(int opt, const char *val, struct roci_resources *res, struct roci_err *err)
{
	int64_t v = 0;
	int r = 0;
	struct roci_opt_i64 *i64 = NULL;
	struct roci_opt_u64 *u64 = NULL;
	bool size = false;
	int64_t min = 0;
	switch (opt) {
	case O_BLKIO_WEIGHT: u64 = &res->blkio.weight; break;
	case O_CPU_PERIOD: u64 = &res->cpu.period; break;
	case O_CPU_QUOTA: i64 = &res->cpu.quota; min = -1; break;
	case O_CPU_BURST: u64 = &res->cpu.burst; break;
	case O_CPU_RT_PERIOD: u64 = &res->cpu.realtime_period; break;
	case O_CPU_RT_RUNTIME: i64 = &res->cpu.realtime_runtime; min = -1; break;
	case O_CPU_SHARES: u64 = &res->cpu.shares; break;
	case O_CPU_IDLE: i64 = &res->cpu.idle; break;
	case O_KMEM: i64 = &res->memory.kernel; size = true; break;
	case O_KMEM_TCP: i64 = &res->memory.kernel_tcp; size = true; break;
	case O_MEMORY: i64 = &res->memory.limit; size = true; break;
	case O_MEMORY_RES: i64 = &res->memory.reservation; size = true; break;
	case O_MEMORY_SWAP: i64 = &res->memory.swap; size = true; break;
	case O_PIDS: i64 = &res->pids_limit; min = INT64_MIN; break;
	case O_CPUSET_CPUS:
	case O_CPUSET_MEMS: {
		char **dst = opt == O_CPUSET_CPUS ? &res->cpu.cpus : &res->cpu.mems;
		free(*dst);
		if (!(*dst = strdup(val)))
			return roci_fail(err, ENOMEM, "update");
		return 0;
	}
	case O_L3:
	case O_MEMBW:
		return roci_failx(err, ENOTSUP, "Intel RDT is not supported by roci");
	default:
		return roci_failx(err, EINVAL, "unknown option");
	}
	r = size ? parse_size(val, &v) : parse_int(val, min, &v);
	if (r < 0)
		return roci_failx(err, EINVAL, "invalid value \"%s\"", val);
	if (opt == O_CPU_IDLE && v != 0 && v != 1)
		return roci_failx(err, EINVAL, "--cpu-idle: 0 or 1");
	if (opt == O_BLKIO_WEIGHT && v && (v < 10 || v > 1000))
		return roci_failx(err, EINVAL, "--blkio-weight: between 10 and 1000");
	if (i64) {
		i64->set = true;
		i64->v = v;
	} else {
		u64->set = true;
		u64->v = (uint64_t)v;
	}
	return 0;
}

/* As with runc, a 0 (or an empty cpuset list) leaves that setting as it is:
 * callers send whole documents with zeros for what they do not change
 * (dockerd: {"memory":{"limit":0,...},"pids":{"limit":50}}). cpu.burst and
 * cpu.idle are exceptions: 0 is a value there. */
static void zero_is_unchanged(struct roci_resources *res)
{
	struct roci_opt_i64 *i64[] = { &res->memory.limit, &res->memory.reservation, &res->memory.swap,
				       &res->memory.kernel, &res->memory.kernel_tcp, &res->cpu.quota,
				       &res->cpu.realtime_runtime, &res->pids_limit };
	struct roci_opt_u64 *u64[] = { &res->cpu.shares, &res->cpu.period, &res->cpu.realtime_period,
				       &res->blkio.weight };
	for (size_t i = 0; i < ARRAY_SIZE(i64); i++)
		if (i64[i]->set && i64[i]->v == 0)
			i64[i]->set = false;
	for (size_t i = 0; i < ARRAY_SIZE(u64); i++)
		if (u64[i]->set && u64[i]->v == 0)
			u64[i]->set = false;
	char **lists[] = { &res->cpu.cpus, &res->cpu.mems };
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (*lists[i] && !**lists[i]) {
			free(*lists[i]);
			*lists[i] = NULL;
		}
}

int roci_cmd_update(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "blkio-weight", required_argument, NULL, O_BLKIO_WEIGHT },
		{ "cpu-period", required_argument, NULL, O_CPU_PERIOD },
		{ "cpu-quota", required_argument, NULL, O_CPU_QUOTA },
		{ "cpu-burst", required_argument, NULL, O_CPU_BURST },
		{ "cpu-rt-period", required_argument, NULL, O_CPU_RT_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, O_CPU_RT_RUNTIME },
		{ "cpu-share", required_argument, NULL, O_CPU_SHARES },
		{ "cpu-shares", required_argument, NULL, O_CPU_SHARES },
		{ "cpu-idle", required_argument, NULL, O_CPU_IDLE },
		{ "cpuset-cpus", required_argument, NULL, O_CPUSET_CPUS },
		{ "cpuset-mems", required_argument, NULL, O_CPUSET_MEMS },
		{ "kernel-memory", required_argument, NULL, O_KMEM },
		{ "kernel-memory-tcp", required_argument, NULL, O_KMEM_TCP },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "memory-reservation", required_argument, NULL, O_MEMORY_RES },
		{ "memory-swap", required_argument, NULL, O_MEMORY_SWAP },
		{ "pids-limit", required_argument, NULL, O_PIDS },
		{ "l3-cache-schema", required_argument, NULL, O_L3 },
		{ "mem-bw-schema", required_argument, NULL, O_MEMBW },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = "update [-r FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N] "
			    "[--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpu-burst N] "
			    "[--cpu-rt-period N] [--cpu-rt-runtime N] [--cpu-idle 0|1] [--cpuset-cpus L] "
			    "[--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID";
	/* flags are applied after -r, whatever their order; each takes at
	 * least one word of argv, so argc of them is room enough */
	struct flag { int opt; const char *val; };
	_cleanup_free_ struct flag *flags = calloc((size_t)argc + 1, sizeof(*flags));
	if (!flags)
		return roci_fail(err, ENOMEM, "update");
	size_t n_flags = 0;
	const char *file = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":r:h", opts, NULL)) != -1) {
		if (c == 'r') {
			file = optarg;
		} else if (c == 'h') {
			printf("usage: roci %s\n", usage);
			exit(0);
		} else if (c == ':') {
			return roci_failx(err, EINVAL, "option %s needs a value\nusage: roci %s", argv[optind - 1], usage);
		} else if (c == '?') {
			return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
		} else if (n_flags < (size_t)argc) {
			flags[n_flags].opt = c;
			flags[n_flags++].val = optarg;
		}
	}
	const char *id;
	int r = roci_cli_one_id(argc, argv, optind, usage, &id, err);
	if (r < 0)
		return r;
	struct roci_resources res;
	memset(&res, 0, sizeof(res));
	if (file && (r = read_resources(file, &res, err)) < 0)
		return r;
	for (size_t i = 0; i < n_flags && r == 0; i++) {
		const char *name = "?";
		for (size_t k = 0; opts[k].name; k++)
			if (opts[k].val == flags[i].opt)
				name = opts[k].name;
		r = set_flag(flags[i].opt, flags[i].val, &res, err);
		if (r < 0) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			r = roci_failx(err, -r, "--%s: %s", name, msg);
		}
	}
	if (r == 0) {
		zero_is_unchanged(&res);
		r = roci_container_update(g->root, id, &res, &g->log, err);
	}
	roci_resources_free(&res);
	return r;
}
