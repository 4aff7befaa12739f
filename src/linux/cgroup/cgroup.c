/* SPDX-License-Identifier: Apache-2.0 */
/* The top of the cgroup subsystem: plans the container's directories in
 * every hierarchy (cgroupfs or systemd driver), creates them, applies
 * resources (dispatched to the writers of cgroup_v1.c and cgroup_v2.c,
 * the device rules to cgroup_devices.c, the unit's properties to
 * cgroup_systemd*.c) and removes them again. Joining, freezing and
 * signalling are in cgroup_procs.c, the state document in
 * cgroup_state.c; everything rests on cgroupfs.c. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/cgroup/cgroup_internal.h"
#include "roci-config.h"
#include "util/cleanup.h"
#include "util/fault.h"

/* ---- plan -------------------------------------------------------------- */

/* cgroupsPath without ".", empty components or trailing slashes; ".." refused. */
static int clean_path(const char *in, char *out, size_t len, struct roci_err *err)
{
	size_t o = 0;
	bool abs = in[0] == '/';
	out[0] = '\0';
	char buf[PATH_MAX];
	if (strlen(in) >= sizeof(buf) - 1)
		return roci_failx(err, ENAMETOOLONG, "linux.cgroupsPath: too long");
	snprintf(buf, sizeof(buf), "%s", in);
	char *save = NULL;
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, ".."))
			return roci_failx(err, EINVAL, "linux.cgroupsPath \"%s\": \"..\" is not allowed", in);
		int k = snprintf(out + o, len - o, "%s%s", (o || abs) ? "/" : "", c);
		if (k < 0 || (size_t)k >= len - o)
			return roci_failx(err, ENAMETOOLONG, "linux.cgroupsPath: too long");
		o += (size_t)k;
	}
	if (!o && abs)
		snprintf(out, len, "/");
	return 0;
}

/* The container's directory in each of the n hierarchies h for the
 * cleaned path rel. */
static int plan_dirs_in(const struct roci_cg_hier *h, size_t n, const char *rel, struct roci_cgroup *cg,
			struct roci_err *err)
{
	int r;
	cg->rel = strdup(rel);
	cg->dirs = calloc(n + 1, sizeof(*cg->dirs));
	if (!cg->rel || !cg->dirs) {
		roci_cgroup_free(cg);
		return roci_fail(err, ENOMEM, "cgroup plan");
	}
	/* a relative path is below our own cgroups: read them once */
	char proc_cgroup[8192] = "";
	if (rel[0] != '/' && (r = roci_cg_read("/proc/self", "cgroup", proc_cgroup, sizeof(proc_cgroup))) < 0) {
		roci_cgroup_free(cg);
		return roci_fail(err, -r, "read /proc/self/cgroup");
	}
	bool any_v1 = false, any_v2 = false;
	for (size_t i = 0; i < n; i++) {
		char own[PATH_MAX], path[PATH_MAX * 2];
		if (rel[0] == '/') {
			snprintf(path, sizeof(path), "%s%s", h[i].mnt, rel);
		} else {
			if (roci_cg_own_cgroup(proc_cgroup, &h[i], own, sizeof(own)) < 0)
				continue;  /* not in this hierarchy at all: leave it */
			if (h[i].v2) {
				/* our own v2 cgroup holds processes (us): its
				 * parent can still enable controllers */
				char *slash = strrchr(own, '/');
				if (slash)
					*(slash == own ? slash + 1 : slash) = '\0';
			}
			snprintf(path, sizeof(path), "%s%s/%s", h[i].mnt, strcmp(own, "/") ? own : "", rel);
		}
		struct roci_cg_dir *d = &cg->dirs[cg->n];
		d->path = strdup(path);
		d->v2 = h[i].v2;
		d->controllers = h[i].v2 ? NULL : strdup(h[i].ctrls);
		cg->n++;
		if (!d->path || (!d->v2 && !d->controllers)) {
			roci_cgroup_free(cg);
			return roci_fail(err, ENOMEM, "cgroup plan");
		}
		any_v1 |= !h[i].v2;
		any_v2 |= h[i].v2;
	}
	cg->mode = any_v1 && any_v2 ? ROCI_CG_HYBRID : any_v1 ? ROCI_CG_V1 : any_v2 ? ROCI_CG_V2 : ROCI_CG_NONE;
	return 0;
}

