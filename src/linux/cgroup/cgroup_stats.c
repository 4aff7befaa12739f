/* SPDX-License-Identifier: Apache-2.0 */
/* Statistics for `events`, in runc's JSON shape, read from v1 or v2 files
 * per controller. Built with -Dstats (the minimal profile leaves it out). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

static uint64_t read_u64(const char *dir, const char *file)
{
	char buf[64];
	if (roci_cg_read(dir, file, buf, sizeof(buf)) <= 0 || !strncmp(buf, "max", 3))
		return 0;
	return strtoull(buf, NULL, 10);
}

static json_t *raw_stat(const char *dir, const char *file)
{
	char buf[8192];
	json_t *o = json_object();
	if (!o || roci_cg_read(dir, file, buf, sizeof(buf)) <= 0)
		return o;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		json_object_set_new(o, line, json_integer((json_int_t)strtoull(sp + 1, NULL, 10)));
	}
	return o;
}

static json_t *cpu_stats(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "cpu", &v2);
	if (!d) {
		d = roci_cg_find(cg, "cpuacct", &v2);
		if (!d)
			return NULL;
	}
	if (v2 || cg->mode == ROCI_CG_V2) {
		/* cpu.stat exists even without the cpu controller */
		for (size_t i = 0; i < cg->n && !v2; i++)
			if (cg->dirs[i].v2)
				d = &cg->dirs[i];
		const char *p = d->path;
		return json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}", "usage",
				 "total", (json_int_t)(roci_cg_keyed(p, "cpu.stat", "usage_usec") * 1000),
				 "kernel", (json_int_t)(roci_cg_keyed(p, "cpu.stat", "system_usec") * 1000),
				 "user", (json_int_t)(roci_cg_keyed(p, "cpu.stat", "user_usec") * 1000),
				 "throttling",
				 "periods", (json_int_t)roci_cg_keyed(p, "cpu.stat", "nr_periods"),
				 "throttled_periods", (json_int_t)roci_cg_keyed(p, "cpu.stat", "nr_throttled"),
				 "throttled_time", (json_int_t)(roci_cg_keyed(p, "cpu.stat", "throttled_usec") * 1000));
	}
	const struct roci_cg_dir *acct = roci_cg_find(cg, "cpuacct", &v2);
	json_t *percpu = json_array();
	uint64_t total = 0, user = 0, sys = 0;
	if (acct) {
		char buf[4096];
		total = read_u64(acct->path, "cpuacct.usage");
		/* cpuacct.stat is in USER_HZ ticks */
		long hz = sysconf(_SC_CLK_TCK);
		uint64_t tick_ns = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
		user = roci_cg_keyed(acct->path, "cpuacct.stat", "user") * tick_ns;
		sys = roci_cg_keyed(acct->path, "cpuacct.stat", "system") * tick_ns;
		if (roci_cg_read(acct->path, "cpuacct.usage_percpu", buf, sizeof(buf)) > 0) {
			char *save = NULL;
			for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
				json_array_append_new(percpu, json_integer((json_int_t)strtoull(w, NULL, 10)));
		}
	}
	return json_pack("{s:{s:I, s:o, s:I, s:I}, s:{s:I, s:I, s:I}}", "usage",
			 "total", (json_int_t)total, "percpu", percpu, "kernel", (json_int_t)sys,
			 "user", (json_int_t)user, "throttling",
			 "periods", (json_int_t)roci_cg_keyed(d->path, "cpu.stat", "nr_periods"),
			 "throttled_periods", (json_int_t)roci_cg_keyed(d->path, "cpu.stat", "nr_throttled"),
			 "throttled_time", (json_int_t)roci_cg_keyed(d->path, "cpu.stat", "throttled_time"));
}

static json_t *usage(uint64_t u, uint64_t max, uint64_t failcnt, uint64_t limit)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "usage", (json_int_t)u, "max_usage", (json_int_t)max,
			 "failcnt", (json_int_t)failcnt, "limit", (json_int_t)limit);
}

