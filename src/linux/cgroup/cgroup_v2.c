/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources written to cgroup v2 files, with the v1 -> v2
 * conversions runc and crun use (shares -> cpu.weight, blkio weight ->
 * io.weight, memory+swap -> memory.swap.max). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

static int write_num_or_max(const char *dir, const char *file, int64_t v, struct roci_err *err)
{
	char buf[32];
	if (v < 0)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%" PRId64, v);
	return roci_cg_write(dir, file, buf, err);
}

uint64_t roci_cg_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t roci_cg_blkio_to_io_weight(uint64_t w)
{
	if (w < 10)
		w = 10;
	if (w > 1000)
		w = 1000;
	return 1 + ((w - 10) * 9999) / 990;
}

/* v1 swap is memory+swap; v2 swap is swap alone. Returns 1 with *out
 * to write (-1 = max; 0 = no swap, when swap equals the memory limit),
 * 0 when memory.swap.max is left alone, or an error. */
int roci_cg_swap_to_v2(const struct roci_opt_i64 *limit, const struct roci_opt_i64 *swap,
		       int64_t *out, struct roci_err *err)
{
	int64_t mem = limit->set ? limit->v : 0, sw = swap->set ? swap->v : 0;
	*out = 0;
	if (mem == -1 && sw == 0) {
		*out = -1;
		return 1;
	}
	if (sw == 0)
		return 0;
	if (sw == -1) {
		*out = -1;
		return 1;
	}
	if (mem == 0)
		return roci_failx(err, EINVAL, "linux.resources.memory.swap: needs a memory limit on cgroup v2");
	if (sw < mem)
		return roci_failx(err, EINVAL, "linux.resources.memory.swap (%" PRId64 ") must be at least the memory limit (%" PRId64 ")", sw, mem);
	*out = sw - mem;
	return 1;
}

static int v2_memory(const char *dir, const struct roci_resources *res, bool update,
		     const struct roci_log *log, struct roci_err *err)
{
	int r;
	const struct roci_opt_i64 *lim = &res->memory.limit;
	if (res->memory.kernel.set || res->memory.kernel_tcp.set)
		roci_warn(log, "linux.resources.memory: kernel and kernelTCP limits do not exist on cgroup v2; ignored");
	if (res->memory.swappiness.set)
		roci_warn(log, "linux.resources.memory.swappiness: not available on cgroup v2; ignored");
	if (res->memory.disable_oom_killer_set && res->memory.disable_oom_killer)
		roci_warn(log, "linux.resources.memory.disableOOMKiller: not available on cgroup v2; ignored");
	if (update && res->memory.check_before_update && lim->set && lim->v > 0) {
		char buf[64];
		if (roci_cg_read(dir, "memory.current", buf, sizeof(buf)) > 0 && strtoll(buf, NULL, 10) > lim->v)
			return roci_failx(err, EBUSY, "memory limit %" PRId64 " is below the current usage %s", lim->v, buf);
	}
	int64_t swap;
	if ((r = roci_cg_swap_to_v2(lim, &res->memory.swap, &swap, err)) < 0)
		return r;
	if (r) {
		if (!roci_cg_has_file(dir, "memory.swap.max"))
			return roci_failx(err, ENOTSUP, "linux.resources.memory.swap: swap accounting is off on this host (no memory.swap.max)");
		/* swap first: a lower memory.max then cannot push pages out
		 * to a swap that is about to be limited */
		if ((r = write_num_or_max(dir, "memory.swap.max", swap, err)) < 0)
			return r;
	}
	if (lim->set && lim->v && (r = write_num_or_max(dir, "memory.max", lim->v, err)) < 0)
		return r;
	if (res->memory.reservation.set && res->memory.reservation.v &&
	    (r = write_num_or_max(dir, "memory.low", res->memory.reservation.v, err)) < 0)
		return r;
	return 0;
}

static int v2_cpu(const char *dir, const struct roci_resources *res, bool update,
		  const struct roci_log *log, struct roci_err *err)
{
	int r;
	char buf[64];
	if ((res->cpu.realtime_runtime.set && res->cpu.realtime_runtime.v) ||
	    (res->cpu.realtime_period.set && res->cpu.realtime_period.v))
		return roci_failx(err, ENOTSUP, "linux.resources.cpu: realtimeRuntime and realtimePeriod are not supported on cgroup v2");
	if (res->cpu.shares.set && res->cpu.shares.v) {
		snprintf(buf, sizeof(buf), "%" PRIu64, roci_cg_shares_to_weight(res->cpu.shares.v));
		if ((r = roci_cg_write(dir, "cpu.weight", buf, err)) < 0)
			return r;
	}
	bool quota = res->cpu.quota.set && res->cpu.quota.v, period = res->cpu.period.set && res->cpu.period.v;
	if (quota || period) {
		int n = quota && res->cpu.quota.v > 0 ? snprintf(buf, sizeof(buf), "%" PRId64, res->cpu.quota.v)
						      : snprintf(buf, sizeof(buf), "max");
		if (period)
			snprintf(buf + n, sizeof(buf) - (size_t)n, " %" PRIu64, res->cpu.period.v);
		if ((r = roci_cg_write(dir, "cpu.max", buf, err)) < 0)
			return r;
	}
	if (res->cpu.burst.set) {
		if (!roci_cg_has_file(dir, "cpu.max.burst"))
			return roci_failx(err, ENOTSUP, "linux.resources.cpu.burst: not supported by this kernel");
		snprintf(buf, sizeof(buf), "%" PRIu64, res->cpu.burst.v);
		if ((r = roci_cg_write(dir, "cpu.max.burst", buf, err)) < 0)
			return r;
	}
	if (res->cpu.idle.set) {
		snprintf(buf, sizeof(buf), "%" PRId64, res->cpu.idle.v);
		if ((r = roci_cg_write(dir, "cpu.idle", buf, err)) < 0)
			return r;
	}
	return 0;
}