static int plan_dirs(const char *rel, struct roci_cgroup *cg, struct roci_err *err)
{
	struct roci_cg_hier h[ROCI_CG_MAX_HIERARCHIES];
	size_t n = 0;
	int r = roci_cg_hierarchies(h, &n);
	if (r < 0)
		return roci_fail(err, -r, "read /proc/self/mountinfo");
	r = plan_dirs_in(h, n, rel, cg, err);
	roci_cg_hierarchies_free(h, n);
	return r;
}

int roci_cgroup_plan(const char *cgroups_path, const char *id, struct roci_cgroup *cg,
		     struct roci_err *err)
{
	memset(cg, 0, sizeof(*cg));
	char rel[PATH_MAX];
	int r = clean_path(cgroups_path && *cgroups_path ? cgroups_path : id, rel, sizeof(rel), err);
	if (r < 0)
		return r;
	if (!strcmp(rel, "/"))
		return roci_failx(err, EINVAL, "linux.cgroupsPath: the root cgroup cannot be a container's");
	return plan_dirs(rel, cg, err);
}

int roci_cgroup_plan_systemd(const char *cgroups_path, const char *id, char *const *annotation_keys,
			     char *const *annotation_values, size_t n_annotations, bool user,
			     struct roci_cgroup *cg, struct roci_err *err)
{
	memset(cg, 0, sizeof(*cg));
	cg->sd_user = user;
	/* a build without the driver refuses it here, and links none of it */
	if (!HAVE_SYSTEMD)
		return roci_systemd_connect(&cg->sd, user, err);
	_cleanup_free_ char *unit = NULL, *slice = NULL, *path = NULL;
	int r = roci_systemd_names(cgroups_path, id, &unit, &slice, &path, err);
	if (r < 0)
		return r;
	if (!path[0])
		return roci_failx(err, EINVAL, "linux.cgroupsPath \"%s\": the root slice cannot be a container's", cgroups_path);
	struct roci_sd_props *extra = calloc(1, sizeof(*extra));
	if (!extra)
		return roci_fail(err, ENOMEM, "systemd properties");
	r = roci_systemd_annotation_props(annotation_keys, annotation_values, n_annotations, extra, err);
	if (r < 0) {
		roci_sd_props_free(extra);
		free(extra);
		return r;
	}
	cg->extra = extra;
	cg->unit = TAKE_PTR(unit);
	cg->slice = TAKE_PTR(slice);
	if ((r = roci_systemd_connect(&cg->sd, user, err)) < 0)
		return r;
	/* a user's systemd makes its units below its own cgroup */
	char full[PATH_MAX];
	if (user) {
		char base[PATH_MAX];
		if ((r = roci_systemd_control_group(cg->sd, base, sizeof(base), err)) < 0)
			return r;
		if (snprintf(full, sizeof(full), "%s%s", strcmp(base, "/") ? base : "", path) >= (int)sizeof(full))
			return roci_failx(err, ENAMETOOLONG, "systemd cgroup driver: cgroup path too long");
	} else {
		snprintf(full, sizeof(full), "%s", path);
	}
	if ((r = plan_dirs(full, cg, err)) < 0)
		return r;
	if (cg->mode == ROCI_CG_NONE)
		return roci_failx(err, ENOTSUP, "systemd cgroup driver: no cgroup filesystem is mounted on this host");
	return 0;
}

int roci_cgroup_dir_in_hierarchy(const struct roci_cgroup *cg, size_t i, char *out, size_t len)
{
	if (i >= cg->n)
		return -EINVAL;
	struct roci_cg_hier h[ROCI_CG_MAX_HIERARCHIES];
	size_t n = 0;
	int r = roci_cg_hierarchies(h, &n);
	if (r < 0)
		return r;
	const char *path = cg->dirs[i].path;
	r = -ENOENT;
	for (size_t k = 0; k < n && r == -ENOENT; k++) {
		size_t l = strlen(h[k].mnt);
		if (strncmp(path, h[k].mnt, l) || (path[l] != '/' && path[l]))
			continue;
		const char *root = strcmp(h[k].root, "/") ? h[k].root : "";
		r = snprintf(out, len, "%s%s", root, path[l] ? path + l : "/") < (int)len ? 0 : -ENAMETOOLONG;
	}
	roci_cg_hierarchies_free(h, n);
	return r;
}

