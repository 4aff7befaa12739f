/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the systemd driver's unit names, slice paths and the unit
 * properties made from linux.resources and annotations. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup/cgroup_internal.h"
#include "oci/resources.h"
#include "tap.h"

static void names(const char *path, const char *unit, const char *slice, const char *cg)
{
	char *u, *s, *c;
	struct roci_err err = { 0 };
	int r = roci_systemd_names(path, "ctr", &u, &s, &c, &err);
	ok(r == 0, "names of \"%s\"", path ? path : "(none)");
	if (r < 0) {
		printf("#   %s\n", err.msg);
		return;
	}
	is_str(u, unit, "  unit %s", unit);
	is_str(s, slice, "  slice %s", slice);
	is_str(c, cg, "  cgroup %s", cg);
	free(u);
	free(s);
	free(c);
}

static void bad_names(const char *path, const char *msg)
{
	char *u, *s, *c;
	struct roci_err err = { 0 };
	int r = roci_systemd_names(path, "ctr", &u, &s, &c, &err);
	ok(r < 0 && strstr(err.msg, msg), "refused \"%s\"", path);
	if (r == 0) {
		free(u);
		free(s);
		free(c);
	} else if (!strstr(err.msg, msg)) {
		printf("#   got: %s\n", err.msg);
	}
}

static void naming(void)
{
	names(NULL, "roci-ctr.scope", "system.slice", "/system.slice/roci-ctr.scope");
	names("", "roci-ctr.scope", "system.slice", "/system.slice/roci-ctr.scope");
	names("machine.slice:libpod:abc", "libpod-abc.scope", "machine.slice", "/machine.slice/libpod-abc.scope");
	names("system.slice:cri-containerd:x1", "cri-containerd-x1.scope", "system.slice",
	      "/system.slice/cri-containerd-x1.scope");
	names(":p:n", "p-n.scope", "system.slice", "/system.slice/p-n.scope");
	names("a-b-c.slice::n", "n.scope", "a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice/n.scope");
	names("-:p:n", "p-n.scope", "-.slice", "/p-n.scope");
	names("system.slice:p:sub-x.slice", "sub-x.slice", "system.slice", "/sub.slice/sub-x.slice");
	bad_names("bad", "expected \"slice:prefix:name\"");
	bad_names("a:b", "expected \"slice:prefix:name\"");
	bad_names("a:b:c:d", "expected \"slice:prefix:name\"");
	bad_names("system.slice:p:", "name part is empty");
	bad_names("system:p:n", "not a slice name");
	bad_names("a/b.slice:p:n", "not a slice name");
	bad_names("-a.slice:p:n", "bad use of \"-\"");
	bad_names("a--b.slice:p:n", "bad use of \"-\"");
	bad_names("system.slice:p:a/b", "not a valid unit name");
	bad_names("system.slice:p:a b", "not a valid unit name");
	/* what the state file would then refuse to stop */
	bad_names("::-x", "not a valid unit name");
	bad_names("system.slice:p:-.slice", "not a valid unit name");

	char out[256];
	struct roci_err err = { 0 };
	ok(roci_systemd_slice_path("-.slice", out, sizeof(out), &err) == 0 && !out[0], "-.slice is the root");
	ok(roci_systemd_slice_path("user-1000.slice", out, sizeof(out), &err) == 0 &&
	   !strcmp(out, "/user.slice/user-1000.slice"), "user-1000.slice under user.slice");
}