static int v2_io(const char *dir, const struct roci_resources *res, bool update,
		 const struct roci_log *log, struct roci_err *err)
{
	int r;
	char v[160];
	/* BFQ takes the v1 range (1-1000) as it is; io.weight is 1-10000 */
	bool bfq = roci_cg_has_file(dir, "io.bfq.weight");
	const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
	if (((res->blkio.weight.set && res->blkio.weight.v) || res->blkio.n_weight_devices) && !bfq && !roci_cg_has_file(dir, "io.weight"))
		return roci_failx(err, ENOTSUP, "linux.resources.blockIO: weights need an I/O scheduler with io.weight or io.bfq.weight");
	if (res->blkio.leaf_weight.set && res->blkio.leaf_weight.v)
		roci_warn(log, "linux.resources.blockIO.leafWeight: not available on cgroup v2; ignored");
	if (res->blkio.weight.set && res->blkio.weight.v) {
		uint64_t w = bfq ? res->blkio.weight.v : roci_cg_blkio_to_io_weight(res->blkio.weight.v);
		snprintf(v, sizeof(v), "default %" PRIu64, w);
		if ((r = roci_cg_write(dir, wfile, v, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < res->blkio.n_weight_devices; i++) {
		const struct roci_blkio_weight_dev *w = &res->blkio.weight_devices[i];
		if (!w->weight.set)
			continue;
		uint64_t wv = bfq ? w->weight.v : roci_cg_blkio_to_io_weight(w->weight.v);
		snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor, wv);
		if ((r = roci_cg_write(dir, wfile, v, err)) < 0)
			return r;
	}
	static const char *const keys[ROCI_THROTTLE_COUNT] = {
		[ROCI_THROTTLE_READ_BPS] = "rbps", [ROCI_THROTTLE_WRITE_BPS] = "wbps",
		[ROCI_THROTTLE_READ_IOPS] = "riops", [ROCI_THROTTLE_WRITE_IOPS] = "wiops",
	};
	for (int t = 0; t < ROCI_THROTTLE_COUNT; t++) {
		for (size_t i = 0; i < res->blkio.n_throttle[t]; i++) {
			const struct roci_blkio_rate_dev *d = &res->blkio.throttle[t][i];
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major, d->minor, keys[t], d->rate);
			if ((r = roci_cg_write(dir, "io.max", v, err)) < 0)
				return r;
		}
	}
	return 0;
}

static int v2_hugetlb(const char *dir, const struct roci_resources *res, bool update,
		      const struct roci_log *log, struct roci_err *err)
{
	for (size_t i = 0; i < res->n_hugepages; i++) {
		char file[128], v[32];
		int r = roci_cg_hugetlb_file(dir, res->hugepages[i].page_size, "max", file, sizeof(file), err);
		if (r < 0)
			return r;
		snprintf(v, sizeof(v), "%" PRIu64, res->hugepages[i].limit);
		if ((r = roci_cg_write(dir, file, v, err)) < 0)
			return r;
	}
	return 0;
}

static int v2_rdma(const char *dir, const struct roci_resources *res, bool update,
		   const struct roci_log *log, struct roci_err *err)
{
	return roci_cg_rdma_write(dir, res, err);
}

int roci_cg_v2_unified(const char *dir, const struct roci_resources *res, struct roci_err *err)
{
	for (size_t i = 0; i < res->n_unified; i++) {
		const char *key = res->unified_keys[i];
		if (!roci_cg_has_file(dir, key))
			return roci_failx(err, ENOENT, "linux.resources.unified.%s: no such file in %s (is the controller enabled?)", key, dir);
		int r = roci_cg_write(dir, key, res->unified_values[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct roci_cg_writers roci_cg_v2_writers = {
	.memory = v2_memory, .cpu = v2_cpu, .cpuset = roci_cg_cpuset_write, .pids = roci_cg_pids_write,
	.blkio = v2_io, .hugetlb = v2_hugetlb, .rdma = v2_rdma,
};
