/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources written to cgroup v1 controller files. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

static int write_i64(const char *dir, const char *file, int64_t v, struct roci_err *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return roci_cg_write(dir, file, buf, err);
}

static int write_u64(const char *dir, const char *file, uint64_t v, struct roci_err *err)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return roci_cg_write(dir, file, buf, err);
}

static int64_t read_i64(const char *dir, const char *file)
{
	char buf[64];
	if (roci_cg_read(dir, file, buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static int v1_memory(const char *dir, const struct roci_resources *res, bool update,
		     const struct roci_log *log, struct roci_err *err)
{
	int r;
	if (res->memory.kernel.set || res->memory.kernel_tcp.set)
		roci_warn(log, "linux.resources.memory: kernel and kernelTCP limits are not supported by this kernel; ignored");
	const struct roci_opt_i64 *lim = &res->memory.limit, *swap = &res->memory.swap;
	if (update && res->memory.check_before_update && lim->set && lim->v > 0) {
		int64_t usage = read_i64(dir, "memory.usage_in_bytes");
		if (usage > lim->v)
			return roci_failx(err, EBUSY, "memory limit %" PRId64 " is below the current usage %" PRId64,
					  lim->v, usage);
	}
	if (swap->set && !roci_cg_has_file(dir, "memory.memsw.limit_in_bytes"))
		return roci_failx(err, ENOTSUP, "linux.resources.memory.swap: swap accounting is off on this host (no memory.memsw.limit_in_bytes)");
	/* memsw (memory+swap) may never be below the memory limit: raise it
	 * first when the new limit is above the current memsw */
	bool memsw_first = swap->set &&
			   (swap->v == -1 || (lim->set && (lim->v == -1 || lim->v > read_i64(dir, "memory.memsw.limit_in_bytes"))));
	if (memsw_first && (r = write_i64(dir, "memory.memsw.limit_in_bytes", swap->v, err)) < 0)
		return r;
	if (lim->set && (r = write_i64(dir, "memory.limit_in_bytes", lim->v, err)) < 0)
		return r;
	if (swap->set && !memsw_first && (r = write_i64(dir, "memory.memsw.limit_in_bytes", swap->v, err)) < 0)
		return r;
	if (res->memory.reservation.set &&
	    (r = write_i64(dir, "memory.soft_limit_in_bytes", res->memory.reservation.v, err)) < 0)
		return r;
	if (res->memory.swappiness.set &&
	    (r = write_u64(dir, "memory.swappiness", res->memory.swappiness.v, err)) < 0)
		return r;
	if (res->memory.disable_oom_killer_set &&
	    (res->memory.disable_oom_killer || update) &&
	    (r = roci_cg_write(dir, "memory.oom_control", res->memory.disable_oom_killer ? "1" : "0", err)) < 0)
		return r;
	return 0;
}

static int v1_cpu(const char *dir, const struct roci_resources *res, bool update,
		  const struct roci_log *log, struct roci_err *err)
{
	int r;
	if (res->cpu.shares.set && res->cpu.shares.v &&
	    (r = write_u64(dir, "cpu.shares", res->cpu.shares.v, err)) < 0)
		return r;
	/* period and quota are checked against each other: if the period
	 * does not fit the current quota, write the quota first */
	if (res->cpu.period.set && res->cpu.period.v) {
		r = write_u64(dir, "cpu.cfs_period_us", res->cpu.period.v, err);
		if (r == -EINVAL && res->cpu.quota.set) {
			roci_err_clear(err);
			if ((r = write_i64(dir, "cpu.cfs_quota_us", res->cpu.quota.v, err)) < 0 ||
			    (r = write_u64(dir, "cpu.cfs_period_us", res->cpu.period.v, err)) < 0)
				return r;
		} else if (r < 0) {
			return r;
		}
	}
	if (res->cpu.quota.set && res->cpu.quota.v &&
	    (r = write_i64(dir, "cpu.cfs_quota_us", res->cpu.quota.v, err)) < 0)
		return r;
	if (res->cpu.burst.set) {
		if (!roci_cg_has_file(dir, "cpu.cfs_burst_us"))
			return roci_failx(err, ENOTSUP, "linux.resources.cpu.burst: not supported by this kernel");
		if ((r = write_u64(dir, "cpu.cfs_burst_us", res->cpu.burst.v, err)) < 0)
			return r;
	}
	bool rt = (res->cpu.realtime_period.set && res->cpu.realtime_period.v) ||
		  (res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v);
	if (rt && !roci_cg_has_file(dir, "cpu.rt_period_us"))
		return roci_failx(err, ENOTSUP, "linux.resources.cpu: realtimeRuntime and realtimePeriod need realtime group scheduling, which this kernel lacks (no cpu.rt_period_us)");
	/* the runtime may never exceed the period: a period below the
	 * current runtime goes in after the new runtime */
	bool period = res->cpu.realtime_period.set && res->cpu.realtime_period.v;
	bool runtime = res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v;
	bool runtime_first = period && runtime &&
			     (int64_t)res->cpu.realtime_period.v < read_i64(dir, "cpu.rt_runtime_us");
	if (runtime_first && (r = write_i64(dir, "cpu.rt_runtime_us", res->cpu.realtime_runtime.v, err)) < 0)
		return r;
	if (period && (r = write_u64(dir, "cpu.rt_period_us", res->cpu.realtime_period.v, err)) < 0)
		return r;
	if (runtime && !runtime_first &&
	    (r = write_i64(dir, "cpu.rt_runtime_us", res->cpu.realtime_runtime.v, err)) < 0)
		return r;
	if (res->cpu.idle.set) {
		if (!roci_cg_has_file(dir, "cpu.idle"))
			return roci_failx(err, ENOTSUP, "linux.resources.cpu.idle: not supported by this kernel");
		if ((r = write_i64(dir, "cpu.idle", res->cpu.idle.v, err)) < 0)
			return r;
	}
	return 0;
}

int roci_cg_cpuset_write(const char *dir, const struct roci_resources *res, bool update,
			 const struct roci_log *log, struct roci_err *err)
{
	int r;
	if (res->cpu.cpus && *res->cpu.cpus && (r = roci_cg_write(dir, "cpuset.cpus", res->cpu.cpus, err)) < 0)
		return r;
	if (res->cpu.mems && *res->cpu.mems && (r = roci_cg_write(dir, "cpuset.mems", res->cpu.mems, err)) < 0)
		return r;
	return 0;
}

/* As runc: a positive limit is a number, a negative one "max", 0 unset. */
int roci_cg_pids_value(int64_t limit, char *buf, size_t len)
{
	if (limit == 0)
		return 0;
	if (limit < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, limit);
	return 1;
}

int roci_cg_pids_write(const char *dir, const struct roci_resources *res, bool update,
		       const struct roci_log *log, struct roci_err *err)
{
	char v[32];
	if (!roci_cg_pids_value(res->pids_limit.v, v, sizeof(v)))
		return 0;
	return roci_cg_write(dir, "pids.max", v, err);
}

static int v1_blkio(const char *dir, const struct roci_resources *res, bool update,
		    const struct roci_log *log, struct roci_err *err)
{
	int r;
	/* CFQ's blkio.weight, or BFQ's blkio.bfq.weight; neither with
	 * other I/O schedulers */
	const char *wfile = roci_cg_has_file(dir, "blkio.weight") ? "blkio.weight"
			    : roci_cg_has_file(dir, "blkio.bfq.weight") ? "blkio.bfq.weight" : NULL;
	bool bfq = wfile && strstr(wfile, "bfq");
	if (((res->blkio.weight.set && res->blkio.weight.v) || res->blkio.n_weight_devices) && !wfile)
		return roci_failx(err, ENOTSUP, "linux.resources.blockIO: weights need the CFQ or BFQ I/O scheduler (no blkio.weight or blkio.bfq.weight here)");
	if (res->blkio.weight.set && res->blkio.weight.v &&
	    (r = write_u64(dir, wfile, res->blkio.weight.v, err)) < 0)
		return r;
	if (res->blkio.leaf_weight.set && res->blkio.leaf_weight.v) {
		if (!roci_cg_has_file(dir, "blkio.leaf_weight"))
			return roci_failx(err, ENOTSUP, "linux.resources.blockIO.leafWeight: not supported by this kernel");
		if ((r = write_u64(dir, "blkio.leaf_weight", res->blkio.leaf_weight.v, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < res->blkio.n_weight_devices; i++) {
		const struct roci_blkio_weight_dev *w = &res->blkio.weight_devices[i];
		char v[96];
		if (w->weight.set) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, w->weight.v);
			if ((r = roci_cg_write(dir, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", v, err)) < 0)
				return r;
		}
		if (w->leaf_weight.set) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, w->leaf_weight.v);
			if ((r = roci_cg_write(dir, "blkio.leaf_weight_device", v, err)) < 0)
				return r;
		}
	}
	static const char *const files[ROCI_THROTTLE_COUNT] = {
		[ROCI_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
		[ROCI_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
		[ROCI_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
		[ROCI_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
	};
	for (int t = 0; t < ROCI_THROTTLE_COUNT; t++) {
		for (size_t i = 0; i < res->blkio.n_throttle[t]; i++) {
			const struct roci_blkio_rate_dev *d = &res->blkio.throttle[t][i];
			char v[96];
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, d->rate);
			if ((r = roci_cg_write(dir, files[t], v, err)) < 0)
				return r;
		}
	}
	return 0;
}

/* hugetlb.<size>.<suffix>, checked to exist (the kernel lists the sizes
 * it supports). */
int roci_cg_hugetlb_file(const char *dir, const char *page_size, const char *suffix, char *buf,
			 size_t len, struct roci_err *err)
{
	snprintf(buf, len, "hugetlb.%s.%s", page_size, suffix);
	if (!roci_cg_has_file(dir, buf))
		return roci_failx(err, EINVAL, "linux.resources.hugepageLimits: page size %s is not supported by this host", page_size);
	return 0;
}

static int v1_hugetlb(const char *dir, const struct roci_resources *res, bool update,
		      const struct roci_log *log, struct roci_err *err)
{
	for (size_t i = 0; i < res->n_hugepages; i++) {
		char file[128];
		int r = roci_cg_hugetlb_file(dir, res->hugepages[i].page_size, "limit_in_bytes", file, sizeof(file), err);
		if (r < 0 || (r = write_u64(dir, file, res->hugepages[i].limit, err)) < 0)
			return r;
	}
	return 0;
}

static int v1_net_cls(const char *dir, const struct roci_resources *res, bool update,
		      const struct roci_log *log, struct roci_err *err)
{
	return write_u64(dir, "net_cls.classid", res->network.class_id.v, err);
}

static int v1_net_prio(const char *dir, const struct roci_resources *res, bool update,
		       const struct roci_log *log, struct roci_err *err)
{
	for (size_t i = 0; i < res->network.n_priorities; i++) {
		char v[128];
		snprintf(v, sizeof(v), "%s %" PRIu32, res->network.priorities[i].name,
			 res->network.priorities[i].priority);
		int r = roci_cg_write(dir, "net_prio.ifpriomap", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* rdma.max: "<device> hca_handle=N hca_object=M" (same on v1 and v2) */
int roci_cg_rdma_write(const char *dir, const struct roci_resources *res, struct roci_err *err)
{
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct roci_rdma_limit *l = &res->rdma[i];
		char v[256];
		int n = snprintf(v, sizeof(v), "%s", l->device);
		if (l->hca_handles.set)
			n += snprintf(v + n, sizeof(v) - (size_t)n, " hca_handle=%" PRIu64, l->hca_handles.v);
		if (l->hca_objects.set)
			snprintf(v + n, sizeof(v) - (size_t)n, " hca_object=%" PRIu64, l->hca_objects.v);
		int r = roci_cg_write(dir, "rdma.max", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_rdma(const char *dir, const struct roci_resources *res, bool update,
		   const struct roci_log *log, struct roci_err *err)
{
	return roci_cg_rdma_write(dir, res, err);
}

const struct roci_cg_writers roci_cg_v1_writers = {
	.memory = v1_memory, .cpu = v1_cpu, .cpuset = roci_cg_cpuset_write, .pids = roci_cg_pids_write,
	.blkio = v1_blkio, .hugetlb = v1_hugetlb, .net_cls = v1_net_cls,
	.net_prio = v1_net_prio, .rdma = v1_rdma,
};

void roci_cg_release_rt(const char *dir)
{
	/* the kernel frees a removed group's share only later (RCU, a
	 * workqueue: up to a second here); given back now, the next
	 * container can have it at once */
	if (read_i64(dir, "cpu.rt_runtime_us") > 0)
		roci_cg_write(dir, "cpu.rt_runtime_us", "0", &(struct roci_err){ 0 });
}

/* The runtime left in dir for one more child: its own minus what its
 * children other than `except` hold. */
static int64_t rt_available(const char *dir, const char *except)
{
	int64_t avail = read_i64(dir, "cpu.rt_runtime_us");
	if (avail < 0)
		return -1;
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char child[PATH_MAX];
		if (snprintf(child, sizeof(child), "%s/%s", dir, e->d_name) >= (int)sizeof(child) ||
		    !strcmp(child, except))
			continue;
		int64_t used = read_i64(child, "cpu.rt_runtime_us");
		if (used > 0)
			avail -= used;
	}
	return avail > 0 ? avail : 0;
}

int roci_cgroup_grant_rt(const struct roci_cgroup *cg, struct roci_err *err)
{
	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "cpu", &v2);
	if (!d || v2 || !roci_cg_has_file(d->path, "cpu.rt_runtime_us") ||
	    read_i64(d->path, "cpu.rt_runtime_us") != 0)
		return 0;
	/* the topmost directory without runtime: buf[0, top) */
	size_t len = strlen(d->path), top = len;
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", d->path);
	for (;;) {
		char *slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			break;
		*slash = '\0';
		if (read_i64(buf, "cpu.rt_runtime_us") != 0)
			break;
		top = (size_t)(slash - buf);
	}
	/* then down to the leaf, each taking what its parent has left */
	snprintf(buf, sizeof(buf), "%s", d->path);
	for (size_t at = top;;) {
		char saved = buf[at];
		buf[at] = '\0';
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", buf);
		*strrchr(parent, '/') = '\0';
		/* another container may take runtime meanwhile (EINVAL): look
		 * again, a few times */
		int r = -EINVAL;
		for (int tries = 0; r == -EINVAL && tries < 20; tries++) {
			if (tries) {
				roci_err_clear(err);
				nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
			}
			int64_t avail = rt_available(parent, buf);
			r = avail > 0 ? write_i64(buf, "cpu.rt_runtime_us", avail, err) : -ENOSPC;
		}
		if (r == -ENOSPC || r == -EINVAL) {
			roci_err_clear(err);
			r = roci_failx(err, EPERM,
				       "process.scheduler: a realtime policy needs realtime runtime, and %s/cpu.rt_runtime_us has none left (set linux.resources.cpu.realtimeRuntime, or free some)",
				       parent);
		}
		buf[at] = saved;
		if (r < 0)
			return r;
		if (at >= len)
			break;
		char *next = strchr(buf + at + 1, '/');
		at = next ? (size_t)(next - buf) : len;
	}
	return 0;
}