int roci_cgroup_each_bind_source(const struct roci_cgroup *cg,
				 void (*fn)(void *arg, const char *name, const char *path), void *arg)
{
	struct roci_cg_hier h[ROCI_CG_MAX_HIERARCHIES];
	size_t n = 0;
	int r = roci_cg_hierarchies(h, &n);
	if (r < 0)
		return r;
	char proc_cgroup[8192] = "";
	roci_cg_read("/proc/self", "cgroup", proc_cgroup, sizeof(proc_cgroup));
	for (size_t k = 0; k < n; k++) {
		const char *mnt = h[k].mnt;
		if (strncmp(mnt, "/sys/fs/cgroup/", 15) || strchr(mnt + 15, '/'))
			continue;
		size_t l = strlen(mnt);
		const char *path = NULL;
		for (size_t i = 0; i < cg->n && !path; i++)
			if (!strncmp(cg->dirs[i].path, mnt, l) && (cg->dirs[i].path[l] == '/' || !cg->dirs[i].path[l]))
				path = cg->dirs[i].path;
		char own[PATH_MAX], buf[PATH_MAX * 2];
		if (!path && roci_cg_own_cgroup(proc_cgroup, &h[k], own, sizeof(own)) == 0) {
			snprintf(buf, sizeof(buf), "%s%s", mnt, strcmp(own, "/") ? own : "");
			path = buf;
		}
		if (path)
			fn(arg, mnt + 15, path);
	}
	roci_cg_hierarchies_free(h, n);
	return 0;
}

/* ---- creation ---------------------------------------------------------- */

/* v1 cpuset: a new cgroup starts with empty cpus/mems and cannot take
 * tasks; give it its parent's. A parent that is empty too (a pod cgroup
 * someone else made and never filled) gets them first, from the nearest
 * ancestor that has them: the kernel takes only a subset of the parent's. */
