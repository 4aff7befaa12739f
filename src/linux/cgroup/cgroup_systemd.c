/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd driver's pure part: unit names and cgroup paths from
 * cgroupsPath, and unit properties from linux.resources and annotations. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roci-config.h"
#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

#define DEFAULT_SLICE "system.slice"
#define DEFAULT_PREFIX "roci"
#define SD_INFINITY UINT64_MAX

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* Characters systemd allows in a unit name. */
static bool unit_chars_ok(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(":-_.\\@", *s))
			return false;
	return true;
}

bool roci_systemd_unit_name_ok(const char *unit)
{
	size_t n = strlen(unit), k = strlen(".scope");
	return unit_chars_ok(unit) && unit[0] != '-' && n > k &&
	       (ends_with(unit, ".scope") || ends_with(unit, ".slice"));
}

int roci_systemd_slice_path(const char *slice, char *out, size_t len, struct roci_err *err)
{
	out[0] = '\0';
	if (!ends_with(slice, ".slice") || !unit_chars_ok(slice) || strchr(slice, '@'))
		return roci_failx(err, EINVAL, "systemd slice \"%s\": not a slice name (\"NAME.slice\", no \"/\")", slice);
	size_t base = strlen(slice) - strlen(".slice");
	if (base == 1 && slice[0] == '-')
		return 0;  /* the root slice */
	if (!base || slice[0] == '-' || slice[base - 1] == '-' || strstr(slice, "--"))
		return roci_failx(err, EINVAL, "systemd slice \"%s\": bad use of \"-\"", slice);
	size_t o = 0;
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		/* every prefix ending before a dash is a parent slice */
		int k = i < base ? snprintf(out + o, len - o, "/%.*s.slice", (int)i, slice)
				 : snprintf(out + o, len - o, "/%s", slice);
		if (k < 0 || (size_t)k >= len - o)
			return roci_failx(err, ENAMETOOLONG, "systemd slice \"%s\": too long", slice);
		o += (size_t)k;
	}
	return 0;
}

int roci_systemd_names(const char *cgroups_path, const char *id, char **unit, char **slice,
		       char **cg_path, struct roci_err *err)
{
	*unit = *slice = *cg_path = NULL;
	char parts[3][256];
	if (!cgroups_path || !*cgroups_path) {
		snprintf(parts[0], sizeof(parts[0]), "%s", "");
		snprintf(parts[1], sizeof(parts[1]), "%s", DEFAULT_PREFIX);
		snprintf(parts[2], sizeof(parts[2]), "%s", id);
	} else {
		const char *c1 = strchr(cgroups_path, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':') || (size_t)(c1 - cgroups_path) >= sizeof(parts[0]) ||
		    (size_t)(c2 - c1 - 1) >= sizeof(parts[1]) || strlen(c2 + 1) >= sizeof(parts[2]))
			return roci_failx(err, EINVAL, "linux.cgroupsPath \"%s\": expected \"slice:prefix:name\" for systemd cgroups",
					  cgroups_path);
		snprintf(parts[0], sizeof(parts[0]), "%.*s", (int)(c1 - cgroups_path), cgroups_path);
		snprintf(parts[1], sizeof(parts[1]), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
		snprintf(parts[2], sizeof(parts[2]), "%s", c2 + 1);
	}
	const char *sl = !parts[0][0] ? DEFAULT_SLICE : !strcmp(parts[0], "-") ? "-.slice" : parts[0];
	if (!parts[2][0])
		return roci_failx(err, EINVAL, "linux.cgroupsPath \"%s\": the name part is empty", cgroups_path);
	char name[600], path[4096];
	bool is_slice = ends_with(parts[2], ".slice");
	if (is_slice)
		snprintf(name, sizeof(name), "%s", parts[2]);
	else
		snprintf(name, sizeof(name), "%s%s%s.scope", parts[1], parts[1][0] ? "-" : "", parts[2]);
	if (!roci_systemd_unit_name_ok(name))
		return roci_failx(err, EINVAL, "systemd unit \"%s\": not a valid unit name", name);
	int r = roci_systemd_slice_path(sl, path, sizeof(path), err);
	if (r < 0)
		return r;
	if (is_slice) {
		/* a slice's place follows from its own name */
		r = roci_systemd_slice_path(name, path, sizeof(path), err);
		if (r < 0)
			return r;
	} else {
		size_t o = strlen(path);
		snprintf(path + o, sizeof(path) - o, "/%s", name);
	}
	*unit = strdup(name);
	*slice = strdup(sl);
	*cg_path = strdup(path);
	if (!*unit || !*slice || !*cg_path) {
		free(*unit);
		free(*slice);
		free(*cg_path);
		*unit = *slice = *cg_path = NULL;
		return roci_fail(err, ENOMEM, "systemd unit name");
	}
	return 0;
}

