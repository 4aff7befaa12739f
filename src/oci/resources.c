/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources: every field checked for type and range here; whether the
 * host can apply it is decided by the cgroup code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/jsonget.h"
#include "oci/resources.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

#define MAX_RULES 4096

static const char *const throttle_names[ROCI_THROTTLE_COUNT] = {
	[ROCI_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	[ROCI_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	[ROCI_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	[ROCI_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

const char *roci_blkio_throttle_name(enum roci_blkio_throttle t)
{
	return (unsigned)t < ROCI_THROTTLE_COUNT ? throttle_names[t] : NULL;
}

int roci_hugepage_size_parse(const char *s, uint64_t *bytes)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || end == s || n == 0 || *s == '-' || *s == '+')
		return -EINVAL;
	static const struct { const char *suffix; unsigned shift; } units[] = {
		{ "B", 0 }, { "KB", 10 }, { "MB", 20 }, { "GB", 30 }, { "TB", 40 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (n & (n - 1) || n > (~0ULL >> units[i].shift))
			return -EINVAL;
		*bytes = (uint64_t)n << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

/* A child path for errors: "linux.resources.memory" + "limit". */
static char *sub(const char *path, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%s", path, key);
	return buf;
}

static int opt_i64(const json_t *o, const char *key, const char *path, long long min,
		   struct roci_opt_i64 *out, struct roci_err *err)
{
	char p[256];
	long long v = 0;
	int r = roci_json_int(o, key, sub(path, key, p, sizeof(p)), min, INT64_MAX, &out->set, &v, err);
	out->v = v;
	return r;
}

static int opt_u64(const json_t *o, const char *key, const char *path, uint64_t max,
		   struct roci_opt_u64 *out, struct roci_err *err)
{
	char p[256];
	int r = roci_json_u64(o, key, sub(path, key, p, sizeof(p)), &out->set, &out->v, err);
	if (r < 0)
		return r;
	if (out->set && out->v > max)
		return roci_failx(err, ERANGE, "config.json: %s: %llu out of range [0, %llu]", p,
				  (unsigned long long)out->v, (unsigned long long)max);
	return 0;
}

/* Member `key` of o as an array (NULL when absent), with a size cap. */
static int array_of(const json_t *o, const char *key, const char *path, json_t **out,
		    struct roci_err *err)
{
	char p[256];
	json_t *a = roci_json_member(o, key);
	*out = NULL;
	if (!a)
		return 0;
	if (!json_is_array(a))
		return roci_json_type_err(err, sub(path, key, p, sizeof(p)), "an array", a);
	if (json_array_size(a) > MAX_RULES)
		return roci_failx(err, E2BIG, "config.json: %s.%s: more than %d entries", path, key, MAX_RULES);
	*out = a;
	return 0;
}

static int element(json_t *a, size_t i, const char *path, const char *key, char *p, size_t plen,
		   json_t **out, struct roci_err *err)
{
	snprintf(p, plen, "%s.%s[%zu]", path, key, i);
	*out = json_array_get(a, i);
	if (!json_is_object(*out))
		return roci_json_type_err(err, p, "an object", *out);
	return 0;
}

static int parse_devices(const json_t *o, const char *path, struct roci_resources *r,
			 struct roci_err *err)
{
	json_t *a;
	int rc = array_of(o, "devices", path, &a, err);
	if (rc < 0 || !a)
		return rc;
	r->has_devices = true;
	r->n_devices = json_array_size(a);
	r->devices = calloc(r->n_devices ? r->n_devices : 1, sizeof(*r->devices));
	if (!r->devices)
		return roci_fail(err, ENOMEM, "%s.devices", path);
	for (size_t i = 0; i < r->n_devices; i++) {
		char p[256], q[300];
		json_t *d;
		if ((rc = element(a, i, path, "devices", p, sizeof(p), &d, err)) < 0)
			return rc;
		struct roci_dev_rule *dr = &r->devices[i];
		json_t *allow = roci_json_member(d, "allow");
		if (!allow)
			return roci_failx(err, EINVAL, "config.json: %s.allow: required", p);
		if ((rc = roci_json_bool(d, "allow", sub(p, "allow", q, sizeof(q)), &dr->allow, err)) < 0)
			return rc;
		_cleanup_free_ char *type = NULL, *access = NULL;
		if ((rc = roci_json_string(d, "type", sub(p, "type", q, sizeof(q)), &type, err)) < 0 ||
		    (rc = roci_json_string(d, "access", sub(p, "access", q, sizeof(q)), &access, err)) < 0)
			return rc;
		dr->type = type ? type[0] : 'a';
		if (type && (strlen(type) != 1 || !strchr("abc", type[0])))
			return roci_failx(err, EINVAL, "config.json: %s.type: \"%s\" is not a, b or c", p, type);
		bool has;
		long long v;
		dr->major = dr->minor = ROCI_DEV_WILDCARD;
		if ((rc = roci_json_int(d, "major", sub(p, "major", q, sizeof(q)), -1, UINT32_MAX, &has, &v, err)) < 0)
			return rc;
		if (has)
			dr->major = v;
		if ((rc = roci_json_int(d, "minor", sub(p, "minor", q, sizeof(q)), -1, UINT32_MAX, &has, &v, err)) < 0)
			return rc;
		if (has)
			dr->minor = v;
		/* canonical order r, w, m; no repeats, nothing else */
		const char *acc = access ? access : "rwm";
		bool seen[3] = { false, false, false };
		for (const char *c = acc; *c; c++) {
			const char *pos = strchr("rwm", *c);
			if (!pos || seen[pos - "rwm"])
				return roci_failx(err, EINVAL, "config.json: %s.access: \"%s\" is not a combination of r, w and m", p, acc);
			seen[pos - "rwm"] = true;
		}
		size_t k = 0;
		for (int j = 0; j < 3; j++)
			if (seen[j])
				dr->access[k++] = "rwm"[j];
		dr->access[k] = '\0';
	}
	return 0;
}

static int parse_memory(const json_t *o, const char *path, struct roci_resources *r,
			struct roci_err *err)
{
	char p[256], q[300];
	json_t *m;
	int rc = roci_json_object(o, "memory", sub(path, "memory", p, sizeof(p)), &m, err);
	if (rc < 0 || !m)
		return rc;
	if ((rc = opt_i64(m, "limit", p, -1, &r->memory.limit, err)) < 0 ||
	    (rc = opt_i64(m, "reservation", p, -1, &r->memory.reservation, err)) < 0 ||
	    (rc = opt_i64(m, "swap", p, -1, &r->memory.swap, err)) < 0 ||
	    (rc = opt_i64(m, "kernel", p, -1, &r->memory.kernel, err)) < 0 ||
	    (rc = opt_i64(m, "kernelTCP", p, -1, &r->memory.kernel_tcp, err)) < 0 ||
	    (rc = opt_u64(m, "swappiness", p, 100, &r->memory.swappiness, err)) < 0)
		return rc;
	r->memory.disable_oom_killer_set = roci_json_member(m, "disableOOMKiller") != NULL;
	r->memory.use_hierarchy_set = roci_json_member(m, "useHierarchy") != NULL;
	bool dummy;
	if ((rc = roci_json_bool(m, "disableOOMKiller", sub(p, "disableOOMKiller", q, sizeof(q)),
				 &r->memory.disable_oom_killer, err)) < 0 ||
	    (rc = roci_json_bool(m, "useHierarchy", sub(p, "useHierarchy", q, sizeof(q)), &dummy, err)) < 0 ||
	    (rc = roci_json_bool(m, "checkBeforeUpdate", sub(p, "checkBeforeUpdate", q, sizeof(q)),
				 &r->memory.check_before_update, err)) < 0)
		return rc;
	return 0;
}

static int parse_cpu(const json_t *o, const char *path, struct roci_resources *r,
		     struct roci_err *err)
{
	char p[256], q[300];
	json_t *c;
	int rc = roci_json_object(o, "cpu", sub(path, "cpu", p, sizeof(p)), &c, err);
	if (rc < 0 || !c)
		return rc;
	if ((rc = opt_u64(c, "shares", p, UINT64_MAX, &r->cpu.shares, err)) < 0 ||
	    (rc = opt_i64(c, "quota", p, -1, &r->cpu.quota, err)) < 0 ||
	    (rc = opt_u64(c, "burst", p, UINT64_MAX, &r->cpu.burst, err)) < 0 ||
	    (rc = opt_u64(c, "period", p, UINT64_MAX, &r->cpu.period, err)) < 0 ||
	    (rc = opt_i64(c, "realtimeRuntime", p, -1, &r->cpu.realtime_runtime, err)) < 0 ||
	    (rc = opt_u64(c, "realtimePeriod", p, UINT64_MAX, &r->cpu.realtime_period, err)) < 0 ||
	    (rc = opt_i64(c, "idle", p, INT64_MIN, &r->cpu.idle, err)) < 0 ||
	    (rc = roci_json_string(c, "cpus", sub(p, "cpus", q, sizeof(q)), &r->cpu.cpus, err)) < 0 ||
	    (rc = roci_json_string(c, "mems", sub(p, "mems", q, sizeof(q)), &r->cpu.mems, err)) < 0)
		return rc;
	if (r->cpu.idle.set && r->cpu.idle.v != 0 && r->cpu.idle.v != 1)
		return roci_failx(err, ERANGE, "config.json: %s.idle: must be 0 or 1", p);
	const char *lists[2] = { r->cpu.cpus, r->cpu.mems };
	const char *names[2] = { "cpus", "mems" };
	for (int i = 0; i < 2; i++) {
		/* "" leaves the parent's set */
		if (lists[i] && *lists[i] && roci_cpulist_parse(lists[i], NULL, 0) < 0)
			return roci_failx(err, EINVAL, "config.json: %s.%s: \"%s\" is not a list like 0-3,7", p,
					  names[i], lists[i]);
	}
	return 0;
}

static int parse_blkio(const json_t *o, const char *path, struct roci_resources *r,
		       struct roci_err *err)
{
	char p[256];
	json_t *b, *a;
	int rc = roci_json_object(o, "blockIO", sub(path, "blockIO", p, sizeof(p)), &b, err);
	if (rc < 0 || !b)
		return rc;
	if ((rc = opt_u64(b, "weight", p, UINT16_MAX, &r->blkio.weight, err)) < 0 ||
	    (rc = opt_u64(b, "leafWeight", p, UINT16_MAX, &r->blkio.leaf_weight, err)) < 0)
		return rc;
	if ((rc = array_of(b, "weightDevice", p, &a, err)) < 0)
		return rc;
	if (a) {
		r->blkio.n_weight_devices = json_array_size(a);
		r->blkio.weight_devices = calloc(r->blkio.n_weight_devices + 1, sizeof(*r->blkio.weight_devices));
		if (!r->blkio.weight_devices)
			return roci_fail(err, ENOMEM, "%s.weightDevice", p);
		for (size_t i = 0; i < r->blkio.n_weight_devices; i++) {
			char e[300], q[340];
			json_t *d;
			struct roci_blkio_weight_dev *w = &r->blkio.weight_devices[i];
			long long maj = 0, min = 0;
			bool hmaj, hmin;
			if ((rc = element(a, i, p, "weightDevice", e, sizeof(e), &d, err)) < 0 ||
			    (rc = roci_json_int(d, "major", sub(e, "major", q, sizeof(q)), 0, UINT32_MAX, &hmaj, &maj, err)) < 0 ||
			    (rc = roci_json_int(d, "minor", sub(e, "minor", q, sizeof(q)), 0, UINT32_MAX, &hmin, &min, err)) < 0 ||
			    (rc = opt_u64(d, "weight", e, UINT16_MAX, &w->weight, err)) < 0 ||
			    (rc = opt_u64(d, "leafWeight", e, UINT16_MAX, &w->leaf_weight, err)) < 0)
				return rc;
			if (!hmaj || !hmin)
				return roci_failx(err, EINVAL, "config.json: %s: major and minor are required", e);
			w->major = maj;
			w->minor = min;
		}
	}
	for (int t = 0; t < ROCI_THROTTLE_COUNT; t++) {
		if ((rc = array_of(b, throttle_names[t], p, &a, err)) < 0)
			return rc;
		if (!a)
			continue;
		size_t n = json_array_size(a);
		r->blkio.throttle[t] = calloc(n + 1, sizeof(**r->blkio.throttle));
		if (!r->blkio.throttle[t])
			return roci_fail(err, ENOMEM, "%s.%s", p, throttle_names[t]);
		r->blkio.n_throttle[t] = n;
		for (size_t i = 0; i < n; i++) {
			char e[300], q[340];
			json_t *d;
			long long maj = 0, min = 0;
			bool hmaj, hmin, hrate;
			struct roci_blkio_rate_dev *rd = &r->blkio.throttle[t][i];
			if ((rc = element(a, i, p, throttle_names[t], e, sizeof(e), &d, err)) < 0 ||
			    (rc = roci_json_int(d, "major", sub(e, "major", q, sizeof(q)), 0, UINT32_MAX, &hmaj, &maj, err)) < 0 ||
			    (rc = roci_json_int(d, "minor", sub(e, "minor", q, sizeof(q)), 0, UINT32_MAX, &hmin, &min, err)) < 0 ||
			    (rc = roci_json_u64(d, "rate", sub(e, "rate", q, sizeof(q)), &hrate, &rd->rate, err)) < 0)
				return rc;
			if (!hmaj || !hmin || !hrate)
				return roci_failx(err, EINVAL, "config.json: %s: major, minor and rate are required", e);
			rd->major = maj;
			rd->minor = min;
		}
	}
	return 0;
}

static int parse_hugepages(const json_t *o, const char *path, struct roci_resources *r,
			   struct roci_err *err)
{
	json_t *a;
	int rc = array_of(o, "hugepageLimits", path, &a, err);
	if (rc < 0 || !a)
		return rc;
	r->n_hugepages = json_array_size(a);
	r->hugepages = calloc(r->n_hugepages + 1, sizeof(*r->hugepages));
	if (!r->hugepages)
		return roci_fail(err, ENOMEM, "%s.hugepageLimits", path);
	for (size_t i = 0; i < r->n_hugepages; i++) {
		char e[300], q[340];
		json_t *d;
		bool has;
		uint64_t bytes;
		struct roci_hugepage_limit *h = &r->hugepages[i];
		if ((rc = element(a, i, path, "hugepageLimits", e, sizeof(e), &d, err)) < 0 ||
		    (rc = roci_json_string(d, "pageSize", sub(e, "pageSize", q, sizeof(q)), &h->page_size, err)) < 0 ||
		    (rc = roci_json_u64(d, "limit", sub(e, "limit", q, sizeof(q)), &has, &h->limit, err)) < 0)
			return rc;
		if (!h->page_size || !has)
			return roci_failx(err, EINVAL, "config.json: %s: pageSize and limit are required", e);
		if (roci_hugepage_size_parse(h->page_size, &bytes) < 0)
			return roci_failx(err, EINVAL, "config.json: %s.pageSize: \"%s\" is not a page size like 2MB",
					  e, h->page_size);
	}
	return 0;
}

static int parse_network(const json_t *o, const char *path, struct roci_resources *r,
			 struct roci_err *err)
{
	char p[256];
	json_t *n, *a;
	int rc = roci_json_object(o, "network", sub(path, "network", p, sizeof(p)), &n, err);
	if (rc < 0 || !n)
		return rc;
	if ((rc = opt_u64(n, "classID", p, UINT32_MAX, &r->network.class_id, err)) < 0 ||
	    (rc = array_of(n, "priorities", p, &a, err)) < 0 || !a)
		return rc;
	r->network.n_priorities = json_array_size(a);
	r->network.priorities = calloc(r->network.n_priorities + 1, sizeof(*r->network.priorities));
	if (!r->network.priorities)
		return roci_fail(err, ENOMEM, "%s.priorities", p);
	for (size_t i = 0; i < r->network.n_priorities; i++) {
		char e[300], q[340];
		json_t *d;
		struct roci_opt_u64 prio;
		struct roci_net_prio *np = &r->network.priorities[i];
		if ((rc = element(a, i, p, "priorities", e, sizeof(e), &d, err)) < 0 ||
		    (rc = roci_json_string(d, "name", sub(e, "name", q, sizeof(q)), &np->name, err)) < 0 ||
		    (rc = opt_u64(d, "priority", e, UINT32_MAX, &prio, err)) < 0)
			return rc;
		if (!np->name || !*np->name || strpbrk(np->name, " \n/") || !prio.set)
			return roci_failx(err, EINVAL, "config.json: %s: a valid name and a priority are required", e);
		np->priority = (uint32_t)prio.v;
	}
	return 0;
}

static int parse_rdma(const json_t *o, const char *path, struct roci_resources *r,
		      struct roci_err *err)
{
	char p[256];
	json_t *m;
	int rc = roci_json_object(o, "rdma", sub(path, "rdma", p, sizeof(p)), &m, err);
	if (rc < 0 || !m)
		return rc;
	size_t n = json_object_size(m);
	if (n > MAX_RULES)
		return roci_failx(err, E2BIG, "config.json: %s: too many devices", p);
	r->rdma = calloc(n + 1, sizeof(*r->rdma));
	if (!r->rdma)
		return roci_fail(err, ENOMEM, "%s", p);
	const char *dev;
	json_t *v;
	json_object_foreach(m, dev, v) {
		char e[300];
		snprintf(e, sizeof(e), "%s.%s", p, dev);
		struct roci_rdma_limit *rl = &r->rdma[r->n_rdma];
		if (!json_is_object(v))
			return roci_json_type_err(err, e, "an object", v);
		if (!*dev || strpbrk(dev, " \n/"))
			return roci_failx(err, EINVAL, "config.json: %s: bad device name", p);
		rl->device = strdup(dev);
		r->n_rdma++;
		if (!rl->device)
			return roci_fail(err, ENOMEM, "%s", e);
		if ((rc = opt_u64(v, "hcaHandles", e, UINT32_MAX, &rl->hca_handles, err)) < 0 ||
		    (rc = opt_u64(v, "hcaObjects", e, UINT32_MAX, &rl->hca_objects, err)) < 0)
			return rc;
	}
	return 0;
}

static int parse_unified(const json_t *o, const char *path, struct roci_resources *r,
			 struct roci_err *err)
{
	char p[256];
	json_t *m;
	int rc = roci_json_object(o, "unified", sub(path, "unified", p, sizeof(p)), &m, err);
	if (rc < 0 || !m)
		return rc;
	size_t n = json_object_size(m);
	if (n > MAX_RULES)
		return roci_failx(err, E2BIG, "config.json: %s: too many keys", p);
	r->unified_keys = calloc(n + 1, sizeof(char *));
	r->unified_values = calloc(n + 1, sizeof(char *));
	if (!r->unified_keys || !r->unified_values)
		return roci_fail(err, ENOMEM, "%s", p);
	const char *key;
	json_t *v;
	json_object_foreach(m, key, v) {
		char e[300];
		snprintf(e, sizeof(e), "%s.%s", p, key);
		/* a file directly in the container's cgroup: "<ctrl>.<name>" */
		if (!*key || strchr(key, '/') || !strchr(key, '.') || key[0] == '.')
			return roci_failx(err, EINVAL, "config.json: %s: \"%s\" is not a cgroup file name", p, key);
		if (!json_is_string(v))
			return roci_json_type_err(err, e, "a string", v);
		r->unified_keys[r->n_unified] = strdup(key);
		r->unified_values[r->n_unified] = strdup(json_string_value(v));
		r->n_unified++;
		if (!r->unified_keys[r->n_unified - 1] || !r->unified_values[r->n_unified - 1])
			return roci_fail(err, ENOMEM, "%s", e);
	}
	return 0;
}

int roci_resources_parse(const json_t *obj, const char *path, struct roci_resources *out,
			 struct roci_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return roci_json_type_err(err, path, "an object", obj);
	char p[256];
	json_t *pids;
	int rc;
	if ((rc = parse_devices(obj, path, out, err)) < 0 || (rc = parse_memory(obj, path, out, err)) < 0 ||
	    (rc = parse_cpu(obj, path, out, err)) < 0 || (rc = parse_blkio(obj, path, out, err)) < 0 ||
	    (rc = parse_hugepages(obj, path, out, err)) < 0 || (rc = parse_network(obj, path, out, err)) < 0 ||
	    (rc = parse_rdma(obj, path, out, err)) < 0 || (rc = parse_unified(obj, path, out, err)) < 0)
		goto fail;
	rc = roci_json_object(obj, "pids", sub(path, "pids", p, sizeof(p)), &pids, err);
	if (rc >= 0 && pids)
		rc = opt_i64(pids, "limit", p, INT64_MIN, &out->pids_limit, err);
	if (rc >= 0)
		return 0;
fail:
	roci_resources_free(out);
	return rc;
}

void roci_resources_free(struct roci_resources *r)
{
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_devices);
	for (int t = 0; t < ROCI_THROTTLE_COUNT; t++)
		free(r->blkio.throttle[t]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].page_size);
	free(r->hugepages);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified_keys[i]);
		free(r->unified_values[i]);
	}
	free(r->unified_keys);
	free(r->unified_values);
	memset(r, 0, sizeof(*r));
}

bool roci_resources_any(const struct roci_resources *r)
{
	const struct roci_opt_i64 *i64s[] = {
		&r->memory.limit, &r->memory.reservation, &r->memory.swap, &r->cpu.quota,
		&r->cpu.realtime_runtime, &r->cpu.idle, &r->pids_limit,
	};
	const struct roci_opt_u64 *u64s[] = {
		&r->memory.swappiness, &r->cpu.shares, &r->cpu.period, &r->cpu.burst,
		&r->cpu.realtime_period, &r->blkio.weight, &r->blkio.leaf_weight, &r->network.class_id,
	};
	for (size_t i = 0; i < ARRAY_SIZE(i64s); i++)
		if (i64s[i]->set)
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(u64s); i++)
		if (u64s[i]->set)
			return true;
	size_t throttles = 0;
	for (int t = 0; t < ROCI_THROTTLE_COUNT; t++)
		throttles += r->blkio.n_throttle[t];
	return r->memory.disable_oom_killer || (r->cpu.cpus && *r->cpu.cpus) ||
	       (r->cpu.mems && *r->cpu.mems) || r->blkio.n_weight_devices || throttles ||
	       r->n_hugepages || r->network.n_priorities || r->n_rdma || r->n_unified;
}