static int cpuset_inherit(const char *dir, unsigned depth, struct roci_err *err)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent || depth > 64)
		return 0;
	*slash = '\0';
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char cur[4096], up[4096];
		if (roci_cg_read(dir, files[i], cur, sizeof(cur)) < 0 || cur[0])
			continue;
		/* the hierarchy's root always has both; above it there is no
		 * cpuset file, and the read fails */
		if (roci_cg_read(parent, files[i], up, sizeof(up)) < 0)
			continue;
		if (!up[0]) {
			int r = cpuset_inherit(parent, depth + 1, err);
			if (r < 0)
				return r;
			if (roci_cg_read(parent, files[i], up, sizeof(up)) < 0 || !up[0])
				continue;
		}
		int r = roci_cg_write(dir, files[i], up, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* v2: enable every available controller in dir's subtree_control. */
static void v2_enable_controllers(const char *dir)
{
	char avail[512], on[512];
	if (roci_cg_read(dir, "cgroup.controllers", avail, sizeof(avail)) < 0)
		return;
	if (roci_cg_read(dir, "cgroup.subtree_control", on, sizeof(on)) < 0)
		on[0] = '\0';
	for (char *p = on; *p; p++)
		if (*p == ' ')
			*p = ',';
	char *save = NULL;
	for (char *c = strtok_r(avail, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
		if (roci_cg_in_list(on, c))
			continue;
		char plus[64];
		snprintf(plus, sizeof(plus), "+%s", c);
		struct roci_err ignored = { 0 };
		/* fails with EBUSY when dir holds processes: the controller is
		 * then missing below, and whoever needs it reports that */
		roci_cg_write(dir, "cgroup.subtree_control", plus, &ignored);
	}
}

/* A directory of d that roci just made: the first is recorded (delete
 * removes from there down), and a v1 cpuset gets its parent's values. */
static int made(struct roci_cg_dir *d, const char *dir, struct roci_err *err)
{
	if (!d->made_from && !(d->made_from = strdup(dir)))
		return roci_fail(err, ENOMEM, "cgroup");
	if (!d->v2 && roci_cg_in_list(d->controllers, "cpuset"))
		return cpuset_inherit(dir, 0, err);
	return 0;
}

/* mkdir -p that starts at the leaf: usually only the leaf is missing, so
 * this is one mkdir. Up to the deepest directory that exists, then down. */
static int make_dir(struct roci_cg_dir *d, struct roci_err *err)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", d->path);
	size_t len = strlen(buf), at = len;
	int r;
	while (mkdir(buf, 0755) < 0) {
		if (errno == EEXIST && at == len)
			return 0;
		if (errno == EEXIST)
			goto down;  /* buf exists: its child is the first to make */
		char *slash = strrchr(buf, '/');
		if (errno != ENOENT || !slash || slash == buf)
			return roci_fail(err, errno, "mkdir %s", buf);
		*slash = '\0';
		at = (size_t)(slash - buf);
	}
	if ((r = made(d, buf, err)) < 0)
		return r;
down:
	while (at < len) {
		buf[at] = '/';
		at += strlen(buf + at);
		if (mkdir(buf, 0755) == 0) {
			if ((r = made(d, buf, err)) < 0)
				return r;
		} else if (errno != EEXIST) {
			return roci_fail(err, errno, "mkdir %s", buf);
		}
	}
	return 0;
}

int roci_cgroup_make_dirs(struct roci_cgroup *cg, struct roci_err *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		int r = make_dir(&cg->dirs[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* v2: enable the controllers from the hierarchy's root down to the
 * container's parent (the ancestors that have cgroup.subtree_control). */
static void v2_enable_down_to(const char *leaf)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", leaf);
	size_t cuts[64], n = 0;
	char *slash;
	while (n < ARRAY_SIZE(cuts) && (slash = strrchr(buf, '/')) && slash != buf) {
		*slash = '\0';
		if (!roci_cg_has_file(buf, "cgroup.subtree_control"))
			break;
		cuts[n++] = strlen(buf);
	}
	snprintf(buf, sizeof(buf), "%s", leaf);
	while (n--) {
		char c = buf[cuts[n]];
		buf[cuts[n]] = '\0';
		v2_enable_controllers(buf);
		buf[cuts[n]] = c;
	}
}

/* systemd: start the unit with pid in it, then make and join what
 * systemd did not (hierarchies it does not manage), and apply resources
 * through cgroupfs too, as systemd knows only some of them. */
static int create_systemd(struct roci_cgroup *cg, pid_t pid, const struct roci_resources *res,
			  const struct roci_log *log, struct roci_err *err)
{
	if (!HAVE_SYSTEMD)
		return roci_systemd_connect(&cg->sd, cg->sd_user, err);
	bool v2 = cg->mode == ROCI_CG_V2;
	struct roci_sd_props props = { 0 };
	char desc[300];
	snprintf(desc, sizeof(desc), "roci container %s", cg->unit);
	int r = roci_systemd_unit_props(cg->unit, cg->slice, desc, pid, v2, &props, err);
	if (r >= 0)
		r = roci_systemd_resource_props(res, v2, roci_systemd_version(cg->sd), &props, err);
	/* annotations win over what roci derives */
	if (r >= 0 && cg->extra)
		r = roci_sd_props_merge(&props, cg->extra, err);
	if (r >= 0)
		r = roci_systemd_start(cg->sd, cg->unit, &props, err);
	roci_sd_props_free(&props);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n; i++) {
		if ((r = make_dir(&cg->dirs[i], err)) < 0)
			goto fail;
	}
	if ((r = roci_cgroup_enter(cg, pid, 0, err)) < 0 ||
	    (r = roci_cgroup_apply(cg, res, false, log, err)) < 0)
		goto fail;
	return 0;
fail:
	roci_cgroup_destroy(cg, 0, NULL);
	return r;
}

int roci_cgroup_create(struct roci_cgroup *cg, pid_t pid, const struct roci_resources *res,
		       const struct roci_log *log, struct roci_err *err)
{
	if (cg->unit)
		return create_systemd(cg, pid, res, log, err);
	bool wanted = roci_resources_any(res);
	if (cg->mode == ROCI_CG_NONE) {
		if (wanted)
			return roci_failx(err, ENOTSUP, "linux.resources: no cgroup filesystem is mounted on this host");
		if (res->has_devices)
			roci_debug(log, "no cgroup filesystem: device rules not applied");
		return 0;
	}
	size_t usable = 0;
	bool quiet_said = false;
	for (size_t i = 0; i < cg->n; i++) {
		struct roci_cg_dir *d = &cg->dirs[i];
		int r = make_dir(d, err);
		if (r < 0) {
			/* a read-only or foreign cgroupfs: fine when nothing
			 * needs it, as with no cgroups at all */
			if (!wanted && (err->code == EROFS || err->code == EACCES || err->code == EPERM)) {
				if (cg->rootless && !quiet_said) {
					roci_debug(log, "rootless: %s; running without the cgroups it may not make",
						   err->msg);
					quiet_said = true;
				} else if (!cg->rootless)
					roci_warn(log, "%s; running without this cgroup", err->msg);
				roci_err_clear(err);
				free(d->path);
				d->path = NULL;
				continue;
			}
			roci_cgroup_destroy(cg, 0, NULL);
			return r;
		}
		usable++;
		if (d->v2)
			v2_enable_down_to(d->path);
		ROCI_STEP("cgroup: made in %s", d->v2 ? "the unified hierarchy" : d->controllers);
	}
	/* drop the hierarchies we gave up on */
	size_t k = 0;
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].path)
			cg->dirs[k++] = cg->dirs[i];
		else
			free(cg->dirs[i].controllers);
	cg->n = k;
	if (!usable) {
		cg->mode = ROCI_CG_NONE;
		return 0;
	}
	int r = roci_cgroup_apply(cg, res, false, log, err);
	if (r < 0) {
		roci_cgroup_destroy(cg, 0, NULL);
		return r;
	}
	return 0;
}