/* ---- properties ---------------------------------------------------------- */

void roci_sd_props_free(struct roci_sd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].s);
		free(p->v[i].bytes);
		p->v[i].s = NULL;
		p->v[i].bytes = NULL;
	}
	p->n = 0;
}

/* The slot for name: the existing one (a later setting wins), or a new one. */
static struct roci_sd_prop *slot(struct roci_sd_props *p, const char *name, const char *sig,
				 struct roci_err *err)
{
	struct roci_sd_prop *e = NULL;
	for (size_t i = 0; i < p->n && !e; i++)
		if (!strcmp(p->v[i].name, name))
			e = &p->v[i];
	if (!e) {
		if (p->n == ROCI_SD_MAX_PROPS) {
			roci_failx(err, E2BIG, "systemd unit: more than %d properties", ROCI_SD_MAX_PROPS);
			return NULL;
		}
		e = &p->v[p->n++];
	} else {
		free(e->s);
		free(e->bytes);
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->sig, sizeof(e->sig), "%s", sig);
	return e;
}

static int put_num(struct roci_sd_props *p, const char *name, const char *sig, uint64_t v,
		   struct roci_err *err)
{
	struct roci_sd_prop *e = slot(p, name, sig, err);
	if (!e)
		return -E2BIG;
	e->u = v;
	return 0;
}

static int put_str(struct roci_sd_props *p, const char *name, const char *v, size_t len,
		   struct roci_err *err)
{
	struct roci_sd_prop *e = slot(p, name, "s", err);
	if (!e)
		return -E2BIG;
	if (!(e->s = strndup(v, len)))
		return roci_fail(err, ENOMEM, "systemd property %s", name);
	return 0;
}

/* AllowedCPUs / AllowedMemoryNodes: a CPU list as a little-endian bitmask. */
static int put_cpus(struct roci_sd_props *p, const char *name, const char *list, const char *field,
		    struct roci_err *err)
{
	size_t setsize = CPU_ALLOC_SIZE(ROCI_CPULIST_MAX);
	_cleanup_free_ cpu_set_t *set = CPU_ALLOC(ROCI_CPULIST_MAX);
	if (!set)
		return roci_fail(err, ENOMEM, "%s", field);
	if (roci_cpulist_parse(list, set, setsize) < 0)
		return roci_failx(err, EINVAL, "%s \"%s\": not a CPU list", field, list);
	size_t top = 0;
	for (size_t c = 0; c < ROCI_CPULIST_MAX; c++)
		if (CPU_ISSET_S(c, setsize, set))
			top = c + 1;
	struct roci_sd_prop *e = slot(p, name, "ay", err);
	if (!e)
		return -E2BIG;
	e->n_bytes = (top + 7) / 8;
	if (!(e->bytes = calloc(e->n_bytes ? e->n_bytes : 1, 1)))
		return roci_fail(err, ENOMEM, "%s", field);
	for (size_t c = 0; c < top; c++)
		if (CPU_ISSET_S(c, setsize, set))
			e->bytes[c / 8] |= (unsigned char)(1u << (c % 8));
	return 0;
}