static const struct roci_sd_prop *find(const struct roci_sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

static void has_num(const struct roci_sd_props *p, const char *name, const char *sig, uint64_t v)
{
	const struct roci_sd_prop *e = find(p, name);
	ok(e && !strcmp(e->sig, sig) && e->u == v, "%s %s %llu", name, sig, (unsigned long long)v);
	if (e && (strcmp(e->sig, sig) || e->u != v))
		printf("#   got %s %llu\n", e->sig, (unsigned long long)e->u);
}

static int props_of(const char *json, bool v2, unsigned version, struct roci_sd_props *p,
		    struct roci_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(json, 0, &je);
	struct roci_resources res;
	int r = roci_resources_parse(doc, "linux.resources", &res, err);
	json_decref(doc);
	if (r < 0)
		return r;
	memset(p, 0, sizeof(*p));
	r = roci_systemd_resource_props(&res, v2, version, p, err);
	roci_resources_free(&res);
	return r;
}

static void resources(void)
{
	struct roci_sd_props p;
	struct roci_err err = { 0 };
	const char *all = "{\"memory\":{\"limit\":1048576,\"reservation\":524288,\"swap\":2097152},"
			  "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"cpus\":\"0,2-3\",\"mems\":\"0\"},"
			  "\"pids\":{\"limit\":42},\"blockIO\":{\"weight\":300}}";
	ok(props_of(all, true, 252, &p, &err) == 0, "v2 properties");
	has_num(&p, "MemoryMax", "t", 1048576);
	has_num(&p, "MemoryLow", "t", 524288);
	has_num(&p, "MemorySwapMax", "t", 1048576);
	has_num(&p, "CPUWeight", "t", 39);
	has_num(&p, "CPUQuotaPerSecUSec", "t", 500000);
	has_num(&p, "CPUQuotaPeriodUSec", "t", 100000);
	has_num(&p, "TasksMax", "t", 42);
	const struct roci_sd_prop *cpus = find(&p, "AllowedCPUs");
	ok(cpus && !strcmp(cpus->sig, "ay") && cpus->n_bytes == 1 && cpus->bytes[0] == 0x0d,
	   "AllowedCPUs 0,2-3 is the bitmask 0x0d");
	ok(!find(&p, "BlockIOWeight"), "no BlockIOWeight on v2");
	roci_sd_props_free(&p);

	ok(props_of(all, false, 252, &p, &err) == 0, "v1 properties");
	has_num(&p, "MemoryLimit", "t", 1048576);
	has_num(&p, "CPUShares", "t", 1024);
	has_num(&p, "BlockIOWeight", "t", 300);
	ok(!find(&p, "MemoryMax") && !find(&p, "MemorySwapMax") && !find(&p, "CPUWeight"), "no v2 names on v1");
	roci_sd_props_free(&p);

	ok(props_of(all, true, 241, &p, &err) == 0, "an old systemd");
	ok(!find(&p, "AllowedCPUs") && !find(&p, "CPUQuotaPeriodUSec"), "no AllowedCPUs (244) or period (242)");
	roci_sd_props_free(&p);

	ok(props_of("{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":-1},\"cpu\":{\"quota\":-1}}", true, 252, &p, &err) == 0,
	   "unlimited");
	has_num(&p, "MemoryMax", "t", UINT64_MAX);
	has_num(&p, "TasksMax", "t", UINT64_MAX);
	has_num(&p, "CPUQuotaPerSecUSec", "t", UINT64_MAX);
	roci_sd_props_free(&p);

	ok(props_of("{\"cpu\":{\"quota\":12345,\"period\":100000}}", true, 252, &p, &err) == 0, "odd quota");
	has_num(&p, "CPUQuotaPerSecUSec", "t", 130000);
	roci_sd_props_free(&p);

	ok(props_of("{\"unified\":{\"memory.high\":\"4096\",\"pids.max\":\"max\",\"cpu.idle\":\"1\"}}", true, 252, &p, &err) == 0,
	   "unified keys");
	has_num(&p, "MemoryHigh", "t", 4096);
	has_num(&p, "TasksMax", "t", UINT64_MAX);
	ok(p.n == 2, "keys systemd has no property for are left to cgroupfs");
	roci_sd_props_free(&p);
	ok(props_of("{\"unified\":{\"memory.high\":\"lots\"}}", true, 252, &p, &err) < 0 &&
	   strstr(err.msg, "memory.high"), "a bad unified value is refused");
	roci_sd_props_free(&p);

	ok(props_of("{\"memory\":{\"limit\":4096,\"swap\":4096}}", true, 252, &p, &err) == 0, "swap equal to memory");
	has_num(&p, "MemorySwapMax", "t", 0);
	roci_sd_props_free(&p);

	ok(props_of("{}", true, 252, &p, &err) == 0 && p.n == 0, "no resources, no properties");
}