int roci_cgroup_v2_fd(const struct roci_cgroup *cg)
{
	const struct roci_cg_dir *d = roci_cg_v2_dir(cg);
	return d ? open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
}

/* ---- resources --------------------------------------------------------- */

/* Which parts of linux.resources each controller takes. */
static bool wants_memory(const struct roci_resources *r)
{
	return r->memory.limit.set || r->memory.reservation.set || r->memory.swap.set ||
	       r->memory.swappiness.set || r->memory.disable_oom_killer_set ||
	       r->memory.kernel.set || r->memory.kernel_tcp.set;
}

static bool wants_cpu(const struct roci_resources *r)
{
	return r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set || r->cpu.burst.set ||
	       r->cpu.realtime_runtime.set || r->cpu.realtime_period.set || r->cpu.idle.set;
}

static bool wants_cpuset(const struct roci_resources *r)
{
	return (r->cpu.cpus && *r->cpu.cpus) || (r->cpu.mems && *r->cpu.mems);
}

static bool wants_pids(const struct roci_resources *r)
{
	return r->pids_limit.set;
}

static bool wants_blkio(const struct roci_resources *r)
{
	size_t n = r->blkio.n_weight_devices;
	for (int t = 0; t < ROCI_THROTTLE_COUNT; t++)
		n += r->blkio.n_throttle[t];
	return r->blkio.weight.set || r->blkio.leaf_weight.set || n;
}

static bool wants_hugetlb(const struct roci_resources *r)
{
	return r->n_hugepages;
}

static bool wants_net_cls(const struct roci_resources *r)
{
	return r->network.class_id.set;
}

static bool wants_net_prio(const struct roci_resources *r)
{
	return r->network.n_priorities;
}

static bool wants_rdma(const struct roci_resources *r)
{
	return r->n_rdma;
}