int roci_systemd_unit_props(const char *unit, const char *slice, const char *description, pid_t pid,
			    bool v2, struct roci_sd_props *p, struct roci_err *err)
{
	int r = put_str(p, "Description", description, strlen(description), err);
	if (r < 0)
		return r;
	if (ends_with(unit, ".scope")) {
		/* the container manages its cgroup below the scope */
		if ((r = put_str(p, "Slice", slice, strlen(slice), err)) < 0 ||
		    (r = put_num(p, "Delegate", "b", 1, err)) < 0 ||
		    (r = put_num(p, "PIDs", "au", (uint64_t)pid, err)) < 0)
			return r;
	} else if (strcmp(slice, "-.slice")) {
		/* Wants= is a list: "as" with the one parent */
		if ((r = put_str(p, "Wants", slice, strlen(slice), err)) < 0)
			return r;
		snprintf(p->v[p->n - 1].sig, sizeof(p->v[0].sig), "as");
	}
	const char *const accounting[] = { "MemoryAccounting", "CPUAccounting",
					   v2 ? "IOAccounting" : "BlockIOAccounting", "TasksAccounting" };
	if ((r = put_num(p, "DefaultDependencies", "b", 0, err)) < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(accounting); i++)
		if ((r = put_num(p, accounting[i], "b", 1, err)) < 0)
			return r;
	return 0;
}

int roci_sd_props_merge(struct roci_sd_props *dst, const struct roci_sd_props *src, struct roci_err *err)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct roci_sd_prop *from = &src->v[i];
		struct roci_sd_prop *to = slot(dst, from->name, from->sig, err);
		if (!to)
			return -E2BIG;
		to->u = from->u;
		to->n_bytes = from->n_bytes;
		if ((from->s && !(to->s = strdup(from->s))) ||
		    (from->bytes && !(to->bytes = malloc(from->n_bytes ? from->n_bytes : 1))))
			return roci_fail(err, ENOMEM, "systemd property %s", from->name);
		if (from->bytes)
			memcpy(to->bytes, from->bytes, from->n_bytes);
	}
	return 0;
}

/* limit semantics of memory and pids: -1 (or below 0) is no limit */
static uint64_t limit_value(int64_t v)
{
	return v < 0 ? SD_INFINITY : (uint64_t)v;
}

/* unified keys systemd has a property for (on v2) */
static const struct {
	const char *key, *prop;
} unified_props[] = {
	{ "memory.high", "MemoryHigh" }, { "memory.low", "MemoryLow" },
	{ "memory.min", "MemoryMin" },   { "memory.max", "MemoryMax" },
	{ "memory.swap.max", "MemorySwapMax" }, { "pids.max", "TasksMax" },
};