static void unit_props(void)
{
	struct roci_sd_props p = { 0 };
	struct roci_err err = { 0 };
	ok(roci_systemd_unit_props("roci-x.scope", "system.slice", "roci container x", 1234, true, &p, &err) == 0,
	   "scope properties");
	const struct roci_sd_prop *e = find(&p, "Slice");
	ok(e && !strcmp(e->s, "system.slice"), "Slice=system.slice");
	has_num(&p, "Delegate", "b", 1);
	has_num(&p, "PIDs", "au", 1234);
	has_num(&p, "DefaultDependencies", "b", 0);
	has_num(&p, "IOAccounting", "b", 1);
	has_num(&p, "TasksAccounting", "b", 1);
	roci_sd_props_free(&p);
	ok(roci_systemd_unit_props("a-b.slice", "a.slice", "d", 1, false, &p, &err) == 0, "slice properties");
	e = find(&p, "Wants");
	ok(e && !strcmp(e->sig, "as") && !strcmp(e->s, "a.slice") && !find(&p, "PIDs") && !find(&p, "Delegate"), "a slice Wants its parent");
	has_num(&p, "BlockIOAccounting", "b", 1);
	roci_sd_props_free(&p);
}

static void annotations(void)
{
	char *keys[] = { "org.systemd.property.TimeoutStopUSec", "org.systemd.property.CollectMode",
			 "org.systemd.property.CPUWeight", "org.systemd.property.SendSIGKILL",
			 "org.systemd.property.Nice", "other.key", "org.systemd.property.Nice" };
	char *vals[] = { "uint64 123456789", "'inactive-or-failed'", "@t 77", "false", "-5", "x", "int32 -7" };
	struct roci_sd_props p = { 0 };
	struct roci_err err = { 0 };
	ok(roci_systemd_annotation_props(keys, vals, 7, &p, &err) == 0, "annotations parse");
	has_num(&p, "TimeoutStopUSec", "t", 123456789);
	const struct roci_sd_prop *e = find(&p, "CollectMode");
	ok(e && !strcmp(e->sig, "s") && !strcmp(e->s, "inactive-or-failed"), "a quoted string");
	has_num(&p, "CPUWeight", "t", 77);
	has_num(&p, "SendSIGKILL", "b", 0);
	has_num(&p, "Nice", "i", (uint64_t)(int64_t)-7);
	ok(p.n == 5, "other annotations are not properties; a repeated one replaces");

	struct roci_sd_props q = { 0 };
	ok(roci_systemd_resource_props(&(struct roci_resources){ .cpu.shares = { true, 2 } }, true, 252, &q, &err) == 0 &&
	   roci_sd_props_merge(&q, &p, &err) == 0, "merge");
	has_num(&q, "CPUWeight", "t", 77);
	ok(q.n == 5, "an annotation replaces the derived property");
	roci_sd_props_free(&q);
	roci_sd_props_free(&p);

	static const struct {
		const char *key, *val, *msg;
	} bad[] = {
		{ "org.systemd.property.X", "uint64 -1", "is not a t" },
		{ "org.systemd.property.X", "uint32 4294967296", "is not a u" },
		{ "org.systemd.property.X", "byte 256", "is not a y" },
		{ "org.systemd.property.X", "[1, 2]", "cannot parse" },
		{ "org.systemd.property.X", "'unterminated", "cannot parse" },
		{ "org.systemd.property.X", "2147483648", "is not a i" },
		{ "org.systemd.property.", "1", "not a systemd property name" },
		{ "org.systemd.property.A-B", "1", "not a systemd property name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *k = (char *)bad[i].key, *v = (char *)bad[i].val;
		roci_err_clear(&err);
		int r = roci_systemd_annotation_props(&k, &v, 1, &p, &err);
		ok(r < 0 && strstr(err.msg, bad[i].msg), "refused %s=\"%s\"", k, v);
		if (r == 0 || !strstr(err.msg, bad[i].msg))
			printf("#   got: %s\n", err.msg);
		roci_sd_props_free(&p);
	}
}

int main(void)
{
	naming();
	resources();
	unit_props();
	annotations();
	return tap_done();
}