static const struct {
	const char *what;  /* for messages */
	const char *v1, *v2;  /* controller names; NULL: none on that version */
	bool (*wants)(const struct roci_resources *r);
	size_t slot;       /* offset in struct roci_cg_writers */
} parts[] = {
	{ "memory", "memory", "memory", wants_memory, offsetof(struct roci_cg_writers, memory) },
	{ "cpu", "cpu", "cpu", wants_cpu, offsetof(struct roci_cg_writers, cpu) },
	{ "cpus/mems", "cpuset", "cpuset", wants_cpuset, offsetof(struct roci_cg_writers, cpuset) },
	{ "pids", "pids", "pids", wants_pids, offsetof(struct roci_cg_writers, pids) },
	{ "blockIO", "blkio", "io", wants_blkio, offsetof(struct roci_cg_writers, blkio) },
	{ "hugepageLimits", "hugetlb", "hugetlb", wants_hugetlb, offsetof(struct roci_cg_writers, hugetlb) },
	{ "network.classID", "net_cls", NULL, wants_net_cls, offsetof(struct roci_cg_writers, net_cls) },
	{ "network.priorities", "net_prio", NULL, wants_net_prio, offsetof(struct roci_cg_writers, net_prio) },
	{ "rdma", "rdma", "rdma", wants_rdma, offsetof(struct roci_cg_writers, rdma) },
};

/* update with the systemd driver: the unit's properties first, so that
 * systemd does not later put back the old values. */
static int update_unit(const struct roci_cgroup *cg, const struct roci_resources *res,
		       struct roci_err *err)
{
	struct roci_systemd *sd = cg->sd;
	if (!HAVE_SYSTEMD)
		return roci_systemd_connect(&sd, cg->sd_user, err);
	int r = sd ? 0 : roci_systemd_connect(&sd, cg->sd_user, err);
	if (r < 0)
		return r;
	struct roci_sd_props props = { 0 };
	r = roci_systemd_resource_props(res, cg->mode == ROCI_CG_V2, roci_systemd_version(sd), &props, err);
	if (r >= 0)
		r = roci_systemd_set(sd, cg->unit, &props, err);
	roci_sd_props_free(&props);
	if (sd != cg->sd)
		roci_systemd_close(sd);
	return r;
}

int roci_cgroup_apply(const struct roci_cgroup *cg, const struct roci_resources *res, bool update,
		      const struct roci_log *log, struct roci_err *err)
{
	if (cg->mode == ROCI_CG_NONE) {
		if (roci_resources_any(res))
			return roci_failx(err, ENOTSUP, "the container has no cgroup: resources cannot be applied");
		return 0;
	}
	if (update && cg->unit) {
		int r = update_unit(cg, res, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		if (!parts[i].wants(res))
			continue;
		bool v2 = false;
		const struct roci_cg_dir *d = parts[i].v1 ? roci_cg_find(cg, parts[i].v1, &v2) : NULL;
		if (!d && parts[i].v2)
			d = roci_cg_find(cg, parts[i].v2, &v2);
		if (!d && !parts[i].v2 && cg->mode == ROCI_CG_V2) {
			roci_warn(log, "linux.resources.%s: cgroup v2 has no %s controller; ignored",
				  parts[i].what, parts[i].v1);
			continue;
		}
		if (!d)
			return roci_failx(err, ENOTSUP, "linux.resources.%s: the %s controller is not available in the container's cgroup",
					  parts[i].what, v2 || cg->mode == ROCI_CG_V2 ? parts[i].v2 : parts[i].v1);
		const struct roci_cg_writers *w = v2 ? &roci_cg_v2_writers : &roci_cg_v1_writers;
		roci_cg_writer fn = *(const roci_cg_writer *)((const char *)w + parts[i].slot);
		int r = fn(d->path, res, update, log, err);
		if (r < 0)
			return r;
	}
	if (res->n_unified) {
		const struct roci_cg_dir *d = NULL;
		for (size_t i = 0; i < cg->n && !d; i++)
			if (cg->dirs[i].v2)
				d = &cg->dirs[i];
		if (!d)
			return roci_failx(err, ENOTSUP, "linux.resources.unified: needs cgroup v2, and this host has only v1");
		int r = roci_cg_v2_unified(d->path, res, err);
		if (r < 0)
			return r;
	}
	return roci_cg_devices_apply(cg, res, update, err);
}

/* ---- removal ----------------------------------------------------------- */

/* systemd removes the unit's own directories when it stops the unit */
static int stop_unit(const struct roci_cgroup *cg, struct roci_err *err)
{
	struct roci_err local = { 0 };
	struct roci_systemd *sd = cg->sd;
	int r = sd ? 0 : roci_systemd_connect(&sd, cg->sd_user, err ? err : &local);
	if (r < 0)
		return r;
	r = roci_systemd_stop(sd, cg->unit, err ? err : &local);
	if (sd != cg->sd)
		roci_systemd_close(sd);
	return r;
}

/* fn(sub, depth + 1, arg) for each cgroup directly below path; nothing
 * below 32 levels. */
static void each_child(const char *path, unsigned depth,
		       void (*fn)(const char *sub, unsigned depth, void *arg), void *arg)
{
	_cleanup_closedir_ DIR *dir = depth < 32 ? opendir(path) : NULL;
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) < (int)sizeof(sub))
			fn(sub, depth + 1, arg);
	}
}