static int unified(const struct roci_resources *res, struct roci_sd_props *p, struct roci_err *err)
{
	for (size_t i = 0; i < res->n_unified; i++) {
		for (size_t k = 0; k < ARRAY_SIZE(unified_props); k++) {
			if (strcmp(res->unified_keys[i], unified_props[k].key))
				continue;
			const char *v = res->unified_values[i];
			uint64_t n;
			char *end;
			if (!strcmp(v, "max")) {
				n = SD_INFINITY;
			} else {
				errno = 0;
				n = strtoull(v, &end, 10);
				if (errno || end == v || *end || *v == '-')
					return roci_failx(err, EINVAL, "linux.resources.unified.%s: \"%s\" is not a number or \"max\"",
							  res->unified_keys[i], v);
			}
			int r = put_num(p, unified_props[k].prop, "t", n, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int roci_systemd_resource_props(const struct roci_resources *res, bool v2, unsigned version,
				struct roci_sd_props *p, struct roci_err *err)
{
	int r = 0;
	const struct roci_opt_i64 *lim = &res->memory.limit;
	if (lim->set && lim->v && (r = put_num(p, v2 ? "MemoryMax" : "MemoryLimit", "t", limit_value(lim->v), err)) < 0)
		return r;
	if (v2 && res->memory.reservation.set && res->memory.reservation.v &&
	    (r = put_num(p, "MemoryLow", "t", limit_value(res->memory.reservation.v), err)) < 0)
		return r;
	if (v2 && res->memory.swap.set) {
		int64_t swap;
		if ((r = roci_cg_swap_to_v2(lim, &res->memory.swap, &swap, err)) < 0)
			return r;
		if (r && (r = put_num(p, "MemorySwapMax", "t", limit_value(swap), err)) < 0)
			return r;
	}
	if (res->cpu.shares.set && res->cpu.shares.v &&
	    (r = v2 ? put_num(p, "CPUWeight", "t", roci_cg_shares_to_weight(res->cpu.shares.v), err)
		    : put_num(p, "CPUShares", "t", res->cpu.shares.v, err)) < 0)
		return r;
	uint64_t period = res->cpu.period.set && res->cpu.period.v ? res->cpu.period.v : 100000;
	if (res->cpu.period.set && res->cpu.period.v && version >= 242 &&
	    (r = put_num(p, "CPUQuotaPeriodUSec", "t", period, err)) < 0)
		return r;
	if (res->cpu.quota.set && res->cpu.quota.v) {
		uint64_t per_sec = SD_INFINITY;
		if (res->cpu.quota.v > 0) {
			per_sec = (uint64_t)res->cpu.quota.v * 1000000 / period;
			/* systemd keeps whole percents of a CPU; round up */
			per_sec = (per_sec + 9999) / 10000 * 10000;
		}
		if ((r = put_num(p, "CPUQuotaPerSecUSec", "t", per_sec, err)) < 0)
			return r;
	}
	if (!v2 && res->blkio.weight.set && res->blkio.weight.v &&
	    (r = put_num(p, "BlockIOWeight", "t", res->blkio.weight.v, err)) < 0)
		return r;
	if (res->pids_limit.set && res->pids_limit.v &&
	    (r = put_num(p, "TasksMax", "t", limit_value(res->pids_limit.v), err)) < 0)
		return r;
	if (version >= 244 && res->cpu.cpus && *res->cpu.cpus &&
	    (r = put_cpus(p, "AllowedCPUs", res->cpu.cpus, "linux.resources.cpu.cpus", err)) < 0)
		return r;
	if (version >= 244 && res->cpu.mems && *res->cpu.mems &&
	    (r = put_cpus(p, "AllowedMemoryNodes", res->cpu.mems, "linux.resources.cpu.mems", err)) < 0)
		return r;
	return v2 ? unified(res, p, err) : 0;
}

/* ---- annotations: a little GVariant text --------------------------------- */

static const struct {
	const char *word, *at, *sig;
	int64_t min;
	uint64_t max;
} gv_ints[] = {
	{ "byte", "@y", "y", 0, UINT8_MAX },
	{ "int16", "@n", "n", INT16_MIN, INT16_MAX },
	{ "uint16", "@q", "q", 0, UINT16_MAX },
	{ "int32", "@i", "i", INT32_MIN, INT32_MAX },
	{ "uint32", "@u", "u", 0, UINT32_MAX },
	{ "int64", "@x", "x", INT64_MIN, INT64_MAX },
	{ "uint64", "@t", "t", 0, UINT64_MAX },
};

static int gv_int(const char *name, const char *text, const char *sig, int64_t min, uint64_t max,
		  struct roci_sd_props *p, struct roci_err *err)
{
	while (*text == ' ')
		text++;
	char *end;
	errno = 0;
	uint64_t u;
	if (*text == '-') {
		long long v = strtoll(text, &end, 0);
		if (errno || end == text || *end || v < min)
			goto bad;
		u = (uint64_t)v;
	} else {
		u = strtoull(text, &end, 0);
		if (errno || end == text || *end || u > max)
			goto bad;
	}
	return put_num(p, name, sig, u, err);
bad:
	return roci_failx(err, EINVAL, "annotation org.systemd.property.%s: \"%s\" is not a %s", name, text, sig);
}

static int gv_parse(const char *name, const char *v, struct roci_sd_props *p, struct roci_err *err)
{
	if (!strcmp(v, "true") || !strcmp(v, "false"))
		return put_num(p, name, "b", v[0] == 't', err);
	size_t n = strlen(v);
	if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0] && !memchr(v + 1, v[0], n - 2))
		return put_str(p, name, v + 1, n - 2, err);
	for (size_t i = 0; i < ARRAY_SIZE(gv_ints); i++) {
		size_t wl = strlen(gv_ints[i].word);
		const char *rest = NULL;
		if (!strncmp(v, gv_ints[i].word, wl) && v[wl] == ' ')
			rest = v + wl;
		else if (!strncmp(v, gv_ints[i].at, 2) && v[2] == ' ')
			rest = v + 2;
		if (rest)
			return gv_int(name, rest, gv_ints[i].sig, gv_ints[i].min, gv_ints[i].max, p, err);
	}
	if (isdigit((unsigned char)v[0]) || (v[0] == '-' && isdigit((unsigned char)v[1])))
		return gv_int(name, v, "i", INT32_MIN, INT32_MAX, p, err);
	return roci_failx(err, EINVAL, "annotation org.systemd.property.%s: cannot parse \"%s\" (GVariant text: true, 'text', uint64 N, ...)",
			  name, v);
}

int roci_systemd_annotation_props(char *const *keys, char *const *values, size_t n,
				  struct roci_sd_props *p, struct roci_err *err)
{
	static const char prefix[] = "org.systemd.property.";
	for (size_t i = 0; i < n; i++) {
		if (strncmp(keys[i], prefix, sizeof(prefix) - 1))
			continue;
		const char *name = keys[i] + sizeof(prefix) - 1;
		bool ok = *name && strlen(name) < sizeof(p->v[0].name);
		for (const char *c = name; ok && *c; c++)
			ok = isalnum((unsigned char)*c);
		if (!ok)
			return roci_failx(err, EINVAL, "annotation %s: not a systemd property name", keys[i]);
		int r = gv_parse(name, values[i], p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

#if !HAVE_SYSTEMD
/* A build without libsystemd: the driver is refused before anything is made. */
int roci_systemd_connect(struct roci_systemd **out, bool user, struct roci_err *err)
{
	(void)user;
	*out = NULL;
	return roci_failx(err, ENOTSUP, "--systemd-cgroup: %s",
			  ROCI_BUILT_WITHOUT("the systemd cgroup driver", "systemd"));
}

void roci_systemd_close(struct roci_systemd *sd)
{
}

unsigned roci_systemd_version(const struct roci_systemd *sd)
{
	return 0;
}

int roci_systemd_control_group(struct roci_systemd *sd, char *out, size_t len, struct roci_err *err)
{
	return roci_systemd_connect(&sd, false, err);
}

int roci_systemd_start(struct roci_systemd *sd, const char *unit, const struct roci_sd_props *props,
		       struct roci_err *err)
{
	return roci_systemd_connect(&sd, false, err);
}

int roci_systemd_set(struct roci_systemd *sd, const char *unit, const struct roci_sd_props *props,
		     struct roci_err *err)
{
	return roci_systemd_connect(&sd, false, err);
}

int roci_systemd_stop(struct roci_systemd *sd, const char *unit, struct roci_err *err)
{
	return roci_systemd_connect(&sd, false, err);
}

int roci_systemd_attach(struct roci_systemd *sd, const char *unit, pid_t pid, struct roci_err *err)
{
	return roci_systemd_connect(&sd, false, err);
}
#endif