static json_t *memory_stats(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "memory", &v2);
	if (!d)
		return NULL;
	const char *p = d->path;
	if (v2) {
		uint64_t cur = read_u64(p, "memory.current"), swap = read_u64(p, "memory.swap.current");
		uint64_t lim = read_u64(p, "memory.max"), swlim = read_u64(p, "memory.swap.max");
		return json_pack("{s:o, s:o, s:o}", "usage",
				 usage(cur, read_u64(p, "memory.peak"), roci_cg_keyed(p, "memory.events", "max"), lim),
				 "swap", usage(cur + swap, 0, 0, lim && swlim ? lim + swlim : 0),
				 "raw", raw_stat(p, "memory.stat"));
	}
	return json_pack("{s:o, s:o, s:o, s:o}", "usage",
			 usage(read_u64(p, "memory.usage_in_bytes"), read_u64(p, "memory.max_usage_in_bytes"),
			       read_u64(p, "memory.failcnt"), read_u64(p, "memory.limit_in_bytes")),
			 "swap",
			 usage(read_u64(p, "memory.memsw.usage_in_bytes"), read_u64(p, "memory.memsw.max_usage_in_bytes"),
			       read_u64(p, "memory.memsw.failcnt"), read_u64(p, "memory.memsw.limit_in_bytes")),
			 "kernel",
			 usage(read_u64(p, "memory.kmem.usage_in_bytes"), read_u64(p, "memory.kmem.max_usage_in_bytes"),
			       read_u64(p, "memory.kmem.failcnt"), read_u64(p, "memory.kmem.limit_in_bytes")),
			 "raw", raw_stat(p, "memory.stat"));
}

static json_t *pids_stats(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "pids", &v2);
	if (!d)
		return NULL;
	return json_pack("{s:I, s:I}", "current", (json_int_t)read_u64(d->path, "pids.current"),
			 "limit", (json_int_t)read_u64(d->path, "pids.max"));
}

static void blkio_entry(json_t *arr, unsigned maj, unsigned min, const char *op, uint64_t v)
{
	json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:I}", "major", (json_int_t)maj, "minor",
					     (json_int_t)min, "op", op, "value", (json_int_t)v));
}

static json_t *blkio_stats(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "blkio", &v2);
	if (!d)
		d = roci_cg_find(cg, "io", &v2);
	if (!d)
		return NULL;
	json_t *bytes = json_array(), *ios = json_array();
	char buf[8192];
	if (v2) {
		if (roci_cg_read(d->path, "io.stat", buf, sizeof(buf)) > 0) {
			char *save = NULL;
			for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				unsigned maj, min;
				unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
				if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &maj, &min, &rb,
					   &wb, &ri, &wi) < 2)
					continue;
				blkio_entry(bytes, maj, min, "Read", rb);
				blkio_entry(bytes, maj, min, "Write", wb);
				blkio_entry(ios, maj, min, "Read", ri);
				blkio_entry(ios, maj, min, "Write", wi);
			}
		}
	} else {
		static const char *const files[2] = { "blkio.throttle.io_service_bytes_recursive",
						      "blkio.throttle.io_serviced_recursive" };
		for (int f = 0; f < 2; f++) {
			if (roci_cg_read(d->path, files[f], buf, sizeof(buf)) <= 0)
				continue;
			char *save = NULL;
			for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				unsigned maj, min;
				char op[16];
				unsigned long long v;
				if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) == 4)
					blkio_entry(f ? ios : bytes, maj, min, op, v);
			}
		}
	}
	return json_pack("{s:o, s:o}", "ioServiceBytesRecursive", bytes, "ioServicedRecursive", ios);
}

static json_t *hugetlb_stats(const struct roci_cgroup *cg)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "hugetlb", &v2);
	if (!d)
		return NULL;
	json_t *o = json_object();
	static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char f[96];
		snprintf(f, sizeof(f), "hugetlb.%s.%s", sizes[i], v2 ? "current" : "usage_in_bytes");
		if (!roci_cg_has_file(d->path, f))
			continue;
		uint64_t use = read_u64(d->path, f), max = 0, fail;
		if (v2) {
			snprintf(f, sizeof(f), "hugetlb.%s.events", sizes[i]);
			fail = roci_cg_keyed(d->path, f, "max");
		} else {
			snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", sizes[i]);
			max = read_u64(d->path, f);
			snprintf(f, sizeof(f), "hugetlb.%s.failcnt", sizes[i]);
			fail = read_u64(d->path, f);
		}
		json_object_set_new(o, sizes[i], json_pack("{s:I, s:I, s:I}", "usage", (json_int_t)use,
							   "max_usage", (json_int_t)max, "failcnt", (json_int_t)fail));
	}
	return o;
}

int roci_cgroup_stats(const struct roci_cgroup *cg, json_t **out, struct roci_err *err)
{
	json_t *o = json_object();
	if (!o)
		return roci_fail(err, ENOMEM, "stats");
	struct {
		const char *key;
		json_t *(*fn)(const struct roci_cgroup *);
	} parts[] = {
		{ "cpu", cpu_stats }, { "memory", memory_stats }, { "pids", pids_stats },
		{ "blkio", blkio_stats }, { "hugetlb", hugetlb_stats },
	};
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		json_t *v = parts[i].fn(cg);
		if (v)
			json_object_set_new(o, parts[i].key, v);
	}
	*out = o;
	return 0;
}