/* Thaw sub and every cgroup below it: a frozen task dies only once
 * thawed, and one the workload froze itself stays frozen when the
 * container thaws. */
static void thaw_tree(const char *sub, unsigned depth, void *arg)
{
	struct roci_err ignored = { 0 };
	if (roci_cg_has_file(sub, "freezer.state"))
		roci_cg_write(sub, "freezer.state", "THAWED", &ignored);
	else if (roci_cg_has_file(sub, "cgroup.freeze"))
		roci_cg_write(sub, "cgroup.freeze", "0", &ignored);
	each_child(sub, depth, thaw_tree, arg);
}

void roci_cgroup_thaw_below(const struct roci_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].path && (cg->dirs[i].v2 || roci_cg_in_list(cg->dirs[i].controllers, "freezer")))
			each_child(cg->dirs[i].path, 0, thaw_tree, NULL);
}

/* Remove path and every cgroup below it, deepest first. What still holds
 * processes (a sub-cgroup of one hierarchy only, made by the workload) is
 * killed first: nothing else would ever empty it. */
static int remove_tree(const char *path, int timeout_ms, unsigned depth);

static void remove_child(const char *sub, unsigned depth, void *arg)
{
	remove_tree(sub, *(const int *)arg, depth);
}

static int remove_tree(const char *path, int timeout_ms, unsigned depth)
{
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY)
		return -errno;
	each_child(path, depth, remove_child, &timeout_ms);
	char procs[PATH_MAX + 16];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	_cleanup_fclose_ FILE *f = fopen(procs, "re");
	long pid;
	while (roci_cg_next_pid(f, &pid))
		kill((pid_t)pid, SIGKILL);
	return roci_cg_rmdir_wait(path, timeout_ms);
}

int roci_cgroup_destroy(const struct roci_cgroup *cg, int timeout_ms, struct roci_err *err)
{
	int ret = cg->unit ? stop_unit(cg, err) : 0;
	roci_cgroup_thaw_below(cg);
	for (size_t i = 0; i < cg->n; i++) {
		const struct roci_cg_dir *d = &cg->dirs[i];
		if (!d->made_from || !d->path)
			continue;
		bool cpu = !d->v2 && roci_cg_in_list(d->controllers, "cpu");
		if (cpu)
			roci_cg_release_rt(d->path);
		int r = remove_tree(d->path, timeout_ms, 0);
		if (r < 0) {
			if (!ret && err)
				ret = roci_fail(err, -r, "remove cgroup %s", d->path);
			continue;
		}
		ROCI_STEP("cgroup: removed from %s", d->v2 ? "the unified hierarchy" : d->controllers);
		/* parents roci made, unless another container still uses them */
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s", d->path);
		size_t top = strlen(d->made_from);
		char *slash;
		while (strlen(path) > top && (slash = strrchr(path, '/'))) {
			*slash = '\0';
			if (cpu)
				roci_cg_release_rt(path);
			if (rmdir(path) < 0)
				break;
		}
	}
	return ret;
}

const char *roci_cgroup_name(const struct roci_cgroup *cg)
{
	return cg->unit ? cg->unit : (cg->rel ? cg->rel : "-");
}

const char *roci_cgroup_mode_name(enum roci_cg_mode mode)
{
	switch (mode) {
	case ROCI_CG_V1: return "v1";
	case ROCI_CG_V2: return "v2";
	case ROCI_CG_HYBRID: return "hybrid";
	default: return "none";
	}
}
